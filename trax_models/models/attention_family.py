"""The family of attention mechanisms (course notes 004; Chorowski et al. 2015, Raffel et al. 2017,
He et al. 2019, Luong et al. 2015, Shen et al. 2018) for one decoder step i, in JAX.

Every function is pure and batched. Shapes: query s (batch, n), keys H (batch, S, m), mask
(batch, S) with 1 = a real position (padding at the end of a row), previous alignment α_{i-1}
(batch, S), cumulative alignment Σ_{k<i} α_k (batch, S), scores e (batch, S).

    scores                                         normalisation α_i = norm(e_i)
    content   e_j = wᵀ tanh(W s + V h_j + b)       softmax        exp(e_j) / Σ exp
    location  e_j = wᵀ tanh(W s + U f_j + b)       sharpened      softmax(β e), β > 1
    hybrid    e_j = wᵀ tanh(W s + V h_j + U f_j + b)  smoothed    σ(e_j) / Σ σ
              f = F ∗ α_{i-1}  (k filters, width r)  windowed     softmax over [p − w, p + w),
    location-sensitive: f = F ∗ [α_{i-1}; Σ α]                   p = median of α_{i-1}
    monotonic  α_ij = p_ij q_ij, q_ij = (1 − p_{i,j-1}) q_{i,j-1} + α_{i-1,j}, p = σ(e)
    stepwise   α_i = α_{i-1} p_i + [0; α_{i-1,:-1} (1 − p_{i,:-1})]
    local-p    p_t = S σ(v_pᵀ tanh(W_p h_t)), α = align · exp(−(j − p_t)² / (2 (D/2)²)) on |j − p_t| ≤ D
    local-m    p_t = t, α = align on |j − t| ≤ D

Masking is exact: a padded position gets weight 0.0 and a fully masked row gives all zeros,
never NaN (also in the gradients). ``MECHANISMS`` names each mechanism with the state it needs;
``attention_step`` (with ``init_params`` / ``init_state``) runs any of them for one decoder step,
which is how ``seq2seq`` uses them. NumPy references (loops, from the equations):
``tests/models/attention_family_reference.py``.
"""
import dataclasses

import jax
import jax.numpy as jnp

__all__ = ["MECHANISMS", "DEFAULTS", "Mechanism", "mechanism", "check_beta", "check_width",
           "conv_features", "content_scores", "location_scores", "hybrid_scores",
           "location_sensitive_scores", "masked_softmax", "sharpened_softmax", "smoothed_normalise",
           "median_position", "windowed_softmax", "monotonic_attention",
           "monotonic_attention_recursive", "hard_monotonic_attention",
           "stepwise_monotonic_attention", "local_p_center", "local_attention",
           "init_params", "param_names", "init_state", "attention_step", "count_params"]


@dataclasses.dataclass(frozen=True)
class Mechanism:
    scores: str          # 'content' | 'location' | 'hybrid' | 'location_sensitive' | 'general'
    normalise: str       # 'softmax' | 'sharpened' | 'smoothed' | 'windowed' | 'monotonic' | ...
    state: tuple         # what it reads besides query and keys: 'prev_alpha', 'cum_alpha', 'step'
    sums_to_one: bool    # False: the mass may be < 1 (monotonic, stepwise, local-p's Gaussian)
    luong: bool = False  # query = the state *after* the LSTM step (Luong), else before (Bahdanau)


MECHANISMS = {
    'content': Mechanism('content', 'softmax', (), True),
    'location': Mechanism('location', 'softmax', ('prev_alpha',), True),
    'hybrid': Mechanism('hybrid', 'softmax', ('prev_alpha',), True),
    'location_sensitive': Mechanism('location_sensitive', 'softmax', ('prev_alpha', 'cum_alpha'), True),
    # Chorowski et al. §2.3 apply the three normalisation fixes to the location-aware model.
    'sharpened': Mechanism('hybrid', 'sharpened', ('prev_alpha',), True),
    'smoothed': Mechanism('hybrid', 'smoothed', ('prev_alpha',), True),
    'windowed': Mechanism('hybrid', 'windowed', ('prev_alpha',), True),
    'monotonic': Mechanism('content', 'monotonic', ('prev_alpha',), False),
    'stepwise_monotonic': Mechanism('content', 'stepwise', ('prev_alpha',), False),
    'local_p': Mechanism('general', 'local_p', (), False, luong=True),
    'local_m': Mechanism('general', 'local_m', ('step',), True, luong=True),
}

