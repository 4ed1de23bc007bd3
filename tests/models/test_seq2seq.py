"""Seq2seq with attention: each scoring against NumPy, weights sum to 1, shapes, parameter count,
padding invariance, teacher forcing vs free running vs scheduled sampling; the attention family's
mechanisms in the decoder (mass, padding, free running, a few training steps, hard monotonic)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from trax import layers as tl
from trax import shapes

from trax_models.models import attention_family as af
from trax_models.models import seq2seq
from trax_models.weights import count_weights

V, D, N = 11, 6, 8
SRC = np.array([[5, 6, 7, 1, 0, 0], [4, 4, 9, 8, 3, 1]], np.int32)     # padded with 0
TGT = np.array([[7, 6, 5, 1, 0], [3, 8, 9, 4, 1]], np.int32)


def _model(attention, mode='eval', scheduled_sampling=0.0):
    """Seq2Seq less its last Select: (src, tgt) → (log-probs, attention weights (batch, T, S))."""
    full = seq2seq.Seq2Seq(V, V, D, N, attention, scheduled_sampling, mode)
    model = tl.Serial(*full.sublayers[:2])
    model.init((shapes.signature(SRC), shapes.signature(TGT)), rng=jax.random.PRNGKey(3))
    return model


# --- scorings vs NumPy -------------------------------------------------------------------------

def _np_softmax_masked(e, mask):
    e = np.where(mask > 0, e, -np.inf)
    e = np.exp(e - e.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.fixture
def tiny():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3)).astype(np.float32)          # (batch, n)
    keys = rng.normal(size=(2, 4, 3)).astype(np.float32)    # (batch, S, n)
    mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], np.float32)
    return rng, q, keys, mask


def test_bahdanau_additive_matches_numpy(tiny):
    rng, q, keys, _ = tiny
    W = rng.normal(size=(6, 5)).astype(np.float32)          # W applied to [s; h_j]
    v = rng.normal(size=(5,)).astype(np.float32)
    want = np.array([[v @ np.tanh(np.concatenate([q[b], keys[b, j]]) @ W) for j in range(4)]
                     for b in range(2)])
    got = seq2seq._additive_from_projected(q, keys @ W[3:], W[:3], v)  # keys' projection once
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)


def test_luong_dot_and_general_match_numpy(tiny):
    rng, q, keys, _ = tiny
    Wa = rng.normal(size=(3, 3)).astype(np.float32)
    want_dot = np.array([[q[b] @ keys[b, j] for j in range(4)] for b in range(2)])
    want_gen = np.array([[q[b] @ Wa @ keys[b, j] for j in range(4)] for b in range(2)])
    np.testing.assert_allclose(np.asarray(seq2seq.dot_scores(q, keys)), want_dot, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(seq2seq.general_scores(q, keys, Wa)), want_gen,
                               rtol=1e-5, atol=1e-5)


def test_attend_masked_softmax_matches_numpy(tiny):
    _, q, keys, mask = tiny
    e = np.asarray(seq2seq.dot_scores(q, keys))
    ctx, w = seq2seq.attend(e, keys, mask)
    want_w = _np_softmax_masked(e, mask)
    np.testing.assert_allclose(np.asarray(w), want_w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(ctx), np.einsum('bs,bsn->bn', want_w, keys), rtol=1e-5)
    assert np.asarray(w)[0, 3] == 0.0


# --- the model ----------------------------------------------------------------------------------

@pytest.mark.parametrize("attention", seq2seq.SCORINGS)
def test_shapes_weights_sum_to_one_and_param_count(attention):
    model = _model(attention)
    log_probs, alpha = (np.asarray(a) for a in model((SRC, TGT)))
    assert log_probs.shape == (2, 5, V) and alpha.shape == (2, 5, 6)
    np.testing.assert_allclose(np.exp(log_probs).sum(-1), 1.0, atol=1e-5)
    if attention is None:
        assert not alpha.any()
    else:
        np.testing.assert_allclose(alpha.sum(-1), 1.0, atol=1e-5)
        assert not alpha[0, :, 4:].any()                       # padding gets no attention
    assert count_weights(model.weights) == seq2seq.count_params(V, V, D, N, attention)


@pytest.mark.parametrize("attention", ["bahdanau", None])
def test_source_padding_does_not_change_the_output(attention):
    """The backward LSTM reverses each row within its length: extra padding changes nothing."""
    model = _model(attention)
    padded = np.pad(SRC, ((0, 0), (0, 3)))
    want = np.asarray(model((SRC, TGT))[0])
    got = np.asarray(model((padded, TGT))[0])
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_teacher_forcing_is_causal_in_the_target():
    model = _model("general")
    base = np.asarray(model((SRC, TGT))[0])
    changed = TGT.copy()
    changed[:, 2] = TGT[:, 2] % (V - 2) + 2
    out = np.asarray(model((SRC, changed))[0])
    np.testing.assert_array_equal(out[:, :3], base[:, :3])    # positions ≤ 2 see tokens < 2 …
    assert np.abs(out[:, 3] - base[:, 3]).max() > 0           # position 3 reads gold token 2


@pytest.mark.parametrize("attention", seq2seq.SCORINGS)
def test_free_running_is_teacher_forcing_on_its_own_output(attention):
    """Free running feeds back its argmax; teacher-forcing those tokens reproduces it exactly,
    while teacher forcing on the (different) gold target gives different predictions."""
    model = _model(attention)
    encoder, decoder = model.sublayers[0], model.sublayers[1]
    enc, mask = encoder(SRC)
    tokens, alpha, free_lp = (np.asarray(a) for a in decoder.free_run(enc, mask, 5))
    tf_lp, tf_alpha = (np.asarray(a) for a in model((SRC, tokens)))
    np.testing.assert_allclose(tf_lp, free_lp, atol=1e-5)
    np.testing.assert_array_equal(tf_lp.argmax(-1), tokens)
    np.testing.assert_allclose(tf_alpha, alpha, atol=1e-6)
    gold_lp = np.asarray(model((SRC, TGT))[0])
    np.testing.assert_allclose(gold_lp[:, 0], free_lp[:, 0], atol=1e-5)   # same start symbol
    assert np.abs(gold_lp[:, 1:] - free_lp[:, 1:]).max() > 1e-3           # then they diverge


def test_decode_greedy_stops_at_eos():
    model = _model("bahdanau")
    tokens, alpha = seq2seq.decode(model, SRC, 7)
    assert tokens.shape == (2, 7) and alpha.shape == (2, 7, 6)
    for row in tokens:
        if 1 in row.tolist():
            assert not row[row.tolist().index(1) + 1:].any()


def test_scheduled_sampling_interpolates_teacher_forcing_and_free_running():
    """Train mode with p = 0 is teacher forcing; with p = 1 every input after the start is the
    model's own previous argmax, i.e. free running."""
    eval_model = _model("dot")
    enc, mask = eval_model.sublayers[0](SRC)
    _, _, free_lp = eval_model.sublayers[1].free_run(enc, mask, 5)
    for p, want in ((0.0, np.asarray(eval_model((SRC, TGT))[0])), (1.0, np.asarray(free_lp))):
        train_model = _model("dot", mode='train', scheduled_sampling=p)
        train_model.weights = eval_model.weights
        got = np.asarray(train_model((SRC, TGT), rng=jax.random.PRNGKey(0))[0])
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown attention") as info:
        seq2seq.Seq2Seq(V, attention="cosine")
    assert "\n" not in str(info.value) and "'monotonic'" in str(info.value)
    with pytest.raises(ValueError, match="hard decoding is for attention='monotonic'"):
        seq2seq.decode(_model("hybrid"), SRC, 3, hard=True)
    with pytest.raises(ValueError, match="even"):
        seq2seq.Seq2Seq(V, n_units=7)
    with pytest.raises(ValueError, match="seq2seq.decode"):
        seq2seq.Seq2Seq(V, mode="predict")


