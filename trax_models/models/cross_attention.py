"""The attention family (``attention_family``) in the encoder–decoder Transformer's cross-attention.

A Transformer's cross-attention scores every target position at once (teacher forcing): the
scores are the scaled dot products e = q kᵀ/√d_head of all (head, target position) rows in
parallel, so a mechanism applies only if it needs nothing from the previous decoder step:

    cross_attention   α over the source positions j of target position i (per head)
    'softmax'         exp(e_j) / Σ exp — the graded ``DotProductAttention``, today's model
    'sharpened'       softmax(β e), β = attention_family.DEFAULTS['beta'] (2.0)
    'smoothed'        σ(e_j) / Σ σ(e_j)
    'local_m'         softmax over |j − p_i| ≤ D only, D = DEFAULTS['local_d'] (2), with Luong's
                      local-m centre p_i = i (the diagonal), clipped to the source's last real
                      position so that a target longer than its source still reads something.
                      The centre is not scaled by S/T: in predict mode the target length T is
                      unknown while decoding, and eval and predict mode must agree.

Here 'sharpened' and 'smoothed' are Chorowski et al.'s normalisations on the dot-product scores
(``attention_family.MECHANISMS`` pairs them with hybrid scores, which read α_{i-1}).
Refused, with a one-line ValueError (``check``): 'location', 'hybrid', 'location_sensitive',
'windowed', 'monotonic' and 'stepwise_monotonic' need α_{i-1}, the previous step's alignment,
which parallel cross-attention does not have; 'content' is additive scoring (the Transformer's
dot-product softmax is its content attention); 'local_p' needs a learned position predictor,
weights the Transformer does not have. All of them run in the RNN seq2seq
(``seq2seq.Seq2Seq(attention=...)``), which decodes one step at a time.

Masking is exact (attention_family's normalisations): padding keys get weight 0.0 and a fully
masked row gives zeros, never NaN. Padding-free, the 'softmax' variant of ``weights`` equals the
graded attention; the model keeps the graded layer itself for 'softmax' (bit for bit the same
model, weights and checkpoints as before the option existed).
"""
import jax.numpy as jnp
from trax import layers as tl

from trax_models.models import attention_family as af

__all__ = ["CROSS_ATTENTION", "PREVIOUS_STEP", "check", "scores", "local_m_centers", "weights",
           "CrossAttention"]

CROSS_ATTENTION = ('softmax', 'sharpened', 'smoothed', 'local_m')
# the family's mechanisms whose alignment needs the previous decoder step's α_{i-1}
PREVIOUS_STEP = tuple(name for name, m in af.MECHANISMS.items()
                      if 'prev_alpha' in m.state and name not in CROSS_ATTENTION)
_USE = "cross_attention='softmax', 'sharpened', 'smoothed' or 'local_m'"


def check(name):
    """``name`` if the Transformer's cross-attention can use it; else a one-line ValueError
    saying why and what to use instead."""
    if name in CROSS_ATTENTION:
        return name
    if name in PREVIOUS_STEP:
        raise ValueError(f"cross_attention={name!r} needs α_(i-1), the previous decoder step's "
                         "alignment, which the Transformer's cross-attention (all target positions "
                         f"at once) does not have: use the RNN seq2seq (Seq2Seq(attention={name!r})) "
                         f"or {_USE}")
    if name == 'content':
        raise ValueError("cross_attention='content' is the RNN seq2seq's additive scoring: the "
                         "Transformer's dot-product softmax is its content attention, use "
                         "cross_attention='softmax'")
    if name == 'local_p':
        raise ValueError("cross_attention='local_p' needs a learned position predictor the "
                         "Transformer has no weights for: use cross_attention='local_m' or the RNN "
                         "seq2seq (Seq2Seq(attention='local_p'))")
    raise ValueError(f"unknown cross_attention {name!r}: use {_USE}")


