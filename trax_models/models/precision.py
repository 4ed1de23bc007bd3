"""Mixed precision for the fast model: bf16 matmul inputs, f32 accumulation, f32 everything else.

    native_bf16()              → bool: does this machine multiply bf16 natively?
    resolve(precision)         'f32' | 'bf16' | 'auto' → 'f32' or 'bf16' ('auto': native_bf16())
    matmul(x, w, precision)    x (..., k) @ w (k, n) → (..., n) float32
    affine(x, w, b, precision) x @ w + b, the bias inside the GEMM in f32 (the vocabulary head)

'bf16' casts both matmul inputs to bfloat16 and accumulates in float32
(``preferred_element_type``); the weights stay float32 (the master copy the optimizer updates),
and LayerNorm, attention (scores, softmax), the loss and the residual stream stay float32.
'f32' is the plain float32 product (the course model's numbers: the same forward, the same
gradient up to summation order).

Why a custom gradient (both precisions): XLA:CPU's fast dot kernel (YNNPACK; AMX for bf16 on
CPUs that have it) takes only the plain layouts (x·w, g·wᵀ). JAX's automatic weight gradient
xᵀ·g has a transposed operand, so XLA inserts a transposing copy, and fuses into that copy
everything that produces it: the cotangent, i.e. the residual stream's gradient summed over
every later layer, re-read in transposed order (~40 ms per layer at d256, profiled; the f32
mid step 1.4× (bench) to 2.3× (profiled) slower). In bf16 the automatic gradient is worse
still: the f32 cotangent meets bf16 operands and XLA falls back to a converted f32 dot. The
backward here casts the cotangent to the compute dtype and hands the weight gradient a
transposed copy of the stored input x (a single buffer) that XLA cannot fold into the dot.
"""
import functools
import pathlib

import jax
from jax import lax
from trax.fastmath import numpy as jnp

__all__ = ["PRECISIONS", "native_bf16", "resolve", "matmul", "affine", "cpu_flags"]

PRECISIONS = ("f32", "bf16", "auto")
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


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


def resolve(precision):
    """'f32' | 'bf16' | 'auto' → 'f32' or 'bf16' ('auto' is 'bf16' only where native_bf16())."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}; use one of {PRECISIONS}.")
    if precision == "auto":
        return "bf16" if native_bf16() else "f32"
    return precision


def _transposed_copy(x):
    """x (m, k) → (k, m) as a real copy: the unit axis keeps XLA from folding the
    transpose into the next dot's dimension numbers (a layout its fast bf16 kernel refuses)."""
    return jnp.swapaxes(x[..., None], -3, -2)[..., 0]


def _dot(a, b):
    """a (m, k) · b (k, n) → (m, n): bf16 inputs, f32 accumulation."""
    return lax.dot_general(a, b, (((1,), (0,)), ((), ())), preferred_element_type=jnp.float32)


def _dot_bt(a, b):
    """a (m, n) · b (k, n)ᵀ → (m, k): the layout of an input gradient."""
    return lax.dot_general(a, b, (((1,), (1,)), ((), ())), preferred_element_type=jnp.float32)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _matmul(a, b, dtype):
    return _dot(a.astype(dtype), b.astype(dtype))


def _matmul_fwd(a, b, dtype):
    a_c, b_c = a.astype(dtype), b.astype(dtype)
    # zero-size markers carry the input dtypes (residuals must be arrays)
    return _dot(a_c, b_c), (a_c, b_c, jnp.zeros((0,), a.dtype), jnp.zeros((0,), b.dtype))


def _matmul_bwd(dtype, res, g):
    a_c, b_c, a_like, b_like = res
    g_c = g.astype(dtype)
    da = _dot_bt(g_c, b_c)                       # (m, k) = g · bᵀ
    db = _dot(_transposed_copy(a_c), g_c)         # (k, n) = aᵀ · g
    return da.astype(a_like.dtype), db.astype(b_like.dtype)


_matmul.defvjp(_matmul_fwd, _matmul_bwd)


def matmul(x, w, precision="f32"):
    """x (..., k) @ w (k, n) → (..., n) float32.

    precision: 'f32' or 'bf16' (bf16 inputs, f32 accumulation). Both use the custom gradient
    above; the leading axes of x are flattened, so that the weight gradient is one
    (k, M)·(M, n) dot over all M rows.
    """
    if precision not in ("f32", "bf16"):
        raise ValueError(f"matmul: precision={precision!r}; resolve() it to 'f32' or 'bf16'.")
    dtype = jnp.bfloat16 if precision == "bf16" else jnp.float32
    lead = x.shape[:-1]
    out = _matmul(x.reshape(-1, x.shape[-1]), w, dtype)
    return out.reshape(lead + (w.shape[-1],))


def affine(x, w, b, precision="f32"):
    """x (..., k) @ w (k, n) + b (n,) → (..., n) float32.

    In 'f32' the bias rides in the GEMM: [x, 1] (M, k+1) · [w; b] (k+1, n). For the vocabulary
    head (n = 33,300) XLA otherwise writes the (M, n) product and then re-reads it in a separate
    add pass (and its gradient's column sum): the folded form measured 1.2× faster forward +
    backward at the course size (benchmarks/README.md). 'bf16' keeps the f32 bias add (a bf16
    bias would lose digits).
    """
    if precision != "f32":
        return matmul(x, w, precision) + b  # matmul checks precision (resolved, as its own)
    ones = jnp.ones(x.shape[:-1] + (1,), x.dtype)
    return matmul(jnp.concatenate([x, ones], axis=-1), jnp.concatenate([w, b[None]], axis=0),
                  "f32")
