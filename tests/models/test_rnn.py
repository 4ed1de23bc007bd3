"""RNN/GRU/LSTM language models: shapes, causality, predict mode, parameter count, the tanh
cell against NumPy, and training under trax's own Loop."""
import numpy as np
import pytest
from trax import shapes

from trax_models.models.rnn import CELLS, RNNLM, RNNCell, rnn_lm_params
from trax_models.weights import count_weights

V, D, B, L = 13, 8, 2, 6


def _model(cell, mode='eval', n_layers=1):
    model = RNNLM(V, D, n_layers, cell=cell, mode=mode)
    model.init(shapes.ShapeDtype((B, L), np.int32))
    return model


def _tokens(seed=0):
    return np.random.default_rng(seed).integers(1, V, size=(B, L)).astype(np.int32)


@pytest.mark.parametrize("cell", CELLS)
def test_shapes_log_probs_and_param_count(cell):
    model = _model(cell, n_layers=2)
    out = np.asarray(model(_tokens()))
    assert out.shape == (B, L, V)
    np.testing.assert_allclose(np.exp(out).sum(-1), 1.0, atol=1e-5)   # log-probabilities
    assert count_weights(model.weights) == rnn_lm_params(V, D, 2, cell)


@pytest.mark.parametrize("cell", CELLS)
def test_causal_no_leak(cell):
    """Changing token j changes no output at positions ≤ j (ShiftRight + left-to-right scan),
    but does change position j + 1."""
    model = _model(cell)
    x = _tokens()
    base = np.asarray(model(x))
    for j in range(L - 1):
        y = x.copy()
        y[:, j] = x[:, j] % (V - 1) + 1             # another token in [1, V)
        out = np.asarray(model(y))
        np.testing.assert_array_equal(out[:, :j + 1], base[:, :j + 1])
        assert np.abs(out[:, j + 1] - base[:, j + 1]).max() > 0


@pytest.mark.parametrize("cell", CELLS)
def test_predict_mode_one_token_at_a_time_equals_eval(cell):
    eval_model = _model(cell)
    predict = RNNLM(V, D, 1, cell=cell, mode='predict')
    predict.init(shapes.ShapeDtype((B, 1), np.int32))
    predict.weights = eval_model.weights
    start = predict.state
    x = _tokens(1)
    want = np.asarray(eval_model(x))
    shifted = np.concatenate([np.zeros((B, 1), np.int32), x[:, :-1]], axis=1)  # predict: no shift
    for _ in range(2):                               # twice: resetting the state works
        predict.state = start
        got = np.concatenate([np.asarray(predict(shifted[:, i:i + 1])) for i in range(L)], 1)
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_rnn_cell_matches_numpy():
    cell = RNNCell(4)
    x = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    h = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    cell.init((shapes.signature(x), shapes.signature(h)))
    w, b = (np.asarray(a) for a in cell.weights)
    out, new_h = cell((x, h))
    want = np.tanh(np.concatenate([x, h], -1) @ w + b)
    np.testing.assert_allclose(np.asarray(out), want, atol=1e-6)
    np.testing.assert_allclose(np.asarray(new_h), want, atol=1e-6)


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="choose one of rnn, gru, lstm"):
        RNNLM(V, D, cell='transformer')
    with pytest.raises(ValueError, match="n_layers"):
        RNNLM(V, D, n_layers=0)


def test_trains_under_trax_loop_with_cross_entropy(tmp_path):
    """The LM plugs into trax's Loop + tl.CrossEntropyLoss (it ends in LogSoftmax): the loss is
    positive and falls on a copy-the-previous-token task."""
    import trax
    from trax import layers as tl
    from trax.supervised import training

    def batches():
        rng = np.random.default_rng(0)
        while True:
            x = rng.integers(2, V, size=(8, 1)).repeat(L, axis=1).astype(np.int32)
            yield x, x, np.ones_like(x, dtype=np.float32)

    task = training.TrainTask(batches(), tl.CrossEntropyLoss(), trax.optimizers.Adam(0.02))
    eval_task = training.EvalTask(batches(), [tl.CrossEntropyLoss()], n_eval_batches=1)
    loop = training.Loop(RNNLM(V, D, 1, cell='gru'), task, eval_tasks=[eval_task],
                         output_dir=str(tmp_path), eval_at=lambda step: step in (1, 40))
    loop.run(40)
    history = loop.history.get('eval', 'metrics/CrossEntropyLoss')
    first, last = history[0][1], history[-1][1]
    assert 0 < last < first
