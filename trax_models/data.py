"""The summarizer's input pipeline: the course's tokenize / detokenize / preprocess / bucketing.

API (what the training, decoding and encoder–decoder modules use)::

    tokenize(input_str, EOS=1, vocab_file=None, vocab_dir=None) -> list[int]   # ids + [EOS]
    detokenize(integers, vocab_file=None, vocab_dir=None) -> str               # wrapped at 70
    preprocess(stream, *, max_length=None, stats=None, article_weight=0)  # (article, summary) ids ->
                                                            #   (joint, joint, mask), course
    preprocess_pairs(stream, *, max_length=None, stats=None)  # -> (inputs, targets, mask),
                                                            #   no concatenation (enc–dec)
    input_pipeline(vocab_file=None, vocab_dir=None, max_length=2048, concat=True, stats=None)
        # trax.data.Serial(clean, Tokenize, preprocess, FilterByLength(max_length))
    resolve(source="default", *, seed=0, vocab_file=None, vocab_dir=None, vocab_size=2000,
            **source_options) -> Data   # the source and its vocabulary, resolved once (train's
                                        #   first data step), handed down as a value
    make_streams(source="default", *, vocab_file=None, vocab_dir=None, vocab_size=2000,
                 max_length=2048,
                 boundaries=(128, 256, 512, 1024), batch_sizes=(16, 8, 4, 2, 1),
                 shuffle_buffer=1024, seed=0, concat=True, stats=None, article_weight=0,
                 **source_options)
        -> (train_batches, eval_batches)   # endless iterators of (inputs, targets, mask)
        # make_streams(data, max_length=..., ...): the same from a resolved ``Data``
    pairs(source="default", split="validation", **source_options) -> iterator of
        (article, summary) str pairs, finite (for ROUGE, Lead-3, the encoder–decoder)
    vocab_for(source="default", vocab_file=None, vocab_dir=None, vocab_size=2000, ...) -> path
        of the vocab make_streams uses (pass it to tokenize/detokenize; save it with a checkpoint):
        ``trax_models.sources.resolve_vocab``, the one function that decides the vocabulary
    load_vocab(vocab_file=None, vocab_dir=None) -> the SubwordTextEncoder of that vocabulary
    bucket_length(n) -> padded length (power of two ≤ 128, then multiples of 128)
    pad_lengths(batches, max_length)   # each array of a batch padded to bucket_length

``source`` is ``"default"`` (the embedded generated news corpus, ``trax_models.sources``),
``"cnn_dailymail"`` (the course's ``trax.data.TFDS`` call; needs a prepared ``data_dir``),
a JSONL/CSV/TSV file of (article, summary) pairs (split into train/validation by
``eval_fraction`` and ``seed``), or a dict ``{"train": path, "validation": path}``.
Source options: ``data_dir`` (TFDS dir; for "default" the cache base), ``article_key`` /
``summary_key`` / ``eval_fraction`` / ``fmt`` (files), ``corpus_seed`` / ``n_train`` /
``n_validation`` / ``n_test`` / ``background`` (the default corpus). Defaults for boundaries etc. are the course's.

The vocabulary is an argument: ``vocab_file`` (a path, or a name inside ``vocab_dir`` as in
the course); else ``sources.vocab.set_default_vocab``'s choice / ``$TRAX_MODELS_VOCAB``;
else the source's own vocabulary (the default corpus ships one; for other sources one is
built from the training split and cached). One function decides it:
``sources.resolve_vocab`` (= ``vocab_for``); everything here that takes ``vocab_file=None``
asks it, once per call, and a resolved ``Data`` is never resolved again.

Batches, as the course's ``BucketByLength`` makes them::

    inputs  (batch, length) int   # article + [EOS, SEP] + summary + [EOS], 0-padded
    targets (batch, length) int   # the same array (a language model predicts its input)
    mask    (batch, length) int   # 0 over article, EOS, SEP and padding; 1 over summary + EOS
"""
import dataclasses
import functools
import math
import textwrap

import numpy as np
import trax

from trax_models import sources
from trax_models.sources import DataError, Source, pairs, vocab  # noqa: F401  (re-exported)
from trax_models.sources.records import NOTHING_USABLE_AFTER, DataStats  # noqa: F401
from trax_models.sources.vocab import set_default_vocab  # noqa: F401  (re-exported)
from trax_models.tokens import EOS, SEP  # the course's end of sequence and separator (= pad id)

wrapper = textwrap.TextWrapper(width=70)  # the course's detokenize wraps at 70 characters


