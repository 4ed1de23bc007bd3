"""A pointer (copy) head on the course's TransformerLM body: ``--model pointer_lm``.

The course model (``trax_models.model.TransformerLM``) has to write every name and number of the
summary through its vocabulary softmax; on the default corpus it learns the summary templates
but fills the slots with the names it has seen most ("Oakridge", "Fischer"). This model adds a
pointer-generator output (See et al. 2017; Merity et al.'s pointer-sentinel mixture, 2016):

    tokens (B, L) int
    ShiftRight            x = [0, t0 … t_{L-2}]            (identity in predict mode)
    Branch(x, body(x))    body = PositionalEncoder → n × DecoderBlock → LayerNorm: h (B, L, d)
                          (model.py's pieces; in train/eval each block's two residuals run as
                          ``fast_model.FastResidual``: the course block's tree and outputs)
    PointerHead(x, h)     log p(w | t) (B, L, V)

Position t predicts token t from x_{≤ t}; pointing at key s copies the token x_s there (one
subword: a name of several subwords is copied one step at a time). The head:

    p(w | t) = g_t · softmax(h_t W + b)[w]  +  (1 − g_t) · Σ_{s: x_s = w} a_{t,s}
    a_{t,·}  = softmax_s(e_{t,s}) over the keys s ≤ t before the prompt's first EOS
    e_{t,s}  = q_t·k_s/√d  +  β·b_{t-1,s-1}  +  γ1·m1_{t,s} + γ2·m2_{t,s}  −  κ·cov_{t,s}
    q_t      = h_t Wq,    k_s = h_s Wk + h_{s-1} Wp,    b_{t,·} = softmax_s(q_t · k_s / √d)
    m1_{t,s} = [x_{s-1} = x_t],    m2_{t,s} = m1_{t,s} · [x_{s-2} = x_{t-1}]
    cov_{t,s} = #{t' ≤ t in the summary (after the prompt's first EOS): x_{t'} = x_s}
    g_t      = sigmoid(h_t · wg  +  c_t · wc  +  bg),    c_t = Σ_s a_{t,s} h_s

W, b, Wq, Wk, wg, bg are See et al.'s pointer-generator. The five terms after them were added by
hand; each earns its place on text the generator did not write: removing it alone (its weight
read as zero in training and decoding, ``benchmarks/ablate_pointer.py``: make train's recipe,
one seed, 6 Dec 2026, ``benchmarks/results/ablate_pointer.json``) lowers fact accuracy on the
new-shape DEV set, 0.886 with the full head (TEST 0.869):

    term (ablated)   weight (symbol)       adds to the head        without it: DEV (TEST)
    prev_key         w_key_prev (Wp)       k_s += h_{s-1} Wp       0.828 (0.907)
    continuation     beta (β)              e += β·b_{t-1,s-1}      0.799 (0.807)
    token_match      gamma (γ1, γ2)        e += γ1·m1 + γ2·m2      0.770 (0.810)
    gate_context     w_gate_context (wc)   g's logit += c_t·wc     0.821 (0.856)
    coverage         kappa (κ)             e −= κ·cov              0.802 (0.857)

None of them buys ROUGE on other topics or CNN/DM; Wp's DEV margin does not hold on TEST (one
seed; README, "Does each term of the pointer head earn its place?"). What each is for: a 2-layer
body at CPU size does not learn an induction head reliably (corpus v7, 1,200 steps: coined names
came out cut, "Carrow" for "Carrowmore"), so three terms make "the next piece of what I am
copying" easy to find —
- Wp lets the query match "the token after the one I just wrote" by content;
- γ1, γ2 do it exactly, by token identity, on the last one and the last two tokens written
  (CopyNet's "selective read", Gu et al. 2016); the two-token match settles the pieces a real
  name splits into that recur all over the article ("i", "de");
- β·b_{t-1,s-1}, the previous step's pointer moved one key on, adds "continue where I was
  copying" (b is the learned part of the pointer alone, so training stays parallel over
  positions);
and two more: wc makes whether to copy depend on what the pointer found, as See et al.'s p_gen
does, not on the decoder state alone; κ (See et al.'s coverage, by token) makes copying a token
the summary already holds cost κ per time written, which breaks copy loops ("credited frozen
pies credited frozen pies …") and learns how often a name comes back. β, γ and κ start at 3, 2
and 0.5. The pointer reads the prompt only (keys before its first EOS), so the summary never
copies its own words back ("led by X led by X …").

Weights: the body's (TransformerLM's minus its final Dense) and the head's, a dict by name
(``weight_shapes``): every mode (train, eval, predict, head='parts') takes the same ``.weights``
and checkpoint. A checkpoint stores them flat, in sorted name order: trax flattens a dict in
insertion order, JAX (jit, grad, the optimizer's updates) in sorted order, so the head builds its
dict sorted and both agree. A checkpoint of the positional layout of before 6 Dec 2026 is not
converted: it does not fit (``weights.check_weight_shapes``'s UserError); retrain.

Training (``train``; ``head='parts'``): the loss needs log p at the target only, so the head stops
before the (B, L, V) mixture and ``PointerCrossEntropy`` mixes at the targets: logits[y] −
logsumexp and Σ_s a_{t,s}·[x_s = y], a (B, L, L) sum. Same value and gradients as
``tl.CrossEntropyLoss`` on the log-probabilities (tested), without the copy scatter onto the
vocabulary, its log and logaddexp and their gradients (make train's step 1.67× with the fast
blocks, benchmarks/README.md).

Predict mode keeps, like ``attention.CachedDotProductAttn``, a static-shape cache in its state:
``(keys (B, cache_len, d) float32, tokens (B, cache_len) int32, hiddens (B, cache_len, d)
float32 (h_{s-1} and c_t), queries (B, cache_len, d) float32 (q_{t-1}), position int32 ())``;
each call writes the next n positions and advances the position, then scores exactly as train
and eval do with the cache as the keys (one code path; tested equal step by step). All of it is
indexed by position, so rewinding the position after a right-padded prefill leaves nothing
stale: ``trax_models.predict.set_position`` rewinds it with the attention caches, and
``predict.gather_rows`` reorders its rows for beam search.
"""
import jax
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models.model import PositionalEncoder
from trax_models.models import fast_model, precision
from trax_models.tokens import EOS

