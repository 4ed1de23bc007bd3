"""trax_models.models.pointer: the pointer-generator LM — a distribution, causal, predict = train
step by step, its head's weights by name (a checkpoint of the positional layout is refused)."""
import pathlib

import jax
import numpy as np
import pytest
from trax import shapes
from trax.fastmath import numpy as jnp

from trax_models.errors import UserError
from trax_models.model import DecoderBlock, PositionalEncoder, init_predict
from trax_models.models import pointer
from trax_models.summarizer.generate import Summarizer
from trax_models.weights import flat_weights, load_flat_weights

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
    # reference: the eval model, greedy one token at a time (one padded length: the model is
    # causal, so the pads after position len(seq) change nothing there)
    width = max(len(p) for p in prompts) + 8
    for p, out in zip(prompts, greedy):
        seq = list(p)
        ref = []
        for _ in range(len(out)):
            x = np.array([seq + [0] * (width - len(seq))], np.int32)
            tok = int(np.argmax(np.asarray(eval_model(x))[0, len(seq)]))
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
    w = head.weights
    # every weight that shapes the pointer from the seeded NumPy generator, not from the layer's
    # init (whose values depend on jax's PRNG settings, which other tests change)
    w_q = jnp.asarray(rng.normal(size=(d, d)) * 4, jnp.float32)  # sharp pointers
    w_k, w_p = (jnp.asarray(rng.normal(size=(d, d)) / np.sqrt(d), jnp.float32) for _ in range(2))
    head.weights = dict(w, w_query=w_q, w_key=w_k, w_key_prev=w_p,
                        w_gate=jnp.zeros_like(w["w_gate"]), b_gate=jnp.full((1,), -60.0),
                        beta=jnp.full((1,), beta, jnp.float32),
                        w_gate_context=jnp.zeros_like(w["w_gate_context"]))
    out = np.asarray(head((tokens, h)))[0]  # (n, n + 2) log-probs
    k = np.asarray(jnp.dot(h, w_k) + jnp.dot(jnp.pad(h[:, :-1], ((0, 0), (1, 0), (0, 0))), w_p))[0]
    e = np.asarray(jnp.dot(h, w_q))[0] @ k.T / np.sqrt(d)
    e = np.where(np.tril(np.ones((n, n), bool)), e, -np.inf)
    return out.argmax(-1) - 2, e


def test_continuation_term_moves_the_previous_pointer_one_position_on():
    chosen, e = _copy_only_head(beta=1e4)
    for t in range(1, len(chosen)):
        previous = int(np.argmax(e[t - 1]))  # b_{t-1}: where position t-1 points, bonus aside
        assert chosen[t] == previous + 1, (t, chosen[t], previous)
    without, e0 = _copy_only_head(beta=0.0)
    assert list(without) == [int(np.argmax(row)) for row in e0]  # β = 0: the plain pointer
    assert list(without) != list(chosen)  # the term changes the choice


