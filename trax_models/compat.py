"""The one place where trax 1.4.1 is adapted to today's stack (Python 3.11, jax 0.10, numpy 2).

Imported by ``trax_models/__init__.py`` before anything else touches trax. What importing it
does, and all it does: sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless set (1) and warning filters for
trax's known spam (``silence_known_spam``); imports trax quietly, with TensorFlow deferred to
its first use (``trax_import.import_trax``; absl's logger at WARNING); points JAX's persistent
compilation cache at a folder (2); and installs the patches below. It starts no JAX backend
and joins no processes: ``start_processes()`` (12) is a call, made by ``train``.

Only this module and ``trax_import`` (the import of trax it calls) change trax:
``tests/test_layout.py::test_only_compat_changes_trax`` fails if another module of the
package assigns into a trax module or class. Every patch says what it fixes and has a test
in ``tests/test_compat.py`` that fails without it: each patch is installed with ``_patch``,
which keeps the original, and ``unpatched(name)`` puts the original back for a test to show
the bug. Patches 5 and 6 have no caller in this package: they fix trax's own API
(``trax.data.Tokenize``/``detokenize`` with sentencepiece, ``trax.data.PadToLength``) for
learners who use trax directly, as the course does.
"""
import contextlib
import functools
import gzip
import os
import pickle
import sys
import warnings

from trax_models.errors import UserError
from trax_models.trax_import import (  # noqa: F401
    _cheap_stack,
    _quiet_fd2,
    deferred_tensorflow,
    import_trax,
    loop_without_tensorflow,  # 14. a Loop built without importing TensorFlow (grading)
)

# --- 1. Quiet import ----------------------------------------------------------------------
# TF's C++ logging reads this variable once, when tensorflow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def silence_known_spam():
    """Ignore the warnings trax emits on every run on this stack, matched narrowly by message."""
    # trax calls the renamed jax.host_count / jax.process_count aliases on every Loop step.
    warnings.filterwarnings("ignore", message=r"jax\.(host|process)_count has been renamed",
                            category=UserWarning)
    # trax's checkpoint writers open gzip.GzipFile(fileobj=GFile) without mode=.
    warnings.filterwarnings("ignore", message=r"GzipFile was opened for writing",
                            category=FutureWarning, module=r"trax\.")


silence_known_spam()


if "trax" not in sys.modules:
    import_trax()

import jax  # noqa: E402  (after trax's quiet import)
import numpy as np  # noqa: E402
import trax  # noqa: E402
import trax.data.inputs  # noqa: E402
import trax.data.text_encoder  # noqa: E402
import trax.data.tf_inputs  # noqa: E402
import trax.optimizers.trainer  # noqa: E402
from trax.layers import base as _layer_base  # noqa: E402

tf = deferred_tensorflow()  # compat's own TF (tf.io.gfile for gs:// paths): imported on use


# --- 2. A persistent compilation cache ------------------------------------------------------
# Every CLI call and notebook kernel compiles the same programs (model init, the decode loops,
# the train step); XLA compilation is most of `summarize`'s wall time. JAX keeps compiled
# programs on disk when given a folder: ``$JAX_COMPILATION_CACHE_DIR`` if set (the tests set
# build/jax-cache), else ``<cache>/jax-<jax version>`` with <cache> = ``$TRAX_MODELS_CACHE``
# or ``~/.cache/trax_models`` (the corpus's cache). Safe to delete; keyed by jax version
# (JAX also keys each entry by program, flags and backend). ``TRAX_MODELS_JAX_CACHE=0``
# turns it off. Set at import on purpose, so every CLI and notebook gets it without a call;
# a folder set before (``jax.config``, ``$JAX_COMPILATION_CACHE_DIR``) is kept.
def compilation_cache_dir():
    """The folder of the persistent compilation cache (None when turned off)."""
    if os.environ.get("TRAX_MODELS_JAX_CACHE", "1") == "0":
        return None
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return os.environ["JAX_COMPILATION_CACHE_DIR"]
    base = os.environ.get("TRAX_MODELS_CACHE") or os.path.expanduser("~/.cache/trax_models")
    return os.path.join(base, f"jax-{jax.__version__}")


def enable_compilation_cache():
    """Point JAX's persistent compilation cache at ``compilation_cache_dir()`` (if unset)."""
    folder = compilation_cache_dir()
    if folder is None or jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    jax.config.update("jax_compilation_cache_dir", folder)
    if "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS" not in os.environ:
        # JAX's default (1 s) skips the many small programs start-up compiles.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.1)
    return folder


