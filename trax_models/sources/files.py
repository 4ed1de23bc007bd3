"""Users' own files of (article, summary) pairs: JSONL, CSV, TSV; split by ratio or by file.

    read_pairs(path, article_key="article", summary_key="summary", fmt=None, stats=None)
    split_by_ratio(items, eval_fraction=0.1, seed=0) -> (train, validation)
    file_split(source, split, seed, ...)   # one split of a path or of {split: path}
    repeat(items, seed, shuffle)           # endless, reshuffled each epoch
"""
import csv
import io
import itertools
import json
import pathlib

import numpy as np

from trax_models.sources.records import DataError, as_text


def _format(path, fmt):
    fmt = fmt or pathlib.Path(path).suffix.lower().lstrip(".")
    if fmt not in ("jsonl", "json", "csv", "tsv"):
        raise DataError(f"{path}: unknown file type {fmt!r}; use .jsonl, .csv or .tsv "
                        "(or pass fmt='jsonl'|'csv'|'tsv').")
    return "jsonl" if fmt == "json" else fmt


def _field(value):
    """A JSON field as text; null becomes "" (then skipped as empty, and counted)."""
    return "" if value is None else str(value)


def read_pairs(path, article_key="article", summary_key="summary", fmt=None, stats=None):
    """Read (article, summary) pairs from a JSONL, CSV or TSV file (CSV/TSV with a header row).

    Args:
      path: the file. Bytes that are not UTF-8 are replaced (counted), never fatal.
      article_key, summary_key: field / column names (CNN/DM style: "article", "highlights").
      fmt: "jsonl" | "csv" | "tsv"; default from the file extension.
      stats: optional ``DataStats`` (utf8_replaced counted here; empties by ``clean_pairs``).

    Returns:
      list of (article, summary) str pairs, in file order (empties still included).

    Raises:
      DataError: missing file; a JSONL line that is not a JSON object; a missing field —
        each naming ``path:line``.
    """
    path = pathlib.Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"data file not found: {path}. Pass the path of a .jsonl/.csv/.tsv "
                        "file of (article, summary) pairs.")
    fmt = _format(path, fmt)
    raw = path.read_bytes()
    keys = (article_key, summary_key)
    hint = "(set article_key= / summary_key= to your field names)"
    out = []
    if fmt == "jsonl":
        for n, raw_line in enumerate(raw.split(b"\n"), 1):
            flag = [False]
            line = as_text(raw_line, flag)
            if not line.strip():
                continue
            if stats is not None:
                stats.utf8_replaced += flag[0]
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
            out.append((_field(record[article_key]), _field(record[summary_key])))
        return out
    flag = [False]
    text = as_text(raw, flag)  # rows with U+FFFD are counted below only if decoding replaced
    delimiter = "\t" if fmt == "tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return out
    missing = [k for k in keys if k not in header]
    if missing:
        raise DataError(f"{path}:1: the header has no column {missing[0]!r} (columns: "
                        f"{header}) {hint}.")
    ia, isum = header.index(article_key), header.index(summary_key)
    for row in reader:
        n = reader.line_num
        if not row:
            continue
        if len(row) <= max(ia, isum):
            raise DataError(f"{path}:{n}: {len(row)} column(s), the header has {len(header)}; "
                            "quote fields that contain the delimiter or newlines.")
        if stats is not None and flag[0] and ("\ufffd" in row[ia] or "\ufffd" in row[isum]):
            stats.utf8_replaced += 1
        out.append((row[ia], row[isum]))
    return out


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
        return _usable(read_pairs(source[split], **kw), source[split], split)
    if split == "test":
        raise DataError(f"{source}: a single file is split into train/validation only; "
                        "pass {'train': ..., 'validation': ..., 'test': ...} for a test split.")
    train, evals = split_by_ratio(read_pairs(source, **kw), eval_fraction, seed)
    return _usable(train if split == "train" else evals, source, split)


def _has_text(pair):
    return all(str(x).strip() for x in pair)


def _usable(items, source, split):
    """``items``, or DataError naming the file when there is none (an empty file, a header
    only). Blank pairs are kept: skipped and counted downstream (``repeat`` refuses a list
    of nothing but blanks)."""
    if not items:
        raise DataError(f"{source}: no (article, summary) pair in the {split} split — the "
                        "file is empty; it needs lines with both fields non-empty.")
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
