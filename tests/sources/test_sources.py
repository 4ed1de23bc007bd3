"""trax_models.sources (dispatch), .files and .tfds: users' files, bad input, and CNN/DailyMail
through the course's TFDS call."""
import itertools
import json

import pytest
import trax
from conftest import CNN_DM_SAMPLE, _need

from trax_models import data, sources
from trax_models.sources import DataError, DataStats


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [{"text": f"Article number {i} says that team {i} won.", "abstract": f"Team {i} won."}
        for i in range(30)]


def test_read_jsonl_csv_tsv_with_custom_fields(tmp_path):
    want = [(r["text"], r["abstract"]) for r in ROWS]
    j = _jsonl(tmp_path / "d.jsonl", ROWS)
    assert sources.read_pairs(j, article_key="text", summary_key="abstract") == want
    for ext, sep in (("csv", ","), ("tsv", "\t")):
        p = tmp_path / f"d.{ext}"
        p.write_text(f"id{sep}text{sep}abstract\n" + "".join(
            f"{i}{sep}\"{a}\"{sep}{s}\n" for i, (a, s) in enumerate(want)))
        assert sources.read_pairs(p, article_key="text", summary_key="abstract") == want


def test_split_by_ratio_is_seeded_and_disjoint(tmp_path):
    j = _jsonl(tmp_path / "d.jsonl", ROWS)
    opts = dict(article_key="text", summary_key="abstract", eval_fraction=0.2)
    train = list(data.pairs(j, "train", seed=3, **opts))
    evals = list(data.pairs(j, "validation", seed=3, **opts))
    assert len(evals) == 6 and len(train) == 24 and not set(train) & set(evals)
    assert evals == list(data.pairs(j, "validation", seed=3, **opts))
    assert evals != list(data.pairs(j, "validation", seed=4, **opts))


def test_split_by_file(tmp_path):
    src = {"train": _jsonl(tmp_path / "t.jsonl", ROWS[:20]), "validation": _jsonl(tmp_path / "v.jsonl", ROWS[20:])}
    evals = list(data.pairs(src, "validation", article_key="text", summary_key="abstract"))
    assert evals == [(r["text"], r["abstract"]) for r in ROWS[20:]]
    with pytest.raises(DataError, match="no 'test' file"):
        list(data.pairs(src, "test", article_key="text", summary_key="abstract"))


def test_bad_json_line_names_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"article": "a", "summary": "b"}\n{"article": "a", "summ\n')
    with pytest.raises(DataError, match=r"bad\.jsonl:2: not valid JSON"):
        sources.read_pairs(p)


def test_missing_field_names_file_line_and_fields(tmp_path):
    p = _jsonl(tmp_path / "f.jsonl", [{"article": "a", "summary": "b"}] * 2 + [{"article": "a", "highlights": "b"}])
    with pytest.raises(DataError, match=r"f\.jsonl:3: missing field 'summary' .*highlights.*summary_key"):
        sources.read_pairs(p)
    c = tmp_path / "f.csv"
    c.write_text("article,highlights\na,b\n")
    with pytest.raises(DataError, match=r"f\.csv:1: the header has no column 'summary'"):
        sources.read_pairs(c)


def test_unknown_source_name():
    with pytest.raises(DataError, match="unknown data source 'cnn'.*cnn_dailymail"):
        data.make_streams("cnn")


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        sources.read_pairs(tmp_path / "none.jsonl")
    (tmp_path / "x.parquet").write_text("")
    with pytest.raises(DataError, match="unknown file type"):
        sources.read_pairs(tmp_path / "x.parquet")


def test_non_utf8_bytes_are_replaced_and_counted(tmp_path):
    p = tmp_path / "latin.jsonl"
    p.write_bytes(b'{"article": "caf\xe9 opens", "summary": "ok"}\n{"article": "fine", "summary": "ok"}\n')
    stats = DataStats()
    got = sources.read_pairs(p, stats=stats)
    assert got[0] == ("caf\ufffd opens", "ok") and got[1] == ("fine", "ok")
    assert stats.utf8_replaced == 1
    # bytes straight from a stream (TFDS gives bytes) are handled the same way
    stats = DataStats()
    assert list(sources.clean_pairs([(b"caf\xe9", b"x"), (b"good", b"y")], stats)) == [
        ("caf\ufffd", "x"), ("good", "y")]
    assert stats.utf8_replaced == 1 and stats.kept == 2


def test_null_or_blank_fields_in_a_file_are_skipped_and_counted(tmp_path):
    p = _jsonl(tmp_path / "e.jsonl", [{"article": "a", "summary": None}, {"article": " ", "summary": "b"},
                                      {"article": "real", "summary": "text"}])
    stats = DataStats()
    assert list(data.pairs(str(p), "train", eval_fraction=0.34, stats=stats)) + list(
        data.pairs(str(p), "validation", eval_fraction=0.34, stats=stats)) == [("real", "text")]
    assert stats.skipped_empty == 2


def test_empty_pairs_are_skipped_and_counted():
    stats = DataStats()
    got = list(sources.clean_pairs([("a", "b"), ("  \n", "b"), ("a", ""), (b"c", b"d")], stats))
    assert got == [("a", "b"), ("c", "d")]
    assert (stats.seen, stats.kept, stats.skipped_empty) == (4, 2, 2)


def test_cnn_dailymail_unprepared_dir_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match=r"CNN/DailyMail is not prepared in .*download_and_prepare"
                                         r".*prepare_cnn_dailymail"):
        sources.cnn_dailymail(str(tmp_path))
    with pytest.raises(DataError, match="not prepared"):
        data.make_streams("cnn_dailymail", data_dir=str(tmp_path), vocab_file=str(tmp_path / "v"))