__all__ = ["PointerHead", "PointerTransformerLM", "PointerCrossEntropy", "copy_distribution",
           "pointer_cross_entropy", "pointer_log_probs", "weight_shapes", "HEADS"]

HEADS = ('log_probs', 'parts')


def weight_shapes(d_model, vocab_size):
    """The head's weights: {name: shape}, sorted by name (the flat order of a checkpoint)."""
    d, v = d_model, vocab_size
    return dict(sorted({
        'w_vocab': (d, v), 'b_vocab': (v,),   # W, b: the vocabulary logits h_t W + b
        'w_query': (d, d),                    # Wq: q_t = h_t Wq
        'w_key': (d, d),                      # Wk: k_s = h_s Wk + …
        'w_key_prev': (d, d),                 # Wp: … + h_{s-1} Wp               (prev_key)
        'beta': (1,),                         # β: + β · b_{t-1,s-1}             (continuation)
        'gamma': (2,),                        # γ1, γ2: + γ1 · m1 + γ2 · m2      (token_match)
        'kappa': (1,),                        # κ: − κ · cov                     (coverage)
        'w_gate': (d, 1), 'b_gate': (1,),     # wg, bg: g_t = sigmoid(h_t wg + … + bg)
        'w_gate_context': (d, 1),             # wc: … + c_t wc                   (gate_context)
    }.items()))


def copy_distribution(attention, tokens, vocab_size):
    """Scatter pointer weights onto the vocabulary.

    Args:
      attention: (B, n, S) float, weights over source positions (rows sum to ≤ 1).
      tokens: (B, S) int, the token at each source position.
      vocab_size: V.

    Returns:
      (B, n, V): p_copy[b, t, w] = Σ_{s: tokens[b, s] = w} attention[b, t, s].
    """
    batch, n, src = attention.shape
    b = jnp.arange(batch)[:, None, None]
    t = jnp.arange(n)[None, :, None]
    w = jnp.broadcast_to(tokens[:, None, :], (batch, n, src))
    return jnp.zeros((batch, n, vocab_size), attention.dtype).at[b, t, w].add(attention)


