"""``python -m trax_models COMMAND [options]`` — one entry point for every command.

Each command lives in its own module, which provides ``cli(argv) -> int``:

    train      trax_models.training      train a summarizer (``make train``)
    summarize  trax_models.decoding      summarize text files or stdin with a checkpoint
    evaluate   trax_models.evaluation    ROUGE of a checkpoint vs Lead-3 on a data split
    compare    trax_models.experiments   Transformers vs RNNs experiment (``make compare``)
"""
import importlib
import sys

COMMANDS = {
    "train": "trax_models.training",
    "summarize": "trax_models.decoding",
    "evaluate": "trax_models.evaluation",
    "compare": "trax_models.experiments",
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\nerror: unknown command {argv[0]!r}; choose one of {', '.join(COMMANDS)}",
                  file=sys.stderr)
            return 2
        return 0 if argv else 2
    from trax_models.errors import UserError
    module = importlib.import_module(COMMANDS[argv[0]])
    try:
        return module.cli(argv[1:]) or 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
