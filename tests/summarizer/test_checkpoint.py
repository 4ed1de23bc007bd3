"""Checkpoint directory: atomic files (also under a real kill -9), config + vocab, one
self-describing checkpoint (model kind and settings once, vocabulary digest, weights, optimizer
state, step, data position) loaded by load_model / load_weights / resume, one clear error for a
checkpoint of another model, shape or structure, and for one of an older format (retrain)."""
import gzip
import hashlib
import json
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from tests.summarizer._tiny_run import TINY, assert_clean_failure, run, tiny_run
from trax_models.atomic import atomic_write
from trax_models.errors import UserError
from trax_models.sources.vocab import build_vocab
from trax_models.summarizer import checkpoint, registry
from trax_models.summarizer.generate import Summarizer
from trax_models.summarizer.loop import make_loop
from trax_models.summarizer.streams import synthetic_batches
from trax_models.weights import flat_weights

from .conftest import tiny_train_config

VOCAB = 40


def tiny_config(output_dir, **overrides):
    return tiny_train_config(output_dir, **{**dict(dropout=0.0, steps=4, warmup_steps=2,
                                                   checkpoint_every=2, eval_every=100),
                                            **overrides})


def trained_dir(tmp_path, vocab_size=VOCAB, **overrides):
    """A checkpoint directory as `train` writes it (config.json of the training settings,
    vocab copy, model.pkl.gz: the model's description, weights, optimizer state)."""
    config = tiny_config(tmp_path / "run", **overrides)
    vocab, _ = build_vocab(["a tiny vocabulary"], tmp_path / "my.subwords", target_size=30)
    model_config = config.model_config(vocab_size)
    checkpoint.save_config(config.output_dir, {"data": {}, "train": {}}, vocab)
    loop = make_loop(config, model_config, synthetic_batches(seed=1), synthetic_batches(seed=2),
                     fingerprint=_description(config, vocab_size))
    loop.run(config.steps)
    return config, loop


def _description(config, vocab_size=VOCAB):
    """What `train` passes make_loop: the checkpoint's description of the model."""
    return checkpoint.describe(config.model, config.model_config(vocab_size),
                               f"{config.output_dir}/{checkpoint.VOCAB_FILE}")


def _make_loop(config, vocab_size=VOCAB):
    return make_loop(config, config.model_config(vocab_size), synthetic_batches(seed=1),
                     synthetic_batches(seed=2), fingerprint=_description(config, vocab_size))


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "f.bin"
    atomic_write(path, lambda f: f.write(b"old"))

    def broken(f):
        f.write(b"half of the new")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]  # no temporary file left


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    from trax_models.summarizer import checkpoint
    big = np.arange(3_000_000, dtype=np.float32)  # ≈12 MB: a write takes a while
    for i in range(10_000):
        checkpoint.write_checkpoint(sys.argv[1], {**checkpoint.describe("transformer_lm", {}),
                                                  "step": i, "flat_weights": [big + i]})
        print(i, flush=True)
