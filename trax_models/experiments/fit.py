"""Training and measuring any of our models the same way: one jitted step, one optimizer.

Every model here maps inputs → log-probs (batch, L, vocab) and is trained on masked token
cross-entropy with trax's Adam and global-norm gradient clipping, for the same number of steps on the
same batches — the "equal steps" of the comparison. The step is ``model.pure_fn`` under
``jax.jit`` (no trax Loop: no checkpoints or event files for a few hundred throw-away steps;
the models themselves also train under ``trax.supervised.training.Loop``, see the tests).
"""
import time

import jax
import jax.numpy as jnp
import numpy as np
import trax
from trax import shapes

from trax_models.weights import count_weights

__all__ = ["masked_nll", "make_train_step", "train", "predict_last", "lm_greedy_continue",
           "compiled_train_step", "input_grad_norms", "adam"]


def masked_nll(log_probs, targets, mask):
    """Mean −log p(target) over positions with mask 1: (B, L, V), (B, L), (B, L) → scalar."""
    nll = -jnp.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    return jnp.sum(nll * mask) / jnp.maximum(jnp.sum(mask), 1.0)


def adam(lr):
    """trax's Adam with global-norm gradient clipping at 1 (no weight decay, eps 1e-8)."""
    return trax.optimizers.Adam(lr, weight_decay_rate=0.0, eps=1e-8, clip_grad_norm=1.0)


def make_train_step(model, optimizer):
    """jitted (weights, slots, opt_params, state, step, rng, inputs, targets, mask) →
    (weights, slots, state, loss): one masked-NLL step of ``optimizer`` (a trax optimizer).

    ``inputs`` is what the model takes (tokens, or a (src, tgt) tuple); targets/mask (B, L).
    """
    def loss_fn(weights, state, rng, inputs, targets, mask):
        log_probs, new_state = model.pure_fn(inputs, weights, state, rng)
        return masked_nll(log_probs, targets, mask), new_state

    @jax.jit
    def step_fn(weights, slots, opt_params, state, step, rng, inputs, targets, mask):
        (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            weights, state, rng, inputs, targets, mask)
        weights, slots, _ = optimizer.tree_update(step, grads, weights, slots, opt_params,
                                                  store_slots=False)
        return weights, slots, state, loss
    return step_fn


def _signature(inputs):
    return shapes.signature(inputs if not isinstance(inputs, tuple) else tuple(inputs))


def train(model, next_batch, n_steps, lr=3e-3, seed=0, log_every=0, name=""):
    """Trains ``model`` in place for n_steps; ``next_batch(step)`` → (inputs, targets, mask).

    Returns {'params', 'losses' (one per step), 'seconds', 'steps'}; the trained weights are
    left in ``model.weights``.
    """
    inputs, targets, mask = next_batch(0)
    model.init(_signature(inputs), rng=jax.random.PRNGKey(seed))
    weights, state = model.weights, model.state
    optimizer = adam(lr)
    slots, opt_params = optimizer.tree_init(weights)
    step_fn = make_train_step(model, optimizer)
    rng = jax.random.PRNGKey(seed + 1)
    losses, start = [], time.perf_counter()
    for step in range(n_steps):
        if step:
            inputs, targets, mask = next_batch(step)
        rng, step_rng = jax.random.split(rng)
        weights, slots, state, loss = step_fn(weights, slots, opt_params, state, float(step),
                                              step_rng, inputs, targets, mask)
        losses.append(loss)
        if log_every and (step + 1) % log_every == 0:
            print(f"  {name} step {step + 1}/{n_steps} loss {float(loss):.3f}", flush=True)
    losses = [float(x) for x in losses]
    seconds = time.perf_counter() - start
    model.weights, model.state = weights, state
    return {"params": count_weights(weights), "losses": losses, "seconds": seconds,
            "steps": n_steps}


def predict_last(model, tokens):
    """argmax of the LM's log-probs at the last position: tokens (B, L) → (B,) int (jitted)."""
    run = jax.jit(lambda w, s, x: model.pure_fn(x, w, s, jax.random.PRNGKey(0))[0][:, -1])
    return np.asarray(run(model.weights, model.state, jnp.asarray(tokens, jnp.int32)).argmax(-1))


