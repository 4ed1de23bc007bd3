"""The fast block's variants that only the benchmarks run (bench_train's fast-* impls).

The package keeps one fast path, the one users train (``trax_models.models.fast_model``:
float32, blocked causal attention, hash dropout masks, the course block's tree). Measured
against it here, on the same ``FastResidual`` arithmetic (its ``matmul``, ``attend`` and
``drop`` overridden):

    dropout_rng  'hash' (the package's) | 'threefry' (trax's masks) | 'rbg' (XLA's
                 RngBitGenerator)
    attention    'blocked' (the package's) | 'einsum' (one masked (L, L) score matrix) |
                 'dpa' (``jax.nn.dot_product_attention``)
    precision    'f32' (the package's) | 'bf16' (bf16 matmul inputs, f32 accumulation, f32
                 master weights, LayerNorm, attention and loss) | 'auto' (bf16 where
                 ``native_bf16()``)
    head         'log_softmax' | 'logits' (stop before the LogSoftmax; train with
                 ``LogitsCrossEntropy``: logsumexp − target logit, the same loss)

``TransformerLM`` is the course's TransformerLM tree (ShiftRight, Embedding, Dropout,
PositionalEncoding, blocks, LayerNorm, Dense, LogSoftmax) with its blocks' residuals fast:
every variant has the course model's weight tree and loads its checkpoints; the f32 ones give
its eval outputs (< 1e-5). Train and eval modes only (predict is the course model's).
The head's Dense puts its bias inside the GEMM in f32 (``affine``). ``PointerOnCourseBlocks``
is make train's ``pointer_lm`` on the course's layers instead (bench_train's pointer-course).
"""
import pathlib

import jax
from jax import lax
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models import model as course
from trax_models.attention import causal_mask
from trax_models.models import fast_model, pointer, precision

__all__ = ["TransformerLM", "VariantResidual", "FastDense", "Dropout", "dropout",
           "causal_attention", "matmul", "affine", "native_bf16", "resolve", "cpu_flags",
           "PointerOnCourseBlocks", "LogitsCrossEntropy", "logits_cross_entropy", "DROPOUT_RNGS", "ATTENTIONS",
           "PRECISIONS", "HEADS"]

DROPOUT_RNGS = ("hash", "threefry", "rbg")
ATTENTIONS = ("blocked", "einsum", "dpa")
PRECISIONS = ("f32", "bf16", "auto")
HEADS = ("log_softmax", "logits")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
_GOLDEN = 0x9E3779B9  # spreads the 2-word trax key into the 4 words an rbg key has


# --- precision ---------------------------------------------------------------------------------

