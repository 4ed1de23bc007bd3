"""The graded attention stack of the Transformer Summarizer (UNQ_C1–C5), in Trax.

The course builds causal multi-head attention from plain functions wrapped in ``tl.Fn``:

    x (batch, seq, d_feature)
      ├─ Dense → AttnHeads ─ q (batch·n_heads, seq, d_head)
      ├─ Dense → AttnHeads ─ k (batch·n_heads, seq, d_head)
      └─ Dense → AttnHeads ─ v (batch·n_heads, seq, d_head)
    DotProductAttn(q, k, v)   (batch·n_heads, seq, d_head)   softmax(q kᵀ/√d_head + causal mask) v
    AttnOutput                (batch, seq, d_feature)        heads concatenated again
    Dense                     (batch, seq, d_feature)

Names, signatures and semantics are the course's. ``CausalAttention`` works in train and eval
mode exactly as graded; in ``mode='predict'`` it keeps a key/value cache
(``CachedDotProductAttn``) — the course version silently ignored ``mode`` and gave wrong tokens
when fed one position at a time.
"""
import jax
import trax
from trax import layers as tl
from trax.fastmath import numpy as jnp

__all__ = [
    "DotProductAttention",
    "compute_attention_heads_closure",
    "dot_product_self_attention",
    "compute_attention_output_closure",
    "CausalAttention",
    "CachedDotProductAttn",
    "causal_mask",
]


def causal_mask(length_q, length_k=None):
    """(1, L_q, L_k) bool, True where key j ≤ query i: the causal mask, built in one place."""
    length_k = length_q if length_k is None else length_k
    return jnp.tril(jnp.ones((1, length_q, length_k), dtype=jnp.bool_), k=0)


def DotProductAttention(query, key, value, mask):
    """Scaled dot-product attention (UNQ_C1).

    Args:
      query: (..., L_q, d).
      key: (..., L_k, d).
      value: (..., L_k, d).
      mask: broadcastable to (..., L_q, L_k); True = attend, False = masked (score → -1e9).
        ``None`` masks nothing.

    Returns:
      jax.Array (..., L_q, d): softmax(query keyᵀ / √d) value, with the softmax computed as
      exp(x − logsumexp(x)) for numerical stability.
    """
    assert query.shape[-1] == key.shape[-1] == value.shape[-1], (
        "Embedding dimensions of q, k, v aren't all the same")
    depth = query.shape[-1]
    dots = jnp.matmul(query, jnp.swapaxes(key, -1, -2)) / jnp.sqrt(depth)  # (..., L_q, L_k)
    if mask is not None:
        dots = jnp.where(mask, dots, jnp.full_like(dots, -1e9))
    logsumexp = trax.fastmath.logsumexp(dots, axis=-1, keepdims=True)
    dots = jnp.exp(dots - logsumexp)  # attention weights: rows sum to 1
    return jnp.matmul(dots, value)  # (..., L_q, d)


def compute_attention_heads_closure(n_heads, d_head):
    """Returns a function splitting features into heads folded into the batch axis (UNQ_C2).

    The function maps (batch, seq, n_heads·d_head) → (batch·n_heads, seq, d_head).
    """

    def compute_attention_heads(x):
        batch_size, seqlen = x.shape[0], x.shape[1]
        x = jnp.reshape(x, (batch_size, seqlen, n_heads, d_head))  # (batch, seq, heads, d_head)
        x = jnp.transpose(x, (0, 2, 1, 3))  # (batch, heads, seq, d_head)
        return jnp.reshape(x, (-1, seqlen, d_head))  # (batch·heads, seq, d_head)

    return compute_attention_heads


def dot_product_self_attention(q, k, v):
    """Causal self-attention (UNQ_C3): position i attends to positions ≤ i.

    q, k, v: (batch·n_heads, seq, d_head) → (batch·n_heads, seq, d_head). The mask is boolean,
    lower-triangular, of shape (1, seq, seq), broadcast over the batch axis.
    """
    mask_size = q.shape[-2]
    mask = causal_mask(mask_size)  # (1, seq, seq): jnp.tril of ones, k=0
    return DotProductAttention(q, k, v, mask)


def compute_attention_output_closure(n_heads, d_head):
    """Returns the inverse of ``compute_attention_heads_closure`` (UNQ_C4).

    The function maps (batch·n_heads, seq, d_head) → (batch, seq, n_heads·d_head).
    """

    def compute_attention_output(x):
        seqlen = x.shape[1]
        x = jnp.reshape(x, (-1, n_heads, seqlen, d_head))  # (batch, heads, seq, d_head)
        x = jnp.transpose(x, (0, 2, 1, 3))  # (batch, seq, heads, d_head)
        return jnp.reshape(x, (-1, seqlen, n_heads * d_head))  # (batch, seq, d_feature)

    return compute_attention_output


