"""Is the T5 study's difference between mixing strategies larger than a change of seed?

    python -m benchmarks.t5_seed_check [--seed 1] [--out DIR]   # ≈18 min on 2 cores

Trains the three multi-task arms of ``t5-study --size long`` again with another ``seed`` (the
weights' initialisation and the training order), everything else the same, and scores them
as the study does. Writes ``benchmarks/results/t5_seed_check.json``: per arm and task, the
study's score (seed 0, read from ``benchmarks/results/t5_study_long.json``) beside this seed's.
"""
import argparse
import dataclasses
import json
import pathlib
import time

from benchmarks.common import RESULTS_DIR
from trax_models.summarizer.train import train
from trax_models.t5 import evaluate as t5_eval
from trax_models.t5 import study


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=None, help="default build/t5_seed_check/seedN")
    args = p.parse_args(argv)
    if args.seed == 0:
        p.error("--seed 0 is the study's own seed: choose another")
    args.out = args.out or f"build/t5_seed_check/seed{args.seed}"
    base = json.loads((RESULTS_DIR / "t5_study_long.json").read_text())
    cfg = study.CONFIGS["long"]
    out = {"seed": args.seed, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "arms": {}}
    for name, tasks, mixing, steps in study.arms("long")[:len(study.MULTI)]:
        folder = pathlib.Path(args.out) / name.replace(" ", "_").replace(":", "-")
        config = dataclasses.replace(study.arm_config("long", tasks, mixing, steps, folder),
                                     seed=args.seed)
        t0 = time.perf_counter()
        train(config)
        model = t5_eval.Multitask.from_checkpoint(folder)
        scores = t5_eval.evaluate(model, cfg["n_eval"])
        out["arms"][name] = {
            "seconds": round(time.perf_counter() - t0, 1),
            "scores": {t: {"seed 0": round(base["arms"][name]["scores"][t]["score"], 3),
                           f"seed {args.seed}": round(s["score"], 3), "metric": s["metric"]}
                       for t, s in scores.items()}}
        print(name, json.dumps(out["arms"][name]["scores"]), flush=True)
    path = RESULTS_DIR / "t5_seed_check.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
