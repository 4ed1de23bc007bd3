"""Every command in the README's ``sh`` blocks runs (issue 30, item 5): each
``python -m trax_models …`` and ``make train ARGS=…`` line of the summarizer and transfer
commands, as written, on tiny models of the kinds the README names — ``build/model`` is a
pointer_lm, the model ``make train`` writes; ``build/ed`` an encoder_decoder;
``build/ner``/``build/qa`` fine-tuned from ``build/model``. The README shows one example of every
command of ``python -m trax_models``; those that need a model of another kind or run for minutes
(``t5``, ``grade``, the studies) are parsed by their command's own parser instead, and every
``make TARGET`` the README names is a target of the Makefile.

Four things are swapped for speed only, never a flag of the example: tiny sizes are added
after its flags (later flags win), training without ``--source`` (or fine-tuning the tiny
``build/model`` with ``--init_from``: its vocabulary knows only made-up words) reads a small
pairs file (the embedded corpus takes minutes to generate; tests/sources covers it), a file of
``../shared`` is cut to its first 40 lines, and each command writes into its own scratch
folder. A command that needs what the README says you supply (the
prepared CNN/DailyMail ``--data_dir data``, ``PATH/summarize32k…``) must end in one error
line that names it.
"""
import pathlib
import re
import shlex
import shutil
from unittest import mock

import pytest

from tests.summarizer._tiny_run import TINY, assert_clean_failure, error_lines, run, write_pairs
from trax_models.__main__ import COMMANDS as CLI_COMMANDS
from trax_models.experiments import cli as experiments_cli
from trax_models.grader import notebook as grader_notebook
from trax_models.summarizer import cli as summarizer_cli
from trax_models.t5 import cli as t5_cli
from trax_models.transfer import cli as transfer_cli

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
ARTICLE = ("Kilbride Otters beat Harbour Town 2-1 on Saturday. Anna Keller scored twice for "
           "Kilbride Otters in the second half. The win lifts the club to third in the league.")
FINETUNE_TINY = ["--steps", "2", "--n_train", "8", "--n_test", "3", "--batch_size", "4",
                 "--eval_every", "2", "--eval_batches", "1", "--max_tokens", "96"]
SUPPLIED = {"data", "PATH/summarize32k.subword.subwords"}  # the user brings these
RUN = {"train", "summarize", "evaluate", "finetune", "ner", "qa"}  # run on the tiny world
PARSERS = {"train": summarizer_cli.train_parser, "summarize": summarizer_cli.summarize_parser,
           "evaluate": summarizer_cli.evaluate_parser, "finetune": transfer_cli.finetune_parser,
           "ner": transfer_cli.ner_parser, "qa": transfer_cli.qa_parser,
           "t5": t5_cli.t5_parser, "t5-study": t5_cli.study_parser,
           "compare": experiments_cli.compare_parser,
           "attention-study": experiments_cli.attention_study_parser}


def readme_commands():
    """The README's command lines: ``sh`` blocks, continuations joined, comments dropped."""
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"^ *```sh\n(.*?)^ *```", text, flags=re.S | re.M):  # list items too
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if argv[:3] == ["python", "-m", "trax_models"]:
                commands.append(argv[3:])
            elif argv[:2] == ["make", "train"]:
                extra = [a[len("ARGS="):] for a in argv[2:] if a.startswith("ARGS=")]
                commands.append(["train", *shlex.split(" ".join(extra))])
    return commands


COMMANDS = readme_commands()
RUNS = [argv for argv in COMMANDS if argv[0] in RUN]


def test_the_readme_shows_each_command():
    """One example at least of every command of ``python -m trax_models``."""
    assert {argv[0] for argv in COMMANDS} >= set(CLI_COMMANDS)


class Parsed(Exception):
    """grade's arguments parsed: the grading itself is not run here."""


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a)[:70] for a in COMMANDS])
def test_a_readme_command_parses(argv):
    """Each command line of the README, as written, is accepted by its command's parser."""
    assert argv[0] in CLI_COMMANDS, f"not a command of python -m trax_models: {argv[0]}"
    if argv[0] == "grade":  # its parser lives inside grade's cli: stop it right after parsing
        with mock.patch.object(grader_notebook, "grade_notebook", side_effect=Parsed), \
                pytest.raises(Parsed):
            grader_notebook.cli(argv[1:])
        return
    PARSERS[argv[0]]().parse_args(argv[1:])  # argparse exits (SystemExit 2) on a bad flag


