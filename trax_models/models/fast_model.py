"""The course's ``DecoderBlock``, computed fast in 'train' and 'eval': same weights, same outputs.

``pointer_lm``'s body (``trax_models.models.pointer``) runs its blocks through ``DecoderBlock``
below. The block is the course's (``trax_models.model.DecoderBlock``): two ``tl.Residual``
layers, pre-LayerNorm. Each residual becomes a ``FastResidual``: a ``tl.Serial`` of that
residual's own sublayers (so the weight tree, the state and every checkpoint are the course
block's, in every mode, and trax's Loop copies weights between its train and eval models
unchanged) whose ``forward`` does the residual's arithmetic in one function instead of its
~10 small layers:

    x (B, L, d)                                                      B batch, L length, d d_model
    attention residual   x + Dropout(Dense_o(CausalAttention(LayerNorm(x))))        (B, L, d)
    feed-forward residual x + Dropout(Dense_2(Dropout(act(Dense_1(LayerNorm(x))))))  (B, L, d)

* q, k and v come from ONE matmul with the three weight matrices concatenated (d, 3·d);
* attention is einsums on (B, L, heads, d_head) with the 1/√d_head folded into q (no
  reshape/transpose round trips of the course's AttnHeads/AttnOutput), the queries in blocks,
  each against only the keys it may see (``causal_attention``: most of the masked half of the
  score matrix is never computed);
* every matmul is ``precision.matmul`` (float32, a gradient in the layouts XLA:CPU's fast dot
  kernel takes);
* dropout masks come from a counter-based hash keyed by the layer's trax rng, which XLA fuses
  into the dropout itself (``hash_bits``; trax's threefry masks are a separate, ~20× slower
  kernel on CPU). Which positions are dropped differs from ``tl.Dropout``'s (another, equally
  uniform stream; the keep probability is the same to 2⁻³²): a train-mode step is not
  bit-equal to the course block's (its expected output and gradient distribution are the
  same); eval outputs equal the course block's to < 1e-5.

Predict mode is the course block itself (its KV caches). Measured: benchmarks/README.md.
The variants measured against this path (other dropout masks, attention layouts, bf16
matmuls, a fused loss) live in ``benchmarks/fast_variants.py``.
"""

import jax
from trax import fastmath, shapes
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models import model as course
from trax_models.attention import causal_mask
from trax_models.models import precision

__all__ = ["DecoderBlock", "FastResidual", "causal_attention", "dropout", "hash_bits"]

PARTS = ("attention", "feed_forward")  # the course block's two residuals, in order
_GOLDEN = 0x9E3779B9  # mixes the trax key's second word into the hash
_MAX_BLOCKS = 8       # query blocks per attention: bounds the program's size
_MIN_BLOCK = 32       # shorter blocks cost more in per-dot overhead than the skipped work saves


def _raw_key(rng):
    """A trax rng (legacy uint32[2] or typed key) → its uint32 words."""
    if jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(rng)
    return rng


def _lowbias32(x):
    """An invertible 32-bit integer hash with good avalanche (C. Wellons' "lowbias32")."""
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def hash_bits(rng, shape):
    """Uniform uint32 bits of ``shape`` from a trax rng: a counter-based hash of each entry's
    flat index, keyed by the rng's two words (two rounds of ``_lowbias32``).

    Elementwise, so XLA fuses it into the dropout's select: on CPU ~20× cheaper than
    RngBitGenerator or threefry, which XLA:CPU runs as separate, slow kernels.
    """
    words = _raw_key(rng).astype(jnp.uint32).reshape(-1)
    size = 1
    for n in shape:
        size *= n
    index = jax.lax.iota(jnp.uint32, size).reshape(shape)
    return _lowbias32(_lowbias32(index ^ words[0]) ^ words[-1] * jnp.uint32(_GOLDEN))


def dropout(x, rng, rate):
    """Inverted dropout with ``hash_bits`` masks: each entry of x (any shape, float) zeroed with
    probability ``rate`` in [0, 1), the rest × 1/(1 - rate). Same shape and dtype as x."""
    if rate == 0.0:
        return x
    keep_prob = 1.0 - rate
    keep = hash_bits(rng, x.shape) < jnp.uint32(min(round(keep_prob * 2.0**32), 2**32 - 1))
    return jnp.where(keep, x / keep_prob, jnp.zeros_like(x))


def _layer_norm(x, scale, bias, epsilon=1e-6):
    """trax's LayerNorm over the last axis: (…, d) → (…, d)."""
    mean = jnp.mean(x, axis=-1, keepdims=True)
    centered = x - mean
    variance = jnp.mean(centered * centered, axis=-1, keepdims=True)
    return centered / jnp.sqrt(variance + epsilon) * scale + bias


def _block_size(length):
    """Query block length for ``length`` positions: ≥ 32, at most 8 blocks (L=256 → 32)."""
    return max(_MIN_BLOCK, -(-length // _MAX_BLOCKS))


def _attend(q, k, v, offset):
    """Softmax attention of the queries q at positions offset… to the keys 0…offset+len(q)-1.

    q (B, Lq, heads, d_head), k and v (B, Lk, heads, d_head) with Lk = offset + Lq
    → (B, Lq, heads, d_head); query i sees the keys j ≤ offset + i.
    """
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k)  # (B, heads, Lq, Lk)
    visible = causal_mask(k.shape[1])[0][offset:]  # (Lq, Lk): the causal rows offset… of (Lk, Lk)
    scores = jnp.where(visible, scores, jnp.full_like(scores, -1e9))
    weights = jax.nn.softmax(scores, axis=-1)  # rows sum to 1
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v)