# --- the attention family in the decoder ----------------------------------------------------------

FAMILY = sorted(af.MECHANISMS)


@pytest.mark.parametrize("attention", FAMILY)
def test_family_shapes_mass_padding_and_param_count(attention):
    model = _model(attention)
    log_probs, alpha = (np.asarray(a) for a in model((SRC, TGT)))
    assert log_probs.shape == (2, 5, V) and alpha.shape == (2, 5, 6)
    assert np.isfinite(log_probs).all() and np.isfinite(alpha).all()
    np.testing.assert_allclose(np.exp(log_probs).sum(-1), 1.0, atol=1e-5)
    assert (alpha >= 0).all() and (alpha.sum(-1) <= 1 + 1e-5).all()
    assert not alpha[0, :, 4:].any()                           # padding gets no attention
    if af.MECHANISMS[attention].sums_to_one:
        np.testing.assert_allclose(alpha.sum(-1), 1.0, atol=1e-5)
    assert count_weights(model.weights) == seq2seq.count_params(V, V, D, N, attention)


@pytest.mark.parametrize("attention", FAMILY)
def test_family_free_running_is_teacher_forcing_on_its_own_output(attention):
    """The carried state (α_{t-1}, Σ α, step) evolves the same way in both loops: the first
    step's alignment agrees with teacher forcing on the gold target, every step's with teacher
    forcing on the free run's own tokens."""
    model = _model(attention)
    enc, mask = model.sublayers[0](SRC)
    tokens, alpha, free_lp = (np.asarray(a) for a in model.sublayers[1].free_run(enc, mask, 5))
    tf_lp, tf_alpha = (np.asarray(a) for a in model((SRC, tokens)))
    gold_alpha = np.asarray(model((SRC, TGT))[1])
    np.testing.assert_allclose(gold_alpha[:, 0], alpha[:, 0], atol=1e-6)
    np.testing.assert_allclose(tf_alpha, alpha, atol=1e-5)
    np.testing.assert_allclose(tf_lp, free_lp, atol=1e-5)


