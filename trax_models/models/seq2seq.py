"""RNN encoder–decoder with attention: the model attention was invented for (Bahdanau et al. 2015).

A bidirectional LSTM reads the source; an LSTM decoder writes the target one token at a time and,
at every step, looks back at all encoder states through attention::

    src (batch, S) ─ Embedding ─ BiLSTM ─► H (batch, S, n)      n = n_units (n/2 per direction)
    tgt (batch, T) ─ ShiftRight ─ Embedding ─┐
                     for t = 1..T:  LSTM step, scores e_tj = score(s, h_j), α_t = softmax_j(e_t)
                                    c_t = Σ_j α_tj h_j,  o_t = tanh(W_c [s_t; c_t])
                     log p(y_t | y_<t, x) = LogSoftmax(W_o o_t)          (batch, T, vocab)

Scorings (``attention=``):
    'bahdanau'  additive   e_tj = vᵀ tanh(W [s_{t-1}; h_j])  — query = state *before* the step,
                           c_t is fed into the LSTM step that produces s_t
    'dot'       Luong dot      e_tj = s_tᵀ h_j               — query = state *after* the step,
    'general'   Luong general  e_tj = s_tᵀ W_a h_j             the previous c_{t-1} is fed in
                                                               ("input feeding")
    None        no attention: the decoder sees the source only through its initial state, a
                projection of the encoder's two final states — the fixed-size "context vector"
                bottleneck attention removes.
    any name in ``attention_family.MECHANISMS`` ('content', 'location', 'hybrid',
                'location_sensitive', 'sharpened', 'smoothed', 'windowed', 'monotonic',
                'stepwise_monotonic', 'local_p', 'local_m'): the scan's carry also holds α_{t-1},
                Σ α, the monotonic position and the step; Bahdanau-style query s_{t-1}, except
                Luong's local-p / local-m (query s_t, input feeding). ``decode(..., hard=True)``
                decodes 'monotonic' hard (the first j ≥ the last position with p > 0.5).

Training uses teacher forcing (the input at step t is the gold token y_{t-1}); with
``scheduled_sampling=p`` (train mode only) each input is, with probability p, the model's own
previous argmax instead (Bengio et al. 2015), to reduce exposure bias. ``decode`` runs the
decoder free: every input is the model's own previous output (greedy).

Modes: 'train' (teacher forcing + scheduled sampling), 'eval' (teacher forcing). There is no
incremental 'predict' mode: ``decode`` runs the whole free-running loop in one jitted lax.scan.
Token 0 is padding (masked out of attention) and the decoder's start symbol; 1 is EOS.
"""
import functools

import jax
import numpy as np
from trax import fastmath
from trax import layers as tl
from trax.fastmath import numpy as jnp
from trax.layers import base

from trax_models.models import attention_family as af

__all__ = ["SCORINGS", "ATTENTIONS", "dot_scores", "general_scores", "attend",
           "BiLSTMEncoder", "AttentionDecoder", "Seq2Seq", "decode", "count_params"]

SCORINGS = ("bahdanau", "dot", "general", None)
ATTENTIONS = SCORINGS + tuple(af.MECHANISMS)         # the family's mechanisms as well
EOS = 1
_NEG_INF = -1e9


# --- the three scorings and the attention read-out (pure functions, tested against NumPy) -------

def _additive_from_projected(query, keys_proj, w_query, v):
    """Bahdanau: e_j = vᵀ tanh(W [s; h_j]) with W = [w_query; w_keys] split by rows, given
    keys_proj = keys @ w_keys (the same at every decoder step: computed once per sequence).

    query (batch, n), keys_proj (batch, S, a), w_query (n, a), v (a,) → (batch, S).
    """
    hidden = jnp.tanh(jnp.dot(query, w_query)[:, None, :] + keys_proj)  # (batch, S, a)
    return jnp.dot(hidden, v)                                          # (batch, S)


def dot_scores(query, keys):
    """Luong dot: e_j = sᵀ h_j. query (batch, n), keys (batch, S, n) → (batch, S)."""
    return jnp.einsum('bn,bsn->bs', query, keys)


