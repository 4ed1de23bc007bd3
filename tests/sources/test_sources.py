"""trax_models.sources (dispatch), .files and .tfds: users' files, bad input, and CNN/DailyMail
through the course's TFDS call."""
import itertools
import json
import re

import pytest
import trax
from conftest import CNN_DM_SAMPLE, _need

from trax_models import data, sources
from trax_models.sources import DataError, files
from trax_models.sources.records import DataStats


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [{"text": f"Article number {i} says that team {i} won.", "abstract": f"Team {i} won."}
        for i in range(30)]


def test_read_jsonl_csv_tsv_with_custom_fields(tmp_path):
    want = [(r["text"], r["abstract"]) for r in ROWS]
    j = _jsonl(tmp_path / "d.jsonl", ROWS)
    assert files.read_pairs(j, article_key="text", summary_key="abstract") == want
    for ext, sep in (("csv", ","), ("tsv", "\t")):
        p = tmp_path / f"d.{ext}"
        p.write_text(f"id{sep}text{sep}abstract\n" + "".join(
            f"{i}{sep}\"{a}\"{sep}{s}\n" for i, (a, s) in enumerate(want)))
        assert files.read_pairs(p, article_key="text", summary_key="abstract") == want


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
        files.read_pairs(p)


def test_missing_field_names_file_line_and_fields(tmp_path):
    p = _jsonl(tmp_path / "f.jsonl", [{"article": "a", "summary": "b"}] * 2 + [{"article": "a", "highlights": "b"}])
    with pytest.raises(DataError, match=r"f\.jsonl:3: missing field 'summary' .*highlights.*summary_key"):
        files.read_pairs(p)
    c = tmp_path / "f.csv"
    c.write_text("article,highlights\na,b\n")
    with pytest.raises(DataError, match=r"f\.csv:1: the header has no column 'summary'"):
        files.read_pairs(c)


def test_unknown_source_name():
    with pytest.raises(DataError, match="unknown data source 'cnn'.*cnn_dailymail"):
        data.make_streams("cnn")


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        files.read_pairs(tmp_path / "none.jsonl")
    (tmp_path / "x.parquet").write_text("")
    with pytest.raises(DataError, match="unknown file type"):
        files.read_pairs(tmp_path / "x.parquet")


def test_non_utf8_lines_are_read_as_windows_1252_and_counted(tmp_path):
    """Latin-1/Windows-1252 text reads right ("café", curly quotes), never as U+FFFD; each
    pair that was not UTF-8 is counted, in JSONL, CSV and bytes from a stream alike."""
    p = tmp_path / "latin.jsonl"
    p.write_bytes(b'{"article": "caf\xe9 opens", "summary": "\x93ok\x94"}\n'
                  b'{"article": "fine", "summary": "ok"}\n')
    stats = DataStats()
    assert files.read_pairs(p, stats=stats) == [("café opens", "“ok”"), ("fine", "ok")]
    assert stats.not_utf8 == 1
    c = tmp_path / "latin.csv"
    c.write_bytes(b'article,summary\n"na\xefve\nline two",ok\nplain,text\n"a\xe9",b\n')
    stats = DataStats()
    assert files.read_pairs(c, stats=stats) == [("naïve\nline two", "ok"), ("plain", "text"),
                                                  ("aé", "b")]
    assert stats.not_utf8 == 2
    # bytes straight from a stream (TFDS gives bytes) are handled the same way
    stats = DataStats()
    assert list(sources.clean_pairs([(b"caf\xe9", b"x"), (b"good", b"y")], stats)) == [
        ("café", "x"), ("good", "y")]
    assert stats.not_utf8 == 1 and stats.kept == 2


def test_a_single_files_splits_count_its_non_utf8_pairs_once(tmp_path):
    """Both splits read the whole file; each counts only its own pairs (not the file twice)."""
    rows = [json.dumps({"article": f"article {i}", "summary": f"summary {i}"}).encode()
            for i in range(10)]
    rows[3] = b'{"article": "caf\xe9", "summary": "ok"}'
    p = tmp_path / "d.jsonl"
    p.write_bytes(b"\n".join(rows))
    stats = DataStats()
    for split in ("train", "validation"):
        list(data.pairs(str(p), split, eval_fraction=0.3, stats=stats))
    assert stats.not_utf8 == 1


