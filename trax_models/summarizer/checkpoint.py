"""A trained model in one self-contained directory, written so that a kill never corrupts it.

    DIR/config.json     {"model": a registry name, "model_args": its ModelConfig,
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
    save_config(DIR, config, vocab_file)       # copies the vocab in, writes config.json
    write_checkpoint(path, contents) / read_checkpoint(path) -> dict
    flat_weights_of(contents, path) -> [array]

A checkpoint that does not fit the model (another size or vocabulary) is refused with a
``UserError`` that names the weight and both shapes: never a silent re-initialization.
"""
import gzip
import json
import pathlib
import pickle
import shutil

from trax import layers as tl

from trax_models.atomic import atomic_write, atomic_write_text
from trax_models.errors import UserError
from trax_models.predict import init_compiled
from trax_models.summarizer import registry
from trax_models.weights import load_flat_weights

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "CHECKPOINT_FILE", "write_checkpoint",
           "read_checkpoint", "flat_weights_of", "save_config", "load_config", "load_model"]

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.subwords"
CHECKPOINT_FILE = "model.pkl.gz"   # the Loop's basename 'model' + '.pkl.gz'


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
    atomic_write_text(directory / CONFIG_FILE, json.dumps(config, indent=2, sort_keys=True) + "\n")
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
    if not isinstance(config, dict) or "model" not in config or "model_args" not in config:
        raise UserError(f"{path} lacks 'model' or 'model_args' — it is not a training config")
    try:
        registry.kind(config["model"]).config.from_dict(config["model_args"],
                                                        source=f"{path} model_args")
    except (UserError, TypeError) as e:
        raise UserError(f"{e} — restore {path} or retrain") from None
    vocab = config.get("vocab") or {}
    if vocab.get("file"):
        vocab_path = directory / vocab["file"]
        if not vocab_path.is_file():
            raise UserError(f"{directory} lacks its vocabulary {vocab['file']} — copy the "
                            "vocabulary the model was trained with there")
        config["vocab_path"] = str(vocab_path)
    return config


# --- Models ---------------------------------------------------------------------------------

def flat_weights_of(contents, path):
    """The flat weight arrays of a checkpoint's contents (trax's side file when it has one)."""
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
    flat = flat_weights_of(read_checkpoint(path), path)
    kind = registry.kind(config["model"])
    model = kind.build(kind.config.from_dict(config["model_args"]), mode=mode)
    predict = mode == "predict"
    init_compiled(model, kind.signature(batch_size if predict else 1, 1 if predict else 8))
    load_flat_weights(model, flat, path)
    return model, config
