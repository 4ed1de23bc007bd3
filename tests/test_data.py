"""trax_models.data: the course's preprocess / pipeline / bucketing, and make_streams."""
import itertools
import json

import numpy as np
import pytest

from trax_models import data
from trax_models.sources.records import DataStats

EOS, SEP = 1, 0


def test_preprocess_course_layout():
    (joint, targets, mask), = data.preprocess([([5, 6, 7], [8, 9])])
    assert joint.tolist() == [5, 6, 7, EOS, SEP, 8, 9, EOS]
    assert targets is joint
    assert mask.tolist() == [0, 0, 0, 0, 0, 1, 1, 1]


def test_preprocess_article_weight():
    (joint, _, mask), = data.preprocess([([5, 6, 7], [8, 9])], article_weight=0.1)
    assert mask.dtype == np.float32
    np.testing.assert_allclose(mask, [0.1, 0.1, 0.1, 0.1, 0, 1, 1, 1])


def test_preprocess_truncates_long_article_keeps_summary():
    stats = DataStats()
    article, summary = list(range(2, 40)), [7, 8, 9]
    (joint, _, mask), = data.preprocess([(article, summary)], max_length=16, stats=stats)
    assert len(joint) == 16 and stats.truncated == 1
    assert joint.tolist() == article[:10] + [EOS, SEP] + summary + [EOS]
    assert mask.sum() == 4
    (joint, _, _), = data.preprocess([(article[:5], summary)], max_length=16, stats=stats)
    assert len(joint) == 11 and stats.truncated == 1  # short ones untouched


def test_preprocess_pairs_no_concatenation():
    stats = DataStats()
    (inputs, targets, mask), = data.preprocess_pairs([([5, 6, 7, 8], [9])], max_length=3, stats=stats)
    assert inputs.tolist() == [5, 6, EOS] and targets.tolist() == [9, EOS] and mask.tolist() == [1, 1]
    assert stats.truncated == 1


def test_pipeline_counts_bad_input(small_corpus):
    vocab_file = data.vocab_for("default", **small_corpus)
    stats = DataStats()
    pipeline = data.input_pipeline(vocab_file, max_length=64, stats=stats)
    stream = [("Team A won the cup.", "A won."), ("   ", "x"), ("caf\xe9".encode("latin-1"), b"ok"),
              (" ".join(["word"] * 200), "Long article, short summary."),
              ("short", " ".join(["summary"] * 200))]
    out = list(pipeline(iter(stream)))
    assert len(out) == 3
    assert (stats.skipped_empty, stats.not_utf8, stats.truncated, stats.filtered_long) == (1, 1, 1, 1)
    joint, _, mask = out[2]
    assert len(joint) == 64 and data.detokenize(joint[mask == 1], vocab_file=vocab_file).startswith(
        "Long article, short summary.")
    assert data.detokenize(out[1][0], vocab_file=vocab_file).startswith("café")  # Windows-1252


def test_make_streams_default_batches(small_corpus):
    train, evals = data.make_streams("default", boundaries=(256, 512), batch_sizes=(8, 4, 2),
                                     max_length=512, seed=1, **small_corpus)
    sizes = {256: 8, 512: 4}
    for inputs, targets, mask in itertools.islice(train, 5):
        assert inputs.shape == targets.shape == mask.shape and inputs.dtype.kind == "i"
        assert (inputs == targets).all()
        assert inputs.shape[1] <= 512 and sizes[256 if inputs.shape[1] <= 256 else 512] == inputs.shape[0]
        for row, m in zip(inputs, mask):
            sep = int(np.flatnonzero(row == SEP)[0])       # article ... EOS SEP summary EOS pad
            assert row[sep - 1] == EOS and m[:sep + 1].sum() == 0 and m[sep + 1] == 1
            last = int(np.flatnonzero(m)[-1])
            assert row[last] == EOS and (row[last + 1:] == 0).all() and m[sep + 1:last + 1].all()
    assert next(evals)[0].shape[1] <= 512


def test_make_streams_deterministic_by_seed(small_corpus):
    def first(seed):
        train, _ = data.make_streams("default", seed=seed, boundaries=(512,), batch_sizes=(2, 1),
                                     max_length=512, shuffle_buffer=50, **small_corpus)
        return [b[0] for b in itertools.islice(train, 3)]
    a, b, c = first(0), first(0), first(1)
    assert all((x == y).all() for x, y in zip(a, b))
    assert not all(x.shape == y.shape and (x == y).all() for x, y in zip(a, c))