def general_scores(query, keys, w_a):
    """Luong general: e_j = sᵀ W_a h_j. query (batch, n), keys (batch, S, m), w_a (n, m) → (batch, S)."""
    return jnp.einsum('bm,bsm->bs', jnp.dot(query, w_a), keys)


def attend(scores, keys, mask):
    """Masked softmax read-out: scores (batch, S), keys (batch, S, m), mask (batch, S) 1 = real.

    Returns (context (batch, m), weights (batch, S)); weights are 0 on padding and sum to 1.
    """
    scores = jnp.where(mask > 0, scores, _NEG_INF)
    weights = jax.nn.softmax(scores, axis=-1)              # (batch, S)
    return jnp.einsum('bs,bsm->bm', weights, keys), weights


# --- encoder -------------------------------------------------------------------------------------

def _reverse_valid(x, mask):
    """Reverses each row's first len positions (len = mask.sum()), padding stays at the end.

    x (batch, S, d), mask (batch, S) → (x reversed within its length, mask). Its own inverse.
    """
    length = jnp.sum(mask, axis=1).astype(jnp.int32)[:, None]         # (batch, 1)
    pos = jnp.arange(x.shape[1])[None, :]                               # (1, S)
    idx = jnp.where(pos < length, length - 1 - pos, pos)                # (batch, S)
    return jnp.take_along_axis(x, idx[:, :, None], axis=1), mask


def _LSTM(n_units):
    """LSTM over axis 1 whose input width may differ from n_units: (batch, S, d) → (batch, S, n).

    (``tl.LSTM`` sizes its zero state from the input width, so it needs d == n_units.)
    """
    zero_state = tl.Fn('ZeroState', lambda x: jnp.zeros((x.shape[0], 2 * n_units), jnp.float32))
    return tl.Serial(tl.Branch([], zero_state), tl.Scan(tl.LSTMCell(n_units), axis=1),
                     tl.Select([0], n_in=2), name=f'LSTM_{n_units}', sublayers_to_print=[])


def BiLSTMEncoder(vocab_size, d_model, n_units):
    """Bidirectional LSTM: src (batch, S) int → (H (batch, S, n_units), mask (batch, S) float).

    H_j = [forward h_j; backward h_j], n_units/2 each. The backward LSTM runs over each row
    reversed within its own length, so padding never enters a real position's state. Same in
    every mode (no dropout).
    """
    half = n_units // 2
    reverse = tl.Fn('ReverseValid', _reverse_valid, n_out=2)
    return tl.Serial(
        tl.Branch(tl.Embedding(vocab_size, d_model),                           # x (batch, S, d)
                  tl.Fn('SourceMask', lambda s: (s != 0).astype(jnp.float32))),  # mask (batch, S)
        tl.Branch(
            tl.Serial(tl.Select([0], n_in=2), _LSTM(half)),                 # forward (batch, S, n/2)
            tl.Serial(reverse, _LSTM(half), reverse, tl.Select([0], n_in=2)),  # backward
            tl.Select([1], n_in=2)),                                          # mask
        tl.Concatenate(n_items=2),                                            # H (batch, S, n), mask
    )


# --- decoder -------------------------------------------------------------------------------------

def _lstm_step(w, b, x, c, h):
    """One LSTM step with trax's gate layout (i, j, f, o): x (batch, d), c, h (batch, n)."""
    i, j, f, o = jnp.split(jnp.dot(jnp.concatenate([x, h], axis=-1), w) + b, 4, axis=-1)
    c = c * jax.nn.sigmoid(f) + jax.nn.sigmoid(i) * jnp.tanh(j)
    return c, jnp.tanh(c) * jax.nn.sigmoid(o)


def _scores(attention, att_weights, query, keys, keys_proj):
    if attention == 'bahdanau':
        w_query, _, v = att_weights
        return _additive_from_projected(query, keys_proj, w_query, v)
    if attention == 'dot':
        return dot_scores(query, keys)
    return general_scores(query, keys, att_weights[0])


def _family_read(attention, att_weights, query, enc, mask, att_state, hard):
    """One step of an attention_family mechanism: → (context (batch, n), α (batch, S), state)."""
    params = dict(zip(af.param_names(attention), att_weights))
    alpha, att_state = af.attention_step(attention, params, query, enc, mask, att_state, hard=hard)
    return jnp.einsum('bs,bsm->bm', alpha, enc), alpha, att_state