def tokenize(input_str, EOS=1, vocab_file=None, vocab_dir=None):  # the course's names
    """The course's ``tokenize``: subword ids of ``input_str`` with ``EOS`` appended.

    Args:
      input_str: str (or UTF-8 bytes).
      EOS: id appended at the end (the course's 1).
      vocab_file, vocab_dir: the vocabulary (``load_vocab``; None: the chosen or default one).

    Returns:
      list[int] of length (n_subwords + 1,).
    """
    if isinstance(input_str, bytes):
        input_str = input_str.decode("utf-8", errors="replace")
    return list(load_vocab(vocab_file, vocab_dir).encode(input_str)) + [EOS]


def detokenize(integers, vocab_file=None, vocab_dir=None):
    """The course's ``detokenize``: ids → text, wrapped with ``TextWrapper(width=70)``.

    Args:
      integers: ids, any shape that squeezes to (n,) (list, np.ndarray, jax array).
      vocab_file, vocab_dir: the vocabulary (``load_vocab``; None: the chosen or default one).

    Returns:
      str; id 1 shows as ``<EOS>`` and 0 as ``<pad>``, as in the course.
    """
    ids = [int(i) for i in np.asarray(integers).reshape(-1)]
    return wrapper.fill(load_vocab(vocab_file, vocab_dir).decode(ids))


vocab_for = sources.resolve_vocab  # the public name: the one function that decides a vocabulary


def load_vocab(vocab_file=None, vocab_dir=None):
    """The ``SubwordTextEncoder`` of the file given; with none, of ``vocab_for()``'s choice
    (the chosen one, else the default corpus's). Loaded once per file, cached."""
    if vocab_file is None:  # nothing named: the one resolution decides
        vocab_file, vocab_dir = vocab_for(vocab_dir=vocab_dir), None
    return vocab.load_vocab(vocab_file, vocab_dir)


def _fit(article, summary, max_length, stats):
    """Cut the article's end so that article + [EOS, SEP] + summary + [EOS] ≤ max_length."""
    if max_length is None:
        return article
    room = max_length - len(summary) - 3
    if len(article) > room > 0:
        article = article[:room]
        if stats is not None:
            stats.truncated += 1
    return article


def preprocess(stream, *, max_length=None, stats=None, article_weight=0):
    """The course's ``preprocess``: concatenate article and summary for a language model.

    Args:
      stream: iterator of (article_ids (La,), summary_ids (Ls,)) — tokenized, without EOS.
      max_length: if set, an article too long for ``max_length`` in total is cut at its end
        (the summary is kept whole) and counted in ``stats.truncated``. ``None`` = course.
      stats: optional ``DataStats``.
      article_weight: loss weight of the article part (the course: 0). A small value such as
        0.1 also trains the language model on the article (more signal per example; beyond
        the course); the mask then is float32.

    Yields:
      (joint, joint, mask), each (La + Ls + 3,): joint = article + [EOS, SEP] + summary +
      [EOS]; mask = 0 over article, EOS and SEP, 1 over summary and its EOS.
    """
    for (article, summary) in stream:
        article = _fit(list(article), list(summary), max_length, stats)
        joint = np.array(list(article) + [EOS, SEP] + list(summary) + [EOS])
        mask = [0] * (len(list(article)) + 2) + [1] * (len(list(summary)) + 1)
        if article_weight:  # weight the article and its EOS; SEP (= pad id) stays 0
            mask = np.array(mask, np.float32)
            mask[:len(article) + 1] = article_weight
        yield joint, joint, np.array(mask)


def preprocess_pairs(stream, *, max_length=None, stats=None):
    """(article, summary) ids → (inputs, targets, mask) for an encoder–decoder (no concatenation).

    Args:
      stream: iterator of (article_ids (La,), summary_ids (Ls,)).
      max_length: if set, the article is cut to ``max_length - 1`` ids (counted).
      stats: optional ``DataStats``.

    Yields:
      inputs (La + 1,) = article + [EOS]; targets (Ls + 1,) = summary + [EOS];
      mask (Ls + 1,) of ones (padding added by bucketing gets 0).
    """
    for (article, summary) in stream:
        article = list(article)
        if max_length is not None and len(article) + 1 > max_length:
            article = article[:max_length - 1]
            if stats is not None:
                stats.truncated += 1
        targets = np.array(list(summary) + [EOS])
        yield np.array(article + [EOS]), targets, np.ones_like(targets)


def _filter_by_length(stream, max_length, concat, stats):
    """The course's FilterByLength(max_length) on the joint length, counting what it drops;
    DataError when the first ``NOTHING_USABLE_AFTER`` examples are all too long (else an
    endless source would spin forever without a batch)."""
    passed = dropped = 0
    for example in stream:
        length = len(example[0]) if concat else max(len(example[0]), len(example[1]))
        if length <= max_length:
            passed += 1
            yield example
            continue
        dropped += 1
        if stats is not None:
            stats.filtered_long += 1
        if not passed and dropped >= NOTHING_USABLE_AFTER:
            raise DataError(f"none of the first {dropped:,} examples fits --max_length "
                            f"{max_length} (even the summary is longer) — raise --max_length")


