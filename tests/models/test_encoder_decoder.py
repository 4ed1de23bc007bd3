"""The encoder–decoder Transformer: masks, padding invariance, no leak, trax equality, predict mode.

Tiny models (d_model 16, 1–2 layers) so the whole file runs in well under a minute.
"""
import jax
import numpy as np
import pytest
import trax
from trax import layers as tl
from trax import shapes

from trax_models import attention, data
from trax_models import predict as predict_state
from trax_models.errors import UserError
from trax_models.models import encoder_decoder as ed
from trax_models.summarizer.generate import Summarizer, TruncationWarning
from trax_models.tokens import EOS


def _init_predict(model, weights, source_len, batch_size):
    """The empty predict state of an encoder–decoder for (batch_size, source_len) sources."""
    return predict_state.init_predict(model, weights, (
        shapes.ShapeDtype((batch_size, source_len), np.int32),
        shapes.ShapeDtype((batch_size, 1), np.int32)))


V = 40
TINY = dict(d_model=16, d_ff=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2,
            dropout=0.0, max_len=32)
CACHE = 8  # predict-mode KV cache length of the shared predict model


def _sig(*arrays):
    return tuple(shapes.signature(np.asarray(a)) for a in arrays)


def _batch(seed=0, batch=3, len_src=9, len_tgt=6):
    rng = np.random.RandomState(seed)
    source = rng.randint(2, V, size=(batch, len_src)).astype(np.int32)
    source[1, 6:] = 0  # a shorter article, padded
    target = rng.randint(2, V, size=(batch, len_tgt)).astype(np.int32)
    return source, target


@pytest.fixture(scope="module")
def eval_model():
    model = ed.Transformer(V, **TINY, mode="eval")
    model.init(_sig(*_batch()), rng=jax.random.PRNGKey(3))
    return model


@pytest.fixture(scope="module")
def predict(eval_model):
    """(model, start_state, jitted step): one predict model for batch 3, source length 9."""
    model = ed.Transformer(V, **TINY, mode="predict", cache_len=CACHE)
    start = _init_predict(model, eval_model.weights, source_len=9, batch_size=3)
    step = jax.jit(lambda tokens, state, source: model.pure_fn(
        (source, tokens), eval_model.weights, state, jax.random.PRNGKey(0)))
    return model, start, step


# --- Attention --------------------------------------------------------------------------------

def test_attention_weights_sum_to_one_and_padding_keys_get_none():
    rng = np.random.RandomState(0)
    n_heads, batch, lq, lk = 2, 2, 4, 5
    d = lk  # the graded DotProductAttention wants q, k, v equally wide: v = I is (lk, lk)
    q = rng.randn(batch * n_heads, lq, d).astype(np.float32)
    k = rng.randn(batch * n_heads, lk, d).astype(np.float32)
    identity = np.broadcast_to(np.eye(lk, dtype=np.float32), (batch * n_heads, lk, lk))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    weights = np.asarray(ed.masked_attention(q, k, identity, mask, n_heads))  # v = I → weights
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert np.all(weights[:n_heads, :, 3:] < 1e-9)   # example 0 (both heads): padding keys
    assert np.all(weights[n_heads:, :, 3:] > 1e-4)   # example 1 has no padding there


def test_multi_head_attention_equals_the_graded_causal_attention_where_it_sees_all_keys():
    """Self-attention with the graded layer's weights: at the last position, where the causal
    mask hides no key, the outputs agree (same heads split and merge, same Dense layout)."""
    x = np.random.RandomState(1).randn(2, 5, 16).astype(np.float32)
    ours = ed.MultiHeadAttention(16, 4, mode="eval")
    ours.init(_sig(x, x, np.ones((2, 5), bool)))
    graded = attention.CausalAttention(16, 4, mode="eval")
    graded.init(shapes.signature(x))
    flat, _ = tl.flatten_weights_and_state(ours.weights, ())
    graded_flat, _ = tl.flatten_weights_and_state(graded.weights, ())
    assert [w.shape for w in flat] == [w.shape for w in graded_flat]  # q, k, v, output Dense
    graded.weights = trax.fastmath.tree_unflatten(list(flat), graded.weights)[0]
    np.testing.assert_allclose(np.asarray(ours((x, x, np.ones((2, 5), bool))))[:, -1],
                               np.asarray(graded(x))[:, -1], atol=1e-6)


