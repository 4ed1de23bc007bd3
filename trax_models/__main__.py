"""Usage: python -m trax_models COMMAND [options] — one entry point for every command.

Commands:
    train      train a summarizer (what make train runs; it writes build/model)
    summarize  summarize text files or stdin with a trained checkpoint
    evaluate   ROUGE of a checkpoint vs Lead-3 and other baselines on a data split
    compare    the Transformers vs RNNs experiment (what make compare runs)
    attention-study  the family of attention mechanisms on tasks with a known alignment
    grade      run a learner's notebook and score each exercise
    finetune   fine-tune a trained summarizer (make train's) for NER or QA
    ner        tag the named entities of text files with a fine-tuned NER model
    qa         answer a question from text files with a fine-tuned QA model
    t5         answer prefixed inputs ("classify: …") with a multi-task model (train --model t5)
    t5-study   one multi-task model vs one model per task, under T5's mixing strategies

python -m trax_models COMMAND --help lists a command's options and their defaults; every
multi-word option may be written with dashes or underscores (--output-dir or --output_dir).
A mistake in the command line or its input prints one "error: ..." line and exits with
status 2; Ctrl-C or SIGTERM prints one line and exits with status 130 or 143.
"""
# The docstring above is the top-level --help, for users. For developers: each command is a
# function (argv) -> exit code (trax_models.summarizer.cli, .experiments.cli, .transfer.cli,
# .grader.notebook); a UserError prints one "error:" line and exits 2; Ctrl-C and SIGTERM are
# handled by trax_models.signals.
import sys

from trax_models import signals
from trax_models.errors import UserError
from trax_models.experiments.cli import attention_study_cli
from trax_models.experiments.cli import cli as compare_cli
from trax_models.grader.notebook import cli as grade_cli
from trax_models.summarizer import cli
from trax_models.t5 import cli as t5_cli
from trax_models.transfer import cli as transfer_cli

COMMANDS = {"train": cli.train, "summarize": cli.summarize, "evaluate": cli.evaluate_cli,
            "compare": compare_cli, "attention-study": attention_study_cli, "grade": grade_cli,
            "finetune": transfer_cli.finetune_cli, "ner": transfer_cli.ner_cli,
            "qa": transfer_cli.qa_cli, "t5": t5_cli.t5_cli, "t5-study": t5_cli.study_cli}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nerror: unknown command {argv[0]!r}; choose one of {', '.join(COMMANDS)}",
                  file=sys.stderr)
            return 2
        return 0 if argv else 2
    try:
        status = COMMANDS[argv[0]](argv[1:]) or 0
    except KeyboardInterrupt as e:
        signum = getattr(e, "signum", signals.signal.SIGINT)
    except Exception as e:
        # After a signal, any error is its consequence: a library may have turned the
        # Interrupted into its own (NumPy's "setting an array element with a sequence")
        signum = signals.received()
        if signum is None:
            return _user_error(e)
    else:
        signum = signals.received()  # raised inside a callback that swallowed it: still stop
        if signum is None:
            return status
    print(signals.message(signum), file=sys.stderr)
    return signals.exit_status(signum)


def _user_error(e):
    """Exit status 2 and one line for a mistake in the command or its input; else re-raise."""
    if isinstance(e, UserError):
        print(f"error: {e}", file=sys.stderr)
    elif isinstance(e, OSError):  # a path the checks let through (a name too long, a device)
        where = f" {e.filename}" if e.filename else ""
        print(f"error: cannot use{where}: {e.strerror or e} — check the path", file=sys.stderr)
    else:
        raise e
    return 2


if __name__ == "__main__":
    sys.exit(signals.run(main))
