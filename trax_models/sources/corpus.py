"""The embedded default corpus on disk: generated once (``news``), cached, read back.

The articles and summaries come from ``trax_models.sources.news`` (pure functions of a seed);
this module writes them, with a local TFDS dataset and a subword vocabulary, and reads them.

Files (cached under ``cache_dir()`` = ``$TRAX_MODELS_CACHE`` or ``~/.cache/trax_models``)::

    news-v{GENERATOR_VERSION}-s{seed}-{n_train}-{n_validation}-{n_test}/
        train.jsonl validation.jsonl test.jsonl   # {"id", "event", "article", "summary", "facts"}
        tfds/trax_models_news/1.0.0/...           # the same, as a TFDS dataset
        vocab-{size}.subwords                     # subword vocabulary built from train
"""
import json
import logging
import os
import pathlib
import time

import trax

from trax_models.atomic import atomic_directory
from trax_models.sources import tfds, vocab
from trax_models.sources.news import (
    DEFAULT_BACKGROUND,
    DEFAULT_SIZES,
    GENERATOR_VERSION,
    generate_corpus,
)

log = logging.getLogger(__name__)

NAME = "trax_models_news"   # the TFDS dataset name
VERSION = "1.0.0"          # the TFDS dataset version
KEYS = ("article", "summary")
DEFAULT_VOCAB_SIZE = 2000


def cache_dir():
    """``$TRAX_MODELS_CACHE`` or ``~/.cache/trax_models`` (created on demand)."""
    return pathlib.Path(os.environ.get("TRAX_MODELS_CACHE") or "~/.cache/trax_models").expanduser()


def _sizes(n_train=None, n_validation=None, n_test=None):
    return {"train": DEFAULT_SIZES["train"] if n_train is None else n_train,
            "validation": DEFAULT_SIZES["validation"] if n_validation is None else n_validation,
            "test": DEFAULT_SIZES["test"] if n_test is None else n_test}


def default_corpus_dir(corpus_seed=0, n_train=None, n_validation=None, n_test=None, data_dir=None,
                       background=DEFAULT_BACKGROUND):
    """Directory of the default corpus for these settings (it may not exist yet)."""
    s = _sizes(n_train, n_validation, n_test)
    base = pathlib.Path(data_dir).expanduser() if data_dir else cache_dir()
    bg = "" if tuple(background) == DEFAULT_BACKGROUND else "-bg{}-{}".format(*background)
    return base / f"news-v{GENERATOR_VERSION}-s{corpus_seed}-{s['train']}-{s['validation']}-{s['test']}{bg}"


def ensure_corpus(corpus_seed=0, n_train=None, n_validation=None, n_test=None, data_dir=None,
                  vocab_size=DEFAULT_VOCAB_SIZE, background=DEFAULT_BACKGROUND):
    """Generate the corpus (JSONL + local TFDS dataset + vocabulary) once; return its directory.

    Built in a temporary directory and renamed into place, so a killed build or two processes
    building at once never leave a half-written corpus. Logs the time of each step.
    """
    target = default_corpus_dir(corpus_seed, n_train, n_validation, n_test, data_dir, background)

    def fill(tmp):
        timings = {}
        start = time.perf_counter()
        corpus = generate_corpus(corpus_seed, _sizes(n_train, n_validation, n_test), background)
        for split, rows in corpus.items():
            with open(tmp / f"{split}.jsonl", "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        timings["generate_s"] = time.perf_counter() - start
        start = time.perf_counter()
        tfds.prepare_tfds(NAME, tmp / "tfds", corpus, KEYS, version=VERSION)
        timings["tfds_s"] = time.perf_counter() - start
        texts = vocab.texts_of((r["article"], r["summary"]) for r in corpus["train"])
        _, timings["vocab_s"] = vocab.build_vocab(texts, tmp / f"vocab-{vocab_size}.subwords",
                                                  target_size=vocab_size)
        (tmp / "DONE").write_text(json.dumps(timings) + "\n")
        log.info("default corpus built in %s: %s", target, timings)
    return atomic_directory(target, fill)


def default_vocab_path(vocab_size=DEFAULT_VOCAB_SIZE, **corpus_options):
    """Path of the default corpus's subword vocabulary (corpus built on first use)."""
    corpus_dir = ensure_corpus(vocab_size=vocab_size, **corpus_options)
    path = corpus_dir / f"vocab-{vocab_size}.subwords"
    if not path.is_file():  # another size than the one built with the corpus
        rows = read_split("train", **corpus_options)
        vocab.build_vocab(vocab.texts_of(rows), path, target_size=vocab_size)
    return path


def read_split(split, **corpus_options):
    """Finite iterator of (article, summary) str pairs of one split, from the cached JSONL."""
    path = ensure_corpus(**corpus_options) / f"{split}.jsonl"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            yield row["article"], row["summary"]


def read_facts(split, **corpus_options):
    """{article: its reference's fact values} of one split (the slot values the summary
    copies; ``news.generate_pair``'s "facts")."""
    path = ensure_corpus(**corpus_options) / f"{split}.jsonl"
    with open(path, encoding="utf-8") as fh:
        rows = (json.loads(line) for line in fh)
        return {row["article"]: row["facts"] for row in rows}


def tfds_stream(train=True, **corpus_options):
    """The course's path for the default corpus: ``trax.data.TFDS('trax_models_news', ...)``.

    Returns a function; calling it gives an endless iterator of (article, summary) bytes
    (train split, or validation when ``train=False``), in stored order (the pipeline shuffles).
    """
    data_dir = ensure_corpus(**corpus_options) / "tfds"
    return trax.data.TFDS(NAME, data_dir=str(data_dir), keys=KEYS, train=train, shuffle_train=False)
