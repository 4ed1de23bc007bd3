"""The family of attention mechanisms on tasks with a known alignment (``attention-study``).

    python -m trax_models attention-study --size ci          # a few minutes on 2 CPU cores
    python -m trax_models attention-study --tasks copy recopy --attention bahdanau monotonic

For each task of ``alignment_tasks`` it trains every mechanism of ``seq2seq.ATTENTIONS`` (None
written 'none') and a small encoder–decoder Transformer ('transformer'), all with the same
steps, batches and seed, on the training lengths (5–10), then decodes greedily (free running)
at each test length and measures, against the gold alignment:

    exact       fraction of rows decoded exactly (up to and including EOS)
    eos_error   fraction of rows whose first EOS is not where the target's is
    agreement   fraction of gold target steps whose argmax_j α_tj lies in the gold span
    skips       fraction of gold spans the argmax never visits (over the whole decode)
    repeats     fraction of steps whose argmax moves backwards (every gold alignment here is
                monotonic, so each is a mistake)
    entropy     mean entropy (nats) of α_t / Σ_j α_tj: high = collapsed onto a uniform smear
    focus       mean_t max_j α_tj (ESPnet's focus rate; < 1 also when Σ α < 1)

over the target's real steps (gold length, EOS included). For the RNNs α is the decoder's own
(``seq2seq.decode``); for the Transformer the last decoder block's cross-attention, averaged
over heads. ``run`` returns one JSON-ready dict; ``markdown`` renders its tables.
"""
import os
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
from trax import layers as tl

from trax_models.errors import UserError
from trax_models.experiments import alignment_tasks as at
from trax_models.experiments import fit
from trax_models.models import attention_family as af
from trax_models.models import encoder_decoder as ed
from trax_models.models import seq2seq

__all__ = ["CONFIGS", "SIZES", "MODELS", "TRANSFORMER", "alignment_metrics", "exact_match",
           "check_applicable", "transformer_decode", "run", "estimate_seconds", "markdown"]

TRANSFORMER = "transformer"
# seq2seq's attention names, None written 'none', then the Transformer
MODELS = tuple("none" if a is None else a for a in seq2seq.ATTENTIONS) + (TRANSFORMER,)

CONFIGS = {
    # seconds: every code path, numbers meaningless (tests)
    "tiny": dict(train_lengths=[5, 6], test_lengths=[5, 8], steps=2, batch=4, n_units=8,
                 d_model=8, lr=3e-3, n_eval=4, transformer=dict(d_model=8, n_heads=2, n_layers=1),
                 models=None),
    # a few minutes: the default's sizes with few steps and a subset of the models; its
    # timings give the default's estimate
    "ci": dict(train_lengths=list(at.TRAIN_LENGTHS), test_lengths=list(at.TEST_LENGTHS),
               steps=60, batch=32, n_units=32, d_model=16, lr=3e-3, n_eval=16,
               transformer=dict(d_model=32, n_heads=4, n_layers=1),
               models=["bahdanau", "location_sensitive", "monotonic", TRANSFORMER]),
    # the real study: every model on every task (not run in CI; see estimate_seconds)
    "default": dict(train_lengths=list(at.TRAIN_LENGTHS), test_lengths=list(at.TEST_LENGTHS),
                    steps=400, batch=32, n_units=32, d_model=16, lr=3e-3, n_eval=24,
                    transformer=dict(d_model=32, n_heads=4, n_layers=1), models=None),
}
SIZES = tuple(CONFIGS)


def _log(msg, quiet):
    if not quiet:
        print(msg, flush=True)


# --- metrics -----------------------------------------------------------------------------------

def exact_match(pred, tgt):
    """(exact, eos_error): pred, tgt (B, T) int with 0 after the first EOS (``seq2seq.decode``'s
    convention; tgt is padded with 0)."""
    pred, tgt = np.asarray(pred), np.asarray(tgt)
    exact = np.all(pred == tgt, axis=1)
    first_eos = lambda x: np.where((x == at.EOS).any(1), np.argmax(x == at.EOS, 1), -1)  # noqa: E731
    return float(exact.mean()), float(np.mean(first_eos(pred) != first_eos(tgt)))


