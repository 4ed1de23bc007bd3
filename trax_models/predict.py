"""Predict mode's state, the contract every decodable model here keeps.

A model in ``mode='predict'`` decodes one chunk of tokens per call and keeps its history in a
state of static-shape arrays (per attention layer a key/value cache and a position, …). So:

    init_compiled(model, signature) -> (weights, state)   # model.init as ONE jitted program
    init_predict(model, weights, signature) -> start state   # caches empty, positions 0
    set_position(state, p) -> state         # every declared position set to p (jit-safe)
    gather_rows(state, rows, n_rows) -> state   # every declared per-row cache reordered (beams)
    state_layout(model) -> layout           # the tags below, in the shape of the state

The rule: state is found by the layer that owns it, never by dtype or shape. ``STATE_LAYOUTS``
names, per layer class, what each of its state entries is: ``POSITION`` (an int32 scalar
counting the positions decoded so far), ``Rows(axis)`` (a cache with the batch's rows along
``axis``, batch-major: n_rows·k entries, k per row) or ``KEEP`` (anything else, e.g. a dropout
rate or a "filled" flag: left alone). Combinators whose state is their sublayers' states (trax's
convention: ``tl.Serial``, ``tl.Parallel``, …, any layer that does not override ``state``) are
walked through. A layer with state that is neither in the table nor such a combinator is an
error, raised by ``set_position``/``gather_rows`` — so a new counter or cache cannot be reset
or reordered wrongly in silence: add its class to ``STATE_LAYOUTS``.

``set_position``/``gather_rows`` find the layout ``init_compiled`` recorded for the state's
structure (tree and leaf shapes/dtypes); two models whose states have one structure but
different layouts cannot be told apart, and are refused.

``init_predict`` also gives every sub-layer a concrete rng: trax otherwise creates sub-layer
rngs lazily inside the first traced ``pure_fn`` and keeps the tracers, so a later eager call
would fail with UnexpectedTracerError.
"""
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from trax import layers as tl

__all__ = ["init_compiled", "init_predict", "set_position", "gather_rows", "state_layout",
           "POSITION", "KEEP", "Rows", "ROWS", "STATE_LAYOUTS",
           "UndeclaredStateError"]

POSITION = "position"  # int32 scalar: positions decoded so far (set_position sets it)
KEEP = "keep"          # neither position nor per-row: left alone


@dataclasses.dataclass(frozen=True)
class Rows:
    """A per-row cache: the batch's rows along ``axis``, batch-major (n_rows·k entries)."""
    axis: int = 0


ROWS = Rows(0)
SUBLAYER = "sublayer"  # in a layout spec: this entry is the (only) sublayer's state

# Layer class (module.qualname, the exact class: a subclass may keep other state) → the tag of
# each state entry, in the state's structure (a tag covers a whole sub-tree), or a function
# layer → that spec.
STATE_LAYOUTS = {
    # trax
    "trax.layers.attention.PositionalEncoding": POSITION,
    "trax.layers.attention.DotProductCausalAttention": lambda layer: (
        (ROWS, ROWS, POSITION) if getattr(layer, "_portal_mask", None) is None
        else (KEEP, ROWS, ROWS, POSITION)),  # (keys, values, index) (batch, max_len, d)
    "trax.layers.core.Dropout": KEEP,  # the rate
    # ours
    "trax_models.attention.CachedDotProductAttn": (ROWS, ROWS, POSITION),
    "trax_models.models.pointer.PointerHead": (ROWS, ROWS, ROWS, ROWS, POSITION),
    "trax_models.models.cross_attention.CrossAttention": POSITION,  # 'local_m' only
    # predict: (the encoder's state, its outputs per row, a bool "filled")
    "trax_models.models.encoder_decoder.ComputeOnce": lambda layer: (
        (SUBLAYER, ROWS, KEEP) if layer._mode == "predict" else (SUBLAYER,)),
}


class UndeclaredStateError(ValueError):
    """A layer keeps state that ``STATE_LAYOUTS`` does not describe."""


def _class_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_combinator(layer):
    """State = tuple of the sublayers' states: trax's default ``state`` property."""
    return bool(layer.sublayers) and type(layer).state is tl.Layer.state