COPY = np.array([[5, 6, 7, 8, 1, 0], [4, 9, 3, 2, 8, 1]], np.int32)


@pytest.mark.parametrize("attention", FAMILY)
def test_family_trains_a_few_steps_on_a_copy_task(attention):
    model = seq2seq.Seq2Seq(V, V, D, N, attention, mode='train')
    model.init((shapes.signature(COPY), shapes.signature(COPY)), rng=jax.random.PRNGKey(0))
    weights, state, tgt_mask = model.weights, model.state, (COPY > 0).astype(np.float32)

    def loss(w):
        logp = model.pure_fn((COPY, COPY), w, state, jax.random.PRNGKey(1))[0]
        gold = jnp.take_along_axis(logp, COPY[..., None], axis=-1)[..., 0]
        return -jnp.sum(gold * tgt_mask) / tgt_mask.sum()

    step = jax.jit(jax.value_and_grad(loss))
    losses = []
    for _ in range(6):
        value, grads = step(weights)
        assert all(np.isfinite(g).all() for g in jax.tree_util.tree_leaves(grads))
        losses.append(float(value))
        weights = jax.tree_util.tree_map(lambda w, g: w - 0.5 * g, weights, grads)
    assert np.isfinite(losses).all() and losses[-1] < losses[0], losses


def _with_monotonic_bias(model, r, attention="monotonic"):
    """The model with the (stepwise) monotonic energy bias r set (p = σ(e + r))."""
    weights = list(model.weights)
    dec = list(weights[1])
    att = dict(zip(af.param_names(attention), dec[3]), r=np.float32(r))
    dec[3] = tuple(att[k] for k in af.param_names(attention))
    weights[1] = tuple(dec)
    model.weights = tuple(weights)
    return model


def test_hard_monotonic_decode_attends_one_position_moving_forward():
    model = _model("monotonic")
    _, stay = seq2seq.decode(_with_monotonic_bias(model, 30.0), SRC, 7, hard=True)
    np.testing.assert_array_equal(stay, np.eye(6)[np.zeros((2, 7), int)])    # p ≈ 1: stop at 0
    _, soft = seq2seq.decode(model, SRC, 7)
    np.testing.assert_allclose(soft, stay, atol=1e-6)                         # binary p: hard = soft
    _, none = seq2seq.decode(_with_monotonic_bias(model, -30.0), SRC, 7, hard=True)
    assert not none.any()                                                     # p ≈ 0: attend nothing
    _, alpha = seq2seq.decode(_with_monotonic_bias(model, 0.0), SRC, 7, hard=True)
    assert set(np.unique(alpha)) <= {0.0, 1.0} and (alpha.sum(-1) <= 1).all()
    assert not alpha[0, :, 4:].any()
    for row in alpha:
        attended = [int(a.argmax()) for a in row if a.any()]
        assert attended == sorted(attended)


def test_the_carried_state_moves_the_alignment():
    """Stepwise with p ≈ 0 moves one position per step from α_0 = one-hot(0) until the mass runs
    off the row's end; local-m's window follows the step counter t."""
    model = _with_monotonic_bias(_model("stepwise_monotonic"), -30.0, "stepwise_monotonic")
    alpha = np.asarray(model((SRC, TGT))[1])                   # (2, 5, 6); lengths 4 and 6
    want = np.zeros((2, 5, 6))
    for t in range(5):
        want[0, t, t + 1] = t + 1 < 4
        want[1, t, t + 1] = 1.0
    np.testing.assert_allclose(alpha, want, atol=1e-6)
    alpha = np.asarray(_model("local_m")((SRC, TGT))[1])
    far = np.abs(np.arange(6)[None, :] - np.arange(5)[:, None]) > af.DEFAULTS["local_d"]
    assert not alpha[:, far].any() and alpha[1][~far].all()   # row 1 has no padding
