"""The compare experiment: its synthetic tasks, its measurements, and one end-to-end smoke run
of ``python -m trax_models compare --small`` checking the JSON and plots."""
import json

import numpy as np
import pytest

from trax_models.errors import UserError
from trax_models.experiments.cli import cli
from trax_models.experiments.compare import score_transduction
from trax_models.experiments.tasks import RecallTask, ReversalTask


def test_recall_batch_puts_the_fact_d_tokens_before_the_answer():
    task = RecallTask(30, decoy_rate=0.3)
    tokens, mask, d = task.batch(np.random.default_rng(0), 64, [2, 5, 17, 28])
    assert tokens.shape == (64, 30) and mask[:, -1].all() and mask[:, :-1].sum() == 0
    for row, dist in zip(tokens, d):
        fact = 30 - 1 - dist
        assert row[fact - 1] == task.GREW_UP and row[-2] == task.SPEAK
        assert row[-1] == row[fact] + task.n_countries                 # its language
        assert (row == task.GREW_UP).sum() == 1                        # one real fact
        decoys = row[1:][row[:-1] == task.VISITED]
        assert row[fact] not in decoys.tolist()                        # decoys are other countries
    assert (tokens == task.VISITED).any()
    with pytest.raises(ValueError, match="distances must lie in"):
        task.batch(np.random.default_rng(0), 2, [29])


def test_reversal_batch_and_scoring():
    task = ReversalTask(6)
    src, tgt, mask, n = task.batch(np.random.default_rng(0), 16, [1, 3, 6])
    for s, t, m, k in zip(src, tgt, mask, n):
        assert s[k] == 1 and t[k] == 1 and not s[k + 1:].any() and m.sum() == k + 1
        assert t[:k].tolist() == s[:k][::-1].tolist()
    perfect = score_transduction(tgt, tgt)
    assert perfect["bleu"] == pytest.approx(1.0) and perfect["exact"] == 1.0
    wrong = score_transduction(src, tgt)                     # not reversed: worse
    assert wrong["exact"] < 1.0 and wrong["bleu"] < perfect["bleu"]


def test_bad_parts_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="choose from recall,timing,transduction,summarization"):
        cli(["--size", "smoke", "--parts", "recall,speed", "--out", str(tmp_path)])


def test_compare_small_end_to_end(tmp_path):
    assert cli(["--size", "smoke", "--quiet", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "compare.json").read_text())
    assert {"config", "conditions", "recall", "timing", "transduction", "findings",
            "plots"} <= set(result)

    rec = result["recall"]
    assert set(rec["models"]) == set(result["config"]["recall"]["models"])
    budgets = [m["params"] for m in rec["models"].values()]
    assert max(budgets) / min(budgets) < 1.15                            # equal budgets
    for name, m in rec["models"].items():
        assert set(m["accuracy"]) == {str(d) for d in rec["distances"]}
        assert all(0.0 <= a <= 1.0 for a in m["accuracy"].values())
        assert np.isfinite(m["final_loss"]) and m["final_loss"] < m["loss_curve"][0]
        g = rec["grad_norms"][name]
        assert len(g["init"]) == len(g["distance"]) and all(x >= 0 for x in g["init"])
        assert g["init"][0] > 0                                         # gradient reaches d=1

    tim = result["timing"]
    assert set(tim["models"]) == set(result["config"]["timing"]["models"])
    assert len(tim["load_avg_before"]) == 3
    for m in tim["models"].values():
        assert len(m["seconds"]) == len(tim["lengths"]) and all(s > 0 for s in m["seconds"])

    tr = result["transduction"]
    assert {"seq2seq_bahdanau", "seq2seq_no_attention", "transformer"} <= set(tr["models"])
    for m in tr["models"].values():
        assert all(0.0 <= b <= 1.0 for b in m["bleu"].values())
        assert all(0.0 <= e <= 1.0 for e in m["exact"].values())
    weights = np.array(tr["attention_example"]["weights"])
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-4)

    assert all({"claim", "holds", "evidence"} <= set(f) for f in result["findings"])
    for path in result["plots"].values():
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
