"""Predict mode's state, the contract every decodable model here keeps.

A model in ``mode='predict'`` decodes one chunk of tokens per call and keeps its history in a
state of static-shape arrays: per attention layer the key/value cache (batch·heads, cache_len,
d_head) and an int32 scalar position; PositionalEncoding an int32 scalar. So:

    init_compiled(model, signature) -> (weights, state)   # model.init as ONE jitted program
    init_predict(model, weights, signature) -> start state   # caches empty, positions 0
    set_position(state, p) -> state         # every int32 scalar counter set to p (jit-safe)
    gather_rows(state, rows, n_rows) -> state   # reorder the batch (beam search)

``init_predict`` also gives every sub-layer a concrete rng: trax otherwise creates sub-layer
rngs lazily inside the first traced ``pure_fn`` and keeps the tracers, so a later eager call
would fail with UnexpectedTracerError.
"""
import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["init_compiled", "init_predict", "set_position", "gather_rows"]


def init_compiled(model, signature, rng=None):
    """``model.init(signature, rng)`` for a model whose weights are loaded next: traced once,
    no eager XLA work; sets and returns ``(weights, state)``.

    trax initialises eagerly, one small XLA compilation per distinct op and shape (≈7 s for a
    2-layer model on 2 cores, in every process) for random weights that a checkpoint then
    replaces. Here ``model.init`` is traced once: the weights come back as zeros of their
    shapes and dtypes (NumPy, no XLA; the caller loads trained weights over them) and the state
    (caches, positions: what decoding needs as it is) from one jitted program that computes
    the state only, which the persistent compilation cache keeps.
    """
    rng = jax.random.PRNGKey(0) if rng is None else rng
    weight_shapes = []

    def init(key):
        weights, state = model.init(signature, rng=key)
        weight_shapes.append(jax.tree_util.tree_map(
            lambda w: jax.ShapeDtypeStruct(w.shape, w.dtype), weights))
        return state

    state = jax.jit(init)(rng)
    weights = jax.tree_util.tree_map(lambda s: np.zeros(s.shape, s.dtype), weight_shapes[0])
    model.weights, model.state = weights, state  # concrete arrays over init's tracers
    model.rng = rng  # recursive: no sub-layer keeps a traced rng
    return weights, state


def init_predict(model, weights, signature, rng=None):
    """Initialise a predict-mode ``model`` for inputs of ``signature`` and load ``weights``.

    Args:
      model: the model in mode 'predict' (the config the weights were trained with).
      weights: the trained model's ``.weights`` (the same tree in every mode).
      signature: ``trax.shapes.ShapeDtype`` (or a tuple of them) of one call's inputs.

    Returns:
      The empty state: ``model.state = start`` resets the model before each prompt;
      ``model.pure_fn(tokens, weights, start, rng)`` is the jit-friendly form.
    """
    init_compiled(model, signature, rng)
    model.weights = weights
    return model.state


def set_position(state, position):
    """``state`` with every position counter (int32 scalar) set to ``position``.

    Cache contents are unchanged: after a right-padded prefill, rewinding to the true length
    makes the next tokens overwrite the padded slots before anything attends to them.
    """
    def rewind(leaf):
        is_counter = jnp.ndim(leaf) == 0 and jnp.asarray(leaf).dtype == jnp.int32
        return jnp.asarray(position, jnp.int32) if is_counter else leaf
    return jax.tree_util.tree_map(rewind, state)


def gather_rows(state, rows, n_rows):
    """Reorder the batch of a predict state: row r of the result is row ``rows[r]``.

    Cache leaves have a batch-major leading axis (n_rows·k, …); scalars are left alone.
    """
    def gather(leaf):
        if jnp.ndim(leaf) == 0 or leaf.shape[0] % n_rows:
            return leaf
        grouped = leaf.reshape((n_rows, leaf.shape[0] // n_rows) + leaf.shape[1:])
        return jnp.take(grouped, rows, axis=0).reshape(leaf.shape)
    return jax.tree_util.tree_map(gather, state)