""")


def test_kill_9_during_checkpoint_writes_leaves_a_loadable_checkpoint(tmp_path):
    script, path = tmp_path / "writer.py", tmp_path / "model.pkl.gz"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE,
                            text=True)
    for _ in range(3):  # a few complete writes, then kill at an arbitrary point of the next
        proc.stdout.readline()
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = checkpoint.read_checkpoint(path)
    assert saved["step"] >= 2
    np.testing.assert_array_equal(saved["flat_weights"][0][:3], np.arange(3) + saved["step"])


def test_loop_checkpoint_is_one_self_describing_file(tmp_path):
    config, loop = trained_dir(tmp_path)
    files = sorted(p.name for p in (tmp_path / "run").iterdir() if p.is_file())
    assert "model.pkl.gz" in files
    assert not [f for f in files if f.endswith(".npy.gz") or ".tmp-" in f]
    saved = checkpoint.read_checkpoint(tmp_path / "run" / "model.pkl.gz")
    assert checkpoint.description(saved) == _description(config)  # kind, settings, vocabulary
    assert saved["model"] == "transformer_lm" and saved["model_args"]["d_model"] == 16
    assert saved["step"] == 4 and saved["data_position"] == [4]
    assert saved["rng"].shape == (2,)
    assert len(saved["slots_per_task"][0]) == 2 * len(saved["flat_weights"])  # Adam m and v
    # each thing once: no copy of the settings, no format marker or signature of trax's
    assert set(saved) == {*checkpoint.DESCRIPTION, "step", "flat_weights", "flat_state",
                          "flat_eval_state", "slots_per_task", "history", "rng",
                          "data_position"}


def test_load_model_gives_the_trained_weights_in_eval_and_predict_mode(tmp_path):
    config, loop = trained_dir(tmp_path)
    model, saved_config = checkpoint.load_model(config.output_dir)
    assert saved_config["model_args"]["d_model"] == 16
    assert saved_config["vocab_path"].endswith("vocab.subwords")
    batch = next(synthetic_batches(seed=5))[0]
    expected = loop.eval_model(batch)
    np.testing.assert_allclose(model(batch), expected, atol=1e-6)
    predict, _ = checkpoint.load_model(config.output_dir, mode="predict")
    # predict mode is fed the shifted tokens: first the start-of-sequence 0, then x0, ...
    batch, expected = batch[:1], expected[:1]  # one row: the predict model's batch
    first = predict(np.zeros((1, 1), np.int32))
    second = predict(batch[:, :1])
    np.testing.assert_allclose(first[:, 0], expected[:, 0], atol=1e-5)
    np.testing.assert_allclose(second[:, 0], expected[:, 1], atol=1e-5)


@pytest.mark.parametrize("model", ["transformer_lm", "pointer_lm"])
def test_from_checkpoint_initialises_no_model_and_gets_the_trained_weights(tmp_path,
                                                                          monkeypatch, model):
    """summarize builds its predict models from the checkpoint's description and weights;
    loading initialises no eval model to take weights from (the structure is traced)."""
    config, loop = trained_dir(tmp_path, model=model)

    def no_init(*args, **kwargs):
        raise AssertionError("a model was initialised to load the weights into")
    monkeypatch.setattr(checkpoint, "init_compiled", no_init)
    summarizer = Summarizer.from_checkpoint(config.output_dir, max_new_tokens=4)
    monkeypatch.undo()
    assert summarizer.kind is registry.kind(model)
    assert summarizer.config == config.model_config(VOCAB)
    assert summarizer.vocab_file.endswith("vocab.subwords")
    got, want = flat_weights(summarizer.weights), flat_weights(loop.eval_model)
    assert len(got) == len(want) and all(isinstance(w, np.ndarray) for w in got)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, np.asarray(w))
    ids = summarizer.generate([[5, 6, 7]], max_new_tokens=4)
    loaded, _ = checkpoint.load_model(config.output_dir)
    assert ids == Summarizer(model, config.model_config(VOCAB), loaded.weights,
                             max_new_tokens=4).generate([[5, 6, 7]], max_new_tokens=4)


def test_load_config_then_load_weights_read_the_checkpoint_once(tmp_path, monkeypatch):
    """summarize's order: the second reader gets the first's contents while the file (its
    SHA-256 header) is the same; a rewritten checkpoint is read again."""
    config, _ = trained_dir(tmp_path)
    reads, read = [], checkpoint.read_checkpoint
    monkeypatch.setattr(checkpoint, "read_checkpoint", lambda p, **k: reads.append(p) or read(p))
    checkpoint.load_config(config.output_dir)
    checkpoint.load_weights(config.output_dir)
    assert len(reads) == 1
    checkpoint.load_config(config.output_dir)
    path = tmp_path / "run" / checkpoint.CHECKPOINT_FILE
    contents = read(path)
    checkpoint.write_checkpoint(path, dict(contents, model_args=dict(contents["model_args"],
                                                                     n_heads=4)))
    assert checkpoint.load_weights(config.output_dir)[0]["model_args"]["n_heads"] == 4
    assert len(reads) == 3


def test_the_checkpoint_alone_says_what_the_model_is(tmp_path):
    """config.json holds the training settings; what the weights are, the checkpoint alone."""
    config, _ = trained_dir(tmp_path)
    path = tmp_path / "run" / checkpoint.CONFIG_FILE
    record = json.loads(path.read_text())
    assert "model" not in record and "model_args" not in record
    loaded = checkpoint.load_config(config.output_dir)
    assert loaded["model"] == "transformer_lm"
    assert loaded["model_args"] == config.model_config(VOCAB).as_dict()
    Summarizer.from_checkpoint(config.output_dir, max_new_tokens=4)
    assert _make_loop(config).step == 4
    path.write_text(json.dumps(dict(record, model="transformer_lm")))  # one without the other
    with pytest.raises(UserError, match="lacks 'model' or 'model_args'"):
        checkpoint.load_config(config.output_dir)


def test_save_config_copies_the_vocabulary(tmp_path):
    config, _ = trained_dir(tmp_path)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["vocab"]["file"] == "vocab.subwords"
    assert (tmp_path / "run" / "vocab.subwords").read_text() == (
        tmp_path / "my.subwords").read_text()


def test_another_vocab_size_or_model_is_refused_naming_what_differs(tmp_path):
    config, _ = trained_dir(tmp_path)
    with pytest.raises(UserError, match=r"vocab_size 40 in the weights, 50 there"):
        _make_loop(config, 50)
    with pytest.raises(UserError, match=r"vocab_size 40 in the weights, 50 there"):
        make_loop(config, config.model_config(50), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))  # no description passed: the default one
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())  # naming a model by hand
    args = dict(config.model_config(VOCAB).as_dict(), d_model=32, n_heads=4)
    (tmp_path / "run" / "config.json").write_text(json.dumps(
        dict(cfg, model="transformer_lm", model_args=args)))
    for load in (checkpoint.load_model, checkpoint.load_weights, Summarizer.from_checkpoint):
        with pytest.raises(UserError, match=r"config.json does not describe the weights .*"
                                            r"d_model 16 in the weights, 32 there"):
            load(config.output_dir)


def test_another_depth_is_refused(tmp_path):
    config, _ = trained_dir(tmp_path)
    deeper = tiny_config(config.output_dir, n_layers=2)
    with pytest.raises(UserError, match="n_layers 1 in the weights, 2 there"):
        _make_loop(deeper)
    with pytest.raises(UserError, match="n_layers 1 in the weights, 2 there"):
        make_loop(deeper, deeper.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))  # no description passed: the default one


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nowhere", "does not exist"),
    (lambda d: d, "has no config.json"),
])
def test_missing_directory_or_config_is_a_user_error(tmp_path, make, message):
    for load in (checkpoint.load_model, checkpoint.load_weights):
        with pytest.raises(UserError, match=message):
            load(make(tmp_path))


def test_corrupt_checkpoint_is_a_user_error(tmp_path):
    path = tmp_path / "model.pkl.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(UserError, match="not a readable checkpoint"):
        checkpoint.read_checkpoint(path)


# --- Older formats: refused, never upgraded ----------------------------------------------------

def write_headerless(path, contents):
    """A checkpoint as trax's Loop and this program before the digest wrote it: a gzipped
    pickle without a "trax_models checkpoint" header."""
    with gzip.open(path, "wb") as f:
        pickle.dump(contents, f)


def write_v2(path, contents):
    """A checkpoint of format v2 (digest header, the settings in a "fingerprint")."""
    payload = pickle.dumps(contents)
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    with gzip.open(path, "wb") as f:
        f.write(b"trax_models checkpoint v2 sha256:" + digest + b"\n" + payload)


def _v2_contents(contents):
    """``contents`` as format v2 held them."""
    v2 = {k: v for k, v in contents.items() if k not in checkpoint.DESCRIPTION}
    return dict(v2, fingerprint=checkpoint.description(contents), version_timestamp="Mar-10-2021")


OLDER = {
    "v2": lambda path, c: write_v2(path, _v2_contents(c)),
    "headerless": lambda path, c: write_headerless(path, _v2_contents(c)),
    "trax's three files": lambda path, c: write_headerless(
        path, dict(_v2_contents(c), flat_weights=2, slots_per_task=2)),
}
OLDER_MESSAGE = "this checkpoint was written by an older trax_models .*; retrain"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(TrainConfig, contents) of a checkpoint make_loop wrote; copy its directory to change it."""
    config, _ = trained_dir(tmp_path_factory.mktemp("saved"))
    return config, checkpoint.read_checkpoint(f"{config.output_dir}/{checkpoint.CHECKPOINT_FILE}")


