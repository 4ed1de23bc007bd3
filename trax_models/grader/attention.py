"""Graders for UNQ_C1–C5 (DotProductAttention … CausalAttention), in the course's convention:
``test_DotProductAttention(DotProductAttention)`` prints each check and returns a Report.

Expected values are the course's check values; the hints come from computing the typical
mistakes (no √d scaling, the mask's polarity flipped, heads split in the wrong axis order, …)
with the reference in ``trax_models.attention`` and naming the one the learner's output equals.
"""
import jax
import numpy as np
from trax import shapes

from trax_models import attention as ref
from trax_models.grader._report import Fail, check_tree, compare_array, run

__all__ = ["test_DotProductAttention", "test_compute_attention_heads_closure",
           "test_dot_product_self_attention", "test_compute_attention_output_closure",
           "test_CausalAttention", "same_function", "forward"]

Q = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
K = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
V = np.array([[0, 1, 0], [1, 0, 1]], dtype=np.float32)


def _attention(q, k, v, mask, scale=True, axis=-1):
    """Attention with switches for the typical mistakes, in float32 like the learner's jnp
    code (so that rounding of fully masked rows is the same)."""
    q, k, v = (np.asarray(a, np.float32) for a in (q, k, v))
    if axis == -1:
        q = q if scale else q * np.float32(np.sqrt(q.shape[-1]))
        return np.asarray(ref.DotProductAttention(q, k, v, mask))
    dots = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        dots = np.where(mask, dots, -1e9)
    w = np.exp(dots - dots.max(axis=axis, keepdims=True))
    return ((w / w.sum(axis=axis, keepdims=True)) @ v).astype(np.float32)


def _attention_variants(q, k, v, mask):
    out = {"no scaling by √d (divide q·kᵀ by jnp.sqrt(depth))": _attention(q, k, v, mask, False),
           "softmax over the wrong axis (use axis=-1, the keys)": _attention(q, k, v, mask,
                                                                             axis=-2)}
    if mask is not None:
        out["mask polarity flipped (keep scores where mask is True, -1e9 where False)"] = (
            _attention(q, k, v, ~np.asarray(mask, bool)))
        out["mask ignored (where mask is False the score must become -1e9 before the softmax: "
            "jnp.where chooses between the scores and an array filled with -1e9)"] = (
            _attention(q, k, v, None))
    return out


def test_DotProductAttention(DotProductAttention, verbose=True):
    """UNQ_C1: values (the course's examples, with and without a batch axis), type, dtype."""
    mask = np.array([[True, True], [False, True]])
    causal = np.array([[[True, False], [True, True]]])

    def course_example():
        got = DotProductAttention(Q, K, V, mask)
        compare_array(got, [[0.8496746, 0.15032545, 0.8496746], [1.0, 0.0, 1.0]],
                      variants=lambda: _attention_variants(Q, K, V, mask))

    def batched_causal():
        got = DotProductAttention(Q[None], K[None], V[None], causal)
        compare_array(got, [[[0.0, 1.0, 0.0], [0.8496746, 0.15032543, 0.8496746]]],
                      variants=lambda: _attention_variants(Q[None], K[None], V[None],
                                                             causal))

    def random_batch():
        rng = np.random.default_rng(0)
        q, k, v = (rng.normal(size=(2, 4, 8)).astype(np.float32) for _ in range(3))
        m = np.tril(np.ones((1, 4, 4), bool))
        compare_array(DotProductAttention(q, k, v, m), _attention(q, k, v, m), atol=1e-5,
                      variants=lambda: _attention_variants(q, k, v, m))

    return run("DotProductAttention (UNQ_C1)", [
        ("the course's example (2 × 3, mask [[T, T], [F, T]])", course_example),
        ("with a batch axis and a causal mask", batched_causal),
        ("a random batch (2, 4, 8), depth 8: scaling by √8", random_batch),
    ], verbose)


def _split_variants(x, n_heads, d_head):
    b, s = x.shape[:2]
    return {
        "no transpose: between the two reshapes, jnp.transpose must bring the heads axis "
        "before the sequence axis, (batch, n_heads, seq, d_head)": x.reshape(-1, s, d_head),
        "heads split in the wrong axis order: reshape to (batch, seq, n_heads, d_head), not "
        "(batch, seq, d_head, n_heads)": x.reshape(b, s, d_head, n_heads).transpose(0, 3, 1, 2)
        .reshape(-1, s, d_head),
    }


