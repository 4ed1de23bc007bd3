"""The decode loops: greedy, temperature sampling and beam search, each ONE jitted while-loop.

They know nothing about the model beyond a step closure and the predict-state contract of
``trax_models.predict`` (positions and per-row caches as each layer declares them in
``predict.STATE_LAYOUTS``)::

    step(params, tokens (rows, n), state) -> (log_probs (rows, n, V), state)
    greedy_or_sample_loop(step, max_new, sample, no_repeat_ngram_size=0, penalize=False)
        -> run(params, state, prompts (B, Lp), lengths (B,), rng, temperature,
               repetition_penalty=1.0)
        -> tokens (B, max_new) int32, 0 after EOS
    beam_loop(step, max_new, width, no_repeat_ngram_size=0, penalize=False)
        -> run(params, state, prompts, lengths, rng, alpha, repetition_penalty=1.0)
        -> (seqs (B, width, max_new), scores (B, width)), finished beams best first

Layout (right padding, per-row lengths). With f = [0] + prompt (ShiftRight's view), feeding
f_p at position p yields the log-probs of token p, so row i's first new token comes from
position n_i. The loops prefill f[:, :Lp] in one call and rewind the shared position counter
to P = min(n_i) (positions >= P hold padding and are overwritten before anything attends to
them); then each step feeds one position for every row: row i's own prompt token while
p < n_i (teacher forcing inside the loop), its last generated token afterwards. So no row ever
attends to padding and each row decodes exactly as it would alone. A model with no prompt to
continue (an encoder-decoder's empty target) passes lengths 0: token 0 goes in at position 0.

Generation controls (``controls``), as Hugging Face ``generate`` names them, both off by
default and then not in the program at all (the loops are the same ops as without them):
``no_repeat_ngram_size`` n (static: it shapes the program) gives log-prob -inf to any token
that would complete an n-gram already present, and ``penalize`` turns on
``repetition_penalty`` r (a traced float, so every r > 1 shares one compilation): the
log-prob x of a token already present becomes x * r if x < 0 else x / r (HF's rule; our
log-probs are ≤ 0, so it lowers them). Unlike HF, whose processors read the whole
``input_ids`` (prompt included), "present" means in the GENERATED summary only
(``out[:, :index]``, per beam ``alive_seq``), never the prompt: a summarizer must be free to
copy the article's names. The adjusted log-probs are what greedy takes the argmax of,
sampling divides by the temperature, and beam search sums into its scores.
"""
import jax
import jax.numpy as jnp

from trax_models.predict import gather_rows, set_position
from trax_models.tokens import EOS

__all__ = ["greedy_or_sample_loop", "beam_loop", "controls", "copy_units", "length_penalty",
           "cut_at_eos"]


def length_penalty(length, alpha):
    """GNMT's length penalty ((5 + length) / 6) ** alpha; a beam's score is logp / penalty."""
    return ((5.0 + length) / 6.0) ** alpha


def controls(no_repeat_ngram_size=0, penalize=False):
    """The function adjusting one step's log-probs for the generated text so far, or None.

    Returns None when both controls are off (n = 0, ``penalize`` false), else
    adjust(log_probs (R, V), generated (R, T) int32, index (R,), penalty) -> log_probs (R, V)
    where ``generated[:, :index]`` are the tokens each row has generated (the summary only,
    never the prompt; later slots are ignored) and ``index`` is the position being predicted:

    * n ≥ 1: for every earlier n-gram generated[j:j+n] (j + n ≤ index) whose first n-1 tokens
      equal the last n-1 generated ones, its last token gets -inf;
    * ``penalize``: every token among generated[:index] has x -> x * penalty if x < 0 else
      x / penalty.
    """
    n = int(no_repeat_ngram_size)
    if n <= 0 and not penalize:
        return None

    def adjust(log_probs, generated, index, penalty):
        rows, vocab = log_probs.shape
        t = generated.shape[1]
        row_ids = jnp.arange(rows)[:, None]
        if penalize:
            seen = jnp.arange(t)[None, :] < index[:, None]  # (R, T)
            present = jnp.zeros((rows, vocab), bool).at[row_ids, generated].max(seen)
            penalised = jnp.where(log_probs < 0, log_probs * penalty, log_probs / penalty)
            log_probs = jnp.where(present, penalised, log_probs)
        windows = t - n + 1  # n-grams that fit in T slots (static)
        if n > 0 and windows > 0:
            starts = jnp.arange(windows)  # (W,)
            # the n-grams generated[j:j+n], (R, W, n), and the last n-1 generated tokens
            grams = jnp.stack([generated[:, i:i + windows] for i in range(n)], axis=-1)
            tail_at = jnp.clip(index[:, None] - (n - 1) + jnp.arange(n - 1)[None, :], 0, t - 1)
            tail = jnp.take_along_axis(generated, tail_at, axis=1)  # (R, n-1)
            match = jnp.all(grams[:, :, :n - 1] == tail[:, None, :], axis=-1)
            match = match & (starts[None, :] + n <= index[:, None])  # (R, W)
            banned = jnp.zeros((rows, vocab), bool).at[row_ids, grams[:, :, n - 1]].max(match)
            log_probs = jnp.where(banned, -jnp.inf, log_probs)
        return log_probs

    return adjust


