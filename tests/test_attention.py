"""Graded-style checks for the Trax attention stack (UNQ_C1–C5) plus properties that can fail."""
import re

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from trax import layers as tl
from trax import shapes

from trax_models import attention as att
from trax_models import numpy_attention as na

Q = np.array([[[1, 0, 0], [0, 1, 0]]], dtype=np.float32)
K = np.array([[[1, 2, 3], [4, 5, 6]]], dtype=np.float32)
V = np.array([[[0, 1, 0], [1, 0, 1]]], dtype=np.float32)
floats = st.floats(-3, 3, allow_nan=False, width=32)


def _squash(s):
    return re.sub(r"\s+", "", s)


# --- UNQ_C1 DotProductAttention ---------------------------------------------------------------

def test_dot_product_attention_values_type_dtype():
    mask = np.array([[[True, False], [True, True]]])
    out = att.DotProductAttention(Q, K, V, mask)
    assert isinstance(out, jax.Array)
    assert out.dtype == np.float32 and out.shape == (1, 2, 3)
    np.testing.assert_allclose(out, [[[0., 1., 0.], [0.8496746, 0.15032543, 0.8496746]]],
                               atol=1e-6)


def test_dot_product_attention_without_mask_attends_everywhere():
    out = att.DotProductAttention(Q, K, V, None)
    expected = na.DotProductAttention(Q.astype(float), K.astype(float), V.astype(float), None)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_dot_product_attention_rejects_mismatched_dims():
    with pytest.raises(AssertionError, match="aren't all the same"):
        att.DotProductAttention(Q, K[..., :2], V, None)


# --- UNQ_C3 dot_product_self_attention ---------------------------------------------------------

def test_self_attention_course_values():
    out = att.dot_product_self_attention(Q, K, V)
    assert isinstance(out, jax.Array) and out.dtype == np.float32
    np.testing.assert_allclose(out, [[[0., 1., 0.], [0.8496746, 0.15032543, 0.8496746]]],
                               atol=1e-6)


def test_self_attention_course_values_doubled_depth():
    cat = lambda a: np.concatenate([a, a], axis=-1)  # noqa: E731
    out = att.dot_product_self_attention(cat(Q), cat(K), cat(V))
    expected = [[[0, 1, 0, 0, 1, 0],
                 [0.9205239, 0.07947586, 0.9205239, 0.9205239, 0.07947586, 0.9205239]]]
    np.testing.assert_allclose(out, expected, atol=1e-6)


# --- UNQ_C2 / UNQ_C4 head closures ---------------------------------------------------------------

@pytest.mark.parametrize("batch", [2, 3])
def test_attention_heads_closure_shapes(batch):
    split = att.compute_attention_heads_closure(2, 3)
    x = np.arange(batch * 2 * 6, dtype=np.float32).reshape(batch, 2, 6)
    assert split(x).shape == (batch * 2, 2, 3)


def test_attention_output_closure_shape():
    merge = att.compute_attention_output_closure(2, 3)
    assert merge(np.zeros((6, 2, 3), np.float32)).shape == (3, 2, 6)


def test_heads_closure_layout_matches_numpy_split():
    x = np.random.default_rng(0).normal(size=(2, 4, 6)).astype(np.float32)
    ours = att.compute_attention_heads_closure(3, 2)(x)
    np.testing.assert_array_equal(ours, na.split_heads(x, 3).reshape(6, 4, 2))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 5), st.sampled_from([(1, 4), (2, 3), (4, 2)]), st.data())
def test_split_then_merge_is_identity(batch, length, heads_dhead, data):
    n_heads, d_head = heads_dhead
    x = data.draw(hnp.arrays(np.float32, (batch, length, n_heads * d_head), elements=floats))
    split = att.compute_attention_heads_closure(n_heads, d_head)(x)
    merged = att.compute_attention_output_closure(n_heads, d_head)(split)
    np.testing.assert_array_equal(merged, x)


# --- properties --------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 6), st.integers(1, 4), st.data())
def test_trax_and_numpy_attention_agree(batch, length, depth, data):
    q, k, v = (data.draw(hnp.arrays(np.float32, (batch, length, depth), elements=floats))
               for _ in range(3))
    ours = att.dot_product_self_attention(q, k, v)
    ref = na.dot_product_self_attention(q.astype(np.float64), k.astype(np.float64),
                                        v.astype(np.float64))
    np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=1e-5)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.data())
def test_trax_self_attention_causal_no_leak(length, data):
    q, k, v = (data.draw(hnp.arrays(np.float32, (2, length, 3), elements=floats)) for _ in range(3))
    i = data.draw(st.integers(0, length - 2))
    out = np.asarray(att.dot_product_self_attention(q, k, v))
    q2, k2, v2 = q.copy(), k.copy(), v.copy()
    for arr in (q2, k2, v2):
        arr[:, i + 1:] = data.draw(hnp.arrays(np.float32, arr[:, i + 1:].shape, elements=floats))
    out2 = np.asarray(att.dot_product_self_attention(q2, k2, v2))
    np.testing.assert_array_equal(out[:, :i + 1], out2[:, :i + 1])


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.data())
def test_trax_attention_rows_sum_to_one(length, data):
    # value = identity (depth = length) makes the output equal to the attention weights.
    q = data.draw(hnp.arrays(np.float32, (1, length, length), elements=floats))
    k = data.draw(hnp.arrays(np.float32, (1, length, length), elements=floats))
    weights = np.asarray(att.dot_product_self_attention(q, k, np.eye(length, dtype=np.float32)[None]))
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(weights[0], k=1) == 0)


# --- UNQ_C5 CausalAttention --------------------------------------------------------------------

def test_causal_attention_tree_is_the_courses():
    expected = ("Serial[ Branch_out3[ [Dense_512, AttnHeads] [Dense_512, AttnHeads] "
                "[Dense_512, AttnHeads] ] DotProductAttn_in3 AttnOutput Dense_512 ]")
    assert _squash(str(att.CausalAttention(512, 8))) == _squash(expected)
    assert _squash(str(att.CausalAttention(512, 8, mode='eval'))) == _squash(expected)


def test_causal_attention_rejects_indivisible_width():
    with pytest.raises(AssertionError):
        att.CausalAttention(10, 3)


def test_causal_attention_equals_trax_library_layer():
    """Same Dense weights → same outputs as tl.CausalAttention (its scaling/masking agree)."""
    x = np.random.default_rng(0).normal(size=(2, 5, 8)).astype(np.float32)
    ours = att.CausalAttention(8, 2, mode='eval')
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    lib = tl.CausalAttention(8, n_heads=2, mode='eval')
    lib.init(shapes.signature(x))
    # Leaves in both trees are Wq, bq, Wk, bk, Wv, bv, Wo, bo in this order.
    leaves = jax.tree_util.tree_leaves(ours.weights)
    assert [w.shape for w in leaves] == [w.shape for w in jax.tree_util.tree_leaves(lib.weights)]
    lib.weights = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(lib.weights), leaves)
    np.testing.assert_allclose(ours(x), lib(x), atol=1e-6)
