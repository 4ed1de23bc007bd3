"""Weights as flat lists of arrays: count them, check their shapes, put them into a model.

    count_weights(layer_or_weights) -> int        # scalars in every weight array
    weight_names(layer) -> [str]                  # one layer name per flat weight array
    check_weight_shapes(model, flat, source)      # UserError naming the first misfit
    load_flat_weights(model, flat, source)        # checked, re-nested into model's tree

A trax model's weights are a nested tuple tree; ``tl.flatten_weights_and_state`` gives its
arrays in a fixed order. Two models whose trees differ but whose flat lists agree (the course's
``TransformerLM``, Lab 2's decoder, ``trax.models.TransformerLM``) share checkpoints through
these functions.
"""
import numpy as np
from trax import fastmath
from trax import layers as tl
from trax.layers import base as layer_base

from trax_models.errors import UserError

__all__ = ["flat_weights", "count_weights", "weight_names", "check_weight_shapes",
           "load_flat_weights"]

_HINT = ("Use the model settings the weights were trained with (the checkpoint names them), "
         "or start a new --output_dir; with the same settings, the checkpoint holds an older "
         "layout of this model's weights: retrain it.")


def flat_weights(layer_or_weights):
    """The weight arrays of a layer (or of a weight tree), in trax's flat order."""
    weights = getattr(layer_or_weights, "weights", layer_or_weights)
    return list(tl.flatten_weights_and_state(weights, ())[0])


def count_weights(layer_or_weights):
    """Number of scalars in all weight arrays of a layer or a weight tree."""
    return sum(int(np.size(w)) for w in flat_weights(layer_or_weights))


def weight_names(layer):
    """One name per flat weight array of ``layer`` (the innermost layer's class name)."""
    if layer.sublayers:
        return [name for sub in layer.sublayers for name in weight_names(sub)]
    return [type(layer).__name__] * len(flat_weights(layer))


def _shape(x):
    return tuple(np.shape(x))


def check_weight_shapes(model, flat, source):
    """Raise UserError unless ``flat`` (weights from ``source``) fits the initialized ``model``.

    The message names the first weight that differs and both shapes, e.g. "Embedding weight
    #0 has shape (3000, 64) in the checkpoint but (4000, 64) in the model being built".
    """
    expected = flat_weights(model)
    names = weight_names(model)
    if len(names) != len(expected):  # layers that do not expose sublayers: index only
        names = ["weight"] * len(expected)
    if len(expected) != len(flat):
        raise UserError(f"{source} does not fit the model: the checkpoint holds {len(flat)} "
                        f"weight arrays but the model has {len(expected)} (another number of "
                        f"layers?). {_HINT}")
    for i, (name, want, got) in enumerate(zip(names, expected, flat)):
        if _shape(want) != _shape(got):
            raise UserError(f"{source} does not fit the model: {name} weight #{i} has shape "
                            f"{_shape(got)} in the checkpoint but {_shape(want)} in the model "
                            f"being built. {_HINT}")


def load_flat_weights(model, flat, source="the weights"):
    """Set the initialized ``model``'s weights from a flat list (shapes checked first)."""
    flat = [np.asarray(w) for w in flat]
    check_weight_shapes(model, flat, source)
    model.weights, _ = fastmath.tree_unflatten(
        flat, model.weights,
        copy_from_tree=[layer_base.EMPTY_WEIGHTS, layer_base.GET_WEIGHTS_FROM_CACHE])
    return model.weights
