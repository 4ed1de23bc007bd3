"""Import time of bare `import trax` vs `import trax_models` (compat: fast, quiet), each in fresh
subprocesses, median of N. Writes benchmarks/results/import.json.

    python benchmarks/bench_import.py [--repeats 3]
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "import.json"


def time_import(module):
    """Wall seconds of `python -c "import <module>"` in a fresh interpreter, and its stderr size."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, check=True)
    return time.perf_counter() - start, len(done.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = {"python": platform.python_version(), "cpus": os.cpu_count(),
              "repeats": args.repeats}
    for module in ("trax", "trax_models"):
        runs = [time_import(module) for _ in range(args.repeats)]
        result[module] = {"median_s": round(statistics.median(s for s, _ in runs), 2),
                          "runs_s": [round(s, 2) for s, _ in runs],
                          "stderr_chars": runs[-1][1]}
    result["speedup"] = round(result["trax"]["median_s"] / result["trax_models"]["median_s"], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
