"""A pointer (copy) head on the course's TransformerLM body: ``--model pointer_lm``.

The course model (``trax_models.model.TransformerLM``, unchanged) has to write every name and
number of the summary through its vocabulary softmax; on the default corpus it learns the
summary templates but fills the slots with the names it has seen most ("Oakridge",
"Fischer"). This model adds the smallest thing that makes copying easy, a pointer-generator
output in the spirit of See et al. (2017) and Merity et al.'s pointer-sentinel mixture (2016):

    tokens (batch, L) int
    ShiftRight                              x = [0, t0 … t_{L-2}]   (identity in predict mode)
    Branch(x, body(x))                      body = PositionalEncoder → n × DecoderBlock →
                                            LayerNorm: h (batch, L, d_model)  (model.py's pieces;
                                            in train/eval each block's two residuals run as
                                            ``fast_model.FastResidual``: same tree and outputs)
    PointerHead(x, h) → (batch, L, vocab)   log-probabilities:

        p(w | t) = g_t · softmax(h_t W + b)[w]  +  (1 − g_t) · Σ_{s ≤ t, x_s = w} a_{t,s}
        e_{t,s}  = (h_t Wq) · k_s / √d_model,    k_s = h_s Wk + h_{s-1} Wp
                   + γ1 · [x_{s-1} = x_t]  +  γ2 · [x_{s-1} = x_t ∧ x_{s-2} = x_{t-1}]
                   − κ · #{t' ≤ t in the summary: x_{t'} = x_s}               (coverage)
        a_{t,·}  = softmax_s(e_{t,·} + β · b_{t-1,s-1}),    b_{t,·} = softmax_s(h_t Wq · k_s / √d)
        g_t      = sigmoid(h_t · wg + c_t · wc + bg),       c_t = Σ_s a_{t,s} h_s
        (every s ≤ t: causal, and before the first EOS: the prompt's article)

Position t predicts token t from x_{≤ t} = tokens < t, as in TransformerLM: pointing at
position s copies the token x_s there (one subword; a name of several subwords is copied
one pointer step at a time). Three terms make "the next piece of what I am copying" easy to
find, since a 2-layer body at CPU size does not learn an induction head reliably (corpus v7,
1,200 steps: coined names came out cut, "Carrow" for "Carrowmore"):
- the key's h_{s-1} Wp term lets the query match "the token after the one I just wrote";
- γ1, γ2 do it exactly, by token identity, on the last one and the last two tokens written
  (CopyNet's "selective read", Gu et al. 2016); the two-token match settles the pieces a
  real name splits into that recur all over the article ("i", "de");
- β · b_{t-1,s-1}, the previous step's pointer moved one position on, adds "continue where I
  was copying" (b is the learned part of the pointer alone, so training stays parallel over
  positions). β, γ are learned, from 3 and 2.
The coverage term (See et al.'s coverage, by token: ``_coverage``) makes copying a token the
summary already holds cost κ (learned, from 0.5) per time written, against copy loops.
The gate reads the copy's context c_t, as See et al.'s p_gen does: whether to copy depends on
what the pointer found, not only on the decoder state. The output is log-probabilities, so
``tl.CrossEntropyLoss``, the training Loop, ``Accuracy`` and every decoder apply unchanged.

Training (``train``; ``head='parts'``): the loss needs log p at the target only, so the head
stops before the (batch, L, vocab) mixture and ``PointerCrossEntropy`` mixes at the targets:
logits[y] − logsumexp and Σ_s a_{t,s}·[x_s = y], a (batch, L, L) sum. Same value and gradients
as ``tl.CrossEntropyLoss`` on the log-probabilities (tested), without the copy scatter onto the
vocabulary, its log and logaddexp passes and their gradients. With the fast blocks, make
train's step measured 1.67× (benchmarks/README.md).

Predict mode keeps, like ``attention.CachedDotProductAttn``, a static-shape cache in its
state: ``(keys (batch, cache_len, d_model) float32, tokens (batch, cache_len) int32,
hiddens (batch, cache_len, d_model) float32 (for h_{s-1} and c_t), queries (batch, cache_len,
d_model) float32 (for b_{t-1}), position int32 scalar)``; each call writes the next n positions
and advances the position. All of it is indexed by position, so rewinding the position after a
right-padded prefill leaves nothing stale.
``trax_models.predict.set_position`` (every int32 scalar) rewinds it together with the
attention caches, and ``predict.gather_rows`` reorders its batch-major rows for beam search.

Weights: the body's (as TransformerLM's minus the final Dense) and the head's
(W (d, V), b (V), Wq (d, d), Wk (d, d), Wp (d, d), wg (d, 1), bg (1), β (1), γ (2),
wc (d, 1), κ (1)): one checkpoint
serves train, eval and predict, and ``trax_models.predict``'s ``init_predict``/``set_position`` work on it.
"""
import jax
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models.model import DecoderBlock, PositionalEncoder
from trax_models.models import fast_model, precision
from trax_models.tokens import EOS

