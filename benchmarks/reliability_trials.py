"""Reliability trials (issue #29): the fault and bad-input trials, re-run as a user would.

    python -m benchmarks.reliability_trials [--only 1 3 9] [--quick] [--keep] [--seed 29]
                                            [--out FILE.json]

Every trial runs ``python -m trax_models ...`` as a real subprocess (cwd: a scratch folder under
/tmp, removed at the end unless ``--keep``), with the interpreter running this script. A tiny
``transformer_lm`` is trained once (the TINY flags of ``tests/summarizer/_tiny_run.py``, read
from that file, plus ``--model transformer_lm`` so that ``--attention-png`` can draw it; 2 steps,
~20 s) and its folder copied for the trials that change one. Each trial is one function below
(``TRIALS``: number, title, function); a function returns one record per case:

    id, tried, expected, exit_code (negative: killed by that signal), stderr_tail (the last
    lines, trimmed), seconds (wall), passed, problems (why not: empty when passed), cpu_s and
    load_avg_1min (a wall time over a bound under load: compare with the CPU time), and extra
    facts (peak memory, the signal's time, ...)

"one line" means: exit status non-zero, exactly one stderr line starting with ``error:``, and no
"Traceback" in stderr. Peak memory is the child's ``ru_maxrss`` from ``os.wait4`` (per process).
The trials run one at a time (timings are wall time on a shared 2-core machine). Writes
``benchmarks/results/reliability_trials.json`` (with the date, the machine, the git commit and
the uncommitted changes under trax_models/) and prints a table and "N of M passed".
``--quick``: 5 random Ctrl-C times instead of 21, and one old checkpoint format resumed by
train instead of four. About 5 minutes on the 2-core machine at load 1-2 (9-11 at load 4-5).
"""
import ast
import gzip
import hashlib
import json
import os
import pathlib
import pickle
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks import common

REPO = common.REPO
TINY_RUN = REPO / "tests" / "summarizer" / "_tiny_run.py"
WORDS = "alpha beta gamma delta river city storm team court vote market".split()
MB = 1024  # ru_maxrss is in KiB on Linux
ARTICLE = ("The city council met the river team on Monday to vote on the market plan. "
           "The storm closed the court for a day, and the team said the vote would follow. "
           "Alpha and Beta, two market groups, asked the city to delay the plan.\n")
# 5 accented characters (é ñ é ë ï), each one byte in Latin-1; the rest ASCII.
LATIN1_ARTICLE = ("Café Lakom Logistics opened a new depot. The city council met the river team "
                  "on Monday. Señor Ortega said the market vote would follow the storm. The "
                  "court heard José and Zoë on the plan. A naïve reading of the depot plan was "
                  "rejected by the city. The team will meet again next week.\n")


