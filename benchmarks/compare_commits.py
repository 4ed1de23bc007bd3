"""Start-up and training step of an earlier commit and of this tree, side by side in one run.

    python -m benchmarks.compare_commits --base COMMIT [--repeats 3]   # start-up's repeats

Checks ``COMMIT`` out as a detached git worktree in ``build/compare-<commit>`` (kept for the
next run) and runs, alternating base → this tree so that both see the same machine:

- ``bench_startup`` (``import trax_models``, a cold and a warm ``summarize``; each tree trains
  its own small checkpoint, since checkpoint formats may differ);
- ``bench_train --configs make-train --impls pointer pointer-course`` (make train's model on
  its fast blocks and on the course's layers: tokens/s of forward + backward + Adam).

Both trees run with this venv's Python and libraries. Writes
``benchmarks/results/compare_commits.json``: each figure for base and head, and head/base
(a ratio > 1 means this tree is faster).
"""
import json
import os
import subprocess
import sys

from benchmarks import common

TRAIN_ARGS = ["--configs", "make-train", "--impls", "pointer", "pointer-course"]


def _worktree(commit):
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=common.REPO, check=True,
                         capture_output=True, text=True).stdout.strip()
    path = common.REPO / "build" / f"compare-{sha}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), sha], cwd=common.REPO,
                       check=True, capture_output=True)
    return sha, path


def _bench(tree, name, args, out):
    cmd = [sys.executable, "-m", f"benchmarks.{name}", *args, "--out", str(out)]
    print(f"[{tree.name}] {' '.join(cmd[1:])}", flush=True)
    env = dict(os.environ, PYTHONPATH=str(tree))  # that tree's trax_models and benchmarks
    subprocess.run(cmd, cwd=tree, env=env, check=True)
    return json.loads(out.read_text())


def _ratio(head, base, faster_is_larger):
    if not head or not base:
        return None
    return round(head / base if faster_is_larger else base / head, 3)


def main(argv=None):
    parser = common.parser(__doc__)
    parser.add_argument("--base", required=True, help="the earlier commit")
    parser.add_argument("--repeats", type=int, default=3, help="bench_startup's repeats")
    args = parser.parse_args(argv)
    sha, base_tree = _worktree(args.base)
    tmp = common.REPO / "build" / "compare-results"
    tmp.mkdir(parents=True, exist_ok=True)
    runs = {}
    for bench, extra in (("bench_startup", ["--repeats", str(args.repeats)]),
                         ("bench_train", TRAIN_ARGS)):  # bench_train: its own ≥ 5 repeats
        for label, tree in (("base", base_tree), ("head", common.REPO)):
            runs[(bench, label)] = _bench(tree, bench, extra, tmp / f"{bench}-{label}.json")
    startup = {}
    for case, figs in runs[("bench_startup", "head")]["cases"].items():
        base_s = runs[("bench_startup", "base")]["cases"][case]["median_s"]
        startup[case] = {"base_s": base_s, "head_s": figs["median_s"],
                         "speed_head_over_base": _ratio(figs["median_s"], base_s, False)}
    train = {}
    head_figs = runs[("bench_train", "head")]["configs"]["make-train"]["figures"]
    base_figs = runs[("bench_train", "base")]["configs"]["make-train"]["figures"]
    for impl, figs in head_figs.items():
        b = base_figs[impl]["tokens_per_s"]
        train[impl] = {"base_tokens_per_s": b, "head_tokens_per_s": figs["tokens_per_s"],
                       "head_over_base": _ratio(figs["tokens_per_s"], b, True)}
    rows = [common.row(f"startup/{c}", "head vs base (speed)", v["speed_head_over_base"])
            for c, v in startup.items()]
    rows += [common.row(f"train/make-train/{i}", "head vs base (tokens/s)", v["head_over_base"])
             for i, v in train.items()]
    common.write_result("compare_commits", {"base": sha, "startup": startup, "train": train},
                        rows=rows, out=args.out)
    print(json.dumps({"startup": startup, "train": train}, indent=1))


if __name__ == "__main__":
    main()