DEAD_END = -1e4  # the log-prob of EOS in a row whose every token is banned (copy_units)
ONCE = 8  # a unit whose first ONCE pieces (or all, when shorter) a summary holds is not
          # started again; not fewer: a name can open two sentences ("Sartmuwick Kedouns
          # defeated …", "Sartmuwick Kedouns have …")


def copy_units(unit_ends, free, max_pieces=8, closers=None, once=False, lead=0.0, min_units=1):
    """The copy constraint: adjust(log_probs (R, V), generated (R, T), index (R,),
    article (R, La)) -> log_probs with -inf on every token that would start or continue a unit
    found neither in the article nor among the ``free`` tokens.

    A unit is a run of subwords up to one of ``unit_ends`` (V,) bool: a word
    (``words.vocabulary_masks``' ends_word) or a sentence (its ends_sentence). ``free`` (V,)
    bool: tokens writable between units without copying (punctuation and common English words
    for words; none for sentences); EOS is always free and the pad id never. ``article``: each
    row's article ids, padded with -1. ``closers`` (V,) bool, optional: tokens that may end
    the summary where the article's unit ends (a summary's final "." where the article has
    ". " and goes on); only EOS may follow one. ``once``: a unit whose first ``ONCE`` pieces
    the summary already holds is not started again (no sentence twice).

    Between units the decoder may write a free token or the first piece of any article unit
    (EOS too, except first: a summary copies at least one unit when the article has one);
    inside a unit only a piece that continues an article unit begun by the same pieces: the
    ``m`` pieces written since the last unit end must equal article[s-m:s] with s-m a unit
    start, and article[s] is allowed next. So names, numbers and rare words (sentences) are
    copied whole and in order, never invented or cut. A unit longer than ``max_pieces``
    (static) pieces is matched on its last ``max_pieces``; one copied up to the article's end
    without a unit end (its final "." has no space after it) can only be followed by EOS.
    ``lead`` (static, nats; 0 = off): added to the log-prob of the article's first piece at the
    summary's first step; a summary that opens with the article's first unit then copies that
    unit whole (another unit sharing its first pieces cannot take over). ``min_units``
    (static): EOS (and a closer) is refused until the summary holds that many units, unless
    no unit is left to start; 1: only an empty summary is refused.
    """
    unit_ends = jnp.asarray(unit_ends)
    free = jnp.asarray(free).at[EOS].set(True).at[0].set(False)
    closers = jnp.zeros_like(unit_ends) if closers is None else jnp.asarray(closers) & ~unit_ends
    k = max_pieces

    def adjust(log_probs, generated, index, article):
        rows, vocab = log_probs.shape
        t, la = generated.shape[1], article.shape[1]
        valid = article > EOS  # (R, La)
        prev = jnp.concatenate([jnp.full((rows, 1), -1, article.dtype), article[:, :-1]], 1)
        starts = valid & ((prev <= EOS) | unit_ends[jnp.maximum(prev, 0)])
        # the last k generated tokens, newest first, and how many belong to the open unit
        back = index[:, None] - 1 - jnp.arange(k)[None, :]  # (R, k)
        last = jnp.take_along_axis(generated, jnp.clip(back, 0, t - 1), axis=1)
        m = jnp.sum(jnp.cumprod((back >= 0) & ~unit_ends[last], axis=1), axis=1)  # (R,)
        if once:  # starts whose first pieces (up to ONCE, or the unit's end) the summary held
            # before the open unit began: neither started again nor continued (a unit opening
            # "The" must not turn into a sentence already copied)
            ahead = jnp.clip(jnp.arange(la)[:, None] + jnp.arange(ONCE)[None, :], 0, la - 1)
            opening = article[:, ahead]  # (R, La, ONCE)
            closes = unit_ends[jnp.maximum(opening, 0)]
            n = jnp.where(jnp.any(closes, -1), jnp.argmax(closes, -1) + 1, ONCE)  # (R, La)
            gen_at = jnp.clip(jnp.arange(t)[:, None] + jnp.arange(ONCE)[None, :], 0, t - 1)
            written = generated[:, gen_at]  # (R, T, ONCE)
            same = (opening[:, :, None, :] == written[:, None, :, :]) | (
                jnp.arange(ONCE)[None, None, None, :] >= n[:, :, None, None])
            done = jnp.arange(t)[None, None, :] + n[:, :, None] <= (index - m)[:, None, None]
            starts = starts & ~jnp.any(jnp.all(same, -1) & done, -1)  # (R, La)
        s = jnp.arange(la)[None, :]
        begun = jnp.take_along_axis(starts, jnp.clip(s - m[:, None], 0, la - 1), axis=1)
        match = valid & (s - m[:, None] >= 0) & (begun | (m == k)[:, None])
        # article[s-1-j] must equal the piece written j steps ago, for every j < m
        at = jnp.arange(la)[:, None] - 1 - jnp.arange(k)[None, :]  # (La, k)
        window = jnp.where(at >= 0, article[:, jnp.clip(at, 0, la - 1)], -1)  # (R, La, k)
        same = (window == last[:, None, :]) | (jnp.arange(k)[None, None, :] >= m[:, None, None])
        match = match & jnp.all(same, axis=-1)
        row_ids = jnp.arange(rows)[:, None]
        ids = jnp.maximum(article, 0)
        cont = jnp.zeros((rows, vocab), bool).at[row_ids, ids].max(match)
        # at least min_units units (no empty summary): EOS only when no unit is left to copy
        written = jnp.sum(unit_ends[jnp.maximum(generated, 0)]
                          & (jnp.arange(t)[None, :] < index[:, None]), 1)  # (R,) units written
        short = ((index <= 0) if min_units <= 1 else (written < min_units)) & jnp.any(starts, 1)
        usable = starts
        if min_units > 1:  # the article's last unit ends a summary (nothing follows its final
            # "."): not started before the unit that makes up the number while others are left
            ends_here = valid & unit_ends[jnp.maximum(article, 0)]
            last = starts & (s > jnp.max(jnp.where(ends_here, s, -1), 1)[:, None])  # (R, La)
            early = (written + 1 < min_units) & jnp.any(starts & ~last, 1)
            usable = starts & ~(early[:, None] & last)
        fresh = jnp.zeros((rows, vocab), bool).at[row_ids, ids].max(usable) | free[None, :vocab]
        fresh = fresh & ~(short[:, None] & (jnp.arange(vocab) == EOS)[None, :])
        # inside a unit: continue it; past the article's end inside one (its last word has
        # no unit end): stop; between units: a fresh one
        stuck = (m > 0) & ~jnp.any(cont, axis=1)
        allowed = jnp.where((m > 0)[:, None], cont, fresh) | (stuck[:, None]
                                                             & (jnp.arange(vocab) == EOS))
        # where the article's unit ends, the summary may end instead (then EOS: stuck above)
        at_end = jnp.any(cont & unit_ends[None, :vocab], axis=1)
        at_end = at_end & ((written + 1 >= min_units) | ~jnp.any(starts, 1))  # ... if it may end
        allowed = allowed | (at_end[:, None] & closers[None, :vocab])
        log_probs = jnp.where(allowed, log_probs, -jnp.inf)
        if lead:  # a prior for opening with the article's first unit; begun, it is copied whole
            ends_here = valid & unit_ends[jnp.maximum(article, 0)]
            first = jnp.where(jnp.any(ends_here, 1), jnp.argmax(ends_here, 1) + 1,
                              jnp.sum(valid, 1))  # (R,) the first unit's length
            n = min(t, la)
            same = (generated[:, :n] == article[:, :n]) | (jnp.arange(n)[None, :] >= index[:, None])
            on_lead = (index < first) & jnp.all(same, 1)  # (R,)
            token = jnp.take_along_axis(article, jnp.clip(index, 0, la - 1)[:, None], 1)
            is_next = jnp.arange(vocab)[None, :] == token  # (R, V)
            bonus = jnp.where(is_next & (index == 0)[:, None], lead, 0.0)
            forced = on_lead & (index > 0)
            log_probs = jnp.where(forced[:, None] & ~is_next, -jnp.inf, log_probs + bonus)
        # nothing left (the n-gram control banned every allowed token): end, not the pad id;
        # finite but low, so that a beam ending this way ranks below the others
        dead = jnp.all(jnp.isneginf(log_probs), axis=1)
        return log_probs.at[:, EOS].set(jnp.where(dead, DEAD_END, log_probs[:, EOS]))

    return adjust