def test_token_match_points_at_the_continuation_of_a_copy():
    """With the learned scores and the continuation term off (Wq = 0, β = 0), the γ terms
    alone point at the key after an earlier occurrence of what was just written; the
    two-token match breaks the tie where only the last token recurs."""
    # x: 0 is ShiftRight's pad; the "article" 5 7 8 | 3 7 9 | 4, then the copy so far 3 7
    tokens = jnp.array([[0, 5, 7, 8, 3, 7, 9, 4, 3, 7]], jnp.int32)
    n, d = tokens.shape[1], 8
    head = pointer.PointerHead(vocab_size=12, mode="eval")
    h = jnp.asarray(np.random.default_rng(0).normal(size=(1, n, d)), jnp.float32)
    head.init((shapes.signature(tokens), shapes.signature(h)))
    w = head.weights

    def copy_choice(g1, g2):
        head.weights = dict(w, w_query=jnp.zeros_like(w["w_query"]),
                            w_gate=jnp.zeros_like(w["w_gate"]), b_gate=jnp.full((1,), -60.0),
                            beta=jnp.zeros_like(w["beta"]), gamma=jnp.array([g1, g2]),
                            w_gate_context=jnp.zeros_like(w["w_gate_context"]),
                            kappa=jnp.zeros_like(w["kappa"]))
        return np.asarray(head((tokens, h)))[0].argmax(-1)  # the token copied at each t

    # at t = 9 (just wrote 7 after 3): keys after a 7 hold 8 (s = 3) and 9 (s = 6); the
    # one-token match scores both, the two-token match (3 7) only 9
    assert copy_choice(20.0, 20.0)[9] == 9
    one_only = np.asarray(jax.nn.softmax(
        pointer._token_match(tokens, jnp.arange(n)[:, None], jnp.array([1.0, 0.0]))[0, 9]))
    assert one_only[3] == one_only[6] > one_only[0]
    # at t = 2 (just wrote 7, never written before): no key it may see (s ≤ 2) matches
    np.testing.assert_array_equal(
        np.asarray(pointer._token_match(tokens, jnp.arange(n)[:, None], jnp.ones(2)))[0, 2, :3],
        np.zeros(3))
    # a pad query (t = 0) never matches the pad that precedes it
    assert float(pointer._token_match(tokens, jnp.arange(n)[:, None], jnp.ones(2))[0, 0].sum()) == 0


def test_gate_reads_the_copy_context():
    """g_t = sigmoid(h_t·wg + c_t·wc + bg): with wg = 0, what the pointer lands on opens or
    shuts the copy. Two keys follow a 7 and differ only in their hidden state; the two-token
    match sends the pointer to one or the other, and wc along one of them copies from it."""
    n, d = 10, 4
    head = pointer.PointerHead(vocab_size=12, mode="eval")
    h = np.zeros((1, n, d), np.float32)
    h[0, 3, 0] = 1.0   # the key s = 3 (token 8, after 5 7) stands out
    # the article 5 7 8 | 6 7 9 | 4, then the last two tokens written (set below)
    tokens = jnp.array([[0, 5, 7, 8, 6, 7, 9, 4, 0, 0]], jnp.int32)
    head.init((shapes.signature(tokens), shapes.signature(jnp.asarray(h))))
    w = head.weights
    wc = np.zeros((d, 1), np.float32)
    wc[0, 0] = -40.0  # context along h_3 → gate logit −40: copy

    def probs(last_two):
        x = tokens.at[0, 8:].set(jnp.array(last_two))
        head.weights = dict(w, w_vocab=jnp.zeros_like(w["w_vocab"]),
                            w_query=jnp.zeros_like(w["w_query"]),
                            w_gate=jnp.zeros_like(w["w_gate"]), b_gate=jnp.zeros((1,)),
                            beta=jnp.zeros_like(w["beta"]), gamma=jnp.array([0.0, 30.0]),
                            w_gate_context=jnp.asarray(wc), kappa=jnp.zeros_like(w["kappa"]))
        return np.exp(np.asarray(head((x, jnp.asarray(h))))[0, 9])  # p(· | t = 9)

    on_h3 = probs([5, 7])       # (5 7) was followed by 8 at s = 3
    elsewhere = probs([6, 7])   # (6 7) was followed by 9 at s = 6, where h = 0
    assert on_h3[8] > 0.99                                  # gate shut: copy the 8
    assert abs(elsewhere[9] - (0.5 + 0.5 / 12)) < 0.01      # gate at ½: half copy ...
    assert abs(elsewhere[8] - 0.5 / 12) < 0.01              # ... half a uniform vocabulary


