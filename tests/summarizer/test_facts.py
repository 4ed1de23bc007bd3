"""trax_models.summarizer.facts: fact accuracy and hallucination rate of generated summaries."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trax_models.summarizer import evaluate, facts
from trax_models.summarizer.generate import Summarizer

ARTICLE = ("It rained all day. Kilbride Otters beat Ashford Rovers 3-1 in Harlow on Friday, "
           "in front of 12,345 fans. Ines Valverde scored 2 goals for Kilbride Otters. "
           "Coach Maria Iverson said the team had trained for 13 weeks.")
REFERENCE = "Kilbride Otters beat Ashford Rovers 3-1 in Harlow on Friday. Ines Valverde scored 2 goals."
FACTS = ["Kilbride Otters", "Ashford Rovers", "3", "1", "Harlow", "Friday", "Ines Valverde", "2",
         "goals"]


def test_reference_scores_perfectly():
    assert facts.fact_accuracy(REFERENCE, FACTS) == 1.0
    assert facts.hallucination_rate(REFERENCE, ARTICLE) == 0.0


def test_swapped_name_is_caught():
    swapped = REFERENCE.replace("Ines Valverde", "Ines Fischer")
    assert facts.fact_accuracy(swapped, FACTS) == pytest.approx(8 / 9)
    items = facts.names_and_numbers(swapped)
    assert facts.hallucination_rate(swapped, ARTICLE) == pytest.approx(1 / len(items))


def test_swapped_number_is_caught():
    swapped = REFERENCE.replace("scored 2", "scored 4")
    assert facts.fact_accuracy(swapped, FACTS) == pytest.approx(8 / 9)
    assert facts.hallucination_rate(swapped, ARTICLE) > 0


def test_word_boundaries():
    assert not facts.contains("They trained for 13 weeks.", "3")
    assert not facts.contains("A crowd of 3,400.", "3")
    assert not facts.contains("A crowd of 3,400.", "400")
    assert facts.contains("A crowd of 3,400.", "3,400")
    assert not facts.contains("The Iversons won.", "Iverson")
    assert facts.contains("Iverson's team won.", "Iverson")
    assert facts.contains("won 3-1 at home", "3") and facts.contains("won 3-1 at home", "1")
    assert facts.contains("revenue of $410 million", "410")
    assert not facts.contains("revenue of 4.5 million", "4")
    assert facts.contains("Kilbride   Otters won", "Kilbride Otters")  # spacing normalised
    assert not facts.contains("kilbride otters won", "Kilbride Otters")  # case-sensitive


def test_fact_accuracy_edge_cases():
    assert facts.fact_accuracy("anything", []) is None
    assert facts.fact_accuracy("3 and 3", ["3", "3"]) == 1.0  # duplicates count once
    assert facts.corpus_fact_accuracy(["a 1", "b"], [["1"], ["1"]]) == 0.5
    assert facts.corpus_fact_accuracy(["a 1", "b"], [["1"], []]) == 1.0
    with pytest.raises(ValueError):
        facts.corpus_fact_accuracy(["a"], [])


def test_names_and_numbers_skip_sentence_initial_capitals():
    text = 'Storm Amelia hit Harlow. The rain fell. "It was bad," said Ana Ruiz. 5-2 and 12,345.'
    assert facts.names_and_numbers(text) == ["Amelia", "Harlow", "Ana", "Ruiz", "5", "2",
                                             "12,345"]


def test_hallucination_rate_none_and_corpus():
    assert facts.hallucination_rate("nothing to see here.", ARTICLE) is None
    assert facts.hallucination_rate("Oakridge won.", ARTICLE) is None  # sentence-initial only
    assert facts.hallucination_rate("They met Oakridge and Harlow.", ARTICLE) == 0.5
    assert facts.corpus_hallucination_rate(["They met Oakridge.", "x."],
                                           [ARTICLE, ARTICLE]) == 1.0


_word = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
_name = st.builds(lambda a, b: a.capitalize() + " " + b.capitalize(), _word, _word)


@given(st.lists(_name | st.integers(0, 99_999).map(str), min_size=1, max_size=6))
def test_summary_of_the_facts_has_all_of_them(values):
    summary = "In short, " + " and ".join(values) + "."
    assert facts.fact_accuracy(summary, values) == 1.0
    assert facts.hallucination_rate(summary, summary) == 0.0


@given(st.integers(0, 999), st.integers(1, 9))
def test_number_never_matches_inside_a_longer_number(n, digit):
    longer = f"{digit}{n}"
    assert not facts.contains(f"there were {longer} of them", str(n)) or str(n) == longer
    assert facts.contains(f"there were {n} of them", str(n))


def test_summarize_and_score_reports_facts_and_hallucination():
    class Echo(Summarizer):  # a "decoder" that writes the reference with one name swapped
        def __init__(self):
            pass

        def summarize(self, articles, **options):
            return [REFERENCE.replace("Ines Valverde", "Ines Fischer") for _ in articles]

    report = evaluate.summarize_and_score(Echo(), [(ARTICLE, REFERENCE)],
                                          facts_of={ARTICLE: FACTS}.get)
    assert report["fact_accuracy"] == pytest.approx(8 / 9, abs=1e-4)
    assert 0 < report["hallucination"] < 0.2
    lead3 = report["lead3"]  # scored the same way: it copies the article, so invents nothing
    assert lead3["hallucination"] == 0.0 and lead3["fact_accuracy"] is not None
    assert "fact_accuracy" not in evaluate.summarize_and_score(
        Echo(), [(ARTICLE, REFERENCE)])


def test_a_copied_sentence_never_counts_as_hallucinated():
    """Extraction and lookup agree: numbers glued to letters ("1940s", "$67m") and names
    next to punctuation are found when the summary copies them."""
    article = ("In the 1940s the firm lost $67m. P!nk sang at the U.S. Open in New York. "
               "The 19-20 result stood.")
    for sentence in ("In the 1940s the firm lost $67m.", "P!nk sang at the U.S. Open in New York.",
                     "The 19-20 result stood."):
        assert facts.hallucination_rate(sentence, article) in (0.0, None), sentence
    assert facts.hallucination_rate("The firm lost $68m in the 1940s.", article) == 0.5
