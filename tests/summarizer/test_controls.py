"""The generation controls no_repeat_ngram_size and repetition_penalty (greedy, sampling, beam),
inside the jitted loops, on a tiny random TransformerLM whose greedy output loops; both count
the GENERATED summary only, never the prompt."""
import jax
import numpy as np
import pytest
from trax import shapes

from trax_models.errors import UserError
from trax_models.model import TransformerLM
from trax_models.summarizer import cli, generate
from trax_models.summarizer import config as rules
from trax_models.summarizer.generate import DEFAULT_COPY, Summarizer
from trax_models.summarizer.sampling import controls

ARGS = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=2, n_heads=2, dropout=0.0, max_len=96)
MAX_NEW = 12


@pytest.fixture(scope="module")
def tiny():
    model = TransformerLM(**ARGS, mode="eval")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(3))
    forward = jax.jit(lambda x, w: model.pure_fn(x, w, model.state, model.rng)[0])
    return (lambda x: np.asarray(forward(x, model.weights))[0],
            Summarizer("transformer_lm", ARGS, model.weights, max_new_tokens=MAX_NEW))


@pytest.fixture(scope="module")
def prompts():
    rs = np.random.RandomState(0)
    return [list(rs.randint(2, ARGS["vocab_size"], size=n)) + [1, 0] for n in (5, 13, 9, 13)]


def repeated_ngrams(ids, n):
    grams = [tuple(ids[j:j + n]) for j in range(len(ids) - n + 1)]
    return len(grams) - len(set(grams))


def reference_adjust(logp, generated, n, r):
    """The controls in plain Python: ``generated`` = the summary so far (no prompt)."""
    logp = logp.copy()
    if r != 1:
        for t in set(generated):
            logp[t] = logp[t] * np.float32(r) if logp[t] < 0 else logp[t] / np.float32(r)
    if n and len(generated) >= n:
        tail = generated[len(generated) - n + 1:]
        for j in range(len(generated) - n + 1):
            if generated[j:j + n - 1] == tail:
                logp[generated[j + n - 1]] = -np.inf
    return logp


def _logps(forward, prompt, ids):
    """The eval model's log-probs of the position after prompt + ids[:i], for every i."""
    x = np.zeros((1, 64), np.int32)
    x[0, :len(prompt) + len(ids)] = prompt + ids
    logp = forward(x)  # causal: the padding changes nothing
    return [logp[len(prompt) + i] for i in range(len(ids) + 1)]


def reference_greedy(forward, prompt, n, r):
    ids = []
    while len(ids) < MAX_NEW and (not ids or ids[-1] != 1):
        ids.append(int(np.argmax(reference_adjust(_logps(forward, prompt, ids)[-1], ids, n, r))))
    return ids


def test_controls_on_hand_made_rows():
    adjust = controls(2, True)
    generated = np.array([[5, 6, 5, 9, 9], [1, 2, 3, 4, 5]], np.int32)  # slots ≥ index: ignored
    out = np.asarray(adjust(np.full((2, 10), -1.0, np.float32), generated, np.array([3, 4]),
                            2.0))
    assert out[0].tolist() == [-1, -1, -1, -1, -1, -2, -np.inf, -1, -1, -1]  # 5,6 seen; 5→6 banned
    assert out[1].tolist() == [-1, -2, -2, -2, -2, -1, -1, -1, -1, -1]  # no earlier 4→x bigram
    assert controls(0, False) is None  # off: nothing added to the loop


def test_without_controls_the_tiny_model_loops_and_outputs_are_unchanged(tiny, prompts):
    _, decoder = tiny
    greedy = decoder.generate(prompts)
    assert all(repeated_ngrams(ids, 2) > 0 for ids in greedy)  # it loops
    before = set(generate._LOOPS)
    assert decoder.generate(prompts, no_repeat_ngram_size=0, repetition_penalty=1.0) == greedy
    assert decoder.generate(prompts, no_repeat_ngram_size=MAX_NEW + 1) == greedy  # cannot repeat
    sample = dict(method="sample", temperature=0.5, seed=4)
    assert (decoder.generate(prompts, **sample, no_repeat_ngram_size=0, repetition_penalty=1)
            == decoder.generate(prompts, **sample))
    beams = decoder.beam_search(prompts, beam_width=3)
    assert decoder.beam_search(prompts, beam_width=3, no_repeat_ngram_size=0,
                               repetition_penalty=1.0) == beams  # ids and scores, exactly
    new = set(generate._LOOPS) - before  # off: the very programs without the controls
    assert new and all(key[-3:-1] == (0, False) for key in new)


@pytest.mark.parametrize("n", [2, 3])
def test_no_repeat_ngram_greedy_matches_the_reference(tiny, prompts, n):
    forward, decoder = tiny
    out = decoder.generate(prompts, no_repeat_ngram_size=n)
    assert any(repeated_ngrams(ids, n) for ids in decoder.generate(prompts))  # loops without
    for prompt, ids in zip(prompts, out):
        assert repeated_ngrams(ids, n) == 0
        assert ids == reference_greedy(forward, prompt, n, 1.0)


