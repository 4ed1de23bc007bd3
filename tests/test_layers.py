"""The course's custom tl.Fn layer and the single-example batch helpers."""
import jax
import numpy as np
from trax import shapes

from trax_models.layers import Addition, add_batch_axis, log_probs_at


def test_addition_layer_adds_two_inputs():
    layer = Addition()
    assert layer.name == "Addition" and layer.n_in == 2 and layer.n_out == 1
    x, y = np.array([[1.0, 2.0]]), np.array([[10.0, 20.0]])
    layer.init((shapes.signature(x), shapes.signature(y)))
    np.testing.assert_array_equal(layer((x, y)), [[11.0, 22.0]])


def test_add_batch_axis():
    batch = add_batch_axis([5, 6, 7, 0])
    assert isinstance(batch, jax.Array)
    assert batch.shape == (1, 4) and batch.dtype == np.int32
    np.testing.assert_array_equal(batch[0], [5, 6, 7, 0])


def test_log_probs_at_reads_one_position():
    output = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    np.testing.assert_array_equal(log_probs_at(output, 1), output[0, 1])
    np.testing.assert_array_equal(log_probs_at(output, 2, example=1), output[1, 2])
