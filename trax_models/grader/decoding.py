"""Graders for UNQ_C9 ``next_symbol`` and UNQ_C10 ``greedy_decode``.

``next_symbol`` is run on a mock model whose position i predicts token 7 + i (so the answer
tells which position was read and the shapes seen tell the padding), then on a small real
model against the reference. ``greedy_decode`` runs with mock ``next_symbol`` / ``tokenize`` /
``detokenize`` (the course's replaceable arguments): EOS included, stopping at EOS, the prompt.
"""
import contextlib
import inspect
import io

import jax
import numpy as np
from trax import shapes

from trax_models import decoding as ref
from trax_models import model as ref_model
from trax_models.grader._report import Fail, run

__all__ = ["test_next_symbol", "test_greedy_decode"]

OFFSET = 7  # the mock model's position i predicts token OFFSET + i


class _MockModel:
    """Eval-model stand-in: called with (inputs, targets), returns (log-probs, targets)."""

    def __init__(self):
        self.shapes = []

    def __call__(self, inputs):
        x = inputs[0] if isinstance(inputs, tuple) else inputs
        x = np.asarray(x)
        self.shapes.append(x.shape)
        if x.ndim != 2 or x.shape[0] != 1:
            raise Fail(f"the model got an array of shape {x.shape}", "(1, padded_length)",
                       str(x.shape), "add a batch axis of size 1: the model takes an array of shape "
                       "(1, padded_length)")
        out = np.full(x.shape + (x.shape[1] + OFFSET + 1,), -10.0, np.float32)
        out[0, np.arange(x.shape[1]), np.arange(x.shape[1]) + OFFSET] = 0.0
        return (out, inputs[1]) if isinstance(inputs, tuple) else out

    def sizes(self):
        """The lengths the model was called with (0 when it was not called)."""
        return [s[-1] for s in self.shapes] or [0]


class _Compiled:
    """An eval model called as the course calls it, ``model((inputs, targets))``, run as one
    compiled program per padded length (op by op, the first call takes seconds)."""

    def __init__(self, model):
        self.model = model
        self._run = jax.jit(lambda inputs, weights, state: model.pure_fn(
            inputs, weights, state, jax.random.PRNGKey(0))[0])

    def __call__(self, inputs):
        return self._run(inputs, self.model.weights, self.model.state)


COURSE_TOKENS = [13, 483, 320, 4219, 132, 213, 2775, 10, 1, 0]  # "I want to fly in the sky."


def test_next_symbol(next_symbol, verbose=True, course_value=False):
    """UNQ_C9: reads position n = len(tokens), pads to the next power of two, returns an int.

    ``course_value=True`` adds the course's own check (≈8 s: the full-size model): the default
    ``TransformerLM(mode='eval')`` initialised with PRNGKey(1234) (and
    jax_threefry_partitionable=False, the random bits of the course's JAX) predicts 23317.
    """
    def position(n, padded):
        def check():
            mock = _MockModel()
            got = next_symbol([5] * n, mock)
            if not isinstance(got, int):
                raise Fail("next_symbol must return a Python int", "int", type(got).__name__,
                           "convert the argmax (a NumPy integer) with int(...)")
            if got != n + OFFSET and not 0 <= got - OFFSET < max(padded, *mock.sizes()):
                raise Fail("not the most likely token at any position",
                           f"token {n + OFFSET} (the argmax at position n = {n})",
                           f"token {got}", "return the index of the largest log-probability "
                           "over the vocabulary (np.argmax), at position n")
            if got != n + OFFSET:
                read = got - OFFSET
                raise Fail(f"read the log-probabilities at position {read}, not {n}",
                           f"token {n + OFFSET} (position n = the number of tokens = {n})",
                           f"token {got}", "the first padding position, index n (the "
                           "number of tokens), predicts the next token: read the "
                           "log-probabilities there (batch 0, the whole vocabulary)")
            if mock.shapes != [(1, padded)]:
                raise Fail("wrong padding", f"one call on shape (1, {padded})",
                           str(mock.shapes), "pad with 0 to the next power of two strictly "
                           "above the length (np.log2, np.ceil): 10 → 16, 16 → 32")
        return f"{n} tokens: padded to {padded}, position {n} read", check

    def real_model():
        lm = ref_model.TransformerLM(vocab_size=60, d_model=16, d_ff=32, n_layers=1,
                                     n_heads=2, dropout=0.0, max_len=64, mode="eval")
        lm.init(shapes.ShapeDtype((1, 1), np.int32), rng=jax.random.PRNGKey(1234))
        model = _Compiled(lm)
        for tokens in ([13, 48, 32, 42, 1, 0], [3] * 5 + [1, 0], [2, 9, 1, 0]):  # one shape
            got, want = next_symbol(list(tokens), model), ref.next_symbol(list(tokens), model)
            if got != want:
                raise Fail(f"a different token for {tokens}", str(want), str(got),
                           "call the model on the pair (inputs, targets), both the padded "
                           "batch, and take the argmax over the vocabulary at position "
                           "len(tokens)")

    def course():
        old = jax.config.jax_threefry_partitionable
        jax.config.update("jax_threefry_partitionable", False)
        try:
            model = ref_model.TransformerLM(mode="eval")
            model.init(shapes.ShapeDtype((1, 1), np.int32), rng=jax.random.PRNGKey(1234))
            got = next_symbol(list(COURSE_TOKENS), model)
        finally:
            jax.config.update("jax_threefry_partitionable", old)
        if got != 23317:
            raise Fail("not the course's value", "23317", str(got),
                       "pad to a power of two, read position len(tokens), argmax")

    checks = [position(10, 16), position(15, 16), position(16, 32), position(3, 4),
              ("a small TransformerLM: the reference's tokens", real_model)]
    if course_value:
        checks.append(("the course's value: 23317 at PRNGKey(1234)", course))
    return run("next_symbol (UNQ_C9)", checks, verbose)