enable_compilation_cache()

# trax.fastmath.numpy as an attribute is the backend-numpy proxy, not the module of that name.
_trax_numpy = sys.modules["trax.fastmath.numpy"]

# Patch bookkeeping: name -> (original, [(owner, attribute), ...]). An owner is a module or
# class (attribute) or a dict (key: trax's backend tables are dicts).
ORIGINALS = {}


def _get(owner, attribute):
    return owner[attribute] if isinstance(owner, dict) else getattr(owner, attribute)


def _set(owner, attribute, value):
    if isinstance(owner, dict):
        owner[attribute] = value
    else:
        setattr(owner, attribute, value)


def _patch(name, new, *places):
    """Install ``new`` at every ``(owner, attribute)`` in places, remembering the original."""
    ORIGINALS[name] = (_get(*places[0]), places)
    for owner, attribute in places:
        _set(owner, attribute, new)
    return new


@contextlib.contextmanager
def unpatched(name):
    """Temporarily put trax's original back (tests use this to show the bug being fixed)."""
    original, places = ORIGINALS[name]
    patched = [_get(owner, attribute) for owner, attribute in places]
    for owner, attribute in places:
        _set(owner, attribute, original)
    try:
        yield original
    finally:
        for (owner, attribute), new in zip(places, patched):
            _set(owner, attribute, new)


# --- 3. Loop resume: tree_unflatten -------------------------------------------------------
# trax/fastmath/numpy.py tree_unflatten tests `tree in copy_from_tree`, i.e. `tree == ()` for
# every leaf; with a jax.Array leaf (the optimizer slots Loop.load_checkpoint matches) that
# raises TypeError, so a Loop cannot resume from an existing output_dir. Arrays are leaves:
# only containers can equal the copy markers (EMPTY_WEIGHTS = (), GET_*_FROM_CACHE dicts).
def tree_unflatten(flat, tree, copy_from_tree=None):
    """Same contract as trax.fastmath.numpy.tree_unflatten: returns (new_tree, rest_of_flat)."""
    if (copy_from_tree is not None and isinstance(tree, (list, tuple, dict))
            and tree in copy_from_tree):
        return tree, flat
    if isinstance(tree, (list, tuple)):
        new_tree, rest = [], flat
        for t in tree:
            new_t, rest = tree_unflatten(rest, t, copy_from_tree=copy_from_tree)
            new_tree.append(new_t)
        return (tuple(new_tree) if isinstance(tree, tuple) else new_tree), rest
    if isinstance(tree, dict):
        new_tree, rest = {}, flat
        for k in tree:
            new_tree[k], rest = tree_unflatten(rest, tree[k], copy_from_tree=copy_from_tree)
        return new_tree, rest
    return flat[0], flat[1:]


# trax.fastmath re-exports it; training.py, layers/base.py, optimizers call fastmath.X and
# fastmath/jax.py calls tnp.X at run time, so these two names cover every caller.
_patch("tree_unflatten", tree_unflatten,
       (_trax_numpy, "tree_unflatten"), (trax.fastmath, "tree_unflatten"))


# --- 4. Layer.init_from_file: every save_to_file combination loads ------------------------
# save_to_file(weights_only=True) writes no 'flat_state' and save_to_file() without
# input_signature writes no 'input_signature'; trax's loader indexes both → KeyError. Here a
# missing state means "restore weights only", and a missing signature uses the model's own
# (already initialized) weights as the tree to fill. Loop checkpoints load as before.
def _init_from_file(self, file_name, weights_only=False, input_signature=None):
    """Initializes this layer from a save_to_file or Loop checkpoint; returns (weights, state)."""
    with tf.io.gfile.GFile(file_name, "rb") as f, gzip.GzipFile(fileobj=f, mode="rb") as gz:
        dictionary = pickle.load(gz)
    flat_weights = dictionary["flat_weights"]
    if isinstance(flat_weights, int):  # Loop checkpoints keep weights in a side .npy.gz file
        weights_path = file_name + ".npy"
        if file_name.endswith(".pkl.gz"):
            weights_path = file_name[:-6] + "weights.npy.gz"
            if not tf.io.gfile.exists(weights_path):
                weights_path = file_name + ".npy"
        flat_weights = _layer_base.np_from_file(weights_path, compresslevel=flat_weights)
    flat_state = dictionary.get("flat_state")
    weights_only = weights_only or flat_state is None
    if input_signature is None:
        input_signature = dictionary.get("input_signature")
    if input_signature is not None:
        if weights_only:
            self.init(input_signature)  # real initial state (trax does the same)
        signature = self.weights_and_state_signature(input_signature)
    elif not flat_weights or any(hasattr(w, "shape") for w in trax.fastmath.tree_flatten(
            self.weights)):
        signature = (self.weights, self.state)  # already initialized: fill its own trees
    else:
        raise ValueError(
            f"{file_name} holds no input_signature and the model is not initialized: pass "
            "input_signature=trax.shapes.signature(example_batch) to init_from_file, or call "
            "model.init(...) first.")
    weights, state = _layer_base.unflatten_weights_and_state(
        flat_weights, flat_state, signature, weights_only=weights_only)
    if not weights_only:
        self.state = state
    self.weights = weights
    return self.weights, self.state


