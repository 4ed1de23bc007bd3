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
from trax_models.models import precision as precision_lib
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

    Default dropout masks ('hash'); 'threefry' masks are trax's own (tested above)."""
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
    # a registry row for the fast model (not in the registry: at make train's size, d128 × 2
    # layers without dropout, its blocks measured 1.007× as the pointer model's body)
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


# --- levers (issue #18): options that keep the weights; f32 ones keep the outputs ------------

def loaded(mode="eval", **options):
    """(course model, fast model with ``options`` and the course model's weights)."""
    args = dict(ARGS, **{k: options.pop(k) for k in list(options) if k in ARGS})
    x = tokens()
    ours = course.TransformerLM(**args, mode=mode)
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    fast = fast_model.TransformerLM(**args, mode=mode, **options)
    fast.init(shapes.signature(x), rng=jax.random.PRNGKey(1))
    load_flat(fast, flat(ours))
    return ours, fast


@pytest.mark.parametrize("options", [dict(attention="dpa"), dict(attention="einsum"),
                                     dict(dropout_rng="hash"),
                                     dict(precision="f32", attention="dpa")])
def test_f32_options_give_the_course_outputs(options):
    ours, fast = loaded(**options)
    x = tokens(batch=3, length=17, seed=1)
    np.testing.assert_allclose(np.asarray(fast(x)), np.asarray(ours(x)), atol=TOL, rtol=0)


def _numpy_causal_attention(q, k, v):
    """The reference: per batch and head, softmax(q·kᵀ masked to j ≤ i)·v, in float64."""
    q, k, v = (np.asarray(t, np.float64) for t in (q, k, v))
    scores = np.einsum("bqhd,bkhd->bhqk", q, k)
    length = q.shape[1]
    scores = np.where(np.tril(np.ones((length, length), bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return np.einsum("bhqk,bkhd->bqhd", weights, v)


@pytest.mark.parametrize("length", [1, 5, 32, 33, 64, 100, 256, 301])
def test_attention_layouts_are_causal_softmax_attention(length):
    """'blocked' (query blocks against only the keys they may see; uneven last block at 33,
    100, 301), 'einsum' and 'dpa' all equal the NumPy reference, and their gradients agree."""
    rng = np.random.default_rng(length)
    q, k, v, g = (rng.normal(size=(2, length, 3, 8)).astype(np.float32) for _ in range(4))
    want = _numpy_causal_attention(q, k, v)
    grads = {}
    for layout in fast_model.ATTENTIONS:
        out = fast_model.causal_attention(q, k, v, layout)
        np.testing.assert_allclose(np.asarray(out), want, atol=2e-5, rtol=0, err_msg=layout)
        grads[layout] = jax.grad(lambda *a: (fast_model.causal_attention(*a, layout) * g).sum(),
                                 argnums=(0, 1, 2))(q, k, v)
    for layout in ("blocked", "dpa"):
        for a, b in zip(grads[layout], grads["einsum"]):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=2e-5, rtol=0)
    assert fast_model._block_size(length) >= 32
    assert -(-length // fast_model._block_size(length)) <= 8  # at most 8 blocks


def test_logits_head_and_fused_loss_equal_the_course_loss_and_gradients():
    """head='logits' + LogitsCrossEntropy = LogSoftmax + CrossEntropyLoss (value, gradients),
    with uneven weights (padding zeros) — and the same flattened weights."""
    ours, fast = loaded(mode="train", dropout=0.0, head="logits")
    assert [w.shape for w in flat(fast)] == [w.shape for w in flat(ours)]
    x = tokens(batch=3, length=12, seed=2)
    targets = np.roll(x, 1, axis=1)
    weights = np.random.default_rng(3).uniform(0, 2, x.shape).astype(np.float32)
    weights[:, -3:] = 0.0
    batch = (x, targets, weights)

    def loss_and_grad(model, loss_layer):
        w = flat(model)
        with_loss = tl.Serial(model, loss_layer)
        with_loss.init(shapes.signature(batch))
        load_flat(model, w)

        def loss(weights):
            return with_loss.pure_fn(batch, weights, with_loss.state, jax.random.PRNGKey(2))[0]
        value, grads = jax.jit(jax.value_and_grad(loss))(with_loss.weights)
        return float(value), tl.flatten_weights_and_state(grads, ())[0]

    want, want_grads = loss_and_grad(ours, tl.CrossEntropyLoss())
    got, got_grads = loss_and_grad(fast, fast_model.LogitsCrossEntropy())
    assert want > 1.0  # an untrained model on 50 words: ≈ log 50
    assert abs(got - want) < TOL
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=TOL, rtol=1e-4)
    # the eval model's logits: log-probabilities up to a per-position constant
    ours_eval, fast_eval = loaded(head="logits")
    logits = np.asarray(fast_eval(x))
    shifted = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(shifted, np.asarray(ours_eval(x)), atol=TOL)


BF16_TOL = 0.05  # log-probabilities; bf16 keeps 8 bits of mantissa (relative error ≤ 2⁻⁸)


def test_bf16_is_close_to_the_course_model_and_keeps_f32_weights():
    ours, fast = loaded(precision="bf16")
    x = tokens(batch=3, length=17, seed=1)
    want, got = np.asarray(ours(x)), np.asarray(fast(x))
    assert got.dtype == np.float32
    assert all(w.dtype == np.float32 for w in flat(fast))
    assert 1e-5 < np.abs(got - want).max() < BF16_TOL   # rounded, not exact, but close
    np.testing.assert_allclose(np.exp(got).sum(-1), 1.0, atol=1e-5)  # f32 LogSoftmax


def test_bf16_matmul_gradient_is_close_to_the_f32_gradient():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 16)).astype(np.float32)
    w = rng.normal(size=(16, 24)).astype(np.float32)
    cot = rng.normal(size=(3, 5, 24)).astype(np.float32)

    def grads(precision):
        f = lambda x, w: jax.numpy.sum(precision_lib.matmul(x, w, precision) * cot)  # noqa: E731
        return jax.jit(jax.grad(f, argnums=(0, 1)))(x, w)
    np.testing.assert_array_equal(np.asarray(precision_lib.matmul(x, w, "f32")), x @ w)
    for got, want in zip(grads("bf16"), grads("f32")):
        got, want = np.asarray(got), np.asarray(want)
        assert got.shape == want.shape and got.dtype == np.float32
        assert np.abs(got - want).max() < 0.02 * np.abs(want).max()   # bf16 rounding
        assert np.abs(got - want).max() > 0                            # and really bf16
    with pytest.raises(ValueError, match="precision"):
        precision_lib.matmul(x, w, "fp8")