def _layout(layer, state, path):
    """The layout (tags in the structure of ``state``) of ``layer`` holding ``state``."""
    if not jax.tree_util.tree_leaves(state):
        return state  # no state: nothing to tag (keeps its empty structure)
    name = _class_name(type(layer))
    where = f"{path}{type(layer).__name__}"
    if name not in STATE_LAYOUTS:
        if _is_combinator(layer):
            if len(state) != len(layer.sublayers):
                raise UndeclaredStateError(f"{where}: {len(state)} state entries for "
                                           f"{len(layer.sublayers)} sublayers")
            return type(state)(_layout(sub, sub_state, f"{where}/")
                               for sub, sub_state in zip(layer.sublayers, state))
        raise UndeclaredStateError(
            f"{where} ({name}) keeps predict state that trax_models.predict does not know: "
            f"add {name!r} to trax_models.predict.STATE_LAYOUTS, saying which entries are "
            f"positions, per-row caches or neither")
    spec = STATE_LAYOUTS[name]
    spec = spec(layer) if callable(spec) else spec

    def expand(tag, entry):
        if tag == SUBLAYER:
            return _layout(layer.sublayers[0], entry, f"{where}/")
        return jax.tree_util.tree_map(lambda _: tag, entry)

    try:
        return jax.tree_util.tree_map(expand, spec, state,
                                      is_leaf=lambda t: isinstance(t, (str, Rows)))
    except ValueError as error:
        raise UndeclaredStateError(f"{where}: its state does not have the structure declared "
                                   f"in STATE_LAYOUTS, {spec!r}: {error}") from None


def state_layout(model, state=None):
    """The tags (``POSITION``, ``Rows``, ``KEEP``) of ``state`` (default ``model.state``), in
    its tree structure, found by walking ``model``'s layers; UndeclaredStateError for a layer
    with state that ``STATE_LAYOUTS`` does not describe."""
    return _layout(model, model.state if state is None else state, "")


_RECORDED = {}  # state structure → layout, or the error to raise for it


def _structure(state):
    leaves, tree = jax.tree_util.tree_flatten(state)
    return tree, tuple((tuple(np.shape(x)), np.dtype(getattr(x, "dtype", type(x))))
                       for x in leaves)


def _record(model, state):
    """Remembers ``model``'s layout for states of this structure (or why there is none)."""
    key = _structure(state)
    try:
        layout = state_layout(model, state)
    except UndeclaredStateError as error:
        layout = UndeclaredStateError(str(error))  # no traceback: it would keep the arrays
    known = _RECORDED.get(key, layout)
    failed = isinstance(known, Exception), isinstance(layout, Exception)
    if failed[0] != failed[1] or (not any(failed) and known != layout):
        layout = UndeclaredStateError(
            "two models whose predict states have the same structure declare different "
            "layouts, so set_position/gather_rows cannot tell which one a state is from: "
            "decode them in separate processes")
    _RECORDED[key] = layout


def _layout_of(state, caller):
    layout = _RECORDED.get(_structure(state))
    if layout is None:
        raise UndeclaredStateError(
            f"{caller}: no model recorded for a state of this structure: make it with "
            f"predict.init_predict / init_compiled")
    if isinstance(layout, Exception):
        raise UndeclaredStateError(f"{caller}: {layout}")
    return layout


def _tagged(f, layout, state):
    return jax.tree_util.tree_map(f, layout, state, is_leaf=lambda t: isinstance(t, (str, Rows)))


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
    _record(model, state)
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
    """``state`` with every position (``POSITION`` in its layout) set to ``position``.

    Cache contents are unchanged: after a right-padded prefill, rewinding to the true length
    makes the next tokens overwrite the padded slots before anything attends to them. Other
    state (int32 scalars included) is left alone.
    """
    layout = _layout_of(state, "set_position")
    return _tagged(lambda tag, leaf: jnp.asarray(position, jnp.int32) if tag == POSITION else leaf,
                   layout, state)


def gather_rows(state, rows, n_rows):
    """Reorder the batch of a predict state: row r of the result is row ``rows[r]``.

    Only the caches (``Rows(axis)`` in the layout) move: their ``axis`` holds n_rows·k
    entries, k per row (e.g. batch·heads); positions and other state are left alone.
    """
    layout = _layout_of(state, "gather_rows")

    def gather(tag, leaf):
        if not isinstance(tag, Rows):
            return leaf
        axis, size = tag.axis, leaf.shape[tag.axis]
        if size % n_rows:
            raise ValueError(f"gather_rows: a per-row cache of shape {leaf.shape} has {size} "
                             f"entries on axis {axis}, not a multiple of n_rows={n_rows}")
        grouped = leaf.reshape(leaf.shape[:axis] + (n_rows, size // n_rows)
                               + leaf.shape[axis + 1:])
        return jnp.take(grouped, rows, axis=axis).reshape(leaf.shape)
    return _tagged(gather, layout, state)
