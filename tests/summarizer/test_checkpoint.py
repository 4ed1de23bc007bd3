"""Checkpoint directory: atomic files (also under a real kill -9), config + vocab, load_model,
one clear error for a checkpoint of another shape, and for contents of another structure in
either format (with the digest header, or without it as trax and earlier versions wrote)."""
import gzip
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
from trax_models.summarizer import checkpoint
from trax_models.summarizer.loop import make_loop
from trax_models.summarizer.streams import synthetic_batches
from trax_models.weights import flat_weights, load_flat_weights

from .conftest import tiny_train_config

VOCAB = 40


def tiny_config(output_dir, **overrides):
    return tiny_train_config(output_dir, **{**dict(dropout=0.0, steps=4, warmup_steps=2,
                                                   checkpoint_every=2, eval_every=100),
                                            **overrides})


def trained_dir(tmp_path, vocab_size=VOCAB, **overrides):
    """A checkpoint directory as `train` writes it (config.json, vocab copy, model.pkl.gz)."""
    config = tiny_config(tmp_path / "run", **overrides)
    loop = make_loop(config, config.model_config(vocab_size), synthetic_batches(seed=1),
                     synthetic_batches(seed=2))
    loop.run(config.steps)
    vocab, _ = build_vocab(["a tiny vocabulary"], tmp_path / "my.subwords", target_size=30)
    checkpoint.save_config(config.output_dir, {
        "model": config.model, "model_args": config.model_config(vocab_size).as_dict(),
        "data": {}, "train": {}}, vocab)
    return config, loop


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
        checkpoint.write_checkpoint(sys.argv[1], {"step": i, "flat_weights": [big + i]})
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


def test_loop_checkpoint_is_one_file_with_rng_and_data_position(tmp_path):
    config, loop = trained_dir(tmp_path)
    files = sorted(p.name for p in (tmp_path / "run").iterdir() if p.is_file())
    assert "model.pkl.gz" in files
    assert not [f for f in files if f.endswith(".npy.gz") or ".tmp-" in f]
    saved = checkpoint.read_checkpoint(tmp_path / "run" / "model.pkl.gz")
    assert saved["step"] == 4 and saved["data_position"] == [4]
    assert saved["rng"].shape == (2,)
    assert len(saved["slots_per_task"][0]) == 2 * len(saved["flat_weights"])  # Adam m and v


def test_load_model_gives_the_trained_weights_in_eval_and_predict_mode(tmp_path):
    config, loop = trained_dir(tmp_path)
    model, saved_config = checkpoint.load_model(config.output_dir)
    assert saved_config["model_args"]["d_model"] == 16
    assert saved_config["vocab_path"].endswith("vocab.subwords")
    batch = next(synthetic_batches(seed=5))[0]
    expected = loop.eval_model(batch)
    np.testing.assert_allclose(model(batch), expected, atol=1e-6)
    predict, _ = checkpoint.load_model(config.output_dir, mode="predict", batch_size=4)
    # predict mode is fed the shifted tokens: first the start-of-sequence 0, then x0, ...
    first = predict(np.zeros((4, 1), np.int32))
    second = predict(batch[:, :1])
    np.testing.assert_allclose(first[:, 0], expected[:, 0], atol=1e-5)
    np.testing.assert_allclose(second[:, 0], expected[:, 1], atol=1e-5)


def test_save_config_copies_the_vocabulary(tmp_path):
    config, _ = trained_dir(tmp_path)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["vocab"]["file"] == "vocab.subwords"
    assert (tmp_path / "run" / "vocab.subwords").read_text() == (
        tmp_path / "my.subwords").read_text()


