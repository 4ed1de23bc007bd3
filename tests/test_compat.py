"""Tests for trax_models.compat: each patch is checked against trax's original (put back with
``compat.unpatched``), which must fail the same check, so every test fails without its patch."""
import contextlib
import inspect
import io
import json
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest
import trax
from trax import layers as tl
from trax import shapes
from trax.supervised import training

from trax_models import compat


def tiny_model():
    """(batch, seq) int ids → (batch, seq, 10) log-probs."""
    return tl.Serial(tl.Embedding(10, 8), tl.Dense(10), tl.LogSoftmax())


def batches(seed=0):
    """Endless (inputs, targets, weights) batches of shape (2, 4)."""
    rng = np.random.default_rng(seed)
    while True:
        x = rng.integers(1, 10, (2, 4))
        yield x, x, np.ones((2, 4), np.float32)


def tiny_loop(output_dir, optimizer=None, **loop_kwargs):
    train = training.TrainTask(batches(), tl.CrossEntropyLoss(),
                               optimizer or trax.optimizers.Adam(0.01), n_steps_per_checkpoint=2)
    evals = training.EvalTask(batches(1), [tl.CrossEntropyLoss(), tl.Accuracy()],
                              n_eval_batches=1)
    return training.Loop(tiny_model(), train, eval_tasks=[evals], output_dir=str(output_dir),
                         **loop_kwargs)


