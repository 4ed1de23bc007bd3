"""The course's custom tl.Fn layer."""
import numpy as np
from trax import shapes

from trax_models.layers import Addition


def test_addition_layer_adds_two_inputs():
    layer = Addition()
    assert layer.name == "Addition" and layer.n_in == 2 and layer.n_out == 1
    x, y = np.array([[1.0, 2.0]]), np.array([[10.0, 20.0]])
    layer.init((shapes.signature(x), shapes.signature(y)))
    np.testing.assert_array_equal(layer((x, y)), [[11.0, 22.0]])

