"""Lab 1 checks: NumPy scaled dot-product attention, causal masking, multi-head attention."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trax_models import numpy_attention as na

Q = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float64)
K = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float64)
V = np.array([[0, 1, 0], [1, 0, 1]], dtype=np.float64)

floats = st.floats(-3, 3, allow_nan=False, width=64)


def test_course_check_value():
    out = na.dot_product_self_attention(Q, K, V)
    expected = np.array([[[0, 1, 0], [0.84967455, 0.15032545, 0.84967455]]])
    assert out.shape == (1, 2, 3)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-8)


def test_causal_mask_shape_and_values():
    mask = na.causal_mask(4)
    assert mask.shape == (1, 4, 4) and mask.dtype == np.bool_
    np.testing.assert_array_equal(mask[0], np.tril(np.ones((4, 4), bool)))


def test_scale_false_means_depth_one():
    mask = np.ones((2, 2), bool)
    unscaled = na.DotProductAttention(Q, K, V, mask, scale=False)
    by_hand = na.softmax(Q @ K.T) @ V
    np.testing.assert_allclose(unscaled, by_hand)
    assert not np.allclose(unscaled, na.DotProductAttention(Q, K, V, mask))


def test_masked_key_gets_no_weight():
    mask = np.array([[True, False], [True, False]])
    out = na.DotProductAttention(Q, K, V, mask)
    np.testing.assert_allclose(out, np.stack([V[0], V[0]]), atol=1e-12)


def test_mismatched_depth_is_rejected():
    with pytest.raises(AssertionError, match="last dimension"):
        na.DotProductAttention(Q, K[:, :2], V, None)


def test_softmax_is_stable_for_large_scores():
    x = np.array([[1000.0, 1000.0, -1000.0]])
    np.testing.assert_allclose(na.softmax(x), [[0.5, 0.5, 0.0]])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.data())
def test_attention_weights_rows_sum_to_one(length, data):
    # With value = identity (so depth = length) the output *is* the weight matrix.
    q = data.draw(hnp.arrays(np.float64, (length, length), elements=floats))
    k = data.draw(hnp.arrays(np.float64, (length, length), elements=floats))
    mask = data.draw(hnp.arrays(np.bool_, (length, length)))
    mask[:, data.draw(st.integers(0, length - 1))] = True  # every row keeps a key
    weights = na.DotProductAttention(q, k, np.eye(length), mask)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-9)
    assert np.all(weights[~mask] < 1e-300)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 7), st.integers(1, 4), st.data())
def test_causal_no_leak(length, depth, data):
    q, k, v = (data.draw(hnp.arrays(np.float64, (1, length, depth), elements=floats))
               for _ in range(3))
    i = data.draw(st.integers(0, length - 2))
    out = na.dot_product_self_attention(q, k, v)
    k2, v2, q2 = k.copy(), v.copy(), q.copy()
    for arr in (q2, k2, v2):  # change everything after position i
        arr[:, i + 1:] += 1.0 + data.draw(floats)
    out2 = na.dot_product_self_attention(q2, k2, v2)
    np.testing.assert_allclose(out[:, :i + 1], out2[:, :i + 1], rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(1, 5), st.sampled_from([(1, 4), (2, 3), (4, 2), (3, 1)]),
       st.data())
def test_split_merge_identity(batch, length, heads_dhead, data):
    n_heads, d_head = heads_dhead
    x = data.draw(hnp.arrays(np.float64, (batch, length, n_heads * d_head), elements=floats))
    split = na.split_heads(x, n_heads)
    assert split.shape == (batch, n_heads, length, d_head)
    np.testing.assert_array_equal(na.merge_heads(split), x)


def test_split_heads_rejects_indivisible_width():
    with pytest.raises(ValueError, match="divisible"):
        na.split_heads(np.zeros((1, 2, 5)), 2)


def test_multi_head_attention_equals_per_head_loop():
    rng = np.random.default_rng(0)
    batch, length, d_model, n_heads = 2, 5, 8, 2
    x = rng.normal(size=(batch, length, d_model))
    w_q, w_k, w_v, w_o = (rng.normal(size=(d_model, d_model)) for _ in range(4))
    out = na.multi_head_attention(x, x, w_q, w_k, w_v, w_o, n_heads, mask=na.causal_mask(length))
    assert out.shape == (batch, length, d_model)
    d_head = d_model // n_heads
    heads = []
    for h in range(n_heads):  # the textbook definition, one head at a time
        cols = slice(h * d_head, (h + 1) * d_head)
        heads.append(na.dot_product_self_attention(x @ w_q[:, cols], x @ w_k[:, cols],
                                                   x @ w_v[:, cols]))
    np.testing.assert_allclose(out, np.concatenate(heads, axis=-1) @ w_o, rtol=1e-10)


def test_multi_head_cross_attention_shapes():
    rng = np.random.default_rng(1)
    w = [rng.normal(size=(4, 4)) for _ in range(4)]
    out = na.multi_head_attention(rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 7, 4)), *w,
                                  n_heads=2)
    assert out.shape == (3, 2, 4)
