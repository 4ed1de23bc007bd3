"""fast_model.DecoderBlock: the course block's weights, outputs and gradients, trainable, loadable;
and the benchmark-only variants (benchmarks/fast_variants.py) against the same references.

Tiny sizes (d_model 16, 2 layers): these tests check equivalence, not speed (benchmarks/ does).
"""
import jax
import numpy as np
import pytest
import trax
from trax import fastmath, shapes
from trax import layers as tl
from trax.optimizers import trainer as trainer_lib

from benchmarks import fast_variants
from trax_models import model as course
from trax_models.models import fast_model, precision

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


def fast_lm(mode="eval", vocab_size=50, d_model=16, d_ff=32, n_layers=2, n_heads=4,
            dropout=0.1, max_len=64, ff_activation=tl.Relu):
    """The graded TransformerLM's frame (``course.decoder_language_model``) on
    ``fast_model.DecoderBlock``s: what pointer_lm's body runs, with the course's head."""
    blocks = [fast_model.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation,
                                      max_len=max_len) for _ in range(n_layers)]
    return course.decoder_language_model(blocks, vocab_size, d_model, dropout, max_len, mode)


def pair(mode="eval", **overrides):
    """(graded model, fast-block model with the graded model's weights), initialized."""
    args = dict(ARGS, **overrides)
    x = tokens()
    ours = course.TransformerLM(**args, mode=mode)
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    fast = fast_lm(mode, **args)
    fast.init(shapes.signature(x), rng=jax.random.PRNGKey(1))  # other values: must be replaced
    load_flat(fast, flat(ours))
    return ours, fast


# --- the package's path: fast_model.DecoderBlock --------------------------------------------

@pytest.mark.parametrize("mode", ["train", "eval"])
def test_weight_tree_and_state_are_the_course_blocks(mode):
    x = np.zeros((1, 5, ARGS["d_model"]), np.float32)
    ours = tl.Serial(course.DecoderBlock(16, 32, 4, 0.1, mode, tl.Relu))
    fast = tl.Serial(fast_model.DecoderBlock(16, 32, 4, 0.1, mode, tl.Relu))
    (wc, sc), (wf, sf) = ours.init(shapes.signature(x)), fast.init(shapes.signature(x))
    assert jax.tree_util.tree_structure(wf) == jax.tree_util.tree_structure(wc)
    assert [np.shape(w) for w in jax.tree_util.tree_leaves(wf)] == [
        np.shape(w) for w in jax.tree_util.tree_leaves(wc)]
    assert jax.tree_util.tree_structure(sf) == jax.tree_util.tree_structure(sc)
    np.testing.assert_array_equal(*(np.concatenate([np.ravel(s) for s in
                                                    jax.tree_util.tree_leaves(t)])
                                    for t in (sf, sc)))  # the dropout rates
    assert [type(r).__name__ for r in fast.sublayers] == ["FastResidual", "FastResidual"]


def test_predict_mode_is_the_course_block():
    block = fast_model.DecoderBlock(16, 32, 4, 0.1, "predict", tl.Relu, max_len=8)
    assert [type(r) for r in block] == [tl.Serial, tl.Serial]  # two tl.Residual
    assert not any(isinstance(r, fast_model.FastResidual) for r in block)


@pytest.mark.parametrize("activation", [tl.Relu, tl.Gelu])
def test_same_outputs_as_the_graded_model(activation):
    ours, fast = pair(ff_activation=activation)
    x = tokens(batch=3, length=60, seed=1)  # 60: two query blocks of 32, the last one short
    want, got = np.asarray(ours(x)), np.asarray(fast(x))
    assert got.shape == (3, 60, ARGS["vocab_size"])
    np.testing.assert_allclose(got, want, atol=TOL, rtol=0)


def test_outputs_are_causal():
    _, fast = pair()
    x = tokens(batch=1, length=10)
    y = x.copy()
    y[0, 6] = 1 if x[0, 6] != 1 else 2  # change token 6 only
    a, b = np.asarray(fast(x)), np.asarray(fast(y))
    # ShiftRight: position t sees tokens < t, so positions ≤ 6 are unchanged, 7 changes.
    np.testing.assert_allclose(a[0, :7], b[0, :7], atol=TOL)
    assert np.abs(a[0, 7] - b[0, 7]).max() > 1e-4


