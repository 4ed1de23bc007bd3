"""CoNLL / SQuAD files (round trips, one clear error per bad file) and the scores."""
import json

import pytest

from trax_models.errors import UserError
from trax_models.transfer import formats, metrics


def test_conll_round_trip_and_the_tag_in_the_last_column(tmp_path):
    examples = [(["Anna", "Keller", "won", "."], ["B-PERSON", "I-PERSON", "O", "O"]),
                (["In", "Upton"], ["O", "B-LOC"])]
    formats.write_conll(tmp_path / "a.conll", examples)
    assert formats.read_conll(tmp_path / "a.conll") == examples
    (tmp_path / "b.conll").write_text("-DOCSTART- -X- O O\n\nEU NNP B-NP B-ORG\n"
                                      "rejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n")
    assert formats.read_conll(tmp_path / "b.conll") == [(["EU", "rejects"], ["B-ORG", "O"]),
                                                       (["Peter"], ["B-PER"])]


@pytest.mark.parametrize("content, words", [
    ("Anna B-PERSON\nKeller\n", "line 2"),
    ("Anna PERSON\n", "not BIO"),
    ("Anna E-PER\n", "not BIO"),
    ("\n\n", "no tagged words"),
])
def test_bad_conll_files_say_where_and_what(tmp_path, content, words):
    path = tmp_path / "bad.conll"
    path.write_text(content)
    with pytest.raises(UserError, match=words) as e:
        formats.read_conll(path)
    assert str(path) in str(e.value)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        formats.read_conll(tmp_path / "nope.conll")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x00")
    with pytest.raises(UserError, match="not UTF-8"):
        formats.read_squad(tmp_path / "bin.json")


def _squad(qas, context="Anna Keller scored twice in Upton."):
    return {"data": [{"paragraphs": [{"context": context, "qas": qas}]}]}


def test_squad_round_trip_and_v2_unanswerable(tmp_path):
    path = tmp_path / "q.json"
    path.write_text(json.dumps(_squad([
        {"id": "1", "question": "Who scored?", "answers": [{"text": "Anna Keller",
                                                             "answer_start": 0}]},
        {"id": "2", "question": "Who coached?", "answers": [], "is_impossible": True}])))
    qs = formats.read_squad(path)
    assert [q["answers"] for q in qs] == [[{"text": "Anna Keller", "answer_start": 0}], []]
    assert [q["is_impossible"] for q in qs] == [False, True]
    formats.write_squad(tmp_path / "r.json", qs)
    assert formats.read_squad(tmp_path / "r.json") == qs


@pytest.mark.parametrize("doc, words", [
    ("not json", "not valid JSON"),
    (json.dumps({"version": 1}), '"data" list'),
    (json.dumps({"data": [{"title": "x"}]}), "paragraphs"),
    (json.dumps(_squad([{"id": "1", "question": "Who?",
                         "answers": [{"text": "Keller", "answer_start": 0}]}])),
     "not at character 0"),
    (json.dumps(_squad([{"id": "1", "question": "Who?", "answers": []}])), "is_impossible"),
    (json.dumps(_squad([{"id": "1", "answers": []}])), "question"),
    (json.dumps(_squad([])), "no questions"),
])
def test_bad_squad_files_say_where_and_what(tmp_path, doc, words):
    path = tmp_path / "bad.json"
    path.write_text(doc)
    with pytest.raises(UserError, match=words):
        formats.read_squad(path)


# --- entity scores: seqeval's documented examples (its README and docstrings) ---------------

def test_entities_follow_conlleval_chunking():
    assert metrics.entities(["B-PER", "I-PER", "O", "B-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    assert metrics.entities(["O", "I-PER", "I-PER"]) == [("PER", 1, 2)]       # I after O starts
    assert metrics.entities(["B-PER", "I-LOC"]) == [("PER", 0, 0), ("LOC", 1, 1)]  # type change
    assert metrics.entities(["B-PER", "B-PER"]) == [("PER", 0, 0), ("PER", 1, 1)]


def test_entity_scores_match_seqeval():
    y_true = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    y_pred = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    s = metrics.entity_scores(y_true, y_pred)
    assert (s["precision"], s["recall"], s["f1"]) == (0.5, 0.5, 0.5)
    assert s["per_type"]["MISC"]["f1"] == 0.0 and s["per_type"]["PER"]["f1"] == 1.0
    assert metrics.entity_scores(y_true, y_true)["f1"] == 1.0
    assert metrics.entity_scores([["O", "O"]], [["B-PER", "O"]])["precision"] == 0.0
    with pytest.raises(ValueError, match="sentence 0"):
        metrics.entity_scores([["O"]], [["O", "O"]])


def test_squad_scores_follow_the_official_normalisation():
    assert metrics.normalize_answer("The  Cat, sat!") == "cat sat"
    assert metrics.exact_match("the Upton", "Upton") == 1.0
    assert metrics.token_f1("cat sat", "the cat sat down") == pytest.approx(0.8)
    refs = [{"id": "a", "answers": [{"text": "Anna Keller"}], "is_impossible": False},
            {"id": "b", "answers": [], "is_impossible": True},
            {"id": "c", "answers": [{"text": "12"}], "is_impossible": False}]
    s = metrics.squad_scores({"a": "Keller", "b": "", "c": "13"}, refs)
    assert s["exact_match"] == pytest.approx(100 / 3)
    assert s["f1"] == pytest.approx(100 * (2 / 3 + 1 + 0) / 3)
    assert s["no_answer_accuracy"] == 100 and s["has_answer_exact_match"] == 0
    with pytest.raises(ValueError, match="no prediction"):
        metrics.squad_scores({"a": ""}, refs)