def test_bf16_fused_hash_model_trains_and_loads_a_course_checkpoint(tmp_path):
    """The fastest combination trains through the Trainer, and its weights are the course
    model's: saved, loaded into the course model, the same eval outputs."""
    options = dict(precision="bf16", head="logits", dropout_rng="hash")
    model = fast_model.TransformerLM(**ARGS, mode="train", **options)
    x = tokens(batch=4, length=16)
    batch = (x, x, np.ones(x.shape, np.float32))
    with_loss = tl.Serial(model, fast_model.LogitsCrossEntropy())
    with_loss.init(shapes.signature(batch), rng=jax.random.PRNGKey(0))
    optimizer = trax.optimizers.Adam(0.01)
    optimizer.tree_init(with_loss.weights)
    trainer = trainer_lib.Trainer(with_loss, optimizer)
    losses = [float(trainer.one_step(batch, jax.random.PRNGKey(i), step=i)[0])
              for i in range(8)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0] - 0.2, losses

    trained = [np.asarray(w) for w in flat(model)]
    ours = course.TransformerLM(**ARGS, mode="eval")
    ours.init(shapes.signature(x))
    load_flat(ours, trained)
    back = fast_model.TransformerLM(**ARGS, mode="eval")   # f32, log-softmax head
    back.init(shapes.signature(x))
    load_flat(back, trained)
    np.testing.assert_allclose(np.asarray(back(x)), np.asarray(ours(x)), atol=TOL)


def test_hash_dropout_rate_determinism_and_independence():
    x = np.ones((128, 256), np.float32)
    rng = jax.random.PRNGKey(3)
    out = np.asarray(fast_model.dropout(x, rng, 0.25, rng_impl="hash"))
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    dropped = out == 0
    assert abs(dropped.mean() - 0.25) < 0.01                 # 32,768 draws: ±0.01 is > 4 σ
    np.testing.assert_array_equal(out, np.asarray(fast_model.dropout(x, rng, 0.25, "hash")))
    for other_rng in (jax.random.PRNGKey(4), jax.random.split(rng)[0]):
        other = np.asarray(fast_model.dropout(x, other_rng, 0.25, "hash")) == 0
        assert 0.1 < (other != dropped).mean() < 0.5       # independent masks: 2·p·(1-p) = 0.375
    # neighbours (along rows and columns) uncorrelated: |corr| < 4/√n
    d = dropped.astype(np.float64) - dropped.mean()
    for a, b in ((d[:, 1:], d[:, :-1]), (d[1:], d[:-1])):
        assert abs((a * b).mean() / d.var()) < 4 / np.sqrt(a.size)
    bits = np.asarray(fast_model.hash_bits(rng, (4096,)), np.uint64)
    assert abs(bits.mean() / 2.0**32 - 0.5) < 0.02           # uniform bits