def _token_match(tokens, query_pos, gamma):
    """γ1·m1 + γ2·m2 = γ1·[x_{s-1} = x_t] + γ2·[x_{s-1} = x_t ∧ x_{s-2} = x_{t-1}]: (B, n, S).

    ``tokens`` (B, S) int: x at every key position (the queries' own included, at ``query_pos``
    (n, 1)). Pointing at s copies x_s, so a key whose predecessor is the token just written (x_t),
    and whose two predecessors are the last two written, continues a copy exactly. Padding (0)
    never matches.
    """
    prev1 = jnp.pad(tokens[:, :-1], ((0, 0), (1, 0)), constant_values=-1)  # x_{s-1} (B, S)
    prev2 = jnp.pad(tokens[:, :-2], ((0, 0), (2, 0)), constant_values=-2)  # x_{s-2} (B, S)
    rows = query_pos[:, 0]
    now = jnp.take(tokens, rows, axis=1)                                    # x_t (B, n)
    before = jnp.take(jnp.pad(tokens, ((0, 0), (1, 0)), constant_values=-3), rows, axis=1)
    one = (prev1[:, None, :] == now[:, :, None]) & (now != 0)[:, :, None]   # m1 (B, n, S)
    two = one & (prev2[:, None, :] == before[:, :, None])                   # m2 (B, n, S)
    return gamma[0] * one.astype(jnp.float32) + gamma[1] * two.astype(jnp.float32)


def _coverage(tokens, query_pos, vocab_size):
    """cov_{t,s} = #{t' ≤ t in the summary: x_{t'} = x_s}: (B, n, S) float (exact integers).

    ``tokens`` (B, S) int: x at every key position; the summary is what follows the prompt's
    first EOS (its SEP, pads and EOS not counted). One sum, evaluated in the order that suits the
    query count (the same integers, tested): n queries at once (train, eval, a prefill) as an
    (n, S)·(S, S) matmul per row over the same-token table (XLA:CPU's cumsum is a reduce-window);
    one decoding step as a count per token id, O(S + V) rather than an S × S table per step.
    """
    written = (jnp.cumsum(tokens == EOS, axis=1) >= 1) & (tokens > EOS)     # (B, S) summary
    upto = (jnp.arange(tokens.shape[1])[None, :] <= query_pos)             # t' ≤ t (n, S)
    if query_pos.shape[0] == 1:
        rows = jnp.arange(tokens.shape[0])[:, None]
        counts = jnp.zeros((tokens.shape[0], vocab_size), jnp.float32).at[rows, tokens].add(
            (written & upto).astype(jnp.float32))                          # per id (B, V)
        return jnp.take_along_axis(counts, tokens, axis=1)[:, None, :]     # (B, 1, S)
    same = (tokens[:, :, None] == tokens[:, None, :]) & written[:, :, None]  # (B, t', s)
    return jnp.einsum('nt,bts->bns', upto.astype(jnp.float32), same.astype(jnp.float32),
                      precision=jax.lax.Precision.HIGHEST)                 # (B, n, S)


