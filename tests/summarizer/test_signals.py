"""Ctrl-C and SIGTERM (issue 29, item 9): one line, exit 130 / 143, at any moment, never
ignored; a stopped training run leaves no temporary file and resumes."""
import fcntl
import gc
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.summarizer._tiny_run import TINY, write_pairs
from trax_models import signals

REPO = pathlib.Path(__file__).resolve().parents[2]
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _start(*argv, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "trax_models", *map(str, argv)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _reading_stdin(pid):
    """Whether the process is blocked in read(0, …) (Linux: /proc/PID/syscall)."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        return False
    return fields[:2] == ["0", "0x0"]  # syscall 0 (read) on fd 0


def _stop(proc, signum, after=None, until=None, timeout=60):
    """Send ``signum`` after ``after`` seconds or once ``until()`` holds; (code, stderr)."""
    deadline = time.time() + timeout
    if after is not None:
        time.sleep(after)
    while until is not None and not until():
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.time() < deadline, "the condition never held"
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_trax_imports_is_one_line(signum, tmp_path):
    proc = _start("summarize", "--checkpoint", tmp_path, "-")
    code, err = _stop(proc, signum, after=0.3)  # trax, JAX and TF take seconds to import
    assert code == STATUS[signum], err
    assert err == f"interrupted ({signum.name})\n"


@pytest.mark.skipif(not pathlib.Path("/proc/self/syscall").exists(),
                    reason="needs Linux's /proc/PID/syscall to see the process wait on stdin")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_a_command_runs_is_one_line(signum, make_checkpoint, tmp_path):
    make_checkpoint(tmp_path)
    proc = _start("summarize", "--checkpoint", tmp_path, "-")  # waits for the article
    code, err = _stop(proc, signum, until=lambda: _reading_stdin(proc.pid))
    assert code == STATUS[signum], err
    assert err.splitlines()[-1:] == [f"interrupted ({signum.name})"]
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_an_interrupt_raised_inside_a_callback_is_delivered_again(capfd, monkeypatch):
    """Python only reports an exception raised in a __del__ or gc callback ("Exception
    ignored in …"): there the signal would be lost and the command go on to exit 0."""
    monkeypatch.setattr(signals, "_watchdog", lambda signum: None)  # it would end pytest
    class RaisesOnCollect:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # the handler runs inside __del__

    saved = ({s: signal.getsignal(s) for s in signals.SIGNALS}, sys.unraisablehook)
    signals.raise_interrupted()
    try:
        with pytest.raises(signals.Interrupted) as caught:
            RaisesOnCollect()  # collected at once: the first Interrupted is swallowed
            gc.collect()
            time.sleep(2)  # the second delivery lands here
        assert caught.value.signum == signal.SIGINT
        assert signals.received() == signal.SIGINT
    finally:
        for s, handler in saved[0].items():
            signal.signal(s, handler)
        sys.unraisablehook = saved[1]
        signals._received.clear()
        signals._redelivered.clear()
    assert "Exception ignored" not in capfd.readouterr().err


def _steps(log):
    rows = []
    for line in log.read_text().splitlines() if log.exists() else []:
        try:
            rows.append(json.loads(line)["step"])
        except ValueError:
            pass  # the line being written when the signal came
    return rows


def test_sigterm_stops_training_cleanly_and_it_resumes(tmp_path):
    data = write_pairs(tmp_path / "pairs.jsonl")
    out = tmp_path / "run"
    argv = ["train", "--source", data, *TINY, "--output_dir", out, "--checkpoint_every", "5"]
    proc = _start(*argv, "--steps", "100000")
    log = out / "progress.jsonl"
    code, err = _stop(proc, signal.SIGTERM, until=lambda: len(_steps(log)) >= 12, timeout=180)
    assert code == 143, err[-2000:]
    assert err.splitlines()[-1] == "interrupted (SIGTERM)" and "Traceback" not in err, err
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]  # nothing half-written
    with open(out / ".lock") as f:  # released
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    stopped_at = max(_steps(log))

    # resumed with more --steps: every step once in the log (the stopped run's lines past
    # its checkpoint dropped), and no warning that the losses will differ: they do not
    target = stopped_at + 3
    second = subprocess.run([sys.executable, "-m", "trax_models", *map(str, argv),
                             "--steps", str(target)], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert _steps(log) == list(range(1, target + 1))
    assert "will not match" not in second.stderr
    assert f"training on to step {target} (the first run asked for 100000)" in second.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_status_is_set_even_when_the_exception_is_lost(signum, monkeypatch, capsys):
    """``main`` returns 128 + signal when a signal came but its exception never reached it."""
    from trax_models import __main__ as entry
    monkeypatch.setitem(entry.COMMANDS, "noop", lambda argv: 0)
    monkeypatch.setattr(signals, "_received", [signum])
    assert entry.main(["noop"]) == STATUS[signum]
    assert capsys.readouterr().err == f"interrupted ({signum.name})\n"
    assert os.EX_OK == 0


def test_the_signal_is_reported_when_a_library_turns_its_exception_into_another(
        monkeypatch, capsys):
    """NumPy, adding JAX scalars whose ``float()`` the signal interrupted, raises its own
    ValueError (CI saw it in trax's eval loop): still one line and 128 + signal."""
    import jax.numpy as jnp

    from trax_models import __main__ as entry

    def interrupted(self):
        signals._received.append(signal.SIGTERM)  # what the handler records, then raises
        raise signals.Interrupted(signal.SIGTERM)

    def command(argv):  # trax's run_evals: sums += metric_values
        sums = np.zeros(2)
        sums += [jnp.float32(1.0), jnp.float32(2.0)]

    monkeypatch.setattr(type(jnp.float32(1.0)), "__float__", interrupted)
    monkeypatch.setattr(signals, "_received", [])
    with pytest.raises(ValueError):  # NumPy does turn it into its own error
        command([])
    signals._received.clear()
    monkeypatch.setitem(entry.COMMANDS, "noop", command)
    assert entry.main(["noop"]) == 143
    assert capsys.readouterr().err == "interrupted (SIGTERM)\n"


def test_without_a_signal_an_error_is_not_taken_for_one(monkeypatch, capsys):
    from trax_models import __main__ as entry
    from trax_models.errors import UserError

    def fails(error):
        def command(argv):
            raise error
        return command

    monkeypatch.setattr(signals, "_received", [])
    monkeypatch.setitem(entry.COMMANDS, "bad", fails(UserError("no such file: x")))
    assert entry.main(["bad"]) == 2
    assert capsys.readouterr().err == "error: no such file: x\n"
    monkeypatch.setitem(entry.COMMANDS, "bug", fails(ValueError("a bug")))
    with pytest.raises(ValueError, match="a bug"):  # a bug keeps its traceback
        entry.main(["bug"])