def tiny_flags():
    """``TINY`` as ``tests/summarizer/_tiny_run.py`` defines it (one source of the values)."""
    for node in ast.parse(TINY_RUN.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TINY"
                                                for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise SystemExit(f"no TINY in {TINY_RUN}")


def without(flags, *names):
    """``flags`` (a ``--name value`` list) without the given flags and their values."""
    out, it = [], iter(flags)
    for flag in it:
        value = next(it)
        if flag not in names:
            out += [flag, value]
    return out


def write_pairs(path, n=60, seed=0, summary_key="summary"):
    """``_tiny_run.write_pairs``: ``n`` made-up pairs, the summary opens the article."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(n):
            article = " ".join(rng.choice(WORDS, 30)) + "."
            f.write(json.dumps({"article": article, summary_key: article[:20]}) + "\n")
    return path


# --- running a command ----------------------------------------------------------------------

class Ran:
    """What one ``python -m trax_models`` process did."""

    def __init__(self, argv, code, out, err, seconds, cpu_s, peak_mb, signal_sent, signal_at,
                 timed_out):
        self.argv, self.code, self.out, self.err = argv, code, out, err
        self.seconds, self.cpu_s, self.peak_mb, self.timed_out = seconds, cpu_s, peak_mb, timed_out
        self.signal_sent = signal_sent  # None: none planned; True: sent while it ran; False: it
        self.signal_at = signal_at      # had finished first

    @property
    def lines(self):
        return [line for line in self.err.splitlines() if line.strip()]

    @property
    def error_lines(self):
        return [line for line in self.err.splitlines() if line.startswith("error:")]


_LIVE = set()  # pids of children still running (ended by pid if this script stops early)


def run(ctx, argv, stdin=None, cwd=None, timeout=180, signal_when=None, signum=signal.SIGINT):
    """Runs ``python -m trax_models ARGV``; returns a ``Ran``.

    stdin: None (empty: /dev/null), "pipe" (a pipe kept open, never written) or a file object.
    signal_when: seconds after the start, or a function (pid, seconds) -> bool polled every
    10 ms, for sending ``signum``; not sent if the process ended first.
    """
    argv = [str(a) for a in argv]
    logs = pathlib.Path(tempfile.mkdtemp(dir=ctx.logs))
    with open(logs / "out", "wb") as out, open(logs / "err", "wb") as err:
        start = time.monotonic()
        p = subprocess.Popen([sys.executable, "-m", "trax_models", *argv], cwd=cwd or ctx.scratch,
                             stdout=out, stderr=err,
                             stdin=subprocess.PIPE if stdin == "pipe"
                             else subprocess.DEVNULL if stdin is None else stdin)
    _LIVE.add(p.pid)
    sent = sent_at = None
    timed_out = False
    try:
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            now = time.monotonic() - start
            if signal_when is not None and sent is None and (
                    now >= signal_when if isinstance(signal_when, (int, float))
                    else signal_when(p.pid, now)):
                if _state(p.pid) != "Z":  # not yet ended
                    os.kill(p.pid, signum)
                    sent, sent_at = True, round(now, 2)
            if now > timeout and not timed_out:
                os.kill(p.pid, signal.SIGKILL)
                timed_out = True
            time.sleep(0.01)
    finally:
        _LIVE.discard(p.pid)
        if p.stdin:
            p.stdin.close()
    seconds = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if signal_when is not None and sent is None:
        sent = False
    return Ran(argv, p.returncode, (logs / "out").read_bytes(),
               (logs / "err").read_bytes().decode("utf-8", "replace"), round(seconds, 2),
               round(usage.ru_utime + usage.ru_stime, 2), round(usage.ru_maxrss / MB, 1), sent,
               sent_at, timed_out)


def _state(pid):
    """The process state letter from /proc/PID/stat ('Z': ended, not yet reaped)."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def reading_stdin(pid, seconds, give_up_s=40):
    """Whether the main thread of ``pid`` waits in read(0, ...) (after ``give_up_s``: True)."""
    try:
        call = pathlib.Path(f"/proc/{pid}/syscall").read_text().split()
    except OSError:
        call = []
    return call[:2] == ["0", "0x0"] or seconds > give_up_s


def progress_lines(folder, n):
    """A ``signal_when``: once ``folder/progress.jsonl`` has ``n`` lines (train is working)."""
    def ready(pid, seconds):
        try:
            return (pathlib.Path(folder) / "progress.jsonl").read_text().count("\n") >= n
        except OSError:
            return False
    return ready


# --- checks: each returns a list of problems (empty: as expected) -----------------------------

def one_line(r):
    problems = []
    if r.timed_out:
        problems.append(f"ran past its time limit ({r.seconds} s), killed")
    if r.code == 0:
        problems.append("exit 0")
    if "Traceback" in r.err:
        problems.append("Traceback in stderr")
    if len(r.error_lines) != 1:
        problems.append(f"{len(r.error_lines)} 'error:' lines")
    return problems


def trains_or_one_line(r):
    if r.code == 0 and not r.timed_out:
        return ["Traceback in stderr"] if "Traceback" in r.err else []
    return one_line(r)


def interrupted(r, signum=signal.SIGINT):
    """Exit 128 + signum, the last stderr line ``interrupted (NAME)``, no traceback."""
    name = signal.Signals(signum).name
    problems = []
    if r.timed_out:
        problems.append(f"ran past its time limit ({r.seconds} s), killed")
    if r.code != 128 + signum:
        problems.append(f"exit {describe_code(r.code)}, not {128 + signum}")
    last = r.lines[-1] if r.lines else ""
    if last != f"interrupted ({name})":
        problems.append(f"last stderr line {last[:80]!r}")
    if "Traceback" in r.err:
        problems.append("Traceback in stderr")
    return problems


def describe_code(code):
    return f"{code} (killed by {signal.Signals(-code).name})" if code < 0 else str(code)


def snapshot(folder):
    """{relative path: sha256, or 'folder'} of everything under ``folder``."""
    folder = pathlib.Path(folder)
    return {str(p.relative_to(folder)): "folder" if p.is_dir() else
            hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))}


