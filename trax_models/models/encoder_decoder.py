"""The full Transformer: an encoder–decoder with the three kinds of attention.

Built from the graded attention stack (``DotProductAttention``, head split/merge closures,
``CausalAttention``) — not from ``tl.Attention``:

    source (batch, L_src) int                target (batch, L_tgt) int
    PaddingMask → mask (batch, L_src) bool   ShiftRight → Embedding → Dropout → PositionalEncoding
    Embedding → Dropout → PositionalEncoding       y (batch, L_tgt, d_model)
    n_encoder_layers × EncoderBlock:               n_decoder_layers × DecoderBlock:
      bidirectional self-attention (mask)            causal self-attention
      feed-forward                                   cross-attention: queries y, keys/values x
    LayerNorm → x (batch, L_src, d_model)  ───────▶    (mask: padding keys get no weight)
                                                     feed-forward
                                                   LayerNorm → Dense → LogSoftmax
                                                   log-probs (batch, L_tgt, vocab)

Every sub-layer is pre-LayerNorm and residual, as in the course's decoder.

Signature (the one ``trax.models.Transformer`` has, so trax's ``Loop`` trains it directly on
batches ``(source, target, mask)``): inputs ``(source, target)`` → outputs ``(log_probs,
target)``; the target copy and the batch's mask stay on the stack for the loss layer
(``tl.CrossEntropyLoss`` / ``tl.Accuracy`` take ``(log_probs, target, mask)``).

Modes:
  'train'   dropout on.
  'eval'    full sequences, no dropout.
  'predict' fast decoding. The first call runs the encoder on ``source`` and caches its output,
            the padding mask and each decoder layer's projected cross-attention keys/values
            (``ComputeOnce``); the causal self-attention keeps a key/value cache
            (``CachedDotProductAttn``). Each call then feeds the next target positions (the
            shifted target: 0 first, then the generated tokens; ShiftRight is the identity in
            predict mode) and gets their log-probs. The state is a pytree of static-shape
            arrays (shapes fixed at ``init`` by the source length and the batch), so
            ``model.pure_fn`` runs inside ``jax.jit`` / ``lax.while_loop``: greedy, sampled
            and beam decoding are ``trax_models.summarizer.generate.Summarizer``'s (the same
            loops as the TransformerLM's; ``python -m trax_models summarize/evaluate``).
One checkpoint serves all three modes: the weight trees are identical.

Cross-attention normalisation (``cross_attention=``, ``cross_attention.py``): 'softmax' (the
default, the graded attention: the model as it always was), 'sharpened', 'smoothed' or 'local_m';
the attention-family mechanisms that need the previous step's alignment are refused. No
variant adds weights, so the weight tree, and the checkpoints, are the same for all of them.

How it differs from ``trax.models.Transformer`` (tested in tests/test_encoder_decoder.py):
the weights map one-to-one in flattening order and the outputs agree to 1e-5 after trax's
logits go through LogSoftmax, except that (1) we end in LogSoftmax (trax: logits), (2) we
never share the input and output embeddings (trax shares them when ``output_vocab_size`` is
None), (3) in predict mode trax caches the encoder with ``tl.Cache`` (state changes structure
after the first call, so it cannot be a ``lax`` loop carry), ours with a static-shape cache.
"""

import jax
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models.attention import (
    CausalAttention,
    DotProductAttention,
    compute_attention_heads_closure,
    compute_attention_output_closure,
)
from trax_models.model import FeedForward
from trax_models.models import cross_attention as xattn
from trax_models.tokens import PAD

__all__ = ["PaddingMask", "ComputeOnce", "masked_attention", "MultiHeadAttention",
           "EncoderBlock", "DecoderBlock", "Encoder", "Transformer", "EncoderDecoder",
           "count_params"]

MODES = ('train', 'eval', 'predict')


def _check_mode(mode, who):
    if mode not in MODES:
        raise ValueError(f"{who}: mode={mode!r}; use 'train', 'eval' or 'predict'.")


def PaddingMask():
    """Token ids (batch, L) → mask (batch, L) bool: True at real tokens, False at ``PAD``."""
    return tl.Fn('PaddingMask', lambda tokens: tokens != PAD, n_out=1)