__all__ = ["PointerHead", "PointerTransformerLM", "PointerCrossEntropy", "copy_distribution",
           "pointer_cross_entropy", "pointer_log_probs", "HEADS", "BLOCKS"]

HEADS = ('log_probs', 'parts')
BLOCKS = ('fast', 'course')


def copy_distribution(attention, tokens, vocab_size):
    """Scatter pointer weights onto the vocabulary.

    Args:
      attention: (batch, n, S) float, weights over source positions (rows sum to ≤ 1).
      tokens: (batch, S) int, the token at each source position.
      vocab_size: V.

    Returns:
      (batch, n, V): p_copy[b, t, w] = Σ_{s: tokens[b, s] = w} attention[b, t, s].
    """
    batch, n, src = attention.shape
    b = jnp.arange(batch)[:, None, None]
    t = jnp.arange(n)[None, :, None]
    w = jnp.broadcast_to(tokens[:, None, :], (batch, n, src))
    return jnp.zeros((batch, n, vocab_size), attention.dtype).at[b, t, w].add(attention)


def _token_match(tokens, query_pos, gamma):
    """γ1·[x_{s-1} = x_t] + γ2·[x_{s-1} = x_t ∧ x_{s-2} = x_{t-1}]: (B, n, S) float.

    ``tokens`` (B, S) int: x at every key position (the queries' own included, at
    ``query_pos`` (n, 1)). Pointing at s copies x_s, so a key whose predecessor is the token
    just written (x_t), and whose two predecessors are the last two written, continues a copy
    exactly — CopyNet's "selective read" (Gu et al. 2016) by token identity. Padding (0) never
    matches.
    """
    prev1 = jnp.pad(tokens[:, :-1], ((0, 0), (1, 0)), constant_values=-1)  # x_{s-1}
    prev2 = jnp.pad(tokens[:, :-2], ((0, 0), (2, 0)), constant_values=-2)  # x_{s-2}
    rows = query_pos[:, 0]
    now = jnp.take(tokens, rows, axis=1)                                    # x_t (B, n)
    before = jnp.take(jnp.pad(tokens, ((0, 0), (1, 0)), constant_values=-3), rows, axis=1)
    one = (prev1[:, None, :] == now[:, :, None]) & (now != 0)[:, :, None]
    two = one & (prev2[:, None, :] == before[:, :, None])
    return gamma[0] * one.astype(jnp.float32) + gamma[1] * two.astype(jnp.float32)


def _coverage(tokens, query_pos, vocab_size):
    """How often the summary has already written x_s, up to each query: (B, n, S) float.

    ``tokens`` (B, S) int: x at every key position; the summary is what follows the prompt's
    first EOS (its SEP, pads and EOS not counted). A token-level form of See et al.'s
    coverage: copying a token the summary already holds costs κ per time written, which
    breaks the copy loops ("credited frozen pies credited frozen pies …") and leaves κ to
    learn how often a name comes back (the court summaries name the defendant twice).
    """
    written = (jnp.cumsum(tokens == EOS, axis=1) >= 1) & (tokens > EOS)  # (B, S) summary tokens
    if query_pos.shape[0] == 1:  # one decoding step: a count per token id, O(S + V) not O(S²)
        upto = written & (jnp.arange(tokens.shape[1])[None, :] <= query_pos[0, 0])
        rows = jnp.arange(tokens.shape[0])[:, None]
        counts = jnp.zeros((tokens.shape[0], vocab_size), jnp.float32).at[rows, tokens].add(
            upto.astype(jnp.float32))                                           # (B, V)
        return jnp.take_along_axis(counts, tokens, axis=1)[:, None, :]
    same = (tokens[:, :, None] == tokens[:, None, :]) & written[:, :, None]  # (B, t', s)
    # the sum over t' ≤ t as a (n, S)·(S, S) matmul per row (exact: counts < 2^24); XLA:CPU's
    # cumsum is a reduce-window, and then a gather
    upto = (jnp.arange(tokens.shape[1])[None, :] <= query_pos).astype(jnp.float32)  # (n, t')
    return jnp.einsum('nt,bts->bns', upto, same.astype(jnp.float32),
                      precision=jax.lax.Precision.HIGHEST)