@contextlib.contextmanager
def only_unknown_warnings():
    """Record every warning except compat's known spam (assert the list is empty after)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compat.silence_known_spam()
        yield caught


def flat(tree):
    return [np.asarray(x) for x in trax.fastmath.tree_flatten(tree)]


# --- 1./2. Quiet, fast import -------------------------------------------------------------
def test_import_prints_nothing():
    result = subprocess.run([sys.executable, "-c", "import trax_models"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""


def test_import_prints_nothing_to_a_python_level_stderr():
    # In a Jupyter kernel sys.stderr is a Python object, not fd 2: gym's NumPy-2 notice
    # went there (and into every notebook) before compat swapped sys.stderr too.
    code = ("import io, sys\n"
            "buf = io.StringIO(); sys.stderr = buf\n"
            "import trax_models\n"
            "sys.stderr = sys.__stderr__\n"
            "print(repr(buf.getvalue()))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "''"


def test_inspect_stack_is_restored_and_stand_in_gives_the_same_frames():
    assert inspect.stack is not compat._cheap_stack
    assert inspect.stack.__module__ == "inspect"
    real, cheap = inspect.stack(), compat._cheap_stack()
    assert [f[0] for f in cheap[:3]] == [f.frame for f in real[:3]]


def test_only_known_spam_is_silenced():
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        compat.silence_known_spam()
        spam = "GzipFile was opened for writing, but this will change"
        warnings.warn_explicit(spam, FutureWarning, "base.py", 1, module="trax.layers.base")
        warnings.warn_explicit("jax.process_count has been renamed to jax.process_count",
                               UserWarning, "xla_bridge.py", 1, module="jax._src.xla_bridge")
        assert caught == []
        warnings.warn_explicit(spam, FutureWarning, "mine.py", 1, module="mycode")
        warnings.warn_explicit("something else", FutureWarning, "base.py", 2,
                               module="trax.layers.base")
        assert len(caught) == 2


# --- 3. Loop resume -----------------------------------------------------------------------
def test_tree_unflatten_treats_arrays_as_leaves():
    tree = ((), (np.zeros(2), trax.fastmath.numpy.ones(3)), {"a": ()})
    new, rest = compat.tree_unflatten([1, 2, 3], tree, copy_from_tree=[()])
    assert new == ((), (1, 2), {"a": ()}) and rest == [3]
    with compat.unpatched("tree_unflatten") as original, pytest.raises((TypeError, ValueError)):
        original([1, 2, 3], tree, copy_from_tree=[()])


def test_loop_resumes_from_output_dir(tmp_path):
    with only_unknown_warnings() as caught:
        loop = tiny_loop(tmp_path)
        loop.run(2)
    assert [str(w.message) for w in caught] == []  # the filters cover what a Loop emits
    saved = flat(loop.model.weights)
    with compat.unpatched("tree_unflatten"), pytest.raises(TypeError):
        tiny_loop(tmp_path)
    resumed = tiny_loop(tmp_path)
    assert resumed.step == 2
    for a, b in zip(flat(resumed.model.weights), saved, strict=True):
        np.testing.assert_array_equal(a, b)
    resumed.run(1)
    assert resumed.step == 3
    # The Loop's checkpoint file (written at step 2) loads into a fresh model the course's way.
    model = tiny_model()
    model.init_from_file(str(tmp_path / "model.pkl.gz"), weights_only=True)
    for a, b in zip(flat(model.weights), saved, strict=True):
        np.testing.assert_array_equal(a, b)


# --- 4. save_to_file / init_from_file -----------------------------------------------------
SIG = shapes.ShapeDtype((2, 4), np.int32)


@pytest.mark.parametrize("save_weights_only", [False, True])
@pytest.mark.parametrize("save_signature", [False, True])
def test_every_save_to_file_combination_loads(tmp_path, save_weights_only, save_signature):
    model = tiny_model()
    model.init(SIG)
    x = next(batches())[0]
    path = str(tmp_path / "m.pkl.gz")
    model.save_to_file(path, weights_only=save_weights_only,
                       input_signature=SIG if save_signature else None)
    for load_weights_only in (False, True):
        for load_signature in (None, SIG):
            loaded = tiny_model()
            if load_signature is None and not save_signature:
                loaded.init(shapes.ShapeDtype((1, 1), np.int32))  # any signature, other weights
            loaded.init_from_file(path, weights_only=load_weights_only,
                                  input_signature=load_signature)
            np.testing.assert_array_equal(loaded(x), model(x))


def test_unpatched_loader_fails_on_weights_only_and_signature_free_files(tmp_path):
    model = tiny_model()
    model.init(SIG)
    model.save_to_file(str(tmp_path / "w.pkl.gz"), weights_only=True, input_signature=SIG)
    model.save_to_file(str(tmp_path / "s.pkl.gz"))
    with compat.unpatched("init_from_file"):
        with pytest.raises(KeyError, match="flat_state"):
            tiny_model().init_from_file(str(tmp_path / "w.pkl.gz"), input_signature=SIG)
        with pytest.raises(KeyError, match="input_signature"):
            model.init_from_file(str(tmp_path / "s.pkl.gz"))


def test_signature_free_file_into_uninitialized_model_says_what_to_do(tmp_path):
    model = tiny_model()
    model.init(SIG)
    model.save_to_file(str(tmp_path / "s.pkl.gz"))
    with pytest.raises(ValueError, match="pass input_signature"):
        tiny_model().init_from_file(str(tmp_path / "s.pkl.gz"))


# --- 5. sentencepiece vocabularies without t5 (for users of trax.data itself) ------------
def test_sentencepiece_tokenize_detokenize_round_trip(tmp_path):
    import sentencepiece

    sentences = ["the cat sat on the mat", "a dog ran in the park", "attention is all you need",
                 "summaries are short texts", "the model reads the article"] * 4
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(sentences), model_writer=model,
                                             vocab_size=30, minloglevel=2)
    (tmp_path / "sp.model").write_bytes(model.getvalue())
    spec = dict(vocab_type="sentencepiece", vocab_file="sp.model", vocab_dir=str(tmp_path))
    text = "the dog reads the mat"
    ids = next(trax.data.Tokenize(**spec)(iter([text])))
    assert ids.dtype.kind == "i" and len(ids) > 1
    assert trax.data.detokenize(ids, **spec) == text
    assert trax.data.vocab_size(**spec, n_reserved_ids=2) == 32
    with compat.unpatched("_get_vocab"), pytest.raises(ImportError):
        next(trax.data.Tokenize(**spec)(iter([text])))


# --- 6. PadToLength (for users of trax.data itself) ---------------------------------------
def test_pad_to_length_default_pad_value_and_multiple():
    example = (np.arange(1, 6), np.arange(1, 4))
    padded = next(trax.data.PadToLength(len_map={0: 8, 1: 6})(iter([example])))
    np.testing.assert_array_equal(padded[0], [1, 2, 3, 4, 5, 0, 0, 0])
    np.testing.assert_array_equal(padded[1], [1, 2, 3, 0, 0, 0])
    by_key = next(trax.data.PadToLength(len_map={0: 6}, pad_value={0: -1})(iter([example])))
    np.testing.assert_array_equal(by_key[0], [1, 2, 3, 4, 5, -1])
    multiple = next(trax.data.PadToLength({0: 4, 1: 3}, 0, multiple=True)(iter([example])))
    assert [len(a) for a in multiple] == [8, 3]
    with compat.unpatched("PadToLength") as original:
        with pytest.raises(TypeError):
            next(original(len_map={0: 8})(iter([example])))
        old = next(original({0: 4}, {0: 0}, multiple=True)(iter([example])))
        assert len(old[0]) == 6  # trax pads by the remainder, not to the next multiple


# --- 8. Layer.pure_fn under jit ------------------------------------------------------------
def _jit_then_eager(layer, x):
    """Run layer.pure_fn under jit on a layer whose sublayers have no rng yet, then eagerly."""
    import jax
    weights, state = layer.weights, layer.state
    for sub in [layer, *layer.sublayers]:
        sub._rng = None  # as for layers never given an rng (e.g. built inside a predict model)
    jitted = jax.jit(lambda x, rng: layer.pure_fn(x, weights, state, rng)[0])
    jitted(x, jax.random.PRNGKey(0))
    return layer(x)


def test_pure_fn_under_jit_leaks_no_tracer():
    x = np.ones((2, 5), np.float32)
    layer = tl.Serial(tl.Dense(4), tl.Dropout(0.5, mode="train"), tl.Dense(3))
    layer.init(shapes.signature(x))
    assert _jit_then_eager(layer, x).shape == (2, 3)
    with compat.unpatched("pure_fn"):
        with pytest.raises(Exception, match="unexpected tracer"):  # trax wraps it in LayerError
            _jit_then_eager(layer, x)


# --- 9./10. Data parallelism on more than one device --------------------------------------
TWO_DEVICES_SCRIPT = """
import json, sys
import numpy as np
from trax_models import compat
sys.path.insert(0, sys.argv[1])
import test_compat as t


