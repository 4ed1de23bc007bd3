"""ROUGE/BLEU wrappers and the Lead-N baseline."""
import pytest

from trax_models.summarizer import metrics


def test_identical_texts_score_one():
    s = metrics.evaluate_texts(["the cat sat on the mat ."], ["the cat sat on the mat ."],
                               with_bleu=True)
    assert s["rouge1"] == s["rouge2"] == s["rougeL"] == pytest.approx(1.0)
    assert s["bleu"] == pytest.approx(1.0) and s["n"] == 1


def test_disjoint_texts_score_zero():
    s = metrics.rouge(["alpha beta gamma"], ["delta epsilon zeta"])
    assert s == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_partial_overlap_is_between_and_ordered():
    s = metrics.rouge(["the cat sat"], ["the cat sat on the mat"])
    assert 0 < s["rouge2"] < s["rouge1"] < 1
    # rouge1: P = 3/3, R = 3/6 → F = 2/3
    assert s["rouge1"] == pytest.approx(2 / 3)


def test_mean_over_pairs():
    one = metrics.rouge(["a b c d"], ["a b c d"])["rouge1"]
    zero = metrics.rouge(["a b c d"], ["w x y z"])["rouge1"]
    both = metrics.rouge(["a b c d", "a b c d"], ["a b c d", "w x y z"])["rouge1"]
    assert both == pytest.approx((one + zero) / 2)


def test_mismatched_or_empty_inputs_are_rejected():
    with pytest.raises(ValueError, match="one reference per prediction"):
        metrics.rouge(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="no predictions"):
        metrics.bleu([], [])


def test_lead_n_takes_first_sentences():
    article = "First one. Second one!  Third one? Fourth one. Fifth."
    assert metrics.lead_n(article) == "First one. Second one! Third one?"
    assert metrics.lead_n(article, n=1) == "First one."
    assert metrics.lead_n("No sentence end here") == "No sentence end here"
