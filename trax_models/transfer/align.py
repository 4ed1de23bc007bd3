"""Text → model inputs for tagging and span extraction, and back: subwords aligned to characters.

    SubwordText(encoder, text)      ids, and each subword's token span in the text
    ner_windows(encoder, words, text, tags=None, tag_ids=None, max_tokens, echo) -> [Window]
    qa_windows(encoder, question, context, answer=None, max_tokens, echo) -> [Window]

Alignment: trax's ``SubwordTextEncoder`` splits text into tokens at alphanumeric /
non-alphanumeric boundaries and encodes each token on its own (``encode(text)`` is the
concatenation of ``encode(token)``), so every subword belongs to one token whose character
span is known. A word's label goes on the first subword of its first token (the others are
not scored, weight 0), as BERT-style taggers do; a word with no subword of its own (the
second mark of a token such as '",') is predicted O.

Layout (the decoder-only body reads left to right):

    NER   text + [EOS]                               label at each word's first subword
    QA    question + [EOS, SEP] + context + [EOS]    start/end over the context; the final
                                                     EOS is "no answer" (it has read it all)

Causal attention lets position t see tokens ≤ t only: a word's tag is decided before the words
after it are read ("Ironbridge" in "Ironbridge United" is a club, not a city, but only
"United" says so). ``echo=True`` feeds the text twice (text + [EOS] + text + [EOS]) and labels
the second copy, whose positions have read the whole text once: bidirectional context for a
causal model, at twice the length (``max_tokens`` then holds half the text per window).

Long texts are cut into windows that fit ``max_tokens``: NER at word starts, one after the other;
QA with overlapping windows (stride half a window), the answer scored in the window that holds
it whole and "no answer" in the others, as SQuAD models do.
"""
import dataclasses

import numpy as np
from trax.data import tokenizer

from trax_models.tokens import EOS, SEP

__all__ = ["SubwordText", "Window", "ner_windows", "qa_windows", "MAX_QUESTION_TOKENS"]

MAX_QUESTION_TOKENS = 64


class SubwordText:
    """``text`` as subword ids, with the character span of the token each subword is part of.

    Attributes:
      ids: list[int], ``encoder.encode(text)``.
      starts, ends: list[int], per subword: its token's span (leading spaces skipped).
      first: list[bool], per subword: it begins its token.
    """

    def __init__(self, encoder, text):
        self.text = text
        self.ids, self.starts, self.ends, self.first = [], [], [], []
        pos = 0
        for token in tokenizer.encode(text):
            start = text.index(token, pos)  # tokens are the text's substrings, in order
            pos = end = start + len(token)
            core = start + len(token) - len(token.lstrip())
            for k, i in enumerate(encoder.encode(token)):
                self.ids.append(i)
                self.starts.append(core)
                self.ends.append(end)
                self.first.append(k == 0)

    def first_subword(self, start, end):
        """Index of the first subword that begins a token inside [start, end), or None."""
        for i in range(self._search(start), len(self.ids)):
            if self.starts[i] >= end:
                return None
            if self.first[i] and self.starts[i] >= start:
                return i
        return None

    def covering(self, start, end):
        """(first, last) subword indices of the tokens that overlap [start, end), or None."""
        hits = [i for i in range(self._search(start), len(self.ids))
                if self.starts[i] < end and self.ends[i] > start]
        return (hits[0], hits[-1]) if hits else None

    def _search(self, start):
        return max(0, int(np.searchsorted(self.ends, start, side="right")) - 1)


@dataclasses.dataclass
class Window:
    """One model input. ``tokens`` (n,) int32; ``targets``/``weights``: NER (n,) tag ids and
    0/1, QA (2,) start/end positions and (2,) ones; ``allowed`` (QA) (n,) 1 where a span may
    start or end (context and the no-answer position); ``offset``: position of subword
    ``first`` of the (second, if echoed) text copy; ``null``: QA's no-answer position."""
    tokens: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    first: int
    last: int
    offset: int
    allowed: np.ndarray = None
    null: int = None