def test_native_bf16_detection_is_read_from_the_cpu_and_honoured(tmp_path, monkeypatch):
    assert isinstance(precision_lib.native_bf16(), bool)
    with_amx = tmp_path / "amx"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile\n")
    plain = tmp_path / "plain"
    plain.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n")
    assert precision_lib.native_bf16("cpu", str(with_amx)) is True
    assert precision_lib.native_bf16("cpu", str(plain)) is False
    assert precision_lib.native_bf16("cpu", str(tmp_path / "missing")) is False
    assert precision_lib.native_bf16("gpu", str(plain)) is True
    for native, want in ((True, "bf16"), (False, "f32")):
        monkeypatch.setattr(precision_lib, "native_bf16", lambda native=native: native)
        assert precision_lib.resolve("auto") == want
        _, fast = loaded(precision="auto")
        x = tokens(batch=1, length=9)
        block = fast.sublayers[4]
        assert block._precision == want
        ours = course.TransformerLM(**ARGS, mode="eval")
        ours.init(shapes.signature(x))
        load_flat(ours, flat(fast))
        diff = np.abs(np.asarray(fast(x)) - np.asarray(ours(x))).max()
        assert (diff < TOL) == (want == "f32"), diff
    assert precision_lib.resolve("f32") == "f32" and precision_lib.resolve("bf16") == "bf16"
    with pytest.raises(ValueError, match="precision"):
        fast_model.TransformerLM(**ARGS, precision="fp16")
    with pytest.raises(ValueError, match="head"):
        fast_model.TransformerLM(**ARGS, head="softmax")
    with pytest.raises(ValueError, match="attention"):
        fast_model.TransformerLM(**ARGS, attention="flash", mode="eval").init(
            shapes.signature(tokens()))


def test_fused_loss_gradient_is_jax_own_gradient_of_the_formula():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(2, 5, 7)).astype(np.float32) * 3
    targets = rng.integers(0, 7, (2, 5)).astype(np.int32)
    weights = rng.uniform(0, 1, (2, 5)).astype(np.float32)

    def reference(logits, weights):
        logp = jax.nn.log_softmax(logits)
        nll = -jax.numpy.take_along_axis(logp, targets[..., None], -1)[..., 0]
        return jax.numpy.sum(nll * weights) / jax.numpy.sum(weights)
    fused = lambda lg, w: fast_model.logits_cross_entropy(lg, targets, w)  # noqa: E731
    np.testing.assert_allclose(float(fused(logits, weights)), float(reference(logits, weights)),
                               rtol=1e-6)
    for got, want in zip(jax.grad(fused, (0, 1))(logits, weights),
                         jax.grad(reference, (0, 1))(logits, weights)):
        assert np.abs(np.asarray(want)).max() > 1e-3
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)


@pytest.mark.parametrize("precision", ["f32", "bf16"])
def test_affine_is_matmul_plus_bias_with_its_gradients(precision):
    """precision.affine (the head's bias inside the GEMM in f32) = x·w + b, value and
    gradients for x, w and b; in bf16 within bf16 rounding."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 6)).astype(np.float32)
    w = rng.normal(size=(6, 9)).astype(np.float32)
    b = rng.normal(size=(9,)).astype(np.float32)
    g = rng.normal(size=(2, 5, 9)).astype(np.float32)
    tol = 1e-5 if precision == "f32" else 0.1
    want = np.einsum("bik,kn->bin", x, w) + b
    np.testing.assert_allclose(np.asarray(precision_lib.affine(x, w, b, precision)), want,
                               atol=tol, rtol=0)
    grads = jax.grad(lambda *a: (precision_lib.affine(*a, precision) * g).sum(),
                     argnums=(0, 1, 2))(x, w, b)
    want_grads = (np.einsum("bin,kn->bik", g, w), np.einsum("bik,bin->kn", x, g),
                  g.sum(axis=(0, 1)))
    for got, expected in zip(grads, want_grads):
        assert got.shape == expected.shape
        np.testing.assert_allclose(np.asarray(got), expected, atol=tol * 4, rtol=0)
