"""Fast decoding (Summarizer: greedy, sampling, beam over the KV cache, token for token equal to
the graded greedy_decode) and the summarize CLI."""
import io
import json
import sys
import warnings

import jax
import numpy as np
import pytest
from trax import shapes

from trax_models.decoding import greedy_decode
from trax_models.errors import UserError
from trax_models.model import TransformerLM
from trax_models.summarizer import checkpoint
from trax_models.summarizer.generate import DEFAULT_COPY, Summarizer, TruncationWarning

ARGS = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=2, n_heads=2, dropout=0.0, max_len=96)


@pytest.fixture(scope="module")
def tiny():
    """A tiny TransformerLM (eval mode, random weights) and a Decoder on the same weights."""
    model = TransformerLM(**ARGS, mode="eval")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(3))
    return model, Summarizer("transformer_lm", ARGS, model.weights, max_new_tokens=12)


def _prompts(lengths, seed=0):
    rs = np.random.RandomState(seed)
    return [list(rs.randint(2, ARGS["vocab_size"], size=n)) + [1, 0] for n in lengths]


_FORWARD = {}


def _jitted(model):
    """The eval model as next_symbol calls it, ``model((x, x)) -> (log_probs, x)``, jitted.

    One jitted function per architecture (compiled once per padded length, not per prompt).
    """
    key = str(jax.tree_util.tree_map(np.shape, model.weights))  # models of one architecture
    if key not in _FORWARD:
        _FORWARD[key] = jax.jit(lambda x, w: model.pure_fn(x, w, model.state, model.rng)[0])
    forward = _FORWARD[key]
    return lambda inputs: (forward(inputs[0], model.weights), inputs[1])


def _course_greedy(prompt, model, max_length):
    """greedy_decode's token ids for a prompt (identity tokenize/detokenize)."""
    return greedy_decode(None, _jitted(model), tokenize=lambda _: list(prompt[:-1]),
                         detokenize=list, verbose=False, max_length=max_length)


def test_fast_greedy_equals_greedy_decode_batched(tiny):
    model, decoder = tiny
    prompts = _prompts([5, 13, 9, 13])
    fast = decoder.generate(prompts, max_new_tokens=12)
    for prompt, ids in zip(prompts, fast):
        assert ids == _course_greedy(prompt, model, 12)
    assert decoder.generate([prompts[1]], max_new_tokens=12) == [fast[1]]  # alone = in batch


def test_state_is_reset_per_call(tiny):
    _, decoder = tiny
    a, b = _prompts([7]), _prompts([11], seed=1)
    first = decoder.generate(a)
    decoder.generate(b)
    assert decoder.generate(a) == first


def test_fast_greedy_stops_at_eos():
    """A model whose weights make EOS likely stops early and ends with EOS."""
    model = TransformerLM(**ARGS, mode="eval")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(0))
    weights = jax.tree_util.tree_map(lambda w: w, model.weights)
    bias = np.zeros(ARGS["vocab_size"], np.float32)
    bias[1] = 4.0  # raise EOS's logit: most prompts end after a few tokens
    dense_w, dense_b = weights[-2]
    weights = tuple(weights[:-2]) + ((dense_w, dense_b + bias),) + tuple(weights[-1:])
    model.weights = weights
    decoder = Summarizer("transformer_lm", ARGS, weights, max_new_tokens=12)
    prompts = _prompts([4, 9, 6, 13])
    out = decoder.generate(prompts)
    assert any(ids[-1] == 1 and len(ids) < 12 for ids in out)
    for prompt, ids in zip(prompts, out):
        assert ids == _course_greedy(prompt, model, 12)
        assert 1 not in ids[:-1]


def test_sampling_reproducible_and_temperature_limits(tiny):
    _, decoder = tiny
    prompts = _prompts([6, 10, 3, 12])
    greedy = decoder.generate(prompts)
    s1 = decoder.generate(prompts, method="sample", temperature=1.0, seed=7)
    assert decoder.generate(prompts, method="sample", temperature=1.0, seed=7) == s1
    others = [decoder.generate(prompts, method="sample", temperature=1.0, seed=s)
              for s in (8, 9)]
    assert any(o != s1 for o in others)
    assert decoder.generate(prompts, method="sample", temperature=0.0) == greedy
    assert decoder.generate(prompts, method="sample", temperature=1e-6, seed=3) == greedy


