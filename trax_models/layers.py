"""Small layer and batch helpers from the course.

- ``Addition``: the course's example of turning any function into a Trax layer with ``tl.Fn``.
- ``add_batch_axis`` / ``log_probs_at``: single-example inference on a model that expects a
  batch — add a leading batch axis to one padded example, then read one position's
  log-probabilities back out of the batched output.
"""

from trax import layers as tl
from trax.fastmath import numpy as jnp

__all__ = ["Addition", "add_batch_axis", "log_probs_at"]


def Addition():
    """A two-input layer computing x + y (shapes broadcast), built with ``tl.Fn``.

    ``tl.Fn(name, f)`` reads the number of inputs from f's signature: here 2 → 1.
    """
    layer_name = "Addition"

    def func(x, y):
        return x + y

    return tl.Fn(layer_name, func)


def add_batch_axis(tokens):
    """One example of token ids, length L → jax.Array of shape (1, L) (int32)."""
    return jnp.expand_dims(jnp.array(tokens, dtype=jnp.int32), axis=0)


def log_probs_at(output, position, example=0):
    """The log-probabilities at ``position`` of one example of a batched model output.

    Args:
      output: (batch, L, vocab) log-probabilities (e.g. TransformerLM's output).
      position: index along L.
      example: index along batch (0 for a batch made by ``add_batch_axis``).

    Returns:
      (vocab,) log-probabilities.
    """
    return output[example, position, :]
