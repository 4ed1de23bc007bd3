"""Users' own files of (article, summary) pairs: JSONL, CSV, TSV; split by ratio or by file.

    read_pairs(path, article_key="article", summary_key="summary", fmt=None, stats=None)
    split_by_ratio(items, eval_fraction=0.1, seed=0) -> (train, validation)
    file_split(source, split, seed, ...)   # one split of a path or of {split: path}
    repeat(items, seed, shuffle)           # endless, reshuffled each epoch

A data file may be large, so it is streamed line by line, never read whole; one line (a JSONL
record, a CSV/TSV line) longer than ``MAX_LINE_BYTES`` is refused with its ``path:line`` — far
more than any article, it means a binary file or one without line breaks. Each line is decoded
by ``records.decode_text`` (UTF-8, else Windows-1252, counted in ``DataStats.not_utf8``); UTF-16
or binary content (``records.not_text``) is refused. JSONL fields must be strings (null: empty).
"""
import csv
import itertools
import json
import pathlib
import re

import numpy as np

from trax_models.sources.records import DataError, decode_text, not_text

MAX_LINE_BYTES = 16 << 20  # 16 MiB: one line of a data file, its line break included

_JSON_TYPES = {bool: "true/false", int: "a number", float: "a number", list: "a list",
               dict: "an object"}
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")  # a classic-Mac line break inside a "\n" line


def _format(path, fmt):
    fmt = fmt or pathlib.Path(path).suffix.lower().lstrip(".")
    if fmt not in ("jsonl", "json", "csv", "tsv"):
        raise DataError(f"{path}: unknown file type {fmt!r}; use .jsonl, .csv or .tsv "
                        "(or pass fmt='jsonl'|'csv'|'tsv').")
    return "jsonl" if fmt == "json" else fmt


def _field(record, key, where):
    """A JSONL field's text; null becomes "" (then skipped as empty, and counted). A list,
    number or object would be trained on as its Python repr ("['a', 'b']"): refused."""
    value = record[key]
    if value is None or isinstance(value, str):
        return value or ""
    raise DataError(f"{where}: field {key!r} is {_JSON_TYPES[type(value)]} "
                    f"({json.dumps(value)[:40]}), not a string — write it as one JSON string "
                    "(join a list of sentences with spaces or newlines).")


def _lines(path):
    """(line number, text, was_utf8) of each line of a data file, streamed and decoded."""
    try:
        with open(path, "rb") as f:
            for n in itertools.count(1):
                raw = f.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                if len(raw) > MAX_LINE_BYTES:
                    raise DataError(f"{path}:{n}: a line longer than {MAX_LINE_BYTES >> 20} MiB "
                                    "— is it a data file? Put one pair per line (JSONL) or "
                                    "split the text.")
                why = not_text(raw, at_start=n == 1)
                if why:
                    raise DataError(f"{path}:{n}: not text ({why}) — save the file as UTF-8 "
                                    "text.")
                yield (n, *decode_text(raw))
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror} — pass a readable .jsonl/.csv/.tsv "
                        "file.") from None


def _jsonl_rows(path, keys):
    """(article, summary, was_utf8) of each non-blank line of a JSONL file."""
    hint = "(set article_key= / summary_key= to your field names)"
    for n, line, was_utf8 in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}:{n}: not valid JSON ({e.msg} at column {e.colno}); "
                            "each line must be one JSON object. Fix or delete the line.") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}:{n}: expected a JSON object with fields {keys}, "
                            f"got {type(record).__name__}.")
        missing = [k for k in keys if k not in record]
        if missing:
            raise DataError(f"{path}:{n}: missing field {missing[0]!r} (fields present: "
                            f"{sorted(record)}) {hint}.")
        yield (*(_field(record, k, f"{path}:{n}") for k in keys), was_utf8)