def test_a_utf8_byte_order_mark_is_dropped(tmp_path):
    bom = b"\xef\xbb\xbf"
    j, c = tmp_path / "bom.jsonl", tmp_path / "bom.csv"
    j.write_bytes(bom + b'{"article": "a", "summary": "b"}\n')
    c.write_bytes(bom + b"article,summary\na,b\n")
    stats = DataStats()
    assert files.read_pairs(j, stats=stats) == files.read_pairs(c, stats=stats) == [("a", "b")]
    assert stats.not_utf8 == 0


@pytest.mark.parametrize("raw, line", [
    ('{"article": "a", "summary": "b"}\n'.encode("utf-16"), 1),  # BOM and NUL bytes
    ('{"article": "a", "summary": "b"}\n'.encode("utf-16-be"), 1),
    (b'{"article": "a", "summary": "b"}\n{"article": "\x00\x01", "summary": "b"}\n', 2),
], ids=["utf-16", "utf-16-be", "nul"])
def test_utf16_or_binary_data_is_refused_with_its_line(tmp_path, raw, line):
    p = tmp_path / "u.jsonl"
    p.write_bytes(raw)
    with pytest.raises(DataError, match=rf"u\.jsonl:{line}: not text \((UTF-16|NUL bytes)"):
        files.read_pairs(p)


@pytest.mark.parametrize("value, kind", [(["a", "b"], "a list"), (12345, "a number"),
                                         (1.5, "a number"), (True, "true/false"),
                                         ({"text": "a"}, "an object")])
def test_a_jsonl_field_that_is_not_a_string_is_refused(tmp_path, value, kind):
    """Not trained on as its repr ("['a', 'b']", "12345"); null still means empty."""
    p = _jsonl(tmp_path / "f.jsonl", [{"article": "a", "highlights": None},
                                      {"article": "a", "highlights": value}])
    with pytest.raises(DataError, match=rf"f\.jsonl:2: field 'highlights' is {kind} \(.*\), "
                                        "not a string — write it as one JSON string"):
        files.read_pairs(p, summary_key="highlights")
    p = _jsonl(p, [{"article": "a", "highlights": None}])
    assert files.read_pairs(p, summary_key="highlights") == [("a", "")]


@pytest.mark.parametrize("path", ["/dev/zero", "folder.jsonl"])
def test_a_data_path_that_is_not_a_regular_file_is_refused(tmp_path, path):
    """/dev/zero was "data file not found"; a folder named like a data file too."""
    (tmp_path / "folder.jsonl").mkdir()
    target = tmp_path / path
    with pytest.raises(DataError, match=rf"^{re.escape(str(target))} is not a regular file .* "
                                        r"pass the path of a \.jsonl"):
        files.read_pairs(target)


def test_a_line_over_the_bound_is_refused_with_its_line(tmp_path, monkeypatch):
    """Streamed line by line: a line over MAX_LINE_BYTES stops the read there, named."""
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 100)
    ok = json.dumps({"article": "a" * 50, "summary": "b"}) + "\n"
    assert len(ok) <= 100
    for ext, body in (("jsonl", ok + json.dumps({"article": "a" * 90, "summary": "b"})),
                      ("csv", "article,summary\n" + "a" * 60 + ",b\n" + "a" * 120)):
        p = tmp_path / f"long.{ext}"
        p.write_text(ok + body if ext == "jsonl" else body)
        with pytest.raises(DataError, match=rf"long\.{ext}:3: a line longer than"):
            files.read_pairs(p)


def test_a_csv_field_over_csvs_limit_is_a_data_error(tmp_path):
    """csv's own error (a field over 131,072 characters) was a traceback; now path:line."""
    p = tmp_path / "big.csv"
    p.write_text("article,summary\na,b\n" + "a" * 200_000 + ",b\n")
    with pytest.raises(DataError, match=r"big\.csv:3: not a CSV row .*use JSONL"):
        files.read_pairs(p)


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
        sources.tfds.cnn_dailymail(str(tmp_path))
    with pytest.raises(DataError, match="not prepared"):
        data.make_streams("cnn_dailymail", data_dir=str(tmp_path), vocab_file=str(tmp_path / "v"))


@pytest.fixture(scope="module")
def cnn_dir(tmp_path_factory):
    sample = _need(CNN_DM_SAMPLE)  # skips with a reason when ../shared is absent
    d = tmp_path_factory.mktemp("tfds")
    sources.tfds.prepare_cnn_dailymail(sample, str(d), eval_fraction=0.1, seed=0)
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
    from trax_models.sources import records, tfds
    assert sources.DataError is records.DataError and sources.clean_pairs is records.clean_pairs
    assert sources.tfds_prepared is tfds.tfds_prepared and data.DataStats is records.DataStats
    assert data.DataError is sources.DataError and data.pairs is sources.pairs
