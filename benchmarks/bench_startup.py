"""Start-up: `import trax_models` and `python -m trax_models summarize` in fresh processes.

    python -m benchmarks.bench_startup [--quick] [--repeats 3]

What a user waits for: wall seconds of a whole ``summarize`` process on one article, on a small
trained checkpoint this benchmark trains itself (``python -m trax_models train --steps 20``
into ``build/bench-startup/``, once; reused while its config.json exists). Three cases, each in
fresh processes, interleaved round by round (median of ``--repeats``, the 1-minute load average
recorded with every run):

- ``import``: ``python -c "import trax_models"``;
- ``summarize_cold``: an empty compilation cache (``TRAX_MODELS_CACHE`` = a new temporary
  folder): the very first run on a machine;
- ``summarize_warm``: the same cache folder every run (primed once before the rounds): the
  second and later runs.

Then one more summarize run reports which heavy modules it imported (``tensorflow``, ``keras``,
``trax.data``, ``matplotlib``). Writes ``benchmarks/results/startup.json``.
"""
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import common

WORK = common.REPO / "build" / "bench-startup"
CHECKPOINT = WORK / "model"
ARTICLE = WORK / "article.txt"
TEXT = ("Rain fell for most of the day, but it did little to cool the atmosphere. Ironbridge "
        "United ran out 5-2 winners against Harlow Athletic on Wednesday. Maria Iverson scored "
        "three goals for the visitors, who had lost their previous two matches. A spokesperson "
        "said a longer statement would follow later in the week.\n")
GOALS_S = {"import": 3.0, "summarize_cold": 12.0, "summarize_warm": 5.0}
HEAVY = ("tensorflow", "keras", "tensorflow_datasets", "trax.data", "matplotlib")
# Which heavy modules a summarize run imported: the CLI run in-process, then sys.modules read.
_PROBE = ("import runpy, sys; sys.argv = ['trax_models'] + sys.argv[1:]\n"
          "try:\n    runpy.run_module('trax_models', run_name='__main__')\n"
          "except SystemExit:\n    pass\n"
          f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")


def _env(cache_dir):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    env["TRAX_MODELS_CACHE"] = str(cache_dir)
    return env


def _run(cmd, env):
    load = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=common.REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n"
                         f"{done.stderr[-3000:]}")
    return {"wall_s": round(wall, 3), "load_avg_1min": load}, done


def ensure_checkpoint():
    """The small trained checkpoint (trained here once, ≈40 s)."""
    if not (CHECKPOINT / "config.json").exists():
        WORK.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "trax_models", "train", "--steps", "20", "--eval_every",
              "20", "--checkpoint_every", "20", "--rouge_articles", "2", "--samples", "0",
              "--output_dir", str(CHECKPOINT), "--fresh"], _env(WORK / "train-cache"))
    ARTICLE.write_text(TEXT)
    return CHECKPOINT


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    checkpoint = ensure_checkpoint()
    summarize = [sys.executable, "-m", "trax_models", "summarize", "--checkpoint",
                 str(checkpoint), str(ARTICLE)]
    warm_cache = WORK / "warm-cache"
    shutil.rmtree(warm_cache, ignore_errors=True)
    _, primed = _run(summarize, _env(warm_cache))  # the first run fills the warm cache
    runs = {case: [] for case in GOALS_S}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as cold:
            runs["import"].append(_run([sys.executable, "-c", "import trax_models"],
                                       _env(cold))[0])
            runs["summarize_cold"].append(_run(summarize, _env(pathlib.Path(cold) / "c"))[0])
            runs["summarize_warm"].append(_run(summarize, _env(warm_cache))[0])
    _, probe = _run([sys.executable, "-c", _PROBE] + summarize[3:], _env(warm_cache))
    heavy = [line for line in probe.stderr.splitlines() if line.startswith("HEAVY ")]
    imported = json.loads(heavy[-1][len("HEAVY "):].replace("'", '"')) if heavy else None
    cases = {}
    rows = []
    for case, rs in runs.items():
        median = statistics.median(r["wall_s"] for r in rs)
        cases[case] = {"median_s": round(median, 2), "runs": rs, "goal_s": GOALS_S[case],
                       "met": median <= GOALS_S[case]}
        rows.append(common.row(f"startup/{case}", "wall s (median)", round(median, 2), "s",
                               note=f"goal ≤ {GOALS_S[case]:g} s: "
                                    f"{'met' if median <= GOALS_S[case] else 'NOT met'}"))
    rows.append(common.row("startup/summarize", "heavy modules imported", len(imported or []),
                           note=", ".join(imported or []) or "none"))
    result = common.write_result("startup", {
        "config": {"repeats": repeats, "checkpoint": str(checkpoint.relative_to(common.REPO)),
                   "command": "python -m trax_models summarize --checkpoint CKPT article.txt"},
        "cases": cases, "summarize_output": primed.stdout.strip()[:200],
        "summarize_imports": imported}, rows=rows, out=args.out)
    print(json.dumps({k: result[k] for k in ("cases", "summarize_imports")}, indent=2))


if __name__ == "__main__":
    main()
