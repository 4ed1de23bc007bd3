"""A trained model in one self-contained directory, written so that a kill never corrupts it.

    DIR/config.json     {"model": "transformer_lm" | "encoder_decoder", "model_args": {...},
                         "vocab": {"file": "vocab.subwords"}, "data": {...}, "train": {...}}
    DIR/vocab.subwords  copy of the vocabulary the model was trained with
    DIR/model.pkl.gz    the Loop checkpoint: weights, optimizer slots, step, history, RNG key
                        and data position, in ONE file (trax's own Loop spreads them over three
                        files written one after the other; a kill between them leaves a set
                        that does not belong together)
    (plus the Loop's train/ eval/ TensorBoard event files, config.gin, loss_curve.png)

Every file here is written atomically: to a temporary file in the same directory, flushed
and fsync'ed, then renamed over the old one (and the directory fsync'ed). A reader sees the
old file or the new one, never half of one.

API::

    load_config(DIR) -> dict
    load_model(DIR, mode='eval'|'train'|'predict', batch_size=1) -> (model, config)
    build_model(config, mode) -> model (uninitialized)
    save_config(DIR, config, vocab_file)       # copies the vocab in, writes config.json
    write_checkpoint(path, contents) / read_checkpoint(path) -> dict
    check_weight_shapes(model, flat_weights, source)   # UserError naming both shapes

A checkpoint that does not fit the model (another size or vocabulary) is refused with a
``UserError`` that names the weight and both shapes: never a silent re-initialization.
"""
import gzip
import importlib
import json
import os
import pathlib
import pickle
import shutil

import numpy as np

import trax_models  # noqa: F401  (compat first)
from trax import fastmath
from trax import layers as tl
from trax import shapes
from trax.layers import base as layer_base

from trax_models.errors import UserError

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "CHECKPOINT_FILE", "MODELS", "atomic_write",
           "write_checkpoint", "read_checkpoint", "save_config", "load_config", "build_model",
           "weight_names", "check_weight_shapes", "load_model"]

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.subwords"
CHECKPOINT_FILE = "model.pkl.gz"   # the Loop's basename 'model' + '.pkl.gz'

# config["model"] → "module:function" building the model from config["model_args"] + mode.
MODELS = {
    "transformer_lm": "trax_models.model:TransformerLM",
    "encoder_decoder": "trax_models.encoder_decoder:EncoderDecoder",
}


# --- Atomic files ---------------------------------------------------------------------------

def _fsync_dir(directory):
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write):
    """Write a file so that readers see the old or the new content, never a part.

    Args:
      path: destination file.
      write: function(binary file object) that writes the content.
    """
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX when tmp and path share a file system
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def write_checkpoint(path, contents, compresslevel=2):
    """Pickle ``contents`` (a dict of NumPy arrays and Python values) gzipped, atomically."""
    def write(f):
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=compresslevel) as gz:
            pickle.dump(contents, gz, protocol=pickle.HIGHEST_PROTOCOL)
    atomic_write(path, write)


def read_checkpoint(path):
    """The dict ``write_checkpoint`` (or trax's Loop) saved in ``path``; UserError if unreadable."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserError(f"no checkpoint at {path} — train one first (python -m trax_models "
                        "train --output_dir DIR) or pass the directory that holds model.pkl.gz")
    try:
        with open(path, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
            return pickle.load(gz)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError) as e:
        raise UserError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e}) — "
                        "delete it to start afresh") from None


# --- Config and vocabulary ------------------------------------------------------------------

def save_config(directory, config, vocab_file=None):
    """Write ``config.json`` (and a copy of ``vocab_file`` as ``vocab.subwords``) into directory.

    ``config["vocab"]`` is set to ``{"file": "vocab.subwords"}`` (relative to the directory) when
    a vocabulary is given, so the directory is self-contained.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = dict(config)
    if vocab_file is not None:
        vocab_file = pathlib.Path(vocab_file)
        target = directory / VOCAB_FILE
        if vocab_file.resolve() != target.resolve():
            with open(vocab_file, "rb") as src:
                atomic_write(target, lambda f: shutil.copyfileobj(src, f))
        config["vocab"] = {"file": VOCAB_FILE, "source": str(vocab_file)}
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    atomic_write(directory / CONFIG_FILE, lambda f: f.write(text.encode()))
    return config