def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU feature flags of the first processor in ``cpuinfo`` (empty set if unreadable)."""
    try:
        text = pathlib.Path(cpuinfo).read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def native_bf16(backend=None, cpuinfo="/proc/cpuinfo"):
    """True if bf16 matmuls run natively here: a GPU/TPU backend, or a CPU with amx_bf16 or
    avx512_bf16 (read from ``cpuinfo``). Detected, never assumed: other CPUs emulate bf16."""
    backend = jax.default_backend() if backend is None else backend
    if backend in ("gpu", "cuda", "rocm", "tpu"):
        return True
    return bool(cpu_flags(cpuinfo) & set(_BF16_CPU_FLAGS))


def resolve(precision_name):
    """'f32' | 'bf16' | 'auto' → 'f32' or 'bf16' ('auto' is 'bf16' only where native_bf16())."""
    if precision_name not in PRECISIONS:
        raise ValueError(f"precision={precision_name!r}; use one of {PRECISIONS}.")
    if precision_name == "auto":
        return "bf16" if native_bf16() else "f32"
    return precision_name


def _dot(a, b):
    """a (m, k) · b (k, n) → (m, n): f32 accumulation."""
    return lax.dot_general(a, b, (((1,), (0,)), ((), ())), preferred_element_type=jnp.float32)


def _dot_bt(a, b):
    """a (m, n) · b (k, n)ᵀ → (m, k)."""
    return lax.dot_general(a, b, (((1,), (1,)), ((), ())), preferred_element_type=jnp.float32)


@jax.custom_vjp
def _matmul_bf16(a, b):
    """a (m, k) · b (k, n) f32 → (m, n) f32 from bf16 inputs; the package matmul's gradient
    layouts (``trax_models.models.precision``) with the cotangent cast to bf16 too."""
    return _dot(a.astype(jnp.bfloat16), b.astype(jnp.bfloat16))


def _matmul_bf16_fwd(a, b):
    a_c, b_c = a.astype(jnp.bfloat16), b.astype(jnp.bfloat16)
    return _dot(a_c, b_c), (a_c, b_c)


def _matmul_bf16_bwd(res, g):
    a_c, b_c = res
    g_c = g.astype(jnp.bfloat16)
    transposed = jnp.swapaxes(a_c[..., None], -3, -2)[..., 0]  # a real copy of aᵀ (k, m)
    return _dot_bt(g_c, b_c), _dot(transposed, g_c)           # f32 (m, k), (k, n)


_matmul_bf16.defvjp(_matmul_bf16_fwd, _matmul_bf16_bwd)


def matmul(x, w, precision_name="f32"):
    """x (..., k) @ w (k, n) → (..., n) float32; 'f32' is the package's ``precision.matmul``,
    'bf16' casts both inputs (and the gradient's cotangent) to bfloat16, accumulating in f32."""
    if precision_name == "f32":
        return precision.matmul(x, w)
    if precision_name != "bf16":
        raise ValueError(f"matmul: precision={precision_name!r}; resolve() it to 'f32' or "
                         f"'bf16'.")
    lead = x.shape[:-1]
    return _matmul_bf16(x.reshape(-1, x.shape[-1]), w).reshape(lead + (w.shape[-1],))


def affine(x, w, b, precision_name="f32"):
    """x (..., k) @ w (k, n) + b (n,) → (..., n) float32.

    In 'f32' the bias rides in the GEMM: [x, 1] (M, k+1) · [w; b] (k+1, n). For the vocabulary
    head (n = 33,300) XLA otherwise writes the (M, n) product and then re-reads it in a separate
    add pass (and its gradient's column sum): the folded form measured 1.2× faster forward +
    backward at the course size (benchmarks/README.md). 'bf16' keeps the f32 bias add.
    """
    if precision_name != "f32":
        return matmul(x, w, precision_name) + b
    ones = jnp.ones(x.shape[:-1] + (1,), x.dtype)
    return matmul(jnp.concatenate([x, ones], axis=-1), jnp.concatenate([w, b[None]], axis=0))


# --- dropout -----------------------------------------------------------------------------------

def dropout(x, rng, rate, rng_impl="hash"):
    """Inverted dropout (any shape; same shape and dtype out) with the masks of ``rng_impl``:
    'hash' (the package's ``fast_model.dropout``), 'threefry' (``jax.random.bernoulli``: the
    same masks as ``tl.Dropout``) or 'rbg' (XLA's RngBitGenerator keyed by the trax rng)."""
    if rng_impl not in DROPOUT_RNGS:
        raise ValueError(f"dropout: rng_impl={rng_impl!r}; use one of {DROPOUT_RNGS}.")
    if rng_impl == "hash" or rate == 0.0:
        return fast_model.dropout(x, rng, rate)
    keep_prob = 1.0 - rate
    if rng_impl == "threefry":
        keep = jax.random.bernoulli(rng, keep_prob, x.shape)
    else:  # rbg
        if jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):  # a typed key → its words
            rng = jax.random.key_data(rng)
        words = rng.astype(jnp.uint32)
        key = jax.random.wrap_key_data(jnp.concatenate([words, words ^ jnp.uint32(_GOLDEN)]),
                                       impl="rbg")
        bits = jax.random.bits(key, x.shape, jnp.uint32)  # (x.shape) uniform uint32
        keep = bits < jnp.uint32(min(round(keep_prob * 2.0**32), 2**32 - 1))
    return jnp.where(keep, x / keep_prob, jnp.zeros_like(x))


class Dropout(tl.Layer):
    """``tl.Dropout``'s state (its rate) with a choice of mask generator (see ``dropout``).
    'train' drops; 'eval' is the identity. Any shape in and out."""

    def __init__(self, rate, mode, rng_impl):
        super().__init__(name="Dropout")
        self._rate, self._mode, self._rng_impl = rate, mode, rng_impl

    def init_weights_and_state(self, input_signature):
        del input_signature
        self.state = jnp.array(self._rate)  # as tl.Dropout: the course tree's state

    def forward(self, x):
        return dropout(x, self.rng, self._rate, self._rng_impl) if self._mode == "train" else x


# --- attention ---------------------------------------------------------------------------------

def causal_attention(q, k, v, layout="blocked"):
    """Causal attention, q (B, L, H, dh) scaled by 1/√dh, k, v (B, L, H, dh) → (B, L, H, dh):
    'blocked' (the package's), 'einsum' (one masked (L, L) score matrix per head) or 'dpa'
    (``jax.nn.dot_product_attention``). The same function, up to summation order."""
    if layout == "blocked":
        return fast_model.causal_attention(q, k, v)
    if layout == "dpa":  # scale 1: q is already scaled
        return jax.nn.dot_product_attention(q, k, v, scale=1.0, is_causal=True)
    if layout != "einsum":
        raise ValueError(f"causal_attention: layout={layout!r}; use one of {ATTENTIONS}.")
    length = q.shape[1]
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k)                               # (B, H, L, L)
    visible = causal_mask(length)[0]                                           # (L, L)
    weights = jax.nn.softmax(jnp.where(visible, scores, jnp.full_like(scores, -1e9)), axis=-1)
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v)


