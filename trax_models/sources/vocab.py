"""Subword vocabularies: load one (cached), build one from a corpus, remember the user's choice.

The course tokenizes with trax's ``SubwordTextEncoder`` and the file
``summarize32k.subword.subwords`` (33,021 entries; id 0 = ``<pad>``, id 1 = ``<EOS>``).
Here the vocabulary is a choice, not a hard-coded path:

    set_default_vocab("summarize32k.subword.subwords", "../shared/data")  # the course's
    load_vocab("my.subwords")         # the encoder of a file (cached; checked usable)
    build_vocab(texts, "my.subwords", target_size=4000)   # a new one from your text

Which file a run uses is decided in ONE place, ``trax_models.sources.resolve_vocab``: the
``vocab_file`` passed; else the user's choice here (``set_default_vocab``, else
``$TRAX_MODELS_VOCAB``: ``choice``); else the source's own (the default corpus's, or one built
from the source's training split). ``trax_models.data.load_vocab()`` / ``tokenize(text)``
with no path go through it. This module only checks and loads a path it is given.

A built vocabulary keeps the course's reserved ids (0 = pad, 1 = EOS: ``trax_models.tokens``),
so ``preprocess``'s SEP = 0 / EOS = 1 convention holds for every vocabulary.

The leaf of ``trax_models.sources``: it imports no other module of the package (only the
project's leaf ``trax_models.atomic``) and calls none: the corpus, which builds vocabularies,
sits above it.
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


class VocabError(FileNotFoundError):
    """The chosen vocabulary file is missing or unreadable (the message says what to do)."""


def set_default_vocab(vocab_file, vocab_dir=None):
    """Make ``vocab_file`` (a path, or a name inside ``vocab_dir``) the vocabulary that
    ``tokenize``/``detokenize``/``make_streams`` use when none is passed. ``None`` resets it."""
    global _default
    if vocab_file is not None:
        check_path(vocab_file, vocab_dir)  # fail now (and keep the old choice)
    _default = None if vocab_file is None else (str(vocab_file), vocab_dir and str(vocab_dir))


def choice(vocab_file=None, vocab_dir=None):
    """(vocab_file, vocab_dir): the arguments when a file is given; else the user's choice —
    ``set_default_vocab``'s, else ``$TRAX_MODELS_VOCAB`` — else ``(None, vocab_dir)``.

    One step of ``trax_models.sources.resolve_vocab`` (which adds the source's own vocabulary
    when nothing is chosen); reads state only, checks nothing.
    """
    if vocab_file is None and _default is not None:
        vocab_file, vocab_dir = _default
    if vocab_file is None and os.environ.get("TRAX_MODELS_VOCAB"):
        vocab_file = os.environ["TRAX_MODELS_VOCAB"]
    return vocab_file, vocab_dir


def has_default():
    """True when set_default_vocab or $TRAX_MODELS_VOCAB chose a vocabulary."""
    return choice()[0] is not None


def check_path(vocab_file, vocab_dir=None):
    """The absolute path of the vocabulary file ``vocab_file`` (inside ``vocab_dir``, as in the
    course). No resolution: a path in, the checked path out.

    Raises ``VocabError`` naming the path when the file does not exist (or none is given).
    """
    if vocab_file is None:
        raise VocabError("no vocabulary file given: pass vocab_file=<path of a *.subwords file> "
                         "(trax_models.data.load_vocab() with none loads the one chosen by "
                         "set_default_vocab, else the default corpus's).")
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
    """The ``SubwordTextEncoder`` of the vocabulary file ``vocab_file`` (in ``vocab_dir``).

    Loaded once per file and cached (trax's own ``tokenize`` re-reads the file every call).
    ``.encode(str) -> list[int]``, ``.decode(list[int]) -> str``, ``.vocab_size -> int``.
    A path is required here: ``trax_models.data.load_vocab()`` resolves a missing one
    (``trax_models.sources.resolve_vocab``).
    """
    path = check_path(vocab_file, vocab_dir)
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