def test_compute_attention_heads_closure(compute_attention_heads_closure, verbose=True):
    """UNQ_C2: (batch, seq, n_heads·d_head) → (batch·n_heads, seq, d_head), heads in order."""
    def case(batch, seqlen, n_heads, d_head):
        def check():
            x = np.arange(batch * seqlen * n_heads * d_head, dtype=np.float32).reshape(
                batch, seqlen, n_heads * d_head)
            split = compute_attention_heads_closure(n_heads, d_head)
            if not callable(split):
                raise Fail("the closure must return a function", "a function",
                           type(split).__name__, "return compute_attention_heads (no call)")
            expected = np.asarray(ref.compute_attention_heads_closure(n_heads, d_head)(x))
            compare_array(split(x), expected, variants=_split_variants(x, n_heads, d_head))
        return (f"batch {batch}, seq {seqlen}, {n_heads} heads of {d_head}", check)
    return run("compute_attention_heads_closure (UNQ_C2)",
               [case(3, 2, 2, 3), case(2, 4, 3, 2), case(1, 5, 4, 5)], verbose)


def test_dot_product_self_attention(dot_product_self_attention, verbose=True):
    """UNQ_C3: the course's values (depth 3 and 6) and a longer random case."""
    cat = lambda a: np.concatenate([a, a], axis=-1)[None]  # noqa: E731

    def variants(q, k, v):
        n = q.shape[-2]
        return {"mask polarity flipped: the causal mask is jnp.tril (key j ≤ query i), not "
                "its complement": _attention(q, k, v, ~np.tril(np.ones((1, n, n), bool))),
                "upper-triangular mask (use jnp.tril, k=0)": _attention(
                    q, k, v, np.triu(np.ones((1, n, n), bool))),
                "no causal mask": _attention(q, k, v, None),
                "mask excludes the diagonal (use k=0)": _attention(
                    q, k, v, np.tril(np.ones((1, n, n), bool), -1)),
                **_attention_variants(q, k, v, np.tril(np.ones((1, n, n), bool)))}

    def course_values():
        compare_array(dot_product_self_attention(Q[None], K[None], V[None]),
                      [[[0.0, 1.0, 0.0], [0.8496746, 0.15032543, 0.8496746]]],
                      variants=lambda: variants(Q[None], K[None], V[None]))

    def course_values_depth_6():
        compare_array(dot_product_self_attention(cat(Q), cat(K), cat(V)),
                      [[[0, 1, 0, 0, 1, 0],
                        [0.9205239, 0.07947586, 0.9205239, 0.9205239, 0.07947586, 0.9205239]]],
                      variants=lambda: variants(cat(Q), cat(K), cat(V)))

    def random_longer():
        rng = np.random.default_rng(1)
        q, k, v = (rng.normal(size=(4, 6, 4)).astype(np.float32) for _ in range(3))
        compare_array(dot_product_self_attention(q, k, v),
                      _attention(q, k, v, np.tril(np.ones((1, 6, 6), bool))), atol=1e-5,
                      variants=lambda: variants(q, k, v))

    return run("dot_product_self_attention (UNQ_C3)", [
        ("the course's example", course_values),
        ("the course's example at depth 6", course_values_depth_6),
        ("batch·heads 4, length 6: only positions ≤ i", random_longer),
    ], verbose)