def test_each_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z0-9-]+):", (REPO / "Makefile").read_text(), flags=re.M))
    named = set(re.findall(r"`make ([a-z0-9-]+)", (REPO / "README.md").read_text()))
    assert named and named <= targets, named - targets


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The paths the README's commands name, made tiny: {README path: scratch path}."""
    root = tmp_path_factory.mktemp("readme")
    pairs = write_pairs(root / "pairs.jsonl")
    (root / "article.txt").write_text(ARTICLE)
    (root / "my.gin").write_text("TrainConfig.rouge_articles = 0\n")
    paths = {"article.txt": root / "article.txt", "my.gin": root / "my.gin", "pairs": pairs}
    for name, model in (("build/model", "pointer_lm"), ("build/ed", "encoder_decoder")):
        code, _, err = run(["train", "--source", pairs, *TINY, "--model", model, "--steps", "2",
                            "--output_dir", root / name], seconds=300)
        assert code == 0, err[-2000:]
        paths[name] = root / name
    for task in ("ner", "qa"):
        code, _, err = run(["finetune", "--task", task, "--checkpoint", paths["build/model"],
                            "--output_dir", root / "build" / task, *FINETUNE_TINY], seconds=300)
        assert code == 0, err[-2000:]
        paths[f"build/{task}"] = root / "build" / task
    return root, paths


def _first_lines(path, folder, n=40):
    """A copy of ``path``'s first ``n`` lines in ``folder`` (a header and 39 rows for CSV)."""
    folder.mkdir(exist_ok=True)
    with open(path, encoding="utf-8") as f:
        head = [line for _, line in zip(range(n), f)]
    (folder / path.name).write_text("".join(head), encoding="utf-8")
    return str(folder / path.name)


def _tiny(argv, world, scratch):
    """``argv`` with the README's paths mapped to the tiny world and tiny sizes added."""
    root, paths = world
    command, argv = argv[0], list(argv[1:])
    out = scratch / "out"
    mapped = []
    for i, arg in enumerate(argv):
        writes = i > 0 and argv[i - 1] in ("--output_dir", "--output-dir")
        if arg.startswith("../shared/"):
            arg = _first_lines(SHARED / arg[len("../shared/"):], root / "shared")
        mapped.append(str(out) if writes else str(paths.get(arg, arg)))
    if command == "train":
        if "--init_from" in mapped:  # the tiny build/model's vocabulary is made-up words:
            for flag in ("--source", "--summary_key"):  # fine-tune it on its own kind of text
                if flag in mapped:
                    i = mapped.index(flag)
                    del mapped[i:i + 2]
        if "--source" not in mapped:
            mapped += ["--source", paths["pairs"]]
        if "--output_dir" not in mapped:
            mapped += ["--output_dir", out]
        return ["train", *mapped, *TINY, "--steps", "1"]
    if command == "finetune":
        return ["finetune", *mapped, *FINETUNE_TINY]
    if command == "evaluate":
        return ["evaluate", *mapped, "--n", "2", "--samples", "0"]
    return [command, *mapped]


@pytest.mark.parametrize("argv", RUNS, ids=[" ".join(a)[:70] for a in RUNS])
def test_a_readme_command_runs(argv, world, tmp_path):
    needs_shared = any(a.startswith("../shared/") for a in argv)
    if needs_shared and not SHARED.is_dir():
        pytest.skip("needs ../shared (the CNN/DailyMail sample), as the README says")
    code, _, err = run(_tiny(argv, world, tmp_path), seconds=300)
    supplied = SUPPLIED & set(argv)
    if supplied:  # the README says the user brings these: one line naming what is missing
        assert_clean_failure(code, err)
        assert any(name.split("/")[0] in error_lines(err)[0] for name in supplied), err
        return
    assert code == 0, err[-2000:]
    assert "Traceback" not in err
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