def test_cross_attention_ignores_keys_at_padding():
    rng = np.random.RandomState(2)
    layer = ed.MultiHeadAttention(16, 2, mode="eval")
    y, x = rng.randn(2, 3, 16).astype(np.float32), rng.randn(2, 6, 16).astype(np.float32)
    mask = np.array([[1, 1, 1, 1, 0, 0], [1] * 6], dtype=bool)
    layer.init(_sig(y, x, mask))
    out = layer((y, x, mask))
    x2 = x.copy()
    x2[0, 4:] = rng.randn(2, 16)          # change what sits at example 0's padding
    np.testing.assert_allclose(layer((y, x2, mask)), out, atol=1e-6)
    x2[1, 4:] = rng.randn(2, 16)          # the same change at real keys does matter
    assert np.abs(np.asarray(layer((y, x2, mask)))[1] - np.asarray(out)[1]).max() > 1e-3


# --- The model --------------------------------------------------------------------------------

def test_outputs_log_probs_and_passes_the_target_through(eval_model):
    source, target = _batch()
    log_probs, target_out = eval_model((source, target))
    assert log_probs.shape == (3, 6, V)
    np.testing.assert_allclose(np.exp(log_probs).sum(-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(target_out, target)
    assert eval_model.n_in == 2 and eval_model.n_out == 2


def test_parameter_count_is_the_closed_form(eval_model):
    flat, _ = tl.flatten_weights_and_state(eval_model.weights, ())
    n = sum(int(np.size(w)) for w in flat)
    assert n == ed.count_params(V, 16, 32, 1, 2, 32)


def test_padding_the_source_never_changes_the_output(eval_model):
    source, target = _batch()
    expected = np.asarray(eval_model((source, target))[0])
    for extra in (1, 13):
        padded = np.pad(source, ((0, 0), (0, extra)))
        got = np.asarray(eval_model((padded, target))[0])
        np.testing.assert_allclose(got, expected, atol=1e-5)
    changed = source.copy()
    changed[1, 2] = (changed[1, 2] + 1) % (V - 2) + 2   # a real token: the output must move
    assert np.abs(np.asarray(eval_model((changed, target))[0])[1] - expected[1]).max() > 1e-4


def test_decoder_is_causal(eval_model):
    source, target = _batch()
    base = np.asarray(eval_model((source, target))[0])
    for j in range(target.shape[1]):
        changed = target.copy()
        changed[:, j] = (changed[:, j] + 7) % (V - 2) + 2
        out = np.asarray(eval_model((source, changed))[0])
        # position t predicts target[t] from target[:t]: only positions > j may move
        np.testing.assert_allclose(out[:, :j + 1], base[:, :j + 1], atol=1e-5)
        if j + 1 < target.shape[1]:
            assert np.abs(out[:, j + 1] - base[:, j + 1]).max() > 1e-4


def test_equals_trax_transformer_with_the_same_weights(eval_model):
    """Same weights in flattening order → same outputs after trax's logits go through
    LogSoftmax. The differences that remain are documented: trax outputs logits, and shares
    the two embeddings when output_vocab_size is None (ours: always separate)."""
    source, target = _batch()
    library = trax.models.Transformer(V, output_vocab_size=V, **TINY, mode="eval")
    library.init(_sig(source, target))
    ours_flat, _ = tl.flatten_weights_and_state(eval_model.weights, ())
    lib_flat, _ = tl.flatten_weights_and_state(library.weights, ())
    assert [w.shape for w in ours_flat] == [w.shape for w in lib_flat]
    library.weights = trax.fastmath.tree_unflatten(list(ours_flat), library.weights)[0]
    logits, target_out = library((source, target))
    ours = np.asarray(eval_model((source, target))[0])
    np.testing.assert_allclose(ours, jax.nn.log_softmax(logits, axis=-1), atol=1e-5)
    np.testing.assert_array_equal(target_out, target)
    # trax's default (output_vocab_size=None) shares one embedding: a weight array fewer
    shared = trax.models.Transformer(V, **TINY, mode="eval")
    shared.init(_sig(source, target))
    assert len(tl.flatten_weights_and_state(shared.weights, ())[0]) == len(ours_flat) - 1


def test_weight_tree_is_the_same_in_every_mode(eval_model):
    source, target = _batch()
    flat_eval = jax.tree_util.tree_structure(eval_model.weights)
    for mode in ("train", "predict"):
        model = ed.Transformer(V, **TINY, mode=mode)
        if mode == "predict":
            _init_predict(model, eval_model.weights, source_len=9, batch_size=3)
        else:
            model.init(_sig(source, target))
        assert jax.tree_util.tree_structure(model.weights) == flat_eval


# --- Predict mode -----------------------------------------------------------------------------

def _shifted(target):
    return np.concatenate([np.zeros((target.shape[0], 1), np.int32), target[:, :-1]], axis=1)


def test_predict_mode_equals_eval_token_by_token_in_chunks_and_after_reset(eval_model, predict):
    """Jitted steps (state threaded through, ComputeOnce via lax.cond) vs the eval model."""
    _, start, step = predict
    source, _ = _batch()
    for length in (1, 3, CACHE):
        _, target = _batch(seed=length, len_tgt=length)
        expected = np.asarray(eval_model((source, target))[0])
        state, steps = start, []                 # reset: a new prompt
        for i in range(length):
            (log_probs, _), state = step(_shifted(target)[:, i:i + 1], state, source)
            steps.append(np.asarray(log_probs))
        np.testing.assert_allclose(np.concatenate(steps, 1), expected, atol=1e-5)
    half = 2                                     # prefill a chunk, then one at a time
    (first, _), state = step(_shifted(target)[:, :half], start, source)
    rest = []
    for i in range(half, length):
        (log_probs, _), state = step(_shifted(target)[:, i:i + 1], state, source)
        rest.append(np.asarray(log_probs))
    np.testing.assert_allclose(np.concatenate([first] + rest, 1), expected, atol=1e-5)


def test_predict_mode_encodes_once_and_replays_the_cache(eval_model, predict):
    """Eager calls (ComputeOnce's Python branch): after the first call the source is unused."""
    model, start, _ = predict
    source, target = _batch(len_tgt=3)
    model.state = start
    first = np.asarray(model((source, _shifted(target)[:, :2]))[0])
    second = np.asarray(model((np.zeros_like(source), target[:, 1:2]))[0])
    expected = np.asarray(eval_model((source, target))[0])
    np.testing.assert_allclose(np.concatenate([first, second], 1), expected, atol=1e-5)


# --- Decoding: Summarizer over an encoder–decoder (greedy / sample / beam) ----------------------

ED_ARGS = dict(vocab_size=V, d_model=16, d_ff=32, n_heads=2, n_layers=1, n_decoder_layers=2,
               dropout=0.0, max_len=32)  # = TINY, with the training config's names


@pytest.fixture(scope="module")
def decoder(eval_model):
    return Summarizer("encoder_decoder", ED_ARGS, eval_model.weights, max_new_tokens=5)


def _sources():
    """Three sources of different lengths (ids ≥ 2, ending in EOS)."""
    source, _ = _batch(seed=4)
    return [list(source[0]) + [EOS], list(source[1, :6]) + [EOS],
            list(source[2, :3]) + [EOS]]


@pytest.fixture(scope="module")
def log_probs_of(eval_model):
    """(source ids, target ids) → log-probs (5, V) of the whole eval model on ONE unpadded
    source; the target is padded to 5 positions (causal: padding after a position never
    changes it). Jitted: one compilation per source length."""
    fn = jax.jit(lambda source, target: eval_model.pure_fn(
        (source, target), eval_model.weights, eval_model.state, jax.random.PRNGKey(0))[0][0])

    def run(source, ids):
        target = np.array([list(ids) + [0] * (5 - len(ids))], np.int32)
        return np.asarray(fn(np.array([source], np.int32), target))[0]
    return run


def _slow_greedy(log_probs_of, source, n):
    """Greedy by re-running the whole model on the growing target: the reference."""
    generated = []
    for _ in range(n):
        generated.append(int(log_probs_of(source, generated)[len(generated)].argmax()))
        if generated[-1] == EOS:
            break
    return generated


def _log_prob(log_probs_of, source, ids):
    log_probs = log_probs_of(source, ids)
    return float(sum(log_probs[t, i] for t, i in enumerate(ids)))


def test_greedy_equals_the_eval_model_for_a_padded_batch(log_probs_of, decoder):
    """One jitted loop for three sources padded to one length = each decoded alone, slowly."""
    sources = _sources()
    fast = decoder.generate(sources, "greedy")
    for source, got in zip(sources, fast):
        assert got == _slow_greedy(log_probs_of, source, 5)
    assert decoder.generate(sources[2:], "greedy") == fast[2:]      # alone = in the batch


def test_beam_search_scores_are_the_models_and_width_1_is_greedy(log_probs_of, decoder):
    sources = _sources()
    assert decoder.generate(sources, "beam", beam_width=1, length_penalty=0.0) == \
        decoder.generate(sources, "greedy")
    beams = decoder.beam_search(sources, beam_width=3, length_penalty=0.0)
    for source, found in zip(sources, beams):
        scores = [score for _, score in found]
        assert len(found) == 3 and scores == sorted(scores, reverse=True)
        for ids, score in found:                     # alpha 0: the score is the log-prob
            assert score == pytest.approx(_log_prob(log_probs_of, source, ids), abs=1e-4)


def test_sampling_is_seeded(decoder):
    sources = _sources()
    runs = [decoder.generate(sources, "sample", temperature=t, seed=s)
            for t, s in ((1.0, 1), (1.0, 1), (3.0, 2))]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_long_sources_are_cut_keeping_eos(decoder):
    long = list(range(2, 40)) + [EOS]                 # 39 ids > max_len 32
    with pytest.warns(TruncationWarning, match="cut to 31"):
        fitted = decoder.fit_prompt(long)
    assert len(fitted) == 32 and fitted[-1] == EOS
    with pytest.raises(UserError, match="--max-new-tokens 32 does not fit the model's 32 "
                                        "target positions"):
        decoder.generate(_sources(), max_new_tokens=32)


# --- Training, data, errors -------------------------------------------------------------------

def test_trains_with_trax_loop_on_source_target_mask_batches(tmp_path):
    """(source, target) → (log_probs, target) fits Loop: its loss is the model's masked
    cross-entropy on (source, target, mask) batches, and training lowers it."""
    from trax.supervised import training

    rng = np.random.RandomState(0)
    source = rng.randint(2, 12, size=(8, 6)).astype(np.int32)
    target = source[:, :4].copy()
    mask = np.ones_like(target, dtype=np.float32)
    mask[:, 3] = 0                                       # a padded position: not in the loss

    def batches():
        while True:
            yield source, target, mask

    model = ed.Transformer(12, d_model=16, d_ff=32, n_heads=2, n_encoder_layers=1,
                           n_decoder_layers=1, dropout=0.0, max_len=16, mode="train")
    task = training.TrainTask(batches(), tl.CrossEntropyLoss(), trax.optimizers.Adam(0.01))
    eval_task = training.EvalTask(batches(), [tl.CrossEntropyLoss()])
    loop = training.Loop(model, task, eval_tasks=[eval_task], output_dir=str(tmp_path),
                         eval_at=lambda step: step in (1, 10))
    loop.run(1)
    log_probs = np.asarray(loop.eval_model((source, target))[0])
    picked = np.take_along_axis(log_probs, target[..., None], axis=-1)[..., 0]
    by_hand = -(picked * mask).sum() / mask.sum()
    losses = [v for _, v in loop.history.get("eval", "metrics/CrossEntropyLoss")]
    assert losses[0] == pytest.approx(by_hand, rel=1e-5)
    loop.run(9)
    losses = [v for _, v in loop.history.get("eval", "metrics/CrossEntropyLoss")]
    assert losses[-1] < losses[0] - 0.2, losses


def test_make_streams_yields_unconcatenated_pairs(tmp_path):
    from trax_models.sources import corpus
    options = dict(n_train=40, n_validation=8, n_test=8, vocab_size=300,
                   data_dir=str(tmp_path))
    corpus.ensure_corpus(**options)
    train, _ = data.make_streams("default", concat=False, max_length=256, boundaries=(128,),
                                 batch_sizes=(4, 2), shuffle_buffer=0, **options)
    source, target, mask = next(train)
    assert source.shape[0] == target.shape[0] == mask.shape[0]
    assert mask.shape == target.shape and target.shape[1] < source.shape[1]
    assert np.all(mask == (target != 0))          # loss on summary + EOS, not padding
    for row in range(source.shape[0]):            # each side ends in EOS, then padding only
        for ids in (source[row], target[row]):
            n = int(np.count_nonzero(ids))
            assert ids[n - 1] == EOS and np.all(ids[n:] == 0)
    lengths = set()                               # padded to a few lengths: few compilations
    for _ in range(20):
        source, target, _ = next(train)
        lengths.add((source.shape[1], target.shape[1]))
        assert target.shape[1] in (16, 32, 64, 128, 256)
    assert len(lengths) <= 4, lengths


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="not divisible"):
        ed.Transformer(V, d_model=10, n_heads=3)
    with pytest.raises(ValueError, match="mode="):
        ed.Transformer(V, mode="decode")

