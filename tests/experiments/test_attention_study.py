"""The attention study: its metrics on hand-made alignments, a tiny end-to-end run, the
command line's one-line errors, and monotonic decoding past the input's end."""
import json

import jax
import numpy as np
import pytest
from trax import shapes

from trax_models import __main__ as entry
from trax_models.errors import UserError
from trax_models.experiments import alignment_tasks as at
from trax_models.experiments import attention_study as study
from trax_models.models import attention_family as af
from trax_models.models import seq2seq

METRICS = {"exact", "eos_error", "agreement", "skips", "repeats", "entropy", "focus"}


def _diagonal(T, S):
    return np.eye(T, S)[None]                                   # (1, T, S)


def test_a_perfect_alignment_scores_perfectly():
    lo = hi = np.arange(4)[None]
    m = study.alignment_metrics(_diagonal(4, 6), lo, hi, np.ones((1, 4)))
    assert m == {"agreement": 1.0, "skips": 0.0, "repeats": 0.0, "entropy": 0.0, "focus": 1.0}


def test_a_wrong_alignment_is_caught():
    lo = hi = np.arange(4)[None]
    wrong = _diagonal(4, 6)[:, [0, 2, 1, 3]]                    # steps 1 and 2 swapped: 1 ↔ 2
    stuck = np.zeros((1, 4, 6))
    stuck[..., 0] = 1.0                                          # never moves
    m = study.alignment_metrics(wrong, lo, hi, np.ones((1, 4)))
    assert m["agreement"] == 0.5 and m["skips"] == 0.0 and m["repeats"] == pytest.approx(1 / 3)
    m = study.alignment_metrics(stuck, lo, hi, np.ones((1, 4)))
    assert m["agreement"] == 0.25 and m["skips"] == 0.75
    smear = np.full((1, 4, 4), 0.25)
    m = study.alignment_metrics(smear, lo, hi, np.ones((1, 4)))
    assert m["entropy"] == pytest.approx(np.log(4)) and m["focus"] == 0.25


def test_a_span_counts_once_and_padding_is_ignored():
    lo, hi = np.array([[0, 1, 4, -1]]), np.array([[0, 3, 4, -1]])
    alpha = np.zeros((1, 4, 5))
    alpha[0, [0, 1, 2, 3], [0, 3, 4, 0]] = 1.0                   # inside each span; padding → 0
    m = study.alignment_metrics(alpha, lo, hi, np.array([[1, 1, 1, 0]]))
    assert m["agreement"] == 1.0 and m["skips"] == 0.0 and m["repeats"] == 0.0


def test_exact_match_and_eos_errors():
    tgt = np.array([[3, 4, 1, 0], [5, 1, 0, 0]])
    assert study.exact_match(tgt, tgt) == (1.0, 0.0)
    assert study.exact_match(np.array([[3, 4, 1, 0], [5, 5, 1, 0]]), tgt) == (0.5, 0.5)


def test_tiny_study_every_metric_present_and_in_range(tmp_path):
    models = ["bahdanau", "monotonic", "none", study.TRANSFORMER]
    result = study.run("tiny", tasks=["copy", "inv_recopy"], models=models, quiet=True)
    json.dumps(result)                                            # JSON-ready
    for task, r in result["tasks"].items():
        assert list(r["models"]) == models
        for name, m in r["models"].items():
            assert m["train_seconds"] > 0 and np.isfinite(m["final_loss"])
            assert set(m["by_length"]) == {"5", "8"}
            for length, v in m["by_length"].items():
                want = {"exact", "eos_error"} if name == "none" else METRICS
                assert set(v) == want, (task, name)
                width = at.make_task(task).source_width([int(length)])
                for key, x in v.items():
                    top = np.log(width) + 1e-6 if key == "entropy" else 1.0
                    assert 0.0 <= x <= top, (task, name, length, key, x)
    table = study.markdown(result)
    assert "## copy" in table and "| monotonic |" in table and "align@8" in table
    assert study.estimate_seconds(result, study.CONFIGS["default"]) > 0


def test_transformer_cross_attention_is_a_distribution_over_real_keys():
    task = at.CopyTask()
    model = study._build(study.TRANSFORMER, task.vocab_size, study.CONFIGS["tiny"], 16)
    b = task.batch(np.random.default_rng(0), 3, [3, 5])
    model.init(shapes.signature((b.src, b.tgt)))
    core = model.sublayers[0]
    w = np.asarray(study._cross_attention(core, core.weights, core.state, b.src, b.tgt, 2, 1))
    assert w.shape == (3, b.tgt.shape[1], b.src.shape[1])
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)
    assert np.all(w[np.broadcast_to((b.src == 0)[:, None, :], w.shape)] < 1e-6)


