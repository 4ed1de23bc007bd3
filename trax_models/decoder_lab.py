"""Lab 2, "The Transformer Decoder": the same GPT-2 style decoder built on ``tl.CausalAttention``.

The lab assembles the model from library attention; the graded assignment (``model.py``) swaps in
the course's own ``CausalAttention``. Both share ``PositionalEncoder`` and ``FeedForward`` (defined
in ``model.py``), so the two models have the same weights in the same leaf order: a checkpoint
saved from ``model.TransformerLM`` loads into this one with ``init_from_file`` and gives the same
outputs (tests/test_decoder_lab.py) — proof that our attention equals the library's.

    tokens (batch, L) int
    ShiftRight → PositionalEncoder   (batch, L, d_model)
    n_layers × DecoderBlock          (batch, L, d_model)  Residual(LayerNorm, tl.CausalAttention)
                                                          Residual(FeedForward)
    LayerNorm → Dense → LogSoftmax   (batch, L, vocab)

Weight trees differ only in nesting: ``tl.CausalAttention`` wraps its Branch/heads layers in
extra ``Serial``s, so the trees are not ``==``, but their flattened leaves (q, k, v, output Dense
kernels and biases, in that order) match one to one; trax checkpoints store exactly that flat
leaf list. ``load_weights_from`` does the same mapping in memory.
"""

from trax import layers as tl

from trax_models.model import FeedForward, PositionalEncoder, decoder_language_model
from trax_models.weights import flat_weights, load_flat_weights

__all__ = ["PositionalEncoder", "FeedForward", "DecoderBlock", "TransformerLM", "load_weights_from"]


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation):
    """The lab's decoder block on ``tl.CausalAttention``: (batch, L, d_model) → same.

    Returns a list of two ``tl.Residual``: [LayerNorm, tl.CausalAttention (attention-weight
    dropout in train mode)] and [FeedForward]. Modes: 'train', 'eval', 'predict' (the library's
    own KV cache).
    """
    return [
        tl.Residual(
            tl.LayerNorm(),
            tl.CausalAttention(d_model, n_heads=n_heads, dropout=dropout, mode=mode),
        ),
        tl.Residual(FeedForward(d_model, d_ff, dropout, mode, ff_activation)),
    ]


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode='train', ff_activation=tl.Relu):
    """The lab's Transformer language model: tokens (batch, L) → log-probs (batch, L, vocab)."""
    decoder_blocks = [DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation)
                      for _ in range(n_layers)]
    return decoder_language_model(decoder_blocks, vocab_size, d_model, dropout, max_len, mode)


def load_weights_from(target, source_weights):
    """Copies weights between models whose weight trees have the same leaves in the same order.

    E.g. ``model.TransformerLM`` → ``decoder_lab.TransformerLM`` or ``trax.models.TransformerLM``
    (which has no LogSoftmax, a layer without weights). ``target`` must be initialised (its tree
    gives the structure). Raises UserError naming the first weight whose shape differs.
    """
    load_flat_weights(target, flat_weights(source_weights), "the source model")