def _copies(ids, echo):
    """(layout, offset of the labelled copy within it)."""
    if echo:
        return list(ids) + [EOS] + list(ids) + [EOS], len(ids) + 1
    return list(ids) + [EOS], 0


def ner_windows(encoder, words, text, tag_ids=None, max_tokens=512, echo=False):
    """NER inputs of one text.

    Args:
      encoder: the checkpoint's SubwordTextEncoder.
      words: [(word, start, end)] character spans in ``text`` (``data.words_of``).
      tag_ids: per word, the tag's id (training/eval), or None (prediction).
      max_tokens: the model's longest input.
      echo: feed the text twice (see the module docstring).

    Returns:
      (windows, word_positions): ``word_positions[w]`` = (window index, position) of word w's
      label, or None for a word with no subword of its own.
    """
    sub = SubwordText(encoder, text)
    firsts = [sub.first_subword(s, e) for _, s, e in words]
    budget = (max_tokens - 2) // 2 if echo else max_tokens - 1
    if budget < 1:
        raise ValueError(f"max_tokens={max_tokens} leaves no room for text")
    cut_points = sorted({f for f in firsts if f is not None})
    bounds, a, n = [], 0, len(sub.ids)
    while n - a > budget:  # cut at the last word start that fits: no word split across windows
        inside = [c for c in cut_points if a < c <= a + budget]
        b = inside[-1] if inside else a + budget  # one word longer than a window: cut it
        bounds.append((a, b))
        a = b
    bounds.append((a, n))
    windows, word_positions = [], [None] * len(words)
    for w_index, (a, b) in enumerate(bounds):
        tokens, offset = _copies(sub.ids[a:b], echo)
        targets = np.zeros(len(tokens), np.int32)
        weights = np.zeros(len(tokens), np.float32)
        for w, f in enumerate(firsts):
            if f is not None and a <= f < b:
                pos = offset + f - a
                word_positions[w] = (w_index, pos)
                if tag_ids is not None:
                    targets[pos], weights[pos] = tag_ids[w], 1.0
        windows.append(Window(np.asarray(tokens, np.int32), targets, weights, a, b, offset))
    return windows, word_positions


def qa_windows(encoder, question, context, answer=None, max_tokens=512, echo=False):
    """QA inputs of one question: overlapping windows over the context.

    Args:
      answer: (start, end) character span of the answer in ``context``, or None (no answer,
        or prediction).

    Returns:
      (windows, SubwordText of the context): each window's ``targets`` = (start, end) positions
      of the answer when it lies whole in the window, else (null, null).
    """
    q = encoder.encode(question)[:MAX_QUESTION_TOKENS]
    sub = SubwordText(encoder, context)
    head = q + [EOS, SEP]
    budget = (max_tokens - len(head) - 2) // 2 if echo else max_tokens - len(head) - 1
    if budget < 8:
        raise ValueError(f"max_tokens={max_tokens} leaves no room for the context")
    span = sub.covering(*answer) if answer is not None else None
    n, a, stride, windows = len(sub.ids), 0, max(1, budget // 2), []
    while True:
        b = min(n, a + budget)
        body, offset = _copies(sub.ids[a:b], echo)
        tokens = head + body
        offset += len(head)
        null = len(tokens) - 1
        allowed = np.zeros(len(tokens), np.float32)
        allowed[offset:offset + (b - a)] = 1.0
        allowed[null] = 1.0
        if span is not None and a <= span[0] and span[1] < b:
            targets = np.array([offset + span[0] - a, offset + span[1] - a], np.int32)
        else:
            targets = np.array([null, null], np.int32)
        windows.append(Window(np.asarray(tokens, np.int32), targets, np.ones(2, np.float32),
                              a, b, offset, allowed, null))
        if b >= n:
            break
        a += stride
    return windows, sub
