"""A tiny real training run, shared by the reliability and fuzz tests (built once per module).

``tiny_run(directory)`` trains a 2-head TransformerLM for 2 steps on 60 made-up JSONL pairs
through ``python -m trax_models train`` (in-process ``__main__.main``) and returns the paths.
"""
import contextlib
import hashlib
import io
import json
import pathlib
import signal

import numpy as np

from trax_models.__main__ import main

WORDS = "alpha beta gamma delta river city storm team court vote market".split()
# d_model 16 with n_heads 2: an n_heads edit to 4 keeps every weight shape (issue 19, item 3).
TINY = ["--eval_fraction", "0.2", "--vocab_size", "300", "--d_model", "16", "--d_ff", "32",
        "--n_layers", "1", "--n_heads", "2", "--max_length", "96", "--boundaries", "64",
        "--batch_sizes", "4,2", "--eval_every", "2", "--eval_batches", "1",
        "--checkpoint_every", "2", "--rouge_articles", "0", "--samples", "0",
        "--max_summary_len", "8", "--shuffle_buffer", "16"]


def write_pairs(path, n=60, seed=0):
    """``n`` made-up (article, summary) pairs in a JSONL file; the summary opens the article."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(n):
            article = " ".join(rng.choice(WORDS, 30)) + "."
            f.write(json.dumps({"article": article, "summary": article[:20]}) + "\n")
    return str(path)


class Hang(BaseException):
    """A command ran past its time bound (a BaseException: no `except Exception` swallows it)."""


@contextlib.contextmanager
def time_bound(seconds):
    """Raise ``Hang`` in the main thread if the block runs longer than ``seconds``."""
    def alarm(signum, frame):
        raise Hang(f"ran past {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run(argv, seconds=120):
    """(exit code, stdout, stderr) of ``python -m trax_models ARGV``, in this process.

    Anything but a return (an exception escaping ``main``: a traceback for the user) fails,
    as does a run past ``seconds``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_bound(seconds):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:  # argparse: usage + one error line, exit 2
            code = e.code
    return code, out.getvalue(), err.getvalue()


def error_lines(stderr):
    """The lines a failed command printed that are not warnings or log lines."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_clean_failure(code, stderr):
    """Non-zero exit with ONE ``error:`` line and no traceback."""
    assert code not in (0, None), stderr
    assert "Traceback" not in stderr, stderr
    assert len(error_lines(stderr)) == 1 or "usage:" in stderr, stderr


def snapshot(directory):
    """{relative path: sha256} of every file under ``directory``."""
    directory = pathlib.Path(directory)
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def tiny_run(directory, steps=2, extra=()):
    """Train the tiny model into ``directory/run``; returns (run dir, data file)."""
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data = write_pairs(directory / "pairs.jsonl")
    out = directory / "run"
    code, _, err = run(["train", "--source", data, *TINY, "--steps", steps,
                        "--output_dir", out, *extra], seconds=300)
    assert code == 0, err[-3000:]
    return out, data