def lm_greedy_continue(model, tokens, start, n_steps):
    """Greedy continuation with a causal LM by re-running it on a fixed buffer.

    tokens (B, L) int with the prompt in [0, start_b) of each row, start (B,) int; writes
    n_steps argmax tokens from start_b on and returns the buffer (B, L). One jitted
    ``lax.fori_loop``; each step runs the full model (O(L) per step — fine for the tiny models
    here, and exact for any causal model: position p only sees tokens < p).
    """
    weights, state = model.weights, model.state
    rng = jax.random.PRNGKey(0)

    @jax.jit
    def run(tokens, start):
        rows = jnp.arange(tokens.shape[0])

        def body(i, buf):
            log_probs, _ = model.pure_fn(buf, weights, state, rng)
            pos = jnp.minimum(start + i, buf.shape[1] - 1)
            nxt = jnp.argmax(log_probs[rows, pos], axis=-1).astype(buf.dtype)
            return buf.at[rows, pos].set(nxt)
        return jax.lax.fori_loop(0, n_steps, body, tokens)
    return np.asarray(run(jnp.asarray(tokens, jnp.int32), jnp.asarray(start, jnp.int32)))


def compiled_train_step(model, inputs, targets, mask, seed=0):
    """Compiles one train step (forward + backward + Adam) at this shape and returns a
    function ``() → wall seconds`` of one more step (compilation excluded, result awaited).

    The weights are not updated between calls: every call times the same computation.
    Note: it initialises ``model`` afresh (its current weights are replaced).
    """
    model.init(_signature(inputs), rng=jax.random.PRNGKey(seed))
    weights, state = model.weights, model.state
    optimizer = adam(1e-3)
    slots, opt_params = optimizer.tree_init(weights)
    step_fn = make_train_step(model, optimizer)
    rng = jax.random.PRNGKey(seed)
    args = (inputs, targets, mask)
    jax.block_until_ready(step_fn(weights, slots, opt_params, state, 0.0, rng, *args))

    def run_once():
        start = time.perf_counter()
        jax.block_until_ready(step_fn(weights, slots, opt_params, state, 1.0, rng, *args))
        return time.perf_counter() - start
    return run_once


def input_grad_norms(model, tokens, weights_list=None):
    """‖∂ log p(answer) / ∂ e_j‖ for every input token j: how much signal reaches each position.

    The LM must start with ShiftRight, Embedding (TransformerLM and RNNLM do). e_j is the
    embedding of token j; the answer is the last token, predicted at the last position.
    ``weights_list``: weight trees to measure (default [model.weights]), one compilation for
    all. Returns a list of (B, L) arrays indexed by token position j (0 for j ≥ the answer).
    """
    shift, embed = model.sublayers[0], model.sublayers[1]
    body = model.sublayers[2:]
    state = model.state
    rng = jax.random.PRNGKey(0)
    tokens = jnp.asarray(tokens, jnp.int32)
    pos = tokens.shape[1] - 1

    @jax.jit
    def norms_for(weights):
        emb, _ = embed.pure_fn(shift.pure_fn(tokens, weights[0], state[0], rng)[0],
                               weights[1], state[1], rng)        # (B, L, d): row p embeds token p-1

        def log_p_answer(x):
            for layer, w, s in zip(body, weights[2:], state[2:]):
                x, _ = layer.pure_fn(x, w, s, rng)
            return jnp.sum(jnp.take_along_axis(x[:, pos], tokens[:, pos, None], axis=-1))

        norms = jnp.linalg.norm(jax.grad(log_p_answer)(emb), axis=-1)  # (B, L) by shifted pos
        # shifted position p carries token p-1: re-index by token position j = p - 1
        return jnp.concatenate([norms[:, 1:], jnp.zeros_like(norms[:, :1])], axis=1)

    return [np.asarray(norms_for(w)) for w in (weights_list or [model.weights])]