# beta: sharpening; window: w of [p − w, p + w); local_d: Luong's D; filters: k and r of F;
# monotonic_bias: r added to e (Raffel: negative, so p starts small); stepwise_bias: He et al.
DEFAULTS = {'beta': 2.0, 'window': 2, 'local_d': 2, 'n_filters': 8, 'filter_width': 5,
            'monotonic_bias': -4.0, 'stepwise_bias': 3.5}


def mechanism(name):
    """The ``Mechanism`` called ``name``; a one-line ValueError for an unknown name."""
    if name not in MECHANISMS:
        raise ValueError(f"unknown attention mechanism {name!r}: choose one of {sorted(MECHANISMS)}")
    return MECHANISMS[name]


def check_beta(beta):
    if not float(beta) > 0:
        raise ValueError(f"sharpening beta must be > 0 (> 1 sharpens), got {beta}: pass e.g. beta=2.0")


def check_width(width, length, span=None, what='window'):
    """A window of half-width ``width`` (``span`` = 2·width positions unless given) must have
    width ≥ 1 and be no wider than the input of ``length`` positions."""
    span = 2 * width if span is None else span
    if int(width) != width or width < 1:
        raise ValueError(f"{what} half-width must be a positive integer, got {width!r}")
    if span > length:
        raise ValueError(f"{what} of half-width {width} spans {span} positions, wider than the "
                         f"input ({length}): use a smaller half-width or no window")


# --- scores --------------------------------------------------------------------------------------

def conv_features(channels, filters):
    """f = F ∗ channels with 'same' padding: channels (batch, S, C), filters (r, C, k) → (batch, S, k).

    f_jc = Σ_t Σ_c' channels[j + t − ⌊(r−1)/2⌋, c'] F[t, c', c] (cross-correlation, as every DL
    framework's "convolution"; zeros outside the row). Padded positions hold α = 0 already.
    """
    r = filters.shape[0]
    left = (r - 1) // 2
    return jax.lax.conv_general_dilated(channels, filters, window_strides=(1,),
                                        padding=[(left, r - 1 - left)],
                                        dimension_numbers=('NWC', 'WIO', 'NWC'))


def _energy(query, w_query, b, v, *terms):
    """wᵀ tanh(W s + Σ terms + b): query (batch, n), terms (batch, S, a) each → (batch, S)."""
    hidden = (jnp.dot(query, w_query) + b)[:, None, :] + sum(terms)   # (batch, S, a)
    return jnp.dot(jnp.tanh(hidden), v)


def content_scores(query, keys, w_query, w_keys, b, v):
    """e_j = wᵀ tanh(W s + V h_j + b). w_query (n, a), w_keys (m, a), b, v (a,) → (batch, S)."""
    return _energy(query, w_query, b, v, jnp.dot(keys, w_keys))


def location_scores(query, prev_alpha, filters, w_query, w_loc, b, v):
    """e_j = wᵀ tanh(W s + U f_j + b), f = F ∗ α_{i-1}: knows *where*, not *what*.

    prev_alpha (batch, S), filters (r, 1, k), w_loc (k, a) → (batch, S).
    """
    f = conv_features(prev_alpha[:, :, None], filters)               # (batch, S, k)
    return _energy(query, w_query, b, v, jnp.dot(f, w_loc))


def hybrid_scores(query, keys, prev_alpha, filters, w_query, w_keys, w_loc, b, v):
    """e_j = wᵀ tanh(W s + V h_j + U f_j + b), f = F ∗ α_{i-1}. filters (r, 1, k) → (batch, S)."""
    f = conv_features(prev_alpha[:, :, None], filters)
    return _energy(query, w_query, b, v, jnp.dot(keys, w_keys), jnp.dot(f, w_loc))


