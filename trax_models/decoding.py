"""Summaries from a trained model: the course's greedy decoding and a fast jitted decoder.

The course (UNQ_C9–C10)::

    next_symbol(cur_output_tokens, model) -> int      # re-runs the eval model on the whole
    greedy_decode(input_sentence, model) -> str       #   re-padded sequence for every token

Beyond the course, ``Decoder`` uses predict mode's key/value cache inside ONE ``jax.jit``-ed
``lax.while_loop`` (no Python dispatch per token), for a batch of articles at once::

    decoder = Decoder.from_checkpoint("build/model")            # or Decoder(model_args, weights,
    decoder.summarize(["article one ...", "article two ..."])   #             vocab_file=...)
    decoder.generate(prompts, method="greedy" | "sample" | "beam", max_new_tokens=64,
                     temperature=1.0, seed=0, beam_width=4, length_penalty=0.6) -> list[ids]
    decoder.beam_search(prompts, beam_width=4) -> per prompt [(ids, score), …] best first

A prompt is what the language model continues: ``tokenize(article) + [0]`` = article ids +
[EOS, SEP] (the course's layout), n tokens. Positions, with f = [0] + prompt (ShiftRight's
view): feeding f_p at position p yields log-probs of token p, so the first summary token comes
from position n.

Batches and padding (right padding, per-example lengths). Prompts are right-padded to a bucket
length Lp (a power of two up to 128, then a multiple of 128). The cache's position counter is
shared by the batch, so: (1) one prefill pass feeds f[:, :Lp] and the counter is rewound to
P = min(n_i) (positions ≥ P hold padding and are overwritten before anything attends to them);
(2) the loop then feeds one position per step for every row: row i's own prompt token while
p < n_i (teacher forcing inside the jitted loop), its last generated token afterwards. No row
ever attends to a padding token, so each row decodes exactly as it would alone; for batch 1
(and equal lengths) the whole prompt is prefilled in one pass. Compilations: one per (method,
batch, Lp, max_new_tokens).

Caps: the article is cut from its end (``TruncationWarning``) so that the prompt has at most
``max_input_len`` tokens and prompt + ``max_new_tokens`` ≤ the model's ``max_len``.

Encoder–decoder checkpoints (``--model encoder_decoder``): ``EncoderDecoderDecoder``, the same
methods and loops; its prompt is the encoder's source and the target starts empty (prompt
length 0: the start token 0 at position 0). ``Decoder.from_checkpoint`` / ``for_model`` pick
the right class from ``config["model"]``.
"""
import argparse
import json
import inspect
import sys
import warnings

import numpy as np

import trax_models  # noqa: F401  (compat before trax)
import jax
import jax.numpy as jnp

from trax_models import data
from trax_models.data import detokenize, tokenize
from trax_models.errors import UserError

__all__ = ["next_symbol", "greedy_decode", "Decoder", "EncoderDecoderDecoder", "DECODERS",
           "for_model", "TruncationWarning", "cli"]

EOS = 1  # end of sequence
SEP = 0  # separator between article and summary (= pad)


# --- The course's graded functions (UNQ_C9–C10) -----------------------------------------------

def next_symbol(cur_output_tokens, model):
    """The next token by greedy decoding (UNQ_C9).

    Pads ``cur_output_tokens`` (a list of n ids) with 0 to the next power of two above n (so
    that few shapes get compiled), runs the eval-mode model on the batch of one, and returns the
    argmax of the log-probabilities at position n.

    Args:
      cur_output_tokens: list[int], the article's ids + [EOS, SEP] + the summary so far.
      model: TransformerLM in 'eval' mode, initialised; log-probs (1, padded, vocab).

    Returns:
      int: the id of the next token.
    """
    token_length = len(cur_output_tokens)
    padded_length = 2 ** int(np.ceil(np.log2(token_length + 1)))
    padded = cur_output_tokens + [0] * (padded_length - token_length)
    padded_with_batch = np.array(padded)[None, :]  # (1, padded_length): the batch axis
    output, _ = model((padded_with_batch, padded_with_batch))  # (1, padded_length, vocab)
    log_probs = output[0, token_length, :]  # (vocab,): position n predicts token n
    return int(np.argmax(log_probs))


