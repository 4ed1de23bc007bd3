"""Evaluation (ROUGE vs Lead-3, the evaluate CLI) and the attention heatmaps."""
import json

import jax
import numpy as np
import pytest
from trax import shapes

from trax_models.errors import UserError
from trax_models.model import TransformerLM
from trax_models.models.pointer import PointerTransformerLM
from trax_models.summarizer import attention_plot, baselines, evaluate, metrics
from trax_models.summarizer.generate import Summarizer

from .conftest import TEXTS

ARGS = dict(vocab_size=30, d_model=16, d_ff=32, n_layers=2, n_heads=2, dropout=0.0, max_len=32)


# --- Attention heatmaps -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lm():
    model = TransformerLM(**ARGS, mode="eval")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(5))
    return model


def test_attention_weights_are_causal_distributions(lm):
    tokens = np.random.RandomState(0).randint(2, 30, size=11)
    w = attention_plot.attention_weights(lm, tokens)
    assert w.shape == (2, 2, 11, 11)  # (layers, heads, L, L)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)  # every row a distribution
    assert np.all(np.triu(w, k=1) == 0)  # no attention to the future
    assert np.all(np.diagonal(w, axis1=-2, axis2=-1) > 0)
    assert not np.allclose(w[0], w[1])  # each layer its own


def test_attention_weights_reproduce_the_model_output(lm):
    """Re-running the model with the plotted weights gives the model's log-probs: they are the
    weights the layers computed (on the residual stream they were fed)."""
    tokens = np.random.RandomState(1).randint(2, 30, size=(1, 9))
    w = attention_plot.attention_weights(lm, tokens)
    top = lm.sublayers  # ShiftRight, Embedding, Dropout, PosEnc, blocks…, LN, Dense, LogSoftmax
    x = tokens
    for layer in top[:4]:
        x = layer(x)
    for i in range(ARGS["n_layers"]):
        attention_residual, ff_residual = top[4 + 2 * i], top[5 + 2 * i]
        norm, attention, _ = attention_residual.sublayers[0].sublayers[1].sublayers[1].sublayers
        qkv, dot_product, heads_out, dense_out = attention.sublayers
        assert dot_product.name == "DotProductAttn"
        _, _, v = qkv(norm(x))  # (heads, L, d_head)
        x = x + dense_out(heads_out(np.einsum("hqk,hkd->hqd", w[i], np.asarray(v))))
        x = ff_residual(x)
    for layer in top[4 + 2 * ARGS["n_layers"]:]:
        x = layer(x)
    np.testing.assert_allclose(np.asarray(x), np.asarray(lm(tokens)), atol=1e-4)


def test_a_pointer_lm_plots_the_attention_of_its_body(lm):
    """pointer_lm (make train's model) = TransformerLM's body + a pointer head: with the
    LM's body weights, its heatmaps are the LM's."""
    pointer = PointerTransformerLM(**ARGS, mode="eval")  # fast blocks: the LM's weights
    pointer.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(6))
    body = pointer.sublayers[1].sublayers[1].sublayers[1]  # Embedding … blocks … LayerNorm
    top = lm.sublayers  # ShiftRight, Embedding, Dropout, PosEnc, blocks…, LN, Dense, LogSoftmax
    assert len(body.sublayers) == len(top[1:-2])
    for mine, theirs in zip(body.sublayers, top[1:-2]):
        mine.weights = theirs.weights
    fast = PointerTransformerLM(**ARGS, mode="eval")  # what make train's checkpoint runs
    fast.init(shapes.ShapeDtype((1, 8), np.int32))
    fast.weights = pointer.weights
    tokens = np.random.RandomState(2).randint(2, 30, size=10)
    expected = attention_plot.attention_weights(lm, tokens)
    for model in (pointer, fast):
        np.testing.assert_allclose(attention_plot.attention_weights(model, tokens), expected,
                                   atol=1e-5)


def test_plot_attention_writes_png(tmp_path, lm):
    w = attention_plot.attention_weights(lm, [5, 6, 7, 1, 0, 8])
    path = attention_plot.plot_attention(w, ["<s>", "a", "b", "c", "<EOS>", "<sep>"],
                                         tmp_path / "att.png", title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="labels"):
        attention_plot.plot_attention(w, ["a"], tmp_path / "bad.png")


# --- summarize_and_score and the evaluate CLI ---------------------------------------------------

@pytest.fixture(scope="module")
def ckpt(tmp_path_factory, make_checkpoint):
    directory = tmp_path_factory.mktemp("eval_ckpt")
    make_checkpoint(directory)
    return directory


def _pairs(n, texts=tuple(TEXTS)):
    return [(f"{texts[i % 3]} {texts[(i + 1) % 3]} More news follows.", texts[i % 3])
            for i in range(n)]