class ComputeOnce(tl.Layer):
    """Runs ``layer`` once per prompt in predict mode and replays its outputs afterwards.

    Wraps the encoder and the cross-attention key/value projections: in predict mode they
    depend on the source only, which does not change while the target grows.

    Modes:
      'train', 'eval': calls ``layer`` every time (a pass-through; kept in the tree so that
        the weight tree is the same in every mode).
      'predict': state ``(layer_state, outputs, filled)``: ``outputs`` has the static shapes
        of ``layer``'s output for the input signature given at ``init``; ``filled`` is a bool
        scalar. The first call after a reset computes and stores the outputs, later calls
        return them (under ``jax.jit`` via ``lax.cond``, so the skipped work is not done).

    Weights: ``(layer.weights,)``, as a one-layer ``tl.Serial``.
    """

    def __init__(self, layer, mode='train'):
        _check_mode(mode, 'ComputeOnce')
        super().__init__(n_in=layer.n_in, n_out=layer.n_out, name='ComputeOnce')
        self._sublayers = [layer]
        self._mode = mode

    @property
    def sublayer(self):
        return self._sublayers[0]

    @property
    def state(self):
        return self._state

    @state.setter
    def state(self, state):
        if isinstance(state, dict) and state == tl.base.GET_STATE_FROM_CACHE:
            return
        self._state = state
        self.sublayer.state = state[0]

    def init_weights_and_state(self, input_signature):
        weights, layer_state = self.sublayer.init(input_signature, use_cache=True)
        self._weights = (weights,)
        if self._mode != 'predict':
            self.state = (layer_state,)
            return
        out_signature = self.sublayer.output_signature(input_signature)
        outputs = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), out_signature)
        if isinstance(outputs, list):
            outputs = tuple(outputs)
        self.state = (layer_state, outputs, jnp.zeros((), dtype=jnp.bool_))

    def forward(self, inputs):
        weights = self.weights[0]
        if self._mode != 'predict':
            outputs, layer_state = self.sublayer.pure_fn(inputs, weights, self.state[0],
                                                         self.rng)
            self.state = (layer_state,)
            return outputs
        layer_state, cached, filled = self.state

        def compute(_):
            outputs, new_state = self.sublayer.pure_fn(inputs, weights, layer_state, self.rng)
            return (tuple(outputs) if isinstance(outputs, (list, tuple)) else outputs), new_state

        def replay(_):
            return cached, layer_state

        if isinstance(filled, jax.core.Tracer):  # inside jit: both branches traced, one runs
            outputs, layer_state = jax.lax.cond(filled, replay, compute, None)
        else:
            outputs, layer_state = replay(None) if bool(filled) else compute(None)
        self.state = (layer_state, outputs, jnp.ones((), dtype=jnp.bool_))
        return outputs


def masked_attention(q, k, v, mask, n_heads):
    """The graded ``DotProductAttention`` with a key padding mask.

    Args:
      q: (batch·n_heads, L_q, d_head); k, v: (batch·n_heads, L_k, d_head) — heads folded
        into the batch axis as ``compute_attention_heads_closure`` does (row b·n_heads + h).
      mask: (batch, L_k) bool, False at padding keys.
      n_heads: heads per example (to broadcast the mask).

    Returns:
      (batch·n_heads, L_q, d_head). With v = identity (L_k × L_k) it returns the attention
      weights themselves: each row sums to 1 and padding keys get 0.
    """
    mask = jnp.repeat(mask, n_heads, axis=0)[:, None, :]  # (B·H, 1, L_k): row b·H + h
    return DotProductAttention(q, k, v, mask)  # (B·H, L_q, d_head)


