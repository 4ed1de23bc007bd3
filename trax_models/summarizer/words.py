"""Whole words: the English-word test, the broken-word rate, and how unfamiliar a text is.

A summarizer that copies subword pieces out of order writes words that exist nowhere
("wnershiprmland"). Three uses of one word test:

* ``broken_word_rate(summary, article)``: the share of the summary's words (letter runs:
  "Assange's" is "Assange" and "s") that are neither English words nor words of the article
  (both compared lower-cased). English = in wordfreq's English word list (``wordfreq``, a
  maintained package with frequencies from many sources; names common in English text are in
  it, so the rate is a lower bound on what a reader would call broken). None when the summary
  has no words. Reported beside the hallucination rate (``facts``).
* ``vocabulary_masks(vocab)``: per subword id, whether it ends a word, whether it ends a
  sentence, and whether it is a word the decoder may write without copying it
  (``sampling.copy_units``): punctuation, and common lower-case English words. Names,
  numbers and capitalised words are never free: they can only be copied from the article.
* ``unfamiliar_share(article, vocab)``: the share of the article's lower-case words that the
  vocabulary splits into pieces. A vocabulary built from the training text holds its common
  words whole, so a high share says the text is unlike the training data (``summarize`` warns
  above ``UNFAMILIAR_WARNING``).
"""
import functools
import re

import numpy as np

__all__ = ["is_english", "summary_words", "broken_word_rate", "corpus_broken_word_rate",
           "vocabulary_masks", "unfamiliar_share", "UNFAMILIAR_WARNING"]

_WORD = re.compile(r"[^\W\d_]+")  # letter runs
_SENTENCE_END = re.compile(r"^[^\w]*[.!?][\"'’”)\]]*\s")  # a punctuation run closing a sentence
FREE_ZIPF = 3.0          # a lower-case word is free to write from this frequency up (≈1 in 10^6)
# wordfreq counts contraction and suffix pieces as words ("ve", "ll", "ing"): never free.
_SHORT_FREE = set("a i an as at be by do go he if in is it me my no of on or so to up us we".split())
_PIECES = {"ing", "ed", "er", "ers", "est", "ion", "ly", "ment", "ness", "tion", "ll", "ve", "re",
           "nt", "th", "st", "nd", "rd"}
UNFAMILIAR_WARNING = 0.10  # see unfamiliar_share; measured figures in the README


def _zipf(word):
    """wordfreq's English Zipf frequency of ``word`` (0: not a word). Imported when first needed:
    the decoder and the training step work without wordfreq (a 57 MB wheel), which matters on
    an accelerator image with no network."""
    import wordfreq
    return wordfreq.zipf_frequency(word, "en")


@functools.lru_cache(maxsize=65536)
def is_english(word):
    """Whether ``word`` (any case) is in wordfreq's English word list."""
    return _zipf(word.lower()) > 0


def summary_words(text):
    """The words of ``text``: its letter runs, in order."""
    return _WORD.findall(text)


def broken_word_rate(summary, article):
    """Share of the summary's words that are neither English nor in the article; None if none."""
    words = summary_words(summary)
    if not words:
        return None
    known = {w.lower() for w in summary_words(article)}
    return sum(w.lower() not in known and not is_english(w) for w in words) / len(words)


def corpus_broken_word_rate(summaries, articles):
    """Mean of ``broken_word_rate`` over (summary, article) pairs (None rates skipped)."""
    rates = [broken_word_rate(s, a) for s, a in zip(summaries, articles, strict=True)]
    rates = [r for r in rates if r is not None]
    return sum(rates) / len(rates) if rates else None


def _free(text):
    """Whether a whole-word subword's text may be written without copying it."""
    if not any(c.isalnum() for c in text):
        return True  # punctuation and spaces
    if not text.isalpha():
        return False  # digits, mixed: numbers only by copying
    if not text.islower():
        return False  # capitalised: a name, or a sentence's first word, copied from the article
    if len(text) <= 2:
        return text in _SHORT_FREE
    return text not in _PIECES and _zipf(text) >= FREE_ZIPF


def _subword_text(subword):
    """(text, ends a word?) of a SubwordTextEncoder entry ('_' closes a token; '\\u' is '_')."""
    ends = subword.endswith("_") and not subword.endswith("\\_")
    body = subword[:-1] if ends else subword
    return body.replace("\\u", "_").replace("\\\\", "\\"), ends


def vocabulary_masks(vocab, size=None):
    """(ends_word, ends_sentence, ends_text, free): bool arrays over the ids of ``vocab`` (a
    SubwordTextEncoder), padded with False to ``size`` rows (a model may have more output rows
    than subwords); the units and free tokens of ``sampling.copy_units``.

    ends_word[i]: subword i closes a tokenizer token (a word or a punctuation run) that is not
    a digit group or a lone "," or "." (the parts of a number: "4,512", "3.5").
    ends_sentence[i]: it closes a punctuation run with a sentence end (. ! ? then a space,
    maybe after a closing quote). ends_text[i]: it can close a text's last sentence (the same
    without the space: a text's final "." token). free[i]: it is a whole token on its own that
    the decoder may write without copying (``_free``). Ids 0 (pad) and 1 (EOS) are none of
    these.
    """
    strings = list(vocab.all_subtoken_strings)
    size = len(strings) if size is None else max(size, len(strings))
    ends, sentence, final, free = (np.zeros(size, bool) for _ in range(4))
    for i, s in enumerate(strings):
        if i < 2:
            continue
        text, closes = _subword_text(s)
        ends[i] = closes and not text.isdigit() and text not in (",", ".")
        sentence[i] = closes and _SENTENCE_END.search(text) is not None
        final[i] = closes and _SENTENCE_END.search(text.rstrip() + " ") is not None
        free[i] = closes and bool(text) and _free(text)
    return ends, sentence, final, free


def unfamiliar_share(article, vocab):
    """Share of the article's lower-case words that ``vocab`` splits into two or more subwords
    (0 when it has none). Names and numbers are left out: coined names split in any text."""
    words = [w for w in summary_words(article) if w.islower()]
    if not words:
        return 0.0
    split = {w: len(vocab.encode(w)) > 1 for w in set(words)}
    return sum(split[w] for w in words) / len(words)
