"""A fast variant of the course's TransformerLM: same weights, same outputs, quicker training step.

    tokens (batch, L) int
    ShiftRight                     (batch, L)
    Embedding → Dropout → PosEnc   (batch, L, d_model)   as the course's PositionalEncoder
    n_layers × FastDecoderBlock    (batch, L, d_model)   one layer per block (see below)
    LayerNorm → Dense → LogSoftmax (batch, L, vocab)     log-probabilities, as the course

``FastDecoderBlock`` computes exactly the course's ``DecoderBlock`` (pre-LayerNorm causal
attention + feed-forward, residuals, dropout at the same three places) in one function instead
of the course's tree of ~20 small layers:

* Q, K and V come from ONE matmul with the three weight matrices concatenated (d, 3·d): one
  large GEMM keeps the CPU's vector units busier than three thin ones;
* attention is two einsums on (batch, L, heads, d_head) with the 1/√d_head folded into q, so
  the course's reshape/transpose round trips (AttnHeads/AttnOutput) and the score division
  disappear; softmax is ``jax.nn.softmax`` (its backward is one fused expression);
* dropout masks come from a cheaper generator by default (``dropout_rng='rbg'``: XLA's
  RngBitGenerator, keyed by the layer's trax rng) instead of trax's threefry hash, which on CPU
  costs a sizeable share of a training step; ``dropout_rng='threefry'`` gives trax's masks.

Weights: the block keeps the course's layers as its sublayers, in the course's order, so the
flattened weight list (and the flattened state: the dropout rates) is identical to
``trax_models.model.TransformerLM``'s: a checkpoint of one loads into the other
(``tl.flatten_weights_and_state`` / ``fastmath.tree_unflatten``, as trax's Loop and
``trax_models.summarizer.checkpoint.load_model`` do), and both give the same outputs (< 1e-5) in eval mode.

Modes: 'train', 'eval' (this module's fast tree) and 'predict': the course model's KV-cache
predict tree (``trax_models.model.TransformerLM(mode='predict')``, whose flat weights are the
same); ``init_predict`` here accepts the weights of either tree.

What ``dropout_rng='rbg'`` changes: which positions are dropped (another, equally uniform
random stream; the keep probability is the same to 2⁻³²), not the expected output or the
gradient's distribution. Training stays deterministic for a given rng on one backend, but the
masks are not trax's, so a train-mode step is not bit-equal to the course model's (eval and
predict are unaffected); RngBitGenerator's stream may also differ between XLA versions/backends.
"""

import jax
from trax import fastmath, shapes
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models import model as course
from trax_models.attention import causal_mask
from trax_models.weights import flat_weights, load_flat_weights

__all__ = ["TransformerLM", "FastDecoderBlock", "Dropout", "dropout", "init_predict",
           "DROPOUT_RNGS"]

DROPOUT_RNGS = ("rbg", "threefry")
_GOLDEN = 0x9E3779B9  # spreads the 2-word trax key into the 4 words an rbg key has


def _raw_key(rng):
    """A trax rng (legacy uint32[2] or typed key) → its uint32 words."""
    if jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(rng)
    return rng


def dropout(x, rng, rate, rng_impl="rbg"):
    """Inverted dropout: each entry of x zeroed with probability ``rate``, the rest × 1/(1-rate).

    Args:
      x: any shape (float).
      rng: the layer's trax rng (a threefry key).
      rate: drop probability in [0, 1).
      rng_impl: 'rbg' (XLA RngBitGenerator, cheap on CPU) or 'threefry' (trax's
        ``jax.random.bernoulli``; the same masks as ``tl.Dropout``).

    Returns:
      Same shape and dtype as x.
    """
    if rate == 0.0:
        return x
    keep_prob = 1.0 - rate
    if rng_impl == "threefry":
        keep = jax.random.bernoulli(rng, keep_prob, x.shape)
    else:
        words = _raw_key(rng).astype(jnp.uint32)
        key = jax.random.wrap_key_data(jnp.concatenate([words, words ^ jnp.uint32(_GOLDEN)]),
                                       impl="rbg")
        bits = jax.random.bits(key, x.shape, jnp.uint32)  # (x.shape) uniform uint32
        keep = bits < jnp.uint32(min(round(keep_prob * 2.0**32), 2**32 - 1))
    return jnp.where(keep, x / keep_prob, jnp.zeros_like(x))