def alignment_metrics(alpha, gold_lo, gold_hi, mask):
    """Alignment quality of α (B, T, S) against the gold spans gold_lo/gold_hi (B, T) on the
    steps with mask (B, T) = 1. Returns {agreement, skips, repeats, entropy, focus}."""
    alpha, mask = np.asarray(alpha, np.float64), np.asarray(mask) > 0
    arg = alpha.argmax(-1)                                                   # (B, T)
    hit = (arg >= gold_lo) & (arg <= gold_hi)
    steps = max(mask.sum(), 1)
    moved = mask[:, 1:] & mask[:, :-1]
    mass = alpha.sum(-1, keepdims=True)
    p = np.where(mass > 0, alpha / np.where(mass > 0, mass, 1.0), 0.0)
    entropy = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), -1)
    skipped = []
    for b in range(alpha.shape[0]):
        visited = arg[b][mask[b]]
        spans = {(lo, hi) for lo, hi in zip(gold_lo[b][mask[b]], gold_hi[b][mask[b]])}
        skipped += [not np.any((visited >= lo) & (visited <= hi)) for lo, hi in spans]
    return {"agreement": float(np.sum(hit & mask) / steps),
            "skips": float(np.mean(skipped)) if skipped else 0.0,
            "repeats": float(np.sum((arg[:, 1:] < arg[:, :-1]) & moved) / max(moved.sum(), 1)),
            "entropy": float(np.sum(entropy * mask) / steps),
            "focus": float(np.sum(alpha.max(-1) * mask) / steps)}


# --- checks before any training -----------------------------------------------------------------

def check_applicable(models, tasks, source_widths, hard=False):
    """One-line UserError for an unknown model or task, ``hard`` decoding with anything but
    'monotonic', or a windowed/local mechanism wider than the narrowest source."""
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise UserError(f"unknown attention {', '.join(unknown)} — choose from {', '.join(MODELS)}")
    unknown = [t for t in tasks if t not in at.TASKS]
    if unknown:
        raise UserError(f"unknown task {', '.join(unknown)} — choose from {', '.join(at.TASKS)}")
    if hard and any(m != "monotonic" for m in models):
        others = [m for m in models if m != "monotonic"]
        raise UserError(f"--hard decodes only 'monotonic' attention, not {', '.join(others)} "
                        "— pass --attention monotonic")
    narrowest = min(source_widths)
    for m in models:
        mech = af.MECHANISMS.get(m)
        try:
            if mech and mech.normalise == "windowed":
                af.check_width(af.DEFAULTS["window"], narrowest)
            elif mech and mech.normalise in ("local_p", "local_m"):
                d = af.DEFAULTS["local_d"]
                af.check_width(d, narrowest, 2 * d + 1, "local window")
        except ValueError as e:
            raise UserError(f"attention {m} cannot apply: {e}") from None


# --- the Transformer: greedy decoding and its cross-attention ----------------------------------

def _run_layers(layers, weights, states, stack, rng):
    """Runs ``layers`` one after another on a trax data stack (a tuple), as tl.Serial does."""
    for layer, w, s in zip(layers, weights, states):
        inputs = stack[0] if layer.n_in == 1 else tuple(stack[:layer.n_in])
        out, _ = layer.pure_fn(inputs, w, s, rng)
        stack = ((out,) if layer.n_out == 1 else tuple(out)) + tuple(stack[layer.n_in:])
    return stack


def _cross_attention(model, weights, state, src, tgt, n_heads, n_layers):
    """The last decoder block's cross-attention weights (B, T, S), mean over heads.

    ``model`` is ``ed.Transformer``: sublayers Select, Encoder, Select, ShiftRight, Embedding,
    Dropout, PositionalEncoding, then 3 residuals per decoder block (self, cross, feed-forward).
    """
    rng = jax.random.PRNGKey(0)
    cross = 7 + 3 * (n_layers - 1) + 1
    stack = _run_layers(model.sublayers[:cross], weights[:cross], state[:cross], (src, tgt), rng)
    y, x, mask = stack[:3]                      # decoder stream, encoder output, source mask
    # Residual = Serial(Branch = Serial(Select, Parallel(shortcut, inner)), Add)
    par, pw, ps = (model.sublayers[cross].sublayers[0].sublayers[1], weights[cross][0][1],
                   state[cross][0][1])
    inner, iw, is_ = par.sublayers[1], pw[1], ps[1]             # LayerNorm, Select, MHA, Dropout
    y = inner.sublayers[0].pure_fn(y, iw[0], is_[0], rng)[0]
    mha, mw, ms = inner.sublayers[2], iw[2], is_[2]
    q, k, _ = mha.sublayers[0].pure_fn((y, x), mw[0], ms[0], rng)[0]  # (B·H, L, d_head) each
    dots = jnp.matmul(q, jnp.swapaxes(k, -1, -2)) / jnp.sqrt(q.shape[-1])
    dots = jnp.where(jnp.repeat(mask, n_heads, axis=0)[:, None, :], dots, -1e9)
    w = jax.nn.softmax(dots, axis=-1)
    return w.reshape(src.shape[0], n_heads, *w.shape[1:]).mean(1)