def run(output_dir):
    loop = t.tiny_loop(output_dir)
    loop.run(2)
    return loop.n_devices, float(np.asarray(loop.history.get("train", "metrics/CrossEntropyLoss")[-1][1]))


out = {"patched": run(sys.argv[2] + "/p")}
for name in ("for_n_devices", "pmap"):
    with compat.unpatched(name):
        try:
            run(sys.argv[2] + "/" + name)
            out[name] = "ran"
        except Exception as e:  # the failure trax's original gives on this stack
            out[name] = type(e).__name__ + ": " + str(e)[:200]
print(json.dumps(out))
"""


def test_loop_trains_data_parallel_on_two_devices(tmp_path):
    script = tmp_path / "two.py"
    script.write_text(TWO_DEVICES_SCRIPT)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
           "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, str(script), str(pathlib.Path(__file__).parent),
                             str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    n_devices, loss = out["patched"]
    assert n_devices == 2 and np.isfinite(loss)
    assert "device_put_replicated" in out["for_n_devices"]  # removed from jax
    assert out["pmap"].startswith("ValueError") and "sharding" in out["pmap"].lower()


# --- 12. Joining the processes: train's call, not the import's -----------------------------
JOIN_SCRIPT = """
import json, os
import trax_models  # TRAX_MODELS_NUM_PROCESSES=2 without a coordinator: no join, no exit
import jax
from jax._src import xla_bridge
from trax_models import compat
from trax_models.errors import UserError
out = {"started": xla_bridge.backends_are_initialized()}
try:
    compat.start_processes()
except UserError as e:
    out["inconsistent"] = str(e)
jax.numpy.zeros(1)  # JAX starts: too late to join
try:
    compat.start_processes({**os.environ, "TRAX_MODELS_COORDINATOR": "localhost:1"})
except UserError as e:
    out["late"] = str(e)
print(json.dumps(out))
"""


def test_importing_the_package_joins_no_processes():
    env = {**os.environ, "TRAX_MODELS_NUM_PROCESSES": "2", "TRAX_MODELS_PROCESS_ID": "1"}
    env.pop("TRAX_MODELS_COORDINATOR", None)
    done = subprocess.run([sys.executable, "-c", JOIN_SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["started"] is False
    assert "TRAX_MODELS_COORDINATOR" in out["inconsistent"]
    assert "cannot join the 2 training processes" in out["late"]
    assert compat.start_processes({}) is False  # one process: nothing to join


# train calls compat.start_processes() first; jax.distributed.initialize refuses to run once
# anything has started JAX's backend, so no module the CLI imports may start it.
CLI_SCRIPT = """
import json, traceback
from jax._src import xla_bridge
real, where = xla_bridge.backends, []
def backends():
    if not where:
        where.extend(f"{f.filename}:{f.lineno}" for f in traceback.extract_stack()
                     if "/trax_models/" in f.filename)
    return real()