def test_coverage_counts_what_the_summary_already_wrote():
    """_coverage[t, s] = how often x_s occurs among the summary tokens up to t (after the
    prompt's EOS; SEP/pads not counted), and κ makes the pointer leave a token once written."""
    # prompt 0 | 5 6 5 7 | EOS SEP | summary 6 5 ...
    tokens = jnp.array([[0, 5, 6, 5, 7, 1, 0, 6, 5, 9]], jnp.int32)
    n = tokens.shape[1]
    cov = np.asarray(pointer._coverage(tokens, jnp.arange(n)[:, None], 12))[0]
    assert not cov[:7].any()                     # nothing written before the summary starts
    np.testing.assert_array_equal(cov[7, :5], [0, 0, 1, 0, 0])  # 6 written: key s = 2 (a 6)
    np.testing.assert_array_equal(cov[8, :5], [0, 1, 1, 1, 0])  # then 5: keys 1 and 3 too
    # with κ large, a copy-only pointer at t = 8 avoids the 5s and the 6 it has written
    head = pointer.PointerHead(vocab_size=12, mode="eval")
    h = jnp.zeros((1, n, 4), jnp.float32)
    head.init((shapes.signature(tokens), shapes.signature(h)))
    w = dict(head.weights, w_gate=jnp.zeros_like(head.weights["w_gate"]),
             b_gate=jnp.full((1,), -60.0),                           # gate shut: copy only
             beta=jnp.zeros((1,)), gamma=jnp.zeros((2,)))            # no β, no γ: uniform
    for kappa, copied in ((0.0, {5: 2 / 5, 6: 1 / 5, 7: 1 / 5, 0: 1 / 5}), (50.0, {7: 1 / 2, 0: 1 / 2})):
        head.weights = dict(w, kappa=jnp.full((1,), kappa))
        p = np.exp(np.asarray(head((tokens, h)))[0, 8])  # keys s ≤ 4 (the prompt): 0 5 6 5 7
        for tok, want in copied.items():
            assert abs(p[tok] - want) < 1e-3, (kappa, tok, p[tok])


def test_coverage_of_one_decoding_step_matches_the_full_sequence():
    """Predict mode's one-query path (a count per token id) gives the rows of the parallel one."""
    rng = np.random.default_rng(3)
    tokens = rng.integers(2, 9, (3, 16)).astype(np.int32)
    tokens[:, 6] = 1                 # the prompt's EOS ...
    tokens[:, 7] = 0                 # ... SEP
    tokens[1, 12:] = 0               # a padded row
    tokens = jnp.asarray(tokens)
    full = np.asarray(pointer._coverage(tokens, jnp.arange(16)[:, None], 9))
    assert full.any()
    for t in range(16):
        one = np.asarray(pointer._coverage(tokens, jnp.array([[t]]), 9))
        np.testing.assert_array_equal(one[:, 0], full[:, t])


def _lm_batch(seed=4, batch=3):
    """An LM batch with a prompt (article, EOS) so that the pointer has a source to copy."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(2, 12, (batch, L)).astype(np.int32)  # few ids: copies hit targets
    tokens[:, 6] = 1
    tokens[1, 10:] = 0                                         # a padded row
    weights = np.where(np.arange(L) > 6, 1.0, 0.1)[None].repeat(batch, 0).astype(np.float32)
    weights[tokens == 0] = 0.0
    return tokens, tokens.copy(), weights


def test_fused_loss_is_cross_entropy_of_the_log_probs_with_its_gradients():
    """train's PointerCrossEntropy on head='parts' = tl.CrossEntropyLoss on the log-probs, in
    value and in every weight's gradient: the copy term at the target included."""
    from trax import layers as tl
    batch = _lm_batch()
    full = tl.Serial(pointer.PointerTransformerLM(**ARGS, mode="eval"), tl.CrossEntropyLoss())
    fused = tl.Serial(pointer.PointerTransformerLM(**ARGS, mode="eval", head="parts"),
                      pointer.PointerCrossEntropy())
    full.init(shapes.signature(batch), rng=jax.random.PRNGKey(2))
    fused.init(shapes.signature(batch), rng=jax.random.PRNGKey(3))
    fused.sublayers[0].weights = full.sublayers[0].weights

    def loss(model):
        return lambda w: model.pure_fn(batch, w, model.state, jax.random.PRNGKey(0))[0]
    (want, want_grad), (got, got_grad) = (jax.value_and_grad(loss(m))(m.weights)
                                          for m in (full, fused))
    assert float(want) > 0
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6)
    for g_full, g_fused in zip(jax.tree_util.tree_leaves(want_grad),
                               jax.tree_util.tree_leaves(got_grad)):
        np.testing.assert_allclose(np.asarray(g_fused), np.asarray(g_full), atol=2e-6, rtol=1e-4)
    # the copy term carries weight here: the loss without it is another number
    logits, gate, attention, tokens = fused.sublayers[0](batch[0])
    no_copy = pointer.pointer_cross_entropy(logits, gate, jnp.zeros_like(attention), tokens,
                                            *batch[1:])
    assert abs(float(no_copy) - float(want)) > 1e-2


