"""The attention family: every JAX function against its NumPy reference (several shapes, padded and
fully masked rows), properties (hypothesis), finite gradients at saturated p, the registry, the
one-line errors, and the measured trap of the closed-form parallel monotonic attention."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.models import attention_family_reference as ref
from trax_models.models import attention_family as af

SHAPES = [(1, 3), (2, 6), (3, 9)]       # (batch, S)
N, M, A, K, R = 4, 5, 6, 3, 5           # query width, key width, attention dim, filters, width
B_PROP, S_PROP = 3, 8                   # fixed shapes for the hypothesis tests (one compile)
PROP = settings(max_examples=20, deadline=None)


def _mask(lengths, S):
    return (np.arange(S)[None, :] < np.asarray(lengths)[:, None]).astype(np.float32)


def _lengths(batch, S):
    """Full, padded, and (from batch 3 on) one fully masked row."""
    return ([S, max(1, S - 2), 0] + [S] * batch)[:batch]


def _alignment(rng, mask):
    a = rng.random(mask.shape).astype(np.float32) * mask
    return a / np.maximum(a.sum(-1, keepdims=True), 1e-9)


@pytest.fixture(params=SHAPES, ids=lambda s: f"B{s[0]}S{s[1]}")
def case(request):
    B, S = request.param
    rng = np.random.default_rng(B * 100 + S)
    f32 = lambda *shape: rng.normal(size=shape).astype(np.float32)  # noqa: E731
    mask = _mask(_lengths(B, S), S)
    prev = _alignment(rng, mask)
    return dict(B=B, S=S, rng=rng, mask=mask, prev=prev, cum=prev + _alignment(rng, mask),
                q=f32(B, N), keys=f32(B, S, M), e=3 * f32(B, S), p=rng.random((B, S)).astype(np.float32),
                w_query=f32(N, A), w_keys=f32(M, A), w_loc=f32(K, A), b=f32(A), v=f32(A),
                F1=f32(R, 1, K), F2=f32(R, 2, K))


def _close(got, want, atol=2e-6):
    got = np.asarray(got)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


# --- each function against NumPy ------------------------------------------------------------------

def test_conv_features_and_scores_match_numpy(case):
    c = case
    _close(af.conv_features(c['prev'][:, :, None], c['F1']), ref.conv_features(c['prev'][:, :, None], c['F1']))
    even = c['rng'].normal(size=(4, 1, K)).astype(np.float32)              # even r: 1 left, 2 right
    _close(af.conv_features(c['prev'][:, :, None], even), ref.conv_features(c['prev'][:, :, None], even))
    two = np.stack([c['prev'], c['cum']], -1)
    _close(af.conv_features(two, c['F2']), ref.conv_features(two, c['F2']))
    args = (c['w_query'], c['w_keys'], c['b'], c['v'])
    _close(af.content_scores(c['q'], c['keys'], *args), ref.content_scores(c['q'], c['keys'], *args), 1e-5)
    loc = (c['q'], c['prev'], c['F1'], c['w_query'], c['w_loc'], c['b'], c['v'])
    _close(af.location_scores(*loc), ref.location_scores(*loc), 1e-5)
    hyb = (c['q'], c['keys'], c['prev'], c['F1'], c['w_query'], c['w_keys'], c['w_loc'], c['b'], c['v'])
    _close(af.hybrid_scores(*hyb), ref.hybrid_scores(*hyb), 1e-5)
    ls = (c['q'], c['keys'], c['prev'], c['cum'], c['F2'], c['w_query'], c['w_keys'], c['w_loc'],
          c['b'], c['v'])
    _close(af.location_sensitive_scores(*ls), ref.location_sensitive_scores(*ls), 1e-5)


def test_location_scores_ignore_the_keys_and_hybrid_uses_them(case):
    c = case
    loc = lambda prev: af.location_scores(c['q'], prev, c['F1'], c['w_query'], c['w_loc'], c['b'], c['v'])  # noqa: E731
    hyb = lambda keys: af.hybrid_scores(c['q'], keys, c['prev'], c['F1'], c['w_query'], c['w_keys'],  # noqa: E731
                                        c['w_loc'], c['b'], c['v'])
    assert np.abs(np.asarray(hyb(c['keys'])) - np.asarray(hyb(2 * c['keys']))).max() > 1e-3
    shifted = np.roll(c['prev'], 1, axis=-1)
    assert np.abs(np.asarray(loc(c['prev'])) - np.asarray(loc(shifted))).max() > 1e-3


def test_normalisations_match_numpy(case):
    c = case
    _close(af.masked_softmax(c['e'], c['mask']), ref.masked_softmax(c['e'], c['mask']))
    _close(af.sharpened_softmax(c['e'], c['mask'], 2.5), ref.sharpened_softmax(c['e'], c['mask'], 2.5))
    _close(af.smoothed_normalise(c['e'], c['mask']), ref.smoothed_normalise(c['e'], c['mask']))
    np.testing.assert_array_equal(af.median_position(c['prev']), ref.median_position(c['prev']))
    w = c['S'] // 2
    _close(af.windowed_softmax(c['e'], c['mask'], c['prev'], w),
           ref.windowed_softmax(c['e'], c['mask'], c['prev'], w))


def test_monotonic_family_matches_numpy(case):
    c = case
    want = ref.monotonic_attention(c['p'], c['prev'], c['mask'])
    _close(af.monotonic_attention(c['p'], c['prev'], c['mask']), want)
    _close(af.monotonic_attention_recursive(c['p'], c['prev'], c['mask']), want)
    _close(af.stepwise_monotonic_attention(c['p'], c['prev'], c['mask']),
           ref.stepwise_monotonic_attention(c['p'], c['prev'], c['mask']))
    pos = c['rng'].integers(0, c['S'], c['B'])
    alpha, new_pos = af.hard_monotonic_attention(c['p'], jnp.asarray(pos), c['mask'])
    want_alpha, want_pos = ref.hard_monotonic_attention(c['p'], pos, c['mask'])
    np.testing.assert_array_equal(alpha, want_alpha)
    np.testing.assert_array_equal(new_pos, want_pos)


def test_luong_local_matches_numpy(case):
    c = case
    w_p = c['rng'].normal(size=(N, A)).astype(np.float32)
    center = af.local_p_center(c['q'], w_p, c['v'], c['mask'])
    _close(center, ref.local_p_center(c['q'], w_p, c['v'], c['mask']), 1e-5)
    D = (c['S'] - 1) // 2
    _close(af.local_attention(c['e'], c['mask'], center, D, gaussian=True),
           ref.local_attention(c['e'], c['mask'], np.asarray(center), D, gaussian=True))
    t = np.arange(c['B'], dtype=np.float32)                               # local-m: p_t = t
    _close(af.local_attention(c['e'], c['mask'], jnp.asarray(t), D, gaussian=False),
           ref.local_attention(c['e'], c['mask'], t, D, gaussian=False))


# --- properties ---------------------------------------------------------------------------------

scores_st = hnp.arrays(np.float32, (B_PROP, S_PROP), elements=st.floats(-8, 8, width=32))
probs_st = hnp.arrays(np.float32, (B_PROP, S_PROP), elements=st.floats(0, 1, width=32))
lengths_st = st.lists(st.integers(1, S_PROP), min_size=B_PROP, max_size=B_PROP)


@PROP
@given(scores_st, probs_st, lengths_st, st.floats(1.0, 4.0))
def test_soft_alignments_sum_to_one_over_real_positions(e, a, lengths, beta):
    mask = _mask(lengths, S_PROP)
    prev = a * mask / np.maximum((a * mask).sum(-1, keepdims=True), 1e-9)
    prev[prev.sum(-1) == 0, 0] = 1.0                                      # all-zero draw: one-hot
    for alpha in (af.masked_softmax(e, mask), af.sharpened_softmax(e, mask, beta),
                  af.smoothed_normalise(e, mask), af.windowed_softmax(e, mask, prev, 2),
                  af.local_attention(e, mask, jnp.zeros(B_PROP), 2, gaussian=False)):
        alpha = np.asarray(alpha)
        np.testing.assert_allclose(alpha.sum(-1), 1.0, atol=1e-5)
        assert (alpha >= 0).all() and not alpha[mask == 0].any()


@PROP
@given(scores_st, lengths_st, st.floats(1.05, 4.0))
def test_sharpening_raises_the_largest_weight(e, lengths, beta):
    mask = _mask(lengths, S_PROP)
    plain, sharp = np.asarray(af.masked_softmax(e, mask)), np.asarray(af.sharpened_softmax(e, mask, beta))
    assert (sharp.max(-1) >= plain.max(-1) - 1e-6).all()


@PROP
@given(probs_st, probs_st, lengths_st)
def test_monotonic_mass_at_most_one_and_parallel_equals_recursive(p, a, lengths):
    mask = _mask(lengths, S_PROP)
    prev = a * mask / np.maximum((a * mask).sum(-1, keepdims=True), 1e-9)
    par = np.asarray(af.monotonic_attention(p, prev, mask))
    rec = np.asarray(af.monotonic_attention_recursive(p, prev, mask))
    np.testing.assert_allclose(par, rec, atol=1e-6)
    assert (par.sum(-1) <= prev.sum(-1) + 1e-5).all() and (par >= 0).all()
    assert not par[mask == 0].any()


@PROP
@given(st.lists(st.booleans(), min_size=S_PROP * B_PROP, max_size=S_PROP * B_PROP), lengths_st,
       st.lists(st.integers(0, S_PROP - 1), min_size=B_PROP, max_size=B_PROP))
def test_hard_monotonic_is_the_soft_one_with_binary_p(bits, lengths, start):
    mask = _mask(lengths, S_PROP)
    start = np.minimum(start, np.asarray(lengths) - 1)
    p = np.array(bits, np.float32).reshape(B_PROP, S_PROP)
    hard, pos = af.hard_monotonic_attention(p, jnp.asarray(start), mask)
    soft = af.monotonic_attention(p, np.eye(S_PROP, dtype=np.float32)[start], mask)
    np.testing.assert_array_equal(hard, soft)
    assert (np.asarray(pos) >= start).all()


@PROP
@given(probs_st, st.lists(st.integers(0, S_PROP - 1), min_size=B_PROP, max_size=B_PROP), lengths_st)
def test_stepwise_moves_at_most_one_step_and_keeps_mass_but_what_passes_the_end(p, at, lengths):
    mask = _mask(lengths, S_PROP)
    at = np.minimum(at, np.asarray(lengths) - 1)
    prev = np.eye(S_PROP, dtype=np.float32)[at]                           # one-hot at `at`
    alpha = np.asarray(af.stepwise_monotonic_attention(p, prev, mask))
    for b in range(B_PROP):
        allowed = {at[b], at[b] + 1}
        assert all(j in allowed for j in np.flatnonzero(alpha[b]))
        end = lengths[b] - 1
        lost = (1 - p[b, end]) if at[b] == end else 0.0
        np.testing.assert_allclose(alpha[b].sum(), 1.0 - lost, atol=1e-6)
    # a spread alignment: mass kept except the last real position's outflow
    spread = _mask(lengths, S_PROP) / np.asarray(lengths, np.float32)[:, None]
    out = np.asarray(af.stepwise_monotonic_attention(p, spread, mask))
    last = np.asarray(lengths) - 1
    lost = spread[np.arange(B_PROP), last] * (1 - p[np.arange(B_PROP), last])
    np.testing.assert_allclose(out.sum(-1), 1.0 - lost, atol=1e-5)


# --- masking, NaN and gradients ------------------------------------------------------------------

NORMALISERS = {
    'softmax': lambda e, m, prev: af.masked_softmax(e, m),
    'sharpened': lambda e, m, prev: af.sharpened_softmax(e, m, 2.0),
    'smoothed': lambda e, m, prev: af.smoothed_normalise(e, m),
    'windowed': lambda e, m, prev: af.windowed_softmax(e, m, prev, 2),
    'monotonic': lambda e, m, prev: af.monotonic_attention(jax.nn.sigmoid(e), prev, m),
    'monotonic_recursive': lambda e, m, prev: af.monotonic_attention_recursive(jax.nn.sigmoid(e), prev, m),
    'stepwise': lambda e, m, prev: af.stepwise_monotonic_attention(jax.nn.sigmoid(e), prev, m),
    'local_p': lambda e, m, prev: af.local_attention(e, m, jnp.full(e.shape[:1], 2.5), 2, gaussian=True),
    'local_m': lambda e, m, prev: af.local_attention(e, m, jnp.full(e.shape[:1], 1.0), 2, gaussian=False),
}


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_padding_gets_exactly_zero_and_a_fully_masked_row_zeros_with_finite_gradients(name):
    rng = np.random.default_rng(1)
    e = 4 * rng.normal(size=(3, 7)).astype(np.float32)
    mask = _mask([7, 4, 0], 7)
    prev = np.zeros((3, 7), np.float32)
    prev[0, 1] = prev[1, 3] = 1.0                                         # row 2 has no real position
    fn = NORMALISERS[name]
    alpha = np.asarray(fn(e, mask, prev))
    assert np.isfinite(alpha).all()
    assert (alpha[mask == 0] == 0.0).all() and not alpha[2].any()
    grad = np.asarray(jax.grad(lambda e: jnp.sum(fn(e, mask, prev) * jnp.arange(7.0)))(e))
    assert np.isfinite(grad).all() and not grad[mask == 0].any()


@pytest.mark.parametrize("fn", [af.monotonic_attention, af.monotonic_attention_recursive,
                                af.stepwise_monotonic_attention], ids=lambda f: f.__name__)
@pytest.mark.parametrize("p_value", [1e-7, 1 - 1e-7])
def test_finite_gradients_with_saturated_p(fn, p_value):
    S = 12
    p = np.full((2, S), p_value, np.float32)
    prev = np.zeros((2, S), np.float32)
    prev[0, 0], prev[1, 3], prev[1, 9] = 1.0, 0.5, 0.5
    mask = _mask([S, 10], S)
    loss = lambda p, prev: jnp.sum(fn(p, prev, mask) * jnp.arange(1.0, S + 1))  # noqa: E731
    g_p, g_prev = jax.grad(loss, argnums=(0, 1))(p, prev)
    assert np.isfinite(g_p).all() and np.isfinite(g_prev).all()
    logits = np.full((2, S), np.log(p_value / (1 - p_value)), np.float32)   # through σ too
    g_e = jax.grad(lambda e: loss(jax.nn.sigmoid(e), prev))(logits)
    assert np.isfinite(g_e).all()


# --- the trap -------------------------------------------------------------------------------------

def _closed_form_monotonic(p, prev_alpha):
    """THE WRONG WAY (kept here to show the trap): q = cumprod(1 − p) · cumsum(α_{i−1} /
    cumprod(1 − p)) with the exclusive cumprod clipped at 1e-10 before dividing."""
    cp = jnp.cumprod(jnp.concatenate([jnp.ones_like(p[:, :1]), 1 - p[:, :-1]], -1), axis=-1)
    return p * cp * jnp.cumsum(prev_alpha / jnp.clip(cp, 1e-10, 1.0), axis=-1)


def test_the_trap_exact_keeps_mass_where_the_clipped_closed_form_loses_half():
    L = 50
    p = np.full((1, L), 0.9, np.float32)
    prev = np.zeros((1, L), np.float32)
    prev[0, 0] = prev[0, 25] = 0.5
    mask = np.ones((1, L), np.float32)
    exact = np.asarray(af.monotonic_attention(p, prev, mask))
    np.testing.assert_allclose(exact.sum(), 1.0, atol=1e-5)
    np.testing.assert_allclose(exact, ref.monotonic_attention(p, prev, mask), atol=1e-6)
    np.testing.assert_allclose(np.asarray(af.monotonic_attention_recursive(p, prev, mask)).sum(), 1.0, atol=1e-5)
    wrong = np.asarray(_closed_form_monotonic(jnp.asarray(p), jnp.asarray(prev)))
    np.testing.assert_allclose(wrong.sum(), 0.50, atol=1e-3)        # Π_{k<25}(1 − p) = 1e-25 < clip
    assert exact[0, 25] > 0.4 and wrong[0, 25] < 1e-6
    # … while on a moderate case the closed form is right: the trap is underflow, not the algebra
    p_mid = np.full((1, 10), 0.3, np.float32)
    prev_mid = np.full((1, 10), 0.1, np.float32)
    np.testing.assert_allclose(np.asarray(_closed_form_monotonic(jnp.asarray(p_mid), jnp.asarray(prev_mid))),
                               np.asarray(af.monotonic_attention(p_mid, prev_mid, np.ones((1, 10)))), atol=1e-6)


# --- the registry and one decoder step --------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(af.MECHANISMS))
def test_every_mechanism_steps_with_the_state_it_declares(name):
    B, S, n, m = 3, 7, 4, 6
    rng = np.random.default_rng(2)
    keys = rng.normal(size=(B, S, m)).astype(np.float32)
    query = rng.normal(size=(B, n)).astype(np.float32)
    mask = _mask([7, 5, 0], S)
    params = af.init_params(name, jax.random.PRNGKey(0), n, m)
    assert sum(np.size(w) for w in jax.tree_util.tree_leaves(params)) == af.count_params(name, n, m)
    state = af.init_state(mask)
    alpha, new_state = af.attention_step(name, params, query, keys, mask, state)
    alpha = np.asarray(alpha)
    assert alpha.shape == (B, S) and np.isfinite(alpha).all()
    assert (alpha[mask == 0] == 0).all() and (alpha.sum(-1) <= 1 + 1e-5).all()
    if af.MECHANISMS[name].sums_to_one:
        np.testing.assert_allclose(alpha[:2].sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(new_state[0], alpha)
    np.testing.assert_allclose(new_state[1], np.asarray(state[1]) + alpha)
    assert int(new_state[3]) == 1
    # a mechanism that does not declare the previous alignment must not read it
    other = (jnp.asarray(np.roll(np.asarray(state[0]), 2, -1)) * mask,) + tuple(state[1:])
    moved = np.asarray(af.attention_step(name, params, query, keys, mask, other)[0])
    reads_prev = 'prev_alpha' in af.MECHANISMS[name].state
    assert (np.abs(moved - alpha).max() > 1e-6) == reads_prev


def test_hard_monotonic_step_carries_the_position():
    mask = np.ones((2, 6), np.float32)
    params = af.init_params('monotonic', jax.random.PRNGKey(0), 4, 4)
    params['r'] = jnp.array(20.0)                                         # p ≈ 1: stop at once
    state = (jnp.zeros((2, 6)), jnp.zeros((2, 6)), jnp.array([0, 3]), jnp.array(0))
    keys = np.zeros((2, 6, 4), np.float32)
    alpha, (_, _, pos, _) = af.attention_step('monotonic', params, np.zeros((2, 4), np.float32),
                                              keys, mask, state, hard=True)
    np.testing.assert_array_equal(pos, [0, 3])
    np.testing.assert_array_equal(alpha, np.eye(6)[[0, 3]])


def test_bad_arguments_give_one_line_errors():
    e, mask = np.zeros((1, 6), np.float32), np.ones((1, 6), np.float32)
    cases = [(lambda: af.mechanism('cosine'), "unknown attention mechanism 'cosine'"),
             (lambda: af.init_params('nope', jax.random.PRNGKey(0), 4, 4), "choose one of"),
             (lambda: af.sharpened_softmax(e, mask, 0.0), "beta must be > 0"),
             (lambda: af.sharpened_softmax(e, mask, -1.0), "beta must be > 0"),
             (lambda: af.windowed_softmax(e, mask, mask / 6, 4), "wider than the input"),
             (lambda: af.windowed_softmax(e, mask, mask / 6, 0), "positive integer"),
             (lambda: af.local_attention(e, mask, jnp.zeros(1), 3, True), "wider than the input")]
    for call, message in cases:
        with pytest.raises(ValueError, match=message) as info:
            call()
        assert "\n" not in str(info.value)