@pytest.fixture
def run_dir(saved, tmp_path):
    """A copy of ``saved``'s run directory: (TrainConfig pointing at it, its model.pkl.gz)."""
    config, _ = saved
    shutil.copytree(config.output_dir, tmp_path / "run")
    config = tiny_config(tmp_path / "run")
    return config, tmp_path / "run" / checkpoint.CHECKPOINT_FILE


@pytest.mark.parametrize("older", OLDER)
def test_a_checkpoint_of_an_older_format_is_refused_retrain(saved, run_dir, older):
    config, path = run_dir
    OLDER[older](path, saved[1])
    for load in (checkpoint.read_checkpoint, lambda p: checkpoint.load_model(p.parent),
                 lambda p: Summarizer.from_checkpoint(p.parent), lambda p: _make_loop(config)):
        with pytest.raises(UserError, match=OLDER_MESSAGE) as e:
            load(path)
        assert str(path) in str(e.value) and "\n" not in str(e.value)


# --- The structure of the contents, checked right after unpickling ------------------------------

def _without(contents, key):
    return {k: v for k, v in contents.items() if k != key}


# name: (what to do to good contents, what the message must say)
BROKEN = {
    "no flat_weights": (lambda c: _without(c, "flat_weights"), "it has no 'flat_weights'"),
    "flat_weights a str": (lambda c: dict(c, flat_weights="weights"),
                           "its 'flat_weights' is a str, not a list of numeric arrays"),
    "flat_weights None": (lambda c: dict(c, flat_weights=None), "its 'flat_weights' is None"),
    "weights that are strings": (lambda c: dict(c, flat_weights=["w"] * 22),
                                 "its 'flat_weights' is a list of str,"),
    "weights that are None": (lambda c: dict(c, flat_weights=[None] * 22),
                              "its 'flat_weights' is a list of NoneType,"),
    "weights that are dicts": (lambda c: dict(c, flat_weights=[{"w": c["flat_weights"]}] * 22),
                               "its 'flat_weights' is a list of dict,"),
    "weights of objects": (lambda c: dict(c, flat_weights=[np.array(["w"], object)] * 22),
                           "its 'flat_weights' is a list of ndarray, not a list of numeric"),
    "model a list": (lambda c: dict(c, model=["transformer_lm"]),
                     "its 'model' is a list of str, not a model kind's name"),
    "model_args a list": (lambda c: dict(c, model_args=[16]),
                          "its 'model_args' is a list of int, not a dict of model settings"),
    "vocab_sha256 an int": (lambda c: dict(c, vocab_sha256=7),
                            "its 'vocab_sha256' is an int, not None or a SHA-256"),
    "no model_args": (lambda c: _without(c, "model_args"),
                      "it has no 'model_args', which describes its weights"),
    "no description": (lambda c: {k: v for k, v in c.items() if k not in checkpoint.DESCRIPTION},
                       "it has no 'model', which describes its weights"),
    "step a str": (lambda c: dict(c, step="4"), "its 'step' is a str, not a whole number"),
    "step negative": (lambda c: dict(c, step=-1), "its 'step' is an int, not a whole number"),
    "history a list": (lambda c: dict(c, history=[]), "its 'history' is an empty list, not trax's"),
    "history with another key": (lambda c: dict(c, history={"_values": {}, "append": 0}),
                                 "its 'history' is a dict, not trax's History.to_dict()"),
    "history table a list": (lambda c: dict(c, history={"_values": {"train": []}}),
                             "its 'history' is a dict, not trax's"),
    "slots a str": (lambda c: dict(c, slots_per_task="m, v"), "its 'slots_per_task' is a str"),
    "slots an int": (lambda c: dict(c, slots_per_task=2), "its 'slots_per_task' is an int"),
    "slots that are strings": (lambda c: dict(c, slots_per_task=[["m", "v"]]),
                               "its 'slots_per_task' is a list of list,"),
    "state a str": (lambda c: dict(c, flat_state="state"), "its 'flat_state' is a str"),
    "eval state of dicts": (lambda c: dict(c, flat_eval_state=[{}] * 4),
                            "its 'flat_eval_state' is a list of dict"),
    "rng a str": (lambda c: dict(c, rng="seed"), "its 'rng' is a str"),
    "rng of floats": (lambda c: dict(c, rng=np.zeros(2)), "its 'rng' is a ndarray, not an array"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_contents_of_another_structure_are_one_line(saved, tmp_path, name):
    """Each was a KeyError, TypeError or AttributeError traceback in summarize, evaluate or
    resume."""
    change, message = BROKEN[name]
    path = tmp_path / checkpoint.CHECKPOINT_FILE
    checkpoint.write_checkpoint(path, change(saved[1]))
    for for_training in (False, True):
        with pytest.raises(UserError) as e:
            checkpoint.read_checkpoint(path, for_training=for_training)
        text = str(e.value)
        assert message in text and str(path) in text and "\n" not in text
        assert "restore it from a copy" in text and "train --fresh" in text


def test_a_pickled_list_is_refused(tmp_path):
    path = tmp_path / checkpoint.CHECKPOINT_FILE
    checkpoint.write_checkpoint(path, [np.zeros(3)])
    with pytest.raises(UserError, match="it holds a list, not a checkpoint"):
        checkpoint.read_checkpoint(path)


@pytest.mark.parametrize("key", ["step", "slots_per_task", "flat_state", "flat_eval_state",
                                 "history", "rng"])
def test_resuming_needs_what_summarizing_does_not(saved, run_dir, key):
    config, path = run_dir
    checkpoint.write_checkpoint(path, _without(saved[1], key))
    checkpoint.load_model(config.output_dir)  # the weights are all summarize needs
    checkpoint.load_weights(config.output_dir)
    with pytest.raises(UserError, match=f"it has no '{key}', which resuming training needs"):
        _make_loop(config)


@pytest.mark.parametrize("change, message", [
    (lambda w: w[:-1], "the checkpoint holds 21 weight arrays but the model has 22"),
    (lambda w: [w[0].T] + w[1:], r"Embedding weight #0 has shape \(16, 40\) in the checkpoint "
                                 r"but \(40, 16\)"),
], ids=["fewer", "transposed"])
def test_weights_of_another_count_or_shape_name_both(saved, run_dir, change, message):
    config, path = run_dir
    checkpoint.write_checkpoint(path, dict(saved[1],
                                           flat_weights=change(saved[1]["flat_weights"])))
    for load in (checkpoint.load_model, checkpoint.load_weights, Summarizer.from_checkpoint):
        with pytest.raises(UserError, match=message):
            load(config.output_dir)
    with pytest.raises(UserError, match=message):
        _make_loop(config)


@pytest.mark.parametrize("change, message", [
    (lambda c: dict(c, slots_per_task=[c["slots_per_task"][0][:-1]]),
     r"\(optimizer slots: 43 arrays in the checkpoint, 44 in the model\)"),
    (lambda c: dict(c, slots_per_task=c["slots_per_task"] * 2),
     r"\(optimizer slots: 88 arrays in the checkpoint, 44 in the model\)"),
    (lambda c: dict(c, slots_per_task=[[s.reshape(-1) for s in c["slots_per_task"][0]]]),
     r"\(optimizer slots: #0 has shape \(640,\) in the checkpoint but \(40, 16\) in the model\)"),
    (lambda c: dict(c, flat_state=c["flat_state"][:-1]), r"\(model state: 3 arrays"),
    (lambda c: dict(c, flat_eval_state=c["flat_eval_state"] + [np.zeros(2)]),
     r"\(eval model state: 5 arrays"),
    (lambda c: dict(c, rng=c["rng"][:1]), r"\(RNG key: #0 has shape \(1,\) in the checkpoint"),
], ids=["fewer slots", "two tasks", "a slot reshaped", "fewer states", "one more eval state",
        "a short RNG key"])
def test_resuming_from_slots_state_or_rng_that_do_not_fit_is_refused(saved, run_dir, change,
                                                                    message):
    """trax matched these by shape: fewer slots trained on with fresh ones, silently; an
    extra state array or a short RNG key ended in an IndexError or TypeError traceback."""
    config, path = run_dir
    checkpoint.write_checkpoint(path, change(saved[1]))
    with pytest.raises(UserError, match=message) as e:
        _make_loop(config)
    assert str(path) in str(e.value) and "train --fresh" in str(e.value)


def test_resume_restores_weights_slots_states_step_history_and_rng(saved, run_dir):
    """Through trax's public setters (no trax reader, nothing patched): all of it."""
    config, _ = run_dir
    loop, contents = _make_loop(config), saved[1]
    assert loop.step == 4 and loop.last_checkpoint_step == 4
    for got, want in [(flat_weights(loop.model), contents["flat_weights"]),
                      (flat_weights(loop.eval_model), contents["flat_weights"]),
                      (loop._flat()[3][0], contents["slots_per_task"][0])]:
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
    assert loop.history.to_dict() == contents["history"]
    np.testing.assert_array_equal(np.asarray(loop._rng), contents["rng"])
    assert loop.tasks[0].labeled_data.position == 4


# --- Through the command line: one error: line, no traceback --------------------------------

ARTICLE = "alpha beta river city storm team court vote market gamma delta."


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """(run dir, data file, contents) of a 2-step `train` run; copy the directory to change it."""
    out, data = tiny_run(tmp_path_factory.mktemp("cli"))
    return out, data, checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)


@pytest.fixture
def run_copy(cli_run, tmp_path):
    """A copy of ``cli_run``: (run dir, data file, contents)."""
    out, data, contents = cli_run
    shutil.copytree(out, tmp_path / "run")
    return tmp_path / "run", data, contents


def _summarize(directory, tmp_path, command="summarize"):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    flags = ["--max-new-tokens", "4", article] if command == "summarize" else ["--n", "2"]
    return run([command, "--checkpoint", directory, *flags])


def _assert_one_line(code, err, *words):
    assert code == 2
    assert_clean_failure(code, err)
    assert all(w in err for w in words), err


def test_train_writes_the_description_once_into_its_checkpoint(cli_run):
    out, _, contents = cli_run
    config = json.loads((out / checkpoint.CONFIG_FILE).read_text())
    assert "model" not in config and "model_args" not in config  # the checkpoint's alone
    args = contents["model_args"]
    assert (args["d_model"], args["n_layers"], args["n_heads"]) == (16, 1, 2)  # TINY's
    assert checkpoint.description(contents) == checkpoint.describe(  # train's default kind
        "pointer_lm", registry.kind("pointer_lm").config.from_dict(args),
        out / checkpoint.VOCAB_FILE)
    assert checkpoint.load_config(out)["model_args"] == args


@pytest.mark.parametrize("command", ["summarize", "evaluate"])
@pytest.mark.parametrize("change, message", [
    (lambda c: _without(c, "flat_weights"), "it has no 'flat_weights'"),  # was a KeyError
    (lambda c: dict(c, flat_weights=None), "its 'flat_weights' is None"),  # a TypeError
    (lambda c: dict(c, model_args="x"), "its 'model_args' is a str"),  # an AttributeError
    (lambda c: [c], "it holds a list, not a checkpoint"),
], ids=["no flat_weights", "flat_weights None", "model_args a str", "a list"])
def test_summarize_and_evaluate_refuse_a_checkpoint_of_another_structure_in_one_line(
        run_copy, tmp_path, command, change, message):
    out, _, contents = run_copy
    checkpoint.write_checkpoint(out / checkpoint.CHECKPOINT_FILE, change(contents))
    code, _, err = _summarize(out, tmp_path, command)
    _assert_one_line(code, err, str(out / checkpoint.CHECKPOINT_FILE), message, "--fresh")


@pytest.mark.parametrize("command", ["summarize", "evaluate", "train"])
def test_every_command_refuses_an_older_checkpoint_in_one_line(run_copy, tmp_path, command):
    out, data, contents = run_copy
    OLDER["v2"](out / checkpoint.CHECKPOINT_FILE, contents)
    older = (out / checkpoint.CHECKPOINT_FILE).read_bytes()
    if command == "train":
        code, _, err = run(["train", "--source", data, *TINY, "--steps", "3",
                            "--output_dir", out])
    else:
        code, _, err = _summarize(out, tmp_path, command)
    _assert_one_line(code, err, str(out / checkpoint.CHECKPOINT_FILE),
                     "written by an older trax_models", "retrain")
    assert (out / checkpoint.CHECKPOINT_FILE).read_bytes() == older  # not overwritten


@pytest.mark.parametrize("change, message", [
    (lambda c: _without(c, "history"), "it has no 'history', which resuming"),  # a KeyError
    (lambda c: dict(c, flat_state=["x"] * 4), "its 'flat_state' is a list of str"),
    (lambda c: dict(c, slots_per_task=[c["slots_per_task"][0][:-2]]), "(optimizer slots: "),
], ids=["no history", "state of strings", "fewer slots"])
def test_train_refuses_to_resume_from_a_checkpoint_that_does_not_fit_in_one_line(
        run_copy, change, message):
    out, data, contents = run_copy
    checkpoint.write_checkpoint(out / checkpoint.CHECKPOINT_FILE, change(contents))
    changed = (out / checkpoint.CHECKPOINT_FILE).read_bytes()
    code, _, err = run(["train", "--source", data, *TINY, "--steps", "3", "--output_dir", out])
    _assert_one_line(code, err, str(out / checkpoint.CHECKPOINT_FILE), message, "--fresh")
    assert (out / checkpoint.CHECKPOINT_FILE).read_bytes() == changed  # not overwritten


def _cut(path):
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])


