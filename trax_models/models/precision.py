"""The fast blocks' matmul: float32, with a gradient in the layouts XLA:CPU's fast kernel takes.

    matmul(x, w)    x (..., k) @ w (k, n) → (..., n) float32 (the plain product; the same
                    gradient as jax's up to summation order)

Why a custom gradient: XLA:CPU's fast dot kernel (YNNPACK) takes only the plain layouts (x·w,
g·wᵀ). JAX's automatic weight gradient xᵀ·g has a transposed operand, so XLA inserts a
transposing copy, and fuses into that copy everything that produces it: the cotangent, i.e.
the residual stream's gradient summed over every later layer, re-read in transposed order
(~40 ms per layer at d256, profiled; the f32 mid step 1.4× (bench) to 2.3× (profiled)
slower). The backward here hands the weight gradient a transposed copy of the stored input x
(a single buffer) that XLA cannot fold into the dot.

(The bf16 variant — bf16 inputs, f32 accumulation — and the bias-in-the-GEMM head measured in
benchmarks/README.md are ``benchmarks/fast_variants.py``'s: no user path runs them.)
"""
import jax
from jax import lax
from trax.fastmath import numpy as jnp

__all__ = ["matmul"]


def _transposed_copy(x):
    """x (m, k) → (k, m) as a real copy: the unit axis keeps XLA from folding the
    transpose into the next dot's dimension numbers (a layout its fast kernel refuses)."""
    return jnp.swapaxes(x[..., None], -3, -2)[..., 0]


def _dot(a, b):
    """a (m, k) · b (k, n) → (m, n), accumulated in float32."""
    return lax.dot_general(a, b, (((1,), (0,)), ((), ())), preferred_element_type=jnp.float32)


def _dot_bt(a, b):
    """a (m, n) · b (k, n)ᵀ → (m, k): the layout of an input gradient."""
    return lax.dot_general(a, b, (((1,), (1,)), ((), ())), preferred_element_type=jnp.float32)


@jax.custom_vjp
def _matmul(a, b):
    """a (m, k) · b (k, n) → (m, n) float32."""
    return _dot(a, b)


def _matmul_fwd(a, b):
    return _dot(a, b), (a, b)


def _matmul_bwd(res, g):
    a, b = res
    return _dot_bt(g, b), _dot(_transposed_copy(a), g)   # (m, k) = g · bᵀ, (k, n) = aᵀ · g


_matmul.defvjp(_matmul_fwd, _matmul_bwd)


def matmul(x, w):
    """x (..., k) @ w (k, n) → (..., n) float32, through the custom gradient above; the leading
    axes of x are flattened, so that the weight gradient is one (k, M)·(M, n) dot over all M
    rows."""
    x, w = jnp.asarray(x, jnp.float32), jnp.asarray(w, jnp.float32)
    lead = x.shape[:-1]
    out = _matmul(x.reshape(-1, x.shape[-1]), w)
    return out.reshape(lead + (w.shape[-1],))