def greedy_decode(input_sentence, model, next_symbol=next_symbol, tokenize=tokenize,
                  detokenize=detokenize, verbose=True, max_length=None):
    """Greedy summary of ``input_sentence`` (UNQ_C10): argmax tokens until EOS.

    Starts from ``tokenize(input_sentence) + [0]`` (article + EOS + the separator), appends
    ``next_symbol``'s token until it is EOS (1) and prints the growing summary at every step, as
    the course does.

    Args:
      input_sentence: the article (str).
      model: TransformerLM in 'eval' mode.
      next_symbol, tokenize, detokenize: the course's functions (replaceable, e.g. in tests).
      verbose: print the summary after every token (the course: True).
      max_length: stop after this many tokens even without EOS (the course: None = no cap).

    Returns:
      str: ``detokenize`` of the generated ids, EOS included (shows as ``<EOS>``).
    """
    cur_output_tokens = tokenize(input_sentence) + [0]
    generated_output = []
    cur_output = 0
    while cur_output != EOS:
        cur_output = next_symbol(cur_output_tokens, model)
        cur_output_tokens.append(cur_output)
        generated_output.append(cur_output)
        if verbose:
            print(detokenize(generated_output))
        if max_length is not None and len(generated_output) >= max_length:
            break
    return detokenize(generated_output)


# --- Fast decoding ------------------------------------------------------------------------------

class TruncationWarning(UserWarning):
    """An article was cut from its end to fit the input cap or the model's max_len."""


def _set_position(state, position):
    """Every int32 scalar of a predict-mode state (the position counters) set to ``position``."""
    def rewind(leaf):
        if jnp.ndim(leaf) == 0 and jnp.asarray(leaf).dtype == jnp.int32:
            return jnp.asarray(position, jnp.int32)
        return leaf
    return jax.tree_util.tree_map(rewind, state)


