"""The course's example of turning any function into a Trax layer with ``tl.Fn``:
``Addition`` (Lab 2's notebook builds and runs it).
"""

from trax import layers as tl

__all__ = ["Addition"]


def Addition():
    """A two-input layer computing x + y (shapes broadcast), built with ``tl.Fn``.

    ``tl.Fn(name, f)`` reads the number of inputs from f's signature: here 2 → 1.
    """
    layer_name = "Addition"

    def func(x, y):
        return x + y

    return tl.Fn(layer_name, func)

