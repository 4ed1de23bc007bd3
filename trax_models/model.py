"""The graded Transformer decoder (UNQ_C6–C7): a GPT-2 style language model.

    tokens (batch, L) int
    ShiftRight                     (batch, L)           start-of-sequence 0 in front, last dropped
    Embedding → Dropout → PosEnc   (batch, L, d_model)  PositionalEncoder (Lab 2)
    n_layers × DecoderBlock        (batch, L, d_model)  causal attention + FeedForward, residual
    LayerNorm → Dense → LogSoftmax (batch, L, vocab)    log-probabilities of the next token

Modes: 'train' (dropout on), 'eval', and 'predict' — fast decoding with a key/value cache in
every attention layer. One checkpoint serves all three: the weight trees are identical.

Predict mode, step by step::

    eval_model = TransformerLM(..., mode='eval')                # or the trained model
    predict = TransformerLM(..., mode='predict')                 # same config
    start_state = init_predict(predict, eval_model.weights, batch_size=batch)  # the empty cache
    predict.state = start_state                                  # reset before each prompt
    log_probs = predict(prompt)     # prefill: (batch, n) tokens = [0, x0 … x_{n-2}] (ShiftRight
                                    # is the identity in predict mode: feed the shifted tokens)
    log_probs = predict(next_token) # then (batch, 1) per step; positions advance by n each call

``predict(tokens)[:, i]`` equals ``eval_model(x)[:, p + i]`` where p is the number of positions
fed before. For ``jax.jit``/``lax`` loops use ``predict.pure_fn(tokens, weights, state, rng)`` →
``(log_probs, new_state)``; the state is a pytree of static-shape arrays (per layer: keys and
values (batch·heads, cache_len, d_head) and an int32 position; PositionalEncoding: an int32).
A prefill of distinct length recompiles a jitted step; to bucket lengths, right-pad the prompt
chunk to a fixed length N, prefill, then ``state = trax_models.predict.set_position(state, n)`` with the true length
n ≤ N: the next tokens overwrite the padded cache slots and never attend to them (the position
is shared by the batch, so bucket rows of equal length together).
``init_predict`` also gives every sub-layer a concrete rng: trax otherwise creates sub-layer rngs
lazily inside the first traced ``pure_fn`` and keeps the tracers, so a later eager call would
fail with UnexpectedTracerError.

Keep prompt + output ≤ cache_len (≤ max_len): eager calls raise "KV cache full" beyond it, but
under jit nothing can check, and the cache write and PositionalEncoding's slice would clamp.

KV-cache memory: batch × n_layers × cache_len × d_model × 2 (keys, values) × 4 bytes (float32);
the course model (6 layers, d_model 512, cache_len = max_len = 4096) needs 100.7 MB per sequence.
"""
from trax import layers as tl
from trax import shapes
from trax.fastmath import numpy as jnp

from trax_models import predict
from trax_models.attention import CausalAttention

__all__ = ["PositionalEncoder", "FeedForward", "DecoderBlock", "TransformerLM", "init_predict",
           "count_params"]


def PositionalEncoder(vocab_size, d_model, dropout, max_len, mode):
    """Token ids (batch, L) → embeddings with positions added (batch, L, d_model) (Lab 2).

    Returns a list [Embedding, Dropout, PositionalEncoding]. In predict mode PositionalEncoding
    keeps the current position in its state and advances by L per call.
    """
    return [
        tl.Embedding(vocab_size, d_model),             # (batch, L, d_model)
        tl.Dropout(rate=dropout, mode=mode),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
    ]


