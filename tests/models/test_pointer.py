"""trax_models.models.pointer: the pointer-generator LM — a distribution, causal, predict = eval."""
import jax
import numpy as np
import pytest
from trax import shapes
from trax.fastmath import numpy as jnp

from trax_models.model import init_predict
from trax_models.models import pointer
from trax_models.summarizer.generate import Summarizer

V, L = 37, 12
ARGS = dict(vocab_size=V, d_model=16, d_ff=32, n_layers=1, n_heads=2, dropout=0.0, max_len=32)


@pytest.fixture(scope="module")
def eval_model():
    model = pointer.PointerTransformerLM(**ARGS, mode="eval")
    model.init(shapes.ShapeDtype((2, L), jnp.int32), rng=jax.random.PRNGKey(1))
    return model


def _tokens(seed=0, batch=2):
    return np.random.default_rng(seed).integers(2, V, (batch, L)).astype(np.int32)


def test_copy_distribution_sums_per_token():
    att = jnp.array([[[0.5, 0.25, 0.25]]])
    toks = jnp.array([[4, 2, 4]])
    p = np.asarray(pointer.copy_distribution(att, toks, 6))
    np.testing.assert_allclose(p[0, 0], [0, 0, 0.25, 0, 0.75, 0])


def test_output_is_log_probs_and_causal(eval_model):
    x = _tokens()
    out = np.asarray(eval_model(x))
    assert out.shape == (2, L, V)
    np.testing.assert_allclose(np.exp(out).sum(-1), 1.0, rtol=1e-5)
    y = x.copy()
    y[:, 7:] = 3  # changing tokens ≥ 7 leaves predictions at positions ≤ 7 unchanged
    np.testing.assert_allclose(np.asarray(eval_model(y))[:, :8], out[:, :8], atol=1e-5)


def test_predict_matches_eval_token_by_token(eval_model):
    x = _tokens(1)
    full = np.asarray(eval_model(x))
    predict = pointer.PointerTransformerLM(**ARGS, mode="predict")
    start = init_predict(predict, eval_model.weights, batch_size=2)
    shifted = np.concatenate([np.zeros((2, 1), np.int32), x[:, :-1]], 1)
    # prefill 5, then one at a time
    predict.state = start
    got = [np.asarray(predict(shifted[:, :5]))]
    for i in range(5, L):
        got.append(np.asarray(predict(shifted[:, i:i + 1])))
    np.testing.assert_allclose(np.concatenate(got, 1), full, atol=1e-4)


def test_pointer_lm_decodes_with_the_fast_decoder(eval_model):
    dec = Summarizer("pointer_lm", ARGS, eval_model.weights, max_new_tokens=6)
    prompts = [[5, 6, 7, 1, 0], [8, 9, 10, 11, 12, 13, 1, 0]]
    greedy = dec.generate(prompts)
    # reference: the eval model, greedy one token at a time
    for p, out in zip(prompts, greedy):
        seq = list(p)
        ref = []
        for _ in range(len(out)):
            x = np.array([seq + [0]], np.int32)
            model = pointer.PointerTransformerLM(**ARGS, mode="eval")
            model.init(shapes.ShapeDtype(x.shape, jnp.int32))
            model.weights = eval_model.weights
            tok = int(np.argmax(np.asarray(model(x))[0, len(seq)]))
            ref.append(tok)
            seq.append(tok)
            if tok == 1:
                break
        assert out == ref
    beams = dec.beam_search(prompts, beam_width=3)
    assert all(len(b) >= 1 for b in beams)
