"""Where (article, summary) pairs come from: CNN/DailyMail via trax.data.TFDS, the embedded
default corpus (a TFDS dataset built locally), and users' own JSONL/CSV/TSV files.

A source is named by ``source``:

* ``"cnn_dailymail"`` — the course's ``trax.data.TFDS('cnn_dailymail', data_dir=...,
  keys=('article', 'highlights'), train=...)``. ``data_dir`` must hold the prepared dataset
  (online: ``tfds.builder('cnn_dailymail', data_dir=D).download_and_prepare()``;
  or from a JSONL copy: ``tfds.prepare_cnn_dailymail(jsonl, D)``); an unprepared one is refused
  with a message instead of a silent multi-GB download.
* ``"default"`` — the generated news corpus (``trax_models.sources.corpus``), same TFDS path.
* a path ``"pairs.jsonl"`` / ``".csv"`` / ``".tsv"`` — one file, split into train/validation
  by ``eval_fraction`` with ``seed``; or a dict ``{"train": path, "validation": path,
  "test": path}`` — split by file. Field names: ``article_key`` / ``summary_key``.

Bad input is counted in a ``DataStats``, never a crash: empty pairs are skipped, text that
is not UTF-8 is read as Windows-1252 (``records.decode_text``). Structural errors (a JSONL
line that is not JSON, a field that is not a string, a missing file) raise ``DataError``
naming the file and line.

The package, leaf → root (each module imports only the ones above it; no cycle)::

    vocab.py     subword vocabularies: choose, load (cached), build    (no local import)
    records.py   DataError, DataStats, text decoding, clean_pairs      (no local import)
    extractive.py  sentences; the article sentences that best match a summary (no local import)
    entities.py  the generator's fictional names: lists, and names coined from syllables
    news.py      the default corpus's generator: pure functions of a seed, no disk; each
                 slot's entity type (SLOT_TYPES, for trax_models.transfer)   (entities)
    files.py     users' JSONL/CSV/TSV files: read_pairs, split_by_ratio, file_split  (records)
    tfds.py      TFDS: cnn_dailymail, prepare_tfds, prepare_cnn_dailymail  (files, records)
    corpus.py    the default corpus on disk: ensure_corpus, read_split, default_vocab_path
                 (news, tfds, vocab)
    __init__.py  this dispatch on ``source``: stream, pairs, facts_of; ``resolve_vocab``, the
                 one function that decides a vocabulary; ``Source``, a source as a value

Data flows one way: ``train`` resolves its source and vocabulary once
(``trax_models.data.resolve`` → ``Source`` + ``resolve_vocab``) and hands the values down;
no module here calls back up to find a vocabulary or a setting.
"""
import dataclasses
import hashlib
import logging
import os
import pathlib
import types

from trax_models.sources import corpus, extractive, files, tfds, vocab
from trax_models.sources.records import DataError, clean_pairs
from trax_models.sources.tfds import CNN_DM, tfds_prepared

__all__ = ["DataError", "clean_pairs", "tfds_prepared", "SPLITS", "stream", "pairs",
           "facts_of", "resolve_vocab", "Source"]

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")


def stream(source, split="train", seed=0, data_dir=None, stats=None, targets="reference",
           **options):
    """Endless stream of raw (article, summary) pairs (str or bytes) of one split.

    ``"train"`` and ``"validation"`` go through ``trax.data.TFDS`` for TFDS sources
    (the course's path); user files repeat, the train split reshuffled each epoch.
    ``targets="sentences"`` (files only): the summary is replaced by the article's sentences
    that best match it (``extractive.oracle_sentences``); pairs where none does are left out.
    """
    if targets != "reference" and source in (CNN_DM, "default"):
        raise DataError(f"targets={targets!r} needs a file of (article, summary) pairs; the "
                        f"{source!r} source trains on its own summaries (the default corpus's "
                        "are already article sentences)")
    if source == CNN_DM:
        return tfds.cnn_dailymail(data_dir, train=split == "train")()
    if source == "default":
        return corpus.tfds_stream(split == "train", data_dir=data_dir, **_corpus_opts(options))()
    items = files.file_split(source, split, seed, stats=stats, **options)
    if targets == "sentences":
        items = [(a, summary) for a, s in items
                 if (summary := extractive.oracle_sentences(a, s))]
        if not items:
            raise DataError(f"{source}: no {split} article has a sentence that matches its "
                            "summary — train with --targets reference")
    return files.repeat(items, seed, shuffle=split == "train")


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
        raw = tfds.read_split(CNN_DM, tfds.check_cnn_dailymail(data_dir), split, tfds.CNN_DM_KEYS)
    elif source == "default":
        raw = corpus.read_split(split, data_dir=data_dir, **_corpus_opts(options))
    else:
        raw = files.file_split(source, split, seed, stats=stats, **options)
    return clean_pairs(raw, stats)


