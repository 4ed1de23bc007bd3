"""The benchmark suite: every ``benchmarks/bench_<name>.py``, one process each, then one table.

    python -m benchmarks [--only train decode ...] [--skip data ...] [--quick] [--timeout 1800]
    (``make bench`` runs this after installing the ``bench`` extra: torch CPU)

Each benchmark runs as ``python -m benchmarks.bench_<name>`` (its own defaults; ``--quick`` is
passed on to those whose source offers it) and writes ``benchmarks/results/<name>.json``. The
runner then prints one table and writes ``benchmarks/results/summary.json`` (machine, load
average before/after each benchmark, seconds, exit status, table rows) and
``benchmarks/results/summary.md`` (the same table in Markdown, for the README).

Table rows come from a result's ``"table"`` list (``benchmarks.common.row``) when it has one;
otherwise from its numeric leaves whose key names a rate or a speed-up (``*_per_s``,
``speedup*``, ``median_s``), at most ``MAX_ROWS`` per benchmark.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

from benchmarks import common

BENCH_DIR = pathlib.Path(__file__).resolve().parent
MAX_ROWS = 16
ORDER = ("import", "data", "decode", "train")  # cheap first; others alphabetically after


def discover():
    """Names of the benchmarks: ``bench_<name>.py`` files next to this one, in run order."""
    names = sorted(p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.py"))
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def _leaf_rows(name, result):
    """Rows from the numeric leaves of a result without a ``table``: rates and speed-ups."""
    rows = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + [str(key)])
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and path:
            key = path[-1]
            in_speedups = len(path) > 1 and path[-2].startswith("speedup")
            if key.endswith("per_s") or key.startswith("speedup") or key == "median_s" \
                    or in_speedups:
                rows.append(common.row(f"{name}/" + "/".join(path[:-1]), key, node))
    walk(result, [])
    return rows[:MAX_ROWS]


def table_rows(name, path):
    """The rows of one benchmark's JSON result (see the module docstring)."""
    try:
        result = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return [common.row(name, "result unreadable", None, note=str(e))]
    if isinstance(result.get("table"), list):
        return result["table"]
    return _leaf_rows(name, result)


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def markdown(rows):
    """rows → a Markdown table (case, metric, value, unit, ratio, note)."""
    lines = ["| case | metric | value | unit | ratio | note |", "|---|---|---:|---|---:|---|"]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(k)) for k in
                                       ("case", "metric", "value", "unit", "ratio", "note"))
                     + " |")
    return "\n".join(lines)


def run_one(name, quick, timeout):
    """Runs ``benchmarks.bench_<name>`` in its own process; returns its record."""
    source = (BENCH_DIR / f"bench_{name}.py").read_text()
    cmd = [sys.executable, "-m", f"benchmarks.bench_{name}"]
    if quick and "--quick" in source:
        cmd.append("--quick")
    result_file = common.RESULTS_DIR / f"{name}.json"
    before = result_file.stat().st_mtime if result_file.exists() else None
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(f"\n=== {name}: {' '.join(cmd[1:])} (load {load_before[0]})", flush=True)
    start = time.perf_counter()
    try:
        rc = subprocess.run(cmd, cwd=common.REPO, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        rc = "timeout"
    seconds = round(time.perf_counter() - start, 1)
    fresh = result_file.exists() and result_file.stat().st_mtime != before
    print(f"=== {name}: exit {rc} after {seconds} s"
          + ("" if fresh else f" — no new {result_file.name}"), flush=True)
    return {"name": name, "command": cmd[1:], "exit": rc, "seconds": seconds,
            "result": str(result_file.relative_to(common.REPO)) if fresh else None,
            "loadavg_before": load_before, "loadavg_after": [round(x, 2) for x in
                                                            os.getloadavg()]}


def main(argv=None):
    names = discover()
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--only", nargs="+", choices=names, help="run only these benchmarks")
    p.add_argument("--skip", nargs="+", choices=names, default=[], help="leave these out")
    p.add_argument("--quick", action="store_true", help="smoke run (benchmarks that offer it)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark")
    args = p.parse_args(argv)
    chosen = [n for n in (args.only or names) if n not in args.skip]

    start = time.perf_counter()
    runs = [run_one(name, args.quick, args.timeout) for name in chosen]
    rows = []
    for run in runs:
        if run["result"]:
            rows += table_rows(run["name"], common.REPO / run["result"])
        else:
            rows.append(common.row(run["name"], "FAILED", None,
                                   note=f"exit {run['exit']} after {run['seconds']} s"))
    total = round(time.perf_counter() - start, 1)
    table = markdown(rows)
    print("\n" + table)
    print(f"\n{len(runs)} benchmarks in {total} s")
    summary = {"total_s": total, "quick": args.quick, "runs": runs, "table": rows}
    common.write_result("summary", summary)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    machine = common.machine()
    (common.RESULTS_DIR / "summary.md").write_text(
        f"Measured {stamp} on {machine['cpu']} ({machine['cores']} cores), "
        f"`make bench` {total:.0f} s, load average {runs[0]['loadavg_before'][0] if runs else '?'}"
        f"–{runs[-1]['loadavg_after'][0] if runs else '?'}.\n\n{table}\n")
    return 0 if all(r["exit"] == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