class PointerHead(tl.Layer):
    """Inputs (tokens (B, n) int, h (B, n, d)) → log-probs (B, n, V), or the four parts.

    ``tokens`` are the (shifted) model inputs at the same positions as ``h``: the values a
    pointer at that position copies. In 'train'/'eval' mode n = L and there is no state; in
    'predict' mode the keys, tokens, hiddens and queries of all positions seen so far are cached
    (see the module docstring); ``cache_len`` positions at most. Weights: a dict by name
    (``weight_shapes``).
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
        r_vocab, r_query, r_key, r_key_prev, r_gate, r_gate_context = jax.random.split(self.rng, 6)

        def glorot(rng, shape):
            return jax.random.normal(rng, shape, jnp.float32) * jnp.sqrt(2.0 / sum(shape))
        shapes = weight_shapes(d, self._vocab_size)
        start = {'w_vocab': glorot(r_vocab, shapes['w_vocab']),
                 'w_query': glorot(r_query, shapes['w_query']),
                 'w_key': glorot(r_key, shapes['w_key']),
                 'w_key_prev': glorot(r_key_prev, shapes['w_key_prev']),
                 'w_gate': glorot(r_gate, shapes['w_gate']),
                 'w_gate_context': glorot(r_gate_context, shapes['w_gate_context']),
                 'beta': jnp.full(shapes['beta'], 3.0, jnp.float32),
                 'gamma': jnp.full(shapes['gamma'], 2.0, jnp.float32),
                 'kappa': jnp.full(shapes['kappa'], 0.5, jnp.float32)}
        self.weights = {name: start.get(name, jnp.zeros(shape, jnp.float32))  # b_vocab, b_gate: 0
                        for name, shape in shapes.items()}
        if self._mode == 'predict':
            batch = tok_signature.shape[0]
            self.state = (jnp.zeros((batch, self._cache_len, d), jnp.float32),  # keys k_s
                          jnp.zeros((batch, self._cache_len), jnp.int32),       # tokens x_s
                          jnp.zeros((batch, self._cache_len, d), jnp.float32),  # hiddens h_s
                          jnp.zeros((batch, self._cache_len, d), jnp.float32),  # queries q_t
                          jnp.zeros((), jnp.int32))                             # position

    def forward(self, inputs):
        parts = self.parts(inputs)
        return parts if self._output == 'parts' else pointer_log_probs(*parts)

    def _named_weights(self):
        w = self.weights
        names = sorted(weight_shapes(1, 1))
        if not isinstance(w, dict) or sorted(w) != names:
            got = sorted(w) if isinstance(w, dict) else f"a {type(w).__name__}"
            raise ValueError(f"PointerHead: weights must be a dict of {names}, got {got}")
        return w

    def parts(self, inputs):
        """(tokens, h) → (logits (B, n, V), gate (B, n, 1) logit of g, attention (B, n, S),
        source tokens (B, S)): everything of p(w | t) before it is mixed over the vocabulary
        (S = n in 'train'/'eval', the cache in 'predict'; advances the predict state)."""
        tokens, h = inputs                                    # (B, n) int, (B, n, d)
        w = self._named_weights()
        n, d = h.shape[1], h.shape[-1]
        mm = precision.matmul                                 # (fast_model's f32 gradient)
        tokens = tokens.astype(jnp.int32)
        logits = mm(h, w['w_vocab']) + w['b_vocab']          # h_t W + b (B, n, V)
        q = mm(h, w['w_query'])                               # q_t (B, n, d)
        # h_{s-1} and q_{t-1} of this call's first position: the cache's last (0 at position 0)
        if self._mode == 'predict':
            h_last, q_last, position = self._last_cached()    # (B, 1, d), (B, 1, d), ()
        else:
            h_last = q_last = jnp.zeros_like(h[:, :1])
            position = 0
        h_prev = jnp.concatenate([h_last.astype(h.dtype), h[:, :-1]], axis=1)  # h_{s-1} (B, n, d)
        k = mm(h, w['w_key']) + mm(h_prev, w['w_key_prev'])  # k_s (B, n, d)
        if self._mode == 'predict':  # the keys: every position cached so far, S = cache_len
            k, tokens, values = self._cache(k, tokens, h, q, position)
            # k (B, S, d), tokens (B, S), values (B, S, d)
        else:
            values = h
        query_pos = position + jnp.arange(n)[:, None]         # t (n, 1)
        key_pos = jnp.arange(tokens.shape[1])[None, :]        # s (1, S)
        scale = jnp.sqrt(jnp.float32(d))
        raw = jnp.einsum('btd,bsd->bts', q, k) / scale        # q_t · k_s / √d (B, n, S)
        # q_{t-1} · k_s is the row above (one score matrix serves both pointers), the first
        # row's from q_last
        first = jnp.einsum('btd,bsd->bts', q_last.astype(q.dtype), k) / scale  # (B, 1, S)
        prev_raw = jnp.concatenate([first, raw[:, :-1]], axis=1)              # (B, n, S)
        # copy from the prompt only: the keys before its first EOS (all of them if none)
        source = (jnp.cumsum(tokens == EOS, axis=1) == 0)[:, None, :]        # (B, 1, S)
        causal = (key_pos <= query_pos)[None] & source                       # s ≤ t (B, n, S)
        # b_{t-1,·}: the previous position's pointer before its own bonus (keys s ≤ t-1) ...
        previous = jax.nn.softmax(jnp.where((key_pos < query_pos)[None] & source, prev_raw,
                                            -1e9), axis=-1)
        previous = jnp.where((query_pos > 0)[None], previous, 0.0)  # nothing before position 0
        follow = jnp.pad(previous[:, :, :-1], ((0, 0), (0, 0), (1, 0)))  # ... moved on: b_{t-1,s-1}
        scores = (raw + _token_match(tokens, query_pos, w['gamma'])
                  - w['kappa'] * _coverage(tokens, query_pos, self._vocab_size))
        attention = jax.nn.softmax(jnp.where(causal, scores + w['beta'] * follow, -1e9),
                                   axis=-1)                                   # a (B, n, S)
        context = jnp.einsum('bts,bsd->btd', attention, values.astype(h.dtype))  # c_t (B, n, d)
        gate = mm(h, w['w_gate']) + mm(context, w['w_gate_context']) + w['b_gate']  # (B, n, 1)
        return logits, gate, attention, tokens

    def _last_cached(self):
        """Predict mode: (h_{p-1}, q_{p-1}) (B, 1, d) each, 0 at p = 0, and the position p."""
        _, _, hiddens, queries, position = self.state
        before = jnp.maximum(position - 1, 0)
        h_last, q_last = (jnp.where(position > 0,
                                    jax.lax.dynamic_slice_in_dim(cache, before, 1, 1), 0.0)
                          for cache in (hiddens, queries))
        return h_last, q_last, position

    def _cache(self, k, tokens, h, q, position):
        """Predict mode: write this call's n positions at ``position`` and advance it; the
        cache's (keys (B, S, d), tokens (B, S), hiddens (B, S, d)), S = cache_len."""
        n = h.shape[1]
        if not isinstance(position, jax.core.Tracer) and int(position) + n > self._cache_len:
            raise ValueError(f"pointer cache full: {int(position)} positions cached + {n} "
                             f"new > cache_len={self._cache_len}")
        keys, cached, hiddens, queries, _ = self.state
        write = lambda cache, new: jax.lax.dynamic_update_slice_in_dim(  # noqa: E731
            cache, new.astype(cache.dtype), position, 1)
        keys, cached, hiddens, queries = (write(keys, k), write(cached, tokens),
                                          write(hiddens, h), write(queries, q))
        self.state = (keys, cached, hiddens, queries, position + n)
        return keys, cached, hiddens


