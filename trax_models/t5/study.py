"""T5's idea, measured: one multi-task model against one model per task, under each mixing.

    python -m trax_models t5-study --size default     # ≈35 min on 2 CPU cores (9 runs, 600 steps + one ×5)
    python -m trax_models t5-study --size ci          # seconds: every code path, tiny model
    python -m trax_models t5-study --size long        # ≈37 min: the same eight runs, 2,000 steps

Every arm is a ``train --model t5`` run (``summarizer.train.train``: checkpointed, resumable)
with the SAME model size, steps, batch, learning rate and seed; only ``--tasks`` and
``--mixing`` differ:

    multi-task, examples-proportional (K = 3,000)    all five tasks, T5's default mixing
    multi-task, temperature T = 2                    rates ∝ n^(1/2)
    multi-task, equal                                rates 1/5
    single-task × 5                                  one model per task, all steps on it

The tasks have deliberately different sizes (``tasks.TASKS``: 12,000 questions … 600 stsb
pairs), so the strategies give them very different shares of the steps. Each model is then
scored on held-out "test" examples of every task it was trained on (``evaluate.evaluate``;
the generator's other split names: no article was seen in training), and the multi-task
models get the prefix-swap check (``evaluate.prefix_swap``). ``run`` returns one JSON-ready
dict; ``markdown`` renders its tables. A finished arm is not trained again (its run folder is
resumed: nothing left to train) and its scores are read back from its folder.
"""
import collections
import json
import os
import pathlib
import platform
import time

from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.sources.extractive import split_sentences
from trax_models.summarizer.config import TrainConfig
from trax_models.summarizer.train import train
from trax_models.t5 import evaluate as t5_eval
from trax_models.t5 import mixing as mixing_lib
from trax_models.t5 import streams
from trax_models.t5 import tasks as task_lib

__all__ = ["SIZES", "CONFIGS", "MULTI", "arms", "arm_config", "baselines", "run", "markdown",
           "write"]

MULTI = ("proportional:3000", "temperature:2", "equal")   # the multi-task arms' --mixing
_MODEL = dict(model="t5", max_length=256, boundaries=(128,), batch_sizes=(16, 16),
              n_heads=4, warmup_steps=100, seed=0, rouge_articles=0, shuffle_buffer=1024)
CONFIGS = {
    # seconds: every code path, numbers meaningless (tests, the notebook's CI setting)
    "ci": dict(train=dict(d_model=16, d_ff=32, n_layers=1, steps=3, lr=0.005, eval_every=3,
                          eval_batches=1, checkpoint_every=3),
               n_eval=4, n_swap=3, tasks="classify=40,stsb=20", single=("stsb",),
               multi=("proportional:3000",), longer=()),
    # the study: ≈35 min of training on 2 CPU cores (8 runs of ≈250 s), plus scoring
    # (lr 0.001: at 0.005 and 0.01 every model, even a single-task classifier, stayed at the
    # constant answer of its prior — checked 6 Dec 2026; at 0.001 the classifier reads its input)
    "default": dict(train=dict(d_model=64, d_ff=256, n_layers=2, steps=600, lr=0.001,
                               eval_every=200, eval_batches=2, checkpoint_every=200),
                    n_eval=100, n_swap=30, tasks=None, single=tuple(task_lib.TASKS),
                    multi=MULTI, longer=("proportional:3000",)),
    # the same eight runs at 2,000 steps each (≈37 min on 2 cores): at 600 steps most models,
    # single-task ones too, had not left their prior. 1,000 warm-up steps: with 100, rsqrt decay
    # has cut the rate to a fifth by step 2,000 (classify 0.27 → 0.82 multi proportional, 0.19 →
    # 0.29 multi temperature with 1,000; t5_study_long.json's "warmup_check", 6 Dec 2026)
    "long": dict(train=dict(d_model=64, d_ff=256, n_layers=2, steps=2000, lr=0.001,
                            warmup_steps=1000, eval_every=500, eval_batches=2,
                            checkpoint_every=500),
                 n_eval=100, n_swap=30, tasks=None, single=tuple(task_lib.TASKS),
                 multi=MULTI, longer=()),
}
SIZES = tuple(CONFIGS)


def arms(size):
    """[(arm name, --tasks, --mixing, steps)] of a size: the multi-task ones, one per task (all
    at the size's steps), then the ``longer`` multi-task ones: as many steps as all the
    single-task models together (the same total compute, not the same steps)."""
    cfg = CONFIGS[size]
    sizes = streams.parse_tasks(cfg["tasks"])
    spec, steps = ",".join(f"{t}={n}" for t, n in sizes.items()), cfg["train"]["steps"]
    multi = [(f"multi {m}", spec, m, steps) for m in cfg["multi"]]
    single = [(f"single {t}", f"{t}={sizes[t]}", None, steps) for t in cfg["single"]]
    total = steps * len(cfg["single"])
    return multi + single + [(f"multi {m} ×{len(cfg['single'])} steps", spec, m, total)
                             for m in cfg["longer"]]


def arm_config(size, tasks, mixing, steps, folder):
    """The ``train`` settings of one arm: the size's (over the shared model's), these steps."""
    return TrainConfig(**{**_MODEL, **CONFIGS[size]["train"], "steps": steps}, tasks=tasks,
                       mixing=mixing, output_dir=str(folder))