def changed(before, after):
    """Problems: files changed or removed, and (listed) what was added."""
    problems = [f"{name} changed" for name in before if name in after and before[name] !=
                after[name]]
    problems += [f"{name} removed" for name in before if name not in after]
    added = sorted(set(after) - set(before))
    if added:
        problems.append("added: " + ", ".join(added))
    return problems


# --- records ----------------------------------------------------------------------------------

def tail(stderr, n=3, width=240):
    lines = [line.strip() for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    return [line if len(line) <= width else line[:width] + "…" for line in lines[-n:]]


def record(tid, tried, expected, r, problems, **facts):
    """One trial's record; ``r``: the ``Ran`` whose exit code and stderr it shows."""
    rec = {"id": tid, "tried": tried, "expected": expected, "exit_code": r.code,
           "stderr_tail": tail(r.err), "seconds": facts.pop("seconds", r.seconds),
           "passed": not problems, "problems": problems, "cpu_s": r.cpu_s,
           "load_avg_1min": round(os.getloadavg()[0], 2)}
    rec.update(facts)
    return rec


# --- the trials -------------------------------------------------------------------------------

def train_argv(ctx, out, *extra, data=None, flags=None):
    """The tiny run's train command (``--model transformer_lm``), ``extra`` flags last."""
    return ["train", "--source", data or ctx.pairs, *(ctx.tiny if flags is None else flags),
            "--model", "transformer_lm", "--steps", "2", "--output_dir", out, *extra]


def copy_base(ctx, name):
    dest = ctx.scratch / name
    shutil.copytree(ctx.base, dest)
    return dest


def t1_data_loss(ctx):
    """A user's folder (config.json, results.json, train/data.csv) as --output_dir."""
    recs = []
    for tid, extra in (("1a", ()), ("1b", ("--fresh",))):
        user = ctx.scratch / f"user_folder_{tid}"
        (user / "train").mkdir(parents=True)
        (user / "config.json").write_text('{"my": "own settings", "do_not": "lose"}\n')
        (user / "results.json").write_text('{"experiment": 7, "score": 0.93}\n')
        (user / "train" / "data.csv").write_text("article,summary\nsome text,a summary\n")
        before = snapshot(user)
        r = run(ctx, train_argv(ctx, user, *extra))
        after = snapshot(user)
        problems = one_line(r) + [p for p in changed(before, after) if not p.startswith("added")]
        notes = [p for p in changed(before, after) if p.startswith("added")]
        recs.append(record(tid, f"train --output_dir USER_FOLDER {' '.join(extra)}".strip(),
                           "one line; every file byte-for-byte unchanged", r, problems,
                           notes=notes))
    return recs


def t2_lengths(ctx):
    """--max_length against the bucket boundaries."""
    default_buckets = without(ctx.tiny, "--max_length", "--boundaries", "--batch_sizes",
                              "--rouge_articles")
    cases = [("2a", "--max_length 200 (default boundaries 256,384)",
              default_buckets + ["--max_length", "200", "--rouge_articles", "0"]),
             ("2b", "--max_length 300 (default boundaries 256,384)",
              default_buckets + ["--max_length", "300", "--rouge_articles", "0"]),
             ("2c", "--boundaries 512 --max_length 256",
              without(ctx.tiny, "--max_length", "--boundaries") +
              ["--boundaries", "512", "--max_length", "256"])]
    recs = []
    for tid, what, flags in cases:
        r = run(ctx, train_argv(ctx, ctx.scratch / f"lengths_{tid}", "--steps", "1",
                                flags=flags))
        recs.append(record(tid, f"train {what}, --steps 1", "no traceback: trains (exit 0) or "
                           "one line", r, trains_or_one_line(r)))
    return recs


def t3_endless_input(ctx):
    """summarize of /dev/zero, /dev/urandom and an endless pipe."""
    recs = []
    for tid, device in (("3a", "/dev/zero"), ("3b", "/dev/urandom")):
        r = run(ctx, ["summarize", "--checkpoint", ctx.base, device], timeout=60)
        problems = one_line(r)
        if r.seconds >= 10:
            problems.append(f"took {r.seconds} s (≥ 10 s)")
        if r.peak_mb >= 1024:
            problems.append(f"peak memory {r.peak_mb} MB (≥ 1 GB)")
        recs.append(record(tid, f"summarize --checkpoint DIR {device}",
                           "one line within 10 s, peak memory under 1 GB", r, problems,
                           peak_mb=r.peak_mb))
    for tid, device in (("3d", "/dev/zero"), ("3e", "/dev/urandom")):  # the same bytes as stdin
        with open(device, "rb") as f:
            r = run(ctx, ["summarize", "--checkpoint", ctx.base, "-"], stdin=f, timeout=60)
        problems = one_line(r)
        if r.seconds >= 10:
            problems.append(f"took {r.seconds} s (≥ 10 s)")
        if r.peak_mb >= 1024:
            problems.append(f"peak memory {r.peak_mb} MB (≥ 1 GB)")
        recs.append(record(tid, f"summarize --checkpoint DIR - < {device}",
                           "one line within 10 s, peak memory under 1 GB", r, problems,
                           peak_mb=r.peak_mb))
    yes = subprocess.Popen(["yes", "some words"], stdout=subprocess.PIPE)
    _LIVE.add(yes.pid)
    try:
        r = run(ctx, ["summarize", "--checkpoint", ctx.base, "-"], stdin=yes.stdout, timeout=60)
    finally:
        yes.stdout.close()
        yes.kill()
        yes.wait()
        _LIVE.discard(yes.pid)
    recs.append(record("3c", 'yes "some words" | summarize --checkpoint DIR -', "one line", r,
                       one_line(r), peak_mb=r.peak_mb))
    return recs


def t4_bad_fields(ctx):
    """A JSONL whose line 5 holds a list summary, or a number article."""
    recs = []
    cases = (("4a", "highlights.jsonl", "highlights", {"highlights": ["a", "b"]},
              ["--summary_key", "highlights"]),
             ("4b", "number_article.jsonl", "summary", {"article": 12345}, []))
    for tid, name, key, bad, extra in cases:
        path = write_pairs(ctx.scratch / name, summary_key=key)
        lines = path.read_text().splitlines()
        good = json.loads(lines[4])
        good.update(bad)
        lines[4] = json.dumps(good)
        path.write_text("\n".join(lines) + "\n")
        r = run(ctx, train_argv(ctx, ctx.scratch / f"fields_{tid}", *extra, data=path))
        problems = one_line(r)
        if not any(re.search(re.escape(name) + r":5\b", line) for line in r.error_lines):
            problems.append(f"the error does not name {name}:5")
        recs.append(record(tid, f"train on a JSONL whose line 5 has {json.dumps(bad)}",
                           f"one line naming {name}:5", r, problems))
    return recs


def t5_latin1(ctx):
    """A Latin-1 article: read, summarized, one warning."""
    path = ctx.scratch / "latin1.txt"
    path.write_bytes(LATIN1_ARTICLE.encode("latin-1"))
    r = run(ctx, ["summarize", "--checkpoint", ctx.base, path])
    problems = [] if r.code == 0 else [f"exit {describe_code(r.code)}"]
    if "Traceback" in r.err:
        problems.append("Traceback in stderr")
    if "\ufffd".encode() in r.out:
        problems.append("U+FFFD in stdout")
    try:
        r.out.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("stdout is not UTF-8")
    said = [line for line in r.lines if line.startswith("warning:") and "UTF-8" in line]
    if len(said) != 1:
        problems.append(f"{len(said)} 'warning:' lines saying it is not UTF-8")
    return [record("5", f"summarize a Latin-1 article ({path.stat().st_size} bytes, 5 accented)",
                   "exit 0, no U+FFFD in stdout, one warning: not UTF-8", r, problems,
                   stdout=r.out.decode("utf-8", "replace").strip()[:200])]


def t6_attention_png(ctx):
    """--attention-png paths that cannot be written."""
    here = ctx.scratch / "attention"
    (here / "existing_folder").mkdir(parents=True)
    (here / "article.txt").write_text(ARTICLE)
    recs = []
    for tid, target, what in (("6a", "missing/heatmap.png", "a missing folder"),
                              ("6b", "heatmap.xyz", "x.xyz"),
                              ("6c", "existing_folder", "an existing folder")):
        before = snapshot(here)
        r = run(ctx, ["summarize", "--checkpoint", ctx.base, "--attention-png", target,
                      "article.txt"], cwd=here)
        problems = one_line(r) + changed(before, snapshot(here))
        recs.append(record(tid, f"summarize --attention-png {target} ({what})",
                           "one line, nothing written", r, problems))
    return recs


OLD_CHECKPOINTS = (("a", "{}", {}), ("b", '{"flat_weights": 3}', {"flat_weights": 3}),
                   ("c", '{"flat_weights": ["a"]}', {"flat_weights": ["a"]}),
                   ("d", "a list [1, 2, 3]", [1, 2, 3]))


def t7_old_checkpoints(ctx):
    """model.pkl.gz replaced by a headerless gzipped pickle; summarize it, resume training."""
    recs = []
    for letter, what, payload in OLD_CHECKPOINTS:
        folder = copy_base(ctx, f"old_checkpoint_{letter}")
        with gzip.open(folder / "model.pkl.gz", "wb") as f:
            pickle.dump(payload, f)
        r = run(ctx, ["summarize", "--checkpoint", folder, ctx.article])
        recs.append(record(f"7{letter}", f"summarize, model.pkl.gz = gzipped pickle of {what}",
                           "one line", r, one_line(r)))
        if ctx.quick and letter != "a":
            continue
        r = run(ctx, train_argv(ctx, folder, "--steps", "4"))
        recs.append(record(f"7{letter}-train", f"train resuming on it ({what}), --steps 4",
                           "one line", r, one_line(r)))
    return recs


def t8_messages(ctx):
    """What three error messages say."""
    recs = []
    r = run(ctx, ["summarize", "--checkpoint", ctx.base, "--max-input-tokens", "1", ctx.article])
    problems = one_line(r)
    line = r.error_lines[0] if r.error_lines else ""
    if "--max-input-tokens" not in line and "--max_input_tokens" not in line:
        problems.append("the error line does not name --max-input-tokens")
    if "max_new_tokens" in line:
        problems.append("the error line says max_new_tokens")
    recs.append(record("8a", "summarize --max-input-tokens 1", "one line naming "
                       "--max-input-tokens (not max_new_tokens)", r, problems))

    one = ctx.scratch / "one_line.jsonl"
    one.write_text(ctx.pairs.read_text().splitlines()[0] + "\n")
    r = run(ctx, train_argv(ctx, ctx.scratch / "one_line_run", data=one))
    problems = one_line(r)
    if any("empty" in line.lower() for line in r.error_lines):
        problems.append("the error says 'empty'")
    recs.append(record("8b", "train on a 1-line JSONL", "one line, not saying 'empty'", r,
                       problems))

    blank = ctx.scratch / "blank_pairs.jsonl"
    blank.write_text("".join(json.dumps(pair) + "\n" for pair in
                             [{"article": "", "summary": ""}, {"article": "  ", "summary": " "},
                              {"article": "\n", "summary": "\t"}] * 10))
    r = run(ctx, train_argv(ctx, ctx.scratch / "blank_run", data=blank))
    problems = one_line(r)
    others = [line for line in r.lines if not line.startswith("data:")]
    if len(others) != 1:
        problems.append(f"{len(others)} stderr lines besides 'data:' lines")
    if any("skipped" in line for line in others if not line.startswith("error:")):
        problems.append("a 'skipped' line")
    if "build_vocab" in r.err:
        problems.append("a build_vocab message")
    recs.append(record("8c", "train on a file of only blank pairs (30 lines)",
                       "exactly one stderr line besides 'data:' lines (the error), no "
                       "'skipped' lines, no build_vocab message", r, problems))
    return recs


def t9_ctrl_c(ctx):
    """SIGINT to train and summarize while they import, and while they work."""
    recs = []
    work = {"train": "after progress.jsonl has 3 lines",
            "summarize": "while it reads stdin (an open pipe)"}
    for command in ("train", "summarize"):
        for when in (0.3, 1.0, 2.0, "work"):
            out = ctx.scratch / f"ctrl_c_{command}_{when}"
            if command == "train":
                argv, stdin = train_argv(ctx, out, "--steps", "300"), None
            else:
                argv, stdin = ["summarize", "--checkpoint", ctx.base, "-"], "pipe"
            trigger = when if when != "work" else (
                progress_lines(out, 3) if command == "train" else reading_stdin)
            r = run(ctx, argv, stdin=stdin, signal_when=trigger, timeout=120)
            problems = interrupted(r)
            if not r.signal_sent:
                problems.append("it ended before the signal")
            at = f"at {when} s" if when != "work" else work[command]
            recs.append(record(f"9-{command}-{when}", f"SIGINT to {command} {at}",
                               "exit 130, last line 'interrupted (SIGINT)', no traceback", r,
                               problems, signal_at_s=r.signal_at))
    rng = random.Random(ctx.seed)
    times = sorted(round(rng.uniform(0, 6), 2) for _ in range(ctx.random_times))
    runs, problems, total = [], [], 0.0
    for t in times:
        r = run(ctx, ["summarize", "--checkpoint", ctx.base, ctx.article], signal_when=t,
                timeout=120)
        total += r.seconds
        if r.signal_sent:
            bad = interrupted(r)
            if bad:
                problems.append(f"at {t} s: " + "; ".join(bad))
        runs.append({"at_s": t, "exit_code": r.code, "seconds": r.seconds,
                     "outcome": "finished first" if not r.signal_sent else
                     "ok" if not interrupted(r) else "FAIL",
                     "last_line": r.lines[-1][:160] if r.lines else ""})
        last = r
    exit0 = sum(1 for x in runs if x["exit_code"] == 0 and x["outcome"] != "finished first")
    recs.append(record("9-random", f"SIGINT to summarize FILE at {len(times)} random times "
                       f"in 0-6 s (seed {ctx.seed})", "never exit 0 once signalled; each: exit "
                       "130, last line 'interrupted (SIGINT)', no traceback", last, problems,
                       seconds=round(total, 1), exit_0_after_signal=exit0,
                       finished_first=sum(x["outcome"] == "finished first" for x in runs),
                       runs=runs))
    return recs


def t10_smaller(ctx):
    """SIGTERM, a resume with more steps, kill -9 + resume, a refused train in a new folder."""
    recs = []
    out = ctx.scratch / "sigterm_run"
    r = run(ctx, train_argv(ctx, out, "--steps", "300"), signal_when=progress_lines(out, 3),
            signum=signal.SIGTERM)
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".tmp-" in p.name)
    problems = interrupted(r, signal.SIGTERM) + ([f"left: {', '.join(left)}"] if left else [])
    recs.append(record("10a", "SIGTERM to train after progress.jsonl has 3 lines",
                       "exit 143, no .tmp- file left in the folder", r, problems,
                       signal_at_s=r.signal_at))

    folder = copy_base(ctx, "more_steps")
    r = run(ctx, train_argv(ctx, folder, "--steps", "4"))
    problems = [] if r.code == 0 else [f"exit {describe_code(r.code)}"]
    if "will not match" in r.err:
        problems.append("a 'will not match' warning")
    recs.append(record("10b", "resume the 2-step run with --steps 4",
                       "exit 0, no 'will not match' warning", r, problems))

    out = ctx.scratch / "kill9_run"
    argv = train_argv(ctx, out, "--steps", "10")
    first = run(ctx, argv, signal_when=progress_lines(out, 5), signum=signal.SIGKILL)
    r = run(ctx, argv)
    try:
        steps = [json.loads(line)["step"] for line in
                 (out / "progress.jsonl").read_text().splitlines() if line.strip()]
    except (OSError, ValueError, KeyError) as e:
        steps = [f"unreadable: {e}"]
    problems = [] if r.code == 0 else [f"resume: exit {describe_code(r.code)}"]
    if not first.signal_sent:
        problems.append("the first run ended before kill -9")
    if steps != list(range(1, 11)):
        problems.append(f"progress.jsonl steps {steps}")
    recs.append(record("10c", "train --steps 10, kill -9 after 5 progress lines, resume",
                       "progress.jsonl: exactly one line per step (1..10)", r, problems,
                       seconds=round(first.seconds + r.seconds, 1), killed_at_s=first.signal_at,
                       steps=steps))

    for tid, new, where in (("10d", "refused_new", "a new folder"),
                            ("10e", "refused_parent/run", "a new folder in a new folder")):
        top = ctx.scratch / new.split("/")[0]  # the first folder that did not exist
        r = run(ctx, train_argv(ctx, ctx.scratch / new, "--model_vocab_size", "16"))
        problems = [] if r.code != 0 else ["exit 0"]
        if "Traceback" in r.err:
            problems.append("Traceback in stderr")
        if top.exists():
            problems.append("left behind: " + ", ".join(
                [top.name + "/"] + [f"{top.name}/{name}" for name in snapshot(top)]))
        recs.append(record(tid, f"train --model_vocab_size 16 (< the vocabulary) into {where} "
                           f"({new})", "refused, no folder left behind", r, problems))
    return recs


