"""make train's recipe on the pinned stack and on the newest one, side by side: the same losses
and the same held-out scores, within float tolerance?

    python -m benchmarks.stack_parity [--steps 1200] [--pinned .venv/bin/python]
                                      [--latest build/venv-latest/bin/python] [--out FILE]

Runs ``python -m trax_models train`` (make train's defaults; ``--steps`` to shorten) once with
each interpreter, one after the other, each in a scratch output folder and with its own empty
corpus cache (so the corpus and its vocabulary are generated on each stack too), then compares
``progress.jsonl`` step by step (loss, batch shape) and ``results.json`` (held-out fact
accuracy, ROUGE, hallucination). ``make test-latest`` builds build/venv-latest (Python 3.12,
the newest jax). Writes benchmarks/results/stack_parity.json.
"""
import json
import pathlib
import subprocess
import tempfile
import time

from benchmarks import common

REPO = common.REPO


def run(python, steps, tmp):
    """(progress records, results.json or None, wall seconds, versions) of one train run."""
    out, cache = tmp / "run", tmp / "cache"
    cmd = [str(python), "-m", "trax_models", "train", "--output_dir", str(out)]
    if steps:
        cmd += ["--steps", str(steps)]
    env = dict(common.os.environ, TRAX_MODELS_CACHE=str(cache), TRAX_MODELS_JAX_CACHE="0")
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{python}: train failed:\n{done.stderr[-3000:]}")
    progress = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    results = out / "results.json"
    versions = subprocess.run(
        [str(python), "-c", "import sys, jax, jaxlib, numpy, trax; print(sys.version.split()[0],"
         " jax.__version__, jaxlib.__version__, numpy.__version__, trax.__version__)"],
        capture_output=True, text=True).stdout.split()
    return (progress, json.loads(results.read_text()) if results.exists() else None, wall,
            dict(zip(("python", "jax", "jaxlib", "numpy", "trax"), versions)))


def _numbers(tree, prefix=""):
    """Flattened numeric leaves of a JSON object: {'a/b': 0.5, ...}."""
    out = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_numbers(v, f"{prefix}{k}/"))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        out[prefix[:-1]] = tree
    return out


def compare(a, b):
    """Step-by-step loss differences and the scores of both runs."""
    (pa, ra, *_), (pb, rb, *_) = a, b
    same_shapes = [x["shape"] for x in pa] == [x["shape"] for x in pb]
    diffs = [abs(x["loss"] - y["loss"]) for x, y in zip(pa, pb)]
    first_off = next((i + 1 for i, d in enumerate(diffs) if d > 1e-3), None)
    scores = {}
    na, nb = _numbers(ra or {}), _numbers(rb or {})
    for key in sorted(set(na) & set(nb)):
        scores[key] = {"pinned": na[key], "latest": nb[key],
                       "abs_diff": round(abs(na[key] - nb[key]), 6)}
    return {"steps": [len(pa), len(pb)], "same_batch_shapes": same_shapes,
            "max_loss_abs_diff": max(diffs) if diffs else None,
            "loss_abs_diff_at": {str(s): round(diffs[s - 1], 6)
                                 for s in (1, 10, 100, len(diffs)) if 0 < s <= len(diffs)},
            "first_step_off_by_1e-3": first_off,
            "final_loss": [pa[-1]["loss"], pb[-1]["loss"]], "scores": scores}


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--steps", type=int, default=None, help="default: make train's (1,200)")
    p.add_argument("--pinned", default=str(REPO / ".venv" / "bin" / "python"))
    p.add_argument("--latest", default=str(REPO / "build" / "venv-latest" / "bin" / "python"))
    args = p.parse_args(argv)
    runs = {}
    for name, python in (("pinned", args.pinned), ("latest", args.latest)):
        if not pathlib.Path(python).exists():
            raise SystemExit(f"{python} not found: `make venv` builds the pinned stack, "
                             "`make test-latest` the newest")
        with tempfile.TemporaryDirectory() as tmp:
            runs[name] = run(python, args.steps, pathlib.Path(tmp))
        print(f"{name}: {runs[name][3]} train {runs[name][2]:.0f} s", flush=True)
    result = {"steps": args.steps or "make train's default",
              "stacks": {n: r[3] for n, r in runs.items()},
              "wall_s": {n: round(r[2], 1) for n, r in runs.items()},
              "comparison": compare(runs["pinned"], runs["latest"])}
    common.write_result("stack_parity", result, out=args.out)
    print(json.dumps(result["comparison"], indent=1)[:3000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
