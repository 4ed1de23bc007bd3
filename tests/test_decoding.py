"""The course's graded next_symbol (UNQ_C9) and greedy_decode (UNQ_C10)."""
import jax
import numpy as np
from trax import shapes

from trax_models.decoding import greedy_decode, next_symbol
from trax_models.model import TransformerLM

# --- The graded functions -------------------------------------------------------------------

def test_next_symbol_course_value(course_rng):
    """The course's graded fact: the default model at PRNGKey(1234) predicts 23317."""
    model = TransformerLM(mode="eval")
    model.init(shapes.ShapeDtype((1, 1), dtype=np.int32), rng=jax.random.PRNGKey(1234))
    tokens = [13, 483, 320, 4219, 132, 213, 2775, 10, 1, 0]
    assert next_symbol(tokens, model) == 23317


def test_next_symbol_pads_to_power_of_two_and_reads_position_n():
    seen = []

    def model(inputs):
        x, y = inputs
        assert x is y or np.array_equal(x, y)
        seen.append(x.shape)
        out = np.zeros(x.shape + (50,), np.float32)
        out[0, np.arange(x.shape[1]), np.arange(x.shape[1]) + 7] = 1.0  # position i → 7 + i
        return out, None

    assert next_symbol([5] * 10, model) == 17
    assert next_symbol([5] * 15, model) == 22
    assert next_symbol([5] * 16, model) == 23
    assert seen == [(1, 16), (1, 16), (1, 32)]


def test_greedy_decode_with_mocked_next_symbol(capsys):
    tokenize = lambda s: {"I like tea": [11, 12, 13]}[s] + [1]  # noqa: E731
    detokenize = lambda ids: " ".join(f"w{i}" for i in ids)  # noqa: E731
    table = {(11, 12, 13, 1, 0): 21, (11, 12, 13, 1, 0, 21): 22, (11, 12, 13, 1, 0, 21, 22): 1}
    mocked = lambda tokens, model: table[tuple(tokens)]  # noqa: E731

    out = greedy_decode("I like tea", "model", next_symbol=mocked, tokenize=tokenize,
                        detokenize=detokenize)
    assert out == "w21 w22 w1"
    assert capsys.readouterr().out.splitlines() == ["w21", "w21 w22", "w21 w22 w1"]
    greedy_decode("I like tea", None, next_symbol=mocked, tokenize=tokenize,
                  detokenize=detokenize, verbose=False)
    assert capsys.readouterr().out == ""


def test_greedy_decode_course_vocab_string(course_vocab, capsys):
    """With the course vocabulary the result is the exact text, <EOS> included."""
    from trax_models import data
    tok = lambda s: data.tokenize(s, vocab_file=str(course_vocab))  # noqa: E731
    detok = lambda ids: data.detokenize(ids, vocab_file=str(course_vocab))  # noqa: E731
    prompt = tok("I want to fly in the sky.")
    assert prompt == [13, 483, 320, 4219, 132, 213, 2775, 10, 1]
    answer = tok("It flies.")[:-1] + [1]
    table = {tuple(prompt + [0] + answer[:i]): answer[i] for i in range(len(answer))}
    out = greedy_decode("I want to fly in the sky.", None,
                        next_symbol=lambda t, m: table[tuple(t)], tokenize=tok, detokenize=detok)
    assert out == "It flies.<EOS>"
    assert capsys.readouterr().out.splitlines()[-1] == "It flies.<EOS>"


# --- The fast decoder -------------------------------------------------------------------------