def test_summarize_and_score_figures(ckpt, capsys):
    decoder = Summarizer.from_checkpoint(ckpt, max_new_tokens=6)
    pairs = _pairs(5)
    results = evaluate.summarize_and_score(decoder, iter(pairs), n_articles=4, n_samples=2,
                                             max_new_tokens=6, batch_size=2)
    articles, refs = [a for a, _ in pairs[:4]], [r for _, r in pairs[:4]]
    generated = decoder.summarize(articles, max_new_tokens=6, batch_size=2)
    assert results["n"] == 4
    assert [s["generated"] for s in results["samples"]] == generated[:2]
    expected = metrics.rouge(generated, refs)
    lead3 = metrics.rouge(baselines.summarize("lead3", articles), refs)
    for key in metrics.ROUGE_TYPES:
        assert results[key] == pytest.approx(expected[key], abs=1e-4)
        assert results["lead3"][key] == pytest.approx(lead3[key], abs=1e-4)
        low, high = results["ci95"][key]
        assert low - 1e-4 <= results[key] <= high + 1e-4
    # Lead-3, Lead-1 and the lead at the summary's length by default
    assert set(results["baselines"]) == {"lead3", "lead1", "lead_equal"}
    assert results["baselines"]["lead3"] == results["lead3"]
    for g, a in zip(generated, articles):  # the lead at the summary's length: as many words
        assert len(baselines.lead_words(a, len(g.split())).split()) == max(1, len(g.split()))
    assert results["lead3"]["rouge1"] > 0.5  # the reference is the article's first sentence
    out = capsys.readouterr().out
    assert out.count("--- held-out sample") == 2 and "Lead-3 baseline" in out
    with pytest.raises(UserError, match="no \\(article, summary\\) pairs"):
        evaluate.summarize_and_score(decoder, [])


def _main(argv):
    from trax_models.__main__ import main
    return main(argv)


def test_evaluate_cli_writes_table_and_json(ckpt, tmp_path, capsys):
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"article": a, "summary": s}) + "\n"
                            for a, s in _pairs(30)))
    out_json = tmp_path / "eval.json"
    assert _main(["evaluate", "--checkpoint", str(ckpt), "--data", str(data), "--n", "3",
                  "--max-new-tokens", "5", "--samples", "1", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    results = json.loads(out_json.read_text())
    assert results["n"] == 3 and results["split"] == "validation"
    assert f"{results['lead3']['rouge1']:.3f}" in out and "rougeLsum" in out
    assert set(results["baselines"]) == {"lead3", "lead1", "textrank", "lexrank",
                                         "lead_equal"}  # the CLI's default
    for name in ("TextRank (sumy)", "LexRank (sumy)", "Lead-3 baseline"):
        assert name in out
    for key in metrics.ROUGE_TYPES:
        assert 0.0 <= results[key] <= 1.0
        assert 0.0 <= results["baselines"]["textrank"][key] <= 1.0


def test_evaluate_cli_writes_no_file_unasked(ckpt, tmp_path, capsys, monkeypatch):
    """Without --json: the table only; nothing in the checkpoint folder (it was
    eval_validation.json) nor in the working directory."""
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"article": a, "summary": s}) + "\n"
                            for a, s in _pairs(30)))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.name for p in ckpt.iterdir())
    assert _main(["evaluate", "--checkpoint", str(ckpt), "--data", str(data), "--n", "2",
                  "--max-new-tokens", "4", "--samples", "0", "--baselines", "lead3"]) == 0
    captured = capsys.readouterr()
    assert "rougeLsum" in captured.out and "results:" not in captured.err
    assert sorted(p.name for p in ckpt.iterdir()) == before
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "pairs.jsonl", "work"]


def test_evaluate_cli_on_cnn_dm_sample(ckpt, tmp_path, cnn_dm_sample, capsys):
    """Real CNN/DM pairs (truncated to the tiny model's max_len, with a note)."""
    out_json = tmp_path / "cnn.json"
    assert _main(["evaluate", "--checkpoint", str(ckpt), "--data", str(cnn_dm_sample),
                  "--summary_key", "highlights", "--n", "2", "--max-new-tokens", "4",
                  "--samples", "0", "--json", str(out_json)]) == 0
    results = json.loads(out_json.read_text())
    assert results["n"] == 2 and results["truncated"] == 2  # 600-word articles, max_len 96
    assert results["lead3"]["rouge1"] > 0.1
    assert "articles cut to fit" in capsys.readouterr().out


def test_evaluate_cli_errors(ckpt, tmp_path, capsys):
    cases = [
        (["--checkpoint", str(tmp_path / "nope")], "does not exist"),
        (["--checkpoint", str(ckpt), "--data", str(tmp_path / "missing.jsonl")], "no such file"),
        (["--checkpoint", str(ckpt), "--n", "-1"], "must be"),
        (["--checkpoint", str(ckpt), "--baselines", "lead3,oracle"], "--baselines oracle"),
    ]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    cases.append((["--checkpoint", str(ckpt), "--data", str(empty)], str(empty)))
    for argv, message in cases:
        assert _main(["evaluate", *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:") and message in err[0], err