class Dropout(tl.Dropout):
    """``tl.Dropout`` with a choice of mask generator (see ``dropout``); the same state (rate).

    Modes: 'train' drops; 'eval'/'predict' are the identity. Input and output: any shape.
    """

    def __init__(self, rate=0.0, mode="train", rng_impl="rbg"):
        super().__init__(rate=rate, mode=mode)
        if rng_impl not in DROPOUT_RNGS:
            raise ValueError(f"Dropout: rng_impl={rng_impl!r}; use one of {DROPOUT_RNGS}.")
        self._rng_impl = rng_impl

    def forward(self, x):
        if self._mode != "train":
            return x
        return dropout(x, self.rng, self._initial_rate, self._rng_impl)


def _layer_norm(x, scale, bias, epsilon=1e-6):
    """trax's LayerNorm over the last axis: (…, d) → (…, d)."""
    mean = jnp.mean(x, axis=-1, keepdims=True)
    centered = x - mean
    variance = jnp.mean(centered * centered, axis=-1, keepdims=True)
    return centered / jnp.sqrt(variance + epsilon) * scale + bias


def causal_attention(q, k, v):
    """Causal multi-head attention on un-transposed heads.

    q, k, v: (batch, L, heads, d_head), q already scaled by 1/√d_head → (batch, L, heads, d_head).
    """
    length = q.shape[1]
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k)  # (batch, heads, L, L)
    causal = causal_mask(length)[0]  # (L, L): key ≤ query
    scores = jnp.where(causal, scores, jnp.full_like(scores, -1e9))
    weights = jax.nn.softmax(scores, axis=-1)  # rows sum to 1
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v)  # (batch, L, heads, d_head)


