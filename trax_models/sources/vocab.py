"""Subword vocabularies: choose one, load it (cached), or build one from a corpus.

The course tokenizes with trax's ``SubwordTextEncoder`` and the file
``summarize32k.subword.subwords`` (33,021 entries; id 0 = ``<pad>``, id 1 = ``<EOS>``).
Here the vocabulary is a choice, not a hard-coded path:

    set_default_vocab("summarize32k.subword.subwords", "../shared/data")  # the course's
    load_vocab()                      # the default: $TRAX_MODELS_VOCAB, else the one above,
                                      # else the fallback (set_fallback; trax_models.sources
                                      # sets the default corpus's own vocab, built on demand)
    build_vocab(texts, "my.subwords", target_size=4000)   # a new one from your text

A built vocabulary keeps the course's reserved ids (0 = pad, 1 = EOS: ``trax_models.tokens``),
so ``preprocess``'s SEP = 0 / EOS = 1 convention holds for every vocabulary.

The leaf of ``trax_models.sources``: it imports no other module of the package (only the
project's leaf ``trax_models.atomic``), so the corpus, which builds vocabularies, sits above it.
"""
import collections
import functools
import itertools
import logging
import os
import pathlib
import time

from trax.data import text_encoder

from trax_models.atomic import atomic_write

_default = None  # (vocab_file, vocab_dir) set by set_default_vocab
_fallback = None  # function () -> path, used when no vocabulary is chosen (set_fallback)


class VocabError(FileNotFoundError):
    """The chosen vocabulary file is missing or unreadable (the message says what to do)."""


def set_default_vocab(vocab_file, vocab_dir=None):
    """Make ``vocab_file`` (a path, or a name inside ``vocab_dir``) the vocabulary that
    ``tokenize``/``detokenize``/``make_streams`` use when none is passed. ``None`` resets it."""
    global _default
    if vocab_file is not None:
        resolve_vocab_path(vocab_file, vocab_dir)  # fail now (and keep the old choice)
    _default = None if vocab_file is None else (str(vocab_file), vocab_dir and str(vocab_dir))


def set_fallback(resolve):
    """Use ``resolve()`` (-> path) for the vocabulary when none is chosen; ``None`` unsets it.

    ``trax_models.sources`` sets the default corpus's vocabulary (``corpus.default_vocab_path``)
    when it is imported, i.e. before any caller can reach this module.
    """
    global _fallback
    _fallback = resolve


def has_default():
    """True when set_default_vocab or $TRAX_MODELS_VOCAB chose a vocabulary."""
    return _default is not None or bool(os.environ.get("TRAX_MODELS_VOCAB"))


def resolve_vocab_path(vocab_file=None, vocab_dir=None):
    """The absolute path of the chosen vocabulary file.

    Order: the arguments; else ``set_default_vocab``'s choice; else ``$TRAX_MODELS_VOCAB``;
    else the fallback (``set_fallback``): the default corpus's vocabulary (built and cached on
    first use, ≈10–30 s). Raises ``VocabError`` naming the path when the file does not exist.
    """
    if vocab_file is None and _default is not None:
        vocab_file, vocab_dir = _default
    if vocab_file is None and os.environ.get("TRAX_MODELS_VOCAB"):
        vocab_file = os.environ["TRAX_MODELS_VOCAB"]
    if vocab_file is None:
        if _fallback is None:
            raise VocabError("no vocabulary chosen: pass vocab_file=<path of a *.subwords file> "
                             "or call set_default_vocab(path).")
        return str(_fallback())
    path = pathlib.Path(vocab_dir or "", vocab_file).expanduser()
    if not path.is_file():
        raise VocabError(
            f"vocabulary file not found: {path}. Pass vocab_file=<path of a *.subwords file> "
            "(the course's is summarize32k.subword.subwords), or build one with "
            "trax_models.sources.vocab.build_vocab(texts, path), or leave it unset to use the "
            "default corpus's vocabulary.")
    return str(path.resolve())


