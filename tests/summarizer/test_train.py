"""`train` (the product): determinism, kill -9 + resume, NaN stop, data parallelism over 2
(forced host) devices, the CLI's configuration, and whole runs on a user's file."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import trax

from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, cli
from trax_models.summarizer.cli import config_from_args
from trax_models.summarizer.loop import NonFiniteLossError, make_loop
from trax_models.summarizer.streams import synthetic_batches
from trax_models.summarizer.train import train

from .conftest import tiny_train_config

REPO = pathlib.Path(__file__).resolve().parents[2]
VOCAB = 40


def tiny_config(output_dir, **overrides):
    return tiny_train_config(output_dir, **{**dict(dropout=0.1, steps=20, warmup_steps=5,
                                                   checkpoint_every=5, eval_every=10),
                                            **overrides})


def run_tiny(config, n_steps=None, seed=1):
    """Train ``config`` on synthetic batches; returns (loop, {step: loss})."""
    losses = {}
    loop = make_loop(config, config.model_config(VOCAB), synthetic_batches(seed=seed),
                     synthetic_batches(seed=seed + 100),  # as train: a self-describing checkpoint
                     fingerprint=checkpoint.describe(config.model, config.model_config(VOCAB)),
                              on_step=lambda step, loss, batch: losses.__setitem__(step, loss))
    loop.run(config.steps - loop.step if n_steps is None else n_steps)
    return loop, losses


# --- 3. Determinism, resume, NaN ----------------------------------------------------------------

def test_fixed_seed_gives_bitwise_identical_losses(tmp_path):
    _, a = run_tiny(tiny_config(tmp_path / "a", steps=8))
    _, b = run_tiny(tiny_config(tmp_path / "b", steps=8))
    _, c = run_tiny(tiny_config(tmp_path / "c", steps=8, seed=4))
    assert list(a) == list(range(1, 9))
    assert a == b  # float equality: bit for bit
    assert a != c  # the seed matters (init and dropout)


def test_resume_in_process_continues_exactly(tmp_path):
    _, straight = run_tiny(tiny_config(tmp_path / "straight", steps=12))
    run_tiny(tiny_config(tmp_path / "resumed", steps=12), n_steps=7)  # checkpoint at step 5
    loop, rest = run_tiny(tiny_config(tmp_path / "resumed", steps=12))
    assert min(rest) == 6 and loop.step == 12
    assert {s: straight[s] for s in rest} == rest


KILL_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from trax_models.summarizer import checkpoint
    from trax_models.summarizer.config import TrainConfig
    from trax_models.summarizer.loop import make_loop
    from trax_models.summarizer.streams import synthetic_batches
    out, log_path, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config = TrainConfig(output_dir=out, model="transformer_lm", d_model=16, d_ff=32, n_layers=1, n_heads=2,
        dropout=0.1, steps=steps, lr=0.01, warmup_steps=5, checkpoint_every=5, eval_every=10,
        eval_batches=1, max_length=32, seed=3)
    log = open(log_path, "a")
    def on_step(step, loss, batch):
        log.write(json.dumps([step, loss]) + "\\n"); log.flush()
        time.sleep(0.03)  # give the test time to kill us mid-run
    loop = make_loop(config, config.model_config(40), synthetic_batches(seed=1),
                     synthetic_batches(seed=101), on_step=on_step,
                     fingerprint=checkpoint.describe(config.model, config.model_config(40)))
    print("START", loop.step, flush=True)
    loop.run(steps - loop.step)
""")