def causal_attention(q, k, v):
    """Causal multi-head attention on un-transposed heads, float32.

    q, k, v: (B, L, heads, d_head), q already scaled by 1/√d_head → (B, L, heads, d_head).
    The queries go in blocks of ``_block_size(L)``, each block against only the keys it may
    see, so the masked upper triangle of the score matrix is mostly never computed (at L=256,
    8 blocks: 56 % of the (L, L) scores and of their softmax passes; 1.5-1.8× faster forward +
    backward than one masked (L, L) matrix, benchmarks/README.md).
    """
    length = q.shape[1]
    block = _block_size(length)
    blocks = [_attend(q[:, start:start + block], k[:, :start + block], v[:, :start + block],
                      start)
              for start in range(0, length, block)]  # each (B, ≤ block, heads, d_head)
    return blocks[0] if len(blocks) == 1 else jnp.concatenate(blocks, axis=1)


class FastResidual(tl.Serial):
    """One of the course ``DecoderBlock``'s two ``tl.Residual`` layers (``part``: 'attention'
    or 'feed_forward'), fast: the residual's own sublayers (the same weight tree, state and
    checkpoints), computed in one function. (B, L, d_model) → (B, L, d_model); modes 'train'
    (dropout at ``dropout``, the course block's rate) and 'eval'.

    ``matmul``, ``attend`` and ``drop`` are the three primitives the arithmetic is written in
    (``benchmarks/fast_variants.py`` measures other choices by overriding them).
    """

    def __init__(self, residual, part, n_heads, dropout, mode, ff_activation):
        super().__init__(*residual.sublayers, name=f"Fast{part.title()}Residual")
        if part not in PARTS:
            raise ValueError(f"FastResidual: part={part!r}; use one of {PARTS}.")
        if mode not in ("train", "eval"):
            raise ValueError(f"FastResidual: mode={mode!r}; use 'train' or 'eval'.")
        self._part, self._n_heads, self._rate, self._mode = part, n_heads, dropout, mode
        self._activation = ff_activation()
        # weightless (the course's FeedForward): its (empty) weights and state, for pure_fn
        self._activation_weights_and_state = self._activation.init(
            shapes.ShapeDtype((1, 1), jnp.float32))

    def matmul(self, a, w):
        """a (…, k) @ w (k, n) → (…, n) float32."""
        return precision.matmul(a, w)

    def attend(self, q, k, v):
        """(B, L, heads, d_head) each, q scaled → (B, L, heads, d_head)."""
        return causal_attention(q, k, v)

    def drop(self, x, rng):
        """Dropout at the block's rate with ``rng``; ``rng`` None (eval): the identity."""
        return x if rng is None else dropout(x, rng, self._rate)

    def forward(self, x):
        """x (B, L, d_model) → (B, L, d_model)."""
        if self._part == "attention":
            return self._attention(x)
        return self._feed_forward(x)

    def _attention(self, x):
        """x + Dropout(Dense_o(CausalAttention(LayerNorm(x))))."""
        (ln_scale, ln_bias,                    # LayerNorm
         wq, bq, wk, bk, wv, bv,               # CausalAttention's Branch: Dense q, k, v
         wo, bo) = jax.tree_util.tree_leaves(self.weights)  # its output Dense; Dropout: none
        batch, length, d_model = x.shape
        d_head = d_model // self._n_heads
        h = _layer_norm(x, ln_scale, ln_bias)                                    # (B, L, d)
        qkv = (self.matmul(h, jnp.concatenate([wq, wk, wv], axis=1))
               + jnp.concatenate([bq, bk, bv]))                                  # (B, L, 3d)
        qkv = qkv.reshape(batch, length, 3, self._n_heads, d_head)               # (B, L, 3, H, dh)
        q = qkv[:, :, 0] * (1.0 / d_head ** 0.5)                                 # (B, L, H, dh)
        attn = self.attend(q, qkv[:, :, 1], qkv[:, :, 2])                        # (B, L, H, dh)
        attn = self.matmul(attn.reshape(batch, length, d_model), wo) + bo       # (B, L, d)
        return x + self.drop(attn, self.rng if self._mode == "train" else None)

    def _feed_forward(self, x):
        """x + Dropout(Dense_2(Dropout(activation(Dense_1(LayerNorm(x))))))."""
        (ln_scale, ln_bias,                    # LayerNorm
         w1, b1,                               # Dense d_ff; activation, Dropout: none
         w2, b2) = jax.tree_util.tree_leaves(self.weights)  # Dense d_model; Dropout: none
        rng_hidden, rng_out = (fastmath.random.split(self.rng, 2) if self._mode == "train"
                               else (None, None))
        h = _layer_norm(x, ln_scale, ln_bias)                                    # (B, L, d)
        h, _ = self._activation.pure_fn(self.matmul(h, w1) + b1,                 # (B, L, d_ff)
                                        *self._activation_weights_and_state, self.rng)
        h = self.drop(h, rng_hidden)                                             # (B, L, d_ff)
        return x + self.drop(self.matmul(h, w2) + b2, rng_out)                   # (B, L, d)


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation=tl.Relu, max_len=2048):
    """The course's ``DecoderBlock`` (same arguments, its two residuals, its weight tree),
    fast in 'train' and 'eval': a list of two ``FastResidual``; other modes get the course's
    block itself (``max_len``: its KV cache in predict mode)."""
    block = course.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, max_len)
    if mode not in ("train", "eval"):
        return block
    return [FastResidual(residual, part, n_heads, dropout, mode, ff_activation)
            for residual, part in zip(block, PARTS)]