def MultiHeadAttention(d_feature, n_heads, mode='train', normalise='softmax'):
    """Multi-head attention: queries from one input, keys and values from another.

    Inputs:
      x_q (batch, L_q, d_feature): where the queries come from.
      x_kv (batch, L_k, d_feature): where the keys and values come from (x_q itself for
        self-attention, the encoder output for cross-attention).
      mask (batch, L_k) bool: False at padding keys, which get no weight.
    Output: (batch, L_q, d_feature).

    Each of q, k, v is a Dense(d_feature) split into ``n_heads`` heads (batch·heads, L, d_head)
    with the graded ``compute_attention_heads_closure``; the graded ``DotProductAttention``
    computes softmax(q kᵀ/√d_head + mask) v; heads are merged back with
    ``compute_attention_output_closure`` and mixed by a final Dense(d_feature).

    Args:
      d_feature: model width, divisible by ``n_heads``.
      n_heads: number of heads.
      mode: 'train' | 'eval' | 'predict'. In predict mode the key/value projections are
        computed on the first call and replayed (``ComputeOnce``): for cross-attention,
        whose keys/values (the encoder output) do not change while decoding. (The decoder's
        causal self-attention is the graded ``attention.CausalAttention``, KV cache included.)
      normalise: cross-attention only: 'softmax' (the graded ``DotProductAttention``),
        'sharpened', 'smoothed' or 'local_m' (``cross_attention.CrossAttention``).
    """
    _check_mode(mode, 'MultiHeadAttention')
    if d_feature % n_heads:
        raise ValueError(f"MultiHeadAttention: d_feature={d_feature} is not divisible by "
                         f"n_heads={n_heads}; choose d_feature = n_heads × d_head.")
    xattn.check(normalise)
    d_head = d_feature // n_heads

    def heads():
        return tl.Fn('AttnHeads', compute_attention_heads_closure(n_heads, d_head), n_out=1)

    def attend(q, k, v, mask):
        return masked_attention(q, k, v, mask, n_heads)

    return tl.Serial(
        tl.Parallel(
            [tl.Dense(d_feature), heads()],                       # q (B·H, L_q, d_head)
            ComputeOnce(tl.Branch([tl.Dense(d_feature), heads()],  # k (B·H, L_k, d_head)
                                  [tl.Dense(d_feature), heads()]),  # v (B·H, L_k, d_head)
                        mode=mode),
        ),
        (tl.Fn('DotProductAttn', attend, n_out=1) if normalise == 'softmax'  # (B·H, L_q, d_head)
         else xattn.CrossAttention(normalise, n_heads, mode=mode)),
        tl.Fn('AttnOutput', compute_attention_output_closure(n_heads, d_head), n_out=1),
        tl.Dense(d_feature),                                      # (B, L_q, d_feature)
    )


def EncoderBlock(d_model, d_ff, n_heads, dropout, mode):
    """One encoder block: bidirectional self-attention, then feed-forward, both residual.

    Inputs and outputs: (x (batch, L_src, d_model), mask (batch, L_src) bool). Every position
    attends to every real (non-padding) position. Returns a list of two ``tl.Residual``.
    """
    return [
        tl.Residual(tl.LayerNorm(),
                    tl.Select([0, 0, 1, 1]),  # x x mask mask: queries and keys both from x
                    MultiHeadAttention(d_model, n_heads, mode=mode),
                    tl.Dropout(rate=dropout, mode=mode)),
        tl.Residual(FeedForward(d_model, d_ff, dropout, mode, tl.Relu)),
    ]


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, max_len=2048,
                 cross_attention='softmax'):
    """One decoder block: causal self-attention → cross-attention → feed-forward, residual.

    Inputs and outputs: (y (batch, L_tgt, d_model), x (batch, L_src, d_model) the encoder
    output, mask (batch, L_src) bool). Returns a list of three ``tl.Residual``.
    ``max_len``: the self-attention's KV-cache length in predict mode; ``cross_attention``: the
    cross-attention's normalisation (``MultiHeadAttention``'s ``normalise``).
    """
    return [
        tl.Residual(tl.LayerNorm(),
                    CausalAttention(d_model, n_heads=n_heads, mode=mode, max_len=max_len),
                    tl.Dropout(rate=dropout, mode=mode)),
        tl.Residual(tl.LayerNorm(),             # normalizes y only: x is the encoder's output
                    tl.Select([0, 1, 2, 1, 2]),  # y x mask | x mask (kept for the next block)
                    MultiHeadAttention(d_model, n_heads, mode=mode, normalise=cross_attention),
                    tl.Dropout(rate=dropout, mode=mode)),
        tl.Residual(FeedForward(d_model, d_ff, dropout, mode, tl.Relu)),
    ]


def Encoder(vocab_size, d_model, d_ff, n_heads, n_layers, dropout, max_len, mode):
    """Source ids (batch, L_src) → (x (batch, L_src, d_model), mask (batch, L_src) bool).

    [PaddingMask, Embedding, Dropout, PositionalEncoding, n_layers × EncoderBlock, LayerNorm]
    inside ``ComputeOnce``: in predict mode it runs once per prompt (its layers in eval mode).
    """
    inner_mode = 'eval' if mode == 'predict' else mode
    return ComputeOnce(tl.Serial(
        tl.Branch([], PaddingMask()),                           # source, mask
        tl.Embedding(vocab_size, d_model),                      # (B, L_src, d_model)
        tl.Dropout(rate=dropout, mode=inner_mode),
        tl.PositionalEncoding(max_len=max_len, mode=inner_mode),
        [EncoderBlock(d_model, d_ff, n_heads, dropout, inner_mode)
         for _ in range(n_layers)],
        tl.LayerNorm(),
    ), mode=mode)


