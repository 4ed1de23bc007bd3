"""Predict mode of our CausalAttention: the KV cache gives the eval model's log-probs.

A predict model is fed the shifted tokens [0, x0, x1, …] (ShiftRight is the identity in predict
mode), one position per call or in chunks; its output at each absolute position must equal the
eval model's output on the whole sequence.
"""
import jax
import numpy as np
import pytest
from trax import shapes
from trax.fastmath import numpy as jnp
from trax.layers.base import LayerError

from trax_models import model as mdl
from trax_models.predict import set_position

CFG = dict(vocab_size=60, d_model=16, d_ff=32, n_layers=2, n_heads=4, max_len=24)
BATCH, LENGTH = 3, 12
TOL = 1e-5


def _shifted(x):
    return np.concatenate([np.zeros((x.shape[0], 1), np.int32), x[:, :-1]], axis=1)


@pytest.fixture(scope="module")
def models():
    """(eval model, predict model with the eval weights, the predict model's empty state, x)."""
    x = np.random.RandomState(0).randint(1, CFG['vocab_size'], (BATCH, LENGTH)).astype(np.int32)
    eval_model = mdl.TransformerLM(mode='eval', **CFG)
    eval_model.init(shapes.signature(x), rng=jax.random.PRNGKey(1))
    predict = mdl.TransformerLM(mode='predict', **CFG)
    start_state = mdl.init_predict(predict, eval_model.weights, batch_size=BATCH)
    return eval_model, predict, start_state, x


_RNG = jax.random.PRNGKey(0)
_jitted = {}


def _jit(model):
    """One jitted pure_fn per model object (eager trax calls cost seconds on a busy CPU)."""
    if id(model) not in _jitted:
        _jitted[id(model)] = (model, jax.jit(model.pure_fn))
    return _jitted[id(model)][1]


def _eval(eval_model, x):
    return np.asarray(_jit(eval_model)(x, eval_model.weights, eval_model.state, _RNG)[0])


def _feed(predict, start_state, tokens, chunks, eager=False):
    """Feeds the shifted tokens in chunks of the given lengths from ``start_state``.

    Returns the concatenated outputs (batch, sum(chunks), vocab); jitted pure_fn unless eager.
    """
    predict.state = start_state
    outputs, at = [], 0
    for n in chunks:
        piece = tokens[:, at:at + n]
        if eager:
            outputs.append(np.asarray(predict(piece)))
        else:
            y, predict.state = _jit(predict)(piece, predict.weights, predict.state, _RNG)
            outputs.append(np.asarray(y))
        at += n
    return np.concatenate(outputs, axis=1)


@pytest.mark.parametrize("length", [1, 5, LENGTH])
def test_token_by_token_equals_eval(models, length):
    eval_model, predict, start_state, x = models
    expected = _eval(eval_model, x[:, :length])
    got = _feed(predict, start_state, _shifted(x[:, :length]), [1] * length)
    assert got.shape == (BATCH, length, CFG['vocab_size'])
    assert np.abs(got - expected).max() < TOL
    if length > 1:  # every batch row is its own sequence: rows differ, so batch > 1 is covered
        assert np.abs(expected[0] - expected[1]).max() > 1e-3


@pytest.mark.parametrize("chunks", [[LENGTH], [7, 1, 1, 3], [4, 4, 4]])
def test_prefill_chunks_equal_eval(models, chunks):
    eval_model, predict, start_state, x = models
    expected = _eval(eval_model, x)
    got = _feed(predict, start_state, _shifted(x), chunks)
    assert np.abs(got - expected).max() < TOL


def test_reset_restores_a_fresh_cache(models):
    eval_model, predict, start_state, x = models
    other = (x[::-1] + 7) % CFG['vocab_size']  # a different prompt fills the cache first
    _feed(predict, start_state, _shifted(other), [LENGTH])
    expected = _eval(eval_model, x)
    without_reset, _ = _jit(predict)(_shifted(x)[:, :1], predict.weights, predict.state, _RNG)
    assert np.abs(without_reset - expected[:, :1]).max() > 1e-3  # stale cache would be wrong
    predict.state = start_state  # the documented reset
    got = []
    for i in range(LENGTH):
        y, predict.state = _jit(predict)(_shifted(x)[:, i:i + 1], predict.weights, predict.state,
                                         _RNG)
        got.append(np.asarray(y))
    got = np.concatenate(got, axis=1)
    assert np.abs(got - expected).max() < TOL


def test_right_padded_prefill_then_set_position_equals_eval(models):
    """Bucketed prefill: pad the prompt to 8, rewind to its true length 5, decode on."""
    eval_model, predict, start_state, x = models
    expected = _eval(eval_model, x)
    tokens, true_length, bucket = _shifted(x), 5, 8
    padded = np.concatenate(
        [tokens[:, :true_length], np.full((BATCH, bucket - true_length), 9, np.int32)], axis=1)
    step = _jit(predict)
    y, state = step(padded, predict.weights, start_state, _RNG)
    state = jax.jit(set_position)(state, true_length)
    outputs = [np.asarray(y)[:, :true_length]]
    for i in range(true_length, LENGTH):
        y, state = step(tokens[:, i:i + 1], predict.weights, state, _RNG)
        outputs.append(np.asarray(y))
    assert np.abs(np.concatenate(outputs, axis=1) - expected).max() < TOL
    counters = [a for a in jax.tree_util.tree_leaves(state) if a.ndim == 0 and a.dtype == np.int32]
    assert len(counters) == 1 + CFG['n_layers'] and all(int(c) == LENGTH for c in counters)


