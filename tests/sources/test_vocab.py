"""trax_models.sources.vocab and the course's tokenize/detokenize on a chosen vocabulary."""
import textwrap

import numpy as np
import pytest
import trax

from trax_models import data, sources
from trax_models.sources import corpus, vocab

SKY = "I want to fly in the sky."


def test_course_fact_tokenize(course_vocab):
    ids = data.tokenize(SKY, vocab_file=course_vocab.name, vocab_dir=course_vocab.parent)
    assert ids == [13, 483, 320, 4219, 132, 213, 2775, 10, 1]
    # the same ids as the course's own call (trax.data.tokenize), plus EOS
    course = next(trax.data.tokenize(iter([SKY]), vocab_file=course_vocab.name,
                                     vocab_dir=str(course_vocab.parent)))
    assert ids == list(course) + [1]


def test_detokenize_course_wraps_at_70(course_vocab):
    text = " ".join([SKY] * 12)
    ids = data.tokenize(text, vocab_file=str(course_vocab))
    out = data.detokenize(np.array(ids)[None, :], vocab_file=str(course_vocab))  # (1, n) squeezes
    assert out == textwrap.TextWrapper(width=70).fill(text + "<EOS>")
    assert max(len(line) for line in out.splitlines()) <= 70


def test_set_default_vocab(course_vocab):
    try:
        vocab.set_default_vocab(course_vocab)
        assert data.tokenize(SKY)[:3] == [13, 483, 320]
        assert vocab.has_default()
    finally:
        vocab.set_default_vocab(None)
    assert not vocab.has_default()


def test_vocab_from_environment(course_vocab, monkeypatch):
    monkeypatch.setenv("TRAX_MODELS_VOCAB", str(course_vocab))
    assert vocab.has_default() and data.tokenize(SKY)[-3:] == [2775, 10, 1]
    assert data.vocab_for("default") == str(course_vocab.resolve())  # wins over the source's own


def test_missing_vocab_file_is_a_clear_error(tmp_path):
    with pytest.raises(vocab.VocabError, match=r"vocabulary file not found: .*nope\.subwords.*vocab_file="):
        data.tokenize(SKY, vocab_file="nope.subwords", vocab_dir=tmp_path)
    with pytest.raises(vocab.VocabError):
        vocab.set_default_vocab(tmp_path / "nope.subwords")
    assert not vocab.has_default()


def test_build_vocab_deterministic_with_course_reserved_ids(tmp_path):
    texts = [f"The {w} team beat the {v} side {i} to {j} in the final." for i, (w, v, j) in
             enumerate(zip(["red", "blue", "green", "gold"] * 25, ["black", "white"] * 50, range(100)))]
    p1, _ = vocab.build_vocab(texts, tmp_path / "a.subwords", target_size=150)
    p2, _ = vocab.build_vocab(texts, tmp_path / "b.subwords", target_size=150)
    assert open(p1, "rb").read() == open(p2, "rb").read()
    enc = vocab.load_vocab(p1)
    assert enc.decode([0, 1]) == "<pad><EOS>"
    ids = data.tokenize(texts[3], vocab_file=p1)
    assert ids[-1] == 1 and 0 not in ids and 1 not in ids[:-1]
    assert data.detokenize(ids, vocab_file=p1) == texts[3] + "<EOS>"


def test_build_vocab_needs_text(tmp_path):
    with pytest.raises(ValueError, match="no text"):
        vocab.build_vocab([], tmp_path / "x.subwords")


def test_build_vocab_writes_what_trax_stores_atomically(tmp_path):
    texts = ["Le café naïve déjà vu, señor — 東京 über alles."] * 20 + ["The quick brown fox."] * 20
    path, _ = vocab.build_vocab(texts, tmp_path / "u.subwords", target_size=100)
    enc = vocab.load_vocab(path)
    enc.store_to_file(str(tmp_path / "trax.subwords"))  # trax's own writer, for comparison
    assert (tmp_path / "u.subwords").read_bytes() == (tmp_path / "trax.subwords").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trax.subwords", "u.subwords"]  # no tmp


def test_no_vocab_chosen_falls_back_to_the_default_corpus(tmp_path, monkeypatch):
    path, _ = vocab.build_vocab(["The home team won the final by three goals."] * 10,
                                tmp_path / "f.subwords", target_size=60)
    monkeypatch.delenv("TRAX_MODELS_VOCAB", raising=False)
    monkeypatch.setattr(vocab, "_default", None)
    monkeypatch.setattr(corpus, "default_vocab_path", lambda vocab_size, **options: path)
    assert sources.resolve_vocab() == path  # the default source's own: the default corpus's
    assert data.tokenize("The home team") == vocab.load_vocab(path).encode("The home team") + [1]
    assert data.load_vocab().vocab_size == vocab.load_vocab(path).vocab_size
    with pytest.raises(vocab.VocabError, match="no vocabulary file given.*data.load_vocab"):
        vocab.load_vocab(None)  # the leaf loads a path it is given; it resolves nothing


def test_one_function_resolves_the_vocabulary():
    """Issue #35: sources.resolve_vocab decides; data.vocab_for is that function, and the leaf
    vocab.py keeps no hook into the package above it (no fallback, no resolver of its own)."""
    assert data.vocab_for is sources.resolve_vocab
    assert not hasattr(vocab, "set_fallback") and not hasattr(vocab, "resolve_vocab_path")
    assert not hasattr(sources, "source_vocab")


def test_the_order_explicit_then_chosen_then_the_sources_own(course_vocab, tmp_path, monkeypatch):
    own, _ = vocab.build_vocab(["The home team won the final by three goals."] * 10,
                               tmp_path / "own.subwords", target_size=60)
    monkeypatch.delenv("TRAX_MODELS_VOCAB", raising=False)
    monkeypatch.setattr(vocab, "_default", None)
    monkeypatch.setattr(corpus, "default_vocab_path", lambda vocab_size, **options: own)
    assert sources.resolve_vocab("default") == own
    monkeypatch.setenv("TRAX_MODELS_VOCAB", course_vocab.name)
    assert sources.resolve_vocab("default", vocab_dir=course_vocab.parent) == str(course_vocab.resolve())
    monkeypatch.setattr(vocab, "_default", (own, None))  # set_default_vocab wins over the variable
    assert sources.resolve_vocab("default") == own
    assert sources.resolve_vocab("default", vocab_file=str(course_vocab)) == str(course_vocab.resolve())