def scores(q, k):
    """e = q kᵀ/√d, as the graded ``DotProductAttention``: q (N, L_q, d), k (N, L_k, d) →
    (N, L_q, L_k)."""
    return jnp.matmul(q, jnp.swapaxes(k, -1, -2)) / jnp.sqrt(q.shape[-1])


def local_m_centers(mask, n_heads, length_q, start=0):
    """p_i = min(i, last real source position) for target positions i = start … start+L_q−1:
    mask (batch, L_k) → (batch·n_heads, L_q) float."""
    last = jnp.maximum(jnp.sum(mask > 0, axis=-1) - 1, 0)                  # (batch,)
    positions = start + jnp.arange(length_q)                               # (L_q,)
    centers = jnp.minimum(positions[None, :], last[:, None])               # (batch, L_q)
    return jnp.repeat(centers, n_heads, axis=0).astype(jnp.float32)


def weights(q, k, mask, n_heads, name, start=0):
    """The cross-attention weights α (batch·n_heads, L_q, L_k) of mechanism ``name``.

    q (batch·n_heads, L_q, d), k (batch·n_heads, L_k, d) with heads folded into the batch axis
    (row b·n_heads + h); mask (batch, L_k), True/1 at real source positions; ``start``: the
    absolute target position of the first query (predict mode's counter; local-m's centre);
    β and D are ``attention_family.DEFAULTS``' ('beta', 'local_d').
    Each (row, target position) is one "decoder step" of attention_family's functions.
    """
    check(name)
    hp = af.DEFAULTS
    e = scores(q, k)
    n, length_q, length_k = e.shape
    rows = e.reshape(n * length_q, length_k)
    row_mask = jnp.broadcast_to(jnp.repeat(mask > 0, n_heads, axis=0)[:, None, :], e.shape)
    row_mask = row_mask.reshape(n * length_q, length_k).astype(e.dtype)
    if name == 'softmax':
        alpha = af.masked_softmax(rows, row_mask)
    elif name == 'sharpened':
        alpha = af.sharpened_softmax(rows, row_mask, hp['beta'])
    elif name == 'smoothed':
        alpha = af.smoothed_normalise(rows, row_mask)
    else:  # local_m. The window may be wider than a short (padded) source: no width limit here,
        # so not af.local_attention (its check refuses sources shorter than 2D + 1).
        half = hp['local_d']
        af.check_width(half, 2 * half + 1, 2 * half + 1, 'local window')
        center = local_m_centers(mask, n_heads, length_q, start).reshape(-1)
        window = jnp.abs(jnp.arange(length_k)[None, :] - center[:, None]) <= half
        alpha = af.masked_softmax(rows, row_mask * window)
    return alpha.reshape(n, length_q, length_k)


class CrossAttention(tl.Layer):
    """(q, k, v, mask) → α v (batch·n_heads, L_q, d) with α = ``weights(..., name)``.

    The replacement of the graded ``DotProductAttn`` Fn in ``MultiHeadAttention`` for the
    variants. No weights (the weight tree stays the Fn's ``()``). In predict mode 'local_m'
    keeps the target position as state, an int32 scalar counter advanced by each call's L_q
    (``predict.set_position`` rewinds it like the KV caches' counters); otherwise no state.
    """

    def __init__(self, name, n_heads, mode='train'):
        super().__init__(n_in=4, n_out=1, name=f'CrossAttention_{check(name)}')
        self._mechanism, self._n_heads = name, n_heads
        self._counts = mode == 'predict' and name == 'local_m'

    def init_weights_and_state(self, input_signature):
        if self._counts:
            self.state = jnp.zeros((), dtype=jnp.int32)

    def forward(self, inputs):
        q, k, v, mask = inputs
        start = 0
        if self._counts:
            start = self.state
            self.state = start + q.shape[1]
        alpha = weights(q, k, mask, self._n_heads, self._mechanism, start)
        return jnp.matmul(alpha, v)

