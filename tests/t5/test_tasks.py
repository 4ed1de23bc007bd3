"""The text-to-text formats: the prefix parser, the generated examples, validity and scores."""
import math

import pytest

from trax_models.errors import UserError
from trax_models.t5 import tasks as T


@pytest.mark.parametrize("task", list(T.TASKS))
def test_every_example_parses_back_to_its_task(task):
    for e in T.examples(task, 0, "train", 20):
        name, fields = T.parse(e["input"])
        assert name == task and T.format_input(task, **fields) == e["input"]
        assert e["target"].strip()


@pytest.mark.parametrize("task", list(T.TASKS))
def test_examples_are_pure_and_held_out_inputs_are_new(task):
    a, b = T.examples(task, 0, "train", 300), T.examples(task, 0, "train", 300)
    assert a == b
    test = T.examples(task, 0, "test", 50)
    assert not {e["input"] for e in test} & {e["input"] for e in a}
    assert all(T.valid(task, e["target"]) for e in a + test)  # every target is a valid output


@pytest.mark.parametrize("text, words", [
    ("", "empty input"), ("   \n", "empty input"),
    ("translate English to German: That is good.", "unknown task prefix 'translate English to German:'"),
    ("cola sentence: The course is jumping well.", "unknown task prefix 'cola sentence:'"),
    ("An article without any prefix.", "no task prefix"),
    ("question: Who scored?", "needs the form"), ("summarize:   ", "needs the form"),
    ("stsb sentence1: One. sentence2:", "needs the form"),
])
def test_the_parser_rejects_bad_inputs_in_one_message(text, words):
    with pytest.raises(UserError, match=words.replace("(", r"\(")):
        T.parse(text)


def test_a_task_the_model_was_not_trained_on_is_refused():
    with pytest.raises(UserError, match="not trained on it — it knows summarize, classify"):
        T.parse("stsb sentence1: A. sentence2: B.", tasks=["summarize", "classify"])
    assert T.parse("classify: Rain fell.", tasks=["classify"]) == ("classify", {"text": "Rain fell."})


def test_question_fields_and_whitespace():
    assert T.parse("  question:  Who won?\ncontext:  Anna won.  ") == (
        "question", {"question": "Who won?", "context": "Anna won."})


@pytest.mark.parametrize("value, label", [(0, "0.0"), (5, "5.0"), (5 / 3, "1.6"), (2.5, "2.6"),
                                          (3.75, "3.8"), (10 / 3, "3.4"), (0.09, "0.0"),
                                          (0.1, "0.2")])
def test_similarity_is_rounded_to_0_2_as_t5_writes_stsb(value, label):
    assert T.similarity_label(value) == label


def test_stsb_scores_are_on_the_grid_and_spread():
    values = [e["score"] for e in T.examples("stsb", 0, "train", 300)]
    assert all(math.isclose(v * 5, round(v * 5)) and 0 <= v <= 5 for v in values)
    assert {0.0, 5.0} < set(values) and len(set(values)) >= 5  # graded, not binary


def test_entities_round_trip_and_bad_items():
    ents = [("Anna Keller", "PERSON"), ("3,450", "NUM")]
    assert T.parse_entities(T.entity_target(ents)) == (ents, 0)
    assert T.parse_entities("none") == ([], 0)
    assert T.parse_entities("Anna (PERSON); Upton LOC") == ([("Anna", "PERSON")], 1)
    assert T.parse_entities("") == ([], 1)


@pytest.mark.parametrize("task, output, ok", [
    ("classify", "court", True), ("classify", "Court", False), ("classify", "sport", False),
    ("stsb", "3.4", True), ("stsb", "5.2", False), ("stsb", "three", False),
    ("entities", "none", True), ("entities", "Anna (PERSON)", True), ("entities", "Anna", False),
    ("question", "unanswerable", True), ("question", "Anna Keller", True),
    ("question", "Anna Keller won the vote.", False), ("question", "", False),
    ("summarize", "Anna Keller won the vote on Monday.", True), ("summarize", "court", False),
])
def test_valid_outputs(task, output, ok):
    assert T.valid(task, output) is ok


def test_an_invalid_label_counts_as_wrong():
    refs = T.examples("classify", 0, "test", 4)
    right = T.score("classify", [r["target"] for r in refs], refs)
    assert right["score"] == 1.0 and right["valid"] == 1.0
    upper = T.score("classify", [r["target"].upper() for r in refs], refs)
    assert upper["score"] == 0.0 and upper["valid"] == 0.0


def test_an_invalid_regression_output_is_read_as_minus_one():
    refs = T.examples("stsb", 0, "test", 40)
    perfect = T.score("stsb", [r["target"] for r in refs], refs)
    assert perfect["score"] == pytest.approx(1.0)
    broken = [r["target"] for r in refs]
    broken[0] = "about four"
    hurt = T.score("stsb", broken, refs)
    assert hurt["valid"] == pytest.approx(39 / 40) and hurt["score"] < perfect["score"]
    assert hurt["mae"] == pytest.approx((refs[0]["score"] + 1) / 40)


def test_question_scores_and_the_empty_answer():
    refs = T.examples("question", 0, "test", 60)
    assert any(r["target"] == T.UNANSWERABLE for r in refs)
    assert T.score("question", [r["target"] for r in refs], refs)["score"] == 1.0
    # an empty output is not "unanswerable": wrong even where the answer is empty
    assert T.score("question", ["" for _ in refs], refs)["score"] == 0.0


def test_entity_f1_counts_bad_items_as_wrong_predictions():
    refs = T.examples("entities", 0, "test", 30)
    assert T.score("entities", [r["target"] for r in refs], refs)["score"] == 1.0
    noisy = T.score("entities", [r["target"] + "; garbage" for r in refs], refs)
    assert noisy["recall"] == 1.0 and noisy["precision"] < 1.0


def test_summaries_are_scored_by_rouge_and_facts():
    refs = T.examples("summarize", 0, "test", 5)
    s = T.score("summarize", [r["target"] for r in refs], refs)
    assert s["score"] == pytest.approx(1.0) and s["facts"] == pytest.approx(1.0)
