"""The generated NER and QA labels are exact: every slot the generator wrote is found, typed
and placed; every answer sits at its offset; unanswerable means no sentence states it."""
import string

import pytest

from trax_models.sources import news
from trax_models.transfer import data, formats, metrics
from trax_models.transfer.infer import join_words


def _slot_values(pair):
    """(type, value) of every typed slot the article's own sentences were filled with."""
    out = []
    types = news.SLOT_TYPES[pair["event"]]
    for template, slots in pair["parts"]:
        for _, name, _, _ in string.Formatter().parse(template):
            if name in types:
                out.append((types[name], str(slots[name])))
    return out


@pytest.mark.parametrize("index", range(40))
def test_every_slot_is_an_entity_of_its_type(index):
    pair = news.compose_pair(0, "ner-train", index)
    example = data.ner_example(0, "train", index)
    text, _ = join_words(example["words"])  # the words rejoin to the article, spaces and all
    assert text == news.generate_pair(0, "ner-train", index)["article"]
    found = [(kind, " ".join(example["words"][a:b + 1]))
             for kind, a, b in metrics.entities(example["tags"])]
    want = [(kind, " ".join(w for w, _, _ in data.words_of(value)))
            for kind, value in _slot_values(pair)]
    assert found == want  # same entities, same order: nothing missed, nothing extra


def test_tags_are_valid_bio_and_cover_the_five_types():
    seen = set()
    for i in range(60):
        tags = data.ner_example(0, "train", i)["tags"]
        for prev, tag in zip(["O"] + tags, tags):
            assert formats.TAG.match(tag)
            if tag.startswith("I-"):  # an I- continues an entity of the same type
                assert prev[2:] == tag[2:], (prev, tag)
        seen |= {t[2:] for t in tags if t != "O"}
    assert seen == set(news.ENTITY_TYPES)


def test_slot_types_cover_only_slots_the_events_have():
    for event, types in news.SLOT_TYPES.items():
        assert set(types.values()) <= set(news.ENTITY_TYPES)
        assert any(v == "PERSON" for v in types.values()), event


@pytest.mark.parametrize("index", range(30))
def test_answers_sit_at_their_offsets_and_are_the_slot(index):
    pair = news.compose_pair(0, "qa-test", index)
    questions = data.qa_examples(0, "test", index)
    assert len(questions) == len(data.QUESTIONS[pair["event"]])
    for q, (template, slot, evidence) in zip(questions, data.QUESTIONS[pair["event"]]):
        assert q["question"] == template.format(**pair["slots"])
        stated = any(evidence in t and s is pair["slots"] for t, s in pair["parts"])
        assert q["is_impossible"] == (not stated)
        if stated:
            (answer,) = q["answers"]
            start = answer["answer_start"]
            assert q["context"][start:start + len(answer["text"])] == answer["text"]
            assert answer["text"] == str(pair["slots"][slot])


def test_some_questions_are_unanswerable_and_most_are_not():
    flags = [q["is_impossible"] for i in range(100) for q in data.qa_examples(0, "train", i)]
    assert 0.05 < sum(flags) / len(flags) < 0.4


def test_splits_are_deterministic_and_new_articles():
    a = data.ner_example(3, "train", 7)
    assert a == data.ner_example(3, "train", 7)
    assert a != data.ner_example(3, "test", 7) and a != data.ner_example(4, "train", 7)
    pretraining = news.generate_pair(3, "train", 7)["article"]
    assert " ".join(a["words"]) != pretraining


def test_ensure_data_writes_readable_files_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAX_MODELS_CACHE", str(tmp_path))
    sizes = {"train": 4, "test": 2}
    d = data.ensure_data(1, sizes)
    assert d.parent == tmp_path
    ner = formats.read_conll(d / "ner-train.conll")
    assert [(w, t) for w, t in ner] == [
        (e["words"], e["tags"]) for e in (data.ner_example(1, "train", i) for i in range(4))]
    qa = formats.read_squad(d / "qa-test.json")
    assert qa == [q for i in range(2) for q in data.qa_examples(1, "test", i)]
    stamp = (d / "DONE").stat().st_mtime_ns
    assert data.ensure_data(1, sizes) == d
    assert (d / "DONE").stat().st_mtime_ns == stamp  # cached, not rebuilt


def test_join_words_spaces_like_written_text():
    words = ["\"", "We", "won", ",", "\"", "said", "Ann", "(", "coach", ")", "after", "a", "3",
             "-", "1", "win", "and", "$", "420", "."]
    text, spans = join_words(words)
    assert text == '"We won," said Ann (coach) after a 3-1 win and $420.'
    assert [text[a:b] for _, a, b in spans] == words
