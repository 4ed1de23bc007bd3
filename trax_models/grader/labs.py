"""Graders for the labs' "your turn" cells.

Lab 1 (NumPy): ``softmax``, ``DotProductAttention`` (boolean mask, ``scale`` flag),
``dot_product_self_attention`` — compared with ``trax_models.numpy_attention``.
Lab 2 (Trax, on the library's ``tl.CausalAttention``): ``FeedForward``, ``DecoderBlock``,
``TransformerLM`` — the printed trees and the outputs of ``trax_models.decoder_lab`` /
``trax_models.model`` given the same weights.
"""
import numpy as np
from trax import layers as tl

from trax_models import decoder_lab
from trax_models import numpy_attention as na
from trax_models.grader._report import Fail, check_tree, compare_array, run
from trax_models.grader.attention import same_function

__all__ = ["test_softmax", "test_numpy_DotProductAttention",
           "test_numpy_dot_product_self_attention", "test_FeedForward", "test_lab_DecoderBlock",
           "test_lab_TransformerLM"]

Q = np.array([[1, 0, 0], [0, 1, 0]], dtype=float)
K = np.array([[1, 2, 3], [4, 5, 6]], dtype=float)
V = np.array([[0, 1, 0], [1, 0, 1]], dtype=float)


def _np(got, expected, variants=None):
    compare_array(got, expected, want_jax=False, dtype=None, variants=variants)


def test_softmax(softmax, verbose=True):
    """softmax(x, axis=-1): rows sum to 1, stable for large inputs, along ``axis``."""
    x = np.array([[0.57735027, 2.30940108], [1.15470054, 2.88675135]])

    def values():
        _np(softmax(x), na.softmax(x), {"softmax over the wrong axis (use axis=-1)":
                                        na.softmax(x, axis=0)})

    def stable():
        with np.errstate(all="ignore"):
            got = softmax(np.array([1000.0, 1000.0, -1000.0]))
        if not np.all(np.isfinite(got)):
            raise Fail("overflow: exp(1000) is inf", "[0.5, 0.5, 0.]", str(got),
                       "subtract the log-sum-exp (or the max) before exp: "
                       "np.exp(x - logsumexp(x, axis, keepdims=True))")
        _np(got, [0.5, 0.5, 0.0])

    def axis():
        _np(softmax(x, axis=0), na.softmax(x, axis=0))

    return run("softmax (Lab 1)", [("the lab's scores", values),
                                   ("[1000, 1000, -1000]: no overflow", stable),
                                   ("axis=0", axis)], verbose)


def test_numpy_DotProductAttention(DotProductAttention, verbose=True):
    """Lab 1's NumPy attention: the lab's example, a batch, scale=False."""
    mask = np.array([[True, True], [False, True]])

    def variants(q, k, v, m):
        return {"no scaling by √d": na.DotProductAttention(q, k, v, m, scale=False),
                "mask polarity flipped (True = may attend)":
                    na.DotProductAttention(q, k, v, ~m),
                "mask ignored": na.DotProductAttention(q, k, v, None)}

    def example():
        _np(DotProductAttention(Q, K, V, mask), na.DotProductAttention(Q, K, V, mask),
            variants(Q, K, V, mask))

    def batch():
        rng = np.random.default_rng(0)
        q, k, v = (rng.normal(size=(2, 4, 8)) for _ in range(3))
        m = na.causal_mask(4)
        _np(DotProductAttention(q, k, v, m), na.DotProductAttention(q, k, v, m),
            variants(q, k, v, m))

    def unscaled():
        _np(DotProductAttention(Q, K, V, mask, scale=False),
            na.DotProductAttention(Q, K, V, mask, scale=False))

    return run("DotProductAttention (Lab 1, NumPy)", [
        ("the lab's example", example), ("a batch (2, 4, 8) with a causal mask", batch),
        ("scale=False", unscaled)], verbose)


