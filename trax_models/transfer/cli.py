"""The transfer-learning command lines (``python -m trax_models finetune|ner|qa``).

    finetune --task ner|qa --checkpoint BASE --output_dir OUT [--init random] [--freeze K] ...
    ner --checkpoint OUT FILE…              tagged text: [Anna Keller]PERSON scored …
    qa --checkpoint OUT --question "…" FILE…   the answer span and its score

Files are read as ``summarize`` reads them (``read_inputs``: '-' or none for stdin; at most
1 MiB; UTF-8, else Windows-1252 with a warning; binary refused); a ``UserError`` becomes one
``error:`` line and exit status 2 (``trax_models.__main__``).
"""
import argparse
import dataclasses
import json

from trax_models.summarizer.cli import HelpFormatter, spellings
from trax_models.summarizer.inputs import read_inputs
from trax_models.transfer import finetune as ft
from trax_models.transfer import metrics
from trax_models.transfer.infer import Finetuned

__all__ = ["finetune_cli", "ner_cli", "qa_cli", "markup"]


_FINETUNE_HELP = {  # FinetuneConfig's integer fields: (metavar, help)
    "steps": ("N", "training steps"),
    "batch_size": ("N", "examples (windows) per training batch"),
    "warmup_steps": ("N", "linear learning-rate warm-up steps, then constant"),
    "freeze": ("K", "units of the body frozen (kept as BASE has them), counted from the "
                    "bottom: 0 fine-tunes everything, 1 freezes the embeddings, 1 + n_layers "
                    "trains only the head"),
    "max_tokens": ("N", "longest input window in tokens, 16 … BASE's max_len; longer texts are "
                        "cut into windows (QA: overlapping) (default: BASE's max_len)"),
    "seed": ("N", "seed of the head's initialisation (and --init random's body), dropout and "
                  "batch order"),
    "data_seed": ("N", "seed of the generated labelled articles, and of the held-out share of "
                       "a --train-file given without --eval-file"),
    "n_train": ("N", "generated training articles (without --train-file)"),
    "n_test": ("N", "generated held-out articles (without --eval-file)"),
    "eval_every": ("STEPS", "steps between held-out evaluations and checkpoints"),
    "eval_batches": ("N", "held-out batches per evaluation during training"),
}


def finetune_parser():
    d = ft.FinetuneConfig(task="ner", checkpoint="", output_dir="")
    p = argparse.ArgumentParser(
        prog="python -m trax_models finetune",
        description="Fine-tune the decoder-only body of a trained summarizer — the pointer_lm "
                    "checkpoint that make train writes (build/model), or a transformer_lm; not "
                    "an encoder_decoder — for named-entity recognition or extractive question "
                    "answering, on the generated labelled splits or your own CoNLL / SQuAD "
                    "files, then score it on held-out data (OUT/results.json). Running it "
                    "again resumes. Every flag may be written with dashes or underscores "
                    "(--output-dir or --output_dir).",
        formatter_class=HelpFormatter)
    p.add_argument("--task", required=True, choices=ft.TASKS,
                   help="ner: tag each word (person, organisation, place, number, date); qa: "
                        "find a question's answer span in the text")
    p.add_argument("--checkpoint", required=True, metavar="BASE",
                   help="directory of `python -m trax_models train` with a pointer_lm or "
                        "transformer_lm model (make train: build/model); only read")
    p.add_argument(*spellings("--output_dir"), required=True, metavar="OUT",
                   help="folder for the fine-tuned model and its results.json (resumed if it "
                        "holds a checkpoint); what `ner` / `qa` take as --checkpoint")
    p.add_argument("--init", default=d.init, choices=ft.INITS,
                   help="start the body from BASE's weights, or from random ones of its shape")
    p.add_argument(*spellings("--train_file"), default=None, metavar="FILE",
                   help="CoNLL (ner) or SQuAD JSON (qa) training examples (default: the "
                        "generated training split)")
    p.add_argument(*spellings("--eval_file"), default=None, metavar="FILE",
                   help="CoNLL (ner) or SQuAD JSON (qa) held-out examples (default: the "
                        f"generated test split; with --train-file, a seeded {ft.HELD_OUT:.0%} "
                        "of its examples)".replace("%", "%%"))
    for field, (metavar, text) in _FINETUNE_HELP.items():
        p.add_argument(*spellings(f"--{field}"), type=int, default=getattr(d, field),
                       metavar=metavar, help=text)
    p.add_argument("--lr", type=float, default=d.lr,
                   help="learning rate (Adam, no weight decay) after the warm-up")
    p.add_argument("--dropout", type=float, default=d.dropout,
                   help="dropout rate of the body in training (0 = off)")
    p.add_argument("--echo", action="store_true",
                   help="feed the text twice so that every tag/answer position has read all of "
                        "it (both-sided context for the causal body; twice the length)")
    return p


