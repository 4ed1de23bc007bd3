"""ROUGE (1/2/L/Lsum, bootstrap intervals) and BLEU wrappers, and the extractive baselines."""
import numpy as np
import pytest
from rouge_score import rouge_scorer

from trax_models.errors import UserError
from trax_models.summarizer import baselines, metrics


def test_identical_texts_score_one():
    s = metrics.evaluate_texts(["the cat sat on the mat ."], ["the cat sat on the mat ."],
                               with_bleu=True)
    assert s["rouge1"] == s["rouge2"] == s["rougeL"] == s["rougeLsum"] == pytest.approx(1.0)
    assert s["bleu"] == pytest.approx(1.0) and s["n"] == 1


def test_disjoint_texts_score_zero():
    s = metrics.rouge(["alpha beta gamma"], ["delta epsilon zeta"])
    assert s == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0, "rougeLsum": 0.0}


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


def test_lead3_takes_first_sentences_one_per_line():
    article = "First one. Second one!  Third one? Fourth one. Fifth."
    assert baselines.lead3(article) == "First one.\nSecond one!\nThird one?"
    assert baselines.lead3(article, n=1) == "First one."
    assert baselines.lead3("No sentence end here") == "No sentence end here"


def test_rouge_lsum_is_summary_level_and_differs_from_rouge_l():
    """Two sentences in swapped order: one LCS over the whole text (rougeL) only matches one
    of them; the union LCS over sentence pairs (rougeLsum) matches both."""
    ref = "alpha beta gamma delta.\nepsilon zeta eta theta."
    pred = "Epsilon zeta eta theta. Alpha beta gamma delta."
    s = metrics.rouge([pred], [ref])
    assert s["rougeLsum"] == pytest.approx(1.0) and s["rougeL"] == pytest.approx(0.5)
    # the same figure rouge-score gives when the sentences are given one per line
    scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)
    expected = scorer.score(ref, "Epsilon zeta eta theta.\nAlpha beta gamma delta.")
    assert s["rougeLsum"] == pytest.approx(expected["rougeLsum"].fmeasure)


def test_split_sentences_uses_lines_first_then_sentence_ends():
    assert metrics.split_sentences("One here .\nTwo there .") == ["One here .", "Two there ."]
    assert metrics.split_sentences("One. Two! 3 more? no split. Yes") == [
        "One.", "Two!", "3 more? no split.", "Yes"]
    # a sentence that ends inside a quote or a bracket ends there (81 % of the CNN/DM
    # sample's articles have one); a quote that goes on ("…," she said) does not end it
    assert metrics.split_sentences('He said: "We won." The fans cheered. (It rained.) '
                                   '"Stop!" she said. “Go.” ‘Now’') == [
        'He said: "We won."', "The fans cheered.", "(It rained.)", '"Stop!" she said.',
        "“Go.”", "‘Now’"]
    assert metrics.split_sentences('"We won," she said. "It was hard."') == [
        '"We won," she said.', '"It was hard."']


def test_bootstrap_interval_contains_the_mean_and_is_seeded():
    preds = ["a b c d", "a b x y", "w x y z", "a b c z"] * 5
    refs = ["a b c d"] * 20
    s = metrics.rouge_with_ci(preds, refs)
    for t in metrics.ROUGE_TYPES:
        low, high = s["ci95"][t]
        assert low <= s[t] <= high and low < high  # the pairs differ: a real interval
    assert metrics.rouge_with_ci(preds, refs) == s  # seeded
    same = metrics.rouge_with_ci(["a b c d"] * 3, ["a b c d"] * 3)
    assert same["ci95"]["rouge1"] == [pytest.approx(1.0), pytest.approx(1.0)]
    state = np.random.get_state()[1].copy()
    metrics.rouge_with_ci(preds, refs)
    assert (np.random.get_state()[1] == state).all()  # the caller's RNG is left alone


# A star: the last sentence shares words with each of the others, which share none among
# themselves, so it is the graph's centre (and Lead-3 misses it).
ARTICLE = ("Farmers reported strong apple harvests. Engineers finished the new bridge. "
           "Teachers praised the school library. Doctors opened a clinic downtown. "
           "The mayor thanked farmers, engineers, teachers and doctors for the harvests, the "
           "bridge, the library and the clinic.")
CENTRE = metrics.split_sentences(ARTICLE)[-1]


@pytest.mark.parametrize("name", ["textrank", "lexrank"])
def test_graph_baselines_pick_three_article_sentences_in_order(name):
    [summary] = baselines.summarize(name, [ARTICLE])
    sentences = metrics.split_sentences(ARTICLE)
    chosen = summary.split("\n")
    assert len(chosen) == 3 and all(s in sentences for s in chosen)
    assert chosen == sorted(chosen, key=sentences.index)  # article order
    assert CENTRE in chosen and CENTRE not in baselines.lead3(ARTICLE)
    short = "Only one sentence here."
    assert baselines.summarize(name, [short]) == [short]


def test_unknown_baseline_is_a_user_error():
    with pytest.raises(UserError, match="unknown baseline 'oracle'"):
        baselines.summarize("oracle", [ARTICLE])
