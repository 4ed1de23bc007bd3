"""A trained model in one self-contained directory, written so that a kill never corrupts it.

    DIR/model.pkl.gz    THE checkpoint, self-describing, in ONE file (trax's Loop spreads them
                        over three files written one after the other):
                          model, model_args   the registry kind and its ModelConfig (once)
                          vocab_sha256        SHA-256 of the vocabulary trained with
                          flat_weights        weight arrays in trax's flat order
                          flat_state, flat_eval_state, slots_per_task (the optimizer state),
                          step, history, rng, data_position   what resuming reads
    DIR/vocab.subwords  copy of the vocabulary the model was trained with
    DIR/config.json     the run's training settings: {"vocab": {"file": "vocab.subwords"},
                        "data": {...}, "train": {...}}; what the model is, only the checkpoint
                        says (``load_config`` adds it; a config.json that names a model too,
                        as hand-written ones may, must agree with the checkpoint)
    (plus the Loop's train/ eval/ TensorBoard event files, config.gin, loss_curve.png)

The path from training to summaries: ``summarizer.loop.TrainLoop.save_checkpoint`` ->
``write_checkpoint`` -> model.pkl.gz -> ``read_checkpoint`` -> ``TrainLoop.load_checkpoint``
(resume), ``load_weights`` (``Summarizer.from_checkpoint``) or ``load_model`` (a model object).

Every file here is written atomically: to a temporary file in the same directory, flushed
and fsync'ed, then renamed over the old one (and the directory fsync'ed). A reader sees the
old file or the new one, never half of one.

API::

    load_config(DIR) -> dict                       # config.json + the model's description
    load_weights(DIR) -> (config, weights)         # for Summarizer: no model initialised
    load_model(DIR, mode='eval'|'train'|'predict') -> (model, config)
    save_config(DIR, config, vocab_file)           # copies the vocab in, writes config.json
    write_checkpoint(path, contents)
    read_checkpoint(path, for_training=False) -> dict   (SHA-256 verified, structure checked)
    describe(kind_name, model_config, vocab_file) -> dict   (the description a checkpoint holds)

A checkpoint that does not fit the model (another size or vocabulary) is refused with a
``UserError`` that names the weight and both shapes: never a silent re-initialization. Every
checkpoint carries the SHA-256 of its content (checked before unpickling: a flipped bit or a
cut file is refused, naming the file); its contents are checked right after unpickling: each
key a reader uses present and of the right type (``_check_contents``), or one ``UserError``
naming the file and the key. Checkpoints of an earlier format (our v2 header, no header as
trax and earlier versions wrote, trax's three files) are refused, not upgraded: retrain. A
checkpoint is a pickle, and unpickling can run code: load only checkpoints you trust like code.
"""
import contextlib
import errno
import fcntl
import gzip
import hashlib
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

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "CHECKPOINT_FILE", "DESCRIPTION", "write_checkpoint",
           "read_checkpoint", "describe", "description", "check_fingerprint", "save_config",
           "load_config", "load_weights", "load_model", "one_writer", "remove_stale_temporaries"]

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.subwords"
CHECKPOINT_FILE = "model.pkl.gz"   # the Loop's basename 'model' + '.pkl.gz'
MAGIC = b"trax_models checkpoint v3 sha256:"  # the format: an older one is refused, not read
_ANY_VERSION = b"trax_models checkpoint v"
DESCRIPTION = ("model", "model_args", "vocab_sha256")  # what the weights are (``describe``)


def write_checkpoint(path, contents):
    """Pickle ``contents`` (a dict of NumPy arrays and Python values) gzipped, atomically.

    The gzip stream holds ``MAGIC``, the SHA-256 of the pickle (hex) and a newline, then the
    pickle: ``read_checkpoint`` verifies the digest before unpickling anything. Level 2: the
    float weights hardly compress further, and level 9 takes several times longer.
    """
    payload = pickle.dumps(contents, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")

    def write(f):
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=2) as gz:
            gz.write(MAGIC + digest + b"\n")
            gz.write(payload)
    atomic_write(path, write)