def finetune_cli(argv):
    args = vars(finetune_parser().parse_args(argv))
    config = ft.FinetuneConfig(**{f.name: args[f.name] for f in dataclasses.fields(
        ft.FinetuneConfig)})
    results = ft.finetune(config)
    print(json.dumps({"output_dir": config.output_dir, **results}, indent=2))
    return 0


def markup(text, tagged):
    """``text`` with its entities bracketed: "[Anna Keller]PERSON scored" (``tag``'s output)."""
    out, pos = [], 0
    for kind, first, last in metrics.entities([t for *_, t in tagged]):
        a, b = tagged[first][1], tagged[last][2]
        out.append(text[pos:a] + "[" + text[a:b] + "]" + kind)
        pos = b
    return "".join(out) + text[pos:]


def _reader_parser(task, description):
    """The flags ``ner`` and ``qa`` share: the input files and the fine-tuned checkpoint."""
    p = argparse.ArgumentParser(prog=f"python -m trax_models {task}", description=description,
                                formatter_class=HelpFormatter)
    p.add_argument("inputs", nargs="*", metavar="FILE", help="text files; '-' or none: stdin")
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help=f"the --output-dir of `python -m trax_models finetune --task {task}`")
    return p


def ner_parser():
    p = _reader_parser("ner", "Tag the named entities (people, organisations, places, numbers, "
                              "dates) of text files with a fine-tuned NER model (`finetune "
                              "--task ner`).")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--conll", action="store_true", help="'word TAG' lines instead")
    form.add_argument("--json", action="store_true",
                      help="one JSON line per file: its entities with character offsets")
    return p


def _model_and_inputs(args, task, purpose):
    """The fine-tuned ``task`` model (checked before stdin is read) and the input texts."""
    model = Finetuned.from_checkpoint(args.checkpoint)
    model.require(task)
    return model, read_inputs(args.inputs, purpose)


def ner_cli(argv):
    args = ner_parser().parse_args(argv)
    model, inputs = _model_and_inputs(args, "ner", "tag")
    for name, text in inputs:
        tagged = model.tag(text)
        if args.conll:
            print("\n".join(f"{w} {t}" for w, _, _, t in tagged) + "\n")
        elif args.json:
            found = [{"text": text[tagged[f][1]:tagged[la][2]], "type": kind,
                      "start": tagged[f][1], "end": tagged[la][2]}
                     for kind, f, la in metrics.entities([t for *_, t in tagged])]
            print(json.dumps({"file": name, "entities": found}, ensure_ascii=False))
        else:
            if len(inputs) > 1:
                print(f"== {name}")
            print(markup(text, tagged))
    return 0


def qa_parser():
    p = _reader_parser("qa", "Answer a question from text files with a fine-tuned extractive QA "
                             "model (`finetune --task qa`): the answer is a span of the text, "
                             "or none.")
    p.add_argument("--question", required=True,
                   help="the question, in quotes, asked of each file")
    p.add_argument("--json", action="store_true", help="one JSON line per file")
    return p


def qa_cli(argv):
    args = qa_parser().parse_args(argv)
    model, inputs = _model_and_inputs(args, "qa", "answer from")
    for name, text in inputs:
        result = model.answer(args.question, text)
        if args.json:
            print(json.dumps({"file": name, "question": args.question, **result},
                             ensure_ascii=False))
            continue
        prefix = f"{name}: " if len(inputs) > 1 else ""
        if result["text"]:
            print(f"{prefix}{result['text']}\t(score {result['score']:.3f}, characters "
                  f"{result['start']}-{result['end']})")
        else:
            print(f"{prefix}no answer in the text\t(no-answer score "
                  f"{result['no_answer_score']:.2f})")
    return 0
