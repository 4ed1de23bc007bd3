"""The attention family in the Transformer's cross-attention: the default is the model as it was,
each variant's weights are the NumPy equations', masking is exact, predict = eval, refusals.

Tiny models (d_model 16) as in test_encoder_decoder.py.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from trax import layers as tl
from trax import shapes

from tests.models import attention_family_reference as ref
from trax_models import predict as predict_state
from trax_models.models import attention_family as af
from trax_models.models import cross_attention as xattn
from trax_models.models import encoder_decoder as ed
from trax_models.summarizer.generate import Summarizer
from trax_models.tokens import EOS


def _init_predict(model, weights, source_len, batch_size):
    """The empty predict state of an encoder–decoder for (batch_size, source_len) sources."""
    return predict_state.init_predict(model, weights, (
        shapes.ShapeDtype((batch_size, source_len), np.int32),
        shapes.ShapeDtype((batch_size, 1), np.int32)))


V = 40
TINY = dict(d_model=16, d_ff=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2,
            dropout=0.0, max_len=32)
VARIANTS = ('sharpened', 'smoothed', 'local_m')
CACHE = 10


def _sig(*arrays):
    return tuple(shapes.signature(np.asarray(a)) for a in arrays)


def _batch(seed=0, batch=3, len_src=9, len_tgt=6):
    rng = np.random.RandomState(seed)
    source = rng.randint(2, V, size=(batch, len_src)).astype(np.int32)
    source[1, 6:] = 0  # a shorter article, padded
    source[2, 3:] = 0  # shorter than the longest target: local-m's centre is clipped
    target = rng.randint(2, V, size=(batch, len_tgt)).astype(np.int32)
    return source, target


def _model(cross_attention=None, mode='eval'):
    kwargs = {} if cross_attention is None else {'cross_attention': cross_attention}
    model = ed.Transformer(V, **TINY, mode=mode, **kwargs)
    if mode != 'predict':
        model.init(_sig(*_batch()), rng=jax.random.PRNGKey(3))
    return model


@pytest.fixture(scope="module")
def default_model():
    return _model()


def _reference_weights(q, k, mask, n_heads, name, start=0):
    """α per (row, target position) from attention_family_reference, one decoder step each."""
    e = np.asarray(q, np.float64) @ np.swapaxes(np.asarray(k, np.float64), 1, 2)
    e /= np.sqrt(q.shape[-1])
    n, length_q, length_k = e.shape
    out = np.zeros(e.shape)
    for row in range(n):
        m = np.asarray(mask[row // n_heads], np.float64)[None, :]
        last = max(int(m.sum()) - 1, 0)
        for i in range(length_q):
            s = e[row, i][None, :]
            if name == 'sharpened':
                out[row, i] = ref.sharpened_softmax(s, m, af.DEFAULTS['beta'])[0]
            elif name == 'smoothed':
                out[row, i] = ref.smoothed_normalise(s, m)[0]
            else:  # local_m: Luong's p_i = i, clipped to the last real source position
                center = np.array([min(start + i, last)], np.float64)
                out[row, i] = ref.local_attention(s, m, center, af.DEFAULTS['local_d'], False)[0]
    return out


def _qkv(seed, n_heads=2, batch=2, length_q=7, length_k=8, d=4):
    rng = np.random.RandomState(seed)
    q = 2 * rng.randn(batch * n_heads, length_q, d).astype(np.float32)
    k = rng.randn(batch * n_heads, length_k, d).astype(np.float32)
    mask = np.ones((batch, length_k), bool)
    mask[0, 5:] = False
    return q, k, mask


# --- The default: the model as it was ----------------------------------------------------------

def test_the_default_is_the_graded_attention_bit_for_bit(default_model):
    explicit = _model('softmax')
    source, target = _batch()
    out = np.asarray(default_model((source, target))[0])
    explicit.weights = default_model.weights
    np.testing.assert_array_equal(np.asarray(explicit((source, target))[0]), out)
    names = [layer.name for layer in _walk(default_model)]
    assert not any(n.startswith('CrossAttention') for n in names)
    # the graded Fn in every attention: encoder self-, decoder causal self- and cross-attention
    assert names.count('DotProductAttn') == TINY['n_encoder_layers'] + 2 * TINY['n_decoder_layers']


def _walk(layer):
    yield layer
    for sub in layer.sublayers:
        yield from _walk(sub)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_variant_has_the_same_weight_tree_and_changes_the_output(default_model, name):
    model = _model(name)
    assert (jax.tree_util.tree_structure(model.weights)
            == jax.tree_util.tree_structure(default_model.weights))
    model.weights = default_model.weights  # a default checkpoint loads unchanged
    source, target = _batch()
    got = np.asarray(model((source, target))[0])
    base = np.asarray(default_model((source, target))[0])
    np.testing.assert_allclose(np.exp(got).sum(-1), 1.0, atol=1e-5)
    assert np.abs(got - base).max() > 1e-4
    assert sum(n.name == f'CrossAttention_{name}' for n in _walk(model)) == TINY['n_decoder_layers']


# --- The weights: NumPy's, masked exactly --------------------------------------------------------

@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("start", [0, 3])
def test_weights_equal_the_numpy_equations(name, start):
    q, k, mask = _qkv(seed=1)
    got = np.asarray(xattn.weights(q, k, mask, 2, name, start=start))
    np.testing.assert_allclose(got, _reference_weights(q, k, mask, 2, name, start), atol=1e-6)
    np.testing.assert_allclose(got.sum(-1), 1.0, atol=1e-6)  # every row has a real position


def test_the_softmax_weights_are_the_graded_attentions():
    q, k, mask = _qkv(seed=5, d=8)                        # d = L_k: v = I gives the weights
    identity = np.broadcast_to(np.eye(8, dtype=np.float32), (4, 8, 8))
    np.testing.assert_allclose(np.asarray(xattn.weights(q, k, mask, 2, 'softmax')),
                               np.asarray(ed.masked_attention(q, k, identity, mask, 2)), atol=1e-6)


@pytest.mark.parametrize("name", VARIANTS)
def test_the_layer_attends_with_those_weights(name):
    """CrossAttention((q, k, v = I, mask)) = α: the layer applies exactly ``weights``."""
    q, k, mask = _qkv(seed=2)
    identity = np.broadcast_to(np.eye(8, dtype=np.float32), (4, 8, 8))
    layer = xattn.CrossAttention(name, n_heads=2, mode='eval')
    layer.init(_sig(q, k, identity, mask))
    np.testing.assert_allclose(np.asarray(layer((q, k, identity, mask))),
                               _reference_weights(q, k, mask, 2, name), atol=1e-6)


@pytest.mark.parametrize("name", VARIANTS)
def test_padding_gets_no_weight_and_a_fully_masked_row_no_nan(name):
    q, k, mask = _qkv(seed=3)
    mask[1] = False                                       # example 1: all padding
    alpha = np.asarray(xattn.weights(q, k, mask, 2, name))
    assert np.all(alpha[:2, :, 5:] == 0.0)                # example 0's padding, both heads
    assert np.all(alpha[2:] == 0.0) and np.all(np.isfinite(alpha))
    grad = jax.grad(lambda q: jnp.sum(xattn.weights(q, k, mask, 2, name) ** 2))(q)
    assert np.all(np.isfinite(np.asarray(grad)))
    # what sits at padding never matters
    k2 = k.copy()
    k2[:2, 5:] = 100.0
    np.testing.assert_array_equal(np.asarray(xattn.weights(q, k2, mask, 2, name)), alpha)


def test_local_m_windows_are_the_diagonal_clipped_to_the_source():
    q, k, mask = _qkv(seed=4, length_q=9)
    alpha = np.asarray(xattn.weights(q, k, mask, 2, 'local_m'))
    d = af.DEFAULTS['local_d']
    for row, last in ((0, 4), (2, 7)):                    # example 0 has 5 real keys, 1 has 8
        for i in range(9):
            c = min(i, last)
            outside = [j for j in range(8) if abs(j - c) > d]
            assert np.all(alpha[row, i, outside] == 0.0), (row, i)


# --- Predict mode ------------------------------------------------------------------------------

def _shifted(target):
    return np.concatenate([np.zeros((target.shape[0], 1), np.int32), target[:, :-1]], axis=1)


@pytest.mark.parametrize("name", VARIANTS)
def test_predict_mode_equals_eval_token_by_token_and_in_chunks(default_model, name):
    model = _model(name)
    model.weights = default_model.weights
    predict = ed.Transformer(V, **TINY, mode='predict', cache_len=CACHE, cross_attention=name)
    start = _init_predict(predict, model.weights, source_len=9, batch_size=3)
    step = jax.jit(lambda tokens, state, source: predict.pure_fn(
        (source, tokens), model.weights, state, jax.random.PRNGKey(0)))
    source, target = _batch(seed=5, len_tgt=CACHE)        # longer than two of the sources
    expected = np.asarray(model((source, target))[0])
    state, steps = start, []
    for i in range(CACHE):
        (log_probs, _), state = step(_shifted(target)[:, i:i + 1], state, source)
        steps.append(np.asarray(log_probs))
    np.testing.assert_allclose(np.concatenate(steps, 1), expected, atol=1e-5)
    (first, _), state = step(_shifted(target)[:, :4], start, source)   # a chunk, then one more
    (fifth, _), _ = step(_shifted(target)[:, 4:5], state, source)
    np.testing.assert_allclose(np.concatenate([first, fifth], 1), expected[:, :5], atol=1e-5)


def test_the_summarizer_decodes_a_variant_from_its_model_args(default_model):
    """registry config → predict model → jitted beam search: its scores are the eval model's
    log-probs of the found summaries (length penalty 0), greedy = width 1."""
    model = _model('local_m')
    model.weights = default_model.weights
    args = dict(vocab_size=V, d_model=16, d_ff=32, n_heads=2, n_layers=1, n_decoder_layers=2,
                dropout=0.0, max_len=32, cross_attention='local_m')
    summarizer = Summarizer("encoder_decoder", args, model.weights, max_new_tokens=5)
    source, _ = _batch(seed=4)
    sources = [list(source[0]) + [EOS], list(source[2, :3]) + [EOS]]
    for ids, found in zip(sources, summarizer.beam_search(sources, beam_width=2,
                                                          length_penalty=0.0)):
        for summary, score in found:
            target = np.array([list(summary) + [0] * (5 - len(summary))], np.int32)
            log_probs = np.asarray(model((np.array([ids], np.int32), target))[0])[0]
            by_eval = sum(log_probs[t, i] for t, i in enumerate(summary))
            assert score == pytest.approx(float(by_eval), abs=1e-4)
    assert summarizer.generate(sources, "beam", beam_width=1, length_penalty=0.0) == \
        summarizer.generate(sources, "greedy")


# --- Refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", xattn.PREVIOUS_STEP)
def test_mechanisms_that_need_the_previous_step_are_refused_in_one_line(name):
    assert name in af.MECHANISMS and 'prev_alpha' in af.MECHANISMS[name].state
    with pytest.raises(ValueError, match=r"needs α_\(i-1\), the previous decoder step") as info:
        ed.Transformer(V, **TINY, cross_attention=name)
    message = str(info.value)
    assert "\n" not in message and f"Seq2Seq(attention={name!r})" in message
    assert "cross_attention='softmax', 'sharpened', 'smoothed' or 'local_m'" in message


def test_the_refused_set_and_the_other_refusals():
    assert set(xattn.PREVIOUS_STEP) == {'location', 'hybrid', 'location_sensitive', 'windowed',
                                        'monotonic', 'stepwise_monotonic'}
    assert set(xattn.PREVIOUS_STEP) | set(xattn.CROSS_ATTENTION) | {'content', 'local_p'} \
        >= set(af.MECHANISMS)
    for name, message in (('content', "use cross_attention='softmax'"),
                          ('local_p', "use cross_attention='local_m'"),
                          ('bahdanau', "unknown cross_attention 'bahdanau'")):
        with pytest.raises(ValueError, match=message) as info:
            ed.EncoderDecoder(V, cross_attention=name)
        assert "\n" not in str(info.value)


def test_a_variant_trains_a_step_with_finite_gradients():
    model = _model('local_m', mode='train')
    source, target = _batch()
    source[0] = 0                                         # a fully padded source row
    loss_layer = tl.Serial(model, tl.CrossEntropyLoss())  # (log_probs, target, mask) → loss
    mask = np.ones(target.shape, np.float32)
    loss_layer.init(_sig(source, target, mask))

    def loss(weights):
        return loss_layer.pure_fn((source, target, mask), weights, loss_layer.state,
                                  jax.random.PRNGKey(0))[0]
    grads = jax.grad(loss)(loss_layer.weights)
    assert all(np.all(np.isfinite(np.asarray(g))) for g in jax.tree_util.tree_leaves(grads))