def test_predict_weight_tree_is_the_eval_tree(models):
    eval_model, predict, _, _ = models
    same_structure = (jax.tree_util.tree_structure(predict.weights)
                      == jax.tree_util.tree_structure(eval_model.weights))
    assert same_structure
    shapes_equal = jax.tree_util.tree_map(lambda a, b: a.shape == b.shape,
                                          predict.weights, eval_model.weights)
    assert all(jax.tree_util.tree_leaves(shapes_equal))


def test_predict_tree_swaps_only_the_attention_core():
    predict = str(mdl.TransformerLM(n_layers=1, mode='predict', **{
        k: v for k, v in CFG.items() if k != 'n_layers'}))
    evaluate = str(mdl.TransformerLM(n_layers=1, mode='eval', **{
        k: v for k, v in CFG.items() if k != 'n_layers'}))
    assert predict == evaluate.replace("DotProductAttn_in3", "CachedDotProductAttn_in3")


def test_state_is_static_shape_arrays_and_cache_bytes_match_formula(models):
    _, predict, start_state, _ = models
    leaves = jax.tree_util.tree_leaves(start_state)
    assert all(isinstance(a, jax.Array) for a in leaves)
    caches = [a for a in leaves if a.ndim == 3]
    d_head = CFG['d_model'] // CFG['n_heads']
    assert len(caches) == 2 * CFG['n_layers']
    assert all(a.shape == (BATCH * CFG['n_heads'], CFG['max_len'], d_head) for a in caches)
    # model.py's formula: batch × n_layers × cache_len × d_model × 2 (keys, values) × 4 bytes
    assert sum(a.nbytes for a in caches) == (
        BATCH * CFG['n_layers'] * CFG['max_len'] * CFG['d_model'] * 2 * 4)


def test_jitted_pure_fn_step_equals_eager(models):
    _, predict, start_state, x = models
    tokens = _shifted(x)
    eager = _feed(predict, start_state, tokens, [3, 1, 1], eager=True)
    jitted = _feed(predict, start_state, tokens, [3, 1, 1])
    assert np.abs(jitted - eager).max() < TOL


def test_greedy_decoding_in_a_lax_loop_equals_eager_steps(models):
    """The decoding helper's pattern: the predict state as a jax.lax loop carry."""
    _, predict, start_state, x = models
    prompt, steps = _shifted(x)[:, :4], 5
    weights, rng = predict.weights, jax.random.PRNGKey(0)

    @jax.jit
    def decode(prompt, state):
        log_probs, state = predict.pure_fn(prompt, weights, state, rng)
        token = jnp.argmax(log_probs[:, -1], axis=-1).astype(jnp.int32)[:, None]

        def body(i, carry):
            token, state, out = carry
            out = out.at[:, i].set(token[:, 0])
            log_probs, state = predict.pure_fn(token, weights, state, rng)
            return jnp.argmax(log_probs[:, -1], axis=-1).astype(jnp.int32)[:, None], state, out

        out = jnp.zeros((prompt.shape[0], steps), jnp.int32)
        return jax.lax.fori_loop(0, steps, body, (token, state, out))[2]

    in_loop = np.asarray(decode(prompt, start_state))
    predict.state = start_state
    step = _jit(predict)
    log_probs, predict.state = step(prompt, weights, predict.state, rng)
    token = np.argmax(log_probs[:, -1], axis=-1)[:, None].astype(np.int32)
    one_by_one = []
    for _ in range(steps):
        one_by_one.append(token[:, 0])
        log_probs, predict.state = step(token, weights, predict.state, rng)
        token = np.argmax(log_probs[:, -1], axis=-1)[:, None].astype(np.int32)
    np.testing.assert_array_equal(in_loop, np.stack(one_by_one, axis=1))


def test_cache_overflow_and_batch_mismatch_are_clear_errors(models):
    _, predict, start_state, x = models
    predict.state = start_state
    predict(np.zeros((BATCH, CFG['max_len']), np.int32))  # fills the cache exactly
    with pytest.raises(LayerError, match="KV cache full"):
        predict(np.zeros((BATCH, 1), np.int32))
    predict.state = start_state
    with pytest.raises(LayerError, match="init the predict model with the batch size"):
        predict(np.zeros((BATCH + 1, 1), np.int32))
    predict.state = start_state


def test_cache_len_shrinks_only_the_cache(models):
    eval_model, _, _, x = models
    small = mdl.TransformerLM(mode='predict', cache_len=LENGTH, **CFG)
    # PositionalEncoding keeps max_len rows: the eval weights still fit
    start_state = mdl.init_predict(small, eval_model.weights, batch_size=BATCH)
    caches = [a for a in jax.tree_util.tree_leaves(start_state) if a.ndim == 3]
    assert all(a.shape[1] == LENGTH for a in caches)
    got = _feed(small, start_state, _shifted(x), [5, 1] + [1] * (LENGTH - 6))
    assert np.abs(got - _eval(eval_model, x)).max() < TOL