def load_config(directory):
    """The ``config.json`` of a checkpoint directory, with ``vocab_path`` (absolute) added.

    Raises:
      UserError: the directory, its config.json or its vocabulary is missing or unreadable.
    """
    directory = pathlib.Path(directory).expanduser()
    if not directory.is_dir():
        raise UserError(f"checkpoint directory {directory} does not exist — pass the "
                        "--output_dir of a training run")
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise UserError(f"{directory} has no {CONFIG_FILE} — it is not a checkpoint directory "
                        "written by `python -m trax_models train`")
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path} is not valid JSON ({e}) — restore it or retrain") from None
    for key in ("model", "model_args"):
        if key not in config:
            raise UserError(f"{path} lacks {key!r} — it is not a training config")
    vocab = config.get("vocab") or {}
    if vocab.get("file"):
        vocab_path = directory / vocab["file"]
        if not vocab_path.is_file():
            raise UserError(f"{directory} lacks its vocabulary {vocab['file']} — copy the "
                            "vocabulary the model was trained with there")
        config["vocab_path"] = str(vocab_path)
    return config


# --- Models ---------------------------------------------------------------------------------

def build_model(config, mode="eval"):
    """The (uninitialized) model ``config`` describes, in ``mode``."""
    name = config["model"]
    if name not in MODELS:
        raise UserError(f"unknown model {name!r} in config — known: {', '.join(sorted(MODELS))}")
    module, function = MODELS[name].split(":")
    return getattr(importlib.import_module(module), function)(**config["model_args"], mode=mode)


def weight_names(layer):
    """One name per flat weight array of ``layer`` (in ``tl.flatten_weights_and_state`` order)."""
    if layer.sublayers:
        return [name for sub in layer.sublayers for name in weight_names(sub)]
    flat, _ = tl.flatten_weights_and_state(layer.weights, ())
    return [type(layer).__name__] * len(flat)


def _shape(x):
    return tuple(np.shape(x))


def check_weight_shapes(model, flat_weights, source):
    """Raise UserError unless ``flat_weights`` (from ``source``) fits the initialized ``model``.

    The message names the first weight that differs and both shapes, e.g. "Embedding weight
    has shape (3000, 64) in the checkpoint but (4000, 64) in the model".
    """
    expected, _ = tl.flatten_weights_and_state(model.weights, ())
    names = weight_names(model)
    if len(names) != len(expected):  # layers that do not expose sublayers: index only
        names = [f"weight {i}" for i in range(len(expected))]
    hint = ("Use the model settings the checkpoint was trained with (its config.json), or "
            "start a new --output_dir.")
    for i, (name, want, got) in enumerate(zip(names, expected, flat_weights)):
        if _shape(want) != _shape(got):
            raise UserError(f"{source} does not fit the model: {name} weight #{i} has shape "
                            f"{_shape(got)} in the checkpoint but {_shape(want)} in the model "
                            f"being built. {hint}")
    if len(expected) != len(flat_weights):
        raise UserError(f"{source} does not fit the model: the checkpoint holds "
                        f"{len(flat_weights)} weight arrays but the model has {len(expected)} "
                        f"(another number of layers?). {hint}")


def _flat_weights(contents, path):
    flat = contents["flat_weights"]
    if isinstance(flat, int):  # trax's three-file format: weights in a side file
        side = str(path)[:-len(".pkl.gz")] + ".weights.npy.gz"
        flat = tl.np_from_file(side, compresslevel=flat)
    return list(flat)


def load_model(directory, mode="eval", batch_size=1, checkpoint_file=CHECKPOINT_FILE):
    """The trained model of a checkpoint directory, weights loaded, and its config.

    Args:
      directory: a directory written by ``python -m trax_models train``.
      mode: 'eval' (full sequences), 'predict' (KV-cache decoding), or 'train'.
      batch_size: predict mode only: the batch the model is initialized for (cache shapes).
      checkpoint_file: file inside ``directory`` (default model.pkl.gz).

    Returns:
      (model, config): model initialized for inputs (batch, length) int32 — in predict mode
      (batch_size, 1); an encoder–decoder for (source (batch, 8), target) — with the
      checkpoint's weights; config as ``load_config`` returns it. (An encoder–decoder's
      predict model depends on the source length: ``decoding.EncoderDecoderDecoder`` builds
      it.)

    Raises:
      UserError: missing/unreadable directory, config, vocab or checkpoint, or a checkpoint
        whose weight shapes differ from the config's model (message names both shapes).
    """
    config = load_config(directory)
    path = pathlib.Path(directory).expanduser() / checkpoint_file
    contents = read_checkpoint(path)
    flat = _flat_weights(contents, path)
    model = build_model(config, mode=mode)
    length = 1 if mode == "predict" else 8
    signature = shapes.ShapeDtype((batch_size if mode == "predict" else 1, length), np.int32)
    if model.n_in == 2:  # encoder–decoder: (source, target); its predict mode: see decoding
        signature = (shapes.ShapeDtype((signature.shape[0], 8), np.int32), signature)
    model.init(signature)
    check_weight_shapes(model, flat, path)
    model.weights, _ = fastmath.tree_unflatten(
        [np.asarray(w) for w in flat], model.weights,
        copy_from_tree=[layer_base.EMPTY_WEIGHTS, layer_base.GET_WEIGHTS_FROM_CACHE])
    return model, config