def test_sampling_follows_the_model_distribution(tiny):
    """First sampled token over 2,000 rows ~ softmax of the model's log-probs (temperature 1)."""
    model, decoder = tiny
    prompt = _prompts([6])[0]
    n = 2000
    first = [ids[0] for ids in decoder.generate([prompt] * n, method="sample", seed=1,
                                                max_new_tokens=1)]
    x = np.array(prompt + [0])[None]
    probs = np.exp(np.asarray(model(x))[0, len(prompt)])  # position n predicts token n
    counts = np.bincount(first, minlength=ARGS["vocab_size"]) / n
    assert np.abs(counts - probs).max() < 4 * np.sqrt(probs.max() / n) + 0.01


def _logprob(model, prompt, ids):
    """log P(ids | prompt) under the eval model (right-padded to 64: one compilation)."""
    x = np.zeros((1, 64), np.int32)
    x[0, :len(prompt) + len(ids)] = prompt + ids
    logp = np.asarray(_jitted(model)((x, x))[0])[0]  # causal: the padding changes nothing
    return float(sum(logp[len(prompt) + i, t] for i, t in enumerate(ids)))


def test_beam_width_one_is_greedy(tiny):
    _, decoder = tiny
    prompts = _prompts([5, 12, 8, 2])
    beams = decoder.beam_search(prompts, beam_width=1, length_penalty=0.0)
    assert [b[0][0] for b in beams] == decoder.generate(prompts)


def test_beam_scores_are_the_beams_log_probs_and_best_first(tiny):
    model, decoder = tiny
    prompts = _prompts([5, 11])
    alpha = 0.6
    results = decoder.beam_search(prompts, beam_width=4, length_penalty=alpha)
    for prompt, beams in zip(prompts, results):
        assert 1 <= len(beams) <= 4
        scores = [s for _, s in beams]
        assert scores == sorted(scores, reverse=True)  # returned first = best of the beams
        assert len({tuple(ids) for ids, _ in beams}) == len(beams)  # distinct
        for ids, score in beams:
            expected = _logprob(model, prompt, ids) / ((5 + len(ids)) / 6) ** alpha
            assert score == pytest.approx(expected, abs=1e-3)
    assert decoder.generate(prompts, method="beam", beam_width=4) == [r[0][0] for r in results]


def test_caps_truncate_article_end_with_warning(tiny):
    model, _ = tiny
    decoder = Summarizer("transformer_lm", ARGS, model.weights, max_input_len=12, max_new_tokens=12)
    long_prompt = list(range(2, 32)) + [1, 0]
    with pytest.warns(TruncationWarning, match="cut to 10"):
        fitted = decoder.fit_prompt(long_prompt)
    assert fitted == list(range(2, 12)) + [1, 0]  # the start kept, EOS + SEP kept
    with pytest.warns(TruncationWarning):
        out = decoder.generate([long_prompt])
    assert out == decoder.generate([fitted]) and len(out[0]) <= 12
    # max_len = 96 also caps: 90 + 10 new tokens do not fit
    big = Summarizer("transformer_lm", ARGS, model.weights, max_new_tokens=10)
    with pytest.warns(TruncationWarning):
        assert len(big.fit_prompt(list(range(2, 92)) + [1, 0])) == 86
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big.fit_prompt(list(range(2, 50)) + [1, 0])  # fits: no warning


def test_bad_arguments_are_user_errors(tiny):
    _, decoder = tiny
    with pytest.raises(UserError, match="unknown decoding method"):
        decoder.generate(_prompts([3]), method="nucleus")
    with pytest.raises(UserError, match="temperature"):
        decoder.generate(_prompts([3]), method="sample", temperature=-1)
    with pytest.raises(UserError, match="nothing to decode"):
        decoder.generate([])
    with pytest.raises(UserError, match="beam_width"):
        decoder.beam_search(_prompts([3]), beam_width=0)


# --- The summarize CLI --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ckpt(tmp_path_factory, make_checkpoint):
    directory = tmp_path_factory.mktemp("ckpt")
    return directory, make_checkpoint(directory)


