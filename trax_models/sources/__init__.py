"""Where (article, summary) pairs come from: CNN/DailyMail via trax.data.TFDS, the embedded
default corpus (a TFDS dataset built locally), and users' own JSONL/CSV/TSV files.

A source is named by ``source``:

* ``"cnn_dailymail"`` — the course's ``trax.data.TFDS('cnn_dailymail', data_dir=...,
  keys=('article', 'highlights'), train=...)``. ``data_dir`` must hold the prepared dataset
  (online: ``tfds.builder('cnn_dailymail', data_dir=D).download_and_prepare()``;
  or from a JSONL copy: ``prepare_cnn_dailymail(jsonl, D)``); an unprepared one is refused
  with a message instead of a silent multi-GB download.
* ``"default"`` — the generated news corpus (``trax_models.sources.corpus``), same TFDS path.
* a path ``"pairs.jsonl"`` / ``".csv"`` / ``".tsv"`` — one file, split into train/validation
  by ``eval_fraction`` with ``seed``; or a dict ``{"train": path, "validation": path,
  "test": path}`` — split by file. Field names: ``article_key`` / ``summary_key``.

Bad input is counted in a ``DataStats``, never a crash: empty pairs are skipped, invalid
UTF-8 is decoded with U+FFFD. Structural errors (a JSONL line that is not JSON, a missing
field, a missing file) raise ``DataError`` naming the file and line.
"""
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import logging
import os
import pathlib

import numpy as np

import trax_models  # noqa: F401  (compat first)

log = logging.getLogger(__name__)

CNN_DM = "cnn_dailymail"
CNN_DM_KEYS = ("article", "highlights")
SPLITS = ("train", "validation", "test")


class DataError(ValueError):
    """Unusable input data; the message names the file/line or directory and what to do."""


@dataclasses.dataclass
class DataStats:
    """Counts of what the pipeline did to imperfect input (shared by all stages)."""
    seen: int = 0            # pairs read
    kept: int = 0            # pairs passed on
    skipped_empty: int = 0   # empty or whitespace-only article or summary
    utf8_replaced: int = 0   # pairs with invalid UTF-8, decoded with U+FFFD
    truncated: int = 0       # articles cut to fit max_length (summary kept)
    filtered_long: int = 0   # examples dropped because even the summary did not fit

    def __str__(self):
        return ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(self).items())


def _text(x, stats_flag):
    """str from str/bytes/np.bytes_; invalid UTF-8 replaced (stats_flag[0] set when it was)."""
    if isinstance(x, (bytes, np.bytes_)):
        try:
            return bytes(x).decode("utf-8")
        except UnicodeDecodeError:
            stats_flag[0] = True
            return bytes(x).decode("utf-8", errors="replace")
    return str(x)


def clean_pairs(stream, stats=None):
    """Decode and check (article, summary) pairs: the first stage of every pipeline.

    Args:
      stream: iterator of (article, summary), each str or UTF-8 bytes (TFDS yields bytes).
      stats: optional ``DataStats``; counts seen/kept/skipped_empty/utf8_replaced.

    Yields:
      (article, summary) str pairs, both non-empty after stripping whitespace.
    """
    stats = stats if stats is not None else DataStats()
    for example in stream:
        stats.seen += 1
        flag = [False]
        article, summary = _text(example[0], flag), _text(example[1], flag)
        stats.utf8_replaced += flag[0]
        if not article.strip() or not summary.strip():
            stats.skipped_empty += 1
            if stats.skipped_empty in (1, 10, 100, 1000):
                log.warning("skipped %d pair(s) with an empty article or summary", stats.skipped_empty)
            continue
        stats.kept += 1
        yield article, summary


# --- Users' own files -------------------------------------------------------------------------

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
            line = _text(raw_line, flag)
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
    text = _text(raw, flag)  # rows with U+FFFD are counted below only if decoding replaced
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