def test_parts_mix_to_the_log_probs(eval_model):
    parts_model = pointer.PointerTransformerLM(**ARGS, mode="eval", head="parts")
    x = _lm_batch(batch=2)[0]
    parts_model.init(shapes.signature(x))
    parts_model.weights = eval_model.weights
    np.testing.assert_allclose(np.asarray(pointer.pointer_log_probs(*parts_model(x))),
                               np.asarray(eval_model(x)), atol=1e-6)


def _course_pointer_lm(vocab_size, d_model, d_ff, n_layers, n_heads, dropout, max_len, mode):
    """PointerTransformerLM on the course's own layers (model.DecoderBlock), built here: what the
    package's blocks (fast_model.DecoderBlock) must compute."""
    from trax import layers as tl
    body = [PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),
            [DecoderBlock(d_model, d_ff, n_heads, dropout, mode, tl.Relu)
             for _ in range(n_layers)],
            tl.LayerNorm()]
    return tl.Serial(tl.ShiftRight(mode=mode), tl.Branch(tl.Select([0]), body),
                     pointer.PointerHead(vocab_size, mode=mode))


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_the_blocks_compute_the_course_blocks(mode):
    """The model's blocks (fast in train/eval) have the course blocks' weight tree and, with
    dropout 0, their outputs: one checkpoint, one ``.weights`` for every mode."""
    x = _lm_batch(batch=2)[0]
    course = _course_pointer_lm(**{**ARGS, "n_layers": 2}, mode=mode)
    fast = pointer.PointerTransformerLM(**{**ARGS, "n_layers": 2}, mode=mode)
    course.init(shapes.signature(x), rng=jax.random.PRNGKey(5))
    fast.init(shapes.signature(x), rng=jax.random.PRNGKey(6))
    assert (jax.tree_util.tree_structure(fast.weights)
            == jax.tree_util.tree_structure(course.weights))
    fast.weights = course.weights
    np.testing.assert_allclose(np.asarray(fast(x)), np.asarray(course(x)), atol=1e-5)


def test_unknown_head_or_option_is_refused():
    with pytest.raises(ValueError, match="use one of"):
        pointer.PointerTransformerLM(**ARGS, head="probs")
    with pytest.raises(TypeError):  # the course-blocks option for one A/B is gone
        pointer.PointerTransformerLM(**ARGS, blocks="course")


def test_head_weights_are_a_dict_by_name_in_sorted_order(eval_model):
    """The head's weights are named (``weight_shapes``), built sorted so that trax (insertion
    order) and JAX (sorted keys) flatten them alike: a checkpoint's last 11 arrays, by name."""
    head = eval_model.sublayers[-1]
    d, v = ARGS["d_model"], ARGS["vocab_size"]
    want = pointer.weight_shapes(d, v)
    assert list(head.weights) == sorted(want) == list(want)
    assert {k: tuple(w.shape) for k, w in head.weights.items()} == want
    flat = flat_weights(eval_model)[-len(want):]
    assert [tuple(np.shape(w)) for w in flat] == list(want.values())
    # what an optimizer gets back from JAX (a sorted dict) flattens in the same order
    rebuilt = jax.tree_util.tree_map(lambda w: w, head.weights)
    assert list(rebuilt) == list(head.weights)
    # every ablated term names a weight of the head
    from benchmarks.ablate_pointer import TERMS
    assert set(TERMS.values()) <= set(want)


def test_positional_weights_are_refused_by_name():
    head = pointer.PointerHead(vocab_size=12, mode="eval")
    tokens, h = jnp.zeros((1, 4), jnp.int32), jnp.zeros((1, 4, 8), jnp.float32)
    head.init((shapes.signature(tokens), shapes.signature(h)))
    head.weights = tuple(head.weights.values())
    with pytest.raises(Exception, match=r"weights must be a dict of \['b_gate', 'b_vocab'"):
        head((tokens, h))