_patch("init_from_file", _init_from_file, (_layer_base.Layer, "init_from_file"))


# --- 5. Tokenize(vocab_type='sentencepiece') without t5 ------------------------------------
# trax's _get_vocab builds t5.data.SentencePieceVocabulary, and t5 is not installable on this
# stack. This stand-in wraps the `sentencepiece` package with the same encode/decode/vocab_size
# contract (extra_ids sit above the model's own ids and decode to nothing, as in t5).
class SentencePieceVocabulary:
    """A sentencepiece model file as a trax vocabulary: str ↔ list of int ids."""

    def __init__(self, sentencepiece_model_file, extra_ids=0):
        import sentencepiece  # lazy: only sentencepiece users pay for it

        with tf.io.gfile.GFile(sentencepiece_model_file, "rb") as f:
            self._sp = sentencepiece.SentencePieceProcessor(model_proto=f.read())
        self.extra_ids = extra_ids

    @property
    def vocab_size(self):
        return self._sp.get_piece_size() + self.extra_ids

    def encode(self, s):
        """str (or utf-8 bytes) → list of int ids."""
        return self._sp.encode_as_ids(s.decode("utf-8") if isinstance(s, bytes) else s)

    def decode(self, ids):
        """list of int ids → str; ids outside the model (extra ids) are dropped."""
        size = self._sp.get_piece_size()
        return self._sp.decode_ids([int(i) for i in ids if 0 <= int(i) < size])


def _get_vocab(vocab_type="subword", vocab_file=None, vocab_dir=None, extra_ids=0):
    if vocab_type != "sentencepiece":
        return ORIGINALS["_get_vocab"][0](vocab_type, vocab_file, vocab_dir, extra_ids)
    path = os.path.join(vocab_dir or "gs://trax-ml/vocabs/", vocab_file)
    return SentencePieceVocabulary(path, extra_ids=extra_ids)


_patch("_get_vocab", _get_vocab, (trax.data.tf_inputs, "_get_vocab"))


# --- 6. PadToLength: int pad_value, and multiple=True -------------------------------------
# trax's PadToLength indexes pad_value[key], so its own default pad_value=0 raises TypeError;
# and with multiple=True it pads by the remainder (length 5, multiple 4 → 6, not 8).
def PadToLength(len_map=None, pad_value=0, multiple=False):  # trax's name
    """Pads example[key] (1-D) to len_map[key] (or to the next multiple of it); see trax.

    pad_value: an int for every key, or a dict key → int.
    """
    if len_map is None:
        raise ValueError("PadToLength needs len_map, e.g. len_map={0: 64, 1: 64}.")
    pad_values = pad_value if isinstance(pad_value, dict) else dict.fromkeys(len_map, pad_value)

    def padded(x, key):
        length = len_map[key]
        n_pad = -x.shape[0] % length if multiple else max(0, length - x.shape[0])
        return np.pad(x, (0, n_pad), mode="constant", constant_values=pad_values[key])

    def _pad_to_length(generator):
        for example in generator:
            if isinstance(example, (list, tuple)):
                example = list(example)
                for key in len_map:
                    example[key] = padded(example[key], key)
                yield tuple(example)
            elif isinstance(example, np.ndarray):
                yield padded(example, 0)
            else:
                raise ValueError(f"PadToLength expects tuples or np.ndarray, got {example!r}")

    return _pad_to_length


_patch("PadToLength", functools.wraps(trax.data.inputs.PadToLength)(PadToLength),
       (trax.data.inputs, "PadToLength"), (trax.data, "PadToLength"))


