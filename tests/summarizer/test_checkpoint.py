"""Checkpoint directory: atomic files (also under a real kill -9), config + vocab, load_model,
and one clear error for a checkpoint of another shape."""
import json
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from trax_models.atomic import atomic_write
from trax_models.errors import UserError
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
    vocab = tmp_path / "my.subwords"
    vocab.write_text("'<pad>_'\n'<EOS>_'\n'a_'\n")
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
        checkpoint.write_checkpoint(sys.argv[1], {"step": i, "w": big + i})
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
    np.testing.assert_array_equal(saved["w"][:3], np.arange(3) + saved["step"])


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
