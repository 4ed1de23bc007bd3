"""``train --model t5``: a tiny multi-task run, resumed at the right step; ``t5`` answers by
prefix and refuses bad input in one line; ``--tasks``/``--mixing`` are checked up front."""
import dataclasses
import json

import pytest

from trax_models.__main__ import main
from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.summarizer import checkpoint
from trax_models.summarizer.config import TrainConfig, check
from trax_models.summarizer.train import train
from trax_models.t5 import tasks as T
from trax_models.t5.evaluate import Multitask, prefix_swap, swap_inputs

TASKS = "classify=40,stsb=20"


@pytest.fixture(scope="module")
def tiny_vocab(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab") / "t5.subwords"
    texts = [e[k] for t in T.TASKS for e in T.examples(t, 0, "train", 30) for k in ("input", "target")]
    vocab.build_vocab(texts, path, target_size=300)
    return str(path)


def _config(out, vocab_file, steps):
    return TrainConfig(model="t5", tasks=TASKS, mixing="equal", vocab_file=vocab_file,
                       d_model=16, d_ff=32, n_layers=1, n_heads=2, max_length=128,
                       boundaries=(64,), batch_sizes=(4, 4), steps=steps, eval_every=2,
                       eval_batches=1, checkpoint_every=2, rouge_articles=2, lr=0.01,
                       warmup_steps=1, output_dir=str(out))


def _losses(out):
    rows = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


@pytest.fixture(scope="module")
def run(tmp_path_factory, tiny_vocab):
    """A 2-step run resumed to 4 steps, and the same 4 steps uninterrupted."""
    base = tmp_path_factory.mktemp("t5")
    first = train(_config(base / "run", tiny_vocab, 2))
    resumed = train(_config(base / "run", tiny_vocab, 4))
    whole = train(_config(base / "whole", tiny_vocab, 4))
    return base, first, resumed, whole


def test_a_resumed_run_continues_at_its_step_with_the_same_batches(run):
    base, first, resumed, whole = run
    assert first["steps"] == 2 and resumed["resumed_from"] == 2 and resumed["steps"] == 4
    got, want = _losses(base / "run"), _losses(base / "whole")
    assert sorted(got) == [1, 2, 3, 4]
    assert [got[s] for s in (3, 4)] == pytest.approx([want[s] for s in (3, 4)], rel=1e-5)


def test_the_run_records_its_tasks_and_reports_each_tasks_metric(run):
    base, _, resumed, _ = run
    config = checkpoint.load_config(base / "run")  # the model's kind: the checkpoint's
    assert config["model"] == "t5" and config["data"]["tasks"] == TASKS
    assert config["data"]["mixing"] == "equal"
    assert set(resumed["heldout"]) == {"classify", "stsb"}
    assert resumed["heldout"]["classify"]["metric"] == "accuracy"
    assert resumed["heldout"]["stsb"]["metric"] == "Pearson"


def test_the_model_answers_by_prefix_and_the_swap_check_runs(run):
    base = run[0]
    model = Multitask.from_checkpoint(base / "run")
    assert model.tasks == ["classify", "stsb"]
    answers = model.answer(["classify: Rain fell in Upton.", "stsb sentence1: A. sentence2: B."])
    assert [t for t, _ in answers] == ["classify", "stsb"]
    assert all(isinstance(o, str) for _, o in answers)
    swap = prefix_swap(model, n=2)
    assert set(swap["matrix"]) == {"classify", "stsb"} and 0 <= swap["follows"] <= 1
    inputs = swap_inputs(2)
    assert [T.parse(x)[0] for x in inputs["entities"]] == ["entities", "entities"]
    # the same text under each prefix
    assert inputs["summarize"][0].split(": ", 1)[1] == inputs["classify"][0].split(": ", 1)[1]


def test_the_cli_answers_a_prefixed_input_and_a_task_name(run, capsys):
    base = run[0]
    assert main(["t5", "--checkpoint", str(base / "run"), "--json",
                 "classify: Rain fell in Upton."]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["task"] == "classify" and row["input"] == "classify: Rain fell in Upton."
    assert main(["t5", "--checkpoint", str(base / "run"), "--task", "stsb", "One.", "Two."]) == 0
    assert capsys.readouterr().out.startswith("stsb: ")


@pytest.mark.parametrize("args, words", [
    (["translate English to German: Hello."], "unknown task prefix 'translate English to German:'"),
    ([""], "empty input"),
    ([], "nothing to answer"),
    (["entities: Anna Keller won."], "not trained on it — it knows classify, stsb"),
    (["--task", "stsb", "Only one sentence."], "takes 2 part(s)"),
    (["question: Who won?"], "needs the form"),
])
def test_the_cli_refuses_bad_input_in_one_line(run, capsys, args, words):
    assert main(["t5", "--checkpoint", str(run[0] / "run"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and words in err[0]


def test_tasks_and_mixing_are_checked_before_any_work(tmp_path, tiny_vocab):
    good = _config(tmp_path / "x", tiny_vocab, 2)
    for bad, words in [(dict(model="pointer_lm"), "choose the tasks of --model t5"),
                       (dict(tasks="summarize,translate"), "unknown task 'translate'"),
                       (dict(mixing="temperature:0.5"), "temperature T must be")]:
        with pytest.raises(UserError, match=words):
            check(dataclasses.replace(good, **bad))
    assert main(["train", "--model", "pointer_lm", "--tasks", "stsb",
                 "--output_dir", str(tmp_path / "y")]) == 2
    assert not (tmp_path / "y").exists()
