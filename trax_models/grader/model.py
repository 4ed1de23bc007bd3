"""Graders for UNQ_C6 DecoderBlock and UNQ_C7 TransformerLM: the course's printed trees
(whitespace ignored, as the course compares them) at the course's size, where building the
layer is cheap, and small configurations that run: the same log-probabilities as the
reference in ``trax_models.model`` given the same weights.
"""
import numpy as np
import trax
from trax import layers as tl

from trax_models import model as ref
from trax_models.grader._report import Fail, check_tree, run
from trax_models.grader.attention import _attention_tree, forward, same_function

__all__ = ["test_DecoderBlock", "test_TransformerLM", "decoder_block_trees",
           "transformer_lm_tree"]


def decoder_block_trees(d_model, d_ff):
    """The two residual sub-layers as the course prints them (trax 1.4.1: ``Serial[Relu]``)."""
    attention = (f"Serial[ Branch_out2[ None Serial[ LayerNorm {_attention_tree(d_model)} "
                 f"Dropout ] ] Add_in2 ]")
    feed_forward = (f"Serial[ Branch_out2[ None Serial[ LayerNorm Dense_{d_ff} Serial[ Relu ] "
                    f"Dropout Dense_{d_model} Dropout ] ] Add_in2 ]")
    return attention, feed_forward


def transformer_lm_tree(vocab_size, d_model, d_ff, n_layers=1):
    attention, feed_forward = decoder_block_trees(d_model, d_ff)
    blocks = " ".join([attention, feed_forward] * n_layers)
    return (f"Serial[ Serial[ ShiftRight(1) ] Embedding_{vocab_size}_{d_model} Dropout "
            f"PositionalEncoding {blocks} LayerNorm Dense_{vocab_size} LogSoftmax ]")


def test_DecoderBlock(DecoderBlock, verbose=True):
    """UNQ_C6: a list of two tl.Residual; the course's tree; the reference's outputs."""
    def tree(d_model, d_ff, n_heads, mode):
        def check():
            block = DecoderBlock(d_model=d_model, d_ff=d_ff, n_heads=n_heads, dropout=0.1,
                                 mode=mode, ff_activation=tl.Relu)
            if not isinstance(block, list) or len(block) != 2:
                raise Fail("DecoderBlock must return a Python list of two layers",
                           "[tl.Residual(...), tl.Residual(...)]", repr(type(block).__name__),
                           "return a list of two tl.Residual layers: the attention sub-layer, "
                           "then the feed-forward one")
            attention, feed_forward = decoder_block_trees(d_model, d_ff)
            check_tree(tl.Serial(block), f"Serial[ {attention} {feed_forward} ]",
                       "DecoderBlock")
        return f"tree of DecoderBlock(d_model={d_model}, d_ff={d_ff}, mode={mode!r})", check

    def outputs():
        x = np.random.default_rng(0).normal(size=(2, 8, 16)).astype(np.float32)
        args = dict(d_model=16, d_ff=32, n_heads=4, dropout=0.1, mode="eval",
                    ff_activation=tl.Relu)
        same_function(tl.Serial(DecoderBlock(**args)), tl.Serial(ref.DecoderBlock(**args)), x,
                      "DecoderBlock(16, 32, 4 heads)")

    return run("DecoderBlock (UNQ_C6)", [
        tree(512, 2048, 8, "train"), tree(16, 32, 4, "eval"),
        ("outputs equal the reference's with the same weights", outputs),
    ], verbose)


def test_TransformerLM(TransformerLM, verbose=True):
    """UNQ_C7: the course's one-layer tree (33300 × 512) and defaults, a small model's tree and
    its log-probabilities against the reference with the same weights."""
    def course_tree():
        lm = TransformerLM(n_layers=1)
        if not isinstance(lm, tl.Serial):
            raise Fail("TransformerLM must return a tl.Serial", "tl.Serial", type(lm).__name__,
                       "return tl.Serial(ShiftRight, PositionalEncoder, blocks, LayerNorm, "
                       "Dense, LogSoftmax)")
        check_tree(lm, transformer_lm_tree(33300, 512, 2048), "TransformerLM(n_layers=1)")

    def defaults():
        lm = TransformerLM()
        expected = 4 + 6 * 2 + 3
        if len(lm.sublayers) != expected:
            raise Fail("the default model has the wrong number of sub-layers",
                       f"{expected} (ShiftRight, Embedding, Dropout, PositionalEncoding, 6 × 2 "
                       f"residuals, LayerNorm, Dense, LogSoftmax)", str(len(lm.sublayers)),
                       "keep the defaults n_layers=6 and unpack each DecoderBlock's list into "
                       "the Serial (a list of blocks is flattened by tl.Serial)")

    def small_tree():
        lm = TransformerLM(vocab_size=100, d_model=16, d_ff=32, n_layers=2, n_heads=4,
                           dropout=0.05, max_len=64, mode="eval")
        check_tree(lm, transformer_lm_tree(100, 16, 32, n_layers=2), "TransformerLM (small)")

    # one small model for the two checks that run one (the same shapes: compiled once)
    small = dict(vocab_size=50, d_model=16, d_ff=32, n_layers=2, n_heads=4, dropout=0.0,
                 max_len=64, mode="eval")
    tokens = np.random.default_rng(0).integers(2, 50, size=(2, 8)).astype(np.int32)

    def outputs():
        same_function(TransformerLM(**small), ref.TransformerLM(**small), tokens,
                      "TransformerLM(vocab 50, d_model 16, 2 layers)", atol=1e-4)

    def log_probabilities():
        lm = TransformerLM(**small)
        lm.init(trax.shapes.signature(tokens))
        total = np.exp(np.asarray(forward(lm, tokens))).sum(-1)
        if not np.allclose(total, 1.0, atol=1e-4):
            raise Fail("the outputs are not log-probabilities", "exp(output).sum(-1) == 1",
                       np.array2string(total, precision=4),
                       "end with tl.LogSoftmax() after Dense(vocab_size)")

    return run("TransformerLM (UNQ_C7)", [
        ("the course's tree, n_layers=1", course_tree),
        ("the course's defaults: 6 layers", defaults),
        ("tree of a small 2-layer model", small_tree),
        ("outputs are log-probabilities", log_probabilities),
        ("outputs equal the reference's with the same weights", outputs),
    ], verbose)