def test_another_vocab_size_is_refused_naming_both_shapes(tmp_path):
    config, _ = trained_dir(tmp_path)
    with pytest.raises(UserError, match=r"\(40, 16\) in the checkpoint but \(50, 16\)"):
        make_loop(config, config.model_config(50), synthetic_batches(seed=1),
                           synthetic_batches(seed=2))
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    cfg["model_args"]["d_model"] = 32
    cfg["model_args"]["n_heads"] = 4
    (tmp_path / "run" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(UserError, match=r"Embedding weight #0 has shape \(40, 16\) in the "
                                        r"checkpoint but \(40, 32\) in the model"):
        checkpoint.load_model(config.output_dir)


def test_another_depth_is_refused(tmp_path):
    config, _ = trained_dir(tmp_path)
    deeper = tiny_config(config.output_dir, n_layers=2)
    with pytest.raises(UserError, match="does not fit the model"):
        make_loop(deeper, deeper.model_config(VOCAB), synthetic_batches(seed=1),
                           synthetic_batches(seed=2))


@pytest.mark.parametrize("missing", [3, 1])
def test_a_pointer_checkpoint_of_before_the_match_terms_loads_with_them_off(tmp_path, missing):
    """pointer_lm checkpoints written before the head gained γ, wc and κ (2 Dec 2026) hold
    three weight arrays fewer, or one (κ): they load, with those zero (terms off); two fewer
    is refused."""
    config, _ = trained_dir(tmp_path, model="pointer_lm")
    path = config.output_dir + "/" + checkpoint.CHECKPOINT_FILE
    current, _ = checkpoint.load_model(config.output_dir)
    flat = [np.asarray(w) for w in flat_weights(current)]
    batch = next(synthetic_batches(seed=5))[0]
    trained_out = np.asarray(current(batch))
    contents = checkpoint.read_checkpoint(path)
    checkpoint.write_checkpoint(path, dict(contents, flat_weights=flat[:-missing]))
    old, _ = checkpoint.load_model(config.output_dir)
    assert not any(np.asarray(w).any() for w in flat_weights(old)[-missing:])
    load_flat_weights(current, flat[:-missing] + [np.zeros_like(w) for w in flat[-missing:]])
    np.testing.assert_allclose(np.asarray(old(batch)), np.asarray(current(batch)), atol=1e-6)
    assert not np.allclose(np.asarray(old(batch)), trained_out, atol=1e-4)  # the terms mattered
    checkpoint.write_checkpoint(path, dict(contents, flat_weights=flat[:-2]))
    with pytest.raises(UserError, match="does not fit the model"):
        checkpoint.load_model(config.output_dir)


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nowhere", "does not exist"),
    (lambda d: d, "has no config.json"),
])
def test_missing_directory_or_config_is_a_user_error(tmp_path, make, message):
    with pytest.raises(UserError, match=message):
        checkpoint.load_model(make(tmp_path))


def test_corrupt_checkpoint_is_a_user_error(tmp_path):
    path = tmp_path / "model.pkl.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(UserError, match="not a readable checkpoint"):
        checkpoint.read_checkpoint(path)


# --- The structure of the contents, checked for both formats right after unpickling ---------

def write_headerless(path, contents):
    """A checkpoint as trax's Loop and this program before the digest wrote it: a gzipped
    pickle without the "trax_models checkpoint v2" header (only the gzip CRC vouches for it)."""
    with gzip.open(path, "wb") as f:
        pickle.dump(contents, f)


WRITERS = {"headerless": write_headerless, "with digest": checkpoint.write_checkpoint}


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
    "fingerprint a str": (lambda c: dict(c, fingerprint="transformer_lm"),
                          "its 'fingerprint' is a str"),
    "fingerprint model_args a list": (lambda c: dict(c, fingerprint={"model_args": [16]}),
                                      "its 'fingerprint' is a dict, not None or a dict whose"),
    "step a str": (lambda c: dict(c, step="4"), "its 'step' is a str, not a whole number"),
    "step negative": (lambda c: dict(c, step=-1), "its 'step' is an int, not a whole number"),
    "history a list": (lambda c: dict(c, history=[]), "its 'history' is an empty list, not trax's"),
    "history with another key": (lambda c: dict(c, history={"_values": {}, "append": 0}),
                                 "its 'history' is a dict, not trax's History.to_dict()"),
    "history table a list": (lambda c: dict(c, history={"_values": {"train": []}}),
                             "its 'history' is a dict, not trax's"),
    "slots a str": (lambda c: dict(c, slots_per_task="m, v"), "its 'slots_per_task' is a str"),
    "slots that are strings": (lambda c: dict(c, slots_per_task=[["m", "v"]]),
                               "its 'slots_per_task' is a list of list,"),
    "state a str": (lambda c: dict(c, flat_state="state"), "its 'flat_state' is a str"),
    "eval state of dicts": (lambda c: dict(c, flat_eval_state=[{}] * 4),
                            "its 'flat_eval_state' is a list of dict"),
    "rng a str": (lambda c: dict(c, rng="seed"), "its 'rng' is a str"),
    "rng of floats": (lambda c: dict(c, rng=np.zeros(2)), "its 'rng' is a ndarray, not an array"),
}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", BROKEN)
def test_contents_of_another_structure_are_one_line_in_either_format(saved, tmp_path, writer,
                                                                     name):
    """Each was a KeyError, TypeError or AttributeError traceback in summarize, evaluate or
    resume (or loaded: a headerless file's contents were not checked at all)."""
    change, message = BROKEN[name]
    path = tmp_path / checkpoint.CHECKPOINT_FILE
    WRITERS[writer](path, change(saved[1]))
    for for_training in (False, True):
        with pytest.raises(UserError) as e:
            checkpoint.read_checkpoint(path, for_training=for_training)
        text = str(e.value)
        assert message in text and str(path) in text and "\n" not in text
        assert "restore it from a copy" in text and "train --fresh" in text