class PointerHead(tl.Layer):
    """Inputs (tokens (batch, n) int, h (batch, n, d)) → log-probs (batch, n, vocab_size).

    ``tokens`` are the (shifted) model inputs at the same positions as ``h``: the values a
    pointer at that position copies. In 'train'/'eval' mode n = L and there is no state; in
    'predict' mode the keys and tokens of all positions seen so far are cached (see the module
    docstring); ``cache_len`` positions at most.
    """

    def __init__(self, vocab_size, mode='train', cache_len=2048, output='log_probs'):
        if output not in HEADS:
            raise ValueError(f"PointerHead: output={output!r}; use one of {HEADS}.")
        super().__init__(n_in=2, n_out=1 if output == 'log_probs' else 4, name='PointerHead')
        if mode not in ('train', 'eval', 'predict'):
            raise ValueError(f"PointerHead: mode={mode!r}; use 'train', 'eval' or 'predict'.")
        self._output = output
        self._vocab_size = vocab_size
        self._mode = mode
        self._cache_len = cache_len

    def init_weights_and_state(self, input_signature):
        tok_signature, h_signature = input_signature
        d = h_signature.shape[-1]
        r_out, r_q, r_k, r_p, r_g, r_c = jax.random.split(self.rng, 6)
        glorot = lambda rng, shape: (jax.random.normal(rng, shape, jnp.float32)  # noqa: E731
                                     * jnp.sqrt(2.0 / sum(shape)))
        self.weights = (glorot(r_out, (d, self._vocab_size)),
                        jnp.zeros((self._vocab_size,), jnp.float32),
                        glorot(r_q, (d, d)), glorot(r_k, (d, d)), glorot(r_p, (d, d)),
                        glorot(r_g, (d, 1)), jnp.zeros((1,), jnp.float32),
                        jnp.full((1,), 3.0, jnp.float32),  # β of the continuation term
                        jnp.full((2,), 2.0, jnp.float32),  # γ of the token-match terms
                        glorot(r_c, (d, 1)),  # wc: the gate reads the copy's context
                        jnp.full((1,), 0.5, jnp.float32))  # κ of the coverage term
        if self._mode == 'predict':
            batch = tok_signature.shape[0]
            self.state = (jnp.zeros((batch, self._cache_len, d), jnp.float32),
                          jnp.zeros((batch, self._cache_len), jnp.int32),
                          jnp.zeros((batch, self._cache_len, d), jnp.float32),
                          jnp.zeros((batch, self._cache_len, d), jnp.float32),
                          jnp.zeros((), jnp.int32))

    def forward(self, inputs):
        parts = self.parts(inputs)
        return parts if self._output == 'parts' else pointer_log_probs(*parts)

    def parts(self, inputs):
        """(tokens, h) → (logits (B, n, V), gate (B, n, 1) logit of g, attention (B, n, S),
        source tokens (B, S)): everything of p(w | t) before it is mixed over the vocabulary
        (S = n in 'train'/'eval', the cache in 'predict'; advances the predict state)."""
        tokens, h = inputs
        w_out, b_out, w_q, w_k, w_p, w_g, b_g, beta, gamma, w_c, kappa = self.weights
        n, d = h.shape[1], h.shape[-1]
        mm = lambda a, w: precision.matmul(a, w, 'f32')  # noqa: E731  (fast_model's gradient)
        # (the bias inside the GEMM, precision.affine, measured slower at V = 2,000)
        logits = mm(h, w_out) + b_out  # (B, n, V)
        q = mm(h, w_q)
        tokens = tokens.astype(jnp.int32)
        scale = jnp.sqrt(jnp.float32(d))
        if self._mode == 'predict':
            keys, cached, hiddens, queries, position = self.state
            if not isinstance(position, jax.core.Tracer) and int(position) + n > self._cache_len:
                raise ValueError(f"pointer cache full: {int(position)} positions cached + {n} "
                                 f"new > cache_len={self._cache_len}")
            last = jax.lax.dynamic_slice_in_dim(hiddens, jnp.maximum(position - 1, 0), 1, 1)
            last = jnp.where(position > 0, last, jnp.zeros_like(last))  # h_{-1} = 0
            prev = jnp.concatenate([last.astype(h.dtype), h[:, :-1]], axis=1)
            k = mm(h, w_k) + mm(prev, w_p)
            keys = jax.lax.dynamic_update_slice_in_dim(keys, k.astype(keys.dtype), position, 1)
            cached = jax.lax.dynamic_update_slice_in_dim(cached, tokens, position, 1)
            hiddens = jax.lax.dynamic_update_slice_in_dim(hiddens, h.astype(hiddens.dtype),
                                                          position, 1)
            last_q = jax.lax.dynamic_slice_in_dim(queries, jnp.maximum(position - 1, 0), 1, 1)
            q_prev = jnp.concatenate([last_q.astype(q.dtype), q[:, :-1]], axis=1)  # q_{t-1}
            queries = jax.lax.dynamic_update_slice_in_dim(queries, q.astype(queries.dtype),
                                                          position, 1)
            self.state = (keys, cached, hiddens, queries, position + n)
            query_pos = position + jnp.arange(n)[:, None]
            key_pos = jnp.arange(self._cache_len)[None, :]
            k, tokens, values = keys, cached, hiddens
            raw = jnp.einsum('btd,bsd->bts', q, k) / scale
            prev_raw = jnp.einsum('btd,bsd->bts', q_prev, k) / scale
        else:
            prev = jnp.pad(h[:, :-1], ((0, 0), (1, 0), (0, 0)))  # h_{s-1}, 0 at s = 0
            k = mm(h, w_k) + mm(prev, w_p)
            query_pos = jnp.arange(n)[:, None]
            key_pos = jnp.arange(n)[None, :]
            values = h
            raw = jnp.einsum('btd,bsd->bts', q, k) / scale
            # q_{t-1} · k_s is the row above: one score matrix serves both pointers
            prev_raw = jnp.pad(raw[:, :-1], ((0, 0), (1, 0), (0, 0)))
        # copy from the prompt only: the keys before its first EOS (all of them if none), so
        # the summary never copies its own words back ("led by X led by X …")
        source = (jnp.cumsum(tokens == EOS, axis=1) == 0)[:, None, :]  # (B, 1, S)
        causal = (key_pos <= query_pos)[None] & source
        scores = (raw + _token_match(tokens, query_pos, gamma)
                  - kappa * _coverage(tokens, query_pos, self._vocab_size))  # e (B, n, S)
        # b_{t-1,·}: the previous position's pointer before its own bonus (keys s ≤ t-1) ...
        previous = jax.nn.softmax(jnp.where((key_pos < query_pos)[None] & source, prev_raw,
                                            -1e9), axis=-1)
        previous = jnp.where((query_pos > 0)[None], previous, 0.0)  # nothing before position 0
        follow = jnp.pad(previous[:, :, :-1], ((0, 0), (0, 0), (1, 0)))  # ... moved on: b_{t-1,s-1}
        attention = jax.nn.softmax(jnp.where(causal, scores + beta * follow, -1e9), axis=-1)
        context = jnp.einsum('bts,bsd->btd', attention, values.astype(h.dtype))  # (B, n, d)
        gate = mm(h, w_g) + mm(context, w_c) + b_g  # (B, n, 1) logit of g
        return logits, gate, attention, tokens