@functools.lru_cache(maxsize=8)
def _load(path, mtime):
    del mtime  # part of the cache key only: a rebuilt file is re-read
    try:
        encoder = text_encoder.SubwordTextEncoder(path)
    except Exception as e:  # a corrupt file: say which one
        raise VocabError(f"could not read vocabulary file {path}: {e}. Rebuild or replace it.") from e
    _check_usable(encoder, path)
    return encoder


RESERVED = ["<pad>", "<EOS>"]  # ids 0 and 1 (trax_models.tokens); built files add a "_"
_PROBE = "Any text: A-z 0-9 \\ ; é € 中"  # unknown characters are written as "\\233;"


def _check_usable(encoder, path):
    """VocabError unless ``encoder`` keeps the reserved ids and can encode any text (a file
    that is no subword vocabulary loads, then fails on the first word deep inside trax)."""
    why = None
    if [t.rstrip("_") for t in encoder.all_subtoken_strings[:2]] != RESERVED:
        why = "its first two entries are not '<pad>' and '<EOS>' (ids 0 and 1)"
    else:
        try:
            if encoder.decode(encoder.encode(_PROBE)) != _PROBE:
                why = "it does not encode text reversibly"
        except (AssertionError, KeyError, ValueError):
            why = "it lacks the characters every subword vocabulary needs to spell any text"
    if why:
        raise VocabError(f"{path} is not a subword vocabulary this program can use: {why}. Pass "
                         "a *.subwords file written by build_vocab or by trax/tensor2tensor "
                         "(the course's summarize32k.subword.subwords), or leave --vocab_file "
                         "unset to build one from your data.")


def load_vocab(vocab_file=None, vocab_dir=None):
    """The ``SubwordTextEncoder`` for the chosen vocabulary (see ``resolve_vocab_path``).

    Loaded once per file and cached (trax's own ``tokenize`` re-reads the file every call).
    ``.encode(str) -> list[int]``, ``.decode(list[int]) -> str``, ``.vocab_size -> int``.
    """
    path = resolve_vocab_path(vocab_file, vocab_dir)
    return _load(path, os.path.getmtime(path))


def _token_counts(texts, max_chars):
    """Word counts as SubwordTextEncoder's tokenizer splits words (the vocab's input)."""
    from trax.data import tokenizer
    counts = collections.Counter()
    n = 0
    for text in texts:
        counts.update(tokenizer.encode(text))
        n += len(text)
        if max_chars and n >= max_chars:
            break
    return counts


def build_vocab(texts, path, target_size=4000, max_chars=20_000_000, max_subtoken_length=20):
    """Build a subword vocabulary of about ``target_size`` entries from ``texts`` and store it.

    Args:
      texts: iterable of str (e.g. the articles and summaries of the training split).
      path: file to write (``*.subwords``; the format trax's ``Tokenize`` reads).
      target_size: wanted number of entries (the binary search lands within ≈1%).
      max_chars: read at most this many characters of ``texts`` (bounds the build time).
      max_subtoken_length: longest subword; keeps the build O(n) in word length.

    Returns:
      (path, seconds): the written file and the build time. Deterministic for the same texts
      (counts are gathered in input order; trax's builder is deterministic given them).
    """
    start = time.perf_counter()
    counts = _token_counts(texts, max_chars)
    if not counts:
        raise ValueError("build_vocab got no text: pass a non-empty iterable of strings.")
    logging.getLogger("absl").setLevel(logging.WARNING)  # silence "Trying min_count" lines
    encoder = text_encoder.SubwordTextEncoder.build_to_target_size(
        target_size, counts, 1, 1_000, max_subtoken_length=max_subtoken_length)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: f.write(_subwords_file(encoder)))  # never half a vocab
    return str(path), time.perf_counter() - start


def _subwords_file(encoder):
    """The bytes ``encoder.store_to_file`` writes: one quoted subword a line, UTF-8."""
    return "".join(f"'{s}'\n" for s in encoder.all_subtoken_strings).encode("utf-8")


def texts_of(pairs, limit=None):
    """Articles and summaries of ``(article, summary)`` pairs, one after the other (for build_vocab)."""
    for article, summary in itertools.islice(pairs, limit):
        yield article
        yield summary