def location_sensitive_scores(query, keys, prev_alpha, cum_alpha, filters, w_query, w_keys,
                              w_loc, b, v):
    """Tacotron 2: hybrid with f = F ∗ [α_{i-1}; Σ_{k<i} α_k] (2 input channels; filters (r, 2, k)).

    The cumulative channel tells the scorer what has been read already, against skips and repeats.
    """
    f = conv_features(jnp.stack([prev_alpha, cum_alpha], axis=-1), filters)   # (batch, S, k)
    return _energy(query, w_query, b, v, jnp.dot(keys, w_keys), jnp.dot(f, w_loc))


# --- normalisations (all masked: padding gets exactly 0, a fully masked row gives zeros) -------------

def _safe_divide(x, total):
    # 0/0 → 0 for a fully masked row; the where on the denominator keeps the gradient finite too.
    return jnp.where(total > 0, x / jnp.where(total > 0, total, 1.0), 0.0)


def masked_softmax(scores, mask):
    """softmax over the positions with mask > 0: scores, mask (batch, S) → (batch, S)."""
    valid = mask > 0
    top = jnp.max(jnp.where(valid, scores, -jnp.inf), axis=-1, keepdims=True)
    top = jax.lax.stop_gradient(jnp.where(jnp.isfinite(top), top, 0.0))   # softmax is shift-free
    # exp of a where (not of -inf) so that no branch, forward or backward, sees inf.
    expd = jnp.where(valid, jnp.exp(jnp.where(valid, scores - top, 0.0)), 0.0)
    return _safe_divide(expd, jnp.sum(expd, axis=-1, keepdims=True))


def sharpened_softmax(scores, mask, beta):
    """softmax(β e): β > 1 concentrates the weights (β < 1 flattens them). beta a Python float."""
    check_beta(beta)
    return masked_softmax(beta * scores, mask)


def smoothed_normalise(scores, mask):
    """α_j = σ(e_j) / Σ_j σ(e_j): no exponential, so the weights stay spread (Chorowski §2.3)."""
    sig = jnp.where(mask > 0, jax.nn.sigmoid(scores), 0.0)
    return _safe_divide(sig, jnp.sum(sig, axis=-1, keepdims=True))


def median_position(alpha):
    """The smallest j with Σ_{k≤j} α_k ≥ ½ Σ_k α_k: alpha (batch, S) → (batch,) int32 (0 for zeros)."""
    half = 0.5 * jnp.sum(alpha, axis=-1, keepdims=True)
    return jnp.sum(jnp.cumsum(alpha, axis=-1) < half, axis=-1).astype(jnp.int32)


def windowed_softmax(scores, mask, prev_alpha, width):
    """softmax over j ∈ [p − w, p + w) only, p = the median of α_{i-1}; 0 elsewhere."""
    check_width(width, scores.shape[-1])
    p = median_position(prev_alpha)[:, None]                           # (batch, 1)
    j = jnp.arange(scores.shape[-1])[None, :]                          # (1, S)
    return masked_softmax(scores, mask * ((j >= p - width) & (j < p + width)))


# --- monotonic attention (Raffel et al. 2017) ----------------------------------------------------

def _monotonic_coefficients(p, mask):
    # q_j = a_j q_{j-1} + b_j with a_j = 1 − p_{j-1} (a_0 is never used: q_{-1} = 0).
    # A padded position gets p = 0: it passes all its mass on and is never attended.
    p = jnp.where(mask > 0, p, 0.0)
    a = jnp.concatenate([jnp.zeros_like(p[:, :1]), 1.0 - p[:, :-1]], axis=-1)
    return p, a


def monotonic_attention(p, prev_alpha, mask):
    """Expected monotonic alignment, exact and parallel: p, prev_alpha, mask (batch, S) → (batch, S).

    q is a first-order linear recurrence, so its prefix is a composition of the affine maps
    q ↦ a_j q + b_j; composing (a1, b1) then (a2, b2) gives (a1 a2, a2 b1 + b2), an associative
    operation, so ``associative_scan`` evaluates it in O(log S) depth with products only. The
    closed form q = cumprod(1 − p) · cumsum(α_{i-1} / cumprod(1 − p)) divides by a product that
    underflows (the trap in the tests); this never divides. Σ_j α_ij ≤ 1 (the rest runs off the end).
    """
    p, a = _monotonic_coefficients(p, mask)

    def compose(first, then):
        (a1, b1), (a2, b2) = first, then
        return a1 * a2, a2 * b1 + b2

    _, q = jax.lax.associative_scan(compose, (a, prev_alpha), axis=1)
    return p * q