def loss_and_grad(model, batch, loss_layer=None):
    """(loss, flat gradients) of ``model`` + loss on ``batch``, the model's weights kept."""
    weights = flat(model)  # init below would replace them
    with_loss = tl.Serial(model, loss_layer or tl.CrossEntropyLoss())
    with_loss.init(shapes.signature(batch))
    load_flat(model, weights)

    def loss(weights):
        return with_loss.pure_fn(batch, weights, with_loss.state, jax.random.PRNGKey(2))[0]
    value, grads = jax.jit(jax.value_and_grad(loss))(with_loss.weights)
    return float(value), tl.flatten_weights_and_state(grads, ())[0]


def test_same_loss_and_gradients_without_dropout():
    ours, fast = pair(mode="train", dropout=0.0)
    x = tokens()
    batch = (x, x, np.ones(x.shape, np.float32))
    want_loss, want_grads = loss_and_grad(ours, batch)
    got_loss, got_grads = loss_and_grad(fast, batch)
    assert abs(got_loss - want_loss) < TOL
    assert len(got_grads) == len(want_grads)
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=TOL, rtol=1e-4)


def test_dropout_is_on_in_train_mode_only():
    x = np.random.default_rng(0).normal(size=(2, 40, 16)).astype(np.float32)
    outs = {}
    for mode, rate in (("train", 0.3), ("train", 0.0), ("eval", 0.3)):
        block = tl.Serial(fast_model.DecoderBlock(16, 32, 4, rate, mode, tl.Relu))
        w, s = block.init(shapes.signature(x), rng=jax.random.PRNGKey(5))
        outs[mode, rate] = [np.asarray(block.pure_fn(x, w, s, jax.random.PRNGKey(r))[0])
                            for r in (1, 1, 2)]
    np.testing.assert_array_equal(outs["eval", 0.3][0], outs["train", 0.0][0])
    dropped, again, other = outs["train", 0.3]
    np.testing.assert_array_equal(dropped, again)               # deterministic for an rng
    assert np.abs(dropped - outs["train", 0.0][0]).max() > 0.1  # dropout changed it
    assert np.abs(dropped - other).max() > 0.1                   # another rng, other masks


def test_trains_through_the_trax_trainer():
    """A few Trainer.one_step calls (the Loop's update) lower the loss on one repeated batch."""
    model = fast_lm("train")
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


def test_fast_weights_serve_the_course_predict_model():
    """The same tree: a fast model's .weights go into the course's predict model as they are
    (what trax's Loop and the decoders do), and it decodes the eval model's outputs."""
    ours, fast = pair()
    x = tokens(seed=5)
    predict = course.TransformerLM(**ARGS, mode="predict")
    predict.state = course.init_predict(predict, fast.weights, batch_size=2)
    shifted = np.pad(x[:, :-1], ((0, 0), (1, 0)))    # predict mode does not shift
    steps = [np.asarray(predict(shifted[:, i:i + 1]))[:, 0] for i in range(x.shape[1])]
    np.testing.assert_allclose(np.stack(steps, axis=1), np.asarray(ours(x)), atol=1e-4)


def test_bad_arguments_are_refused_with_a_clear_message():
    residual = course.DecoderBlock(16, 32, 4, 0.1, "eval", tl.Relu)[0]
    with pytest.raises(ValueError, match="part="):
        fast_model.FastResidual(residual, "mlp", 4, 0.1, "eval", tl.Relu)
    with pytest.raises(ValueError, match="mode="):
        fast_model.FastResidual(residual, "attention", 4, 0.1, "predict", tl.Relu)
    with pytest.raises(AssertionError, match="divisible by n_heads"):  # the course's check
        fast_model.DecoderBlock(16, 32, 3, 0.1, "eval")