def greedy_or_sample_loop(step, max_new, sample, no_repeat_ngram_size=0, penalize=False,
                          words=None):
    """The jitted decode loop for greedy decoding or sampling; see the module docstring for the layout.

    ``no_repeat_ngram_size`` / ``penalize``: the generation controls (``controls``), applied
    to each row's generated tokens only (not the prompt), before the argmax / the temperature.

    Returns run(params, state, prompts (B, Lp), lengths (B,), rng, temperature,
    repetition_penalty=1.0) → tokens (B, max_new) int32 (0 after EOS); ``repetition_penalty``
    is r (read only with ``penalize``).
    """
    adjust = controls(no_repeat_ngram_size, penalize)

    def run(params, state, prompts, lengths, rng, temperature, repetition_penalty=1.0,
            article=None):
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
            index = p - lengths  # (B,): which summary token position p predicts
            if adjust is not None:  # out[:, :index] = this row's summary so far
                log_probs = adjust(log_probs, out, index, repetition_penalty)
            if words is not None:
                log_probs = words(log_probs, out, index, article)
            if sample:
                rng, key = jax.random.split(rng)
                tok = jax.random.categorical(key, log_probs / temperature, axis=-1)
            else:
                tok = jnp.argmax(log_probs, axis=-1)
            tok = tok.astype(jnp.int32)
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