# --- 7. (none) Loop(use_memory_efficient_trainer=2) is not patched ----------------------
# trax's ReversibleSerialTrainer._free_accelerators calls the removed
# jax.lib.xla_bridge.get_backend().live_buffers(): on this stack that option fails with an
# AttributeError. Nothing in the package or the course uses it, and a fix (deleting arrays
# held on accelerators) does nothing on a CPU, so no test here could show it works.


# --- 8. Layer.pure_fn under jit: no leaked tracer ------------------------------------------
# pure_fn saves `old_rng = self.rng`; when a layer has no rng yet, that read *creates* one
# from its seed — inside a jit trace, as a tracer — and the "restore" keeps it, so the next
# eager call fails with UnexpectedTracerError. A layer without an rng gets none back.
def _pure_fn(self, x, weights, state, rng, use_cache=False):
    had_rng = self._rng is not None
    try:
        return ORIGINALS["pure_fn"][0](self, x, weights, state, rng, use_cache)
    finally:
        if not had_rng:
            self._rng = None


_patch("pure_fn", _pure_fn, (_layer_base.Layer, "pure_fn"))


# --- 9. Data parallelism: replicating weights on n devices --------------------------------
# tl.for_n_devices (used by Loop, the optimizer trainer and tl.Accelerate whenever more than
# one device is visible) calls jax.device_put_replicated, which jax 0.10 removed. Same result
# on today's API: a leading device axis, one copy per device, sharded along that axis — the
# layout pmap expects for replicated arguments.
def _for_n_devices(x, n_devices):
    if n_devices <= 1 or not trax.fastmath.is_backend(trax.fastmath.Backend.JAX):
        return ORIGINALS["for_n_devices"][0](x, n_devices)
    devices = jax.local_devices()[:n_devices]
    sharding = jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(devices), ("devices",)),
                                          jax.sharding.PartitionSpec("devices"))

    def replicate(leaf):
        leaf = jax.numpy.asarray(leaf)
        return jax.device_put(jax.numpy.broadcast_to(leaf, (n_devices,) + leaf.shape), sharding)

    return trax.fastmath.nested_map(replicate, x)


_patch("for_n_devices", _for_n_devices, (trax.layers.acceleration, "for_n_devices"),
       (trax.layers, "for_n_devices"))


# --- 10. Data parallelism: pmap's argument placement ---------------------------------------
# jax 0.10's pmap is a jit over shard_map with fixed input shardings, and it refuses an
# argument already committed to another placement (trax commits optimizer slots to one device
# with tl.on_cpu, and replicated weights arrive from for_n_devices) instead of moving it as
# the old pmap did. Committed arguments are moved to the mesh pmap will use: leading axis over
# the first devices, under the same axis name.
def _pmap(fun, axis_name=None, **kwargs):
    axis_name = "pmap" if axis_name is None else axis_name  # pmap's mesh needs a fixed name
    mapped = ORIGINALS["pmap"][0](fun, axis_name=axis_name, **kwargs)

    def place(leaf):
        if not (isinstance(leaf, jax.Array) and leaf.ndim and leaf.committed):
            return leaf
        mesh = jax.sharding.Mesh(np.array(jax.devices()[:leaf.shape[0]]), (axis_name,))
        target = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(axis_name))
        if leaf.sharding.is_equivalent_to(target, leaf.ndim):
            return leaf
        return jax.device_put(leaf, target)

    @functools.wraps(fun)
    def call(*args, **kw):
        return mapped(*jax.tree_util.tree_map(place, args), **kw)

    return call


_patch("pmap", _pmap, (trax.fastmath.jax.JAX_BACKEND, "pmap"))


# --- 11. Subword vocabularies read without TensorFlow -------------------------------------
# SubwordTextEncoder(filename) reads the file with tf.io.gfile, which imports all of
# TensorFlow (≈5 s) to read one local text file: every summarize call paid it. Local paths are
# read with open() (same lines, same text); URLs (gs://, ...) still go through tf.io.gfile.
def _load_from_file(self, filename):
    if "://" in str(filename):
        return ORIGINALS["subword_load_from_file"][0](self, filename)
    if not os.path.exists(filename):
        raise ValueError(f"File {filename} not found")  # trax's error
    with open(filename, encoding="utf-8", newline="") as f:
        self._load_from_file_object(f)


_patch("subword_load_from_file", _load_from_file,
       (trax.data.text_encoder.SubwordTextEncoder, "_load_from_file"))