def pointer_log_probs(logits, gate, attention, tokens):
    """PointerHead's parts → log p(w | t) = log(g·softmax(logits) + (1 − g)·p_copy) (B, n, V).

    Mixed in log space (``logaddexp``) so that neither side underflows; p_copy is floored at
    1e-30, so a word the pointer cannot reach keeps a finite log-probability.
    """
    log_vocab = jax.nn.log_softmax(logits, axis=-1)                        # (B, n, V)
    p_copy = copy_distribution(attention, tokens, logits.shape[-1])        # (B, n, V)
    log_g, log_1mg = jax.nn.log_sigmoid(gate), jax.nn.log_sigmoid(-gate)  # (B, n, 1)
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
    log_vocab = jnp.sum(jnp.where(is_target, logits, 0.0), axis=-1) - lse        # (B, n)
    hits = tokens[:, None, :] == targets[:, :, None]                             # (B, n, S)
    p_copy = jnp.sum(jnp.where(hits, attention, 0.0), axis=-1)                   # (B, n)
    gate = gate[..., 0]                                                          # (B, n)
    log_p = jnp.logaddexp(jax.nn.log_sigmoid(gate) + log_vocab,
                          jax.nn.log_sigmoid(-gate) + jnp.log(p_copy + 1e-30))
    return -jnp.sum(log_p * weights) / jnp.sum(weights)


def PointerCrossEntropy():
    """Loss layer (logits, gate, attention, tokens, targets, weights) → scalar: the
    training loss of ``PointerTransformerLM(head='parts')``; see ``pointer_cross_entropy``."""
    return tl.Fn('PointerCrossEntropy', pointer_cross_entropy)


def PointerTransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8,
                         dropout=0.1, max_len=4096, mode='train', cache_len=None,
                         head='log_probs'):
    """TransformerLM's body with a pointer-generator output (see the module docstring).

    Same arguments (less ``ff_activation``: ReLU) and modes as
    ``trax_models.model.TransformerLM``; output log-probabilities
    (B, L, vocab_size). ``head='parts'``: the head's four parts instead (``PointerHead.parts``),
    trained with ``PointerCrossEntropy`` (the same loss, cheaper: what ``train`` does). The
    blocks are ``fast_model.DecoderBlock``: the course's ``DecoderBlock``, its weight tree and
    outputs, each residual one function in 'train'/'eval', the course's block itself (KV caches)
    in 'predict'.
    """
    if head not in HEADS:
        raise ValueError(f"PointerTransformerLM: head={head!r}; use one of {HEADS}.")
    cache_len = max_len if cache_len is None else cache_len
    body = [PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),
            [fast_model.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, tl.Relu,
                                     max_len=cache_len) for _ in range(n_layers)],
            tl.LayerNorm()]
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Branch(tl.Select([0]), body),      # (x, h)
        PointerHead(vocab_size, mode=mode, cache_len=cache_len, output=head),
    )
