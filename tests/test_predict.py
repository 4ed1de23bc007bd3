"""trax_models.predict: the predict state is found by the layer that owns it.

set_position / gather_rows touch exactly the positions and per-row caches that the layers
declare (``predict.STATE_LAYOUTS``), refuse a stateful layer nobody declared, and leave other
state (an int32 scalar that is not a position included) alone. Beam reordering of every
decodable kind's state equals decoding the gathered rows from the start.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from trax import layers as tl
from trax import shapes

from trax_models import predict
from trax_models.summarizer import registry

V, CACHE = 30, 12
KEY = jax.random.PRNGKey(0)


class _Counter(tl.Layer):
    """An int32 scalar counter that no layout declares."""

    def init_weights_and_state(self, input_signature):
        self.state = jnp.zeros((), jnp.int32)

    def forward(self, x):
        self.state = self.state + 1
        return x


class _Steps(_Counter):
    """The same counter (starting at 7), declared ``KEEP`` in the tests: not a position."""

    def init_weights_and_state(self, input_signature):
        self.state = jnp.full((), 7, jnp.int32)


class _TimeMajorCache(tl.Layer):
    """A per-row cache with the rows on axis 1: (slots, batch, 2)."""

    def init_weights_and_state(self, input_signature):
        batch = input_signature.shape[0]
        self.state = jnp.arange(3 * batch * 2, dtype=jnp.float32).reshape(3, batch, 2)

    def forward(self, x):
        return x


def _name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _init(*layers, batch=3):
    model = tl.Serial(*layers)
    _, state = predict.init_compiled(model, shapes.ShapeDtype((batch, 1, 4), jnp.float32))
    return model, state


def _positional():
    return tl.PositionalEncoding(max_len=8, mode='predict')


def test_an_undeclared_stateful_layer_raises():
    model, state = _init(_positional(), _Counter())
    for call in (lambda: predict.set_position(state, 3),
                 lambda: predict.gather_rows(state, jnp.arange(3), 3),
                 lambda: predict.state_layout(model)):
        with pytest.raises(predict.UndeclaredStateError, match="_Counter.*STATE_LAYOUTS"):
            call()


def test_a_declared_int32_scalar_that_is_no_position_is_left_alone(monkeypatch):
    monkeypatch.setitem(predict.STATE_LAYOUTS, _name(_Steps), predict.KEEP)
    monkeypatch.setitem(predict.STATE_LAYOUTS, _name(_TimeMajorCache), predict.Rows(1))
    model, state = _init(_positional(), _Steps(), _TimeMajorCache())
    position, steps, cache = jax.jit(predict.set_position)(state, 5)
    assert int(position) == 5 and int(steps) == 7  # only the PositionalEncoding's is a position
    np.testing.assert_array_equal(cache, state[2])
    rows = jnp.array([2, 0, 0])
    position, steps, cache = predict.gather_rows(state, rows, 3)
    assert int(position) == 0 and int(steps) == 7
    np.testing.assert_array_equal(cache, np.asarray(state[2])[:, [2, 0, 0]])  # rows on axis 1
    assert predict.state_layout(model) == (predict.POSITION, predict.KEEP, predict.Rows(1))


def test_states_of_one_structure_with_different_layouts_are_refused(monkeypatch):
    monkeypatch.setattr(predict, "_RECORDED", {})  # forget the structures other tests recorded
    monkeypatch.setitem(predict.STATE_LAYOUTS, _name(_Steps), predict.KEEP)
    _, state = _init(_positional(), _Steps(), batch=2)
    assert [int(a) for a in predict.set_position(state, 4)] == [4, 7]
    _init(_positional(), _positional(), batch=2)  # the same structure, another layout
    for call in (lambda: predict.set_position(state, 4),
                 lambda: predict.gather_rows(state, jnp.arange(2), 2)):
        with pytest.raises(predict.UndeclaredStateError, match="cannot tell"):
            call()


def test_a_state_no_model_declared_is_refused():
    with pytest.raises(predict.UndeclaredStateError, match="init_predict"):
        predict.set_position((jnp.zeros((), jnp.int32), jnp.zeros((5, 5, 5))), 1)


def test_a_cache_not_divisible_by_the_rows_is_an_error(monkeypatch):
    monkeypatch.setitem(predict.STATE_LAYOUTS, _name(_TimeMajorCache), predict.ROWS)
    model, state = _init(tl.Dropout(0.0, mode='predict'), _TimeMajorCache(), batch=2)
    assert predict.state_layout(model) == (predict.KEEP, predict.ROWS)
    with pytest.raises(ValueError, match="not a multiple of n_rows=2"):  # (3, 2, 2): 3 rows
        predict.gather_rows(state, jnp.arange(2), 2)


# --- every decodable kind -----------------------------------------------------------------------

KINDS = [("transformer_lm", {}), ("pointer_lm", {}),
         ("encoder_decoder", {"cross_attention": "local_m"})]


def _decodable(name, extra, batch=3):
    """(kind, predict model, random weights, start state) of a tiny model of ``name``."""
    kind = registry.MODELS[name]
    config = kind.config(vocab_size=V, d_model=8, d_ff=16, n_layers=1, n_heads=2, max_len=16,
                         dropout=0.0, **extra)
    model = kind.build(config, "predict", cache_len=CACHE)
    signature = kind.signature(batch, 1)
    zeros, _ = predict.init_compiled(model, signature)
    rng = np.random.RandomState(1)
    weights = jax.tree_util.tree_map(
        lambda w: (rng.normal(size=np.shape(w)) * 0.5).astype(w.dtype), zeros)
    return kind, model, weights, predict.init_predict(model, weights, signature)


@pytest.mark.parametrize("name,extra", KINDS)
def test_positions_are_the_owning_layers_int32_scalars(name, extra):
    _, model, _, start = _decodable(name, extra)
    layout = predict.state_layout(model, start)
    tagged = list(zip(jax.tree_util.tree_leaves(layout), jax.tree_util.tree_leaves(start)))
    positions = [a for tag, a in tagged if tag == predict.POSITION]
    # PositionalEncoding + the attention's cache (+ the pointer head, + local-m's counter)
    assert len(positions) == {"transformer_lm": 2, "pointer_lm": 3, "encoder_decoder": 3}[name]
    assert all(a.shape == () and a.dtype == jnp.int32 for a in positions)
    assert all(a.shape[0] % 3 == 0 for tag, a in tagged if isinstance(tag, predict.Rows))


@pytest.mark.parametrize("name,extra", KINDS)
def test_gathered_rows_decode_as_those_rows_from_the_start(name, extra):
    """Right-padded prefill, set_position, gather_rows (beam search's steps): the next steps
    equal the model fed the gathered rows' prompts from the start."""
    kind, model, weights, start = _decodable(name, extra)

    @jax.jit
    def step(tokens, state, source):
        out, state = model.pure_fn((source, tokens) if kind.pairs else tokens, weights, state,
                                   KEY)
        return (out[0] if kind.pairs else out), state

    rng = np.random.RandomState(2)
    source = rng.randint(2, V, (3, 8)).astype(np.int32)
    prompt = rng.randint(2, V, (3, 5)).astype(np.int32)
    after = rng.randint(2, V, (3, 3)).astype(np.int32)
    rows = np.array([2, 0, 0])
    padded = np.concatenate([prompt, np.full((3, 2), 9, np.int32)], 1)
    _, state = step(padded, start, source)
    state = predict.set_position(state, 5)
    state = jax.jit(predict.gather_rows, static_argnums=2)(state, jnp.asarray(rows), 3)
    _, expected_state = step(prompt[rows], start, source[rows])
    for i in range(after.shape[1]):
        got, state = step(after[:, i:i + 1], state, source[rows])
        expected, expected_state = step(after[:, i:i + 1], expected_state, source[rows])
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-5)
    assert np.abs(np.asarray(expected)[1] - np.asarray(expected)[0]).max() > 1e-3  # rows differ


def test_a_declaration_of_the_wrong_structure_is_refused(monkeypatch):
    monkeypatch.setitem(predict.STATE_LAYOUTS, _name(_TimeMajorCache), (predict.ROWS,))
    model = tl.Serial(_TimeMajorCache())
    model.init(shapes.ShapeDtype((2, 1, 4), jnp.float32))  # a bare array, not a 1-tuple
    with pytest.raises(predict.UndeclaredStateError, match="structure declared"):
        predict.state_layout(model)