def transformer_decode(model, src, max_len, n_heads, n_layers):
    """Greedy free-running decoding of ``ed.Transformer`` (train-mode weights, dropout 0) by
    re-running it on a fixed target buffer: src (B, S) → (tokens (B, max_len) with 0 after
    the first EOS, cross-attention (B, max_len, S) of the final buffer)."""
    weights, state = model.weights, model.state
    rng = jax.random.PRNGKey(0)

    @jax.jit
    def run(src):
        rows = jnp.arange(src.shape[0])

        def body(i, buf):
            (log_probs, _), _ = model.pure_fn((src, buf), weights, state, rng)
            return buf.at[rows, i].set(jnp.argmax(log_probs[:, i], -1).astype(buf.dtype))
        buf = jax.lax.fori_loop(0, max_len, body, jnp.zeros((src.shape[0], max_len), jnp.int32))
        return buf, _cross_attention(model, weights, state, src, buf, n_heads, n_layers)

    tokens, alpha = run(jnp.asarray(src, jnp.int32))
    tokens = np.asarray(tokens)
    after_eos = np.cumsum(np.cumsum(tokens == at.EOS, axis=1), axis=1) > 1
    return np.where(after_eos, 0, tokens), np.asarray(alpha)


# --- the study -----------------------------------------------------------------------------------

def _build(name, vocab_size, cfg, max_len):
    if name == TRANSFORMER:
        t = cfg["transformer"]
        core = ed.Transformer(vocab_size, vocab_size, t["d_model"], 2 * t["d_model"],
                              t["n_heads"], t["n_layers"], t["n_layers"], 0.0, max_len, "train")
        return tl.Serial(core, tl.Select([0], n_in=2))            # → log-probs only
    attention = None if name == "none" else name
    return seq2seq.Seq2Seq(vocab_size, vocab_size, cfg["d_model"], cfg["n_units"], attention,
                           scheduled_sampling=cfg.get("scheduled_sampling", 0.0), mode="train")


def _decode(name, model, src, max_len, cfg, hard):
    if name == TRANSFORMER:
        t = cfg["transformer"]
        return transformer_decode(model.sublayers[0], src, max_len, t["n_heads"], t["n_layers"])
    return seq2seq.decode(model, src, max_len, hard=hard)


def _train(model, next_batch, cfg, seed):
    """fit.train, timing the first step (compilation) apart from the others."""
    marks = {}

    def timed(step):
        if step == 1:
            marks["first"] = time.perf_counter()
        return next_batch(step)

    start = time.perf_counter()
    result = fit.train(model, timed, cfg["steps"], cfg["lr"], seed)
    end = time.perf_counter()
    first = marks.get("first", end)
    result["compile_seconds"] = first - start
    result["step_seconds"] = (end - first) / max(cfg["steps"] - 1, 1)
    return result