def pointer_log_probs(logits, gate, attention, tokens):
    """PointerHead's parts → log p(w | t) = log(g·softmax(logits) + (1 − g)·p_copy): (B, n, V).

    Mixed in log space (``logaddexp``) so that neither side underflows; p_copy is floored at
    1e-30, so a word the pointer cannot reach keeps a finite log-probability.
    """
    log_vocab = jax.nn.log_softmax(logits, axis=-1)
    p_copy = copy_distribution(attention, tokens, logits.shape[-1])
    log_g, log_1mg = jax.nn.log_sigmoid(gate), jax.nn.log_sigmoid(-gate)
    return jnp.logaddexp(log_g + log_vocab, log_1mg + jnp.log(p_copy + 1e-30))


def pointer_cross_entropy(logits, gate, attention, tokens, targets, weights):
    """``tl.CrossEntropyLoss`` of ``pointer_log_probs(…)`` at the targets only: scalar.

    Σ w·(−log p(target | t)) / Σ w, where log p(target) mixes logits[target] − logsumexp and
    p_copy[target] = Σ_s attention[t, s]·[tokens_s = target_t] (a (B, n, S) sum): the same
    loss without the (B, n, V) copy scatter, log and logaddexp, and their gradients. targets,
    weights (B, n).
    """
    targets = targets.astype(jnp.int32)
    lse = jax.nn.logsumexp(logits, axis=-1)                                      # (B, n)
    # logits[target] as a masked sum: its gradient is a select, not a (B, n, V) scatter
    is_target = jnp.arange(logits.shape[-1]) == targets[..., None]               # (B, n, V)
    log_vocab = jnp.sum(jnp.where(is_target, logits, 0.0), axis=-1) - lse
    hits = tokens[:, None, :] == targets[:, :, None]                             # (B, n, S)
    p_copy = jnp.sum(jnp.where(hits, attention, 0.0), axis=-1)                   # (B, n)
    gate = gate[..., 0]
    log_p = jnp.logaddexp(jax.nn.log_sigmoid(gate) + log_vocab,
                          jax.nn.log_sigmoid(-gate) + jnp.log(p_copy + 1e-30))
    return -jnp.sum(log_p * weights) / jnp.sum(weights)


