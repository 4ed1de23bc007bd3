"""The graded Transformer decoder (UNQ_C6–C7): a GPT-2 style language model.

    tokens (batch, L) int
    ShiftRight                     (batch, L)           start-of-sequence 0 in front, last dropped
    Embedding → Dropout → PosEnc   (batch, L, d_model)
    n_layers × DecoderBlock        (batch, L, d_model)  causal attention + feed-forward, residual
    LayerNorm → Dense → LogSoftmax (batch, L, vocab)    log-probabilities of the next token
"""
import trax_models  # noqa: F401  (compat before trax)

from trax import layers as tl

from trax_models.attention import CausalAttention

__all__ = ["DecoderBlock", "TransformerLM"]


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation):
    """One decoder block (UNQ_C6): two residual sub-layers, pre-LayerNorm.

    Input and output (batch, L, d_model). Returns a Python list of two ``tl.Residual``:
    causal self-attention, then the position-wise feed-forward network.
    """
    causal_attention = CausalAttention(d_model, n_heads=n_heads, mode=mode)
    feed_forward = [
        tl.LayerNorm(),
        tl.Dense(d_ff),                    # (batch, L, d_ff)
        ff_activation(),
        tl.Dropout(rate=dropout, mode=mode),
        tl.Dense(d_model),                 # (batch, L, d_model)
        tl.Dropout(rate=dropout, mode=mode),
    ]
    return [
        tl.Residual(tl.LayerNorm(), causal_attention, tl.Dropout(rate=dropout, mode=mode)),
        tl.Residual(feed_forward),
    ]


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode='train', ff_activation=tl.Relu):
    """The course's Transformer language model (UNQ_C7).

    Input: token ids (batch, L). Output: log-probabilities (batch, L, vocab_size); position t
    predicts token t from tokens < t (ShiftRight puts a 0 in front).
    Modes: 'train' (dropout on), 'eval', 'predict' (one token per call, state kept).
    """
    positional_encoder = [
        tl.Embedding(vocab_size, d_model),
        tl.Dropout(rate=dropout, mode=mode),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
    ]
    decoder_blocks = [DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation)
                      for _ in range(n_layers)]
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        positional_encoder,
        decoder_blocks,
        tl.LayerNorm(),
        tl.Dense(vocab_size),
        tl.LogSoftmax(),
    )