def monotonic_attention_recursive(p, prev_alpha, mask):
    """The same recurrence as a sequential ``lax.scan`` over j (O(S) steps): the reference."""
    p, a = _monotonic_coefficients(p, mask)

    def step(q_prev, xs):
        a_j, b_j = xs
        q = a_j * q_prev + b_j
        return q, q

    _, q = jax.lax.scan(step, jnp.zeros(p.shape[:1], p.dtype), (a.T, prev_alpha.T))
    return p * q.T


def hard_monotonic_attention(p, prev_position, mask):
    """Test-time monotonic decoding: attend the first j ≥ the previous position with p_j > 0.5.

    p, mask (batch, S), prev_position (batch,) int → (one-hot α (batch, S), position (batch,)).
    When no such j exists the row attends nothing (α = 0) and the position stays.
    """
    j = jnp.arange(p.shape[-1])[None, :]
    stop = (j >= prev_position[:, None]) & (p > 0.5) & (mask > 0)      # (batch, S)
    found = jnp.any(stop, axis=-1)
    first = jnp.argmax(stop, axis=-1)                                   # first True
    alpha = jax.nn.one_hot(first, p.shape[-1], dtype=p.dtype) * found[:, None]
    return alpha, jnp.where(found, first, prev_position).astype(jnp.int32)


def stepwise_monotonic_attention(p, prev_alpha, mask):
    """He et al. 2019: each step stays (prob p_j) or moves one position right (1 − p_j).

    α_i = α_{i-1} p + [0; α_{i-1,:-1} (1 − p_{:-1})]; mass moving past a row's last real
    position is lost. p, prev_alpha, mask (batch, S) → (batch, S).
    """
    moved = jnp.pad((prev_alpha * (1.0 - p))[:, :-1], ((0, 0), (1, 0)))
    return (prev_alpha * p + moved) * (mask > 0)


# --- Luong local attention -----------------------------------------------------------------------

def local_p_center(query, w_p, v_p, mask):
    """p_t = S σ(v_pᵀ tanh(W_p h_t)), S = the row's real length: query (batch, n), w_p (n, a),
    v_p (a,), mask (batch, S) → (batch,) float in [0, S]."""
    length = jnp.sum(mask > 0, axis=-1).astype(query.dtype)
    return length * jax.nn.sigmoid(jnp.dot(jnp.tanh(jnp.dot(query, w_p)), v_p))


def local_attention(scores, mask, center, half_width, gaussian):
    """Luong local: align = softmax over |j − center| ≤ D (and the mask), 0 outside; with
    ``gaussian`` (local-p) times exp(−(j − center)² / (2 σ²)), σ = D/2, not renormalised.

    scores, mask (batch, S), center (batch,) → (batch, S).
    """
    check_width(half_width, scores.shape[-1], 2 * half_width + 1, 'local window')
    dist = jnp.arange(scores.shape[-1])[None, :] - center[:, None]   # (batch, S)
    align = masked_softmax(scores, mask * (jnp.abs(dist) <= half_width))
    if not gaussian:
        return align
    sigma = half_width / 2.0
    return align * jnp.exp(-dist ** 2 / (2.0 * sigma ** 2))


# --- one decoder step of any mechanism (what seq2seq calls) --------------------------------------

def init_params(name, rng, n, m):
    """Initial weights of mechanism ``name`` for decoder width n and key width m (attention dim n)."""
    mech, hp = mechanism(name), DEFAULTS
    k, r = hp['n_filters'], hp['filter_width']
    rngs = jax.random.split(rng, 6)
    glorot = jax.nn.initializers.glorot_uniform()
    if mech.scores == 'general':
        params = {'w_a': glorot(rngs[0], (n, m))}
        if mech.normalise == 'local_p':
            params.update(w_p=glorot(rngs[1], (n, n)), v_p=glorot(rngs[2], (n, 1))[:, 0])
        return params
    params = {'w_query': glorot(rngs[0], (n, n)), 'b': jnp.zeros(n),
              'v': glorot(rngs[1], (n, 1))[:, 0]}
    if mech.scores != 'location':
        params['w_keys'] = glorot(rngs[2], (m, n))
    if mech.scores in ('location', 'hybrid', 'location_sensitive'):
        channels = 2 if mech.scores == 'location_sensitive' else 1
        params['filters'] = glorot(rngs[3], (r, channels, k))
        params['w_loc'] = glorot(rngs[4], (k, n))
    if mech.normalise in ('monotonic', 'stepwise'):
        params['r'] = jnp.array(hp['monotonic_bias' if mech.normalise == 'monotonic'
                                   else 'stepwise_bias'], jnp.float32)
    return params