# --- the model ---------------------------------------------------------------------------------

class VariantResidual(fast_model.FastResidual):
    """``fast_model.FastResidual`` with another dropout generator, attention layout or matmul
    precision (resolved: 'f32' or 'bf16')."""

    def __init__(self, residual, part, n_heads, dropout_rate, mode, ff_activation,
                 dropout_rng="hash", precision_name="f32", attention="blocked"):
        super().__init__(residual, part, n_heads, dropout_rate, mode, ff_activation)
        self._rng_impl, self._precision, self._layout = dropout_rng, precision_name, attention

    def matmul(self, a, w):
        return matmul(a, w, self._precision)

    def attend(self, q, k, v):
        return causal_attention(q, k, v, self._layout)

    def drop(self, x, rng):
        return x if rng is None else dropout(x, rng, self._rate, self._rng_impl)


class FastDense(tl.Dense):
    """``tl.Dense`` (same weights w (d_in, n), b (n,)) as ``affine`` in ``precision``."""

    def __init__(self, n_units, precision_name="f32"):
        super().__init__(n_units)
        self._precision = precision_name

    def forward(self, x):
        w, b = self.weights
        return affine(x, w, b, self._precision)


def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1,
                  max_len=4096, mode="train", ff_activation=tl.Relu, dropout_rng="hash",
                  precision="f32", attention="blocked", head="log_softmax"):
    """The course's TransformerLM with fast residuals and the options of the module docstring.

    tokens (B, L) int → log-probabilities (B, L, vocab_size), or with ``head='logits'`` the
    logits (train with ``LogitsCrossEntropy``). The course model's weight tree.
    """
    if mode not in ("train", "eval"):
        raise ValueError(f"TransformerLM: mode={mode!r}; use 'train' or 'eval'.")
    for name, value, allowed in (("dropout_rng", dropout_rng, DROPOUT_RNGS),
                                 ("attention", attention, ATTENTIONS), ("head", head, HEADS)):
        if value not in allowed:
            raise ValueError(f"TransformerLM: {name}={value!r}; use one of {allowed}.")
    resolved = resolve(precision)
    blocks = [[VariantResidual(residual, part, n_heads, dropout, mode, ff_activation,
                               dropout_rng, resolved, attention)
               for residual, part in zip(course.DecoderBlock(d_model, d_ff, n_heads, dropout,
                                                             mode, ff_activation),
                                         fast_model.PARTS)]
              for _ in range(n_layers)]
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Embedding(vocab_size, d_model),                           # (B, L, d_model)
        Dropout(dropout, mode, dropout_rng),
        tl.PositionalEncoding(max_len=max_len, mode=mode),
        blocks,                                                      # (B, L, d_model)
        tl.LayerNorm(),
        FastDense(vocab_size, resolved),                             # (B, L, vocab)
        [tl.LogSoftmax()] if head == "log_softmax" else [],
    )


def PointerOnCourseBlocks(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8,
                          dropout=0.1, max_len=4096, mode="train", ff_activation=tl.Relu):
    """bench_train's 'pointer-course': make train's ``pointer_lm`` (``pointer.
    PointerTransformerLM``'s frame) on the course's ``DecoderBlock`` layers instead of the fast
    ones, log-probabilities out (train it under ``tl.CrossEntropyLoss``). Same weight tree."""
    body = [course.PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),  # (B, L, d)
            [course.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation, max_len)
             for _ in range(n_layers)],                                             # (B, L, d)
            tl.LayerNorm()]
    return tl.Serial(
        tl.ShiftRight(mode=mode),
        tl.Branch(tl.Select([0]), body),                                            # (x, h)
        pointer.PointerHead(vocab_size, mode=mode, cache_len=max_len, output="log_probs"),
    )


def logits_cross_entropy(logits, targets, weights):
    """Σ w·(logsumexp(logits) − logits[target]) / Σ w: ``tl.CrossEntropyLoss`` of the
    LogSoftmax of ``logits`` without the (B, L, vocab) log-probabilities.

    logits (B, L, V) float, targets (B, L) int, weights (B, L) → scalar float32.
    """
    logits = logits.astype(jnp.float32)
    lse = jax.nn.logsumexp(logits, axis=-1)                                     # (B, L)
    target = jnp.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]   # (B, L)
    return jnp.sum((lse - target) * weights) / jnp.sum(weights)


def LogitsCrossEntropy():
    """Loss layer (logits, targets, weights) → scalar: see ``logits_cross_entropy``."""
    return tl.Fn("LogitsCrossEntropy", logits_cross_entropy)