def _file_split(source, split, seed, article_key="article", summary_key="summary",
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
        return read_pairs(source[split], **kw)
    if split == "test":
        raise DataError(f"{source}: a single file is split into train/validation only; "
                        "pass {'train': ..., 'validation': ..., 'test': ...} for a test split.")
    train, evals = split_by_ratio(read_pairs(source, **kw), eval_fraction, seed)
    return train if split == "train" else evals


def _repeat(items, seed, shuffle):
    """Endless stream over a list; each epoch in a new seeded order when ``shuffle``."""
    if not items:
        raise DataError("the data source has no pairs for this split.")
    for epoch in itertools.count():
        order = np.random.default_rng([seed, epoch]).permutation(len(items)) if shuffle else range(len(items))
        for i in order:
            yield items[i]


# --- TFDS (CNN/DailyMail and the default corpus) ----------------------------------------------

def tfds_prepared(name, data_dir):
    """True when ``data_dir`` holds a prepared TFDS dataset ``name`` (any version)."""
    root = pathlib.Path(data_dir).expanduser() / name
    return any(root.glob("*/dataset_info.json")) or any(root.glob("*/*/dataset_info.json"))


def check_cnn_dailymail(data_dir):
    """Raise ``DataError`` with what to do when ``data_dir`` lacks a prepared cnn_dailymail."""
    if data_dir is None:
        data_dir = os.path.expanduser("~/tensorflow_datasets")
    if not tfds_prepared(CNN_DM, data_dir):
        raise DataError(
            f"CNN/DailyMail is not prepared in {data_dir}. Online, prepare it once with "
            f"`python -c \"import tensorflow_datasets as tfds; tfds.builder('cnn_dailymail', "
            f"data_dir='{data_dir}').download_and_prepare()\"` (downloads ≈0.5 GB of stories and "
            "tokenizes ≈300k articles; plan for tens of minutes), or, from a JSONL copy with "
            "'article' and 'highlights' fields, run trax_models.sources.prepare_cnn_dailymail("
            f"jsonl, '{data_dir}'). Then pass data_dir='{data_dir}'.")
    return data_dir


def cnn_dailymail(data_dir, train=True, shuffle_train=True):
    """The course's CNN/DailyMail stream function (checks ``data_dir`` first).

    Returns ``trax.data.TFDS('cnn_dailymail', data_dir=data_dir, keys=('article',
    'highlights'), train=train)``: call it to get an endless iterator of (article, highlights)
    byte strings (train split, or validation when ``train=False``).
    """
    import trax
    data_dir = check_cnn_dailymail(data_dir)
    return trax.data.TFDS(CNN_DM, data_dir=data_dir, keys=CNN_DM_KEYS, train=train,
                          shuffle_train=shuffle_train)


def prepare_tfds(name, data_dir, splits, keys, version="1.0.0"):
    """Write a local TFDS dataset ``name`` of text features ``keys`` into ``data_dir``.

    Args:
      name: dataset name (``tfds.builder(name, data_dir=data_dir)`` then reads it).
      data_dir: the TFDS data directory.
      splits: dict split name → list of dicts (or tuples in ``keys`` order) of str.
      keys: the text feature names.
      version: the dataset version directory.

    Returns:
      data_dir (str).
    """
    import tensorflow_datasets as tfds

    def rows(items):  # (key, example) pairs; TFDS stores them in a fixed key-hash order
        for i, item in enumerate(items):
            yield i, (dict(zip(keys, item)) if not isinstance(item, dict) else {k: item[k] for k in keys})

    tfds.disable_progress_bar()  # one line per split instead of bars in make train's log
    logging.getLogger("absl").setLevel(logging.ERROR)  # "Variant folder ... has no dataset_info"
    tfds.dataset_builders.store_as_tfds_dataset(
        name=name, version=version, data_dir=str(data_dir),
        features=tfds.features.FeaturesDict({k: tfds.features.Text() for k in keys}),
        split_datasets={s: list(rows(v)) for s, v in splits.items()})
    return str(data_dir)


def prepare_cnn_dailymail(jsonl, data_dir, eval_fraction=0.1, seed=0):
    """Prepare a ``cnn_dailymail`` TFDS data_dir from a JSONL of CNN/DM pairs (offline).

    The result is read by the registered ``cnn_dailymail`` builder, i.e. by the course's
    ``trax.data.TFDS('cnn_dailymail', data_dir=data_dir, ...)`` call unchanged. The pairs are
    split by ``eval_fraction`` (seeded) into train and validation (validation also as test).

    Args:
      jsonl: file with fields "article", "highlights" (and optionally "id").
      data_dir: where to write (``data_dir/cnn_dailymail/3.4.0/``).

    Returns:
      data_dir (str).
    """
    import tensorflow_datasets as tfds
    records = []
    path = pathlib.Path(jsonl)
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if line.strip():
            try:
                r = json.loads(line)
                records.append({"article": r["article"], "highlights": r["highlights"],
                                "id": str(r.get("id", n)),
                                "publisher": "cnn" if r["article"].startswith("(CNN)") else "dm"})
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise DataError(f"{path}:{n}: not a CNN/DM record with 'article' and "
                                f"'highlights' ({e!r}).") from None
    train, evals = split_by_ratio(records, eval_fraction, seed)
    version = str(tfds.builder_cls(CNN_DM).VERSION)  # the registered builder reads this version
    prepare_tfds(CNN_DM, data_dir, {"train": train, "validation": evals, "test": evals},
                 keys=("article", "highlights", "id", "publisher"), version=version)
    return str(data_dir)


def _tfds_pairs(name, data_dir, split, keys):
    """Finite iterator over one split of a prepared TFDS dataset, as byte pairs."""
    import tensorflow_datasets as tfds
    ds = tfds.load(name, split=split, data_dir=data_dir, shuffle_files=False, download=False)
    for example in tfds.as_numpy(ds):
        yield tuple(example[k] for k in keys)


# --- One entry point for all sources ------------------------------------------------------------

def stream(source, split="train", seed=0, data_dir=None, stats=None, **options):
    """Endless stream of raw (article, summary) pairs (str or bytes) of one split.

    ``"train"`` and ``"validation"`` go through ``trax.data.TFDS`` for TFDS sources
    (the course's path); user files repeat, the train split reshuffled each epoch.
    """
    if source == CNN_DM:
        return cnn_dailymail(data_dir, train=split == "train")()
    if source == "default":
        from trax_models.sources import corpus
        return corpus.tfds_stream(split == "train", data_dir=data_dir, **_corpus_opts(options))()
    items = _file_split(source, split, seed, stats=stats, **options)
    return _repeat(items, seed, shuffle=split == "train")


def _corpus_opts(options):
    keys = ("corpus_seed", "n_train", "n_validation", "n_test", "background")
    return {k: options[k] for k in keys if k in options}


def pairs(source="default", split="validation", seed=0, data_dir=None, stats=None, **options):
    """Finite iterator of one split's (article, summary) str pairs, cleaned (empties skipped).

    Args:
      source: "default" | "cnn_dailymail" | file path | dict of split → path.
      split: "train" | "validation" | "test".
      seed: the train/validation split seed for a single file.
      data_dir: TFDS data_dir (cnn_dailymail: required; default corpus: its cache).
      stats: optional ``DataStats``.

    Yields:
      (article, summary) str pairs, in the split's stored order.
    """
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; use one of {SPLITS}.")
    if source == CNN_DM:
        raw = _tfds_pairs(CNN_DM, check_cnn_dailymail(data_dir), split, CNN_DM_KEYS)
    elif source == "default":
        from trax_models.sources import corpus
        raw = corpus.read_split(split, data_dir=data_dir, **_corpus_opts(options))
    else:
        raw = _file_split(source, split, seed, stats=stats, **options)
    return clean_pairs(raw, stats)


def _source_key(source, options):
    """A short stable id of a source (and its files' size/mtime) for cache names."""
    if isinstance(source, dict):
        files = sorted(source.items())
    elif source == CNN_DM:
        files = [("dir", options.get("data_dir") or "~/tensorflow_datasets")]
    else:
        files = [("file", source)]
    ident = []
    for k, p in files:
        p = pathlib.Path(str(p)).expanduser()
        st = p.stat() if p.exists() else None
        ident.append((k, str(p.resolve()), st and st.st_size, st and int(st.st_mtime)))
    ident.append(sorted((k, str(v)) for k, v in options.items()))
    return hashlib.sha256(repr(ident).encode()).hexdigest()[:12]


def source_vocab(source="default", vocab_size=2000, seed=0, **options):
    """Path of the source's own subword vocabulary, built from its train split and cached.

    The default corpus ships its own (built with the corpus). For other sources the file is
    ``<cache>/vocabs/<source id>-<vocab_size>.subwords`` (``trax_models.sources.corpus.cache_dir``).
    """
    from trax_models.sources import corpus, vocab
    if source == "default":
        return str(corpus.default_vocab_path(vocab_size=vocab_size, data_dir=options.get("data_dir"),
                                             **_corpus_opts(options)))
    path = corpus.cache_dir() / "vocabs" / f"{_source_key(source, options)}-{vocab_size}.subwords"
    if not path.is_file():
        train = pairs(source, "train", seed=seed, **options)
        _, seconds = vocab.build_vocab(vocab.texts_of(train), path, target_size=vocab_size)
        log.info("built vocabulary %s in %.1f s", path, seconds)
    return str(path)
