"""Extractive targets (``train --targets sentences``): the greedy oracle picks the article's
sentences that best cover the reference, in article order, and the stream trains on them."""
import json

import pytest

from trax_models import sources
from trax_models.sources import extractive
from trax_models.sources.records import DataError

ARTICLE = ("The mayor opened a new bridge on Monday. Traffic was light early. "
           "The bridge cost 40 million dollars and took three years to build. "
           "Local schools were closed for the holiday.")


def test_oracle_picks_the_sentences_that_cover_the_reference_in_article_order():
    reference = "A 40 million dollar bridge, three years in the making, was opened by the mayor."
    assert extractive.oracle_sentences(ARTICLE, reference) == (
        "The mayor opened a new bridge on Monday. The bridge cost 40 million dollars and took "
        "three years to build.")
    everything = ARTICLE + " Also the mayor cut a ribbon."  # all four would each add words
    assert len(extractive.split_sentences(extractive.oracle_sentences(ARTICLE, everything))) == (
        extractive.MAX_SENTENCES)
    assert extractive.oracle_sentences(ARTICLE, "zebra quantum") == ""  # nothing overlaps
    assert extractive.split_sentences("One line.\nTwo lines.") == ["One line.", "Two lines."]


def test_stream_with_sentence_targets(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [{"article": ARTICLE, "summary": "The mayor opened the bridge."},
            {"article": "Nothing in common here.", "summary": "zebra quantum"}] * 10
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs = [next(s) for s in [sources.stream(str(path), "train", targets="sentences")] * 6]
    assert {summary for _, summary in pairs} == {"The mayor opened a new bridge on Monday."}
    with pytest.raises(DataError, match="needs a file"):
        sources.stream("default", "train", targets="sentences")
    lonely = tmp_path / "none.jsonl"
    lonely.write_text("".join(json.dumps(rows[1]) + "\n" for _ in range(10)))
    with pytest.raises(DataError, match="--targets reference"):
        sources.stream(str(lonely), "train", targets="sentences")


DATED = ('Troops left. "We won," she said. About 100 U.S. troops were named online. '
         'A U.S. official said all were told. It rained at 6 a.m. on Monday. A U.S. plan failed. '
         'The U.S. Senate met at 9 a.m. Tuesday. Sen. Ana Ruiz voted.')


@pytest.mark.parametrize("summary, kept", [
    # whole sentences, as copied
    ("Troops left. It rained at 6 a.m. on Monday.",
     ["Troops left.", "It rained at 6 a.m. on Monday."]),
    # a fragment cut after "a.m." / "U.S." stands for the sentence it opens
    ("It rained at 6 a.m. Troops left.", ["It rained at 6 a.m. on Monday.", "Troops left."]),
    ("Troops left. About 100 U.S.", ["Troops left.", "About 100 U.S. troops were named online."]),
    # a splice: every sentence it took a piece of, whole ("A U.S." is another sentence's
    # opening; "troops were named online." the first one's end)
    ("About 100 U.S. A U.S. troops were named online.",
     ["About 100 U.S. troops were named online.", "A U.S. official said all were told."]),
    # a title or an initial ends no sentence: "Sen." + "Ana Ruiz" is one, "The U.S." another's
    # opening ("The U.S. Senate …" is one sentence, though a capital follows "U.S.")
    ("The U.S. Sen. Ana Ruiz voted.",
     ["The U.S. Senate met at 9 a.m. Tuesday.", "Sen. Ana Ruiz voted."]),
    # the opening quote that went with the previous sentence's end comes back; a stray one goes
    ('Troops left. We won," she said.', ["Troops left.", '"We won," she said.']),
    ('Troops left. "It rained at 6 a.m. on Monday.',
     ["Troops left.", "It rained at 6 a.m. on Monday."]),
    # each once; line breaks read as spaces; nothing whole: nothing
    ("Troops left. Troops left.", ["Troops left."]),
    ("Troops\nleft.", ["Troops left."]), ("Rain fell.", []),
    # a fragment that opens two sentences: the first one not yet given
    ("A U.S. official said all were told. A U.S.",
     ["A U.S. official said all were told.", "A U.S. plan failed."]),
])
def test_copied_sentences(summary, kept):
    assert extractive.copied_sentences(summary, DATED) == kept


@pytest.mark.parametrize("summary, article, kept", [
    # a title's piece is read with the next one, not found alone somewhere else
    ("Nurses helped. Dr. Smith treated him.",
     "Dr. Smith treated him. Nurses helped. Later Dr. Jones said he was fine.",
     ["Nurses helped.", "Dr. Smith treated him."]),
    # after "U.S." or "a.m." a common opener starts a new sentence
    ("He was treated in the U.S.", "He was treated in the U.S. He died a day later.",
     ["He was treated in the U.S."]),
    ("It landed at 11 a.m.", "It landed at 11 a.m. The plane slid off.",
     ["It landed at 11 a.m."]),
    # a closing quote after the stop ends the sentence; so does a line break (a headline)
    ('He said "go to the U.S." Officials agreed.', 'He said "go to the U.S." Officials agreed.',
     ['He said "go to the U.S."', "Officials agreed."]),
    ("The storm hit on Monday.", "Storm Hits London\nThe storm hit on Monday. Roads closed.",
     ["The storm hit on Monday."]),
    # whole words only: "The" is not found inside "They"
    ("The end.", "They left. The end.", ["The end."]),
])
def test_copied_sentences_reads_titles_initials_and_lines(summary, article, kept):
    assert extractive.copied_sentences(summary, article) == kept


def test_copied_sentences_joins_a_long_run_of_initials_into_one_sentence():
    """Thousands of initials and "U.S." ends (100 KB) make one sentence each, given whole."""
    names = " ".join(f"Anna B. Carter{i} and John F. Doe{i}" for i in range(3000)) + "."
    places = " ".join("in the U.S. Senate" for _ in range(5000)) + "."
    assert extractive.copied_sentences("Anna B. Carter5 and John F.", names) == [names]
    assert extractive.copied_sentences("in the U.S.", places) == [places]
