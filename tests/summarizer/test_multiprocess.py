"""Training on two processes (jax.distributed, localhost coordinator, CPU, one device each):
the same losses as one process on the same global batch, one writer, and resume after a kill
of either process. Each process runs ``python -m trax_models train`` (train joins them
with ``compat.start_processes`` from the TRAX_MODELS_* variables); compat's patches 12-13 make
it work (see test_compat_*)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.summarizer._tiny_run import TINY, write_pairs

SLOW_STEPS = """
import sys, time
from trax_models.summarizer import report
on_step = report.Progress.on_step
report.Progress.on_step = lambda self, *a: (time.sleep(0.15), on_step(self, *a))[1]
from trax_models.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


UNPATCHED = """
import sys
from trax_models import compat
KEEP = compat.unpatched(sys.argv.pop(1))  # trax's original, for the whole run (kept
KEEP.__enter__()                         # referenced: a collected one re-patches)
from trax_models.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _env(n, index, port):
    env = dict(os.environ, JAX_PLATFORMS="cpu", TRAX_MODELS_HEARTBEAT_S="5")
    env.pop("XLA_FLAGS", None)
    if n > 1:
        env.update(TRAX_MODELS_NUM_PROCESSES=str(n), TRAX_MODELS_PROCESS_ID=str(index),
                   TRAX_MODELS_COORDINATOR=f"localhost:{port}")
    return env


def _start(tmp_path, out, steps, n, data, vocab=None, slow=False, unpatched=None):
    script = tmp_path / "wrapped_train.py"
    script.write_text(UNPATCHED if unpatched else SLOW_STEPS)
    head = [sys.executable, "-m", "trax_models"]
    if slow or unpatched:
        head = [sys.executable, str(script)] + ([unpatched] if unpatched else [])
    flags = ["train", "--source", data, *TINY, "--steps", str(steps), "--dropout", "0",
             "--output_dir", str(out)] + (["--vocab_file", str(vocab)] if vocab else [])
    port = _port()
    return [subprocess.Popen(head + flags, env=_env(n, i, port), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for i in range(n)]


def _wait(procs, timeout=240):
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        outs.append((p.returncode, out, err))
    return outs


def _losses(out):
    rows = {}
    for line in (out / "progress.jsonl").read_text().splitlines():
        row = json.loads(line)
        rows[row["step"]] = row["loss"]  # a step re-run after a resume overwrites
    return rows


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One process, one device: the reference on the same global batches (12 steps)."""
    tmp = tmp_path_factory.mktemp("single")
    data = write_pairs(tmp / "pairs.jsonl")
    [(code, _, err)] = _wait(_start(tmp, tmp / "run", 12, 1, data))
    assert code == 0, err[-3000:]
    return tmp / "run", data


def test_two_processes_match_one_on_the_global_batch(single, tmp_path):
    ref, data = single
    out = tmp_path / "two"
    results = _wait(_start(tmp_path, out, 12, 2, data, vocab=ref / "vocab.subwords"))
    for code, stdout, err in results:
        assert code == 0, err[-3000:]
    assert "process 1: done at step 12" in results[1][1]
    mine, theirs = _losses(out), _losses(ref)
    assert sorted(mine) == list(range(1, 13))  # one writer: 12 lines, not 24
    np.testing.assert_allclose([mine[s] for s in range(1, 13)],
                               [theirs[s] for s in range(1, 13)], rtol=2e-5, atol=2e-5)


def _kill_one_mid_run(tmp_path, out, data, vocab, victim, after_lines):
    """Start both processes, kill ``victim`` once progress.jsonl has ``after_lines`` lines
    (between checkpoints), and check that the other one stops too (jax's coordination
    service ends it after the 5 s heartbeat timeout)."""
    procs = _start(tmp_path, out, 12, 2, data, vocab=vocab, slow=True)
    log = out / "progress.jsonl"
    start = len(log.read_text().splitlines()) if log.exists() else 0
    deadline = time.time() + 180
    while time.time() < deadline:
        if log.exists() and len(log.read_text().splitlines()) >= start + after_lines:
            break
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.05)
    procs[victim].send_signal(signal.SIGKILL)
    survivor = procs[1 - victim]
    try:
        survivor.wait(timeout=90)
    except subprocess.TimeoutExpired:
        survivor.kill()
        pytest.fail(f"process {1 - victim} did not stop after process {victim} was killed")
    _wait(procs)
    assert survivor.returncode != 0


def test_a_kill_of_either_process_ends_the_run_and_resume_gives_the_same_losses(single,
                                                                               tmp_path):
    """Kill process 1 mid-run, resume and kill process 0 mid-run, resume to the end: the
    losses of every step equal the uninterrupted one-process run's."""
    ref, data = single
    out, vocab = tmp_path / "two", ref / "vocab.subwords"
    _kill_one_mid_run(tmp_path, out, data, vocab, victim=1, after_lines=5)
    _kill_one_mid_run(tmp_path, out, data, vocab, victim=0, after_lines=2)
    results = _wait(_start(tmp_path, out, 12, 2, data, vocab=vocab))
    for code, stdout, err in results:
        assert code == 0, err[-3000:]
    assert "resuming from" in results[0][1]
    mine, theirs = _losses(out), _losses(ref)
    assert sorted(mine) == list(range(1, 13))
    np.testing.assert_allclose([mine[s] for s in range(1, 13)],
                               [theirs[s] for s in range(1, 13)], rtol=2e-5, atol=2e-5)


def test_compat_without_the_global_update_each_process_trains_alone(single, tmp_path):
    """trax's one-device update under two processes: no gradient crosses them, so the losses
    are each process's own rows', not the global batch's."""
    ref, data = single
    out = tmp_path / "two"
    results = _wait(_start(tmp_path, out, 6, 2, data, vocab=ref / "vocab.subwords",
                           unpatched="_accelerate_update_fn"))
    assert results[0][0] == 0, results[0][2][-2000:]
    mine, theirs = _losses(out), _losses(ref)
    assert not np.allclose([mine[s] for s in range(1, 7)], [theirs[s] for s in range(1, 7)],
                           rtol=1e-3)


def test_compat_without_the_local_on_cpu_the_second_process_fails(single, tmp_path):
    """trax's tl.on_cpu puts process 1's optimizer slots on process 0's device."""
    ref, data = single
    results = _wait(_start(tmp_path, tmp_path / "two", 4, 2, data, vocab=ref / "vocab.subwords",
                           unpatched="on_cpu"), timeout=120)
    assert results[1][0] != 0 and "incompatible devices" in results[1][2]