def _main(argv, monkeypatch=None, stdin=None):
    from trax_models.__main__ import main
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_summarize_cli_files_and_stdin(ckpt, news_texts, tmp_path, capsys, monkeypatch):
    directory, model = ckpt
    files = []
    for i, text in enumerate(news_texts[:2]):
        files.append(tmp_path / f"a{i}.txt")
        files[-1].write_text(text)
    assert _main(["summarize", "--checkpoint", str(directory), "--max-new-tokens", "6",
                  *map(str, files)]) == 0
    out = capsys.readouterr().out
    decoder = Summarizer.from_checkpoint(directory, copy=DEFAULT_COPY)  # the CLI's default
    expected = decoder.summarize(news_texts[:2], max_new_tokens=6)
    for f, summary in zip(files, expected):
        assert f"==> {f} <==" in out and summary in out
    assert _main(["summarize", "--checkpoint", str(directory), "--max-new-tokens", "6",
                  "--json", str(files[1]), "-"], monkeypatch, stdin=news_texts[0]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [{k: r[k] for k in ("source", "summary")} for r in records] == [
        {"source": str(files[1]), "summary": expected[1]}, {"source": "-", "summary": expected[0]}]
    assert all(0 <= r["unfamiliar_share"] <= 1 for r in records)
    png = tmp_path / "attention.png"
    assert _main(["summarize", "--checkpoint", str(directory), "--method", "beam",
                  "--beam-width", "2", "--max-new-tokens", "4", "--attention-png", str(png),
                  str(files[0])]) == 0
    beam = decoder.summarize(news_texts[:1], method="beam", beam_width=2, max_new_tokens=4)[0]
    assert capsys.readouterr().out.strip() == beam.strip()
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_summarize_cli_errors(ckpt, tmp_path, capsys, monkeypatch):
    directory, _ = ckpt
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    cases = [
        (["--checkpoint", str(directory), str(empty)], "is empty"),
        (["--checkpoint", str(directory), "-"], "is empty"),
        (["--checkpoint", str(tmp_path / "nope"), str(empty)], "does not exist"),
        (["--checkpoint", str(directory), str(tmp_path / "missing.txt")], "cannot read"),
        (["--checkpoint", str(directory), "--max-new-tokens", "0", str(empty)], "must be"),
    ]
    for argv, message in cases:
        assert _main(["summarize", *argv], monkeypatch, stdin="") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:") and message in err[0], err


def test_summarize_cli_mismatched_checkpoint(tmp_path, capsys, make_checkpoint, news_texts):
    make_checkpoint(tmp_path, d_model=16)
    path = tmp_path / checkpoint.CHECKPOINT_FILE
    contents = checkpoint.read_checkpoint(path)
    contents["model_args"]["d_model"] = 32  # the weights are d_model 16
    checkpoint.write_checkpoint(path, contents)
    text = tmp_path / "a.txt"
    text.write_text(news_texts[0])
    assert _main(["summarize", "--checkpoint", str(tmp_path), str(text)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not fit the model" in err[0] and "16" in err[0]


def test_file_newlines_do_not_change_the_prompt(ckpt, news_texts, tmp_path, capsys):
    """A file's final newline, surrounding blank lines or CRLF line ends give the prompt (and
    so the summary) of the bare text; inner line breaks stay."""
    directory, _ = ckpt
    decoder = Summarizer.from_checkpoint(directory)
    text = news_texts[0] + "\n" + news_texts[1]
    bare = decoder.prompt(text)
    for variant in (text + "\n", "\n\n  " + text + " \n\n", text.replace("\n", "\r\n") + "\r\n"):
        assert decoder.prompt(variant) == bare, repr(variant)
    assert decoder.prompt(news_texts[0] + " " + news_texts[1]) != bare  # the break is kept
    path = tmp_path / "crlf.txt"
    path.write_bytes((text.replace("\n", "\r\n") + "\r\n").encode())
    assert _main(["summarize", "--checkpoint", str(directory), "--max-new-tokens", "6",
                  str(path)]) == 0
    cli = Summarizer.from_checkpoint(directory, copy=DEFAULT_COPY)  # the CLI's decoding
    assert capsys.readouterr().out.strip() == cli.summarize([text], max_new_tokens=6)[0].strip()


@pytest.mark.parametrize("name, why", [("missing/heat.png", "does not exist"),
                                       ("heat.xyz", "ending in .png"), (".", "is a folder")])
def test_attention_png_paths_are_checked_first(ckpt, news_texts, tmp_path, capsys, name, why):
    """One error line before any work, never a matplotlib traceback or a DIR.png (issue #29)."""
    directory, _ = ckpt
    article = tmp_path / "a.txt"
    article.write_text(news_texts[0])
    target = tmp_path / name
    assert _main(["summarize", "--checkpoint", str(directory), "--attention-png", str(target),
                  str(article)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --attention-png") and why in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