COPY_IT = "copy the vocabulary the model was trained with there"


@pytest.mark.parametrize("damage, file, words", [
    (lambda p: p.unlink(), "config.json", ["has no config.json"]),
    (lambda p: p.unlink(), "vocab.subwords", ["lacks its vocabulary vocab.subwords", COPY_IT]),
    (lambda p: p.write_bytes(bytes(range(256))), "vocab.subwords",
     ["vocab.subwords is not a subword vocabulary this program can use ('utf-8'", COPY_IT]),
    (lambda p: p.write_bytes(b""), "vocab.subwords", ["vocab.subwords is not a subword", COPY_IT]),
    (_cut, "vocab.subwords", ["vocab.subwords is not a subword vocabulary", COPY_IT]),
], ids=["no config.json", "no vocabulary", "binary vocabulary", "empty vocabulary", "cut vocabulary"])
def test_a_missing_or_damaged_config_or_vocabulary_beside_a_checkpoint_is_one_line(
        run_copy, tmp_path, damage, file, words):
    """Each names the file and what to do: a damaged vocabulary was a traceback, then a line
    that said to pass --vocab_file."""
    directory = run_copy[0]
    damage(directory / file)
    code, _, err = _summarize(directory, tmp_path)
    _assert_one_line(code, err, str(directory), *words)
    assert "--vocab_file" not in err  # summarize has no such flag