def test_numpy_dot_product_self_attention(dot_product_self_attention, verbose=True):
    """Lab 1's causal self-attention: the course's value, and no look-ahead."""
    def course():
        _np(dot_product_self_attention(Q[None], K[None], V[None]),
            [[[0.0, 1.0, 0.0], [0.8496746, 0.15032543, 0.8496746]]],
            {"mask polarity flipped / upper-triangular (use np.tril)": na.DotProductAttention(
                Q[None], K[None], V[None], np.triu(np.ones((1, 2, 2), bool))),
             "no causal mask": na.DotProductAttention(Q[None], K[None], V[None], None)})

    def longer():
        rng = np.random.default_rng(1)
        q, k, v = (rng.normal(size=(3, 6, 4)) for _ in range(3))
        _np(dot_product_self_attention(q, k, v), na.dot_product_self_attention(q, k, v),
            {"no causal mask": na.DotProductAttention(q, k, v, None)})

    return run("dot_product_self_attention (Lab 1, NumPy)", [
        ("the course's example", course), ("length 6: only positions ≤ i", longer)], verbose)


FF_TREE = "Serial[ LayerNorm Dense_{d_ff} Serial[ Relu ] Dropout Dense_{d} Dropout ]"


def test_FeedForward(FeedForward, verbose=True):
    """Lab 2: [LayerNorm, Dense(d_ff), activation, Dropout, Dense(d_model), Dropout]."""
    def tree(d, d_ff):
        def check():
            ff = FeedForward(d_model=d, d_ff=d_ff, dropout=0.1, mode="train",
                             ff_activation=tl.Relu)
            if not isinstance(ff, list):
                raise Fail("FeedForward returns a Python list of layers", "list",
                           type(ff).__name__, "return [tl.LayerNorm(), tl.Dense(d_ff), ...]")
            check_tree(tl.Serial(ff), FF_TREE.format(d=d, d_ff=d_ff), "FeedForward")
        return f"tree of FeedForward({d}, {d_ff})", check
    return run("FeedForward (Lab 2)", [tree(512, 2048), tree(16, 32)], verbose)


def test_lab_DecoderBlock(DecoderBlock, verbose=True):
    """Lab 2's block on tl.CausalAttention: the tree and the outputs of decoder_lab's."""
    def tree():
        args = dict(d_model=512, d_ff=2048, n_heads=8, dropout=0.1, mode="train",
                    ff_activation=tl.Relu)
        check_tree(tl.Serial(DecoderBlock(**args)), str(tl.Serial(decoder_lab.DecoderBlock(
            **args))), "DecoderBlock (Lab 2)")

    def outputs():
        args = dict(d_model=16, d_ff=32, n_heads=4, dropout=0.1, mode="eval",
                    ff_activation=tl.Relu)
        x = np.random.default_rng(0).normal(size=(2, 5, 16)).astype(np.float32)
        same_function(tl.Serial(DecoderBlock(**args)),
                      tl.Serial(decoder_lab.DecoderBlock(**args)), x, "DecoderBlock (Lab 2)")

    return run("DecoderBlock (Lab 2)", [("the lab's tree (512, 2048, 8 heads)", tree),
                                        ("outputs equal the lab's with the same weights",
                                         outputs)], verbose)


def test_lab_TransformerLM(TransformerLM, verbose=True):
    """Lab 2's language model: the one-layer tree, and the outputs of decoder_lab's."""
    def tree():
        check_tree(TransformerLM(n_layers=1), str(decoder_lab.TransformerLM(n_layers=1)),
                   "TransformerLM (Lab 2)")

    def outputs():
        args = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=2, n_heads=4, dropout=0.0,
                    max_len=32, mode="eval")
        tokens = np.random.default_rng(0).integers(2, 40, size=(2, 8)).astype(np.int32)
        same_function(TransformerLM(**args), decoder_lab.TransformerLM(**args), tokens,
                      "TransformerLM (Lab 2)", atol=1e-4)

    return run("TransformerLM (Lab 2)", [("the lab's tree, n_layers=1", tree),
                                         ("outputs equal the lab's with the same weights",
                                          outputs)], verbose)