def input_pipeline(vocab_file=None, vocab_dir=None, max_length=2048, concat=True, stats=None,
                   article_weight=0):
    """The course's ``trax.data.Serial(Tokenize, preprocess, FilterByLength(2048))``.

    With two additions that change nothing for clean data: text is decoded/cleaned first
    (empty pairs skipped, bad UTF-8 replaced; counted), and an article too long for
    ``max_length`` is truncated (counted) instead of the whole pair being dropped.

    Args:
      vocab_file, vocab_dir: the vocabulary (``vocab_for``: a path that must exist; None:
        the chosen or default one).
      max_length: longest example kept (joint length; with ``concat=False`` each side).
      concat: True → ``preprocess`` (decoder-only LM); False → ``preprocess_pairs``.
      stats: optional ``DataStats`` to count skipped / replaced / truncated / filtered.
      article_weight: see ``preprocess`` (concat=True only; 0 = the course).

    Returns:
      A function: stream of (article, summary) str/bytes → stream of (inputs, targets, mask).
    """
    return _pipeline(vocab_for(vocab_file=vocab_file, vocab_dir=vocab_dir), max_length, concat,
                     stats, article_weight)


def _pipeline(path, max_length, concat, stats, article_weight=0):
    """``input_pipeline`` on a resolved vocabulary path (absolute: trax's ``Tokenize`` would
    put a relative one under its own download folder)."""
    prep = functools.partial(preprocess, article_weight=article_weight) if concat else preprocess_pairs
    return trax.data.Serial(
        functools.partial(sources.clean_pairs, stats=stats),
        trax.data.Tokenize(vocab_file=path, vocab_dir=None),
        functools.partial(prep, max_length=max_length, stats=stats),
        functools.partial(_filter_by_length, max_length=max_length, concat=concat, stats=stats),
    )


