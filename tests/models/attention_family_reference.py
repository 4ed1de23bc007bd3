"""Plain NumPy references for ``attention_family``, written from the equations, loops and all
(as the course's Lab 1 writes attention): one batch row at a time, one position at a time.

Shapes as in ``attention_family``: query s (batch, n), keys H (batch, S, m), mask (batch, S) with
1 = real, alignments (batch, S). Everything is computed in float64.
"""
import numpy as np

__all__ = ["conv_features", "content_scores", "location_scores", "hybrid_scores",
           "location_sensitive_scores", "masked_softmax", "sharpened_softmax",
           "smoothed_normalise", "median_position", "windowed_softmax", "monotonic_attention",
           "hard_monotonic_attention", "stepwise_monotonic_attention", "local_p_center",
           "local_attention"]


def _f64(*arrays):
    return [np.asarray(a, np.float64) for a in arrays]


def conv_features(channels, filters):
    """f[b, j, c] = Σ_t Σ_c' x[b, j + t − ⌊(r−1)/2⌋, c'] F[t, c', c], x = 0 outside [0, S)."""
    channels, filters = _f64(channels, filters)
    batch, S, C = channels.shape
    r, _, k = filters.shape
    left = (r - 1) // 2
    f = np.zeros((batch, S, k))
    for b in range(batch):
        for j in range(S):
            for t in range(r):
                src = j + t - left
                if 0 <= src < S:
                    f[b, j] += channels[b, src] @ filters[t]          # (C,) @ (C, k)
    return f


def _energy(query, w_query, b, v, terms):
    """e[b, j] = vᵀ tanh(W s_b + Σ_terms term[b, j] + b)."""
    batch, S = terms[0].shape[:2]
    e = np.zeros((batch, S))
    for i in range(batch):
        for j in range(S):
            e[i, j] = v @ np.tanh(query[i] @ w_query + sum(t[i, j] for t in terms) + b)
    return e


def content_scores(query, keys, w_query, w_keys, b, v):
    query, keys, w_query, w_keys, b, v = _f64(query, keys, w_query, w_keys, b, v)
    return _energy(query, w_query, b, v, [keys @ w_keys])


def location_scores(query, prev_alpha, filters, w_query, w_loc, b, v):
    query, w_query, w_loc, b, v = _f64(query, w_query, w_loc, b, v)
    f = conv_features(np.asarray(prev_alpha)[:, :, None], filters)
    return _energy(query, w_query, b, v, [f @ w_loc])


def hybrid_scores(query, keys, prev_alpha, filters, w_query, w_keys, w_loc, b, v):
    query, keys, w_query, w_keys, w_loc, b, v = _f64(query, keys, w_query, w_keys, w_loc, b, v)
    f = conv_features(np.asarray(prev_alpha)[:, :, None], filters)
    return _energy(query, w_query, b, v, [keys @ w_keys, f @ w_loc])


def location_sensitive_scores(query, keys, prev_alpha, cum_alpha, filters, w_query, w_keys,
                              w_loc, b, v):
    query, keys, w_query, w_keys, w_loc, b, v = _f64(query, keys, w_query, w_keys, w_loc, b, v)
    f = conv_features(np.stack([prev_alpha, cum_alpha], axis=-1), filters)
    return _energy(query, w_query, b, v, [keys @ w_keys, f @ w_loc])


def _normalise_rows(values, keep):
    """values / Σ over kept positions, 0 where not kept; an all-dropped row stays all zeros."""
    out = np.zeros(values.shape)
    for b in range(values.shape[0]):
        idx = [j for j in range(values.shape[1]) if keep[b, j]]
        if idx:
            total = sum(values[b, j] for j in idx)
            for j in idx:
                out[b, j] = values[b, j] / total
    return out


def masked_softmax(scores, mask):
    scores, mask = _f64(scores, mask)
    keep = mask > 0
    out = np.zeros(scores.shape)
    for b in range(scores.shape[0]):
        if keep[b].any():
            top = scores[b][keep[b]].max()
            out[b] = np.where(keep[b], np.exp(np.where(keep[b], scores[b] - top, 0.0)), 0.0)
    return _normalise_rows(out, keep)