def study_task(task_name, cfg, models, seed=0, hard=False, quiet=False):
    """Trains and measures every model on one task; returns {model: results}."""
    task = at.make_task(task_name)
    train_widths = (task.source_width(cfg["train_lengths"]), task.target_width(cfg["train_lengths"]))
    max_len = max(task.source_width(cfg["test_lengths"] + cfg["train_lengths"]),
                  task.target_width(cfg["test_lengths"] + cfg["train_lengths"]))

    def next_batch(step):        # the same batches for every model
        b = task.batch(np.random.default_rng([seed, step]), cfg["batch"], cfg["train_lengths"],
                       train_widths)
        return (b.src, b.tgt), b.tgt, b.mask

    evals = {n: task.batch(np.random.default_rng([seed, 10**6, n]), cfg["n_eval"], [n])
             for n in cfg["test_lengths"]}
    out = {}
    for name in models:
        model = _build(name, task.vocab_size, cfg, max_len)
        _log(f"{task_name}: training {name}", quiet)
        result = _train(model, next_batch, cfg, seed)
        start = time.perf_counter()
        by_length = {}
        for n, b in evals.items():
            pred, alpha = _decode(name, model, b.src, b.tgt.shape[1], cfg, hard)
            exact, eos_error = exact_match(pred, b.tgt)
            metrics = {"exact": exact, "eos_error": eos_error}
            if name != "none":
                metrics.update(alignment_metrics(alpha, b.gold_lo, b.gold_hi, b.mask))
            by_length[str(n)] = metrics
        losses = result["losses"]
        out[name] = {"params": result["params"], "train_seconds": result["seconds"],
                     "compile_seconds": result["compile_seconds"],
                     "step_seconds": result["step_seconds"],
                     "eval_seconds": time.perf_counter() - start,
                     "final_loss": float(np.mean(losses[-max(len(losses) // 10, 1):])),
                     "first_loss": losses[0], "by_length": by_length}
        _log("  exact by length: " + ", ".join(f"{n}: {m['exact']:.2f}"
                                                 for n, m in by_length.items()), quiet)
    return {"vocab_size": task.vocab_size, "train_widths": list(train_widths), "models": out}


def run(size="ci", tasks=None, models=None, hard=False, seed=0, quiet=False, cfg=None):
    """The study at CONFIGS[size] (or ``cfg``) on ``tasks`` (default all) with ``models``
    (default the size's list, else all of MODELS). Returns the JSON-ready result."""
    cfg = dict(cfg or CONFIGS[size])
    tasks = list(tasks or at.TASKS)
    models = list(models or cfg.get("models") or MODELS)
    # the narrowest padded source any model will see (a window must fit in it)
    widths = [at.TASKS[t]().source_width([n]) for t in tasks if t in at.TASKS
              for n in cfg["test_lengths"] + [max(cfg["train_lengths"])]] or [1 << 30]
    check_applicable(models, tasks, widths, hard)
    start = time.time()
    result = {"size": size, "seed": seed, "hard": hard, "config": cfg, "models": models,
              "conditions": {"backend": jax.default_backend(), "cpu_count": os.cpu_count(),
                             "load_avg_at_start": list(os.getloadavg()),
                             "platform": platform.platform(), "jax": jax.__version__},
              "tasks": {}}
    for t in tasks:
        result["tasks"][t] = study_task(t, cfg, models, seed, hard, quiet)
    result["conditions"]["wall_seconds"] = time.time() - start
    result["conditions"]["load_avg_at_end"] = list(os.getloadavg())
    if size == "ci":
        result["default_estimate_seconds"] = estimate_seconds(result, CONFIGS["default"])
    return result


def estimate_seconds(result, target_cfg):
    """Wall seconds ``target_cfg`` would take, from a run's timings: per task, the mean over the
    measured models of compile + step time × target steps + evaluation scaled by n_eval
    (compilation included, so an over-estimate), times the number of models in target_cfg."""
    n_models = len(target_cfg.get("models") or MODELS)
    scale = target_cfg["n_eval"] / result["config"]["n_eval"]
    total = 0.0
    for task in result["tasks"].values():
        per_model = [m["compile_seconds"] + m["step_seconds"] * target_cfg["steps"]
                     + m["eval_seconds"] * scale for m in task["models"].values()]
        total += n_models * float(np.mean(per_model))
    return total


# --- report --------------------------------------------------------------------------------------

def markdown(result):
    """Exact match by length and alignment agreement by length, one table per task, then the
    mean agreement over lengths per model and task."""
    lines = [f"# Attention study ({result['size']}, seed {result['seed']}"
             f"{', hard monotonic decoding' if result['hard'] else ''})", ""]
    lengths = [str(n) for n in result["config"]["test_lengths"]]
    fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    for task, r in result["tasks"].items():
        lines += [f"## {task}", "",
                  "| model | " + " | ".join(f"exact@{n}" for n in lengths) + " | "
                  + " | ".join(f"align@{n}" for n in lengths) + " | train s |",
                  "|---" * (2 * len(lengths) + 2) + "|"]
        for name, m in r["models"].items():
            bl = m["by_length"]
            lines.append(f"| {name} | " + " | ".join(fmt(bl[n]["exact"]) for n in lengths) + " | "
                         + " | ".join(fmt(bl[n].get("agreement")) for n in lengths)
                         + f" | {m['train_seconds']:.0f} |")
        lines.append("")
    tasks = list(result["tasks"])
    lines += ["## Alignment agreement (mean over test lengths)", "",
              "| model | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
    for name in result["models"]:
        cells = []
        for t in tasks:
            vals = [v.get("agreement") for v in result["tasks"][t]["models"][name]["by_length"].values()]
            cells.append(fmt(None if None in vals else float(np.mean(vals))))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