def _run_decoder(weights, enc, mask, gold_in, own_prob, rng, attention, hard=False):
    """The decoder loop, shared by teacher forcing, scheduled sampling and free running.

    enc (batch, S, n), mask (batch, S), gold_in (batch, T) int (the shifted gold tokens; only
    column 0, the start symbol, is used when own_prob = 1). At step t ≥ 1 the input token is the
    model's own previous prediction (argmax) with probability own_prob, else gold_in[:, t].
    Returns (log-probs (batch, T, V), attention weights (batch, T, S), chosen tokens (batch, T)).
    A family mechanism carries its state (α_{t-1}, Σ α, position, step) through the scan.
    """
    emb, (w_bridge, b_bridge), (w_lstm, b_lstm), att_weights, (w_c, b_c, w_o, b_o) = weights
    batch, n = enc.shape[0], enc.shape[-1]
    # Decoder initial state from the encoder's two final states: forward at the last real
    # position, backward at position 0 (it has read the whole row).
    last = jnp.sum(mask, axis=1).astype(jnp.int32) - 1                         # (batch,)
    fwd_last = jnp.take_along_axis(enc, jnp.maximum(last, 0)[:, None, None], axis=1)[:, 0]
    summary = jnp.concatenate([fwd_last[:, :n // 2], enc[:, 0, n // 2:]], axis=-1)  # (batch, n)
    c0, h0 = jnp.split(jnp.tanh(jnp.dot(summary, w_bridge) + b_bridge), 2, axis=-1)
    keys_proj = jnp.dot(enc, att_weights[1]) if attention == 'bahdanau' else None

    steps = gold_in.shape[1]
    coin_rng, _ = jax.random.split(rng)           # (the same coins as when sampling was here)
    use_own = jax.random.uniform(coin_rng, (steps, batch)) < own_prob          # (T, batch)
    use_own = use_own.at[0].set(False)                                         # step 0: start symbol
    ctx0 = jnp.zeros((batch, n)) if attention is not None else jnp.zeros((batch, 0))
    logits0 = jnp.zeros((batch, w_o.shape[1]))
    family = attention in af.MECHANISMS
    pre_step = attention == 'bahdanau' or (family and not af.MECHANISMS[attention].luong)
    state0 = af.init_state(mask) if family else ()

    def read(query, att_state):
        if family:
            return _family_read(attention, att_weights, query, enc, mask, att_state, hard)
        return (*attend(_scores(attention, att_weights, query, enc, keys_proj), enc, mask), att_state)

    def step(carry, xs):
        c, h, ctx, prev_logits, att_state = carry
        gold, own = xs
        mine = jnp.argmax(prev_logits, axis=-1)
        token = jnp.where(own, mine, gold)                                      # (batch,)
        x = emb[token]                                                          # (batch, d)
        if pre_step:                       # query = s_{t-1}; c_t goes into this step
            ctx, alpha, att_state = read(h, att_state)
            c, h = _lstm_step(w_lstm, b_lstm, jnp.concatenate([x, ctx], -1), c, h)
        elif attention is not None:        # Luong: feed c_{t-1}, query = s_t
            c, h = _lstm_step(w_lstm, b_lstm, jnp.concatenate([x, ctx], -1), c, h)
            ctx, alpha, att_state = read(h, att_state)
        else:
            c, h = _lstm_step(w_lstm, b_lstm, x, c, h)
            alpha = jnp.zeros(mask.shape)
        out = jnp.tanh(jnp.dot(jnp.concatenate([h, ctx], -1), w_c) + b_c)      # (batch, n)
        logits = jnp.dot(out, w_o) + b_o                                        # (batch, V)
        return (c, h, ctx, logits, att_state), (logits, alpha, token)

    _, (logits, alpha, tokens) = jax.lax.scan(
        step, (c0, h0, ctx0, logits0, state0), (gold_in.T, use_own))
    logits = jnp.swapaxes(logits, 0, 1)                                         # (batch, T, V)
    return (jax.nn.log_softmax(logits, axis=-1), jnp.swapaxes(alpha, 0, 1),
            tokens.T)


class AttentionDecoder(base.Layer):
    """LSTM decoder with attention: (H (batch, S, n), mask (batch, S), tgt (batch, T) int) →
    (log-probs (batch, T, vocab), attention weights (batch, T, S)).

    Position t sees the source and gold tokens < t (ShiftRight inside). Modes: 'train' (teacher
    forcing; with probability ``scheduled_sampling`` an input is the model's own previous
    argmax), 'eval' (pure teacher forcing). ``attention`` is one of ATTENTIONS; with None the
    attention weights are zeros.
    """

    def __init__(self, vocab_size, d_model, n_units, attention='bahdanau',
                 scheduled_sampling=0.0, mode='train'):
        super().__init__(n_in=3, n_out=2)
        if attention not in ATTENTIONS:
            raise ValueError(f"unknown attention {attention!r}: choose one of {ATTENTIONS}")
        if mode not in ('train', 'eval'):
            raise ValueError(f"AttentionDecoder mode {mode!r}: use 'train' or 'eval' "
                             "(free-running decoding is seq2seq.decode)")
        self._vocab_size, self._d_model, self._n = vocab_size, d_model, n_units
        self._attention = attention
        self._own_prob = float(scheduled_sampling) if mode == 'train' else 0.0

    def forward(self, inputs):
        enc, mask, tgt = inputs
        gold_in = jnp.pad(tgt, ((0, 0), (1, 0)))[:, :-1]       # ShiftRight: start symbol 0
        rng = self.rng if self._own_prob > 0 else jax.random.PRNGKey(0)
        logp, alpha, _ = _run_decoder(self.weights, enc, mask, gold_in, self._own_prob, rng,
                                      self._attention)
        return logp, alpha

    def init_weights_and_state(self, input_signature):
        n, d, V = self._n, self._d_model, self._vocab_size
        m = input_signature[0].shape[-1]
        if m != n:
            raise ValueError(f"encoder width {m} != decoder n_units {n}")
        ctx = 0 if self._attention is None else m
        rngs = fastmath.random.split(self.rng, 8)
        glorot = tl.initializers.GlorotUniformInitializer()
        zeros = lambda *shape: jnp.zeros(shape)  # noqa: E731
        att = {'bahdanau': lambda: (glorot((n, n), rngs[4]), glorot((m, n), rngs[5]),
                                    glorot((n, 1), rngs[6])[:, 0]),
               'dot': lambda: (),
               'general': lambda: (glorot((n, m), rngs[4]),),
               None: lambda: ()}.get(self._attention, lambda: self._family_weights(rngs[4], n, m))()
        b_lstm = zeros(4 * n).at[2 * n:3 * n].set(1.0)          # forget-gate bias 1, as tl.LSTM
        self.weights = (
            tl.initializers.RandomNormalInitializer(1.0)((V, d), rngs[0]),      # target embedding
            (glorot((n, 2 * n), rngs[1]), zeros(2 * n)),                          # bridge → (c0, h0)
            (glorot((d + ctx + n, 4 * n), rngs[2]), b_lstm),                      # LSTM cell
            att,                                                                  # scoring weights
            (glorot((n + ctx, n), rngs[3]), zeros(n), glorot((n, V), rngs[7]), zeros(V)),
        )

    def _family_weights(self, rng, n, m):
        params = af.init_params(self._attention, rng, n, m)
        return tuple(params[name] for name in af.param_names(self._attention))

    def free_run(self, enc, mask, max_len, hard=False):
        """Free-running (greedy) decode: every input is the previous output (argmax). Returns (tokens (batch,
        max_len) int, attention (batch, max_len, S), log-probs (batch, max_len, V)). ``hard``:
        hard monotonic decoding ('monotonic' only)."""
        if hard and self._attention != 'monotonic':
            raise ValueError(f"hard decoding is for attention='monotonic', not {self._attention!r}")
        return _free_run_jit(self.weights, enc, mask, self._attention, int(max_len), bool(hard))


@functools.partial(jax.jit, static_argnums=(3, 4, 5))
def _free_run_jit(weights, enc, mask, attention, max_len, hard):
    gold_in = jnp.zeros((enc.shape[0], max_len), jnp.int32)
    # own_prob 1: every input after the start is the previous argmax (the coin's rng is moot)
    logp, alpha, tokens = _run_decoder(weights, enc, mask, gold_in, 1.0, jax.random.PRNGKey(0),
                                       attention, hard)
    # tokens[:, t] is the *input* at step t (start symbol, then the prediction of step t-1):
    # the outputs are the inputs shifted left plus the last step's choice.
    last = jnp.argmax(logp[:, -1], axis=-1)
    out = jnp.concatenate([tokens[:, 1:], last[:, None]], axis=1)
    return out, alpha, logp


def Seq2Seq(input_vocab_size, target_vocab_size=None, d_model=32, n_units=64,
            attention='bahdanau', scheduled_sampling=0.0, mode='train'):
    """Encoder–decoder: (src (batch, S), tgt (batch, T)) → log-probs (batch, T, target_vocab).

    ``attention``: 'bahdanau' | 'dot' | 'general' | None | a family mechanism (see the module
    docstring and ``attention_family.MECHANISMS``); ``n_units``
    (even) is the decoder width and the encoder output width (n/2 per direction). Modes
    'train' | 'eval'. Train it on (src, tgt, tgt, mask) batches with ``tl.CrossEntropyLoss``.
    The attention weights: ``decode`` returns them (free running); teacher-forced, the first
    two sublayers (encoder, ``AttentionDecoder``) output (log-probs, weights (batch, T, S)).
    """
    if n_units % 2:
        raise ValueError(f"n_units must be even (two directions of n_units/2), got {n_units}")
    target_vocab_size = target_vocab_size or input_vocab_size
    return tl.Serial(
        BiLSTMEncoder(input_vocab_size, d_model, n_units),      # src → H, mask (tgt waits below)
        AttentionDecoder(target_vocab_size, d_model, n_units, attention, scheduled_sampling,
                         mode),                                  # H, mask, tgt → log-probs, α
        tl.Select([0], n_in=2),                                  # log-probs
    )


def decode(model, src, max_len, hard=False):
    """Free-running greedy decode of a ``Seq2Seq`` model (its current weights) for a batch.

    src (batch, S) int → (tokens (batch, max_len) int with everything after the first EOS set
    to 0, attention (batch, max_len, S)). ``hard``: hard monotonic attention (attention='monotonic' only).
    """
    encoder, decoder = model.sublayers[0], model.sublayers[1]
    src = np.asarray(src, dtype=np.int32)
    run_encoder = jax.jit(lambda w, s, x: encoder.pure_fn(x, w, s, jax.random.PRNGKey(0))[0])
    enc, mask = run_encoder(encoder.weights, encoder.state, src)
    tokens, alpha, _ = decoder.free_run(enc, mask, max_len, hard)
    tokens = np.asarray(tokens)
    after_eos = np.cumsum(np.cumsum(tokens == EOS, axis=1), axis=1) > 1   # strictly after 1st EOS
    return np.where(after_eos, 0, tokens), np.asarray(alpha)


def count_params(input_vocab_size, target_vocab_size=None, d_model=32, n_units=64,
                 attention='bahdanau'):
    """Closed-form parameter count of ``Seq2Seq`` (equals the initialised weights' size).

    Encoder: embedding V_in·d and two LSTMs of n/2 units; decoder: embedding V_out·d, bridge
    n·2n + 2n, LSTM (d + c + n)·4n + 4n with c = n with attention else 0, scoring weights
    (Bahdanau 2n² + n, general n², dot 0, a family mechanism ``attention_family.count_params``),
    output tanh layer (n + c)·n + n, Dense n·V + V.
    """
    V_in, V_out = input_vocab_size, target_vocab_size or input_vocab_size
    d, n, h = d_model, n_units, n_units // 2
    c = 0 if attention is None else n
    if attention in af.MECHANISMS:
        scoring = af.count_params(attention, n, n)
    else:
        scoring = {'bahdanau': 2 * n * n + n, 'general': n * n, 'dot': 0, None: 0}[attention]
    encoder = V_in * d + 2 * ((d + h) * 4 * h + 4 * h)
    decoder = (V_out * d + (n * 2 * n + 2 * n) + ((d + c + n) * 4 * n + 4 * n) + scoring
               + ((n + c) * n + n) + (n * V_out + V_out))
    return encoder + decoder
