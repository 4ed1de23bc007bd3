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


def _copy_only_head(beta, seed=0, n=10, d=8):
    """A PointerHead that only copies (gate → 0) over distinct tokens: its output shows the
    pointer's choice at every position. Returns (argmax position per t, e, tokens)."""
    head = pointer.PointerHead(vocab_size=n + 2, mode="eval")
    rng = np.random.default_rng(seed)
    tokens = jnp.arange(2, n + 2, dtype=jnp.int32)[None]  # position s holds token s + 2
    h = jnp.asarray(rng.normal(size=(1, n, d)), jnp.float32)
    head.init((shapes.signature(tokens), shapes.signature(h)))
    w_out, b_out, w_q, w_k, w_p, w_g, b_g, _ = head.weights
    w_q = jnp.asarray(rng.normal(size=(d, d)) * 4, jnp.float32)  # sharp pointers
    head.weights = (w_out, b_out, w_q, w_k, w_p, jnp.zeros_like(w_g), jnp.full((1,), -60.0),
                    jnp.full((1,), beta, jnp.float32))
    out = np.asarray(head((tokens, h)))[0]  # (n, n + 2) log-probs
    k = np.asarray(jnp.dot(h, w_k) + jnp.dot(jnp.pad(h[:, :-1], ((0, 0), (1, 0), (0, 0))), w_p))[0]
    e = np.asarray(jnp.dot(h, w_q))[0] @ k.T / np.sqrt(d)
    e = np.where(np.tril(np.ones((n, n), bool)), e, -np.inf)
    return out.argmax(-1) - 2, e


def test_continuation_term_moves_the_previous_pointer_one_position_on():
    chosen, e = _copy_only_head(beta=200.0)
    for t in range(1, len(chosen)):
        previous = int(np.argmax(e[t - 1]))  # b_{t-1}: where position t-1 points, bonus aside
        assert chosen[t] == previous + 1, (t, chosen[t], previous)
    without, e0 = _copy_only_head(beta=0.0)
    assert list(without) == [int(np.argmax(row)) for row in e0]  # β = 0: the plain pointer
    assert list(without) != list(chosen)  # the term changes the choice
