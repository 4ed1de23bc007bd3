"""make train's recipe on the pinned stack and on the newest one, side by side: the same losses
and the same held-out scores, within float tolerance?

    python -m benchmarks.stack_parity [--seeds 0 1] [--steps 1200] [--pinned .venv/bin/python]
                                      [--latest build/venv-latest/bin/python] [--out FILE]

For each seed, runs ``python -m trax_models train --seed S`` (make train's defaults; ``--steps``
to shorten) with each interpreter, one after the other, into build/stack_parity/<stack>-s<S>,
each with its own empty corpus cache (the corpus and its vocabulary are generated on each
stack too), then compares ``progress.jsonl`` step by step (loss, batch shape) and
``results.json`` (held-out fact accuracy, ROUGE, hallucination). Two questions apart:
  same weights   each stack's first-seed checkpoint is evaluated by the other stack too
                 (``evaluate --json``, 100 held-out articles): equal decodes?
  same training  the stacks' differences at equal seed against the seed-to-seed spread
                 within one stack (a float difference grows over 1,200 steps of training)
``make test-latest`` builds build/venv-latest (Python 3.12, the newest jax). Writes
benchmarks/results/stack_parity.json.
"""
import json
import os
import pathlib
import subprocess
import tempfile
import time

from benchmarks import common

REPO = common.REPO


def run(python, steps, seed, out, tmp):
    """(progress records, results.json or None, wall seconds, versions) of one train run."""
    cache = tmp / "cache"
    cmd = [str(python), "-m", "trax_models", "train", "--output_dir", str(out), "--fresh",
           "--seed", str(seed)]
    if steps:
        cmd += ["--steps", str(steps)]
    env = dict(os.environ, TRAX_MODELS_CACHE=str(cache), TRAX_MODELS_JAX_CACHE="0")
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{python}: train failed:\n{done.stderr[-3000:]}")
    progress = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    results = out / "results.json"
    versions = stack_versions(python)
    return (progress, json.loads(results.read_text()) if results.exists() else None, wall,
            dict(zip(("python", "jax", "jaxlib", "numpy", "trax"), versions)))


def stack_versions(python):
    """{'python': '3.12.1', 'jax': ..., 'jaxlib': ..., 'numpy': ..., 'trax': ...} of ``python``."""
    code = ("import sys; from importlib import metadata as m; print(sys.version.split()[0], "
            "*(m.version(p) for p in ('jax', 'jaxlib', 'numpy', 'trax')))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout
    return dict(zip(("python", "jax", "jaxlib", "numpy", "trax"), out.split()))


def cross_evaluate(python, checkpoint_dir, tmp):
    """``evaluate --json`` of a checkpoint by ``python``: the held-out model figures."""
    out = tmp / "eval.json"
    done = subprocess.run([str(python), "-m", "trax_models", "evaluate", "--checkpoint",
                           str(checkpoint_dir), "--n", "100", "--samples", "0", "--baselines",
                           "lead3", "--json", str(out)], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{python}: evaluate failed:\n{done.stderr[-3000:]}")
    result = json.loads(out.read_text())
    return {k: result[k] for k in ("rouge1", "rouge2", "rougeL", "rougeLsum", "fact_accuracy",
                                   "hallucination", "broken_words")}


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


def _heldout(results):
    keys = ("fact_accuracy", "rougeL", "rougeLsum", "hallucination", "broken_words")
    return {k: results["heldout"][k] for k in keys if k in results.get("heldout", {})}


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--steps", type=int, default=None, help="default: make train's (1,200)")
    p.add_argument("--pinned", default=str(REPO / ".venv" / "bin" / "python"))
    p.add_argument("--latest", default=str(REPO / "build" / "venv-latest" / "bin" / "python"))
    args = p.parse_args(argv)
    stacks = {"pinned": args.pinned, "latest": args.latest}
    for python in stacks.values():
        if not pathlib.Path(python).exists():
            raise SystemExit(f"{python} not found: `make venv` builds the pinned stack, "
                             "`make test-latest` the newest")
    runs, dirs = {}, {}
    for seed in args.seeds:
        for name, python in stacks.items():
            dirs[name, seed] = REPO / "build" / "stack_parity" / f"{name}-s{seed}"
            with tempfile.TemporaryDirectory() as tmp:
                runs[name, seed] = run(python, args.steps, seed, dirs[name, seed],
                                       pathlib.Path(tmp))
            print(f"{name} seed {seed}: train {runs[name, seed][2]:.0f} s, held-out "
                  f"{_heldout(runs[name, seed][1] or {})}", flush=True)
    first = args.seeds[0]
    same_weights = {}
    for trained in stacks:  # each first-seed checkpoint, decoded by both stacks
        for name, python in stacks.items():
            with tempfile.TemporaryDirectory() as tmp:
                same_weights[f"{trained}-trained, {name}-evaluated"] = cross_evaluate(
                    python, dirs[trained, first], pathlib.Path(tmp))
    result = {
        "steps": args.steps or "make train's default", "seeds": args.seeds,
        "stacks": {n: runs[n, first][3] for n in stacks},
        "wall_s": {f"{n}-s{s}": round(runs[n, s][2], 1) for n, s in runs},
        "heldout": {f"{n}-s{s}": _heldout(runs[n, s][1] or {}) for n, s in runs},
        "same_weights": same_weights,
        "same_seed": {str(s): compare(runs["pinned", s], runs["latest", s]) for s in args.seeds},
    }
    if len(args.seeds) > 1:  # the spread of one stack across seeds: what "equal" can mean
        a, b = args.seeds[:2]
        result["seed_spread"] = {n: {k: round(abs(runs[n, a][1]["heldout"][k]
                                                    - runs[n, b][1]["heldout"][k]), 4)
                                     for k in ("fact_accuracy", "rougeL")} for n in stacks}
    common.write_result("stack_parity", result, out=args.out)
    print(json.dumps({k: result[k] for k in ("heldout", "same_weights", "seed_spread")
                      if k in result}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
