"""The decode loops: greedy, temperature sampling and beam search, each ONE jitted while-loop.

They know nothing about the model beyond a step closure and the predict-state contract of
``trax_models.predict`` (int32 scalar positions, batch-major caches)::

    step(params, tokens (rows, n), state) -> (log_probs (rows, n, V), state)
    greedy_or_sample_loop(step, max_new, sample) -> run(params, state, prompts (B, Lp),
                                                        lengths (B,), rng, temperature)
        -> tokens (B, max_new) int32, 0 after EOS
    beam_loop(step, max_new, width) -> run(params, state, prompts, lengths, rng, alpha)
        -> (seqs (B, width, max_new), scores (B, width)), finished beams best first

Layout (right padding, per-row lengths). With f = [0] + prompt (ShiftRight's view), feeding
f_p at position p yields the log-probs of token p, so row i's first new token comes from
position n_i. The loops prefill f[:, :Lp] in one call and rewind the shared position counter
to P = min(n_i) (positions >= P hold padding and are overwritten before anything attends to
them); then each step feeds one position for every row: row i's own prompt token while
p < n_i (teacher forcing inside the loop), its last generated token afterwards. So no row ever
attends to padding and each row decodes exactly as it would alone. A model with no prompt to
continue (an encoder-decoder's empty target) passes lengths 0: token 0 goes in at position 0.
"""
import jax
import jax.numpy as jnp

from trax_models.predict import gather_rows, set_position
from trax_models.tokens import EOS

__all__ = ["greedy_or_sample_loop", "beam_loop", "length_penalty", "cut_at_eos"]


def length_penalty(length, alpha):
    """GNMT's length penalty ((5 + length) / 6) ** alpha; a beam's score is logp / penalty."""
    return ((5.0 + length) / 6.0) ** alpha


def greedy_or_sample_loop(step, max_new, sample):
    """The jitted decode loop for greedy decoding or sampling; see the module docstring for the layout.

    Returns run(params, state, prompts (B, Lp), lengths (B,), rng, temperature) →
    tokens (B, max_new) int32 (0 after EOS).
    """
    def run(params, state, prompts, lengths, rng, temperature):
        batch, lp = prompts.shape
        shifted = jnp.concatenate([jnp.zeros((batch, 1), prompts.dtype), prompts[:, :-1]], 1)
        _, state = step(params, shifted, state)  # prefill positions 0 … Lp-1
        start = jnp.min(lengths)
        state = set_position(state, start)  # positions ≥ min(n_i) are re-fed below
        rows = jnp.arange(batch)

        def cond(carry):
            p, _, _, _, done, _ = carry
            return (p < jnp.max(lengths) + max_new) & ~jnp.all(done)

        def body(carry):
            p, state, prev, out, done, rng = carry
            in_prompt = p - 1 < lengths  # (B,): still feeding the prompt
            prompt_tok = jnp.take(prompts, jnp.clip(p - 1, 0, lp - 1), axis=1)
            tok_in = jnp.where(in_prompt, prompt_tok, prev)  # (B,)
            log_probs, state = step(params, tok_in[:, None], state)  # (B, 1, V)
            log_probs = log_probs[:, 0]
            if sample:
                rng, key = jax.random.split(rng)
                tok = jax.random.categorical(key, log_probs / temperature, axis=-1)
            else:
                tok = jnp.argmax(log_probs, axis=-1)
            tok = tok.astype(jnp.int32)
            index = p - lengths  # (B,): which summary token position p predicts
            active = (index >= 0) & ~done
            slot = jnp.clip(index, 0, max_new - 1)
            out = out.at[rows, slot].set(jnp.where(active, tok, out[rows, slot]))
            done = done | (active & ((tok == EOS) | (index + 1 >= max_new)))
            prev = jnp.where(active, tok, prev)
            return p + 1, state, prev, out, done, rng

        carry = (start, state, jnp.zeros((batch,), jnp.int32),
                 jnp.zeros((batch, max_new), jnp.int32), jnp.zeros((batch,), bool), rng)
        return jax.lax.while_loop(cond, body, carry)[3]

    return run


