"""Sinusoidal positional encodings: the formula, trax's layer, the relative-position property."""
import math

import numpy as np
import pytest

from trax_models.positional import positional_encoding


@pytest.mark.parametrize("max_len,d_model", [(50, 16), (7, 5), (1, 1)])
def test_matches_the_formula_entry_by_entry(max_len, d_model):
    pe = positional_encoding(max_len, d_model)
    assert pe.shape == (max_len, d_model) and pe.dtype == np.float32
    for pos in range(max_len):
        for j in range(d_model):
            i = j // 2  # columns 2i (sin) and 2i+1 (cos) share the frequency 1/10000^(2i/d)
            angle = pos / 10000 ** (2 * i / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[pos, j] == pytest.approx(expected, abs=1e-6), (pos, j)


def test_equals_the_weights_trax_positional_encoding_starts_from():
    from trax import layers as tl
    from trax import shapes
    layer = tl.PositionalEncoding(max_len=64, mode="eval")
    layer.init(shapes.ShapeDtype((1, 8, 32)))
    np.testing.assert_allclose(np.asarray(layer.weights).reshape(64, 32),
                               positional_encoding(64, 32), atol=1e-6)


def test_dot_product_depends_on_the_offset_only():
    pe = positional_encoding(200, 64).astype(np.float64)
    for k in (0, 1, 5, 30):
        dots = [pe[p] @ pe[p + k] for p in range(0, 150, 7)]
        np.testing.assert_allclose(dots, dots[0], atol=1e-4)  # = Σ_i cos(k·ω_i), k fixed
    assert pe[10] @ pe[10] > pe[10] @ pe[11] > pe[10] @ pe[13]  # nearer = more similar


@pytest.mark.parametrize("args", [(0, 8), (8, 0), (8.5, 8), (-1, 4), (True, 4)])
def test_bad_sizes_raise_one_clear_error(args):
    with pytest.raises(ValueError, match="positive integer"):
        positional_encoding(*args)


def test_plot_has_three_panels(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from trax_models.positional import plot_positional_encoding
    fig = plot_positional_encoding(max_len=20, d_model=8, dims=(0, 1))
    assert len(fig.axes) == 5  # three panels + two colorbars
    fig.savefig(tmp_path / "pe.png")
    assert (tmp_path / "pe.png").stat().st_size > 1000