def test_matmul_is_the_product_with_jax_own_gradients():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 16)).astype(np.float32)
    w = rng.normal(size=(16, 24)).astype(np.float32)
    cot = rng.normal(size=(3, 5, 24)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(precision.matmul(x, w)), x @ w, atol=1e-5)
    ours = jax.grad(lambda x, w: jax.numpy.sum(precision.matmul(x, w) * cot), (0, 1))(x, w)
    jaxs = jax.grad(lambda x, w: jax.numpy.sum((x @ w) * cot), (0, 1))(x, w)
    for got, want in zip(ours, jaxs):
        assert got.shape == want.shape and got.dtype == np.float32
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-4)


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
    """The package's blocked attention (query blocks against only the keys they may see;
    uneven last block at 33, 100, 301) and the benchmarks' 'einsum' and 'dpa' all equal the
    NumPy reference, and their gradients agree."""
    rng = np.random.default_rng(length)
    q, k, v, g = (rng.normal(size=(2, length, 3, 8)).astype(np.float32) for _ in range(4))
    want = _numpy_causal_attention(q, k, v)
    layouts = {"package": fast_model.causal_attention,
               **{name: lambda *a, name=name: fast_variants.causal_attention(*a, name)
                  for name in fast_variants.ATTENTIONS}}
    grads = {}
    for name, attend in layouts.items():
        np.testing.assert_allclose(np.asarray(attend(q, k, v)), want, atol=2e-5, rtol=0,
                                   err_msg=name)
        grads[name] = jax.grad(lambda *a: (attend(*a) * g).sum(), argnums=(0, 1, 2))(q, k, v)
    for name in grads:
        for a, b in zip(grads[name], grads["einsum"]):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=2e-5, rtol=0)
    assert fast_model._block_size(length) >= 32
    assert -(-length // fast_model._block_size(length)) <= 8  # at most 8 blocks


def test_hash_dropout_rate_determinism_and_independence():
    x = np.ones((128, 256), np.float32)
    rng = jax.random.PRNGKey(3)
    out = np.asarray(fast_model.dropout(x, rng, 0.25))
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    dropped = out == 0
    assert abs(dropped.mean() - 0.25) < 0.01                 # 32,768 draws: ±0.01 is > 4 σ
    np.testing.assert_array_equal(out, np.asarray(fast_model.dropout(x, rng, 0.25)))
    for other_rng in (jax.random.PRNGKey(4), jax.random.split(rng)[0]):
        other = np.asarray(fast_model.dropout(x, other_rng, 0.25)) == 0
        assert 0.1 < (other != dropped).mean() < 0.5       # independent masks: 2·p·(1-p) = 0.375
    # neighbours (along rows and columns) uncorrelated: |corr| < 4/√n
    d = dropped.astype(np.float64) - dropped.mean()
    for a, b in ((d[:, 1:], d[:, :-1]), (d[1:], d[:-1])):
        assert abs((a * b).mean() / d.var()) < 4 / np.sqrt(a.size)
    bits = np.asarray(fast_model.hash_bits(rng, (4096,)), np.uint64)
    assert abs(bits.mean() / 2.0**32 - 0.5) < 0.02           # uniform bits


# --- the benchmarks' variants (benchmarks/fast_variants.py, bench_train's fast-* impls) -------

def loaded(mode="eval", **options):
    """(graded model, fast_variants.TransformerLM with ``options`` and its weights)."""
    args = dict(ARGS, **{k: options.pop(k) for k in list(options) if k in ARGS})
    x = tokens()
    ours = course.TransformerLM(**args, mode=mode)
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    fast = fast_variants.TransformerLM(**args, mode=mode, **options)
    fast.init(shapes.signature(x), rng=jax.random.PRNGKey(1))
    load_flat(fast, flat(ours))
    return ours, fast


def test_variant_model_has_the_course_tree_and_state():
    ours, fast = loaded(mode="train")
    assert (jax.tree_util.tree_structure(fast.weights)
            == jax.tree_util.tree_structure(ours.weights))
    np.testing.assert_array_equal(
        np.concatenate([np.ravel(s) for s in jax.tree_util.tree_leaves(fast.state)]),
        np.concatenate([np.ravel(s) for s in jax.tree_util.tree_leaves(ours.state)]))


def test_pointer_on_course_blocks_is_pointer_lm_on_the_course_layers():
    """bench_train's pointer-course baseline: pointer_lm's tree, and its eval outputs."""
    from trax_models.models import pointer
    args = dict(ARGS, vocab_size=30)
    x = tokens(batch=2, length=10) % 30
    ours = pointer.PointerTransformerLM(**args, mode="eval")
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(0))
    base = fast_variants.PointerOnCourseBlocks(**args, mode="eval")
    base.init(shapes.signature(x), rng=jax.random.PRNGKey(1))
    assert (jax.tree_util.tree_structure(base.weights)
            == jax.tree_util.tree_structure(ours.weights))
    base.weights = ours.weights
    np.testing.assert_allclose(np.asarray(base(x)), np.asarray(ours(x)), atol=TOL)


