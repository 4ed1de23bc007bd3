"""fast_model.TransformerLM: the course model's weights, outputs and gradients, trainable, loadable.

Tiny sizes (d_model 16, 2 layers): these tests check equivalence, not speed (benchmarks/ does).
"""
import jax
import numpy as np
import pytest
import trax
from trax import fastmath, shapes
from trax import layers as tl
from trax.optimizers import trainer as trainer_lib

from trax_models import model as course
from trax_models.errors import UserError
from trax_models.models import fast_model
from trax_models.summarizer import adapters, checkpoint, registry

ARGS = dict(vocab_size=50, d_model=16, d_ff=32, n_layers=2, n_heads=4, dropout=0.1, max_len=64)
TOL = 1e-5


def tokens(batch=2, length=12, seed=0):
    """(batch, length) int32 ids in [1, vocab)."""
    return np.random.default_rng(seed).integers(1, ARGS["vocab_size"],
                                                (batch, length)).astype(np.int32)


def flat(model):
    """The model's flattened weights (the list a checkpoint stores)."""
    weights, _ = tl.flatten_weights_and_state(model.weights, model.state)
    return weights


def load_flat(model, flat_weights):
    """Load flattened weights into an initialized model (as the Loop / load_model do)."""
    model.weights, _ = fastmath.tree_unflatten(list(flat_weights), model.weights)


def pair(mode="eval", **overrides):
    """(course model, fast model with the course model's weights), initialized."""
    args = dict(ARGS, **overrides)
    x = tokens()
    ours = course.TransformerLM(**args, mode=mode)
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    fast = fast_model.TransformerLM(**args, mode=mode)
    fast.init(shapes.signature(x), rng=jax.random.PRNGKey(1))  # other values: must be replaced
    load_flat(fast, flat(ours))
    return ours, fast


def test_flat_weights_and_state_match_the_course_model():
    x = tokens()
    for mode in ("train", "eval"):
        ours = course.TransformerLM(**ARGS, mode=mode)
        fast = fast_model.TransformerLM(**ARGS, mode=mode)
        wc, sc = ours.init(shapes.signature(x))
        wf, sf = fast.init(shapes.signature(x))
        wc, sc = tl.flatten_weights_and_state(wc, sc)
        wf, sf = tl.flatten_weights_and_state(wf, sf)
        assert [w.shape for w in wf] == [w.shape for w in wc]
        # embedding, positions; per block 2 LayerNorms, 4 attention Dense, 2 FF Dense; LN, Dense
        assert len(wf) == 2 + 16 * ARGS["n_layers"] + 4
        assert [np.shape(s) for s in sf] == [np.shape(s) for s in sc]
        np.testing.assert_array_equal(np.concatenate([np.ravel(s) for s in sf]),
                                      np.concatenate([np.ravel(s) for s in sc]))


@pytest.mark.parametrize("activation", [tl.Relu, tl.Gelu])
def test_same_outputs_as_the_course_model(activation):
    ours, fast = pair(ff_activation=activation)
    x = tokens(batch=3, length=17, seed=1)
    want, got = np.asarray(ours(x)), np.asarray(fast(x))
    assert got.shape == (3, 17, ARGS["vocab_size"])
    np.testing.assert_allclose(got, want, atol=TOL, rtol=0)
    # log-probabilities: rows sum to one
    np.testing.assert_allclose(np.exp(got).sum(-1), 1.0, atol=1e-5)


def test_outputs_are_causal():
    _, fast = pair()
    x = tokens(batch=1, length=10)
    y = x.copy()
    y[0, 6] = 1 if x[0, 6] != 1 else 2  # change token 6 only
    a, b = np.asarray(fast(x)), np.asarray(fast(y))
    # ShiftRight: position t sees tokens < t, so positions ≤ 6 are unchanged, 7 changes.
    np.testing.assert_allclose(a[0, :7], b[0, :7], atol=TOL)
    assert np.abs(a[0, 7] - b[0, 7]).max() > 1e-4


def test_same_loss_and_gradients_without_dropout():
    ours, fast = pair(mode="train", dropout=0.0)
    x = tokens()
    batch = (x, x, np.ones(x.shape, np.float32))

    def loss_and_grad(model):
        weights = flat(model)  # the pair's shared weights: init below would replace them
        with_loss = tl.Serial(model, tl.CrossEntropyLoss())
        with_loss.init(shapes.signature(batch))
        load_flat(model, weights)

        def loss(weights):
            out, _ = with_loss.pure_fn(batch, weights, with_loss.state, jax.random.PRNGKey(2))
            return out
        value, grads = jax.jit(jax.value_and_grad(loss))(with_loss.weights)
        return float(value), tl.flatten_weights_and_state(grads, ())[0]

    want_loss, want_grads = loss_and_grad(ours)
    got_loss, got_grads = loss_and_grad(fast)
    assert abs(got_loss - want_loss) < TOL
    assert len(got_grads) == len(want_grads)
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=TOL, rtol=1e-4)