TRIALS = [("1", "data loss: a user's folder as --output_dir", t1_data_loss),
          ("2", "max_length vs boundaries", t2_lengths),
          ("3", "endless input: /dev/zero, /dev/urandom, yes |", t3_endless_input),
          ("4", "bad JSONL fields name file:line", t4_bad_fields),
          ("5", "Latin-1 article", t5_latin1),
          ("6", "--attention-png paths", t6_attention_png),
          ("7", "old checkpoint formats", t7_old_checkpoints),
          ("8", "error messages", t8_messages),
          ("9", "Ctrl-C", t9_ctrl_c),
          ("10", "SIGTERM, resume, kill -9, refused train", t10_smaller)]


# --- main -------------------------------------------------------------------------------------

class Context:
    """The scratch folder, the tiny flags, the data and the base checkpoint."""

    def __init__(self, scratch, seed, quick):
        self.scratch, self.seed, self.quick = scratch, seed, quick
        self.random_times = 5 if quick else 21
        self.logs = scratch / "_logs"
        self.logs.mkdir()
        self.tiny = tiny_flags()
        self.pairs = write_pairs(scratch / "pairs.jsonl")
        self.article = scratch / "article.txt"
        self.article.write_text(ARTICLE)
        self.base = scratch / "base"


def print_table(records):
    print(f"\n{'id':<18} {'result':<6} {'exit':>5} {'s':>6}  tried / problems")
    for rec in records:
        print(f"{rec['id']:<18} {'pass' if rec['passed'] else 'FAIL':<6} {rec['exit_code']:>5} "
              f"{rec['seconds']:>6}  {rec['tried'][:70]}")
        for problem in rec["problems"]:
            print(f"{'':<39}! {problem[:110]}")
        if not rec["passed"] and rec["stderr_tail"]:
            print(f"{'':<39}stderr: {rec['stderr_tail'][-1][:110]}")