def PointerCrossEntropy():
    """Loss layer (logits, gate, attention, tokens, targets, weights) → scalar: the
    training loss of ``PointerTransformerLM(head='parts')``; see ``pointer_cross_entropy``."""
    return tl.Fn('PointerCrossEntropy', pointer_cross_entropy)


def PointerTransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8,
                         dropout=0.1, max_len=4096, mode='train', ff_activation=tl.Relu,
                         cache_len=None, head='log_probs', blocks='fast'):
    """TransformerLM's body with a pointer-generator output (see the module docstring).

    Same signature and modes as ``trax_models.model.TransformerLM``; output log-probabilities
    (batch, L, vocab_size). ``head='parts'``: the head's four parts instead (``PointerHead.parts``),
    trained with ``PointerCrossEntropy`` (the same loss, cheaper: what ``train`` does).
    ``blocks``: 'fast' (default) runs 'train'/'eval' on ``fast_model.DecoderBlock`` — the
    course's ``DecoderBlock``, its weight tree and outputs (< 1e-5), each residual computed in
    one function —; 'course' on the course's layers. Predict mode is always the course's (KV
    caches). Neither option changes a weight or the tree: every variant loads the same
    checkpoints and takes the same ``.weights``.
    """
    if head not in HEADS:
        raise ValueError(f"PointerTransformerLM: head={head!r}; use one of {HEADS}.")
    if blocks not in BLOCKS:
        raise ValueError(f"PointerTransformerLM: blocks={blocks!r}; use one of {BLOCKS}.")
    cache_len = max_len if cache_len is None else cache_len
    block = fast_model.DecoderBlock if blocks == 'fast' else DecoderBlock  # same tree
    layers = [block(d_model, d_ff, n_heads, dropout, mode, ff_activation, max_len=cache_len)
              for _ in range(n_layers)]
    body = [PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),
            layers,
            tl.LayerNorm()]
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Branch(tl.Select([0]), body),      # (x, h)
        PointerHead(vocab_size, mode=mode, cache_len=cache_len, output=head),
    )
