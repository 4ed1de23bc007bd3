"""Batch streams a resumed run can rewind to, and the fixed eval batches.

    BatchStream(batches)      numbered batches: ``skip_to(step)`` after a resume
    FixedBatches(batches, n)  the same n batches at every eval (comparable numbers)
    synthetic_batches(...)    a seeded copy task in the training layout (smoke tests, demos)

Batches are (inputs, targets, mask), each (batch, length), as ``trax_models.data`` makes them.
"""
import numpy as np

from trax_models.tokens import EOS, PROMPT_END

__all__ = ["BatchStream", "FixedBatches", "synthetic_batches"]


class BatchStream:
    """An endless batch iterator whose batches are numbered (``position`` = batches consumed).

    The Loop consumes batch k at step k + 1, so after resuming at step s, ``skip_to(s)`` puts
    the stream where the interrupted run was: the input pipeline is deterministic for a seed,
    so the same batches follow.
    """

    def __init__(self, batches):
        self._batches = iter(batches)
        self._peeked = None
        self.position = 0
        self.last_batch = None

    def peek(self):
        """The next batch, without consuming it (the Loop's sample batch for shapes)."""
        if self._peeked is None:
            self._peeked = next(self._batches)
        return self._peeked

    def __iter__(self):
        return self

    def __next__(self):
        batch = self.peek()
        self._peeked = None
        self.position += 1
        self.last_batch = batch
        return batch

    def skip_to(self, position):
        """Consume batches until ``position`` have been consumed (forward only)."""
        if position < self.position:
            raise ValueError(f"cannot rewind a batch stream from {self.position} to {position}")
        while self.position < position:
            next(self)


def synthetic_batches(batch_size=4, length=32, vocab_size=40, seed=0):
    """Endless, seeded batches of a copy task laid out like ``data.make_streams``'s.

    For smoke tests and demos: "article" = random ids in [2, vocab_size), "summary" = its first
    quarter; inputs = targets = article + [EOS, SEP] + summary + [EOS], 0-padded to ``length``;
    mask 1 over summary + EOS. Every row has the same number of summary tokens.

    Yields:
      (inputs, targets, mask), each (batch_size, length) int32.
    """
    rng = np.random.default_rng(seed)
    n_summary = length // 4
    n_article = length - n_summary - 4
    while True:
        inputs = np.zeros((batch_size, length), np.int32)
        mask = np.zeros((batch_size, length), np.int32)
        for row in range(batch_size):
            article = rng.integers(2, vocab_size, n_article)
            joint = np.concatenate([article, PROMPT_END, article[:n_summary], [EOS]])
            inputs[row, :len(joint)] = joint
            mask[row, n_article + 2:len(joint)] = 1
        yield inputs, inputs.copy(), mask


class FixedBatches:
    """The first ``n`` batches of ``batches``, repeated: every eval sees the same data."""

    def __init__(self, batches, n):
        self.batches = [next(batches) for _ in range(n)]
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        batch = self.batches[self._i % len(self.batches)]
        self._i += 1
        return batch