# --- the command line ------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--attention", "bahdanau", "magic"], "unknown attention magic — choose from"),
    (["--tasks", "copy,sort"], "unknown task sort — choose from copy"),
    (["--attention", "monotonic", "location", "--hard"], "--hard decodes only 'monotonic'"),
    (["--hard"], "--hard decodes only 'monotonic'"),
])
def test_cli_errors_are_one_line(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert entry.main(["attention-study", "--size", "tiny", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert not out.exists()                                       # nothing done


def _decoders(layer):
    if isinstance(layer, seq2seq.AttentionDecoder):
        yield layer
    for sub in layer.sublayers:
        yield from _decoders(sub)


def test_scheduled_sampling_reaches_the_rnn_decoder(tmp_path):
    """--scheduled-sampling P: the study's RNN decoders train on their own predictions with
    probability P; the run records it; outside [0, 1] it is refused before anything runs."""
    cfg = dict(study.CONFIGS["tiny"], scheduled_sampling=0.25)
    (decoder,) = _decoders(study._build("bahdanau", 12, cfg, 16))
    assert decoder._own_prob == 0.25
    (teacher,) = _decoders(study._build("bahdanau", 12, study.CONFIGS["tiny"], 16))
    assert teacher._own_prob == 0.0
    out = tmp_path / "out"
    assert entry.main(["attention-study", "--size", "tiny", "--out", str(out), "--tasks", "copy",
                       "--attention", "bahdanau", "--scheduled-sampling", "0.5", "--quiet"]) == 0
    result = json.loads((out / "attention_study.json").read_text())
    assert result["config"]["scheduled_sampling"] == 0.5
    bad = tmp_path / "bad"
    assert entry.main(["attention-study", "--size", "tiny", "--out", str(bad),
                       "--scheduled-sampling", "1.5"]) == 2
    assert not bad.exists()


def test_a_window_wider_than_the_source_cannot_apply():
    with pytest.raises(UserError, match="attention windowed cannot apply: window of half-width"):
        study.check_applicable(["windowed"], ["copy"], [3])
    with pytest.raises(UserError, match="attention local_m cannot apply"):
        study.check_applicable(["local_m"], ["copy"], [4])
    study.check_applicable(["windowed", "local_m"], ["copy"], [5])


# --- monotonic decoding past the input's end: a well-defined stop ----------------------------------

def _monotonic_model(bias):
    model = seq2seq.Seq2Seq(12, 12, 8, 8, "monotonic", mode="eval")
    model.init((shapes.ShapeDtype((2, 4), np.int32), shapes.ShapeDtype((2, 4), np.int32)),
               rng=jax.random.PRNGKey(0))
    decoder = model.sublayers[1]
    w = list(decoder.weights)
    att = list(w[3])
    att[af.param_names("monotonic").index("r")] = np.float32(bias)
    w[3] = tuple(att)
    decoder.weights = tuple(w)
    return model


def test_monotonic_decoding_past_the_end_stops_attending():
    src = np.array([[5, 6, 1, 0], [7, 1, 0, 0]], np.int32)        # 3 and 2 real positions
    _, alpha = seq2seq.decode(_monotonic_model(4.0), src, 20, hard=True)   # 20 ≫ the input
    assert np.isfinite(alpha).all()
    mass = alpha.sum(-1)
    assert set(np.unique(mass)) <= {0.0, 1.0}                     # one position or none
    assert not alpha[np.broadcast_to((src == 0)[:, None, :], alpha.shape)].any()
    for row, m in zip(alpha, mass):
        pos = row.argmax(-1)[m > 0]
        assert (np.diff(pos) >= 0).all()                          # never backwards
    # p > 0.5 everywhere: the first j ≥ the last position is that position — it stays put

    _, soft = seq2seq.decode(_monotonic_model(-4.0), src, 20)     # soft: the mass runs off
    total = soft.sum(-1)
    assert np.isfinite(soft).all() and (total <= 1 + 1e-5).all()
    assert (np.diff(total, axis=1) <= 1e-6).all()                 # never regained
    assert not soft[np.broadcast_to((src == 0)[:, None, :], soft.shape)].any()
