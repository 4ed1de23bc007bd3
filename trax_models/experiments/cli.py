"""``python -m trax_models compare``: flags, then ``compare.run`` and ``plots.plot_all``."""
import argparse
import json
import os
import pathlib

from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.experiments.compare import run
from trax_models.experiments.plots import plot_all
from trax_models.summarizer.cli import HelpFormatter

__all__ = ["cli", "compare_parser", "PARTS", "DEFAULT_PARTS", "DEFAULT_OUT"]

PARTS = ("recall", "timing", "transduction", "summarization")
DEFAULT_PARTS = ("recall", "timing", "transduction")   # summarization: ask for it
DEFAULT_OUT = "build/compare"


def compare_parser():
    """The ``compare`` command's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m trax_models compare",
        description="Transformer vs LSTM/GRU/RNN on long-range recall, step time vs length, "
                    "gradient norms vs distance, and seq2seq (with/without attention) vs "
                    "Transformer on reversal. Writes compare.json and PNG plots.",
        formatter_class=HelpFormatter)
    parser.add_argument("--size", default="default", choices=("smoke", "default", "full"),
                        help="smoke = seconds, numbers not meaningful (CI); default = a few "
                             "minutes on 2 CPU cores; full = ~20+ minutes")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help="output folder for compare.json and the plots")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                        help=f"comma-separated subset of {','.join(PARTS)} (summarization = "
                             "the encoder–decoder vs the course's decoder-only TransformerLM, "
                             "equal parameters, on the default corpus; a few minutes more)")
    parser.add_argument("--quiet", action="store_true", help="print only the findings")
    return parser


def cli(argv):
    """``python -m trax_models compare [options]``; returns the exit code."""
    args = compare_parser().parse_args(argv)

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

    result = run(args.size, seed=args.seed, parts=parts, quiet=args.quiet)
    result["plots"] = plot_all(result, out)
    path = out / "compare.json"
    atomic_write_text(path, json.dumps(result, indent=1))
    print("\nfindings:")
    for f in result["findings"]:
        print(f"  [{'holds' if f['holds'] else 'does NOT hold'}] {f['claim']}\n      {f['evidence']}")
    print(f"\nwrote {path} and {len(result['plots'])} plots in {out} "
          f"({result['conditions']['wall_seconds']:.0f} s)")
    return 0