def beam_loop(step, max_new, width, no_repeat_ngram_size=0, penalize=False, words=None):
    """The jitted beam-search loop (batch B of prompts × ``width`` beams = B·width model rows).

    Keeps per prompt ``width`` alive beams (raw log-prob sums) and the ``width`` best finished
    ones (score = logp / length penalty; a beam also finishes when it reaches ``max_new``).
    Each step ranks the 2·width best continuations: those ending in EOS compete for the
    finished pool, the best non-EOS ones stay alive, and the cache rows follow their beams.
    A prompt is done when no alive beam can still beat its worst finished beam.

    ``no_repeat_ngram_size`` / ``penalize``: the generation controls (``controls``), per beam
    over that beam's own generated tokens (``alive_seq``; not the prompt). A beam's logp is
    then the sum of its ADJUSTED log-probs (as in HF), no longer the model's log-prob of the
    sequence; adjusted log-probs are still ≤ 0, so the early stop below stays exact.

    Returns run(params, state, prompts (B, Lp), lengths (B,), rng, alpha,
    repetition_penalty=1.0) → (seqs (B, width, max_new) int32, scores (B, width)) with the
    finished beams best first (-inf = empty); ``repetition_penalty`` is r (read only with
    ``penalize``).
    """
    k = width
    adjust = controls(no_repeat_ngram_size, penalize)

    def run(params, state, prompts, lengths, rng, alpha, repetition_penalty=1.0, article=None):
        del rng
        batch, lp = prompts.shape
        rows = batch * k
        beam_article = None if words is None else jnp.repeat(article, k, axis=0)
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
            if adjust is not None:  # per beam: its own summary so far, alive_seq[:, :, :index]
                log_probs = adjust(log_probs.reshape(rows, vocab),
                                   alive_seq.reshape(rows, max_new), jnp.repeat(index, k),
                                   repetition_penalty).reshape(batch, k, vocab)
            if words is not None:  # per beam, over its own summary so far
                log_probs = words(log_probs.reshape(rows, vocab), alive_seq.reshape(rows, max_new),
                                  jnp.repeat(index, k), beam_article).reshape(batch, k, vocab)
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