def _run_arm(name, tasks, mixing, steps, size, out, quiet):
    cfg = CONFIGS[size]
    folder = out / "runs" / name.replace(" ", "_").replace(":", "-").replace("×", "x")
    config = arm_config(size, tasks, mixing, steps, folder)
    scores_file = folder / "t5_scores.json"
    t0 = time.perf_counter()
    result = train(config)
    seconds = round(time.perf_counter() - t0, 1)
    if scores_file.is_file():  # scored before: the same weights, the same examples
        return json.loads(scores_file.read_text())
    model = t5_eval.Multitask.from_checkpoint(folder)
    t1 = time.perf_counter()
    scores = t5_eval.evaluate(model, cfg["n_eval"])
    swap = t5_eval.prefix_swap(model, cfg["n_swap"]) if len(model.tasks) > 1 else None
    sizes = streams.parse_tasks(tasks)
    rates = mixing_lib.rates(sizes, mixing_lib.Mixing.parse(mixing or streams.DEFAULT_MIXING))
    batch = _MODEL["batch_sizes"][0]
    arm = {"tasks": sizes, "mixing": mixing, "steps": steps, "rates": rates,
           "examples_seen": {t: round(r * steps * batch) for t, r in rates.items()},
           "epochs": {t: round(r * steps * batch / sizes[t], 2) for t, r in rates.items()},
           "train_seconds": result["seconds"].get("train", seconds),
           "score_seconds": round(time.perf_counter() - t1, 1), "eval": result.get("eval"),
           "scores": scores, "prefix_swap": swap}
    atomic_write_text(scores_file, json.dumps(arm, indent=1))
    if not quiet:
        print(f"{name}: trained {arm['train_seconds']:.0f} s\n" + t5_eval.table(scores), flush=True)
    return arm


def baselines(n_eval, tasks=None):
    """What no model scores: Lead-3 for summaries, the most frequent training target for the
    other tasks (a model that ignores its input can reach these), on the arms' examples."""
    out = {}
    for task in tasks or task_lib.TASKS:
        refs = task_lib.examples(task, streams.DATA_SEED, "test", n_eval)  # the arms' examples
        if task == "summarize":
            name, outputs = "Lead-3", [" ".join(split_sentences(r["article"])[:3]) for r in refs]
        else:
            train = task_lib.examples(task, streams.DATA_SEED, "train")
            label = collections.Counter(e["target"] for e in train).most_common(1)[0][0]
            name, outputs = f"always {label!r}", [label] * len(refs)
        out[task] = dict(task_lib.score(task, outputs, refs), baseline=name)
    return out


def run(size="default", out="build/t5_study", quiet=False):
    """Every arm of ``size`` (see the module), trained into ``out``/runs and scored."""
    if size not in CONFIGS:
        raise UserError(f"unknown --size {size!r} — use one of {', '.join(SIZES)}")
    cfg, out, start = CONFIGS[size], pathlib.Path(out), time.perf_counter()
    results = {name: _run_arm(name, tasks, mixing, steps, size, out, quiet)
               for name, tasks, mixing, steps in arms(size)}
    return {
        "size": size,
        "config": {**{k: list(v) if isinstance(v, tuple) else v for k, v in _MODEL.items()},
                   **cfg["train"], "n_eval": cfg["n_eval"], "n_swap": cfg["n_swap"],
                   "data_seed": streams.DATA_SEED,
                   "formats": {t: task.pattern for t, task in task_lib.TASKS.items()}},
        "conditions": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "cpu_count": os.cpu_count(), "machine": platform.processor() or
                       platform.machine(), "wall_seconds": round(time.perf_counter() - start, 1)},
        "arms": results,
        "baselines": baselines(cfg["n_eval"], streams.parse_tasks(cfg["tasks"])),
    }


def _cell(arm, task):
    s = (arm["scores"] or {}).get(task)
    return "–" if s is None else f"{s['score']:.3f}"


def markdown(result):
    """The study's tables: per-task scores of every arm; rates and epochs; the prefix swap."""
    arms_ = result["arms"]
    multi = [n for n in arms_ if n.startswith("multi")]
    tasks = list(dict.fromkeys(t for a in arms_.values() for t in a["scores"]))
    base = result.get("baselines", {})
    head = ["task (metric)", "single-task", *multi, "no model"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for t in tasks:
        single = arms_.get(f"single {t}")
        metric = next(a["scores"][t]["metric"] for a in arms_.values() if t in a["scores"])
        none = f"{base[t]['score']:.3f} ({base[t]['baseline']})" if t in base else "–"
        lines.append(f"| {t} ({metric}) | {_cell(single, t) if single else '–'} | "
                     + " | ".join(_cell(arms_[m], t) for m in multi) + f" | {none} |")
    lines += ["", "| share of steps (epochs of its data) | " + " | ".join(multi) + " |",
              "|---|" + "---|" * len(multi)]
    for t in tasks:
        lines.append(f"| {t} | " + " | ".join(
            f"{arms_[m]['rates'].get(t, 0):.3f} ({arms_[m]['epochs'].get(t, 0):.1f})"
            for m in multi) + " |")
    if multi:
        lines += ["", "| prefix swap: outputs of the prompted task's kind | "
                  + " | ".join(multi) + " |", "|---|" + "---|" * len(multi)]
        for t in tasks:
            lines.append(f"| {t}: | " + " | ".join(
                f"{arms_[m]['prefix_swap']['matrix'][t][t]:.2f}" for m in multi) + " |")
    return "\n".join(lines) + "\n"


def write(result, out):
    """``out``/t5_study.json and t5_study.md; their paths."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "t5_study.json", out / "t5_study.md"
    atomic_write_text(json_path, json.dumps(result, indent=1))
    atomic_write_text(md_path, markdown(result))
    return json_path, md_path