def _table_rows(path, keys, delimiter):
    """(article, summary, was_utf8) of each row of a CSV/TSV file with a header row."""
    not_utf8 = [False]  # any line of the row being read (the reader never reads ahead)

    def text_lines():
        for _, line, was_utf8 in _lines(path):
            not_utf8[0] |= not was_utf8
            yield from filter(None, _LONE_CR.split(line))

    reader = csv.reader(text_lines(), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        missing = [k for k in keys if k not in header]
        if missing:
            raise DataError(f"{path}:1: the header has no column {missing[0]!r} (columns: "
                            f"{header}) (set article_key= / summary_key= to your column names).")
        ia, isum = header.index(keys[0]), header.index(keys[1])
        not_utf8[0] = False
        for row in reader:
            was_utf8, not_utf8[0] = not not_utf8[0], False
            if not row:
                continue
            if len(row) <= max(ia, isum):
                raise DataError(f"{path}:{reader.line_num}: {len(row)} column(s), the header "
                                f"has {len(header)}; quote fields that contain the delimiter "
                                "or newlines.")
            yield row[ia], row[isum], was_utf8
    except csv.Error as e:  # a stray quote; a field over csv's limit
        raise DataError(f"{path}:{reader.line_num}: not a CSV row ({e}) — check its quoting; "
                        f"for fields over {csv.field_size_limit():,} characters use JSONL.") from None


def _rows(path, article_key, summary_key, fmt):
    """(article, summary, was_utf8) of each pair of a data file, in file order."""
    path = pathlib.Path(path).expanduser()
    if not path.exists():
        raise DataError(f"data file not found: {path}. Pass the path of a .jsonl/.csv/.tsv "
                        "file of (article, summary) pairs.")
    if not path.is_file():
        raise DataError(f"{path} is not a regular file (a folder, a device or a pipe) — pass "
                        "the path of a .jsonl/.csv/.tsv file of (article, summary) pairs.")
    fmt = _format(path, fmt)
    keys = (article_key, summary_key)
    if fmt == "jsonl":
        return list(_jsonl_rows(path, keys))
    return list(_table_rows(path, keys, "\t" if fmt == "tsv" else ","))


def _counted(rows, stats):
    """The (article, summary) pairs of ``rows``; those not in UTF-8 counted in ``stats``."""
    if stats is not None:
        stats.not_utf8 += sum(not was_utf8 for *_, was_utf8 in rows)
    return [(article, summary) for article, summary, _ in rows]


def read_pairs(path, article_key="article", summary_key="summary", fmt=None, stats=None):
    """Read (article, summary) pairs from a JSONL, CSV or TSV file (CSV/TSV with a header row).

    Args:
      path: a regular file, read line by line (``MAX_LINE_BYTES`` a line). Lines that are
        not UTF-8 are read as Windows-1252 (counted), never fatal.
      article_key, summary_key: field / column names (CNN/DM style: "article", "highlights").
      fmt: "jsonl" | "csv" | "tsv"; default from the file extension.
      stats: optional ``DataStats`` (not_utf8 counted here; empties by ``clean_pairs``).

    Returns:
      list of (article, summary) str pairs, in file order (empties still included).

    Raises:
      DataError: a missing file or one that is not a regular file; a line over the bound or
        not text; a JSONL line that is not a JSON object; a missing field; a JSONL field that
        is not a string or null — each naming ``path:line`` where there is one.
    """
    return _counted(_rows(path, article_key, summary_key, fmt), stats)


def split_by_ratio(items, eval_fraction=0.1, seed=0):
    """Seeded train/validation split of a list: (train, validation), validation ≥ 1 item."""
    if not 0 < eval_fraction < 1:
        raise DataError(f"eval_fraction must be between 0 and 1, got {eval_fraction}.")
    order = np.random.default_rng(seed).permutation(len(items))
    n_eval = max(1, int(round(len(items) * eval_fraction)))
    return [items[i] for i in order[n_eval:]], [items[i] for i in order[:n_eval]]


def file_split(source, split, seed, article_key="article", summary_key="summary",
               eval_fraction=0.1, fmt=None, stats=None, **_):
    """The pairs of one split of a user file source (a path or a dict of split → path)."""
    split = "validation" if split in ("eval", "valid") else split
    if not isinstance(source, dict) and not pathlib.Path(str(source)).suffix:
        raise DataError(f"unknown data source {source!r}: use 'default', 'cnn_dailymail', the path "
                        "of a .jsonl/.csv/.tsv file, or a dict {'train': path, 'validation': path}.")
    kw = dict(article_key=article_key, summary_key=summary_key, fmt=fmt, stats=stats)
    if isinstance(source, dict):
        if split not in source:
            raise DataError(f"no {split!r} file in the source {source}; give a "
                            f"{{'{split}': path}} entry.")
        return _usable(read_pairs(source[split], **kw), source[split])
    if split == "test":
        raise DataError(f"{source}: a single file is split into train/validation only; "
                        "pass {'train': ..., 'validation': ..., 'test': ...} for a test split.")
    # both splits read the whole file: each counts (stats) only its own pairs
    rows = _usable(_rows(source, article_key, summary_key, fmt), source)
    if len(rows) < 2:
        raise DataError(f"{source}: one pair is too few to split into a training and a "
                        "held-out part — give the file at least 2 pairs (hundreds to learn "
                        "anything).")
    train, evals = split_by_ratio(rows, eval_fraction, seed)
    return _counted(train if split == "train" else evals, stats)


def _has_text(pair):
    return all(str(x).strip() for x in pair[:2])


def _usable(items, source):
    """``items``, or DataError naming the file when none is a pair with both fields (an
    empty file, a header only, only blanks). Blank pairs among good ones are kept: skipped
    and counted downstream."""
    if not items:
        raise DataError(f"{source}: the file holds no (article, summary) pair — it needs "
                        "lines with both fields non-empty.")
    if not any(_has_text(pair) for pair in items):
        raise DataError(f"{source}: none of its {len(items):,} pair(s) has both an article and "
                        "a summary — fill both fields (or name yours with --article_key / "
                        "--summary_key).")
    return items


def repeat(items, seed, shuffle):
    """Endless stream over a list; each epoch in a new seeded order when ``shuffle``.

    Raises (at once, not when first iterated):
      DataError: no item with a non-empty article and summary (every one would be skipped
        downstream, and the stream would spin without yielding a batch).
    """
    if not any(_has_text(pair) for pair in items):
        raise DataError(f"the data source has no usable pairs for this split ({len(items)} "
                        "pair(s), none with both an article and a summary).")
    return _repeat(items, seed, shuffle)


def _repeat(items, seed, shuffle):
    for epoch in itertools.count():
        order = np.random.default_rng([seed, epoch]).permutation(len(items)) if shuffle else range(len(items))
        for i in order:
            yield items[i]
