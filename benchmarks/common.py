"""Shared helpers of the benchmark suite: machine facts, a timer, the JSON writer.

Every ``benchmarks/bench_<name>.py`` runs as its own process (``python -m benchmarks.bench_<name>
[--quick]``) and writes ``benchmarks/results/<name>.json`` through ``write_result``::

    from benchmarks import common

    def main(argv=None):
        args = common.parser(__doc__).parse_args(argv)      # gives --quick and --out
        stats = common.time_it(lambda: step(), repeats=5)    # 1st call = warm-up/compile
        rows = [common.row("train/mid", "ours tokens/s", tokens / stats["median_s"],
                           unit="tok/s", ratio=None)]
        common.write_result("train", {"config": {...}, "figures": {...}}, rows=rows,
                            out=args.out)

``time_it`` calls ``fn`` once untimed (reported as ``compile_s``: jit compilation + first run),
then times ``repeats`` calls (``fn`` must block until its work is done: return a jax array and
it is ``block_until_ready``-ed) and reports the median with min and max. ``write_result`` adds
the machine (CPU, cores, load average before/after), library versions, the date and the git
commit. ``rows`` (optional) are the lines the suite runner prints in its table; without them
the runner prints the JSON's numeric leaves.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "benchmarks" / "results"

_LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


TORCH_PATH_ENV = "TRAX_MODELS_TORCH_PATH"


def import_torch():
    """``import torch`` from ``$TRAX_MODELS_TORCH_PATH`` (where ``make bench`` installs it).

    torch lives outside the venv on purpose: when it is importable, ``import trax`` pulls it in
    and every trax_models process starts seconds slower.
    """
    # Idle OpenMP threads sleep instead of spinning: on a shared machine (load > cores) torch's
    # spinning threads were measured 4x slower (mid step, load 2.8: 604 vs 2368 tok/s).
    # Set before torch loads libgomp; an explicit OMP_WAIT_POLICY is kept.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    extra = os.environ.get(TORCH_PATH_ENV)
    if extra and extra not in sys.path:
        sys.path.append(extra)
    try:
        import torch
    except ImportError:
        raise SystemExit("torch is not installed: run `make bench` (installs it into "
                         "build/bench-torch) or set TRAX_MODELS_TORCH_PATH") from None
    return torch


def parser(doc):
    """An ArgumentParser with the options every benchmark takes: --quick and --out."""
    p = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    p.add_argument("--quick", action="store_true",
                   help="fewer repeats / smaller cases: a smoke run of the benchmark")
    p.add_argument("--out", default=None, help="JSON file (default benchmarks/results/<name>.json)")
    return p


def _block(x):
    """Wait for asynchronous JAX work in ``x`` (any pytree) to finish."""
    try:
        import jax
    except ImportError:
        return x
    return jax.block_until_ready(x)


def time_it(fn, repeats=5, warmup=1):
    """Times ``fn()``: ``warmup`` untimed calls (compile), then ``repeats`` timed calls.

    Returns:
      {'compile_s': seconds of the warm-up call(s), 'median_s', 'min_s', 'max_s',
       'runs_s': every timed call, 'repeats'}: per call of ``fn``.
    """
    if repeats < 1:
        raise ValueError(f"time_it: repeats={repeats} must be ≥ 1")
    start = time.perf_counter()
    for _ in range(warmup):
        _block(fn())
    compile_s = time.perf_counter() - start
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        _block(fn())
        runs.append(time.perf_counter() - start)
    return {"compile_s": round(compile_s, 3), "median_s": statistics.median(runs),
            "min_s": min(runs), "max_s": max(runs), "runs_s": [round(r, 4) for r in runs],
            "repeats": repeats}


def rate(stats, work):
    """``work`` units per second from ``time_it`` stats: median, and the min/max over runs."""
    return {"median": work / stats["median_s"], "min": work / stats["max_s"],
            "max": work / stats["min_s"]}


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine():
    """Where the figures were measured: CPU, cores, memory, load average, accelerator."""
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            "load_avg_1min_at_start": _LOAD_AT_START,
            "load_avg_1min_at_end": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    if "jax" in sys.modules:
        import jax
        info["jax_devices"] = [str(d) for d in jax.devices()]
    return info


def versions():
    """Versions of the libraries the benchmarks use (those installed)."""
    from importlib import metadata
    out = {}
    for name in ("jax", "jaxlib", "trax", "numpy", "tensorflow", "torch"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def git_commit():
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, timeout=10)
        return done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def row(case, metric, value, unit="", ratio=None, note=""):
    """One line of the suite's table: e.g. row('train/mid', 'fast tokens/s', 2900.5, 'tok/s',
    ratio=1.35, note='vs trax.models')."""
    return {"case": case, "metric": metric, "value": value, "unit": unit, "ratio": ratio,
            "note": note}


def write_result(name, payload, rows=None, out=None):
    """Writes ``payload`` + machine + versions (+ ``rows``) to results/<name>.json; returns it."""
    result = {"benchmark": name,
              "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "git_commit": git_commit(), "machine": machine(), "versions": versions()}
    result.update(payload)
    if rows is not None:
        result["table"] = rows
    path = pathlib.Path(out) if out else RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, default=_jsonable) + "\n")
    return result


def _jsonable(x):
    """numpy / jax scalars and arrays → plain JSON values."""
    if hasattr(x, "tolist"):
        return x.tolist()
    return str(x)
