"""The multi-task model's command lines (``python -m trax_models t5 | t5-study``).

    t5 --checkpoint DIR "classify: The council voted …" ["question: Who? context: …" …]
    t5 --checkpoint DIR --task summarize --file article.txt        # a task name and its text
    t5 --checkpoint DIR --task question "Who scored?" --file article.txt
    t5 --checkpoint DIR --task stsb "First sentence." "Second sentence."
    t5-study --size ci|default|long --out DIR                      # the study (study.py)

Every input is checked before the model is loaded: an empty one, an unknown prefix, a missing
part, or a task the checkpoint was not trained on is one ``error:`` line and exit status 2
(``UserError``, ``trax_models.__main__``).
"""
import argparse
import json
import sys

from trax_models.errors import UserError
from trax_models.summarizer import checkpoint
from trax_models.summarizer.cli import HelpFormatter
from trax_models.summarizer.inputs import read_inputs
from trax_models.t5 import evaluate as t5_eval
from trax_models.t5 import study
from trax_models.t5 import tasks as task_lib

__all__ = ["t5_cli", "t5_parser", "study_cli", "study_parser", "inputs_of"]


def t5_parser():
    p = argparse.ArgumentParser(
        prog="python -m trax_models t5",
        description="Answer prefixed inputs with a multi-task model (`python -m trax_models "
                    "train --model t5`): the prefix chooses the task — " + "; ".join(
                        t.pattern for t in task_lib.TASKS.values()) + ". Give whole prefixed "
                    "inputs, or --task and the task's parts.",
        formatter_class=HelpFormatter)
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help="folder of a `train --model t5` run (only read)")
    p.add_argument("--task", choices=tuple(task_lib.TASKS),
                   help="the task; TEXT (and --file) are then its parts in order: summarize, "
                        "classify, entities: the text; question: the question, then the "
                        "context; stsb: sentence1, then sentence2 (default: none — each TEXT "
                        "is a whole prefixed input)")
    p.add_argument("--file", metavar="FILE",
                   help="read the last part (with --task; else one whole prefixed input) from "
                        "FILE, '-' for stdin (text, at most 1 MiB) (default: none)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per input: task, input, output")
    p.add_argument("text", nargs="*", metavar="TEXT",
                   help="prefixed inputs ('classify: …'), or with --task the task's parts")
    return p


def inputs_of(args):
    """The prefixed input strings of the parsed ``args`` (UserError for what is missing)."""
    parts = list(args.text)
    if args.file is not None:
        parts.append(read_inputs([args.file], purpose="answer")[0][1])
    if any(not p.strip() for p in parts):
        raise UserError("empty input — every TEXT must hold some text")
    if args.task is None:
        if not parts:
            raise UserError("nothing to answer: give a prefixed input such as "
                            "'classify: TEXT', or --task NAME with its text")
        return parts
    fields = task_lib.TASKS[args.task].fields
    if len(parts) != len(fields):
        raise UserError(f"--task {args.task} takes {len(fields)} part(s), "
                        f"{' then '.join(fields)} (TEXT, or --file for the last), got "
                        f"{len(parts)}")
    return [task_lib.format_input(args.task, **dict(zip(fields, parts)))]


def t5_cli(argv):
    """``python -m trax_models t5 [options] TEXT…``; returns the exit code."""
    args = t5_parser().parse_args(argv)
    inputs = inputs_of(args)
    for text in inputs:  # syntax first (no file read), then the checkpoint's own tasks
        task_lib.parse(text)
    trained = t5_eval.trained_tasks(checkpoint.load_config(args.checkpoint))
    for text in inputs:
        task_lib.parse(text, trained)
    model = t5_eval.Multitask.from_checkpoint(args.checkpoint)
    for text, (task, output) in zip(inputs, model.answer(inputs)):
        if args.json:
            print(json.dumps({"task": task, "input": text, "output": output},
                             ensure_ascii=False))
        else:
            print(f"{task}: {output}")
    sys.stdout.flush()
    return 0


def study_parser():
    p = argparse.ArgumentParser(
        prog="python -m trax_models t5-study",
        description="T5's idea measured: one multi-task model (three mixing strategies) "
                    "against one model per task, at the same size, steps and seed; each scored "
                    "by its task's own metric on held-out examples, plus the prefix-swap "
                    "check. Writes t5_study.json and t5_study.md; the runs go to OUT/runs "
                    "(resumed when run again).",
        formatter_class=HelpFormatter)
    p.add_argument("--size", default="default", choices=study.SIZES,
                   help="ci = seconds, numbers meaningless (tests); default = the first "
                        "study (8 runs of 600 steps + one of 3,000, ≈35 min on 2 CPU cores); long = the "
                        "eight at 2,000 steps, 1,000 warm-up (≈37 min; what make t5-study runs)")
    p.add_argument("--out", default="build/t5_study", metavar="DIR",
                   help="folder for t5_study.json, t5_study.md and the runs")
    p.add_argument("--quiet", action="store_true", help="print only the tables")
    return p


def study_cli(argv):
    """``python -m trax_models t5-study [options]``; returns the exit code."""
    args = study_parser().parse_args(argv)
    result = study.run(args.size, args.out, args.quiet)
    json_path, md_path = study.write(result, args.out)
    print("\n" + study.markdown(result))
    print(f"wrote {json_path} and {md_path} ({result['conditions']['wall_seconds']:.0f} s)")
    return 0