def CausalAttention(d_feature,
                    n_heads,
                    compute_attention_heads_closure=compute_attention_heads_closure,
                    dot_product_self_attention=dot_product_self_attention,
                    compute_attention_output_closure=compute_attention_output_closure,
                    mode='train',
                    max_len=2048):
    """Causal multi-head self-attention layer (UNQ_C5), with a KV cache in predict mode.

    Input and output: (batch, seq, d_feature).

    Modes:
      'train', 'eval': the course's tree, no state; ``seq`` any length.
      'predict': the same tree and the same weights, with ``DotProductAttn`` replaced by
        ``CachedDotProductAttn(max_len)``, which keeps the keys and values of all positions seen
        so far in its state. Each call feeds the next ``seq`` positions (1 when decoding token by
        token, or a whole prompt at once to prefill); positions advance by ``seq``. The caller's
        ``dot_product_self_attention`` is not used in this mode. Cache memory per layer:
        batch × max_len × d_feature × 2 (keys, values) × 4 bytes (float32).

    Args:
      d_feature: model width; must be divisible by ``n_heads``.
      n_heads: number of attention heads (each of width d_feature // n_heads).
      compute_attention_heads_closure, dot_product_self_attention,
      compute_attention_output_closure: the course's pluggable pieces.
      mode: 'train' | 'eval' | 'predict'.
      max_len: predict mode only: how many positions the cache holds.
    """
    assert d_feature % n_heads == 0, (  # the course's check (an AssertionError, as graded)
        f"CausalAttention: d_feature={d_feature} is not divisible by n_heads={n_heads}; "
        f"choose d_feature = n_heads × d_head.")
    if mode not in ('train', 'eval', 'predict'):
        raise ValueError(f"CausalAttention: mode={mode!r}; use 'train', 'eval' or 'predict'.")
    d_head = d_feature // n_heads
    ComputeAttentionHeads = tl.Fn('AttnHeads', compute_attention_heads_closure(n_heads, d_head),
                                  n_out=1)
    if mode == 'predict':
        attention = CachedDotProductAttn(max_len)
    else:
        attention = tl.Fn('DotProductAttn', dot_product_self_attention, n_out=1)
    return tl.Serial(
        tl.Branch(  # three copies of x → q, k, v, each (batch·heads, seq, d_head)
            [tl.Dense(d_feature), ComputeAttentionHeads],
            [tl.Dense(d_feature), ComputeAttentionHeads],
            [tl.Dense(d_feature), ComputeAttentionHeads],
        ),
        attention,  # (batch·heads, seq, d_head)
        tl.Fn('AttnOutput', compute_attention_output_closure(n_heads, d_head), n_out=1),
        tl.Dense(d_feature),
    )


class CachedDotProductAttn(tl.Layer):
    """Causal dot-product attention over a key/value cache: predict mode's ``DotProductAttn``.

    Inputs q, k, v: (batch·heads, n, d_head), the next n positions. Output: (batch·heads, n,
    d_head), where the query at absolute position p attends to all cached positions ≤ p.

    State: ``(keys, values, position)`` — keys and values (batch·heads, max_len, d_head) float32,
    position an int32 scalar (how many positions are filled). Shapes are fixed at ``init`` (from
    the input signature's batch), so the state is a pytree of static-shape arrays usable as a
    ``jax.lax`` loop carry. No weights: the layer's weight tree is the ``tl.Fn``'s, ``()``.

    Reset per prompt by restoring the state saved right after ``init`` (``layer.state = saved``).
    Overflow (position + n > max_len) raises in eager calls; under ``jax.jit`` it cannot be
    checked, and the cache write would be clamped, so keep prompt + output ≤ max_len.
    """

    def __init__(self, max_len):
        super().__init__(n_in=3, n_out=1, name='CachedDotProductAttn')
        if max_len < 1:
            raise ValueError(f"CachedDotProductAttn: max_len={max_len} must be ≥ 1.")
        self._max_len = max_len

    def init_weights_and_state(self, input_signature):
        _, k_signature, _ = input_signature
        batch_heads, d_head = k_signature.shape[0], k_signature.shape[-1]
        cache = jnp.zeros((batch_heads, self._max_len, d_head), dtype=jnp.float32)
        self.state = (cache, cache, jnp.zeros((), dtype=jnp.int32))

    def forward(self, inputs):
        q, k, v = inputs  # each (batch·heads, n, d_head)
        keys, values, position = self.state
        n = q.shape[1]
        if q.shape[0] != keys.shape[0]:
            raise ValueError(
                f"predict-mode attention was initialised for batch·heads={keys.shape[0]} but got "
                f"{q.shape[0]}; init the predict model with the batch size you decode with.")
        if not isinstance(position, jax.core.Tracer) and int(position) + n > self._max_len:
            raise ValueError(
                f"KV cache full: {int(position)} positions cached + {n} new > max_len="
                f"{self._max_len}; reset the state per prompt or build the model with a larger "
                f"max_len.")
        keys = jax.lax.dynamic_update_slice_in_dim(keys, k.astype(keys.dtype), position, axis=1)
        values = jax.lax.dynamic_update_slice_in_dim(values, v.astype(values.dtype), position,
                                                     axis=1)
        query_position = position + jnp.arange(n)[:, None]  # (n, 1)
        key_position = jnp.arange(self._max_len)[None, :]  # (1, max_len)
        mask = (key_position <= query_position)[None]  # (1, n, max_len): past and self only
        self.state = (keys, values, position + n)
        return DotProductAttention(q, keys, values, mask)  # (batch·heads, n, d_head)