def test_no_repeat_ngram_sampling(tiny, prompts):
    _, decoder = tiny
    batch = prompts * 4  # 16 rows, each its own random stream
    free = decoder.generate(batch, method="sample", temperature=0.3, seed=2)
    assert sum(repeated_ngrams(ids, 2) > 0 for ids in free) >= 4  # low temperature: loops
    out = decoder.generate(batch, method="sample", temperature=0.3, seed=2,
                           no_repeat_ngram_size=2)
    assert all(repeated_ngrams(ids, 2) == 0 for ids in out)
    assert out == decoder.generate(batch, method="sample", temperature=0.3, seed=2,
                                   no_repeat_ngram_size=2)  # still reproducible


def test_no_repeat_ngram_beam_and_scores_are_adjusted_sums(tiny, prompts):
    forward, decoder = tiny
    assert any(repeated_ngrams(b[0][0], 2) for b in decoder.beam_search(prompts, beam_width=3))
    alpha, r = 0.6, 1.5
    results = decoder.beam_search(prompts, beam_width=3, length_penalty=alpha,
                                  no_repeat_ngram_size=2, repetition_penalty=r)
    for prompt, beams in zip(prompts, results):
        assert beams and [s for _, s in beams] == sorted((s for _, s in beams), reverse=True)
        for ids, score in beams:
            assert repeated_ngrams(ids, 2) == 0
            logps = _logps(forward, prompt, ids)
            total = sum(reference_adjust(logps[i], ids[:i], 2, r)[t] for i, t in enumerate(ids))
            assert score == pytest.approx(total / ((5 + len(ids)) / 6) ** alpha, abs=1e-3)
    best = decoder.generate(prompts, method="beam", beam_width=3, length_penalty=alpha,
                            no_repeat_ngram_size=2, repetition_penalty=r)
    assert best == [b[0][0] for b in results]


def test_repetition_penalty_changes_a_looping_greedy_output(tiny, prompts):
    forward, decoder = tiny
    greedy = decoder.generate(prompts)
    out = decoder.generate(prompts, repetition_penalty=1.5)
    assert out != greedy
    assert sum(map(repeated_ngrams, out, [2] * 4)) < sum(map(repeated_ngrams, greedy, [2] * 4))
    for prompt, ids in zip(prompts, out):
        assert ids == reference_greedy(forward, prompt, 0, 1.5)
    # the prompt is not penalised: the first token is greedy's even when the prompt holds it
    strong = decoder.generate(prompts, repetition_penalty=50.0)  # same program (r is traced)
    assert any(g[0] in p for g, p in zip(greedy, prompts))
    assert [ids[0] for ids in strong] == [ids[0] for ids in greedy]


@pytest.mark.parametrize("options, message", [
    ({"no_repeat_ngram_size": 1}, "no_repeat_ngram_size=1 must be 0"),
    ({"no_repeat_ngram_size": -2}, "no_repeat_ngram_size=-2"),
    ({"no_repeat_ngram_size": 2.5}, "no_repeat_ngram_size=2.5"),
    ({"repetition_penalty": 0.5}, "repetition_penalty=0.5 must be a finite number ≥ 1"),
    ({"repetition_penalty": float("nan")}, "repetition_penalty=nan"),
    ({"repetition_penalty": float("inf")}, "repetition_penalty=inf"),
])
@pytest.mark.parametrize("method", ["greedy", "sample", "beam"])
def test_bad_control_values_are_user_errors(tiny, prompts, options, message, method):
    _, decoder = tiny
    with pytest.raises(UserError, match=message):
        decoder.generate(prompts[:1], method=method, **options)


@pytest.mark.parametrize("flags, message", [
    (["--no-repeat-ngram-size", "1"], "--no-repeat-ngram-size=1 must be 0 (off) or an integer ≥ 2"),
    (["--no_repeat_ngram_size", "-3"], "--no-repeat-ngram-size=-3 must be"),
    (["--repetition-penalty", "0.9"], "--repetition-penalty=0.9 must be a finite number ≥ 1"),
    (["--repetition_penalty", "nan"], "--repetition-penalty=nan must be"),
])
@pytest.mark.parametrize("command", ["summarize", "evaluate"])
def test_bad_control_flags_are_one_error_line(tmp_path, capsys, flags, message, command):
    from trax_models.__main__ import main
    article = tmp_path / "a.txt"
    article.write_text("An article.")
    assert main([command, "--checkpoint", str(tmp_path / "none"), *flags, str(article)]
                if command == "summarize" else
                [command, "--checkpoint", str(tmp_path / "none"), *flags]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0], err


def test_control_flags_reach_every_method():
    args = cli.summarize_parser().parse_args(["--checkpoint", "x", "--no_repeat_ngram_size", "3",
                                              "--repetition-penalty", "1.2"])
    rules.check_decoding(args)
    for method in ("greedy", "sample", "beam"):
        args.method = method
        options = cli._decoding_options(args)
        assert options["no_repeat_ngram_size"] == 3 and options["repetition_penalty"] == 1.2


def test_summarize_cli_with_controls(tmp_path, capsys, make_checkpoint, news_texts):
    from trax_models.__main__ import main
    make_checkpoint(tmp_path)
    article = tmp_path / "a.txt"
    article.write_text(news_texts[0])
    assert main(["summarize", "--checkpoint", str(tmp_path), "--max-new-tokens", "8",
                 "--no-repeat-ngram-size", "2", "--repetition_penalty", "1.3", str(article)]) == 0
    expected = Summarizer.from_checkpoint(tmp_path, copy=DEFAULT_COPY).summarize(
        news_texts[:1], max_new_tokens=8, no_repeat_ngram_size=2, repetition_penalty=1.3)
    assert capsys.readouterr().out.strip() == expected[0].strip()
