"""``python -m trax_models compare``: flags, then ``compare.run`` and ``plots.plot_all``;
``python -m trax_models attention-study``: flags, then ``attention_study.run`` and its tables."""
import argparse
import json
import os
import pathlib

from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.experiments import alignment_tasks, attention_study, compare
from trax_models.experiments.plots import plot_all
from trax_models.summarizer.cli import HelpFormatter

__all__ = ["cli", "compare_parser", "PARTS", "DEFAULT_PARTS", "DEFAULT_OUT",
           "attention_study_cli", "attention_study_parser", "STUDY_OUT"]

PARTS = ("recall", "timing", "transduction", "summarization")
DEFAULT_PARTS = ("recall", "timing", "transduction")   # summarization: ask for it
DEFAULT_OUT = "build/compare"
STUDY_OUT = "build/attention_study"


def compare_parser():
    """The ``compare`` command's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m trax_models compare",
        description="Transformer vs LSTM/GRU/RNN on long-range recall, step time vs length, "
                    "gradient norms vs distance, and seq2seq (with/without attention) vs "
                    "Transformer on reversal. Writes compare.json and PNG plots.",
        formatter_class=HelpFormatter)
    parser.add_argument("--size", default="default", choices=compare.SIZES,
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


def _writable(out):
    out = pathlib.Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot create output folder {out}: {e.strerror} — pass a writable --out")
    if not os.access(out, os.W_OK):
        raise UserError(f"output folder {out} is not writable — pass a writable --out")
    return out


def cli(argv):
    """``python -m trax_models compare [options]``; returns the exit code."""
    args = compare_parser().parse_args(argv)

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise UserError(f"unknown --parts {','.join(unknown) or '(empty)'} — choose from "
                        f"{','.join(PARTS)}")
    out = _writable(args.out)

    result = compare.run(args.size, seed=args.seed, parts=parts, quiet=args.quiet)
    result["plots"] = plot_all(result, out)
    path = out / "compare.json"
    atomic_write_text(path, json.dumps(result, indent=1))
    print("\nfindings:")
    for f in result["findings"]:
        print(f"  [{'holds' if f['holds'] else 'does NOT hold'}] {f['claim']}\n      {f['evidence']}")
    print(f"\nwrote {path} and {len(result['plots'])} plots in {out} "
          f"({result['conditions']['wall_seconds']:.0f} s)")
    return 0


# --- attention-study ------------------------------------------------------------------------------

def attention_study_parser():
    """The ``attention-study`` command's flags."""
    parser = argparse.ArgumentParser(
        prog="python -m trax_models attention-study",
        description="The family of attention mechanisms (and an encoder-decoder Transformer) "
                    "on digit tasks with a known alignment: trained on lengths 5-10, measured "
                    "at longer lengths (exact match, agreement with the gold alignment, skips, "
                    "repeats, entropy, focus). Writes attention_study.json and .md.",
        formatter_class=HelpFormatter)
    parser.add_argument("--size", default="ci", choices=attention_study.SIZES,
                        help="tiny = seconds, numbers not meaningful (tests); ci = a few minutes "
                             "with 4 of the models, and prints the default's time estimate; "
                             "default = every model on every task")
    parser.add_argument("--tasks", nargs="+", metavar="TASK",
                        help=f"tasks, any of {' '.join(alignment_tasks.TASKS)} "
                             "(default: all of them)")
    parser.add_argument("--attention", nargs="+", metavar="NAME",
                        help=f"models, any of {' '.join(attention_study.MODELS)} (default: the "
                             "size's list; all of them at --size default)")
    parser.add_argument("--hard", action="store_true",
                        help="decode hard monotonic attention (only with --attention monotonic)")
    parser.add_argument("--scheduled-sampling", "--scheduled_sampling", type=float, default=0.0,
                        metavar="P",
                        help="RNN models only: in training, each decoder input is the model's "
                             "own previous prediction with probability P instead of the true "
                             "token (scheduled sampling; 0 = teacher forcing). The Transformer "
                             "is always teacher-forced")
    parser.add_argument("--out", default=STUDY_OUT, metavar="DIR",
                        help="output folder for attention_study.json and attention_study.md")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and weights")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    return parser


def _names(values):
    """--tasks a b or --tasks a,b."""
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()] or None


def attention_study_cli(argv):
    """``python -m trax_models attention-study [options]``; returns the exit code."""
    args = attention_study_parser().parse_args(argv)
    tasks, models = _names(args.tasks), _names(args.attention)
    cfg = attention_study.CONFIGS[args.size]
    attention_study.check_applicable(
        models or cfg["models"] or attention_study.MODELS, tasks or list(alignment_tasks.TASKS),
        [1 << 30], args.hard)                                  # fail before creating --out
    if not 0.0 <= args.scheduled_sampling <= 1.0:
        raise UserError(f"--scheduled-sampling {args.scheduled_sampling:g}: a probability, "
                        "from 0 (teacher forcing) to 1")
    cfg = dict(cfg, scheduled_sampling=args.scheduled_sampling)
    out = _writable(args.out)
    result = attention_study.run(args.size, tasks, models, args.hard, args.seed, args.quiet,
                                 cfg=cfg)
    table = attention_study.markdown(result)
    atomic_write_text(out / "attention_study.json", json.dumps(result, indent=1))
    atomic_write_text(out / "attention_study.md", table)
    print("\n" + table)
    wall = result["conditions"]["wall_seconds"]
    print(f"wrote {out / 'attention_study.json'} and attention_study.md ({wall:.0f} s)")
    if "default_estimate_seconds" in result:
        print(f"estimated time of --size default on this machine: "
              f"{result['default_estimate_seconds'] / 60:.0f} min")
    return 0