xla_bridge.backends = backends
import trax_models.__main__  # every command's modules
print(json.dumps(where[-1:] if xla_bridge.backends_are_initialized() else []))
"""


def test_importing_the_cli_starts_no_jax_backend():
    done = subprocess.run([sys.executable, "-c", CLI_SCRIPT], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    started_at = json.loads(done.stdout.strip().splitlines()[-1])
    assert started_at == [], f"importing the CLI starts JAX's backend at {started_at[0]}"


# --- Trax without TensorFlow until it is used (trax_models.trax_import) --------------------
DEFERRED_SCRIPT = """
import json, sys
import numpy as np
import trax_models  # imports trax
import trax
from trax import shapes
out = {"after_import": "tensorflow" in sys.modules}
shapes.ShapeDtype((2, 3), np.int32)  # isinstance(shape, tf.TensorShape): no import for that
out["after_shapes"] = "tensorflow" in sys.modules
out["gfile"] = bool(trax.layers.base.tf.io.gfile.exists(sys.argv[1]))  # imports TF, quietly
import tensorflow as tf  # the real one, already loaded: trax's stand-ins delegate to it
out["tensorshape"] = list(shapes.ShapeDtype(tf.TensorShape([2, 3])).shape)
out["same_module"] = trax.data.inputs.tf.constant(1).numpy().item()
print(json.dumps(out))
"""


def test_trax_imports_without_tensorflow_until_it_is_used(tmp_path):
    done = subprocess.run([sys.executable, "-c", DEFERRED_SCRIPT, str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"after_import": False, "after_shapes": False, "tensorshape": [2, 3],
                   "gfile": True, "same_module": 1}
    assert "cuda drivers" not in done.stderr and "InitializeLog" not in done.stderr


def test_the_data_pipeline_imports_tensorflow_when_it_needs_it():
    # trax.data.tf_inputs calls TF at run time through the stand-in: real tensors come back.
    import tensorflow as tf  # noqa: F401  (in this process TF may be loaded already)

    ids = next(trax.data.tokenize(iter(["hello world"]), vocab_type="char"))
    assert list(ids) == [ord(c) for c in "hello world"]


# --- 11. Subword vocabularies read without TensorFlow --------------------------------------
VOCAB_SCRIPT = """
import json, sys
import trax_models
from trax_models import compat
from trax.data import text_encoder
name = sys.argv[2]
if name == "patched":
    enc = text_encoder.SubwordTextEncoder(sys.argv[1])
else:
    with compat.unpatched("subword_load_from_file"):
        enc = text_encoder.SubwordTextEncoder(sys.argv[1])
ids = enc.encode("the cat sat")
print(json.dumps([ids, enc.decode(ids), "tensorflow" in sys.modules]))
"""


def test_subword_vocabulary_loads_without_tensorflow(tmp_path):
    path = tmp_path / "v.subwords"
    path.write_text("".join(f"'{t}'\n" for t in ["<pad>", "<EOS>", "the_", "cat_", "sat_", "s",
                                                   "a", "t", "c", "h", "e", "_", " "]))
    runs = {}
    for name in ("patched", "original"):
        done = subprocess.run([sys.executable, "-c", VOCAB_SCRIPT, str(path), name],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        runs[name] = json.loads(done.stdout.strip().splitlines()[-1])
    assert runs["patched"][:2] == runs["original"][:2]  # same ids, same text
    assert runs["patched"][1] == "the cat sat"
    assert runs["patched"][2] is False and runs["original"][2] is True  # trax's reads need TF
    with pytest.raises(ValueError, match="not found"):
        trax.data.text_encoder.SubwordTextEncoder(str(tmp_path / "missing.subwords"))


# --- 14. A Loop built without importing TensorFlow (grading) --------------------------------
LOOP_SCRIPT = """
import json, sys, tempfile
import trax_models
from trax_models import compat
from trax_models.model import TransformerLM
from trax_models.summarizer.streams import synthetic_batches
from trax import layers as tl, optimizers
from trax.supervised import training
before = training.tf
def build():
    gen = synthetic_batches(batch_size=2, length=16, vocab_size=40, seed=0)
    task = training.TrainTask(gen, tl.CrossEntropyLoss(), optimizers.Adam(0.01))
    model = TransformerLM(vocab_size=40, d_model=8, d_ff=16, n_layers=1, n_heads=2)
    return training.Loop(model, [task], output_dir=tempfile.mkdtemp() + "/out")
if sys.argv[1] == "within":
    with compat.loop_without_tensorflow():
        loop = build()
else:
    loop = build()
print(json.dumps([type(loop).__name__, "tensorflow" in sys.modules, training.tf is before]))
"""


def test_a_loop_is_built_without_tensorflow_only_within_the_block():
    runs = {}
    for where in ("within", "outside"):
        done = subprocess.run([sys.executable, "-c", LOOP_SCRIPT, where], capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        runs[where] = json.loads(done.stdout.strip().splitlines()[-1])
    assert runs["within"] == ["Loop", False, True]  # and trax's own tf is back afterwards
    assert runs["outside"] == ["Loop", True, True]  # what the block saves: TF's import