def param_names(name):
    """The sorted names of ``init_params``' weights: a layer stores them as a tuple in this order."""
    return tuple(sorted(jax.eval_shape(lambda: init_params(name, jax.random.PRNGKey(0), 2, 2))))


def count_params(name, n, m):
    """Closed-form size of ``init_params(name, ·, n, m)``."""
    mech, hp = mechanism(name), DEFAULTS
    if mech.scores == 'general':
        return n * m + (n * n + n if mech.normalise == 'local_p' else 0)
    total = n * n + 2 * n + (0 if mech.scores == 'location' else m * n)
    if mech.scores in ('location', 'hybrid', 'location_sensitive'):
        channels = 2 if mech.scores == 'location_sensitive' else 1
        total += hp['filter_width'] * channels * hp['n_filters'] + hp['n_filters'] * n
    return total + (1 if mech.normalise in ('monotonic', 'stepwise') else 0)


def init_state(mask):
    """(α_0, Σ α, position, step): α_0 one-hot at j = 0 (Raffel), Σ α = α_0, position 0, step 0."""
    alpha0 = jax.nn.one_hot(jnp.zeros(mask.shape[:1], jnp.int32), mask.shape[1]) * (mask > 0)
    return alpha0, alpha0, jnp.zeros(mask.shape[:1], jnp.int32), jnp.zeros((), jnp.int32)


def attention_step(name, params, query, keys, mask, state, hard=False):
    """One decoder step: → (α_i (batch, S), new state). ``hard`` (monotonic only): test-time
    hard monotonic decoding from the carried position instead of the soft expectation."""
    mech, hp = mechanism(name), DEFAULTS
    prev, cum, position, step = state
    P = params
    if mech.scores == 'general':
        scores = jnp.einsum('bm,bsm->bs', jnp.dot(query, P['w_a']), keys)
    elif mech.scores == 'content':
        scores = content_scores(query, keys, P['w_query'], P['w_keys'], P['b'], P['v'])
    elif mech.scores == 'location':
        scores = location_scores(query, prev, P['filters'], P['w_query'], P['w_loc'], P['b'], P['v'])
    elif mech.scores == 'hybrid':
        scores = hybrid_scores(query, keys, prev, P['filters'], P['w_query'], P['w_keys'],
                               P['w_loc'], P['b'], P['v'])
    else:
        scores = location_sensitive_scores(query, keys, prev, cum, P['filters'], P['w_query'],
                                           P['w_keys'], P['w_loc'], P['b'], P['v'])
    norm = mech.normalise
    if norm == 'softmax':
        alpha = masked_softmax(scores, mask)
    elif norm == 'sharpened':
        alpha = sharpened_softmax(scores, mask, hp['beta'])
    elif norm == 'smoothed':
        alpha = smoothed_normalise(scores, mask)
    elif norm == 'windowed':
        alpha = windowed_softmax(scores, mask, prev, hp['window'])
    elif norm == 'monotonic' and hard:
        alpha, position = hard_monotonic_attention(jax.nn.sigmoid(scores + P['r']), position, mask)
    elif norm == 'monotonic':
        alpha = monotonic_attention(jax.nn.sigmoid(scores + P['r']), prev, mask)
    elif norm == 'stepwise':
        alpha = stepwise_monotonic_attention(jax.nn.sigmoid(scores + P['r']), prev, mask)
    elif norm == 'local_p':
        center = local_p_center(query, P['w_p'], P['v_p'], mask)
        alpha = local_attention(scores, mask, center, hp['local_d'], gaussian=True)
    else:                                                                 # local_m: p_t = t
        center = jnp.full(mask.shape[:1], step, scores.dtype)
        alpha = local_attention(scores, mask, center, hp['local_d'], gaussian=False)
    return alpha, (alpha, cum + alpha, position, step + 1)