def _damaged(path, why):
    return UserError(f"{path} is not a readable checkpoint: it is damaged ({why}) — restore "
                     f"it from a copy, or delete it and retrain (train --fresh)")


def _older(path):
    return UserError(f"{path}: this checkpoint was written by an older trax_models (or by "
                     "trax's own Loop), whose format this version does not read; retrain "
                     "(python -m trax_models train --fresh --output_dir DIR)")


def read_checkpoint(path, for_training=False):
    """The dict ``write_checkpoint`` saved in ``path``, verified.

    The whole gzip stream is read (its CRC-32 and length checked) and the SHA-256 of the
    pickle compared with the one stored before it; then the contents must have the structure
    our readers use (``_check_contents``).

    Args:
      for_training: also require what resuming training reads (step, optimizer slots, model
        states, history, RNG key); summarizing needs the weights only.

    Raises:
      UserError: no file, a damaged one, one of an older format (retrain), or contents of
        another structure (naming the file, what is wrong and what to do).
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
    if not raw.startswith(MAGIC):
        if raw.startswith(_ANY_VERSION) or not raw.startswith(MAGIC[:8]):
            raise _older(path)  # our v2 header, or none (trax's pickle, our v1)
        raise _damaged(path, "its header is broken")
    header_end = len(MAGIC) + 65
    digest, payload = raw[len(MAGIC):header_end - 1], raw[header_end:]
    if raw[header_end - 1:header_end] != b"\n" or (
            hashlib.sha256(payload).hexdigest().encode("ascii") != digest):
        raise _damaged(path, "its SHA-256 digest does not match its content")
    try:
        contents = pickle.loads(payload)
    except Exception as e:  # the digest matched: written so, by hand or by a bug
        raise _damaged(path, f"unpickling failed: {type(e).__name__}") from None
    if not isinstance(contents, dict):
        raise _damaged(path, f"it holds a {type(contents).__name__}, not a checkpoint")
    _check_contents(contents, path, for_training)
    return contents


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
    "model": ("a model kind's name", lambda v: isinstance(v, str)),
    "model_args": ("a dict of model settings", lambda v: isinstance(v, dict)),
    "vocab_sha256": ("None or a SHA-256 in hex", lambda v: v is None or (
        isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None)),
    "flat_weights": ("a list of numeric arrays", _arrays),
    "step": ("a whole number >= 0", lambda v: isinstance(v, numbers.Integral)
             and not isinstance(v, bool) and v >= 0),
    "slots_per_task": ("a list of lists of numeric arrays, one per task",
                       lambda v: isinstance(v, (list, tuple)) and all(map(_arrays, v))),
    "flat_state": ("a list of numeric arrays", lambda v: _arrays(v, none_too=True)),
    "flat_eval_state": ("a list of numeric arrays", lambda v: _arrays(v, none_too=True)),
    "history": ("trax's History.to_dict()", _history),
    "rng": ("an array of unsigned integers",
            lambda v: isinstance(v, np.ndarray) and v.dtype.kind == "u"),
}
_TO_RESUME = ("step", "slots_per_task", "flat_state", "flat_eval_state", "history", "rng")


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
    ``_TO_RESUME`` too; the description, ``DESCRIPTION``, always) and of the type ``_KEYS``
    names. A digest proves the file is the one written, not that its writer (a hand-made
    pickle, a bug) wrote what we read — else a KeyError or TypeError deep in trax."""
    for key in ("flat_weights", *(_TO_RESUME if for_training else ())):
        if key not in contents:
            raise _damaged(path, f"it has no {key!r}"
                           + (", which resuming training needs" if key != "flat_weights" else ""))
    for key in DESCRIPTION:
        if key not in contents:
            raise _damaged(path, f"it has no {key!r}, which describes its weights")
    for key, (what, fits) in _KEYS.items():
        if key in contents and not fits(contents[key]):
            raise _damaged(path, f"its {key!r} is {_kind(contents[key])}, not {what}")