def _losses(path):
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def test_kill_9_then_resume_gives_the_uninterrupted_losses(tmp_path):
    steps = 40
    script = tmp_path / "train_tiny.py"
    script.write_text(KILL_SCRIPT)
    out, log = tmp_path / "run", tmp_path / "losses.jsonl"
    cmd = [sys.executable, str(script), str(out), str(log), str(steps)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while time.time() < deadline:  # kill between two checkpoints, well into the run
        if log.exists() and any(s >= 23 for s, _ in _losses(log)):
            break
        if proc.poll() is not None:
            pytest.fail("the training process ended before it could be killed")
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed_at = max(s for s, _ in _losses(log))
    assert killed_at < steps

    second = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    start = int(second.stdout.split("START")[1].split()[0])
    assert 20 <= start <= killed_at and start % 5 == 0  # resumed from a checkpoint, not step 0

    resumed = {}
    for s, loss in _losses(log):  # steps re-run after the resume overwrite the killed run's
        resumed[s] = loss
    _, straight = run_tiny(tiny_config(tmp_path / "straight", steps=steps))
    assert sorted(resumed) == list(range(1, steps + 1))
    assert resumed == straight  # bit for bit


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    config = tiny_config(tmp_path / "run", steps=20)
    loop, _ = run_tiny(config, n_steps=5)  # checkpoint at step 5
    poisoned = trax.fastmath.nested_map(lambda w: w * np.nan, loop.model.weights)
    loop.update_weights_and_state(weights=poisoned)
    with pytest.raises(NonFiniteLossError, match=r"step 6.*step 5"):
        loop.run(3)
    saved = checkpoint.read_checkpoint(tmp_path / "run" / "model.pkl.gz")
    assert saved["step"] == 5
    assert all(np.isfinite(w).all() for w in saved["flat_weights"])
    resumed, _ = run_tiny(config, n_steps=1)  # and it resumes from there
    assert resumed.step == 6


# --- 4. Data parallel over 2 devices ------------------------------------------------------------

DEVICES_SCRIPT = textwrap.dedent("""
    import json, sys
    import jax
    from trax_models.summarizer.config import TrainConfig
    from trax_models.summarizer.loop import make_loop
    from trax_models.summarizer.streams import synthetic_batches
    config = TrainConfig(output_dir=sys.argv[1], model="transformer_lm", d_model=16, d_ff=32, n_layers=1,
        n_heads=2, dropout=0.0, steps=4, lr=0.01, warmup_steps=2, checkpoint_every=100,
        eval_every=100, eval_batches=1, max_length=32, seed=3)
    losses = []
    loop = make_loop(config, config.model_config(40), synthetic_batches(seed=1),
                     synthetic_batches(seed=101),
                     on_step=lambda step, loss, batch: losses.append(loss))
    loop.run(config.steps)
    print(json.dumps({"devices": jax.local_device_count(), "n_devices": loop.n_devices,
                      "losses": losses}))
""")


def test_two_devices_give_the_one_device_losses(tmp_path):
    script = tmp_path / "devices.py"
    script.write_text(DEVICES_SCRIPT)
    procs = {}
    for n in (1, 2):
        env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={n}",
                   JAX_PLATFORMS="cpu")
        procs[n] = subprocess.Popen([sys.executable, str(script), str(tmp_path / f"d{n}")],
                                    cwd=REPO, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
    results = {}
    for n, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr[-2000:]
        results[n] = json.loads(stdout.strip().splitlines()[-1])
    assert results[2]["devices"] == 2 and results[2]["n_devices"] == 2
    assert results[1]["n_devices"] == 1
    np.testing.assert_allclose(results[2]["losses"], results[1]["losses"], rtol=0, atol=1e-5)
    assert len(results[1]["losses"]) == 4 and len(set(results[1]["losses"])) > 1  # it trains


# --- The CLI's configuration --------------------------------------------------------------------

def test_cli_help_documents_the_options(capsys):
    with pytest.raises(SystemExit) as e:
        cli.train(["--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--source", "--vocab_file", "--d_model", "--n_layers", "--steps",
                 "--batch_sizes", "--boundaries", "--lr", "--seed", "--output_dir",
                 "--eval_every", "--gin_file", "--gin_param"):
        assert flag in text


def test_gin_bindings_then_flags_override():
    config = config_from_args(["--gin_param", "TrainConfig.steps = 7",
                                        "--gin_param", "TrainConfig.d_model = 64", "--d_model", "32"])
    assert config.steps == 7 and config.d_model == 32
    assert config_from_args(["--batch_sizes", "8,4,2"]).batch_sizes == (8, 4, 2)
    with pytest.raises(UserError, match="TrainConfig.nonsense"):
        config_from_args(["--gin_param", "TrainConfig.nonsense = 1"])


@pytest.mark.parametrize("flags, message", [
    (["--d_model", "30", "--n_heads", "4"], "divisible"),
    (["--batch_sizes", "8,4"], "one more entry"),
    (["--steps", "0"], "positive"),
    (["--lr", "-1"], "positive"),
])
def test_bad_settings_are_one_clear_error(flags, message, tmp_path):
    with pytest.raises(UserError, match=message):
        train(config_from_args(flags + ["--output_dir", str(tmp_path)]))


# --- 2. The whole `train` job on a user's file --------------------------------------------------

def _users_jsonl(path):
    """60 made-up (article, summary) pairs in a JSONL file; the summary opens the article."""
    rng = np.random.default_rng(0)
    words = "alpha beta gamma delta river city storm team court vote market".split()
    with open(path, "w") as f:
        for i in range(60):
            article = " ".join(rng.choice(words, 30)) + "."
            f.write(json.dumps({"article": article, "summary": article[:20]}) + "\n")
    return str(path)


TINY_FLAGS = ["--eval_fraction", "0.2", "--vocab_size", "300", "--d_model", "16", "--d_ff", "32",
              "--n_layers", "1", "--n_heads", "2", "--steps", "3", "--max_length", "96",
              "--boundaries", "64", "--batch_sizes", "4,2", "--eval_every", "2",
              "--rouge_articles", "4", "--samples", "2", "--max_summary_len", "8"]


def test_train_on_a_users_jsonl_writes_the_report(tmp_path, capsys):
    """data → vocab → Loop → checkpoint → loss curve → held-out samples + ROUGE vs Lead-3."""
    out = tmp_path / "run"
    results = train(config_from_args([
        "--source", _users_jsonl(tmp_path / "pairs.jsonl"), *TINY_FLAGS,
        "--article_weight", "0.1", "--output_dir", str(out)]))
    printed = capsys.readouterr().out
    assert results["steps"] == 3
    assert printed.count("--- held-out sample") == 2 and "Lead-3 baseline" in printed
    saved = json.loads((out / "results.json").read_text())
    assert saved["heldout"]["n"] == 4 and 0 <= saved["heldout"]["rougeL"] <= 1
    assert saved["heldout"]["lead3"]["rougeL"] > 0  # Lead-3 copies the article: overlaps
    assert (out / "loss_curve.png").stat().st_size > 0
    assert len((out / "progress.jsonl").read_text().splitlines()) == 3
    config = json.loads((out / checkpoint.CONFIG_FILE).read_text())
    assert config["data"]["article_weight"] == 0.1
    assert checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)["step"] == 3


def test_train_encoder_decoder_then_summarize_and_evaluate(tmp_path, capsys):
    """--model encoder_decoder through the same CLI: (article, summary) pairs, the same Loop
    and report; its checkpoint decodes with summarize (greedy/sample/beam) and evaluate."""
    from trax_models.__main__ import main
    from trax_models.models.encoder_decoder import count_params

    data, out = _users_jsonl(tmp_path / "pairs.jsonl"), tmp_path / "ed"
    results = train(config_from_args([
        "--source", data, *TINY_FLAGS, "--model", "encoder_decoder", "--output_dir", str(out)]))
    printed = capsys.readouterr().out
    assert "model: encoder_decoder" in printed and "Lead-3 baseline" in printed
    config = checkpoint.load_config(out)  # the model's kind and settings: the checkpoint's
    assert config["model"] == "encoder_decoder" and config["data"]["pairs"] is True
    assert config["data"]["article_weight"] is None      # no loss on the encoder's input
    args = config["model_args"]
    assert results["n_weights"] == count_params(args["vocab_size"], 16, 32, 1, 1, 96)
    saved = json.loads((out / "results.json").read_text())
    assert saved["heldout"]["n"] == 4 and 0 <= saved["heldout"]["rougeL"] <= 1
    progress = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert len(progress) == 3 and all(p["tokens"] > 0 for p in progress)

    article = tmp_path / "article.txt"
    article.write_text("alpha beta river city storm team court vote market gamma delta.")
    for method in ("greedy", "sample"):  # beam: evaluate below
        assert main(["summarize", "--checkpoint", str(out), "--method", method, "--json",
                     "--max-new-tokens", "8", str(article)]) == 0
        line = json.loads(capsys.readouterr().out.strip())
        assert line["source"] == str(article) and isinstance(line["summary"], str)
    assert main(["evaluate", "--checkpoint", str(out), "--n", "3", "--method", "beam",
                 "--max-new-tokens", "8",
                 "--samples", "0", "--json", str(tmp_path / "eval.json")]) == 0
    evaluated = json.loads((tmp_path / "eval.json").read_text())
    assert evaluated["n"] == 3 and evaluated["decoder"].startswith("beam")
    assert main(["summarize", "--checkpoint", str(out), "--attention-png", "a.png",
                 str(article)]) == 2
    assert "encoder_decoder" in capsys.readouterr().err
