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
* attention is einsums on (batch, L, heads, d_head) with the 1/√d_head folded into q, so
  the course's reshape/transpose round trips (AttnHeads/AttnOutput) and the score division
  disappear; softmax is ``jax.nn.softmax`` (its backward is one fused expression); the
  queries go in blocks, each against only the keys it may see (``causal_attention``: most of
  the masked half of the score matrix is never computed);
* dropout masks come from another generator by default (``dropout_rng='hash'``: a
  counter-based hash keyed by the layer's trax rng, which XLA fuses into the dropout itself,
  ``hash_bits``); ``'threefry'`` gives trax's masks, ``'rbg'`` XLA's RngBitGenerator. On CPU
  RngBitGenerator and threefry are separate kernels costing ~10 ms per million entries, the
  hash ~0.5 ms.

``DecoderBlock`` (used by ``pointer_lm``) is the same arithmetic with the course's tree kept:
the course block's two ``tl.Residual`` layers as two ``FastResidual`` (a ``tl.Serial`` of the
residual's own sublayers whose ``forward`` does the math), so its ``.weights`` are the course
block's in every mode and a model that mixes it with predict mode's course layers (or trax's
Loop, which copies the training model's weights into the eval model) needs no conversion.

Options that change no weight (each variant loads the course model's checkpoints; f32 ones give
its outputs): ``precision`` 'f32' | 'bf16' | 'auto' (``trax_models.models.precision``: bf16
matmul inputs with f32 accumulation, f32 master weights, f32 LayerNorm, attention and loss;
'auto' = bf16 only where ``precision.native_bf16()`` detects native support), ``attention``
'blocked' (default) | 'einsum' (one masked (L, L) score matrix) | 'dpa'
(``jax.nn.dot_product_attention``), ``head`` 'log_softmax' | 'logits' (stop
before the LogSoftmax; ``LogitsCrossEntropy`` is then the loss: logsumexp − target logit,
weighted, equal to ``tl.CrossEntropyLoss`` on the log-probabilities).

Weights: the block keeps the course's layers as its sublayers, in the course's order, so the
flattened weight list (and the flattened state: the dropout rates) is identical to
``trax_models.model.TransformerLM``'s: a checkpoint of one loads into the other
(``tl.flatten_weights_and_state`` / ``fastmath.tree_unflatten``, as trax's Loop and
``trax_models.summarizer.checkpoint.load_model`` do), and both give the same outputs (< 1e-5) in eval mode.

Modes: 'train', 'eval' (this module's fast tree) and 'predict': the course model's KV-cache
predict tree (``trax_models.model.TransformerLM(mode='predict')``, whose flat weights are the
same); ``init_predict`` here accepts the weights of either tree.

What ``dropout_rng='hash'`` (or 'rbg') changes: which positions are dropped (another, equally
uniform random stream; the keep probability is the same to 2⁻³²), not the expected output or the
gradient's distribution. Training stays deterministic for a given rng on one backend, but the
masks are not trax's, so a train-mode step is not bit-equal to the course model's (eval and
predict are unaffected); RngBitGenerator's stream may also differ between XLA versions/backends
('hash' is plain integer arithmetic: the same everywhere).
"""

import jax
from trax import fastmath, shapes
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models import model as course
from trax_models.attention import causal_mask
from trax_models.models import precision as precision_lib
from trax_models.weights import flat_weights, load_flat_weights

__all__ = ["TransformerLM", "FastDecoderBlock", "DecoderBlock", "FastResidual", "FastDense",
           "Dropout", "dropout", "init_predict", "LogitsCrossEntropy", "logits_cross_entropy",
           "DROPOUT_RNGS", "ATTENTIONS", "HEADS"]

DROPOUT_RNGS = ("rbg", "threefry", "hash")
_GOLDEN = 0x9E3779B9  # spreads the 2-word trax key into the 4 words an rbg key has


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


def dropout(x, rng, rate, rng_impl="hash"):
    """Inverted dropout: each entry of x zeroed with probability ``rate``, the rest × 1/(1-rate).

    Args:
      x: any shape (float).
      rng: the layer's trax rng (a threefry key).
      rate: drop probability in [0, 1).
      rng_impl: 'rbg' (XLA RngBitGenerator), 'threefry' (trax's ``jax.random.bernoulli``; the
        same masks as ``tl.Dropout``) or 'hash' (``hash_bits``: fused, the cheapest on CPU).

    Returns:
      Same shape and dtype as x.
    """
    if rate == 0.0:
        return x
    keep_prob = 1.0 - rate
    if rng_impl == "threefry":
        keep = jax.random.bernoulli(rng, keep_prob, x.shape)
    elif rng_impl == "hash":
        keep = hash_bits(rng, x.shape) < jnp.uint32(min(round(keep_prob * 2.0**32), 2**32 - 1))
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

    def __init__(self, rate=0.0, mode="train", rng_impl="hash"):
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


ATTENTIONS = ("blocked", "einsum", "dpa")
_MAX_BLOCKS = 8     # query blocks per attention: bounds the program's size
_MIN_BLOCK = 32     # shorter blocks cost more in per-dot overhead than the skipped work saves


def _block_size(length):
    """Query block length for ``length`` positions: ≥ 32, at most 8 blocks (L=256 → 32)."""
    return max(_MIN_BLOCK, -(-length // _MAX_BLOCKS))


def _attend(q, k, v, offset):
    """Softmax attention of the queries q at positions offset… to the keys 0…offset+len(q)-1.

    q (batch, Lq, heads, d_head), k and v (batch, Lk, heads, d_head) with Lk = offset + Lq
    → (batch, Lq, heads, d_head); query i sees the keys j ≤ offset + i.
    """
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k)  # (batch, heads, Lq, Lk)
    visible = causal_mask(k.shape[1])[0][offset:]  # (Lq, Lk): the causal rows offset… of (Lk, Lk)
    scores = jnp.where(visible, scores, jnp.full_like(scores, -1e9))
    weights = jax.nn.softmax(scores, axis=-1)  # rows sum to 1
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v)


def causal_attention(q, k, v, layout="blocked"):
    """Causal multi-head attention on un-transposed heads, float32 in every precision.

    q, k, v: (batch, L, heads, d_head), q already scaled by 1/√d_head → (batch, L, heads, d_head).
    layout: 'blocked' (the default: the queries in blocks of ``_block_size(L)``, each block
    against only the keys it may see, so the masked upper triangle of the score matrix is
    mostly never computed: at L=256, 8 blocks, 56 % of the (L, L) scores and of their softmax
    passes — 1.5-1.8× faster forward + backward here, benchmarks/README.md), 'einsum' (one
    masked (L, L) score matrix per head: two einsums) or 'dpa' (``jax.nn.dot_product_attention``,
    is_causal). All three compute the same function (equal up to summation order).
    (bf16 scores were measured no faster here, and XLA:CPU has no bf16→f32 batched dot
    fallback: benchmarks/README.md.)
    """
    if layout == "dpa":
        # scale 1: q is already scaled
        return jax.nn.dot_product_attention(q, k, v, scale=1.0, is_causal=True)
    length = q.shape[1]
    if layout == "einsum":
        return _attend(q, k, v, 0)
    block = _block_size(length)
    blocks = [_attend(q[:, start:start + block], k[:, :start + block], v[:, :start + block],
                      start)
              for start in range(0, length, block)]  # each (batch, ≤ block, heads, d_head)
    return blocks[0] if len(blocks) == 1 else jnp.concatenate(blocks, axis=1)


class FastDense(tl.Dense):
    """``tl.Dense`` (same weights w (d_in, n), b (n,)) whose matmul follows ``precision``.

    (…, d_in) → (…, n) float32; 'bf16': see ``trax_models.models.precision``.
    """

    def __init__(self, n_units, precision="f32"):
        super().__init__(n_units)
        self._precision = precision

    def forward(self, x):
        w, b = self.weights
        return precision_lib.affine(x, w, b, self._precision)  # bias inside the GEMM in f32


class FastDecoderBlock(tl.Layer):
    """The course's ``DecoderBlock`` as one layer: (batch, L, d_model) → (batch, L, d_model).

    Sublayers (for weights, state and init only — ``forward`` does the arithmetic itself), in
    the course's flattened order: LayerNorm, Dense q, Dense k, Dense v, Dense out, Dropout,
    LayerNorm, Dense d_ff, activation, Dropout, Dense d_model, Dropout.
    Modes: 'train' (dropout on) and 'eval'. Predict mode is the course model's (KV cache).
    """

    def __init__(self, d_model, d_ff, n_heads, dropout, mode, ff_activation=tl.Relu,
                 dropout_rng="hash", precision="f32", attention="blocked"):
        super().__init__(n_in=1, n_out=1, name="FastDecoderBlock")
        if attention not in ATTENTIONS:
            raise ValueError(f"FastDecoderBlock: attention={attention!r}; use one of "
                             f"{ATTENTIONS}.")
        self._precision, self._attention = precision_lib.resolve(precision), attention
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
        drops = [self._sublayers[i] for i in (5, 9, 11)]
        rngs = (fastmath.random.split(self.rng, 3) if self._mode == "train"
                else (None, None, None))
        x = _attention_residual(x, (ln1_s, ln1_b, wq, bq, wk, bk, wv, bv, wo, bo),
                                self._n_heads, self._precision, self._attention,
                                drops[0], rngs[0])
        return _feed_forward_residual(x, (ln2_s, ln2_b, w1, b1, w2, b2), self._activation,
                                      (act_weights, self.state[8]), self._precision,
                                      drops[1:], rngs[1:], self.rng)


def _drop(x, layer, rng):
    """``layer`` (a fast Dropout, or the course's tl.Dropout) on x in train mode (rng given)."""
    if rng is None:
        return x
    return dropout(x, rng, layer._initial_rate, getattr(layer, "_rng_impl", "hash"))


def _attention_residual(x, weights, n_heads, precision, attention, drop, rng):
    """x + Dropout(CausalAttention(LayerNorm(x))): the course block's first residual.

    x (batch, L, d_model); weights (ln scale, ln bias, wq, bq, wk, bk, wv, bv, wo, bo);
    ``rng`` None: no dropout (eval).
    """
    ln_s, ln_b, wq, bq, wk, bk, wv, bv, wo, bo = weights
    batch, length, d_model = x.shape
    d_head = d_model // n_heads
    mm = lambda a, w: precision_lib.matmul(a, w, precision)  # noqa: E731
    # q, k, v from one (d, 3d) matmul
    h = _layer_norm(x, ln_s, ln_b)
    qkv = mm(h, jnp.concatenate([wq, wk, wv], axis=1)) + jnp.concatenate([bq, bk, bv])
    qkv = qkv.reshape(batch, length, 3, n_heads, d_head)  # (batch, L, 3, heads, dh)
    q = qkv[:, :, 0] * (1.0 / d_head ** 0.5)
    attn = causal_attention(q, qkv[:, :, 1], qkv[:, :, 2], attention)  # (batch, L, heads, dh)
    attn = mm(attn.reshape(batch, length, d_model), wo) + bo
    return x + _drop(attn, drop, rng)


def _feed_forward_residual(x, weights, activation, activation_weights_and_state, precision,
                           drops, rngs, rng):
    """x + Dropout(Dense(Dropout(activation(Dense(LayerNorm(x)))))): the second residual.

    weights (ln scale, ln bias, w1, b1, w2, b2); ``drops``/``rngs``: the two Dropouts and their
    rngs (None: eval); ``rng``: the activation's (weightless layers ignore it).
    """
    ln_s, ln_b, w1, b1, w2, b2 = weights
    mm = lambda a, w: precision_lib.matmul(a, w, precision)  # noqa: E731
    h = _layer_norm(x, ln_s, ln_b)
    h, _ = activation.pure_fn(mm(h, w1) + b1, *activation_weights_and_state, rng)
    h = _drop(h, drops[0], rngs[0])
    return x + _drop(mm(h, w2) + b2, drops[1], rngs[1])


class FastResidual(tl.Serial):
    """One of the course ``DecoderBlock``'s two ``tl.Residual`` layers, fast: the same
    sublayers (so the same weight tree, state and checkpoints, in every mode), computed by
    ``_attention_residual`` or ``_feed_forward_residual`` instead of the sublayers' ~10 small
    layers. (batch, L, d_model) → (batch, L, d_model); 'train' and 'eval' modes.
    """

    def __init__(self, residual, part, n_heads, mode, ff_activation=tl.Relu,
                 precision="f32", attention="blocked"):
        super().__init__(*residual.sublayers, name=f"Fast{part.title()}Residual")
        if part not in ("attention", "feed_forward"):
            raise ValueError(f"FastResidual: part={part!r}; use 'attention' or 'feed_forward'.")
        if mode not in ("train", "eval"):
            raise ValueError(f"FastResidual: mode={mode!r}; use 'train' or 'eval'.")
        self._part, self._n_heads, self._mode = part, n_heads, mode
        self._precision, self._attention = precision_lib.resolve(precision), attention
        self._activation = ff_activation()
        # weightless (the course's FeedForward): its (empty) weights and state, for pure_fn
        self._activation_weights_and_state = self._activation.init(
            shapes.ShapeDtype((1, 1), jnp.float32))
        self._drops = [layer for layer in _walk(residual) if isinstance(layer, tl.Dropout)]

    def forward(self, x):
        leaves = jax.tree_util.tree_leaves(self.weights)
        train = self._mode == "train"
        if self._part == "attention":
            return _attention_residual(x, leaves, self._n_heads, self._precision,
                                       self._attention, self._drops[0],
                                       self.rng if train else None)
        rngs = fastmath.random.split(self.rng, 2) if train else (None, None)
        return _feed_forward_residual(x, leaves, self._activation,
                                      self._activation_weights_and_state, self._precision,
                                      self._drops, rngs, self.rng)


def _walk(layer):
    """``layer`` and all its sublayers, depth first."""
    yield layer
    for sub in layer.sublayers:
        yield from _walk(sub)


def DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation=tl.Relu, max_len=2048,
                 precision="f32", attention="blocked"):
    """The course's ``DecoderBlock`` (its two residuals, its weight tree), fast in 'train' and
    'eval': a list of two ``FastResidual``; other modes get the course's block itself (``max_len``:
    its KV cache in predict mode)."""
    block = course.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, max_len)
    if mode not in ("train", "eval"):
        return block
    return [FastResidual(residual, part, n_heads, mode, ff_activation, precision, attention)
            for residual, part in zip(block, ("attention", "feed_forward"))]


HEADS = ("log_softmax", "logits")


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode="train", ff_activation=tl.Relu, cache_len=None,
                  dropout_rng="hash", precision="f32", attention="blocked", head="log_softmax"):
    """The course's TransformerLM, fast: same arguments, weights (flattened) and outputs.

    Input: token ids (batch, L). Output: log-probabilities (batch, L, vocab_size), or with
    ``head='logits'`` the logits before the LogSoftmax (train with ``LogitsCrossEntropy``).
    Modes: 'train', 'eval' (fast tree), 'predict' (the course model's KV-cache tree; see
    ``trax_models.model`` and ``init_predict`` below). ``dropout_rng``: 'hash' (default,
    cheapest), 'rbg' or 'threefry' (trax's dropout masks), train mode only. ``precision``:
    'f32' (default, the course's numbers), 'bf16' (bf16 matmul inputs, f32 accumulation, f32
    weights) or 'auto' (bf16 where ``precision.native_bf16()``). ``attention``: see ``causal_attention``.
    The options change no weight: every variant loads the course model's checkpoints.
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
    if head not in HEADS:
        raise ValueError(f"TransformerLM: head={head!r}; use one of {HEADS}.")
    precision = precision_lib.resolve(precision)
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Embedding(vocab_size, d_model),             # (batch, L, d_model)
        Dropout(rate=dropout, mode=mode, rng_impl=dropout_rng),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
        [FastDecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, dropout_rng,
                          precision, attention)
         for _ in range(n_layers)],
        tl.LayerNorm(),
        FastDense(vocab_size, precision),              # (batch, L, vocab)
        [tl.LogSoftmax()] if head == "log_softmax" else [],
    )


def logits_cross_entropy(logits, targets, weights):
    """Σ w·(logsumexp(logits) − logits[target]) / Σ w: ``tl.CrossEntropyLoss`` of the
    LogSoftmax of ``logits`` without the (batch, L, vocab) log-probabilities.

    logits (batch, L, V) float, targets (batch, L) int, weights (batch, L) → scalar float32.
    (A hand-written gradient, one pass over the logits, measured no faster: not kept.)
    """
    logits = logits.astype(jnp.float32)
    lse = jax.nn.logsumexp(logits, axis=-1)                                     # (batch, L)
    target = jnp.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]   # (batch, L)
    return jnp.sum((lse - target) * weights) / jnp.sum(weights)


def LogitsCrossEntropy():
    """Loss layer (logits, targets, weights) → scalar: see ``logits_cross_entropy``."""
    return tl.Fn("LogitsCrossEntropy", logits_cross_entropy)


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
