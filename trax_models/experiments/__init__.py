"""``python -m trax_models compare`` — Transformers vs RNNs, measured (``make compare``).

    python -m trax_models compare                 # default size: a few minutes on 2 CPU cores
    python -m trax_models compare --size smoke    # every code path in seconds (CI, tests)
    python -m trax_models compare --size full     # longer sequences, more steps (~20+ min)
    python -m trax_models compare --out DIR --seed 1 --parts recall,timing

Writes DIR/compare.json (config, conditions, every number) and PNG plots (default
DIR = build/compare). Modules: ``tasks`` (the synthetic data), ``fit`` (one training step and
the measurements), ``compare`` (the experiments and the computed findings), ``plots``.
"""
import argparse
import json
import os
import pathlib

from trax_models.errors import UserError

__all__ = ["cli", "run", "CONFIGS"]

PARTS = ("recall", "timing", "transduction", "summarization")
DEFAULT_PARTS = ("recall", "timing", "transduction")   # summarization: ask for it
DEFAULT_OUT = "build/compare"


def run(*args, **kwargs):
    """See ``trax_models.experiments.compare.run``."""
    from trax_models.experiments.compare import run as _run
    return _run(*args, **kwargs)


def __getattr__(name):
    if name == "CONFIGS":
        from trax_models.experiments.compare import CONFIGS
        return CONFIGS
    raise AttributeError(name)


def cli(argv):
    parser = argparse.ArgumentParser(
        prog="python -m trax_models compare",
        description="Transformer vs LSTM/GRU/RNN on long-range recall, step time vs length, "
                    "gradient norms vs distance, and seq2seq (with/without attention) vs "
                    "Transformer on reversal. Writes compare.json and PNG plots.")
    parser.add_argument("--size", default="default", choices=("smoke", "default", "full"),
                        help="smoke: seconds, numbers not meaningful (CI); default: a few "
                             "minutes on 2 CPU cores; full: ~20+ minutes")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights (default 0)")
    parser.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)} (default: "
                             f"{','.join(DEFAULT_PARTS)}; summarization = encoder–decoder vs "
                             f"TransformerLM on the default corpus)")
    parser.add_argument("--quiet", action="store_true", help="print only the findings")
    args = parser.parse_args(argv)

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise UserError(f"unknown --parts {','.join(unknown) or '(empty)'} — choose from "
                        f"{','.join(PARTS)}")
    out = pathlib.Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output folder {out}: {e.strerror} — pass a writable --out")
    if not os.access(out, os.W_OK):
        raise UserError(f"output folder {out} is not writable — pass a writable --out")

    from trax_models.experiments.compare import run as _run
    from trax_models.experiments.plots import plot_all
    result = _run(args.size, seed=args.seed, parts=parts,
                  quiet=args.quiet)
    result["plots"] = plot_all(result, out)
    path = out / "compare.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(path)
    print("\nfindings:")
    for f in result["findings"]:
        print(f"  [{'holds' if f['holds'] else 'does NOT hold'}] {f['claim']}\n      {f['evidence']}")
    print(f"\nwrote {path} and {len(result['plots'])} plots in {out} "
          f"({result['conditions']['wall_seconds']:.0f} s)")
    return 0