@pytest.mark.parametrize("options", [dict(), dict(attention="dpa"), dict(attention="einsum"),
                                     dict(dropout_rng="rbg"), dict(dropout_rng="threefry"),
                                     dict(precision="f32", attention="dpa")])
def test_f32_variants_give_the_course_outputs(options):
    ours, fast = loaded(**options)
    x = tokens(batch=3, length=17, seed=1)
    np.testing.assert_allclose(np.asarray(fast(x)), np.asarray(ours(x)), atol=TOL, rtol=0)


def test_dropout_threefry_gives_trax_masks_and_rbg_the_right_rate():
    x = np.ones((64, 128), np.float32)
    rng = jax.random.PRNGKey(3)
    want = np.asarray(tl.Dropout(rate=0.25, mode="train").pure_fn(x, (), (), rng)[0])
    got = np.asarray(fast_variants.dropout(x, rng, 0.25, rng_impl="threefry"))
    np.testing.assert_array_equal(got, want)
    rbg = np.asarray(fast_variants.dropout(x, rng, 0.25, rng_impl="rbg"))
    assert set(np.unique(rbg)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((rbg == 0).mean() - 0.25) < 0.02          # 8,192 draws: ±0.02 is > 4 σ
    np.testing.assert_array_equal(rbg, fast_variants.dropout(x, rng, 0.25, rng_impl="rbg"))
    other = np.asarray(fast_variants.dropout(x, jax.random.PRNGKey(4), 0.25, rng_impl="rbg"))
    assert (other != rbg).any()
    np.testing.assert_array_equal(fast_variants.dropout(x, rng, 0.25, "hash"),
                                  fast_model.dropout(x, rng, 0.25))


def test_logits_head_and_fused_loss_equal_the_course_loss_and_gradients():
    """head='logits' + LogitsCrossEntropy = LogSoftmax + CrossEntropyLoss (value, gradients),
    with uneven weights (padding zeros)."""
    ours, fast = loaded(mode="train", dropout=0.0, head="logits")
    x = tokens(batch=3, length=12, seed=2)
    weights = np.random.default_rng(3).uniform(0, 2, x.shape).astype(np.float32)
    weights[:, -3:] = 0.0
    batch = (x, np.roll(x, 1, axis=1), weights)
    want, want_grads = loss_and_grad(ours, batch)
    got, got_grads = loss_and_grad(fast, batch, fast_variants.LogitsCrossEntropy())
    assert want > 1.0  # an untrained model on 50 words: ≈ log 50
    assert abs(got - want) < TOL
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), atol=TOL, rtol=1e-4)


def test_fused_loss_gradient_is_jax_own_gradient_of_the_formula():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(2, 5, 7)).astype(np.float32) * 3
    targets = rng.integers(0, 7, (2, 5)).astype(np.int32)
    weights = rng.uniform(0, 1, (2, 5)).astype(np.float32)

    def reference(logits, weights):
        logp = jax.nn.log_softmax(logits)
        nll = -jax.numpy.take_along_axis(logp, targets[..., None], -1)[..., 0]
        return jax.numpy.sum(nll * weights) / jax.numpy.sum(weights)
    fused = lambda lg, w: fast_variants.logits_cross_entropy(lg, targets, w)  # noqa: E731
    np.testing.assert_allclose(float(fused(logits, weights)), float(reference(logits, weights)),
                               rtol=1e-6)
    for got, want in zip(jax.grad(fused, (0, 1))(logits, weights),
                         jax.grad(reference, (0, 1))(logits, weights)):
        assert np.abs(np.asarray(want)).max() > 1e-3
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)


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

    def grads(name):
        f = lambda x, w: jax.numpy.sum(fast_variants.matmul(x, w, name) * cot)  # noqa: E731
        return jax.jit(jax.grad(f, argnums=(0, 1)))(x, w)
    for got, want in zip(grads("bf16"), grads("f32")):
        got, want = np.asarray(got), np.asarray(want)
        assert got.shape == want.shape and got.dtype == np.float32
        assert np.abs(got - want).max() < 0.02 * np.abs(want).max()   # bf16 rounding
        assert np.abs(got - want).max() > 0                            # and really bf16
    with pytest.raises(ValueError, match="precision"):
        fast_variants.matmul(x, w, "fp8")