def test_dropout_threefry_gives_trax_masks_and_rbg_the_right_rate():
    x = np.ones((64, 128), np.float32)
    rng = jax.random.PRNGKey(3)
    want = np.asarray(tl.Dropout(rate=0.25, mode="train").pure_fn(x, (), (), rng)[0])
    got = np.asarray(fast_model.dropout(x, rng, 0.25, rng_impl="threefry"))
    np.testing.assert_array_equal(got, want)
    rbg = np.asarray(fast_model.dropout(x, rng, 0.25, rng_impl="rbg"))
    assert set(np.unique(rbg)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((rbg == 0).mean() - 0.25) < 0.02          # 8,192 draws: ±0.02 is > 4 σ
    again = np.asarray(fast_model.dropout(x, rng, 0.25, rng_impl="rbg"))
    np.testing.assert_array_equal(rbg, again)             # deterministic for a given rng
    other = np.asarray(fast_model.dropout(x, jax.random.PRNGKey(4), 0.25, rng_impl="rbg"))
    assert (other != rbg).any()
    # expected value kept: the mean of the output ≈ the input's
    assert abs(rbg.mean() - 1.0) < 0.05


def test_trains_through_the_trax_trainer():
    """A few Trainer.one_step calls (the Loop's update) lower the loss on one repeated batch.

    Default dropout masks ('rbg'); 'threefry' masks are trax's own (tested above)."""
    model = fast_model.TransformerLM(**ARGS, mode="train")
    x = tokens(batch=4, length=16)
    batch = (x, x, np.ones(x.shape, np.float32))
    with_loss = tl.Serial(model, tl.CrossEntropyLoss())
    with_loss.init(shapes.signature(batch), rng=jax.random.PRNGKey(0))
    optimizer = trax.optimizers.Adam(0.01)
    optimizer.tree_init(with_loss.weights)
    trainer = trainer_lib.Trainer(with_loss, optimizer)
    losses = [float(trainer.one_step(batch, jax.random.PRNGKey(i), step=i)[0])
              for i in range(8)]
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0] - 0.2, losses


def test_course_checkpoint_loads_into_the_fast_model(tmp_path, monkeypatch):
    """A checkpoint directory of the course model, loaded as the fast model: same outputs."""
    ours, _ = pair()
    contents = {"flat_weights": [np.asarray(w) for w in flat(ours)], "step": 0}
    checkpoint.save_config(tmp_path, {"model": "fast_transformer_lm", "model_args": ARGS})
    checkpoint.write_checkpoint(tmp_path / checkpoint.CHECKPOINT_FILE, contents)
    # a registry row for the fast model (train keeps the course model: it is not faster)
    monkeypatch.setitem(registry.MODELS, "fast_transformer_lm", registry.ModelKind(
        "fast_transformer_lm", fast_model.TransformerLM, pairs=False,
        adapter=adapters.LanguageModelAdapter))
    fast, _ = checkpoint.load_model(tmp_path, mode="eval")
    assert isinstance(fast.sublayers[4], fast_model.FastDecoderBlock)
    x = tokens(seed=5)
    np.testing.assert_allclose(np.asarray(fast(x)), np.asarray(ours(x)), atol=TOL)

    # predict mode (the course's KV-cache tree) from the same checkpoint
    predict, _ = checkpoint.load_model(tmp_path, mode="predict", batch_size=2)
    start = fast_model.init_predict(predict, fast.weights, batch_size=2)
    shifted = np.pad(x[:, :-1], ((0, 0), (1, 0)))    # predict mode does not shift
    predict.state = start
    steps = [np.asarray(predict(shifted[:, i:i + 1]))[:, 0] for i in range(x.shape[1])]
    np.testing.assert_allclose(np.stack(steps, axis=1), np.asarray(ours(x)), atol=1e-4)


def test_bad_arguments_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="divisible by n_heads"):
        fast_model.TransformerLM(**dict(ARGS, n_heads=3), mode="eval").init(
            shapes.signature(tokens()))
    with pytest.raises(ValueError, match="mode="):
        fast_model.TransformerLM(**ARGS, mode="sample")
    with pytest.raises(ValueError, match="dropout_rng"):
        fast_model.TransformerLM(**ARGS, dropout_rng="philox")
    with pytest.raises(UserError, match="does not fit the model"):
        other = fast_model.TransformerLM(**dict(ARGS, d_model=8, d_ff=16), mode="eval")
        other.init(shapes.signature(tokens()))
        fast_model.init_predict(fast_model.TransformerLM(**ARGS, mode="predict"), other.weights)