def test_a_pickled_list_is_refused_in_either_format(tmp_path):
    path = tmp_path / checkpoint.CHECKPOINT_FILE
    for write in WRITERS.values():
        write(path, [np.zeros(3)])
        with pytest.raises(UserError, match="it holds a list, not a checkpoint"):
            checkpoint.read_checkpoint(path)


@pytest.mark.parametrize("key", ["step", "slots_per_task", "flat_state", "history"])
def test_resuming_needs_what_trax_reads_summarizing_does_not(saved, run_dir, key):
    config, path = run_dir
    write_headerless(path, _without(saved[1], key))
    checkpoint.load_model(config.output_dir)  # the weights are all summarize needs
    with pytest.raises(UserError, match=f"it has no '{key}', which resuming training needs"):
        make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("change, message", [
    (lambda w: w[:-1], "the checkpoint holds 21 weight arrays but the model has 22"),
    (lambda w: [w[0].T] + w[1:], r"Embedding weight #0 has shape \(16, 40\) in the checkpoint "
                                 r"but \(40, 16\)"),
], ids=["fewer", "transposed"])
def test_weights_of_another_count_or_shape_name_both_in_either_format(saved, run_dir, writer,
                                                                      change, message):
    config, path = run_dir
    WRITERS[writer](path, dict(saved[1], flat_weights=change(saved[1]["flat_weights"])))
    with pytest.raises(UserError, match=message):
        checkpoint.load_model(config.output_dir)
    with pytest.raises(UserError, match=message):
        make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))


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
], ids=["fewer slots", "two tasks", "a slot reshaped", "fewer states", "one more eval state", "a short RNG key"])
def test_resuming_from_slots_state_or_rng_that_do_not_fit_is_refused(saved, run_dir, change,
                                                                    message):
    """trax matched these by shape: fewer slots trained on with fresh ones, silently; an
    extra state array or a short RNG key ended in an IndexError or TypeError traceback."""
    config, path = run_dir
    write_headerless(path, change(saved[1]))
    with pytest.raises(UserError, match=message) as e:
        make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))
    assert str(path) in str(e.value) and "train --fresh" in str(e.value)


def test_a_headerless_checkpoint_of_the_right_structure_loads_and_resumes(saved, run_dir):
    config, path = run_dir
    write_headerless(path, dict(saved[1], input_signature="not read: the loop has its own"))
    model, _ = checkpoint.load_model(config.output_dir)
    np.testing.assert_array_equal(flat_weights(model)[0], saved[1]["flat_weights"][0])
    loop = make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                     synthetic_batches(seed=2))
    assert loop.step == 4


def _side_file(path, arrays):
    """trax's three-file format: the arrays, np.save'd one after the other into a gzip file."""
    with gzip.open(path, "wb") as f:
        for a in arrays:
            np.save(f, a)


def test_trax_three_file_weights_are_read_from_their_side_file_to_the_end(tmp_path):
    """trax's reader stopped silently at the first array it could not read; a missing side
    file was a FileNotFoundError traceback."""
    path, side = tmp_path / "model.pkl.gz", tmp_path / "model.weights.npy.gz"
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(4, np.int32)]
    write_headerless(path, {"flat_weights": 2, "step": 3})  # 2: the side file's gzip level
    _side_file(side, arrays)
    got = checkpoint.read_checkpoint(path)["flat_weights"]
    assert [a.tolist() for a in got] == [a.tolist() for a in arrays]
    with gzip.open(side, "rb") as f:
        raw = f.read()
    with gzip.open(side, "wb") as f:
        f.write(raw[:-4])  # the gzip stream intact, the last array cut
    with pytest.raises(UserError, match=f"{side} is not a readable checkpoint: it is damaged"):
        checkpoint.read_checkpoint(path)
    side.write_bytes(side.read_bytes()[:20])  # the gzip stream cut
    with pytest.raises(UserError, match="damaged"):
        checkpoint.read_checkpoint(path)
    side.unlink()
    with pytest.raises(UserError, match=f"{side} is missing: {path} \\(trax's three-file"):
        checkpoint.read_checkpoint(path)
    _side_file(side, [np.array(["w"])])
    with pytest.raises(UserError, match="'flat_weights' is a list of ndarray, not a list of"):
        checkpoint.read_checkpoint(path)


