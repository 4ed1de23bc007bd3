"""One small adapter per model kind: what decoding needs to know about a model, and no more.

An adapter turns an article's ids into the prompt the model continues, cuts it to fit, builds
the predict-mode model and its empty state for a batch shape, and gives the decode loops
(``trax_models.summarizer.sampling``) their ``step(params, tokens, state)`` closure::

    adapter.prompt(article_ids)                    # ids without EOS -> the model's prompt
    adapter.fit(prompt, max_new, max_input_len)    # cut from the article's end (warns)
    adapter.padded_length(longest, max_new)        # prompts of a batch are padded to this
    adapter.lengths(prompts)                       # (B,) the loops' prompt lengths
    adapter.article(prompt)                        # the article's ids inside a prompt
    adapter.predict_model(weights, rows, padded_length, max_new) -> (model, start state)
    adapter.step(model)                            # step(params, tokens, state)
    adapter.loop_inputs(weights, padded, width)    # (params, prompts) for the loops

``LanguageModelAdapter``: the course's layout, prompt = article + [EOS, SEP], continued by the
decoder-only LM. ``EncoderDecoderAdapter``: prompt = the SOURCE article + [EOS] for the
encoder; the target starts empty (prompt length 0: token 0 at position 0); the first call
encodes the sources and caches the encoder output and cross-attention keys/values.
"""
import warnings

import jax.numpy as jnp
import numpy as np
from trax import shapes

from trax_models.data import bucket_length
from trax_models.errors import UserError
from trax_models.predict import init_predict
from trax_models.tokens import EOS, PROMPT_END

__all__ = ["TruncationWarning", "LanguageModelAdapter", "EncoderDecoderAdapter"]

_RNG = np.zeros(2, np.uint32)  # PRNGKey(0) without starting JAX at import; unused: no dropout


class TruncationWarning(UserWarning):
    """An article was cut from its end to fit the input cap or the model's max_len."""


class LanguageModelAdapter:
    """A decoder-only LM (the course's ``TransformerLM``): see the module docstring.

    Args:
      build: ``build(mode, cache_len=None)`` -> the model (the registry's ``ModelKind.build``
        bound to the config).
      max_len: the model's positions (its config's ``max_len``).
    """

    def __init__(self, build, max_len):
        self.build = build
        self.max_len = int(max_len)

    def prompt(self, article_ids):
        return list(article_ids) + PROMPT_END

    ENDS = len(PROMPT_END)  # the prompt's tokens after the article

    def check_lengths(self, max_new, max_input_len=None):
        """UserError, naming the flag to change, for caps that cannot fit the model: the
        prompt (article + EOS + separator) and the summary share ``max_len`` positions."""
        if max_new > self.max_len - self.ENDS - 1:
            raise UserError(f"--max-new-tokens {max_new} leaves no room for an article in the "
                            f"model's max_len of {self.max_len} positions: ask for at most "
                            f"{self.max_len - self.ENDS - 1}")
        if max_input_len is None:
            return
        if max_input_len < self.ENDS + 1:
            raise UserError(f"--max-input-tokens {max_input_len} leaves no room for an article "
                            f"(it counts the {self.ENDS} tokens that close the prompt): pass at "
                            f"least {self.ENDS + 1}")
        if max_input_len + max_new > self.max_len:
            raise UserError(f"--max-input-tokens {max_input_len} and --max-new-tokens {max_new} "
                            f"need {max_input_len + max_new} positions, the model has "
                            f"{self.max_len} (its max_len): lower one of them, e.g. "
                            f"--max-input-tokens {self.max_len - max_new}")

    def fit(self, prompt, max_new, max_input_len=None):
        limit = self.max_len - max_new if max_input_len is None else max_input_len
        prompt = list(prompt)
        if len(prompt) > limit:
            warnings.warn(f"article of {len(prompt) - 2} tokens cut to {limit - 2} (input cap "
                          f"{limit} tokens incl. EOS and separator; model max_len {self.max_len}"
                          f", {max_new} new tokens)", TruncationWarning, stacklevel=4)
            prompt = prompt[:limit - 2] + prompt[-2:]
        return prompt

    def article(self, prompt):
        """The article's ids inside a (fitted) prompt."""
        return list(prompt[:-len(PROMPT_END)])

    def padded_length(self, longest, max_new):
        return min(bucket_length(longest), self.max_len - max_new)

    def lengths(self, prompts):
        return np.array([len(p) for p in prompts], np.int32)

    def predict_model(self, weights, rows, padded_length, max_new):
        model = self.build("predict", cache_len=padded_length + max_new)
        start = init_predict(model, weights, shapes.ShapeDtype((rows, 1), jnp.int32))
        return model, start

    def step(self, model):
        def step(params, tokens, state):
            return model.pure_fn(tokens, params, state, _RNG)
        return step

    def loop_inputs(self, weights, padded, width):
        return weights, jnp.asarray(padded)


class EncoderDecoderAdapter(LanguageModelAdapter):
    """An encoder–decoder (``models.encoder_decoder.EncoderDecoder``): the source is encoded
    once, the target starts empty; beam search repeats each source per beam."""

    def prompt(self, article_ids):
        return list(article_ids) + [EOS]

    ENDS = 1  # the source's EOS

    def check_lengths(self, max_new, max_input_len=None):
        """UserError, naming the flag to change: source and target have ``max_len``
        positions each."""
        if max_new > self.max_len - 1:
            raise UserError(f"--max-new-tokens {max_new} does not fit the model's {self.max_len} "
                            f"target positions (its max_len): ask for at most {self.max_len - 1}")
        if max_input_len is not None and not self.ENDS < max_input_len <= self.max_len:
            raise UserError(f"--max-input-tokens {max_input_len} must be from {self.ENDS + 1} "
                            f"(an article token and the EOS) to {self.max_len} (the encoder's "
                            "max_len)")

    def fit(self, prompt, max_new, max_input_len=None):
        limit = self.max_len if max_input_len is None else max_input_len
        prompt = list(prompt)
        if len(prompt) > limit:
            warnings.warn(f"article of {len(prompt) - 1} tokens cut to {limit - 1} (encoder "
                          f"input cap {limit} tokens incl. EOS; model max_len {self.max_len})",
                          TruncationWarning, stacklevel=4)
            prompt = prompt[:limit - 1] + prompt[-1:]
        return prompt

    def article(self, prompt):
        return list(prompt[:-1])  # the source without its EOS

    def padded_length(self, longest, max_new):
        return min(bucket_length(longest), self.max_len)  # the encoder's max_len positions

    def lengths(self, prompts):
        return np.zeros(len(prompts), np.int32)  # no target prompt: token 0 first

    def predict_model(self, weights, rows, padded_length, max_new):
        model = self.build("predict", cache_len=max_new + 1)
        signature = (shapes.ShapeDtype((rows, padded_length), jnp.int32),
                     shapes.ShapeDtype((rows, 1), jnp.int32))
        return model, init_predict(model, weights, signature)

    def step(self, model):
        def step(params, tokens, state):
            weights, source = params  # the source rides with the weights
            (log_probs, _), state = model.pure_fn((source, tokens), weights, state, _RNG)
            return log_probs, state
        return step

    def loop_inputs(self, weights, padded, width):
        sources = jnp.repeat(jnp.asarray(padded), width, axis=0)  # (B·width, Ls)
        return (weights, sources), jnp.zeros((padded.shape[0], 1), jnp.int32)