def bucket_length(n, minimum=16, step=128):
    """A padded length for ``n`` tokens: a power of two up to ``step``, then a multiple of it.

    Few shapes to compile, and a long sequence wastes < ``step`` positions (a power of two
    would waste up to half: 514 → 1024).
    """
    if n <= step:
        return max(minimum, 2 ** int(math.ceil(math.log2(max(n, 1)))))
    return -(-n // step) * step


def pad_lengths(batches, max_length):
    """Pads (0) every array of each batch to ``bucket_length`` of its length, ≤ ``max_length``.

    For (article, summary) batches: ``BucketByLength`` pads each batch to its longest example,
    so summaries (and articles in the last bucket) give a new length, and a new jit
    compilation of the training step, almost every batch; these lengths are few.
    """
    for batch in batches:
        yield tuple(np.pad(a, ((0, 0), (0, max(a.shape[1], min(bucket_length(a.shape[1]),
                                                               max_length)) - a.shape[1])))
                    for a in map(np.asarray, batch))


def shuffle(stream, buffer_size, seed):
    """Seeded buffer shuffle (trax.data.Shuffle draws from the global NumPy RNG)."""
    if not buffer_size:
        yield from stream
        return
    rng = np.random.default_rng(seed)
    buffer = []
    for example in stream:
        if len(buffer) < buffer_size:
            buffer.append(example)
            continue
        i = int(rng.integers(buffer_size))
        yield buffer[i]
        buffer[i] = example
    rng.shuffle(buffer)
    yield from buffer


@dataclasses.dataclass(frozen=True)
class Data:
    """A run's data resolved once (``resolve``), then handed down as a value: nothing below
    looks up a setting or a vocabulary again.

    ``source``: the ``sources.Source`` (name, split seed, options: ``.stream``, ``.pairs``,
    ``.facts``); ``vocab_path``: the vocabulary file ``vocab_for`` chose for it (absolute);
    ``vocab``: its ``SubwordTextEncoder`` (``.vocab_size``), loaded and checked by ``resolve``.
    """
    source: Source
    vocab_path: str
    vocab: object = None


def resolve(source="default", *, seed=0, vocab_file=None, vocab_dir=None,
            vocab_size=sources.corpus.DEFAULT_VOCAB_SIZE, **source_options):
    """The source and its vocabulary, resolved once: a ``Data`` to hand down.

    Args:
      source, **source_options: as ``make_streams``'s; seed: the split seed of a single file
        (and the train stream's shuffle seed).
      vocab_file, vocab_dir, vocab_size: the vocabulary (``vocab_for``; the source's own is
        built from the split of seed 0 whatever ``seed``: one cached file per source and size).

    Raises:
      VocabError (a missing or unusable vocabulary file: it is loaded here), DataError, or
      ValueError (no text to build a vocabulary from), as ``vocab_for``.
    """
    path = vocab_for(source, vocab_file, vocab_dir, vocab_size, **source_options)
    # loaded now: an unusable file is refused here, before any stream is opened
    return Data(Source(source, seed, source_options), path, vocab.load_vocab(path))


def make_streams(source="default", *, vocab_file=None, vocab_dir=None, vocab_size=None,
                 max_length=2048, boundaries=(128, 256, 512, 1024), batch_sizes=(16, 8, 4, 2, 1),
                 shuffle_buffer=1024, seed=None, concat=True, stats=None, article_weight=0,
                 **source_options):
    """Endless train and eval batch streams, as the course builds them.

    Args:
      source: "default" | "cnn_dailymail" | path of a JSONL/CSV/TSV file | dict of split → path;
        or a resolved ``Data`` (``resolve``; train's): its source, seed and vocabulary are used
        as they are — pass none of vocab_file, vocab_dir, vocab_size, seed, source options then.
      vocab_file, vocab_dir, vocab_size: the vocabulary (see ``vocab_for``; default size 2000).
      max_length: longest example (articles longer are truncated, see ``input_pipeline``).
      boundaries, batch_sizes: ``trax.data.BucketByLength``'s (len(batch_sizes) =
        len(boundaries) + 1); a boundary above ``max_length`` counts as ``max_length``.
      shuffle_buffer: examples shuffled (seeded) before bucketing in the train stream; 0 = off.
      seed: shuffle seed and (for a single file) the train/validation split seed (default 0).
      concat: True: (joint, joint, mask) for TransformerLM; False: (article, summary, mask).
      stats: optional ``DataStats`` that counts skipped/replaced/truncated/filtered examples
        (both streams together).
      article_weight: loss weight on the article tokens of the train stream (course: 0; see
        ``preprocess``); the eval stream always weights the summary only.
      **source_options: ``data_dir``, ``article_key``, ``summary_key``, ``eval_fraction``, ...

    Returns:
      (train_batches, eval_batches): iterators of (inputs, targets, mask), each
      (batch, length) int; ``length`` ≤ the bucket's boundary (longer → batch of 1). With
      ``concat=False`` each array's length is then padded to ``bucket_length`` (≤ max_length).
    """
    if len(batch_sizes) != len(boundaries) + 1:
        raise ValueError(f"batch_sizes needs one more entry than boundaries: got "
                         f"{len(batch_sizes)} batch sizes for {len(boundaries)} boundaries.")
    if isinstance(source, Data):  # resolved once by the caller: used as it is
        given = {"vocab_file": vocab_file, "vocab_dir": vocab_dir, "vocab_size": vocab_size,
                 "seed": seed, **source_options}
        if any(v is not None for v in given.values()):
            raise TypeError("make_streams(Data, ...) takes its source, seed and vocabulary from "
                            "the Data: drop " + ", ".join(k for k, v in given.items() if v is not None))
        resolved = source
        train, evals = source.source.stream("train", stats), source.source.stream("validation", stats)
    else:
        named = Source(source, 0 if seed is None else seed, source_options)
        train = named.stream("train", stats)  # checks the source before any vocabulary work
        evals = named.stream("validation", stats)
        size = sources.corpus.DEFAULT_VOCAB_SIZE if vocab_size is None else vocab_size
        resolved = Data(named, vocab_for(source, vocab_file, vocab_dir, size, **source_options))
    return _batches(resolved, train, evals, max_length=max_length, boundaries=boundaries,
                    batch_sizes=batch_sizes, shuffle_buffer=shuffle_buffer, concat=concat,
                    stats=stats, article_weight=article_weight)


def _batches(resolved, train, evals, *, max_length, boundaries, batch_sizes, shuffle_buffer,
             concat, stats, article_weight):
    """make_streams' batches of the raw ``train`` / ``evals`` streams of ``resolved``."""
    seed = resolved.source.seed
    train_pipeline = _pipeline(resolved.vocab_path, max_length, concat, stats, article_weight)
    eval_pipeline = _pipeline(resolved.vocab_path, max_length, concat, stats)
    # A batch is padded up to its bucket's boundary: none past max_length (the model's
    # positions), so a boundary above it is clipped to it.
    bucket = trax.data.BucketByLength([min(b, max_length) for b in boundaries],
                                      list(batch_sizes))
    train_batches = bucket(shuffle(train_pipeline(train), shuffle_buffer, seed))
    eval_batches = bucket(eval_pipeline(evals))  # eval metrics: the summary tokens only
    if not concat:  # summary lengths vary batch to batch: pad them to a few lengths
        train_batches = pad_lengths(train_batches, max_length)
        eval_batches = pad_lengths(eval_batches, max_length)
    return train_batches, eval_batches
