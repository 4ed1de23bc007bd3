"""trax_models.grader: the reference functions pass every check; a blank exercise (raising
NotImplementedError) fails with "not implemented"; reports print expected / got / hint."""
import pytest

from trax_models import attention, data, decoder_lab, decoding, grader, model, training
from trax_models import numpy_attention as na

REFERENCE = {"assignment": {**vars(attention), **vars(model), **vars(training),
                            **vars(decoding), **vars(data)},
             "lab1": vars(na), "lab2": {**vars(decoder_lab), "FeedForward": model.FeedForward}}
ASSIGNMENT = [e for e in grader.EXERCISES if e.notebook == "assignment"]


@pytest.mark.parametrize("exercise", grader.EXERCISES, ids=lambda e: e.label)
def test_reference_passes(exercise, capsys):
    report = exercise.grader(REFERENCE[exercise.notebook][exercise.name])
    assert report.passed, str(report)
    assert "tests passed" in capsys.readouterr().out


def _blank(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_blank_exercises_are_not_implemented():
    rows = grader.grade_namespace({e.name: _blank for e in grader.EXERCISES},
                                  labels=[e.label for e in grader.EXERCISES])
    assert [r["points"] for r in rows] == [0] * len(grader.EXERCISES)
    for row in rows:
        assert "not implemented" in row["message"], row


def test_missing_function_scores_zero_and_says_so():
    rows = grader.grade_namespace({}, labels=["UNQ_C1"])
    assert rows == [dict(label="UNQ_C1", name="DotProductAttention", points=0, max_points=10,
                         passed=False, message=rows[0]["message"], failures=[])]
    assert "not defined" in rows[0]["message"]


def test_failure_report_shows_expected_got_hint(capsys):
    report = grader.test_preprocess(lambda stream: iter([([1], [1], [1])]))
    assert not report.passed
    out = capsys.readouterr().out
    assert "expected:" in out and "got:" in out and "hint:" in out and "tests failed" in out


def test_an_exception_is_reported_not_raised():
    report = grader.test_next_symbol(lambda tokens, model: 1 / 0, verbose=False)
    assert not report.passed and "ZeroDivisionError" in report.message


def test_default_is_the_assignment():
    rows = grader.grade_namespace({})
    assert [r["label"] for r in rows] == [e.label for e in ASSIGNMENT]


def test_next_symbol_course_value():
    report = grader.test_next_symbol(decoding.next_symbol, verbose=False, course_value=True)
    assert report.passed and len(report.cases) == 6, report
    wrong = grader.test_next_symbol(lambda tokens, model: 23316, verbose=False, course_value=True)
    assert "23317" in str(wrong)