def Transformer(input_vocab_size, output_vocab_size=None, d_model=512, d_ff=2048, n_heads=8,
                n_encoder_layers=6, n_decoder_layers=6, dropout=0.1, max_len=2048,
                mode='train', cache_len=None, cross_attention='softmax'):
    """The encoder–decoder Transformer.

    Inputs: source (batch, L_src) int (0 = padding), target (batch, L_tgt) int.
    Outputs: log_probs (batch, L_tgt, output_vocab_size) — position t predicts target[t] from
    the source and target[:t] — and target (passed through for the loss; see module doc).

    Args:
      input_vocab_size, output_vocab_size: vocabularies (output defaults to input; the two
        embeddings are separate weights either way).
      d_model, d_ff, n_heads: widths and heads (d_model divisible by n_heads).
      n_encoder_layers, n_decoder_layers: block counts.
      dropout: rate in train mode.
      max_len: positions of the PositionalEncoding weights (source and target each ≤ max_len).
      mode: 'train' | 'eval' | 'predict' (see module doc).
      cache_len: predict mode: positions the self-attention KV cache holds (default max_len).
      cross_attention: the cross-attention's normalisation, 'softmax' (default) | 'sharpened'
        | 'smoothed' | 'local_m' (see ``cross_attention``); others: a one-line ValueError.
    """
    _check_mode(mode, 'Transformer')
    xattn.check(cross_attention)
    if d_model % n_heads:
        raise ValueError(f"Transformer: d_model={d_model} is not divisible by n_heads="
                         f"{n_heads}; choose d_model = n_heads × d_head.")
    output_vocab_size = output_vocab_size or input_vocab_size
    cache_len = max_len if cache_len is None else cache_len
    return tl.Serial(
        tl.Select([0, 1, 1]),                          # source target target(for the loss)
        Encoder(input_vocab_size, d_model, d_ff, n_heads, n_encoder_layers, dropout, max_len,
                mode),                                  # x mask target target
        tl.Select([2, 0, 1]),                          # target x mask target
        tl.ShiftRight(mode=mode),                      # 0 in front: position t sees < t
        tl.Embedding(output_vocab_size, d_model),      # y (B, L_tgt, d_model)
        tl.Dropout(rate=dropout, mode=mode),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
        [DecoderBlock(d_model, d_ff, n_heads, dropout, mode, max_len=cache_len,
                      cross_attention=cross_attention)
         for _ in range(n_decoder_layers)],            # y x mask target
        tl.Select([0], n_in=3),                        # y target
        tl.LayerNorm(),
        tl.Dense(output_vocab_size),
        tl.LogSoftmax(),                               # log_probs (B, L_tgt, V) target
    )


def EncoderDecoder(vocab_size, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                   max_len=2048, mode='train', n_encoder_layers=None, n_decoder_layers=None,
                   cache_len=None, cross_attention='softmax'):
    """``Transformer`` with the training config's ``model_args`` names (one shared vocab).

    The checkpoint's model factory: ``n_layers`` sets both stacks unless ``n_encoder_layers``
    / ``n_decoder_layers`` are given. Same inputs, outputs and modes as ``Transformer``.
    """
    return Transformer(vocab_size, vocab_size, d_model=d_model, d_ff=d_ff, n_heads=n_heads,
                       n_encoder_layers=n_layers if n_encoder_layers is None else n_encoder_layers,
                       n_decoder_layers=n_layers if n_decoder_layers is None else n_decoder_layers,
                       dropout=dropout, max_len=max_len, mode=mode,
                       cache_len=cache_len, cross_attention=cross_attention)


def count_params(vocab_size, d_model, d_ff, n_encoder_layers, n_decoder_layers, max_len):
    """Closed-form number of weights of ``Transformer`` with this config.

    Two embeddings and two PositionalEncodings (trainable in trax); encoder block: 2
    LayerNorms + attention 4(d² + d) + feed-forward 2·d·d_ff + d_ff + d; decoder block: one
    more LayerNorm and attention; two final LayerNorms; output Dense d·V + V (one vocabulary:
    ``EncoderDecoder``'s).
    """
    d, V = d_model, vocab_size
    attention, ff, norm = 4 * (d * d + d), 2 * d * d_ff + d_ff + d, 2 * d
    encoder = V * d + max_len * d + n_encoder_layers * (2 * norm + attention + ff) + norm
    decoder = V * d + max_len * d + n_decoder_layers * (3 * norm + 2 * attention + ff)
    return encoder + decoder + norm + d * V + V