def FeedForward(d_model, d_ff, dropout, mode, ff_activation):
    """Position-wise feed-forward network, pre-LayerNorm (Lab 2): (batch, L, d_model) → same.

    Returns a list [LayerNorm, Dense(d_ff), activation, Dropout, Dense(d_model), Dropout].
    """
    return [
        tl.LayerNorm(),
        tl.Dense(d_ff),                    # (batch, L, d_ff)
        ff_activation(),
        tl.Dropout(rate=dropout, mode=mode),
        tl.Dense(d_model),                 # (batch, L, d_model)
        tl.Dropout(rate=dropout, mode=mode),
    ]


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, max_len=2048):
    """One decoder block (UNQ_C6): two residual sub-layers, pre-LayerNorm.

    Input and output (batch, L, d_model). Returns a Python list of two ``tl.Residual``:
    causal self-attention, then the position-wise feed-forward network. ``max_len`` is the
    length of the KV cache in predict mode (unused in train/eval).
    """
    causal_attention = CausalAttention(d_model, n_heads=n_heads, mode=mode, max_len=max_len)
    return [
        tl.Residual(tl.LayerNorm(), causal_attention, tl.Dropout(rate=dropout, mode=mode)),
        tl.Residual(FeedForward(d_model, d_ff, dropout, mode, ff_activation)),
    ]


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode='train', ff_activation=tl.Relu, cache_len=None):
    """The course's Transformer language model (UNQ_C7).

    Input: token ids (batch, L). Output: log-probabilities (batch, L, vocab_size); position t
    predicts token t from tokens < t (ShiftRight puts a 0 in front).
    Modes: 'train' (dropout on), 'eval', 'predict' (n ≥ 1 new positions per call, KV cache in
    the state; see the module docstring). ``cache_len`` (predict mode only, default ``max_len``)
    is how many positions the KV cache holds: lower it to save memory when prompt + output is
    shorter; ``max_len`` must stay the checkpoint's (PositionalEncoding's weights are
    (max_len, d_model)).
    """
    cache_len = max_len if cache_len is None else cache_len
    decoder_blocks = [DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation,
                                   max_len=cache_len)
                      for _ in range(n_layers)]
    return decoder_language_model(decoder_blocks, vocab_size, d_model, dropout, max_len, mode)


def decoder_language_model(decoder_blocks, vocab_size, d_model, dropout, max_len, mode):
    """The GPT-2 style frame around a stack of decoder blocks (shared with Lab 2's model).

    tokens (batch, L) → ShiftRight → PositionalEncoder (batch, L, d_model) → decoder_blocks →
    LayerNorm → Dense → LogSoftmax (batch, L, vocab_size).
    """
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),
        decoder_blocks,
        tl.LayerNorm(),
        tl.Dense(vocab_size),
        tl.LogSoftmax(),
    )


def init_predict(model, weights, batch_size=1, rng=None):
    """Readies a ``TransformerLM(mode='predict')`` to decode ``batch_size`` sequences.

    Initialises the caches for that batch, loads ``weights`` (an eval/train model's
    ``.weights`` of the same config) and sets concrete rngs on every sub-layer
    (``trax_models.predict.init_predict`` for token inputs (batch_size, 1)).

    Returns:
      The empty state (cache zeroed, positions 0). ``model.state = start_state`` resets the
      model before each prompt; ``model.pure_fn(tokens, model.weights, start_state, rng)`` is the
      jit-friendly form.
    """
    return predict.init_predict(model, weights, shapes.ShapeDtype((batch_size, 1), jnp.int32),
                                rng=rng)


def count_params(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, max_len=4096):
    """Closed-form number of trainable parameters of ``TransformerLM`` with this config.

    Embedding V·d; PositionalEncoding max_len·d (trax stores the sinusoids as trainable
    weights); per layer: 2 LayerNorms 4d, attention 4(d² + d), feed-forward 2·d·d_ff + d_ff + d;
    final LayerNorm 2d and Dense d·V + V. ``n_heads`` does not change the count.
    """
    d, V = d_model, vocab_size
    per_layer = 4 * d + 4 * (d * d + d) + (2 * d * d_ff + d_ff + d)
    return V * d + max_len * d + n_layers * per_layer + 2 * d + d * V + V