def test_trax_three_file_checkpoint_resumes_with_its_side_files_checked(saved, run_dir):
    config, path = run_dir
    contents = saved[1]
    write_headerless(path, dict(contents, flat_weights=2, slots_per_task=2))
    _side_file(path.parent / "model.weights.npy.gz", contents["flat_weights"])
    checkpoint.load_model(config.output_dir)  # summarizing reads no slots
    with pytest.raises(UserError, match="model.opt_slots0.npy.gz is missing"):
        make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))
    _side_file(path.parent / "model.opt_slots0.npy.gz", contents["slots_per_task"][0][:-1])
    with pytest.raises(UserError, match="optimizer slots: 43 arrays in the checkpoint, 44"):
        make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                  synthetic_batches(seed=2))
    _side_file(path.parent / "model.opt_slots0.npy.gz", contents["slots_per_task"][0])
    loop = make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=1),
                     synthetic_batches(seed=2))
    assert loop.step == 4


# --- Through the command line: one error: line, no traceback --------------------------------

ARTICLE = "alpha beta river city storm team court vote market gamma delta."


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """(run dir, data file, contents) of a 2-step `train` run; copy the directory to change it."""
    out, data = tiny_run(tmp_path_factory.mktemp("cli"))
    return out, data, checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)


@pytest.fixture
def legacy_copy(cli_run, tmp_path):
    """A copy of ``cli_run`` whose checkpoint is headerless and has no fingerprint, as this
    program wrote them before the digest: (run dir, data file, contents)."""
    out, data, contents = cli_run
    shutil.copytree(out, tmp_path / "run")
    contents = dict(contents, fingerprint=None)
    write_headerless(tmp_path / "run" / checkpoint.CHECKPOINT_FILE, contents)
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


@pytest.mark.parametrize("command", ["summarize", "evaluate"])
@pytest.mark.parametrize("change, message", [
    (lambda c: _without(c, "flat_weights"), "it has no 'flat_weights'"),  # was a KeyError
    (lambda c: dict(c, flat_weights=None), "its 'flat_weights' is None"),  # a TypeError
    (lambda c: dict(c, fingerprint="x"), "its 'fingerprint' is a str"),  # an AttributeError
    (lambda c: dict(c, flat_weights=2), "model.weights.npy.gz is missing: "),  # not found
    (lambda c: [c], "it holds a list, not a checkpoint"),
], ids=["no flat_weights", "flat_weights None", "fingerprint a str", "no side file", "a list"])
def test_summarize_and_evaluate_refuse_a_headerless_checkpoint_in_one_line(
        legacy_copy, tmp_path, command, change, message):
    out, _, contents = legacy_copy
    write_headerless(out / checkpoint.CHECKPOINT_FILE, change(contents))
    code, _, err = _summarize(out, tmp_path, command)
    _assert_one_line(code, err, str(out / checkpoint.CHECKPOINT_FILE), message, "--fresh")


@pytest.mark.parametrize("change, message", [
    (lambda c: _without(c, "history"), "it has no 'history', which resuming"),  # a KeyError
    (lambda c: dict(c, flat_state=["x"] * 4), "its 'flat_state' is a list of str"),
    (lambda c: dict(c, slots_per_task=[c["slots_per_task"][0][:-2]]), "(optimizer slots: "),
], ids=["no history", "state of strings", "fewer slots"])
def test_train_refuses_to_resume_from_a_headerless_checkpoint_in_one_line(legacy_copy, change,
                                                                         message):
    out, data, contents = legacy_copy
    write_headerless(out / checkpoint.CHECKPOINT_FILE, change(contents))
    changed = (out / checkpoint.CHECKPOINT_FILE).read_bytes()
    code, _, err = run(["train", "--source", data, *TINY, "--steps", "3", "--output_dir", out])
    _assert_one_line(code, err, str(out / checkpoint.CHECKPOINT_FILE), message, "--fresh")
    assert (out / checkpoint.CHECKPOINT_FILE).read_bytes() == changed  # not overwritten


def test_a_headerless_checkpoint_without_fingerprint_still_summarizes_and_resumes(
        legacy_copy, tmp_path):
    out, data, _ = legacy_copy
    code, stdout, err = _summarize(out, tmp_path)
    assert code == 0 and stdout.strip(), err
    code, stdout, err = run(["train", "--source", data, *TINY, "--steps", "3",
                             "--output_dir", out])
    assert code == 0 and "resuming from" in stdout, err


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
        cli_run, legacy_copy, tmp_path, damage, file, words):
    """Each names the file and what to do, with a fingerprint (which compares the
    vocabulary's SHA-256) or without one (a headerless checkpoint of before the digest): a
    damaged vocabulary was a traceback, then a line that said to pass --vocab_file."""
    current = shutil.copytree(cli_run[0], tmp_path / "current")
    for directory in (legacy_copy[0], current):
        damage(directory / file)
        code, _, err = _summarize(directory, tmp_path)
        _assert_one_line(code, err, str(directory), *words)
        assert "--vocab_file" not in err  # summarize has no such flag