# The head's weights before they were named (6 Dec 2026), in their positional order. Only this
# test knows it: the package has no conversion (such checkpoints are refused, retrain them).
POSITIONAL = ("w_vocab", "b_vocab", "w_query", "w_key", "w_key_prev", "w_gate", "b_gate", "beta",
              "gamma", "w_gate_context", "kappa")
GOLDEN = pathlib.Path(__file__).parent / "data" / "pointer_positional_weights.npz"
GOLDEN_ARGS = dict(vocab_size=37, d_model=16, d_ff=32, n_layers=1, n_heads=2, dropout=0.0,
                   max_len=32)


def _relaid(flat_positional):
    """A flat weight list of the positional layout (head last) → the named layout's."""
    body, head = flat_positional[:-len(POSITIONAL)], flat_positional[-len(POSITIONAL):]
    named = dict(zip(POSITIONAL, head))
    return list(body) + [named[k] for k in sorted(named)]


def _golden():
    """(flat weights, positional layout; tokens (2, 24); and what the positional head computed
    with them at commit 7797f8e: log-probs, gate, attention). The tokens hold a prompt, its EOS,
    SEP and a summary that repeats the prompt, so every term of the head is at work."""
    data = np.load(GOLDEN)
    flat = [data[k] for k in sorted(k for k in data.files if k.startswith("w"))]
    return flat, data


def test_positional_weights_relaid_into_names_give_the_same_outputs():
    """A checkpoint trained before the weights were named computes, re-laid into names, exactly
    what it computed (log-probs, gate and attention, bit for bit)."""
    flat, data = _golden()
    tokens = data["tokens"]
    model = pointer.PointerTransformerLM(**GOLDEN_ARGS, mode="eval")
    model.init(shapes.signature(tokens))
    load_flat_weights(model, _relaid(flat))
    np.testing.assert_array_equal(np.asarray(model(tokens)), data["log_probs"])
    parts = pointer.PointerTransformerLM(**GOLDEN_ARGS, mode="train", head="parts")
    parts.init(shapes.signature(tokens))
    parts.weights = model.weights
    _, gate, attention, _ = parts(tokens)
    np.testing.assert_array_equal(np.asarray(gate), data["gate"])
    np.testing.assert_array_equal(np.asarray(attention), data["attention"])


@pytest.mark.parametrize("prefill", [1, 5, 14])
def test_predict_step_by_step_equals_the_train_forward_pass(prefill):
    """Predict mode (a prefill, then one token a step: the cache, the per-id coverage count)
    gives the train-mode forward pass's log-probabilities and attention on the same tokens, with
    every term of the head at work (the golden weights: β, γ, κ, Wp, wc non-zero; a prompt, its
    EOS and a summary that repeats it)."""
    flat, data = _golden()
    tokens = data["tokens"]
    batch, length = tokens.shape
    train = pointer.PointerTransformerLM(**GOLDEN_ARGS, mode="train", head="parts")
    train.init(shapes.signature(tokens))
    load_flat_weights(train, _relaid(flat))
    logits, gate, attention, source = train(tokens)
    full = np.asarray(pointer.pointer_log_probs(logits, gate, attention, source))
    predict = pointer.PointerTransformerLM(**GOLDEN_ARGS, mode="predict", head="parts")
    predict.state = init_predict(predict, train.weights, batch_size=batch)
    x = _shifted(tokens)
    steps = [x[:, :prefill]] + [x[:, i:i + 1] for i in range(prefill, length)]
    got_log_probs, got_attention = [], []
    for step in steps:
        parts = predict(step)
        got_log_probs.append(np.asarray(pointer.pointer_log_probs(*parts)))
        got_attention.append(np.asarray(parts[2])[:, :, :length])  # keys past the tokens: 0
    np.testing.assert_allclose(np.concatenate(got_log_probs, 1), full, atol=1e-4)
    np.testing.assert_allclose(np.concatenate(got_attention, 1), np.asarray(attention),
                               atol=1e-5)