@pytest.fixture(scope="module")
def cnn_dir(tmp_path_factory):
    sample = _need(CNN_DM_SAMPLE)  # skips with a reason when ../shared is absent
    d = tmp_path_factory.mktemp("tfds")
    sources.prepare_cnn_dailymail(sample, str(d), eval_fraction=0.1, seed=0)
    rows = [json.loads(line) for line in sample.read_text().splitlines()]
    return str(d), rows


def test_course_tfds_call_reads_the_real_sample(cnn_dir):
    data_dir, rows = cnn_dir
    # the course's exact call; only the download was replaced by a locally prepared data_dir
    train_stream_fn = trax.data.TFDS("cnn_dailymail", data_dir=data_dir,
                                     keys=("article", "highlights"), train=True)
    eval_stream_fn = trax.data.TFDS("cnn_dailymail", data_dir=data_dir,
                                    keys=("article", "highlights"), train=False)
    train = [(a.decode(), h.decode()) for a, h in itertools.islice(train_stream_fn(), 900)]
    evals = [(a.decode(), h.decode()) for a, h in itertools.islice(eval_stream_fn(), 100)]
    real = {(r["article"], r["highlights"]) for r in rows}
    assert set(train) | set(evals) == real and not set(train) & set(evals)


def test_cnn_dailymail_batches_with_course_vocab(cnn_dir, course_vocab):
    data_dir, rows = cnn_dir
    stats = DataStats()
    train, _ = data.make_streams("cnn_dailymail", data_dir=data_dir, vocab_file=str(course_vocab),
                                 max_length=1024, shuffle_buffer=0, stats=stats)
    for _ in range(3):
        inputs, targets, mask = next(train)
        assert inputs.shape == targets.shape == mask.shape and inputs.shape[1] <= 1024
    assert stats.truncated > 0  # CNN/DM articles are often longer than 1024 subwords
    heldout = list(data.pairs("cnn_dailymail", "validation", data_dir=data_dir))
    assert len(heldout) == 100 and all(isinstance(a, str) for a, _ in heldout)


def test_the_package_reexports_what_callers_use():
    from trax_models.sources import files, records, tfds
    assert sources.DataError is records.DataError and sources.DataStats is records.DataStats
    assert sources.clean_pairs is records.clean_pairs and sources.read_pairs is files.read_pairs
    assert sources.prepare_cnn_dailymail is tfds.prepare_cnn_dailymail
    assert sources.tfds_prepared is tfds.tfds_prepared and sources.cnn_dailymail is tfds.cnn_dailymail
    assert data.DataError is sources.DataError and data.pairs is sources.pairs