def _gather_rows(state, rows, n_rows):
    """Reorder the batch of a predict-mode state: row r of the result is row ``rows[r]``.

    Cache leaves have a batch-major leading axis (batch·heads, …); scalars are left alone.
    """
    def gather(leaf):
        if jnp.ndim(leaf) == 0 or leaf.shape[0] % n_rows:
            return leaf
        grouped = leaf.reshape((n_rows, leaf.shape[0] // n_rows) + leaf.shape[1:])
        return jnp.take(grouped, rows, axis=0).reshape(leaf.shape)
    return jax.tree_util.tree_map(gather, state)


def _length_penalty(length, alpha):
    """GNMT's length penalty ((5 + length) / 6) ** alpha; a beam's score is logp / penalty."""
    return ((5.0 + length) / 6.0) ** alpha


def _loop_greedy_or_sample(apply, max_new, sample):
    """The jitted decode loop for greedy decoding or sampling; see ``Decoder`` for the layout.

    Returns run(weights, state, prompts (B, Lp), lengths (B,), rng, temperature) →
    tokens (B, max_new) int32 (0 after EOS).
    """
    def run(weights, state, prompts, lengths, rng, temperature):
        batch, lp = prompts.shape
        shifted = jnp.concatenate([jnp.zeros((batch, 1), prompts.dtype), prompts[:, :-1]], 1)
        model_rng = jax.random.PRNGKey(0)  # eval/predict: no dropout, the rng is unused
        _, state = apply(shifted, weights, state, model_rng)  # prefill positions 0 … Lp-1
        start = jnp.min(lengths)
        state = _set_position(state, start)  # positions ≥ min(n_i) are re-fed below
        rows = jnp.arange(batch)

        def cond(carry):
            p, _, _, _, done, _ = carry
            return (p < jnp.max(lengths) + max_new) & ~jnp.all(done)

        def body(carry):
            p, state, prev, out, done, rng = carry
            in_prompt = p - 1 < lengths  # (B,): still feeding the prompt
            prompt_tok = jnp.take(prompts, jnp.clip(p - 1, 0, lp - 1), axis=1)
            tok_in = jnp.where(in_prompt, prompt_tok, prev)  # (B,)
            log_probs, state = apply(tok_in[:, None], weights, state, model_rng)  # (B, 1, V)
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


def _loop_beam(apply, max_new, width):
    """The jitted beam-search loop (batch B of prompts × ``width`` beams = B·width model rows).

    Keeps per prompt ``width`` alive beams (raw log-prob sums) and the ``width`` best finished
    ones (score = logp / length penalty; a beam also finishes when it reaches ``max_new``).
    Each step ranks the 2·width best continuations: those ending in EOS compete for the
    finished pool, the best non-EOS ones stay alive, and the cache rows follow their beams.
    A prompt is done when no alive beam can still beat its worst finished beam.

    Returns run(weights, state, prompts (B, Lp), lengths (B,), rng, alpha) → (seqs (B, width,
    max_new) int32, scores (B, width)) with the finished beams best first (-inf = empty).
    """
    k = width

    def run(weights, state, prompts, lengths, rng, alpha):
        del rng
        batch, lp = prompts.shape
        rows = batch * k
        shifted = jnp.concatenate([jnp.zeros((batch, 1), prompts.dtype), prompts[:, :-1]], 1)
        model_rng = jax.random.PRNGKey(0)
        _, state = apply(jnp.repeat(shifted, k, axis=0), weights, state, model_rng)
        start = jnp.min(lengths)
        state = _set_position(state, start)
        neg = jnp.array(-jnp.inf, jnp.float32)
        best_possible_penalty = _length_penalty(float(max_new), alpha)

        def cond(carry):
            return (carry[0] < jnp.max(lengths) + max_new) & ~jnp.all(carry[-1])

        def body(carry):
            p, state, prev, alive_seq, alive_lp, fin_seq, fin_score, done = carry
            in_prompt = p - 1 < lengths  # (B,)
            prompt_tok = jnp.take(prompts, jnp.clip(p - 1, 0, lp - 1), axis=1)  # (B,)
            tok_in = jnp.where(in_prompt[:, None], prompt_tok[:, None], prev)  # (B, k)
            log_probs, state = apply(tok_in.reshape(rows, 1), weights, state, model_rng)
            vocab = log_probs.shape[-1]
            log_probs = log_probs.reshape(batch, k, vocab)
            index = p - lengths  # (B,) summary position being predicted
            active = (index >= 0) & ~done  # (B,)
            length = (index + 1).astype(jnp.float32)
            penalty = _length_penalty(length, alpha)  # (B,)

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
            state = _gather_rows(state, (origin + k * jnp.arange(batch)[:, None]).reshape(-1),
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


def _cut(tokens):
    """Generated ids up to and including the first EOS (all of them if there is none)."""
    tokens = [int(t) for t in tokens]
    return tokens[:tokens.index(EOS) + 1] if EOS in tokens else tokens


_MODELS = {}  # (architecture, rows, cache_len) → (predict model, start state)
_LOOPS = {}   # (architecture, method, rows, Lp, max_new, width) → jitted loop
_CACHE_SIZE = 32


def _remember(cache, key, value):
    if len(cache) >= _CACHE_SIZE:  # drop the oldest entry (dicts keep insertion order)
        cache.pop(next(iter(cache)))
    cache[key] = value


class Decoder:
    """Fast batched decoding of a TransformerLM with predict mode's KV cache in one jitted loop.

    Args:
      model_args: the model's config (``config.json``'s "model_args": vocab_size, d_model, d_ff,
        n_layers, n_heads, dropout, max_len, …).
      weights: the trained weights (an eval/train model's ``.weights``; same tree in predict).
      vocab_file: vocabulary for ``summarize`` (text in/out); not needed for ``generate``.
      model_fn: builds the model: ``model_fn(**model_args, mode='predict')`` (default
        ``trax_models.model.TransformerLM``; any LM whose predict mode keeps its history in a
        state of static-shape arrays with int32 scalar positions works).
      max_input_len: cap on prompt tokens (article + EOS + SEP); default: what max_len leaves.
      max_new_tokens: default cap on generated tokens.
    """

    def __init__(self, model_args, weights, vocab_file=None, model_fn=None, max_input_len=None,
                 max_new_tokens=64):
        if model_fn is None:
            from trax_models.model import TransformerLM as model_fn
        self.model_args = {k: v for k, v in dict(model_args).items() if k != "mode"}
        self.weights = weights
        self.vocab_file = vocab_file
        self.model_fn = model_fn
        self.max_len = int(self.model_args.get("max_len", 2048))
        self.max_input_len = max_input_len
        self.max_new_tokens = max_new_tokens
        # Predict models and jitted loops take the weights as arguments: decoders of the same
        # architecture share them (no recompilation for a second decoder in the process).
        try:
            arch = (model_fn, tuple(sorted(self.model_args.items())))
            hash(arch)
        except TypeError:  # unhashable model_args: this decoder's own cache
            arch = id(self)
        self._arch = arch

    @classmethod
    def from_checkpoint(cls, directory, **kwargs):
        """The decoder of a checkpoint directory (config.json + vocab + model.pkl.gz).

        Returns a ``Decoder`` for a 'transformer_lm' checkpoint and an ``EncoderDecoderDecoder``
        for an 'encoder_decoder' one (same methods).
        """
        from trax_models import checkpoint
        model, config = checkpoint.load_model(directory, mode="eval")
        kwargs.setdefault("vocab_file", config.get("vocab_path"))
        try:
            return for_model(config["model"], config["model_args"], model.weights, **kwargs)
        except UserError as e:
            raise UserError(f"{directory}: {e}") from None

    # -- prompts ---------------------------------------------------------------------------------

    def prompt(self, article, max_new_tokens=None):
        """The prompt of one article: its ids, cut from the end to fit, + [EOS, SEP]."""
        ids = data.tokenize(article, vocab_file=self.vocab_file)[:-1]  # without its EOS
        return self.fit_prompt(ids + [EOS, SEP], max_new_tokens)

    def fit_prompt(self, prompt, max_new_tokens=None):
        """``prompt`` (article ids + [EOS, SEP]) with the article cut so that it fits the caps."""
        max_new = self.max_new_tokens if max_new_tokens is None else max_new_tokens
        limit = self.max_len - max_new
        if self.max_input_len is not None:
            limit = min(limit, self.max_input_len)
        if limit < 3:
            raise UserError(f"max_new_tokens={max_new} leaves no room for an article in the "
                            f"model's max_len={self.max_len}: ask for fewer new tokens")
        prompt = list(prompt)
        if len(prompt) > limit:
            warnings.warn(f"article of {len(prompt) - 2} tokens cut to {limit - 2} (input cap "
                          f"{limit} tokens incl. EOS and separator; model max_len {self.max_len}"
                          f", {max_new} new tokens)", TruncationWarning, stacklevel=3)
            prompt = prompt[:limit - 2] + prompt[-2:]
        return prompt

    def _batch(self, prompts, max_new):
        if not prompts:
            raise UserError("nothing to decode: pass at least one prompt")
        prompts = [self.fit_prompt(p, max_new) for p in prompts]
        if min(len(p) for p in prompts) < 1:
            raise UserError("empty prompt: a prompt needs at least one token")
        lengths = np.array([len(p) for p in prompts], np.int32)
        lp = self._padded_length(int(lengths.max()), max_new)
        padded = np.zeros((len(prompts), lp), np.int32)
        for i, p in enumerate(prompts):
            padded[i, :len(p)] = p
        return padded, lengths

    def _padded_length(self, longest, max_new):
        """Prompts are right-padded to this length: a bucket, leaving room for max_new."""
        return min(data.bucket_length(longest), self.max_len - max_new)

    def _predict_model(self, rows, padded, max_new):
        """(predict model, start state) for ``rows`` rows of prompts ``padded`` (cached)."""
        cache_len = padded.shape[1] + max_new
        key = (self._arch, rows, cache_len)
        if key not in _MODELS:
            from trax_models.model import init_predict
            args = dict(self.model_args)
            if "cache_len" in inspect.signature(self.model_fn).parameters:
                args["cache_len"] = cache_len
            model = self.model_fn(**args, mode="predict")
            start_state = init_predict(model, self.weights, batch_size=rows)
            _remember(_MODELS, key, (model, start_state))
        return _MODELS[key]

    def _apply(self, model):
        """The loops' step: apply(tokens, weights, state, rng) → (log_probs, state)."""
        return model.pure_fn

    def _loop_args(self, padded, width):
        """(weights, prompts) as the loops take them."""
        return self.weights, jnp.asarray(padded)

    def _run(self, method, padded, lengths, max_new, width=1, seed=0, scalar=0.0):
        rows = padded.shape[0] * width
        model, start_state = self._predict_model(rows, padded, max_new)
        key = (self._arch, method, rows, padded.shape[1], max_new, width)
        if key not in _LOOPS:
            apply = self._apply(model)
            if method == "beam":
                loop = _loop_beam(apply, max_new, width)
            else:
                loop = _loop_greedy_or_sample(apply, max_new, method == "sample")
            _remember(_LOOPS, key, jax.jit(loop))
        weights, prompts = self._loop_args(padded, width)
        return _LOOPS[key](weights, start_state, prompts, jnp.asarray(lengths),
                           jax.random.PRNGKey(seed), jnp.float32(scalar))

    # -- decoding --------------------------------------------------------------------------------

    def generate(self, prompts, method="greedy", max_new_tokens=None, temperature=1.0, seed=0,
                 beam_width=4, length_penalty=0.6):
        """Continue each prompt: the summary ids (EOS included when the model produced it).

        Args:
          prompts: list of B prompts, each a list of ids (article + [EOS, SEP]).
          method: 'greedy' (argmax), 'sample' (temperature sampling, reproducible for a
            ``seed``; temperature 0 = greedy) or 'beam' (the best beam of ``beam_search``).
          max_new_tokens: cap on generated tokens (default: the decoder's).

        Returns:
          list of B lists of ids.
        """
        if method == "beam":
            return [beams[0][0] for beams in self.beam_search(
                prompts, beam_width, length_penalty, max_new_tokens)]
        if method not in ("greedy", "sample"):
            raise UserError(f"unknown decoding method {method!r}: use greedy, sample or beam")
        if method == "sample" and not temperature >= 0:
            raise UserError(f"temperature={temperature} must be ≥ 0 (0 = greedy)")
        if method == "sample" and temperature == 0:
            method = "greedy"
        max_new = self._max_new(max_new_tokens)
        padded, lengths = self._batch(prompts, max_new)
        out = self._run(method, padded, lengths, max_new, seed=seed, scalar=temperature)
        return [_cut(row) for row in np.asarray(out)]

    def beam_search(self, prompts, beam_width=4, length_penalty=0.6, max_new_tokens=None):
        """Beam search: per prompt, the finished beams best first as (ids, score).

        score = sum of the tokens' log-probs / ((5 + length) / 6) ** length_penalty (GNMT);
        a beam finishes at EOS or at ``max_new_tokens``. ``beam_width=1`` with
        ``length_penalty=0`` is greedy decoding.

        Returns:
          list of B lists of up to ``beam_width`` (ids, score) pairs, best first.
        """
        if int(beam_width) < 1:
            raise UserError(f"beam_width={beam_width} must be ≥ 1")
        if not length_penalty >= 0:
            raise UserError(f"length_penalty={length_penalty} must be ≥ 0")
        max_new = self._max_new(max_new_tokens)
        padded, lengths = self._batch(prompts, max_new)
        seqs, scores = self._run("beam", padded, lengths, max_new, width=int(beam_width),
                                 scalar=length_penalty)
        seqs, scores = np.asarray(seqs), np.asarray(scores)
        return [[(_cut(s), float(v)) for s, v in zip(seqs[i], scores[i]) if np.isfinite(v)]
                for i in range(len(seqs))]

    def _max_new(self, max_new_tokens):
        max_new = self.max_new_tokens if max_new_tokens is None else int(max_new_tokens)
        if max_new < 1:
            raise UserError(f"max_new_tokens={max_new} must be ≥ 1")
        return max_new

    def summarize(self, articles, method="greedy", batch_size=8, **options):
        """Summaries (str, EOS dropped) of a list of articles, decoded ``batch_size`` at a time.

        ``options`` go to ``generate`` (max_new_tokens, temperature, seed, beam_width,
        length_penalty).
        """
        max_new = self._max_new(options.get("max_new_tokens"))
        prompts = [self.prompt(a, max_new) for a in articles]
        # Similar lengths together: fewer positions fed one by one, fewer bucket shapes.
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        ids = [None] * len(prompts)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            batch = [prompts[i] for i in chunk]
            if len(order) > batch_size:  # a short last batch: fill it up, no new compilation
                batch += [batch[-1]] * (batch_size - len(batch))
            for i, out in zip(chunk, self.generate(batch, method, **options)):
                ids[i] = out
        return [self.detokenize(x) for x in ids]

    def detokenize(self, ids):
        """Text of generated ids without the EOS (unwrapped)."""
        from trax_models.sources import vocab
        ids = [int(i) for i in ids if int(i) != EOS]
        return vocab.load_vocab(self.vocab_file).decode(ids)


class EncoderDecoderDecoder(Decoder):
    """``Decoder`` for the encoder–decoder (``trax_models.encoder_decoder.EncoderDecoder``).

    The same methods (``generate``, ``beam_search``, ``summarize``, ``from_checkpoint``) and
    the same jitted greedy/sample/beam loops; what differs is the prompt:

      prompt  = the SOURCE: article ids + [EOS] (cut at its end to ``max_input_len`` / the
                model's ``max_len``), fed to the encoder; sources of a batch are 0-padded to a
                bucket length Ls (padding never changes the output: the encoder masks it).
      target  = starts empty: the loop feeds the start token 0 at position 0 (the loops'
                "prompt length 0") and then each generated token; ``max_new_tokens`` <
                ``max_len`` (the target's positions).

    In predict mode the first call (the loops' prefill) encodes the sources and caches the
    encoder output and every layer's cross-attention keys/values; each later call is one
    target position through the causal self-attention's KV cache. Beam search repeats each
    source ``beam_width`` times (rows = batch × beams) and reorders the caches with the beams.
    Compilations: one per (method, rows, Ls, max_new_tokens).
    """

    def __init__(self, model_args, weights, vocab_file=None, max_input_len=None,
                 max_new_tokens=64):
        from trax_models.encoder_decoder import EncoderDecoder
        super().__init__(model_args, weights, vocab_file=vocab_file, model_fn=EncoderDecoder,
                         max_input_len=max_input_len, max_new_tokens=max_new_tokens)

    def prompt(self, article, max_new_tokens=None):
        """The source of one article: its ids + [EOS], cut from the end to fit."""
        return self.fit_prompt(data.tokenize(article, vocab_file=self.vocab_file),
                               max_new_tokens)

    def fit_prompt(self, prompt, max_new_tokens=None):
        """``prompt`` (source ids ending in EOS) cut to the input cap, keeping its last id."""
        max_new = self.max_new_tokens if max_new_tokens is None else max_new_tokens
        if max_new >= self.max_len:
            raise UserError(f"max_new_tokens={max_new} does not fit the model's max_len="
                            f"{self.max_len} target positions: ask for at most "
                            f"{self.max_len - 1} new tokens")
        limit = self.max_len if self.max_input_len is None else min(self.max_len,
                                                                      self.max_input_len)
        if limit < 2:
            raise UserError(f"max_input_len={self.max_input_len} leaves no room for an article")
        prompt = list(prompt)
        if len(prompt) > limit:
            warnings.warn(f"article of {len(prompt) - 1} tokens cut to {limit - 1} (encoder "
                          f"input cap {limit} tokens incl. EOS; model max_len {self.max_len})",
                          TruncationWarning, stacklevel=3)
            prompt = prompt[:limit - 1] + prompt[-1:]
        return prompt

    def _padded_length(self, longest, max_new):
        return min(data.bucket_length(longest), self.max_len)  # the encoder's max_len positions

    def _batch(self, prompts, max_new):
        """(sources (B, Ls) 0-padded, target prompt lengths (B,) = 0)."""
        sources, _ = super()._batch(prompts, max_new)
        return sources, np.zeros(len(sources), np.int32)

    def _predict_model(self, rows, sources, max_new):
        """The predict model for ``rows`` sources of this length (the encoder's cache shape)."""
        from trax_models import encoder_decoder as ed
        key = (self._arch, rows, sources.shape[1], max_new)
        if key not in _MODELS:
            model = self.model_fn(**self.model_args, mode="predict", cache_len=max_new + 1)
            _remember(_MODELS, key, (model, ed.init_predict(model, self.weights,
                                                             sources.shape[1], rows)))
        return _MODELS[key]

    def _apply(self, model):
        def apply(tokens, weights_and_source, state, rng):
            weights, source = weights_and_source  # the source rides with the weights
            (log_probs, _), state = model.pure_fn((source, tokens), weights, state, rng)
            return log_probs, state
        return apply

    def _loop_args(self, sources, width):
        source_rows = jnp.repeat(jnp.asarray(sources), width, axis=0)  # (B·width, Ls)
        empty = jnp.zeros((sources.shape[0], 1), jnp.int32)  # no target prompt: token 0 first
        return (self.weights, source_rows), empty


DECODERS = {"transformer_lm": Decoder, "encoder_decoder": EncoderDecoderDecoder}


def for_model(model, model_args, weights, **kwargs):
    """The decoder of a ``config["model"]`` name ('transformer_lm' | 'encoder_decoder').

    ``kwargs`` go to the decoder (vocab_file, max_input_len, max_new_tokens).
    """
    if model not in DECODERS:
        raise UserError(f"model {model!r} has no decoder: summarize/evaluate decode "
                        f"{' and '.join(repr(m) for m in DECODERS)} checkpoints")
    return DECODERS[model](model_args, weights, **kwargs)


# --- CLI: python -m trax_models summarize -------------------------------------------------------

def spellings(flag):
    """``--max-new-tokens`` and ``--max_new_tokens`` both (train's flags use underscores)."""
    dashes, underscores = "--" + flag[2:].replace("_", "-"), "--" + flag[2:].replace("-", "_")
    return [dashes] if dashes == underscores else [dashes, underscores]


def check_flags(args, minimums):
    """UserError for the first ``(flag, value, lowest)`` below its lowest, or a negative
    ``args.temperature`` (shared by the summarize and evaluate CLIs)."""
    for flag, value, low in minimums:
        if value < low:
            raise UserError(f"{flag}={value} must be ≥ {low}")
    if args.temperature < 0:
        raise UserError(f"--temperature={args.temperature} must be ≥ 0 (0 = greedy)")


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m trax_models summarize",
        description="Summarize text files (or stdin) with a trained checkpoint; the model and "
                    "its vocabulary come from the checkpoint directory.")
    p.add_argument("inputs", nargs="*", metavar="FILE",
                   help="text files, one article each; '-' or none: read stdin")
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help="checkpoint directory of `python -m trax_models train` (--output_dir)")
    p.add_argument("--method", choices=("greedy", "sample", "beam"), default="greedy")
    p.add_argument(*spellings("--max-new-tokens"), type=int, default=64,
                   help="cap on summary tokens")
    p.add_argument(*spellings("--max-input-tokens"), type=int, default=None,
                   help="cap on article tokens (cut from the end; default: what the model's "
                        "max_len leaves after --max-new-tokens)")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature "
                   "(0 = greedy)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument(*spellings("--beam-width"), type=int, default=4)
    p.add_argument(*spellings("--length-penalty"), type=float, default=0.6,
                   help="beam score = logp / ((5 + length) / 6) ** this")
    p.add_argument(*spellings("--batch-size"), type=int, default=8,
                   help="articles decoded at once")
    p.add_argument("--json", action="store_true", help="one JSON line per input")
    p.add_argument(*spellings("--attention-png"), metavar="PATH", default=None,
                   help="also save the attention heatmaps (every layer and head) of the first "
                        "input (cut to --attention-max-tokens) and its summary as a PNG")
    p.add_argument(*spellings("--attention-max-tokens"), type=int, default=96,
                   help="longest sequence the heatmap shows (the article is cut to fit)")
    return p


def _read_inputs(inputs):
    """[(name, text)] of the input files / stdin; UserError for unreadable or empty input."""
    texts = []
    for name in inputs or ["-"]:
        if name == "-":
            raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        else:
            try:
                with open(name, "rb") as f:
                    raw = f.read()
            except OSError as e:
                raise UserError(f"cannot read {name}: {e.strerror} — pass a readable text "
                                "file") from None
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if not text.strip():
            where = "stdin" if name == "-" else name
            raise UserError(f"{where} is empty — nothing to summarize; pass an article's text")
        texts.append((name, text))
    return texts


def cli(argv):
    """``python -m trax_models summarize --checkpoint DIR [FILE …|-]``; returns the exit code."""
    args = _parser().parse_args(argv)
    check_flags(args, (("--max-new-tokens", args.max_new_tokens, 1),
                       ("--beam-width", args.beam_width, 1),
                       ("--batch-size", args.batch_size, 1),
                       ("--attention-max-tokens", args.attention_max_tokens, 4)))
    from trax_models import checkpoint
    config = checkpoint.load_config(args.checkpoint)  # reported before stdin is read
    if args.attention_png and config["model"] != "transformer_lm":
        raise UserError(f"--attention-png draws a TransformerLM's self-attention; "
                        f"{args.checkpoint} holds a {config['model']!r} model — drop the flag")
    inputs = _read_inputs(args.inputs)
    decoder = Decoder.from_checkpoint(args.checkpoint, max_input_len=args.max_input_tokens,
                                      max_new_tokens=args.max_new_tokens)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        summaries = decoder.summarize(
            [text for _, text in inputs], method=args.method, batch_size=args.batch_size,
            temperature=args.temperature, seed=args.seed, beam_width=args.beam_width,
            length_penalty=args.length_penalty)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    for (name, _), summary in zip(inputs, summaries):
        if args.json:
            print(json.dumps({"source": name, "summary": summary}, ensure_ascii=False))
        elif len(inputs) > 1:
            print(f"==> {name} <==\n{summary}\n")
        else:
            print(summary)
    if args.attention_png:
        from trax_models import attention_plot
        path = attention_plot.plot_for_summary(
            decoder, inputs[0][1], args.attention_png, max_tokens=args.attention_max_tokens,
            method=args.method, temperature=args.temperature, seed=args.seed,
            beam_width=args.beam_width, length_penalty=args.length_penalty)
        print(f"attention heatmaps: {path}", file=sys.stderr)
    return 0