def describe(kind_name, model_config, vocab_file=None):
    """The description a checkpoint holds of its weights: the model kind, its settings, the
    vocabulary's SHA-256 — ``{"model", "model_args", "vocab_sha256"}`` (``DESCRIPTION``).

    ``TrainLoop`` writes it into each checkpoint; loading builds the model from it, and a
    resumed run's own description must equal it (n_heads, which no weight shape shows, too).
    """
    args = model_config.as_dict() if hasattr(model_config, "as_dict") else dict(model_config)
    vocab_sha = None
    if vocab_file is not None:
        vocab_sha = hashlib.sha256(pathlib.Path(vocab_file).read_bytes()).hexdigest()
    return {"model": kind_name, "model_args": json.loads(json.dumps(args)),
            "vocab_sha256": vocab_sha}


def description(contents):
    """The checkpoint's description of its weights (``DESCRIPTION``'s keys: every checkpoint
    ``read_checkpoint`` returns has them)."""
    return {k: contents[k] for k in DESCRIPTION}


def check_fingerprint(stored, actual, path, described_by, hint=None):
    """UserError naming what differs between a checkpoint's description ``stored`` (None:
    there is none to compare) and ``actual`` (the description of a resumed run's settings, or
    of config.json + vocab.subwords)."""
    if not stored:
        return
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
    """The ``config.json`` of a checkpoint directory, with ``vocab_path`` (absolute) added and
    "model" / "model_args" the checkpoint's own description (the one place that holds it;
    a config.json written by hand that names them is used as it is).

    Raises:
      UserError: the directory, its config.json, its vocabulary or its checkpoint is missing
        or unreadable.
    """
    config = _read_config(directory)
    if "model" not in config:  # no checkpoint: read_checkpoint says so, and what to do
        path = pathlib.Path(directory).expanduser() / CHECKPOINT_FILE
        config = _described(config, _read(path, keep=True), path)
    return config


_KEPT = {}  # (path, header with the SHA-256): contents, for the next reader of that file