def test_bf16_fused_model_trains_and_its_weights_are_the_course_models():
    model = fast_variants.TransformerLM(**ARGS, mode="train", precision="bf16", head="logits")
    x = tokens(batch=4, length=16)
    batch = (x, x, np.ones(x.shape, np.float32))
    with_loss = tl.Serial(model, fast_variants.LogitsCrossEntropy())
    with_loss.init(shapes.signature(batch), rng=jax.random.PRNGKey(0))
    optimizer = trax.optimizers.Adam(0.01)
    optimizer.tree_init(with_loss.weights)
    trainer = trainer_lib.Trainer(with_loss, optimizer)
    losses = [float(trainer.one_step(batch, jax.random.PRNGKey(i), step=i)[0])
              for i in range(8)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0] - 0.2, losses
    ours = course.TransformerLM(**ARGS, mode="eval")
    ours.init(shapes.signature(x))
    load_flat(ours, [np.asarray(w) for w in flat(model)])
    back = fast_lm("eval")
    back.init(shapes.signature(x))
    back.weights = ours.weights  # the same tree
    np.testing.assert_allclose(np.asarray(back(x)), np.asarray(ours(x)), atol=TOL)


def test_native_bf16_detection_is_read_from_the_cpu_and_honoured(tmp_path, monkeypatch):
    assert isinstance(fast_variants.native_bf16(), bool)
    with_amx = tmp_path / "amx"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile\n")
    plain = tmp_path / "plain"
    plain.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n")
    assert fast_variants.native_bf16("cpu", str(with_amx)) is True
    assert fast_variants.native_bf16("cpu", str(plain)) is False
    assert fast_variants.native_bf16("cpu", str(tmp_path / "missing")) is False
    assert fast_variants.native_bf16("gpu", str(plain)) is True
    for native, want in ((True, "bf16"), (False, "f32")):
        monkeypatch.setattr(fast_variants, "native_bf16", lambda native=native: native)
        assert fast_variants.resolve("auto") == want
        ours, fast = loaded(precision="auto")
        x = tokens(batch=1, length=9)
        diff = np.abs(np.asarray(fast(x)) - np.asarray(ours(x))).max()
        assert (diff < TOL) == (want == "f32"), diff
    with pytest.raises(ValueError, match="precision"):
        fast_variants.TransformerLM(**ARGS, precision="fp16")
    for bad in (dict(head="softmax"), dict(attention="flash"), dict(dropout_rng="philox"),
                dict(mode="predict")):
        with pytest.raises(ValueError, match=next(iter(bad))):
            fast_variants.TransformerLM(**{"mode": "eval", **ARGS, **bad})


@pytest.mark.parametrize("name", ["f32", "bf16"])
def test_affine_is_matmul_plus_bias_with_its_gradients(name):
    """fast_variants.affine (the head's bias inside the GEMM in f32) = x·w + b, value and
    gradients for x, w and b; in bf16 within bf16 rounding."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 5, 6)).astype(np.float32)
    w = rng.normal(size=(6, 9)).astype(np.float32)
    b = rng.normal(size=(9,)).astype(np.float32)
    g = rng.normal(size=(2, 5, 9)).astype(np.float32)
    tol = 1e-5 if name == "f32" else 0.1
    want = np.einsum("bik,kn->bin", x, w) + b
    np.testing.assert_allclose(np.asarray(fast_variants.affine(x, w, b, name)), want,
                               atol=tol, rtol=0)
    grads = jax.grad(lambda *a: (fast_variants.affine(*a, name) * g).sum(),
                     argnums=(0, 1, 2))(x, w, b)
    want_grads = (np.einsum("bin,kn->bik", g, w), np.einsum("bik,bin->kn", x, g),
                  g.sum(axis=(0, 1)))
    for got, expected in zip(grads, want_grads):
        assert got.shape == expected.shape
        np.testing.assert_allclose(np.asarray(got), expected, atol=tol * 4, rtol=0)