def test_make_streams_pairs_for_encoder_decoder(small_corpus):
    train, _ = data.make_streams("default", concat=False, boundaries=(512,), batch_sizes=(4, 1),
                                 max_length=512, **small_corpus)
    inputs, targets, mask = next(train)
    assert inputs.shape[0] == targets.shape[0] == 4 and targets.shape == mask.shape
    assert targets.shape[1] < inputs.shape[1]  # summaries are short; no concatenation
    assert ((targets != 0) == (mask == 1)).all()


def test_make_streams_user_jsonl(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAX_MODELS_CACHE", str(tmp_path / "cache"))
    rows = [{"story": f"The {c} team from town {i} won the regional cup on Sunday.", "gist": f"{c} team won."}
            for i, c in zip(range(60), itertools.cycle(["red", "blue", "green"]))]
    p = tmp_path / "mine.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    opts = dict(article_key="story", summary_key="gist", eval_fraction=0.1)
    train, evals = data.make_streams(str(p), vocab_size=200, boundaries=(64,), batch_sizes=(4, 1), **opts)
    inputs, _, mask = next(train)
    assert inputs.shape[0] == 4 and mask.sum() > 0
    vocab_file = data.vocab_for(str(p), vocab_size=200, **opts)  # built from train, cached
    assert vocab_file.startswith(str(tmp_path / "cache"))
    assert "team won." in data.detokenize(inputs[0][mask[0] == 1], vocab_file=vocab_file)


def test_make_streams_checks_batch_sizes(small_corpus):
    with pytest.raises(ValueError, match="one more entry than boundaries"):
        data.make_streams("default", boundaries=(128, 256), batch_sizes=(4, 2), **small_corpus)


def test_no_batch_is_longer_than_max_length_whatever_the_boundaries(small_corpus):
    """A boundary above max_length (train --max_length 200 with the default 256,384) is
    clipped to it: a batch padded to 256 would not fit the model's 200 positions (issue #29)."""
    import itertools

    from trax_models import data
    train, _ = data.make_streams("default", max_length=40, boundaries=(64, 96),
                                 batch_sizes=(4, 4, 2), shuffle_buffer=0, **small_corpus)
    lengths = {batch[0].shape[1] for batch in itertools.islice(train, 30)}
    assert max(lengths) <= 40 and 40 in lengths, lengths


def test_a_resolved_source_gives_the_same_batches_as_its_name(small_corpus):
    """Issue #35: train resolves the source and vocabulary once (data.resolve) and hands the
    Data down; make_streams(Data) must batch exactly as make_streams(name, ...) did."""
    options = {k: v for k, v in small_corpus.items() if k != "vocab_size"}
    shape = dict(boundaries=(256, 512), batch_sizes=(4, 2, 1), max_length=512, shuffle_buffer=50)
    resolved = data.resolve("default", seed=3, vocab_size=small_corpus["vocab_size"], **options)
    assert resolved.vocab_path == data.vocab_for("default", **small_corpus)
    assert resolved.vocab.vocab_size == data.load_vocab(resolved.vocab_path).vocab_size
    assert (resolved.source.name, resolved.source.seed, dict(resolved.source.options)) == (
        "default", 3, options)
    by_name, evals_by_name = data.make_streams("default", seed=3, **shape, **small_corpus)
    by_data, evals_by_data = data.make_streams(resolved, **shape)
    for a, b in zip(itertools.islice(by_name, 6), itertools.islice(by_data, 6)):
        assert all((x == y).all() for x, y in zip(a, b))
    assert all((x == y).all() for x, y in zip(next(evals_by_name), next(evals_by_data)))
    assert list(resolved.source.pairs("validation")) == list(data.pairs("default", "validation",
                                                                        **options))
    with pytest.raises(TypeError, match="drop seed, data_dir"):
        data.make_streams(resolved, seed=3, data_dir=options["data_dir"])


def test_a_bad_source_is_named_before_any_vocabulary_work(tmp_path):
    """make_streams(name) opens the streams first: a missing vocabulary file of an unprepared
    CNN/DM folder is not what the error names."""
    with pytest.raises(data.DataError, match="not prepared"):
        data.make_streams("cnn_dailymail", data_dir=str(tmp_path), vocab_file=str(tmp_path / "v"))
    with pytest.raises(data.DataError, match="unknown data source 'cnn'"):
        data.resolve("cnn")  # train's order: the vocabulary first, the same message