def facts_of(source="default", split="validation", data_dir=None, **options):
    """``article -> [fact values of its reference]`` for a source that knows its facts (the
    default corpus), else None (real news has no such labels)."""
    if source != "default":
        return None
    return corpus.read_facts(split, data_dir=data_dir, **_corpus_opts(options)).get


def _source_key(source, options):
    """A short stable id of a source (and its files' size/mtime) for cache names."""
    if isinstance(source, dict):
        paths = sorted(source.items())
    elif source == CNN_DM:
        paths = [("dir", options.get("data_dir") or "~/tensorflow_datasets")]
    else:
        paths = [("file", source)]
    ident = []
    for k, p in paths:
        p = pathlib.Path(str(p)).expanduser()
        st = p.stat() if p.exists() else None
        ident.append((k, str(p.resolve()), st and st.st_size, st and int(st.st_mtime)))
    ident.append(sorted((k, str(v)) for k, v in options.items()))
    return hashlib.sha256(repr(ident).encode()).hexdigest()[:12]


def resolve_vocab(source="default", vocab_file=None, vocab_dir=None,
                  vocab_size=corpus.DEFAULT_VOCAB_SIZE, seed=0, **options):
    """THE vocabulary resolution: the path of the vocabulary file to use with ``source``.

    Every other way to a vocabulary leads here (``trax_models.data.vocab_for`` is this
    function; ``data.resolve``, ``tokenize``/``detokenize``/``load_vocab`` with no path call it).
    Order:

    1. ``vocab_file`` (a path, or a name inside ``vocab_dir`` as in the course);
    2. else the user's choice: ``vocab.set_default_vocab``'s, else ``$TRAX_MODELS_VOCAB``;
    3. else the source's own: the default corpus's (built with the corpus), or for any other
       source one of ≈``vocab_size`` entries built from its train split (split with ``seed``)
       and cached as ``<cache>/vocabs/<source id>-<vocab_size>.subwords``
       (``trax_models.sources.corpus.cache_dir``; deterministic; first call ≈10–60 s).

    Returns:
      str, an absolute path.
    Raises:
      VocabError: a chosen file does not exist. DataError: the source cannot be read.
      ValueError: the source's train split has no text to build a vocabulary from.
    """
    vocab_file, vocab_dir = vocab.choice(vocab_file, vocab_dir)
    if vocab_file is not None:
        return vocab.check_path(vocab_file, vocab_dir)
    if source == "default":
        return os.path.abspath(corpus.default_vocab_path(
            vocab_size=vocab_size, data_dir=options.get("data_dir"), **_corpus_opts(options)))
    path = corpus.cache_dir() / "vocabs" / f"{_source_key(source, options)}-{vocab_size}.subwords"
    if not path.is_file():
        train = pairs(source, "train", seed=seed, **options)
        _, seconds = vocab.build_vocab(vocab.texts_of(train), path, target_size=vocab_size)
        log.info("built vocabulary %s in %.1f s", path, seconds)
    return os.path.abspath(path)


@dataclasses.dataclass(frozen=True)
class Source:
    """A data source as a value: what it is, its split seed and its options (no I/O here).

    ``name``: "default" | "cnn_dailymail" | a file path | {split: path}; ``seed``: a single
    file's train/validation split (and the train stream's order); ``options``: ``data_dir``,
    ``article_key``, ``summary_key``, ``eval_fraction``, ``fmt``, ``targets``, the default
    corpus's ``corpus_seed``/``n_train``/…, read-only. The methods read it as the module's
    functions do with the same arguments.
    """
    name: object = "default"
    seed: int = 0
    options: types.MappingProxyType = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "options", types.MappingProxyType(dict(self.options)))

    def stream(self, split="train", stats=None):
        """``stream(name, split, seed, stats, **options)``: endless raw pairs of a split."""
        return stream(self.name, split, seed=self.seed, stats=stats, **self.options)

    def pairs(self, split="validation", stats=None):
        """``pairs(name, split, seed, stats, **options)``: one split's cleaned pairs."""
        return pairs(self.name, split, seed=self.seed, stats=stats, **self.options)

    def facts(self, split="validation"):
        """``facts_of(name, split, **options)``: article → its reference's facts, or None."""
        return facts_of(self.name, split, **self.options)