def working_tree_changes():
    try:
        return subprocess.run(["git", "status", "--short", "--", "trax_models"], cwd=REPO,
                              capture_output=True, text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--only", nargs="+", metavar="N", help="run only these trials (numbers)")
    p.add_argument("--seed", type=int, default=29, help="seed of the random Ctrl-C times")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = p.parse_args(argv)
    chosen = [t for t in TRIALS if not args.only or t[0] in args.only]
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="reliability_trials-", dir="/tmp"))
    ctx = Context(scratch, args.seed, args.quick)
    start = time.monotonic()
    records = []
    try:
        print(f"scratch: {scratch}; training the tiny model (2 steps) ...", flush=True)
        r = run(ctx, train_argv(ctx, ctx.base), timeout=300)
        if r.code != 0:
            raise SystemExit("the tiny training run failed:\n" + r.err[-3000:])
        for number, title, trial in chosen:
            t0 = time.monotonic()
            recs = trial(ctx)
            records += recs
            print(f"trial {number} ({title}): {sum(x['passed'] for x in recs)} of {len(recs)} "
                  f"passed, {time.monotonic() - t0:.0f} s", flush=True)
    finally:
        for pid in list(_LIVE):  # only if this script stopped early
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    passed = sum(rec["passed"] for rec in records)
    print_table(records)
    print(f"\n{passed} of {len(records)} passed ({time.monotonic() - start:.0f} s)")
    common.write_result("reliability_trials", {
        "trials_run": [t[0] for t in chosen], "passed": passed, "total": len(records),
        "seconds": round(time.monotonic() - start, 1), "python": sys.executable,
        "tiny_flags": ctx.tiny + ["--model", "transformer_lm"],
        "uncommitted_changes_in_trax_models": working_tree_changes(),
        "trials": records}, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