class _RunAway(Exception):
    pass


def test_greedy_decode(greedy_decode, verbose=True):
    """UNQ_C10 with mocks: 'I like tea' → 21, 22, EOS; the output keeps EOS, stops at it."""
    prompt = [11, 12, 13, 1, 0]  # tokenize("I like tea") + [0]
    answer = [21, 22, 1]
    tokenize = lambda s: {"I like tea": [11, 12, 13]}[s] + [1]  # noqa: E731
    detokenize = lambda ids: " ".join(f"w{int(i)}" for i in ids)  # noqa: E731

    def decode(**kwargs):
        calls = []

        def next_symbol(tokens, model):
            calls.append(list(tokens))
            if len(calls) > 20:
                raise _RunAway()
            done = len(tokens) - len(prompt)
            return answer[done] if 0 <= done < len(answer) else 5  # after EOS: keeps going

        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                result = greedy_decode("I like tea", "model", next_symbol=next_symbol,
                                       tokenize=tokenize, detokenize=detokenize, **kwargs)
        except _RunAway:
            raise Fail("did not stop at EOS (called next_symbol 20 times)",
                       "stop after EOS (id 1) is generated", "a loop that never ends",
                       "loop until the token just generated is EOS (id 1)") from None
        return result, calls, out.getvalue()

    def output():
        result, calls, _ = decode()
        if calls and calls[0] != prompt:
            raise Fail("wrong prompt", str(prompt), str(calls[0]),
                       "start from the article's tokens (tokenize appends EOS) followed by "
                       "the separator 0")
        if len(calls) > len(answer):
            raise Fail("did not stop at EOS", f"{len(answer)} calls of next_symbol",
                       f"{len(calls)} calls", "stop as soon as next_symbol returns EOS (1)")
        if result == "w21 w22":
            raise Fail("EOS dropped from the output", "'w21 w22 w1'", repr(result),
                       "append every generated token, EOS included, before the loop test")
        if result != "w21 w22 w1":
            raise Fail("wrong output", "'w21 w22 w1'", repr(result),
                       "return detokenize(generated_output), the generated tokens only")

    def printed():
        _, _, text = decode()
        lines = text.splitlines()
        if lines != ["w21", "w21 w22", "w21 w22 w1"]:
            raise Fail("the growing summary is not printed at every step",
                       "['w21', 'w21 w22', 'w21 w22 w1']", str(lines),
                       "inside the loop, after each new token, print the summary so far "
                       "(detokenized)")

    def max_length():
        if "max_length" not in inspect.signature(greedy_decode).parameters:
            raise Fail("no max_length argument", "greedy_decode(..., verbose=True, "
                       "max_length=None)", str(inspect.signature(greedy_decode)),
                       "keep the exercise's signature")
        result, calls, _ = decode(max_length=2, verbose=False)
        if result != "w21 w22" or len(calls) != 2:
            raise Fail("max_length=2 not respected", "'w21 w22' after 2 calls",
                       f"{result!r} after {len(calls)} calls",
                       "break once len(generated_output) >= max_length")

    return run("greedy_decode (UNQ_C10)", [
        ("the course's mock: output with EOS, stops at EOS", output),
        ("prints the summary as it grows", printed),
        ("max_length caps the summary", max_length),
    ], verbose)
