"""``python -m trax_models grade NOTEBOOK.ipynb``: run a learner's notebook, score each exercise.

The notebook runs top to bottom in a fresh kernel (this interpreter, the notebook's folder as
working directory), with ``allow_errors``: a cell that raises does not stop the rest, so a
notebook that fails in one exercise still gets the others graded. Then one more cell, in the
same kernel, calls ``grader.grade_namespace(globals())`` on the functions the notebook defined.
Nothing is downloaded (the exercises use the course's small check values and synthetic data).

    python -m trax_models grade build/exercises/C4W2_Assignment_Transformer_Summarizer.ipynb
    python -m trax_models grade --ci NOTEBOOK      # TRAX_MODELS_CI=1: the notebook's small setting
    python -m trax_models grade --exercises-only NOTEBOOK   # only the cells before the first
                                                   # exercise and the exercise/test cells

Prints a score table (exercise, points, message) and exits 1 if any exercise fails, 2 on a bad
argument.
"""
import argparse
import hashlib
import json
import os
import pathlib
import re

from trax_models import grader
from trax_models.errors import UserError

__all__ = ["grade_notebook", "score_table", "cli"]

MARKER = "@@trax_models.grader@@"
REPO = pathlib.Path(grader.__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
GRADE_CELL = """import json as _json
from trax_models import grader as _grader
_marked = {marked!r}  # the exercises the notebook marks (nbgrader grade_id), else those it defines
_labels = [e.label for e in _grader.EXERCISES if e.label in _marked or (not _marked and (
    e.notebook == "assignment" and getattr(globals().get(e.name), "__module__", None) == "__main__"))]
print({marker!r} + _json.dumps(_grader.grade_namespace(globals(), labels=_labels)))"""


def _is_exercise(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution")
                or cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _select(nb, exercises_only):
    if not exercises_only:
        return nb
    cells, seen = [], False
    for cell in nb.cells:
        seen = seen or _is_exercise(cell)
        if cell.cell_type == "code" and (not seen or _is_exercise(cell)):
            cells.append(cell)
    nb.cells = cells
    return nb


def _stale(nb):
    info = nb.metadata.get("trax_models_exercise")
    if not info:
        return None
    src = REPO / info["source"]
    if src.exists():
        if hashlib.sha256(src.read_bytes()).hexdigest() != info["source_sha256"]:
            return (f"this notebook was generated from an older {info['source']}; "
                    f"`make exercises FORCE=1` regenerates it (save your code first)")
    return None


def grade_notebook(path, ci=False, exercises_only=False, timeout=900):
    """Execute ``path`` and grade it. Returns (rows, cell_errors, warning)."""
    import nbformat  # the notebooks extra
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    path = pathlib.Path(path)
    if not path.is_file():
        raise UserError(f"notebook not found: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # nbformat raises several kinds
        raise UserError(f"{path} is not a readable notebook ({type(e).__name__}: {e})") from None
    warning = _stale(nb)
    nb = _select(nb, exercises_only)
    marked = sorted({c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                     if c.get("metadata", {}).get("nbgrader", {}).get("solution")})
    nb.cells.append(nbformat.v4.new_code_cell(GRADE_CELL.format(marked=marked, marker=MARKER)))
    env = {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
    if ci:
        env["TRAX_MODELS_CI"] = "1"
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    died = None
    try:
        client.execute()
    except DeadKernelError as e:
        died = f"the kernel died: {e}"
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    errors = []
    for i, cell in enumerate(nb.cells[:-1]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = cell.source.strip().splitlines()[:1] or [""]
                errors.append(f"cell {i} ({first[0][:50]}): {out['ename']}: "
                              f"{_ANSI.sub('', out['evalue'])[:200]}")
    rows = None
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if MARKER in text:
            rows = json.loads(text.split(MARKER, 1)[1].strip().splitlines()[0])
    if rows is None:
        why = died or "the grading cell did not run"
        rows = [dict(label=e.label, name=e.name, points=0, max_points=e.points, passed=False,
                     message=why) for e in grader.EXERCISES]
    return rows, errors, warning


def score_table(rows):
    w1 = max([len("exercise")] + [len(r["label"]) for r in rows])
    w2 = max([len("function")] + [len(r["name"]) for r in rows])
    lines = [f"{'exercise':{w1}} {'function':{w2}} {'points':>7}  message"]
    for r in rows:
        lines.append(f"{r['label']:{w1}} {r['name']:{w2}} {r['points']:>3}/{r['max_points']:<3}  "
                     f"{r['message']}")
    total, most = sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)
    lines.append(f"{'total':{w1 + w2 + 1}} {total:>3}/{most:<3}")
    return "\n".join(lines)


def cli(argv=None):
    parser = argparse.ArgumentParser(prog="python -m trax_models grade",
                                     description="Run a notebook in a fresh kernel and grade "
                                                 "every exercise it defines.")
    parser.add_argument("notebook", help="the learner's .ipynb")
    parser.add_argument("--ci", action="store_true",
                        help="TRAX_MODELS_CI=1: the notebook's small setting (faster)")
    parser.add_argument("--exercises-only", action="store_true",
                        help="run only the cells before the first exercise and the exercise "
                             "and test cells (fastest; skips training and the demos)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    print(f"running {args.notebook} in a fresh kernel ...", flush=True)
    rows, errors, warning = grade_notebook(args.notebook, ci=args.ci,
                                           exercises_only=args.exercises_only,
                                           timeout=args.timeout)
    if warning:
        print(f"warning: {warning}")
    if errors:
        print(f"{len(errors)} cell(s) raised (the others still ran):")
        for e in errors:
            print(f"  {e}")
    print()
    print(score_table(rows))
    return 0 if rows and all(r["passed"] for r in rows) else 1
