"""Lab 1 — scaled dot-product attention in plain NumPy.

    Attention(Q, K, V) = softmax(Q Kᵀ / √d) V

Shapes: ``query`` (..., L_q, d), ``key`` (..., L_k, d), ``value`` (..., L_k, d_v);
the result is (..., L_q, d_v). Leading axes (batch, heads) broadcast.
"""
import numpy as np

__all__ = [
    "softmax",
    "DotProductAttention",
    "causal_mask",
    "dot_product_self_attention",
    "split_heads",
    "merge_heads",
    "multi_head_attention",
]

NEG_INF = -1e9  # the course's fill value for masked scores


def softmax(x, axis=-1):
    """Numerically stable softmax: exp(x - logsumexp(x)) along ``axis``."""
    x_max = np.max(x, axis=axis, keepdims=True)
    logsumexp = x_max + np.log(np.sum(np.exp(x - x_max), axis=axis, keepdims=True))
    return np.exp(x - logsumexp)


def DotProductAttention(query, key, value, mask, scale=True):
    """softmax(Q Kᵀ / √d + mask) V in NumPy.

    Args:
      query: (..., L_q, d).
      key: (..., L_k, d).
      value: (..., L_k, d_v).
      mask: broadcastable to (..., L_q, L_k); truthy = keep, falsy = masked
        (score replaced by -1e9). ``None`` masks nothing.
      scale: divide scores by √d; ``False`` means depth 1.

    Returns:
      (..., L_q, d_v) attention output.
    """
    assert query.shape[-1] == key.shape[-1] == value.shape[-1], (
        "query, key and value must share their last dimension")
    depth = query.shape[-1] if scale else 1
    dots = np.matmul(query, np.swapaxes(key, -1, -2)) / np.sqrt(depth)  # (..., L_q, L_k)
    if mask is not None:
        dots = np.where(mask, dots, np.full_like(dots, NEG_INF))
    return np.matmul(softmax(dots, axis=-1), value)  # (..., L_q, d_v)


def causal_mask(length):
    """Boolean lower-triangular mask of shape (1, length, length): position i sees j ≤ i."""
    return np.tril(np.ones((1, length, length), dtype=np.bool_))


def dot_product_self_attention(q, k, v, scale=True):
    """Causal self-attention: each position attends to itself and the past only.

    q, k, v: (..., L, d) → (..., L, d).
    """
    return DotProductAttention(q, k, v, causal_mask(q.shape[-2]), scale=scale)


def split_heads(x, n_heads):
    """(batch, L, d_model) → (batch, n_heads, L, d_model // n_heads)."""
    batch, length, d_model = x.shape
    if d_model % n_heads:
        raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
    return x.reshape(batch, length, n_heads, d_model // n_heads).transpose(0, 2, 1, 3)


def merge_heads(x):
    """(batch, n_heads, L, d_head) → (batch, L, n_heads * d_head); inverse of split_heads."""
    batch, n_heads, length, d_head = x.shape
    return x.transpose(0, 2, 1, 3).reshape(batch, length, n_heads * d_head)


def multi_head_attention(x_q, x_kv, w_q, w_k, w_v, w_o, n_heads, mask=None):
    """Multi-head attention: project, split into heads, attend per head, concatenate, project.

    Args:
      x_q: (batch, L_q, d_model) — where the queries come from.
      x_kv: (batch, L_k, d_model) — where keys and values come from (x_q for self-attention).
      w_q, w_k, w_v, w_o: (d_model, d_model) projection matrices.
      n_heads: number of heads; each head works in d_model // n_heads dimensions.
      mask: broadcastable to (batch, n_heads, L_q, L_k), truthy = keep; e.g. causal_mask(L).

    Returns:
      (batch, L_q, d_model).
    """
    q = split_heads(x_q @ w_q, n_heads)  # (batch, heads, L_q, d_head)
    k = split_heads(x_kv @ w_k, n_heads)  # (batch, heads, L_k, d_head)
    v = split_heads(x_kv @ w_v, n_heads)  # (batch, heads, L_k, d_head)
    if mask is not None and np.ndim(mask) == 3:
        mask = mask[:, None]  # (batch|1, 1, L_q, L_k): same mask for every head
    heads = DotProductAttention(q, k, v, mask)  # (batch, heads, L_q, d_head)
    return merge_heads(heads) @ w_o  # (batch, L_q, d_model)