class FastDecoderBlock(tl.Layer):
    """The course's ``DecoderBlock`` as one layer: (batch, L, d_model) → (batch, L, d_model).

    Sublayers (for weights, state and init only — ``forward`` does the arithmetic itself), in
    the course's flattened order: LayerNorm, Dense q, Dense k, Dense v, Dense out, Dropout,
    LayerNorm, Dense d_ff, activation, Dropout, Dense d_model, Dropout.
    Modes: 'train' (dropout on) and 'eval'. Predict mode is the course model's (KV cache).
    """

    def __init__(self, d_model, d_ff, n_heads, dropout, mode, ff_activation=tl.Relu,
                 dropout_rng="rbg"):
        super().__init__(n_in=1, n_out=1, name="FastDecoderBlock")
        if d_model % n_heads:
            raise ValueError(f"FastDecoderBlock: d_model={d_model} is not divisible by "
                             f"n_heads={n_heads}; choose d_model = n_heads × d_head.")
        if mode not in ("train", "eval"):
            raise ValueError(f"FastDecoderBlock: mode={mode!r}; use 'train' or 'eval' "
                             f"(predict mode is the course model's, see fast_model).")
        self._n_heads, self._mode = n_heads, mode
        self._activation = ff_activation()
        if self._activation.n_in != 1 or self._activation.n_out != 1:
            raise ValueError("FastDecoderBlock: ff_activation must be a one-input, one-output "
                             "layer without weights, such as tl.Relu or tl.Gelu.")
        drop = lambda: Dropout(rate=dropout, mode=mode, rng_impl=dropout_rng)  # noqa: E731
        self._sublayers = (
            tl.LayerNorm(), tl.Dense(d_model), tl.Dense(d_model), tl.Dense(d_model),
            tl.Dense(d_model), drop(),
            tl.LayerNorm(), tl.Dense(d_ff), self._activation, drop(), tl.Dense(d_model), drop(),
        )

    def init_weights_and_state(self, input_signature):
        d_model = input_signature.shape[-1]
        hidden = shapes.ShapeDtype(input_signature.shape[:-1] + (self._sublayers[7].
                                                                  _n_units,),
                                   input_signature.dtype)
        weights, states = [], []
        for i, layer in enumerate(self._sublayers):
            signature = hidden if i in (8, 9, 10) else input_signature
            w, s = layer.init(signature)
            weights.append(w)
            states.append(s)
        if jax.tree_util.tree_leaves(weights[8]):
            raise ValueError("FastDecoderBlock: ff_activation must have no weights.")
        del d_model
        self.state = tuple(states)
        self.weights = tuple(weights)

    def forward(self, x):
        """x (batch, L, d_model) → (batch, L, d_model)."""
        ((ln1_s, ln1_b), (wq, bq), (wk, bk), (wv, bv), (wo, bo), _,
         (ln2_s, ln2_b), (w1, b1), act_weights, _, (w2, b2), _) = self.weights
        act_state = self.state[8]
        batch, length, d_model = x.shape
        d_head = d_model // self._n_heads
        train = self._mode == "train"
        drop_attn, drop_ff, drop_out = self._sublayers[5], self._sublayers[9], self._sublayers[11]
        rng_attn, rng_ff, rng_out = (fastmath.random.split(self.rng, 3) if train
                                     else (None, None, None))

        # Causal self-attention: q, k, v from one (d, 3d) matmul.
        h = _layer_norm(x, ln1_s, ln1_b)
        qkv = h @ jnp.concatenate([wq, wk, wv], axis=1) + jnp.concatenate([bq, bk, bv])
        qkv = qkv.reshape(batch, length, 3, self._n_heads, d_head)  # (batch, L, 3, heads, dh)
        q = qkv[:, :, 0] * (1.0 / d_head ** 0.5)
        attn = causal_attention(q, qkv[:, :, 1], qkv[:, :, 2])  # (batch, L, heads, d_head)
        attn = attn.reshape(batch, length, d_model) @ wo + bo
        if train:
            attn = dropout(attn, rng_attn, drop_attn._initial_rate, drop_attn._rng_impl)
        x = x + attn

        # Feed-forward.
        h = _layer_norm(x, ln2_s, ln2_b)
        h, _ = self._activation.pure_fn(h @ w1 + b1, act_weights, act_state, self.rng)
        if train:
            h = dropout(h, rng_ff, drop_ff._initial_rate, drop_ff._rng_impl)
        h = h @ w2 + b2
        if train:
            h = dropout(h, rng_out, drop_out._initial_rate, drop_out._rng_impl)
        return x + h


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode="train", ff_activation=tl.Relu, cache_len=None,
                  dropout_rng="rbg"):
    """The course's TransformerLM, fast: same arguments, weights (flattened) and outputs.

    Input: token ids (batch, L). Output: log-probabilities (batch, L, vocab_size).
    Modes: 'train', 'eval' (fast tree), 'predict' (the course model's KV-cache tree; see
    ``trax_models.model`` and ``init_predict`` below). ``dropout_rng``: 'rbg' (default, cheap)
    or 'threefry' (trax's dropout masks), train mode only.
    """
    if mode == "predict":
        return course.TransformerLM(vocab_size, d_model, d_ff, n_layers, n_heads, dropout,
                                    max_len, mode=mode, ff_activation=ff_activation,
                                    cache_len=cache_len)
    if mode not in ("train", "eval"):
        raise ValueError(f"TransformerLM: mode={mode!r}; use 'train', 'eval' or 'predict'.")
    if dropout_rng not in DROPOUT_RNGS:
        raise ValueError(f"TransformerLM: dropout_rng={dropout_rng!r}; use one of "
                         f"{DROPOUT_RNGS}.")
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Embedding(vocab_size, d_model),             # (batch, L, d_model)
        Dropout(rate=dropout, mode=mode, rng_impl=dropout_rng),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
        [FastDecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, dropout_rng)
         for _ in range(n_layers)],
        tl.LayerNorm(),
        tl.Dense(vocab_size),                          # (batch, L, vocab)
        tl.LogSoftmax(),
    )


def init_predict(model, weights, batch_size=1, rng=None):
    """``trax_models.model.init_predict`` for weights of either tree (fast or course).

    The predict model is the course's tree; ``weights`` may come from a fast model (another
    tree, the same flattened leaves): they are re-nested into the predict model's tree.
    Returns the empty predict state, as ``trax_models.model.init_predict`` does.
    """
    model.init(shapes.ShapeDtype((batch_size, 1), jnp.int32),
               rng=jax.random.PRNGKey(0) if rng is None else rng)
    nested = load_flat_weights(model, flat_weights(weights), "the model behind init_predict's weights")
    return course.init_predict(model, nested, batch_size=batch_size, rng=rng)