def test_compute_attention_output_closure(compute_attention_output_closure, verbose=True):
    """UNQ_C4: the inverse of UNQ_C2: (batch·n_heads, seq, d_head) → (batch, seq, d_feature)."""
    def case(batch, seqlen, n_heads, d_head):
        def check():
            x = np.arange(batch * seqlen * n_heads * d_head, dtype=np.float32).reshape(
                batch, seqlen, n_heads * d_head)
            heads = np.asarray(ref.compute_attention_heads_closure(n_heads, d_head)(x))
            merge = compute_attention_output_closure(n_heads, d_head)
            if not callable(merge):
                raise Fail("the closure must return a function", "a function",
                           type(merge).__name__, "return compute_attention_output (no call)")
            wrong = {"does not invert the split: no transpose back to (batch, seq, n_heads, "
                     "d_head) before the last reshape":
                     heads.reshape(batch, seqlen, n_heads * d_head),
                     "does not invert the split: heads put back in the wrong axis order": heads
                     .reshape(batch, n_heads, seqlen, d_head).transpose(0, 2, 3, 1)
                     .reshape(batch, seqlen, n_heads * d_head)}
            compare_array(merge(heads), x, variants=wrong)
        return (f"merge(split(x)) == x: batch {batch}, seq {seqlen}, {n_heads} heads of "
                f"{d_head}", check)
    return run("compute_attention_output_closure (UNQ_C4)",
               [case(3, 2, 2, 3), case(2, 4, 3, 2), case(1, 5, 4, 5)], verbose)


def _attention_tree(d):
    return (f"Serial[ Branch_out3[ [Dense_{d}, AttnHeads] [Dense_{d}, AttnHeads] "
            f"[Dense_{d}, AttnHeads] ] DotProductAttn_in3 AttnOutput Dense_{d} ]")


def same_function(layer, reference, x, what, atol=1e-5):
    """Fail unless ``layer`` (learner's) with ``reference``'s weights computes ``reference(x)``."""
    sig = shapes.signature(x)
    reference.init(sig, rng=jax.random.PRNGKey(0))
    layer.init(sig, rng=jax.random.PRNGKey(1))
    want = [w.shape for w in jax.tree_util.tree_leaves(reference.weights)]
    have = [w.shape for w in jax.tree_util.tree_leaves(layer.weights)]
    if want != have:
        raise Fail(f"{what}: the weights differ from the course's", expected=str(want),
                   got=str(have), hint="the tree must be the course's (see the tree check)")
    layer.weights = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(layer.weights),
                                                 jax.tree_util.tree_leaves(reference.weights))
    compare_array(forward(layer, x), forward(reference, x), atol=atol, what=f"{what} output")


def forward(layer, x):
    """``layer(x)`` as one compiled program: op by op, the first call of even a small model
    compiles each operation (seconds); compiled, it is one program that JAX's persistent cache
    keeps for the next grading run. A layer whose code cannot be traced (a NumPy call on a
    traced array) runs op by op as is: its result, or its error, is the learner's to see."""
    rng = getattr(layer, "rng", None)
    rng = jax.random.PRNGKey(0) if rng is None else rng
    try:
        run_once = jax.jit(lambda inputs, weights, state: layer.pure_fn(inputs, weights, state,
                                                                        rng)[0])
        return run_once(x, layer.weights, layer.state)
    except Exception:
        return layer(x)


def test_CausalAttention(CausalAttention, verbose=True):
    """UNQ_C5: the course's tree (512 features, 8 heads), and the same outputs as the reference
    layer given the same weights (which checks the wiring of UNQ_C2–C4 inside)."""
    def tree(d, h, mode):
        return (f"tree of CausalAttention({d}, n_heads={h}, mode={mode!r})",
                lambda: check_tree(CausalAttention(d, n_heads=h, mode=mode), _attention_tree(d),
                                   "CausalAttention"))

    def outputs():
        # the shapes of the DecoderBlock and TransformerLM checks: their operations, compiled
        # here once, are reused there
        x = np.random.default_rng(0).normal(size=(2, 8, 16)).astype(np.float32)
        same_function(CausalAttention(16, n_heads=4, mode="eval"),
                      ref.CausalAttention(16, n_heads=4, mode="eval"), x,
                      "CausalAttention(16, 4)")

    def rejects_indivisible():
        try:
            CausalAttention(10, n_heads=3)
        except AssertionError:
            return
        raise Fail("d_feature=10, n_heads=3 was accepted", "AssertionError", "a layer",
                   "keep the course's assert d_feature % n_heads == 0")

    return run("CausalAttention (UNQ_C5)", [
        tree(512, 8, "train"), tree(16, 4, "eval"),
        ("outputs equal the reference's with the same weights (16 features, 4 heads)", outputs),
        ("d_feature not divisible by n_heads is refused", rejects_indivisible),
    ], verbose)