def beam_loop(step, max_new, width):
    """The jitted beam-search loop (batch B of prompts × ``width`` beams = B·width model rows).

    Keeps per prompt ``width`` alive beams (raw log-prob sums) and the ``width`` best finished
    ones (score = logp / length penalty; a beam also finishes when it reaches ``max_new``).
    Each step ranks the 2·width best continuations: those ending in EOS compete for the
    finished pool, the best non-EOS ones stay alive, and the cache rows follow their beams.
    A prompt is done when no alive beam can still beat its worst finished beam.

    Returns run(params, state, prompts (B, Lp), lengths (B,), rng, alpha) → (seqs (B, width,
    max_new) int32, scores (B, width)) with the finished beams best first (-inf = empty).
    """
    k = width

    def run(params, state, prompts, lengths, rng, alpha):
        del rng
        batch, lp = prompts.shape
        rows = batch * k
        shifted = jnp.concatenate([jnp.zeros((batch, 1), prompts.dtype), prompts[:, :-1]], 1)
        _, state = step(params, jnp.repeat(shifted, k, axis=0), state)
        start = jnp.min(lengths)
        state = set_position(state, start)
        neg = jnp.array(-jnp.inf, jnp.float32)
        best_possible_penalty = length_penalty(float(max_new), alpha)

        def cond(carry):
            return (carry[0] < jnp.max(lengths) + max_new) & ~jnp.all(carry[-1])

        def body(carry):
            p, state, prev, alive_seq, alive_lp, fin_seq, fin_score, done = carry
            in_prompt = p - 1 < lengths  # (B,)
            prompt_tok = jnp.take(prompts, jnp.clip(p - 1, 0, lp - 1), axis=1)  # (B,)
            tok_in = jnp.where(in_prompt[:, None], prompt_tok[:, None], prev)  # (B, k)
            log_probs, state = step(params, tok_in.reshape(rows, 1), state)
            vocab = log_probs.shape[-1]
            log_probs = log_probs.reshape(batch, k, vocab)
            index = p - lengths  # (B,) summary position being predicted
            active = (index >= 0) & ~done  # (B,)
            length = (index + 1).astype(jnp.float32)
            penalty = length_penalty(length, alpha)  # (B,)

            cand = (alive_lp[:, :, None] + log_probs).reshape(batch, k * vocab)
            top_lp, top_id = jax.lax.top_k(cand, 2 * k)  # (B, 2k), best first
            beam, tok = top_id // vocab, (top_id % vocab).astype(jnp.int32)
            slot = jnp.clip(index, 0, max_new - 1)
            cand_seq = jnp.take_along_axis(alive_seq, beam[:, :, None], axis=1)  # (B, 2k, T)
            cand_seq = jax.vmap(lambda s, t, i: s.at[:, i].set(t))(cand_seq, tok, slot)
            is_eos = tok == EOS
            last = (index + 1 >= max_new)[:, None]  # cut by length: finished too
            fin_cand = jnp.where(is_eos | last, top_lp / penalty[:, None], neg)
            pool_score = jnp.concatenate([fin_score, fin_cand], axis=1)  # (B, 3k)
            pool_seq = jnp.concatenate([fin_seq, cand_seq], axis=1)
            new_fin_score, pick = jax.lax.top_k(pool_score, k)
            new_fin_seq = jnp.take_along_axis(pool_seq, pick[:, :, None], axis=1)

            alive_cand = jnp.where(is_eos, neg, top_lp)
            new_alive_lp, pick = jax.lax.top_k(alive_cand, k)  # (B, k)
            new_alive_seq = jnp.take_along_axis(cand_seq, pick[:, :, None], axis=1)
            origin = jnp.take_along_axis(beam, pick, axis=1)  # (B, k): parent beam
            new_prev = jnp.take_along_axis(tok, pick, axis=1)

            a, a3 = active[:, None], active[:, None, None]  # prompts not yet generating: keep
            origin = jnp.where(a, origin, jnp.arange(k)[None, :])
            state = gather_rows(state, (origin + k * jnp.arange(batch)[:, None]).reshape(-1),
                                 rows)
            alive_lp = jnp.where(a, new_alive_lp, alive_lp)
            alive_seq = jnp.where(a3, new_alive_seq, alive_seq)
            fin_score = jnp.where(a, new_fin_score, fin_score)
            fin_seq = jnp.where(a3, new_fin_seq, fin_seq)
            prev = jnp.where(a, new_prev, prev)
            # Alive log-probs only fall and the penalty only grows: an alive beam's final score
            # is at most its current logp / penalty(max_new).
            hopeless = jnp.max(alive_lp, axis=1) / best_possible_penalty <= fin_score[:, -1]
            done = done | (active & (hopeless | (index + 1 >= max_new)))
            return p + 1, state, prev, alive_seq, alive_lp, fin_seq, fin_score, done

        alive_lp = jnp.tile(jnp.array([0.0] + [-jnp.inf] * (k - 1), jnp.float32), (batch, 1))
        carry = (start, state, jnp.zeros((batch, k), jnp.int32),
                 jnp.zeros((batch, k, max_new), jnp.int32), alive_lp,
                 jnp.zeros((batch, k, max_new), jnp.int32), jnp.full((batch, k), neg),
                 jnp.zeros((batch,), bool))
        out = jax.lax.while_loop(cond, body, carry)
        return out[5], out[6]

    return run


def cut_at_eos(tokens):
    """Generated ids up to and including the first EOS (all of them if there is none)."""
    tokens = [int(t) for t in tokens]
    return tokens[:tokens.index(EOS) + 1] if EOS in tokens else tokens