# --- 12. Multi-process training: joining the processes --------------------------------------
# Not a patch and not run at import: ``train`` calls it first, before anything starts jax's
# backend (jax.distributed.initialize must come before that; importing the package starts
# nothing, tests/test_compat.py checks it). When TRAX_MODELS_NUM_PROCESSES > 1 (with
# TRAX_MODELS_COORDINATOR=host:port of process 0 and TRAX_MODELS_PROCESS_ID) the processes
# join; CPU processes exchange gradients through gloo.
def start_processes(environ=os.environ):
    """Join the run's processes as the TRAX_MODELS_* variables say; False for one process.

    Raises UserError for inconsistent variables, or when the process cannot join (the
    coordinator is unreachable, or JAX already started in this process).
    """
    try:
        count = int(environ.get("TRAX_MODELS_NUM_PROCESSES", "1"))
        index = int(environ.get("TRAX_MODELS_PROCESS_ID", "0"))
        coordinator = environ.get("TRAX_MODELS_COORDINATOR", "")
        # A process that dies is noticed after the heartbeat timeout: the others then stop
        # (jax's coordination service ends them) instead of waiting in a collective forever.
        timeout = int(environ.get("TRAX_MODELS_HEARTBEAT_S", "100"))
        if count < 1 or not 0 <= index < count or (count > 1 and ":" not in coordinator):
            raise ValueError
    except ValueError:
        raise UserError("TRAX_MODELS_NUM_PROCESSES (≥ 1), TRAX_MODELS_PROCESS_ID (0 .. count "
                        "- 1), TRAX_MODELS_COORDINATOR (host:port) and TRAX_MODELS_HEARTBEAT_S "
                        "(seconds) are not consistent — set the first three, the same count "
                        "and coordinator in every process") from None
    if count == 1:
        return False
    if jax.distributed.is_initialized():  # joined already (an earlier train in this process)
        return True
    try:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator, num_processes=count, process_id=index,
                                   heartbeat_timeout_seconds=timeout,
                                   shutdown_timeout_seconds=timeout)
    except RuntimeError as e:
        raise UserError(f"process {index} cannot join the {count} training processes at "
                        f"{coordinator}: {str(e).splitlines()[0]}") from None
    return True


# --- 13. Multi-process training: the update over every process's device ------------------
# With jax.distributed on several processes of one local device each (CPU hosts, one GPU per
# process), trax's Trainer takes its one-device path: a jit of the update on this process's
# arrays only. Nothing crosses processes: each process trains its own model on its own rows,
# and the copies drift apart from the first step. Under several processes the update runs on
# global arrays instead: weights, slots and the rest replicated over every process's device,
# the batch split along its rows (each process passes its rows of the global batch). XLA then
# all-reduces the gradients, and the loss is the global batch's, as one process would see it.
def _global_update_fn(update):
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.devices()), ("processes",))
    replicated = NamedSharding(mesh, PartitionSpec())
    rows = NamedSharding(mesh, PartitionSpec("processes"))

    def to_global(tree, sharding):
        def one(x):
            if isinstance(x, jax.Array) and not x.is_fully_addressable:
                return x  # already global
            return jax.make_array_from_process_local_data(sharding, np.asarray(x))
        return jax.tree_util.tree_map(one, tree)

    def to_local(tree):
        return jax.tree_util.tree_map(
            lambda x: x.addressable_data(0) if isinstance(x, jax.Array)
            and not x.is_fully_addressable else x, tree)

    @functools.wraps(update)
    def call(weights_and_slots, step, opt_params, batch, state, rng):
        out = update(*to_global((weights_and_slots, np.asarray(step, np.int32), opt_params),
                                replicated),
                     to_global(batch, rows), *to_global((state, rng), replicated))
        return to_local(out)

    return call


def _accelerate_update_fn(forward_and_backward_fn, optimizer, n_devices, accelerate=True,
                          adasum=False):
    update = ORIGINALS["_accelerate_update_fn"][0](forward_and_backward_fn, optimizer,
                                                   n_devices, accelerate, adasum)
    if n_devices == 1 and accelerate and jax.process_count() > 1:
        return _global_update_fn(update)
    return update


_patch("_accelerate_update_fn", _accelerate_update_fn,
       (trax.optimizers.trainer, "_accelerate_update_fn"))


# tl.on_cpu puts optimizer slots on jax.devices('cpu')[0]: under several processes that is
# process 0's device, which the other processes cannot use. This process's own CPU device
# (the same device when there is one process).
def _on_cpu(x):
    return jax.device_put(x, jax.local_devices(backend="cpu")[0])


_patch("on_cpu", _on_cpu, (trax.layers, "on_cpu"), (trax.layers.acceleration, "on_cpu"))
