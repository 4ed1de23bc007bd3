"""Sinusoidal positional encodings ("Attention Is All You Need", section 3.5).

    PE(pos, 2i)   = sin(pos / 10000^(2i / d_model))
    PE(pos, 2i+1) = cos(pos / 10000^(2i / d_model))

Each pair of dimensions (2i, 2i+1) is a sine/cosine of one frequency; frequencies fall
geometrically from 1 (period 2π positions) to 1/10000 (period ≈ 62,832 positions). For any
offset k, PE(pos + k) is a fixed rotation of PE(pos) in each pair, so a model can read relative
positions from dot products, and PE(pos)·PE(pos + k) depends on k only.

``tl.PositionalEncoding`` (used by every model in this package) initializes its (trainable)
weights to exactly this matrix; ``tests/test_positional.py`` checks both against the formula.
"""
import numpy as np

__all__ = ["positional_encoding", "plot_positional_encoding"]


def positional_encoding(max_len, d_model):
    """The sinusoidal positional-encoding matrix.

    Args:
      max_len: number of positions (rows), ≥ 1.
      d_model: encoding width (columns), ≥ 1; an odd width ends with a sine column.

    Returns:
      np.ndarray (max_len, d_model) float32: row ``pos``, column ``2i`` is
      sin(pos / 10000^(2i/d_model)), column ``2i+1`` is cos(pos / 10000^(2i/d_model)).
    """
    for name, value in (("max_len", max_len), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"positional_encoding: {name} must be a positive integer, "
                             f"got {value!r}")
    position = np.arange(max_len, dtype=np.float64)[:, None]            # (max_len, 1)
    two_i = np.arange(0, d_model, 2, dtype=np.float64)                  # (ceil(d/2),)
    angle = position / np.power(10000.0, two_i / d_model)               # (max_len, ceil(d/2))
    pe = np.zeros((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, :d_model // 2])
    return pe.astype(np.float32)


def plot_positional_encoding(max_len=100, d_model=128, dims=(0, 1, 10, 11, 40, 41)):
    """Figure for Lab 2: the encoding matrix, a few of its columns, and PE·PEᵀ.

    Left: heatmap of ``positional_encoding(max_len, d_model)`` (position × dimension).
    Middle: the columns ``dims`` against position (fast and slow sines/cosines).
    Right: the dot products PE(p)·PE(q) (max_len × max_len): a band along the diagonal,
    the same along every diagonal — similarity depends on the distance p − q only.

    Returns:
      matplotlib.figure.Figure.
    """
    import matplotlib.pyplot as plt

    pe = positional_encoding(max_len, d_model)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    image = axes[0].imshow(pe, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
    axes[0].set(title=f"PE ({max_len} positions × {d_model} dims)", xlabel="dimension",
                ylabel="position")
    fig.colorbar(image, ax=axes[0])
    for d in dims:
        if d < d_model:
            axes[1].plot(pe[:, d], label=f"dim {d} ({'sin' if d % 2 == 0 else 'cos'})")
    axes[1].set(title="columns of PE", xlabel="position", ylabel="value")
    axes[1].legend(fontsize=8)
    image = axes[2].imshow(pe @ pe.T, cmap="viridis")
    axes[2].set(title="PE(p) · PE(q)", xlabel="position q", ylabel="position p")
    fig.colorbar(image, ax=axes[2])
    fig.tight_layout()
    return fig