def sharpened_softmax(scores, mask, beta):
    return masked_softmax(beta * np.asarray(scores, np.float64), mask)


def smoothed_normalise(scores, mask):
    scores, mask = _f64(scores, mask)
    return _normalise_rows(1.0 / (1.0 + np.exp(-scores)), mask > 0)


def median_position(alpha):
    """For each row: the smallest j whose running sum reaches half the row's total."""
    alpha = np.asarray(alpha, np.float64)
    out = np.zeros(alpha.shape[0], np.int64)
    for b in range(alpha.shape[0]):
        half, running = alpha[b].sum() / 2, 0.0
        for j in range(alpha.shape[1]):
            running += alpha[b, j]
            if running >= half:
                out[b] = j
                break
    return out


def windowed_softmax(scores, mask, prev_alpha, width):
    p = median_position(prev_alpha)
    keep = np.array([[mask[b, j] > 0 and p[b] - width <= j < p[b] + width
                      for j in range(np.shape(mask)[1])] for b in range(np.shape(mask)[0])])
    return masked_softmax(scores, keep.astype(np.float64))


def monotonic_attention(p, prev_alpha, mask):
    """Raffel et al. Eqs. 9–14, the recurrence as written: q_j = (1 − p_{j−1}) q_{j−1} + α_{i−1,j}
    (q_{−1} = 0), α_ij = p_ij q_ij; a padded position has p = 0."""
    p, prev_alpha, mask = _f64(p, prev_alpha, mask)
    p = np.where(mask > 0, p, 0.0)
    alpha = np.zeros(p.shape)
    for b in range(p.shape[0]):
        q = 0.0
        for j in range(p.shape[1]):
            q = (1.0 - p[b, j - 1]) * q + prev_alpha[b, j] if j else prev_alpha[b, 0]
            alpha[b, j] = p[b, j] * q
    return alpha


def hard_monotonic_attention(p, prev_position, mask):
    """Scan forward from the previous position; stop at the first real j with p_j > 0.5."""
    batch, S = np.shape(p)
    alpha, position = np.zeros((batch, S)), np.array(prev_position, np.int64).copy()
    for b in range(batch):
        for j in range(int(prev_position[b]), S):
            if mask[b, j] > 0 and p[b, j] > 0.5:
                alpha[b, j], position[b] = 1.0, j
                break
    return alpha, position


def stepwise_monotonic_attention(p, prev_alpha, mask):
    """He et al. Eqs. 7–8: α_j = α_{i−1,j} p_j + α_{i−1,j−1} (1 − p_{j−1}); mass leaving a row's
    last real position is lost."""
    p, prev_alpha, mask = _f64(p, prev_alpha, mask)
    alpha = np.zeros(p.shape)
    for b in range(p.shape[0]):
        for j in range(p.shape[1]):
            if mask[b, j] > 0:
                alpha[b, j] = prev_alpha[b, j] * p[b, j]
                if j:
                    alpha[b, j] += prev_alpha[b, j - 1] * (1.0 - p[b, j - 1])
    return alpha


def local_p_center(query, w_p, v_p, mask):
    """p_t = S · σ(v_pᵀ tanh(W_p h_t)), S = the row's real length."""
    query, w_p, v_p, mask = _f64(query, w_p, v_p, mask)
    out = np.zeros(query.shape[0])
    for b in range(query.shape[0]):
        length = (mask[b] > 0).sum()
        out[b] = length / (1.0 + np.exp(-(v_p @ np.tanh(query[b] @ w_p))))
    return out


def local_attention(scores, mask, center, half_width, gaussian):
    """align over |j − p_t| ≤ D (softmax there), times exp(−(j − p_t)² / (2 (D/2)²)) for local-p."""
    batch, S = np.shape(scores)
    keep = np.array([[mask[b, j] > 0 and abs(j - center[b]) <= half_width for j in range(S)]
                     for b in range(batch)])
    align = masked_softmax(scores, keep.astype(np.float64))
    if gaussian:
        sigma = half_width / 2.0
        for b in range(batch):
            for j in range(S):
                align[b, j] *= np.exp(-(j - center[b]) ** 2 / (2 * sigma ** 2))
    return align