def _read(path, keep=False):
    """``read_checkpoint(path)``; ``keep``: its contents kept for the next reader of the same
    file, unchanged (summarize calls ``load_config``, then ``load_weights``: one read)."""
    try:  # the header alone: cheap, and it names the content exactly
        with open(path, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
            key = (str(path.resolve()), gz.read(len(MAGIC) + 64))
    except (OSError, EOFError, zlib.error):
        key = None
    contents = _KEPT.pop(key, None) if key else None
    _KEPT.clear()
    contents = read_checkpoint(path) if contents is None else contents
    if keep and key:
        _KEPT[key] = contents
    return contents


def _read_config(directory):
    """config.json, checked: JSON, "model" and "model_args" together or not at all (then the
    checkpoint must describe its weights), a usable vocabulary (``vocab_path`` added)."""
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
    if not isinstance(config, dict) or ("model" in config) != ("model_args" in config):
        raise UserError(f"{path} lacks 'model' or 'model_args' — it is not a training config")
    if "model" in config:
        _model_config(config["model"], config["model_args"], path)
    vocab = config.get("vocab") or {}
    if not isinstance(vocab, dict) or not isinstance(vocab.get("file", ""), str):
        raise UserError(f"{path}: 'vocab' must be {{\"file\": \"vocab.subwords\"}}, got "
                        f"{vocab!r} — restore {path} or retrain")
    if vocab.get("file"):
        vocab_path = directory / vocab["file"]
        if not vocab_path.is_file():
            raise UserError(f"{directory} lacks its vocabulary {vocab['file']} — copy the "
                            "vocabulary the model was trained with there")
        try:  # a damaged one (cut, garbled) where no description compares its SHA-256
            load_vocab(str(vocab_path))  # cached: the model's users load it again for free
        except VocabError as e:
            why = f" ({e.__cause__})" if e.__cause__ else ""
            raise UserError(f"{vocab_path} is not a subword vocabulary this program can use"
                            f"{why} — copy the vocabulary the model was trained with there, "
                            "or retrain") from None
        config["vocab_path"] = str(vocab_path)
    return config


def _model_config(model, model_args, source):
    """The registry's ModelConfig of a description; UserError naming ``source`` otherwise."""
    try:
        return registry.kind(model).config.from_dict(model_args, source=f"{source} model_args")
    except (UserError, TypeError) as e:
        raise UserError(f"{e} — restore {source} or retrain") from None


def _described(config, contents, path):
    """``config`` with the model the checkpoint ``contents`` describes ("model", "model_args");
    config.json's own, where it has them, must agree (as must vocab.subwords' SHA-256)."""
    stored = description(contents)
    check_fingerprint(stored, describe(config.get("model", stored["model"]),
                                       config.get("model_args", stored["model_args"]),
                                       config.get("vocab_path")), path, path.parent / CONFIG_FILE)
    _model_config(stored["model"], stored["model_args"], path)
    return dict(config, model=stored["model"],  # a copy: the contents may be kept (``_read``)
                model_args=json.loads(json.dumps(stored["model_args"])))


def _load(directory):
    """(config as ``load_config`` gives it, verified checkpoint contents, checkpoint path),
    reading the checkpoint once."""
    config = _read_config(directory)
    path = pathlib.Path(directory).expanduser() / CHECKPOINT_FILE
    contents = _read(path)
    return _described(config, contents, path), contents, path


# --- Models ---------------------------------------------------------------------------------

def load_weights(directory):
    """The trained weights of a checkpoint directory as the model's weight tree, and its config:
    what ``Summarizer`` takes (it builds its own predict models around them).

    No model is initialised: the tree's structure and shapes come from tracing the eval
    model's ``init`` abstractly (``jax.eval_shape``: no weights computed, nothing compiled);
    the checkpoint's flat arrays are checked against them (a misfit names the weight and both
    shapes) and put in their places.

    Returns:
      (config as ``load_config`` returns it, weights: nested tuples of NumPy arrays).
    """
    config, contents, path = _load(directory)
    kind = registry.kind(config["model"])
    model = kind.build(kind.config.from_dict(config["model_args"]), "eval")
    model.weights = jax.eval_shape(lambda rng: model.init(kind.signature(), rng=rng)[0],
                                   jax.random.PRNGKey(0))
    return config, load_flat_weights(model, contents["flat_weights"], path)


def load_model(directory, mode="eval"):
    """The trained model of a checkpoint directory, weights loaded, and its config.

    Args:
      directory: a directory written by ``python -m trax_models train``.
      mode: 'eval' (full sequences), 'predict' (KV-cache decoding), or 'train'.

    Returns:
      (model, config): model initialized for inputs (batch, length) int32 — in predict mode
      (1, 1): one row, one token a call; an encoder–decoder for (source (batch, 8), target) — with the
      checkpoint's weights; config as ``load_config`` returns it. (An encoder–decoder's
      predict model depends on the source length: ``adapters.EncoderDecoderAdapter`` builds
      it.) The model is built from the checkpoint's description of its weights.

    Raises:
      UserError: missing/unreadable directory, config, vocab or checkpoint, or a checkpoint
        whose weight shapes differ from the config's model (message names both shapes).
    """
    config, contents, path = _load(directory)
    kind = registry.kind(config["model"])
    model = kind.build(kind.config.from_dict(config["model_args"]), mode=mode)
    predict = mode == "predict"
    # a usable model needs its state (predict mode: caches, positions): init traced once
    init_compiled(model, kind.signature(1, 1 if predict else 8))
    load_flat_weights(model, contents["flat_weights"], path)
    return model, config
