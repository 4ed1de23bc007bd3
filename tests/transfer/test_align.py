"""Subword ↔ character alignment and the windows the models read."""
import numpy as np
import pytest

from trax_models.sources import vocab
from trax_models.tokens import EOS
from trax_models.transfer import align, data

from ._base import tiny_vocab


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return vocab.load_vocab(str(tiny_vocab(tmp_path_factory.mktemp("v") / "v.subwords")))


TEXT = ('Anna Keller scored 2 goals for "Ironbridge United", then left. Revenue rose 12 '
        'percent to $420 million (3,450 fans).')


def test_subwords_are_the_encoders_and_point_into_their_tokens(encoder):
    sub = align.SubwordText(encoder, TEXT)
    assert sub.ids == encoder.encode(TEXT)
    for i, (a, b) in enumerate(zip(sub.starts, sub.ends)):
        assert 0 <= a < b <= len(TEXT)
        assert TEXT[a] != " "
    for word, a, b in data.words_of(TEXT):
        if word[0].isalnum():  # every word that starts a token has a first subword
            i = sub.first_subword(a, b)
            assert i is not None and sub.starts[i] == a


@pytest.mark.parametrize("echo", [False, True])
def test_ner_windows_label_every_word_once(encoder, echo):
    example = data.ner_example(0, "train", 11)
    text = " ".join(example["words"])
    spans = data.words_of(text)
    ids = list(range(len(spans)))
    windows, positions = align.ner_windows(encoder, spans, text, ids, max_tokens=40, echo=echo)
    assert len(windows) > 1 and all(len(w.tokens) <= 40 for w in windows)
    labelled = [(k, int(p)) for k, w in enumerate(windows) for p in np.flatnonzero(w.weights)]
    assert sorted(labelled) == sorted(p for p in positions if p is not None)
    for w_index, (k, p) in enumerate(p for p in positions if p is not None):
        assert windows[k].targets[p] in ids
    sub = align.SubwordText(encoder, text)
    for (word, a, b), pos in zip(spans, positions):
        if pos is not None:
            k, p = pos
            w = windows[k]
            assert w.tokens[p] == sub.ids[w.first + p - w.offset]  # the word's first subword
            assert sub.starts[w.first + p - w.offset] == a
    if echo:  # the labelled copy follows a full copy of the window's text
        w = windows[0]
        n = w.last - w.first
        assert list(w.tokens[:n]) == list(w.tokens[n + 1:2 * n + 1]) and w.tokens[n] == EOS


@pytest.mark.parametrize("echo", [False, True])
def test_qa_windows_put_the_answer_where_it_is(encoder, echo):
    q = next(q for i in range(5) for q in data.qa_examples(0, "train", i)
             if q["answers"] and q["answers"][0]["answer_start"] > 300)
    a = q["answers"][0]
    span = (a["answer_start"], a["answer_start"] + len(a["text"]))
    windows, sub = align.qa_windows(encoder, q["question"], q["context"], span, max_tokens=96,
                                    echo=echo)
    assert len(windows) > 1 and all(len(w.tokens) <= 96 for w in windows)
    holding = [w for w in windows if w.targets[0] != w.null]
    assert holding, "the answer lies whole in some window"
    for w in windows:
        assert w.allowed[w.null] == 1 and w.null == len(w.tokens) - 1
        assert w.allowed.sum() == (w.last - w.first) + 1
        if w.targets[0] != w.null:
            s, e = (w.first + int(t) - w.offset for t in w.targets)
            assert q["context"][sub.starts[s]:sub.ends[e]].strip() == a["text"]
            assert w.allowed[w.targets].all()
    assert windows[0].first == 0 and windows[-1].last == len(sub.ids)


def test_a_window_too_small_is_refused(encoder):
    with pytest.raises(ValueError, match="no room"):
        align.qa_windows(encoder, "Who " * 80, "Anna won.", max_tokens=40)