def _shifted(tokens):
    return np.concatenate([np.zeros((tokens.shape[0], 1), np.int32), tokens[:, :-1]], 1)


def test_a_checkpoint_of_the_positional_layout_is_refused_with_a_user_error(tmp_path):
    """pointer_lm trains (Adam over the named weights), saves and loads; its checkpoint with
    the head in the positional order of before 6 Dec 2026 — or the 8 or 10 head arrays of before
    2 Dec — is refused with one UserError, not loaded into the wrong weights."""
    from trax_models.sources.vocab import build_vocab
    from trax_models.summarizer import checkpoint
    from trax_models.summarizer.config import TrainConfig
    from trax_models.summarizer.loop import make_loop
    from trax_models.summarizer.streams import synthetic_batches
    config = TrainConfig(output_dir=str(tmp_path / "run"), model="pointer_lm", d_model=16,
                         d_ff=32, n_layers=1, n_heads=2, lr=0.01, eval_batches=1, max_length=32,
                         seed=3, dropout=0.0, steps=2, warmup_steps=1, checkpoint_every=2,
                         eval_every=100)
    vocab, _ = build_vocab(["a tiny vocabulary"], tmp_path / "v.subwords", target_size=30)
    loop = make_loop(config, config.model_config(40), synthetic_batches(seed=1),
                     synthetic_batches(seed=2),
                     fingerprint=checkpoint.describe("pointer_lm", config.model_config(40), vocab))
    loop.run(config.steps)
    checkpoint.save_config(config.output_dir, {"data": {}, "train": {}}, vocab)
    model, _ = checkpoint.load_model(config.output_dir)
    head = model.sublayers[-1].weights
    assert list(head) == sorted(head)
    assert not np.allclose(np.asarray(head["beta"]), 3.0)  # trained: Adam moved every weight
    path = tmp_path / "run" / checkpoint.CHECKPOINT_FILE
    contents = checkpoint.read_checkpoint(path)
    flat = [np.asarray(w) for w in contents["flat_weights"]]
    named = dict(zip(sorted(head), flat[-len(head):]))
    positional = flat[:-len(head)] + [named[k] for k in POSITIONAL]
    for old in (positional, positional[:-1], positional[:-3]):
        checkpoint.write_checkpoint(path, dict(contents, flat_weights=old))
        with pytest.raises(UserError, match="does not fit the model"):
            checkpoint.load_model(config.output_dir)


@pytest.mark.parametrize("term", ["prev_key", "continuation", "token_match", "gate_context",
                                  "coverage"])
def test_the_ablation_zeroes_its_terms_weight_by_name(term, monkeypatch):
    """benchmarks/ablate_pointer.py's ``remove(term)``: the head computes what it computes with
    that one named weight at zero (and the term mattered here)."""
    from benchmarks import ablate_pointer
    flat, data = _golden()
    tokens = _shifted(data["tokens"])
    model = pointer.PointerTransformerLM(**GOLDEN_ARGS, mode="eval")
    model.init(shapes.signature(tokens))
    load_flat_weights(model, _relaid(flat))
    head = model.sublayers[-1]
    head_inputs = (jnp.asarray(tokens), jnp.asarray(np.random.default_rng(1).normal(
        size=(*tokens.shape, GOLDEN_ARGS["d_model"])), jnp.float32))
    full = np.asarray(head(head_inputs))
    name = ablate_pointer.TERMS[term]
    weights = head.weights
    head.weights = dict(weights, **{name: jnp.zeros_like(weights[name])})
    want = np.asarray(head(head_inputs))
    head.weights = weights
    monkeypatch.setattr(pointer.PointerHead, "parts", pointer.PointerHead.parts)  # undone after
    ablate_pointer.remove(term)
    np.testing.assert_array_equal(np.asarray(head(head_inputs)), want)
    assert not np.allclose(want, full, atol=1e-4)
    assert head.weights is weights  # the patch reads the weight as zero, it does not keep it
