"""Transfer study: fine-tuning make train's checkpoint vs the same model from random weights.

    python -m benchmarks.study_transfer [--checkpoint build/model] [--tasks ner qa]
                                        [--steps 300] [--quick]

For each task (NER on the generated tags, QA on the generated questions), at equal steps and
batch size (and so ≈ equal wall time: the same model), on held-out articles (the "test"
split, articles neither the pre-training nor the fine-tuning saw):

  pretrained / random        the body from the checkpoint vs a seeded random one, at two
                             learning rates (1e-3, 3e-3): each start gets its better rate
  pretrained, frozen body    only the head and the final LayerNorm train (a linear probe)
  pretrained / random, echo  the text fed twice (both-sided context for the causal body)

Each run is ``trax_models.transfer.finetune`` (trax's Loop), then ``infer.evaluate``: NER
entity-level P/R/F1 (seqeval's convention), QA SQuAD 2.0 exact match / F1. Runs one at a time
(2 cores). Writes benchmarks/results/transfer.json (rows added as runs finish).
"""
import argparse
import pathlib
import shutil
import time

from benchmarks import common
from trax_models.transfer import finetune as ft
from trax_models.transfer import models

RUNS = [  # (name, init, lr, freeze: None = 0, "all" = every unit, echo)
    ("pretrained", "pretrained", 1e-3, None, False),
    ("random", "random", 1e-3, None, False),
    ("pretrained lr 3e-3", "pretrained", 3e-3, None, False),
    ("random lr 3e-3", "random", 3e-3, None, False),
    ("pretrained, body frozen", "pretrained", 3e-3, "all", False),
    ("pretrained, echo", "pretrained", 1e-3, None, True),
    ("random, echo", "random", 1e-3, None, True),
]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    p.add_argument("--tasks", nargs="+", default=list(ft.TASKS), choices=ft.TASKS)
    p.add_argument("--runs", nargs="+", default=[r[0] for r in RUNS])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--n_train", type=int, default=1000)
    p.add_argument("--n_test", type=int, default=100)
    p.add_argument("--work", default="build/study_transfer")
    p.add_argument("--quick", action="store_true", help="20 steps, 40/10 articles: a smoke run")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.n_train, args.n_test = 20, 40, 10
    _, base_args, _, base_kind = models.pretrained_body(args.checkpoint)
    result = {"what": "held-out NER / QA scores, fine-tuned from the checkpoint vs random init",
              "checkpoint": str(pathlib.Path(args.checkpoint).resolve()), "base_model": base_kind,
              "base_args": base_args, "steps": args.steps, "batch_size": 16,
              "n_train_articles": args.n_train, "n_test_articles": args.n_test, "runs": []}
    for task in args.tasks:
        for name, init, lr, freeze, echo in RUNS:
            if name not in args.runs:
                continue
            out = pathlib.Path(args.work) / f"{task}-{name.replace(' ', '_').replace(',', '')}"
            shutil.rmtree(out, ignore_errors=True)  # a fresh run each time: no resume
            config = ft.FinetuneConfig(
                task=task, checkpoint=args.checkpoint, output_dir=str(out), init=init, lr=lr,
                freeze=base_args["n_layers"] + 1 if freeze == "all" else 0, echo=echo,
                steps=args.steps, n_train=args.n_train, n_test=args.n_test,
                eval_every=max(1, args.steps // 3), eval_batches=2)
            start = time.perf_counter()
            r = ft.finetune(config, log=lambda *_: None)
            r["name"], r["wall_seconds"] = name, round(time.perf_counter() - start, 1)
            result["runs"].append(r)
            s = r["scores"]
            headline = (f"F1 {s['f1']:.3f} P {s['precision']:.3f} R {s['recall']:.3f}"
                        if task == "ner" else f"EM {s['exact_match']:.1f} F1 {s['f1']:.1f}")
            print(f"{task:4s} {name:28s} {headline}  ({r['train_seconds']:.0f} s training)",
                  flush=True)
            common.write_result("transfer", result, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
