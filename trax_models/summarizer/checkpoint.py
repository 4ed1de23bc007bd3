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
    write_checkpoint(path, contents)
    read_checkpoint(path, for_training=False) -> dict   (SHA-256 verified, structure checked)
    fingerprint(model, model_config, vocab_file) -> dict   (stored in each checkpoint)

A checkpoint that does not fit the model (another size or vocabulary) is refused with a
``UserError`` that names the weight and both shapes: never a silent re-initialization. Every
checkpoint carries the SHA-256 of its content (checked before unpickling: a flipped bit or a
cut file is refused, naming the file) and the fingerprint of the model it belongs to (model
kind, model_args, the vocabulary's SHA-256), compared on load with config.json and
vocab.subwords: a config.json edited to another n_heads is refused, not loaded. The contents
of every checkpoint, of either format, are checked right after unpickling: each key a reader
uses present and of the right type (``_check_contents``), or one ``UserError`` naming the
file and the key. A checkpoint is a pickle, and unpickling can run code: load only checkpoints
you trust like code.
"""
import contextlib
import errno
import fcntl
import gzip
import hashlib
import io
import json
import numbers
import os
import pathlib
import pickle
import re
import shutil
import zlib

import jax
import numpy as np

from trax_models.atomic import atomic_write, atomic_write_text
from trax_models.errors import UserError
from trax_models.predict import init_compiled
from trax_models.sources.vocab import VocabError, load_vocab
from trax_models.summarizer import registry
from trax_models.weights import load_flat_weights

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "CHECKPOINT_FILE", "write_checkpoint",
           "read_checkpoint", "fingerprint", "check_fingerprint",
           "save_config", "load_config", "load_model", "one_writer", "remove_stale_temporaries"]

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.subwords"
CHECKPOINT_FILE = "model.pkl.gz"   # the Loop's basename 'model' + '.pkl.gz'
MAGIC = b"trax_models checkpoint v2 sha256:"


def write_checkpoint(path, contents, compresslevel=2):
    """Pickle ``contents`` (a dict of NumPy arrays and Python values) gzipped, atomically.

    The gzip stream holds ``MAGIC``, the SHA-256 of the pickle (hex) and a newline, then the
    pickle: ``read_checkpoint`` verifies the digest before unpickling anything.
    """
    payload = pickle.dumps(contents, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")

    def write(f):
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=compresslevel) as gz:
            gz.write(MAGIC + digest + b"\n")
            gz.write(payload)
    atomic_write(path, write)


def _damaged(path, why):
    return UserError(f"{path} is not a readable checkpoint: it is damaged ({why}) — restore "
                     f"it from a copy, or delete it and retrain (train --fresh)")


def read_checkpoint(path, for_training=False):
    """The dict ``write_checkpoint`` (or trax's Loop) saved in ``path``, verified.

    The whole gzip stream is read (its CRC-32 and length checked) and, for files written by
    ``write_checkpoint``, the SHA-256 of the pickle compared with the one stored before it.
    trax's own files (no digest) are accepted when the gzip stream is intact. Either way the
    contents must have the structure our readers use (``_check_contents``); trax's
    three-file format has its weights (and, for training, its one task's optimizer slots)
    read from the side files into ``"flat_weights"`` (and ``"slots_per_task"``).

    Args:
      for_training: also require what resuming training reads (step, optimizer slots, model
        state, history); summarizing needs the weights only.

    Raises:
      UserError: no file, a damaged one, or contents of another structure (naming the file,
        what is wrong and what to do).
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserError(f"no checkpoint at {path} — train one first (python -m trax_models "
                        "train --output_dir DIR) or pass the directory that holds model.pkl.gz")
    try:
        with open(path, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
            raw = gz.read()  # to the end: gzip checks its CRC-32 and length there
    except (OSError, EOFError, zlib.error, ValueError) as e:
        raise _damaged(path, f"not an intact gzip file: {type(e).__name__}: {e}") from None
    if raw.startswith(MAGIC):
        header_end = len(MAGIC) + 65
        digest, payload = raw[len(MAGIC):header_end - 1], raw[header_end:]
        if raw[header_end - 1:header_end] != b"\n" or (
                hashlib.sha256(payload).hexdigest().encode("ascii") != digest):
            raise _damaged(path, "its SHA-256 digest does not match its content")
    elif raw.startswith(MAGIC[:8]):
        raise _damaged(path, "its header is broken")
    else:
        payload = raw  # trax's own format: the gzip CRC is all there is
    try:
        contents = pickle.loads(payload)
    except Exception as e:  # any unpickling failure means a damaged (legacy) file
        raise _damaged(path, f"unpickling failed: {type(e).__name__}") from None
    if not isinstance(contents, dict):
        raise _damaged(path, f"it holds a {type(contents).__name__}, not a checkpoint")
    if isinstance(contents.get("flat_weights"), int):  # trax's three-file format
        contents["flat_weights"] = _side_arrays(path, "weights")
    if for_training and isinstance(contents.get("slots_per_task"), int):
        contents["slots_per_task"] = [_side_arrays(path, "opt_slots0")]  # our loops: one task
    _check_contents(contents, path, for_training)
    return contents


def _side_arrays(path, name):
    """The arrays trax's three-file format keeps in ``model.NAME.npy.gz`` beside ``path``, read
    to the end (trax's own reader stops silently at the first array it cannot read)."""
    side = pathlib.Path(str(path)[:-len(".pkl.gz")] + f".{name}.npy.gz")
    if not side.is_file():
        raise UserError(f"{side} is missing: {path} (trax's three-file format) keeps part of its "
                        "contents there — restore it from a copy, or delete them and retrain "
                        "(train --fresh)")
    try:
        with open(side, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
            raw = io.BytesIO(gz.read())
        arrays = []
        while raw.tell() < len(raw.getbuffer()):
            arrays.append(np.load(raw, allow_pickle=False))
    except (OSError, EOFError, zlib.error, ValueError) as e:
        raise _damaged(side, f"{type(e).__name__}: {e}") from None
    return arrays


def _arrays(value, none_too=False):
    """Whether ``value`` is a list or tuple of numeric arrays (or None, where ``none_too``)."""
    return isinstance(value, (list, tuple)) and all(
        (none_too and a is None)
        or (isinstance(a, (np.ndarray, jax.Array)) and a.dtype.kind in "biufcV")  # V: bfloat16
        for a in value)


def _history(value):
    """Whether ``value`` is trax's ``History.to_dict()``: {'_values': {mode: {metric: [...]}}}
    (``History.from_dict`` sets every key as an attribute: another key could hide a method)."""
    if not isinstance(value, dict) or set(value) - {"_values"}:
        return False
    tables = value.get("_values", {})
    return isinstance(tables, dict) and all(
        isinstance(table, dict) and all(isinstance(v, list) for v in table.values())
        for table in tables.values())


# What each key a reader uses must hold: (the description in messages, the test).
_KEYS = {
    "flat_weights": ("a list of numeric arrays", _arrays),
    "fingerprint": ("None or a dict whose 'model_args' is a dict", lambda v: v is None or (
        isinstance(v, dict) and isinstance(v.get("model_args") or {}, dict))),
    "step": ("a whole number >= 0", lambda v: isinstance(v, numbers.Integral)
             and not isinstance(v, bool) and v >= 0),
    "slots_per_task": ("a list of lists of numeric arrays, one per task (or an int: trax's "
                       "side files)", lambda v: isinstance(v, int) or (
                           isinstance(v, (list, tuple)) and all(map(_arrays, v)))),
    "flat_state": ("a list of numeric arrays", lambda v: _arrays(v, none_too=True)),
    "flat_eval_state": ("a list of numeric arrays", lambda v: _arrays(v, none_too=True)),
    "history": ("trax's History.to_dict()", _history),
    "rng": ("an array of unsigned integers",
            lambda v: isinstance(v, np.ndarray) and v.dtype.kind == "u"),
}
_TO_RESUME = ("step", "slots_per_task", "flat_state", "history")


def _kind(value):
    """What ``value`` is, for a message: 'None', 'an int', 'a list of NoneType, str'."""
    name = type(value).__name__
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)) and value:
        return f"a {name} of " + ", ".join(sorted({type(v).__name__ for v in value}))
    if isinstance(value, (list, tuple)):
        name = f"empty {name}"
    return ("an " if name[0] in "aeiou" else "a ") + name


def _check_contents(contents, path, for_training):
    """UserError unless every key our readers use is present (the weights; for training,
    ``_TO_RESUME`` too) and of the type ``_KEYS`` names. Run on both formats: a digest proves
    the file is the one written, not that its writer (trax, an earlier version, a hand-made
    pickle) wrote what we read — else a KeyError or TypeError deep in trax is all one sees."""
    for key in ("flat_weights", *(_TO_RESUME if for_training else ())):
        if key not in contents:
            raise _damaged(path, f"it has no {key!r}"
                           + (", which resuming training needs" if key != "flat_weights" else ""))
    for key, (what, fits) in _KEYS.items():
        if key in contents and not fits(contents[key]):
            raise _damaged(path, f"its {key!r} is {_kind(contents[key])}, not {what}")


def fingerprint(model, model_config, vocab_file=None):
    """What the weights of a checkpoint belong to: the model kind, its settings, the vocabulary.

    Stored in each checkpoint (``contents["fingerprint"]``) and compared on load with
    config.json and vocab.subwords: a config.json that no longer describes the weights (say
    n_heads changed, which no weight shape shows) is refused.
    """
    args = model_config.as_dict() if hasattr(model_config, "as_dict") else dict(model_config)
    vocab_sha = None
    if vocab_file is not None:
        vocab_sha = hashlib.sha256(pathlib.Path(vocab_file).read_bytes()).hexdigest()
    return {"model": model, "model_args": json.loads(json.dumps(args)), "vocab_sha256": vocab_sha}


def check_fingerprint(stored, actual, path, described_by, hint=None):
    """UserError naming what differs between a checkpoint's fingerprint and ``actual``'s
    (the fingerprint of config.json + vocab.subwords, or of a resumed run's settings)."""
    if not stored:
        return  # written before fingerprints (or by trax): the shape checks are all there is
    diffs = []
    if stored.get("model") != actual["model"]:
        diffs.append(f"model {stored.get('model')!r} in the weights, {actual['model']!r} there")
    mine, theirs = stored.get("model_args") or {}, actual["model_args"]
    for k in sorted(set(mine) | set(theirs)):
        if mine.get(k) != theirs.get(k):
            diffs.append(f"{k} {mine.get(k)!r} in the weights, {theirs.get(k)!r} there")
    if stored.get("vocab_sha256") and stored["vocab_sha256"] != actual.get("vocab_sha256"):
        diffs.append("the vocabulary file differs from the one the weights were trained with"
                     if actual.get("vocab_sha256") else
                     "no vocabulary named there, the weights were trained with one")
    if diffs:
        hint = hint or ("restore the directory's original config.json and vocab.subwords, or "
                        "retrain")
        raise UserError(f"{described_by} does not describe the weights in {path} ("
                        + "; ".join(diffs) + f") — {hint}")


# --- One writer per directory -----------------------------------------------------------------

LOCK_FILE = ".lock"


@contextlib.contextmanager
def one_writer(directory):
    """Hold ``DIR/.lock`` (an exclusive ``flock``) while the block runs: one writer per directory.

    The lock goes with the process (a kill -9 releases it); the file keeps the writer's pid
    for the message a second writer gets.

    Raises:
      UserError: another process holds the lock.
    """
    directory = pathlib.Path(directory)
    path = directory / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise UserError(f"{directory} is being written by another training process (pid "
                            f"{owner}) — wait for it to finish, or pass another --output_dir"
                            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


_TEMPORARY = re.compile(r"^\.(.+)\.tmp-(\d+)$")  # atomic.temporary_name's pattern


def remove_stale_temporaries(directory, names=None):
    """Delete the ``.NAME.tmp-PID`` files of writes whose process is gone; their names.

    ``names``: only the temporaries of these NAMEs (the files the caller writes there); a
    look-alike of another name is someone else's and stays.
    """
    removed = []
    for path in pathlib.Path(directory).iterdir():
        match = _TEMPORARY.match(path.name)
        if not match or not path.is_file() or (names is not None and match.group(1) not in names):
            continue
        pid = int(match.group(2))
        try:
            if pid != os.getpid():
                os.kill(pid, 0)
                continue  # its writer is still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # alive, another user's
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


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
    if not isinstance(vocab, dict) or not isinstance(vocab.get("file", ""), str):
        raise UserError(f"{path}: 'vocab' must be {{\"file\": \"vocab.subwords\"}}, got "
                        f"{vocab!r} — restore {path} or retrain")
    if vocab.get("file"):
        vocab_path = directory / vocab["file"]
        if not vocab_path.is_file():
            raise UserError(f"{directory} lacks its vocabulary {vocab['file']} — copy the "
                            "vocabulary the model was trained with there")
        try:  # a damaged one (cut, garbled) where no fingerprint compares its SHA-256
            load_vocab(str(vocab_path))  # cached: the model's users load it again for free
        except VocabError as e:
            why = f" ({e.__cause__})" if e.__cause__ else ""
            raise UserError(f"{vocab_path} is not a subword vocabulary this program can use"
                            f"{why} — copy the vocabulary the model was trained with there, "
                            "or retrain") from None
        config["vocab_path"] = str(vocab_path)
    return config


# --- Models ---------------------------------------------------------------------------------

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
    check_fingerprint(contents.get("fingerprint"),
                      fingerprint(config["model"], config["model_args"], config.get("vocab_path")),
                      path, pathlib.Path(directory).expanduser() / CONFIG_FILE)
    flat = list(contents["flat_weights"])
    kind = registry.kind(config["model"])
    model = kind.build(kind.config.from_dict(config["model_args"]), mode=mode)
    predict = mode == "predict"
    init_compiled(model, kind.signature(batch_size if predict else 1, 1 if predict else 8))
    load_flat_weights(model, kind.upgrade(flat, model) if kind.upgrade else flat, path)
    return model, config
