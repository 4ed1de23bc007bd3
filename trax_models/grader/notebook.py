"""``python -m trax_models grade NOTEBOOK.ipynb``: run a learner's notebook, score each exercise.

By default only what grading needs runs, in a fresh kernel (this interpreter, the notebook's
folder as working directory): the exercise cells (nbgrader ``solution`` cells, and any cell
that defines a graded name) and, transitively, the cells that define the names they read —
the imports, the vocabulary, a helper the learner wrote in a cell of their own. The demos, the
training runs and the notebook's own test cells are left out (the grading cell runs the same
checks). That takes seconds. ``--full`` runs every cell instead, as *Run All* would (minutes).

Either way the kernel gets ``TRAX_MODELS_GRADING=1``: the notebooks read it in their setup cell
and use their small setting and a temporary output folder, so a grading run never trains the
full-size model nor writes beside the notebook. Cells run with ``allow_errors``: a cell that
raises does not stop the rest, so a notebook that fails in one exercise still gets the others
graded. Then one more cell, in the same kernel, calls ``grader.grade_namespace(globals())`` on
the functions the notebook defined. Nothing is downloaded.

    python -m trax_models grade build/exercises/C4W2_Assignment_Transformer_Summarizer.ipynb
    python -m trax_models grade --full NOTEBOOK    # every cell, demos and training included

Prints a score table: one row per exercise (its label — UNQ_C1 … — function, points, the first
failed check) and, under a failed exercise, what each failed check expected, what came back and
the hint the notebook's test cell gives. Exits 1 if any exercise fails, 2 on a bad argument.
"""
import argparse
import builtins
import hashlib
import json
import os
import pathlib
import re
import sys
import threading

from trax_models import grader
from trax_models.errors import UserError

__all__ = ["grade_notebook", "score_table", "select_cells", "cell_names", "cli", "GRADING_ENV"]

MARKER = "@@trax_models.grader@@"
GRADING_ENV = "TRAX_MODELS_GRADING"  # "1" in the kernel of every grading run
REPO = pathlib.Path(grader.__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# ipykernel warns on every start over TCP (nbclient's default transport on localhost); only this
# line of the kernel's stderr is dropped, anything else it prints still reaches the terminal.
_KERNEL_NOISE = "Kernel is running over TCP without encryption"
GRADE_CELL = """import json as _json
from trax_models import grader as _grader
_marked = {marked!r}  # the exercises the notebook marks (nbgrader grade_id), else those it defines
_labels = [e.label for e in _grader.EXERCISES if e.label in _marked or (not _marked and (
    e.notebook == "assignment" and getattr(globals().get(e.name), "__module__", None) == "__main__"))]
print({marker!r} + _json.dumps(_grader.grade_namespace(globals(), labels=_labels)))"""


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _python(source):
    """A cell's source as plain Python (IPython's magics and ``!`` lines turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager  # the notebooks extra
    return TransformerManager().transform_cell(source)


def _names(source):
    """(defined, used, star) of one code cell: the module-level names it binds; the global names
    it reads, at once or, inside its functions, when they are called; whether it star-imports.
    None when the cell does not parse (it is kept only if it is an exercise: it will raise)."""
    import symtable
    try:
        top = symtable.symtable(_python(source), "<cell>", "exec")
    except (SyntaxError, ValueError):
        return None
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in top.get_symbols() if s.is_referenced()} - defined
    star = bool(re.search(r"^\s*from\s+\S+\s+import\s+\*", source, re.M))

    def walk(table):
        for child in table.get_children():
            for s in child.get_symbols():
                if s.is_declared_global() and s.is_assigned():
                    defined.add(s.get_name())
                elif s.is_global() and s.is_referenced():
                    used.add(s.get_name())
            walk(child)
    walk(top)
    return defined, used - set(dir(builtins)), star


def select_cells(cells, exercise_names=None):
    """Indices (in order) of the code cells a grading run needs: every exercise cell (nbgrader
    ``solution``, or one that defines a graded name) and, transitively, for each name a needed
    cell reads (at once, or inside its functions), the last cell before it that defines the
    name (else the last cell before it with ``import *``). A name defined only further down is
    not followed: in an exercise copy, a blank function's ``return attention`` reads a name
    that only a later demo cell defines, and the blank raises before it reads it.

    Test cells (nbgrader ``grade``) are not needed: the grading cell runs the same checks."""
    if exercise_names is None:
        exercise_names = {e.name for e in grader.EXERCISES}
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    info = {i: _names(cells[i].source) for i in code}
    targets = [i for i in code if _nbgrader(cells[i]).get("solution")
               or (info[i] and info[i][0] & exercise_names and not _nbgrader(cells[i]).get("grade"))]
    needed, todo = set(targets), list(targets)
    while todo:
        i = todo.pop()
        if info[i] is None:
            continue
        for name in info[i][1] - info[i][0]:
            before = [j for j in code if j < i and info[j] and name in info[j][0]]
            star = [j for j in code if j < i and info[j] and info[j][2]]
            j = before[-1] if before else star[-1] if star else None
            if j is not None and j not in needed and not _nbgrader(cells[j]).get("grade"):
                needed.add(j)
                todo.append(j)
    return sorted(needed)


def cell_names(cells):
    """{index: how a learner finds the cell in JupyterLab}: an exercise cell by its nbgrader id
    (UNQ_C1 …) and function, its test cell as such; any other by its first line and what is
    just above it (the last heading, or the last exercise when that comes later)."""
    names, landmark = {}, "at the top"
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.lstrip().startswith("#"):
                    landmark = f'under "{_short(line.lstrip("# "), 50)}"'
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()
                      and not ln.strip().startswith("#")), "")
        fn = re.search(r"^def (\w+)\(", cell.source, re.M)
        if grade_id and _nbgrader(cell).get("grade"):
            names[i] = f"the test cell of {grade_id.removesuffix('_test')}"
            landmark = f"after {names[i]}"
        elif grade_id:
            names[i] = grade_id + (f" ({fn.group(1)})" if fn and fn.group(1) != grade_id else "")
            landmark = f"after {grade_id}"
        else:
            names[i] = f"the cell {landmark}, `{_short(first, 40)}`"
    return names


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


class _KernelStderr:
    """A pipe for the kernel's stderr: every line goes on to ours but ipykernel's TCP warning."""

    def __init__(self, out=None):
        self.out = out or sys.stderr
        self.read_fd, self.fd = os.pipe()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        with os.fdopen(self.read_fd, "r", errors="replace") as pipe:
            for line in pipe:
                if _KERNEL_NOISE not in line:
                    self.out.write(line)
                    self.out.flush()

    def close(self):
        os.close(self.fd)  # the kernel has exited: its copy is closed too, so the pump ends
        self.thread.join(timeout=5)


def grade_notebook(path, full=False, timeout=900, ci=False, exercises_only=None):
    """Execute ``path`` (only the cells grading needs, or every cell with ``full``) and grade it.

    Returns (rows, cell_errors, warning): ``rows`` as ``grader.grade_namespace`` gives them,
    ``cell_errors`` one line per cell that raised, naming the cell as the learner sees it.
    ``ci`` and ``exercises_only`` are accepted for older callers: every grading run uses the
    notebooks' small setting, and the default run is the old ``exercises_only``."""
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
    names = cell_names(nb.cells)
    keep = (range(len(nb.cells)) if full else select_cells(nb.cells))
    kept = [i for i in keep if full or nb.cells[i].cell_type == "code"]
    marked = sorted({_nbgrader(c)["grade_id"] for c in nb.cells
                     if _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")})
    nb.cells = [nb.cells[i] for i in kept]
    nb.cells.append(nbformat.v4.new_code_cell(GRADE_CELL.format(marked=marked, marker=MARKER)))
    env = {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"), GRADING_ENV: "1"}
    if ci:
        env["TRAX_MODELS_CI"] = "1"
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    died = None
    stderr = _KernelStderr()
    try:
        client.execute(stderr=stderr.fd)
    except DeadKernelError as e:
        died = f"the kernel died: {e}"
    finally:
        stderr.close()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    errors = []
    for i, cell in zip(kept, nb.cells[:-1]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"{names.get(i, f'cell {i}')}: {out['ename']}: "
                              f"{_ANSI.sub('', out['evalue'])[:200]}")
    rows = None
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if MARKER in text:
            rows = json.loads(text.split(MARKER, 1)[1].strip().splitlines()[0])
    if rows is None:
        why = died or "the grading cell did not run"
        rows = [dict(label=e.label, name=e.name, points=0, max_points=e.points, passed=False,
                     message=why, failures=[]) for e in grader.EXERCISES]
    return rows, errors, warning


def _short(text, width=150):
    """One line of at most ``width`` characters (whitespace runs collapsed)."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 2] + " …"


def score_table(rows):
    """The table: a row per exercise (its first failed check in the message column) and, under
    a failed one, what that check expected, what came back and the hint its test cell prints
    (the same texts: ``grade_namespace`` passes the checks' own); then up to two more failed
    checks the same way, and the rest (and those failing the same way as one above) by name."""
    w1 = max([len("exercise")] + [len(r["label"]) for r in rows])
    w2 = max([len("function")] + [len(r["name"]) for r in rows])
    pad = " " * (w1 + 1)
    lines = [f"{'exercise':{w1}} {'function':{w2}} {'points':>7}  message"]
    blank = detailed = False
    for r in rows:
        lines.append(f"{r['label']:{w1}} {r['name']:{w2}} {r['points']:>3}/{r['max_points']:<3}  "
                     f"{r['message']}")
        failures = r.get("failures", [])
        blank = blank or any(f["message"].startswith("not implemented") for f in failures)
        failures = [f for f in failures if not f["message"].startswith("not implemented")]
        detailed = detailed or bool(failures)
        hints, messages, same, more = set(), set(), [], []
        for n, f in enumerate(failures):
            if f["message"] in messages and f.get("hint") in hints | {None}:
                same.append(f["name"])
                continue
            if len(messages) == 3:  # three in full are enough to read: name the others
                more.append(f"{f['name']} ({f['message']})")
                continue
            if n:  # the row's message names the first one
                lines.append(f"{pad}also failed: {_short(f['name'], 60)}: "
                             f"{_short(f['message'], 80)}")
            for label in ("expected", "got", "hint"):
                text = f.get(label)
                if text is not None and not (label == "hint" and text in hints):
                    lines.append(f"{pad}{label + ':':9} "
                                 f"{_short(text, 300 if label == 'hint' else 110)}")
            messages.add(f["message"])
            hints.add(f.get("hint"))
        if same:
            lines.append(f"{pad}also failed, the same way: {_short('; '.join(same), 150)}")
        if more:
            lines.append(f"{pad}also failed: {_short('; '.join(more), 150)}")
    total, most = sum(r["points"] for r in rows), sum(r["max_points"] for r in rows)
    lines.append(f"{'total':{w1 + w2 + 1}} {total:>3}/{most:<3}")
    if blank:
        lines.append("not implemented: write your code in place of `raise NotImplementedError()` "
                     "(between ### START CODE HERE ### and ### END CODE HERE ###), run the test "
                     "cell after it, then grade again.")
    if detailed:
        lines.append("The test cell after each exercise prints the same checks, every one in "
                     "full.")
    return "\n".join(lines)


def cli(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m trax_models grade",
        description="Grade a notebook: run, in a fresh kernel, the exercise cells and the cells "
                    "they depend on (seconds), and print a score table with, for each failed "
                    "check, what was expected, what came back and a hint.")
    parser.add_argument("notebook", help="the learner's .ipynb")
    parser.add_argument("--full", action="store_true",
                        help="run every cell of the notebook (the demos and the training too, at "
                             "the notebooks' small setting: minutes), as Run All would")
    parser.add_argument("--exercises-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ci", action="store_true", help=argparse.SUPPRESS)  # implied now
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default: 900)")
    args = parser.parse_args(argv)
    what = "every cell of" if args.full else "the exercises of"
    print(f"running {what} {args.notebook} in a fresh kernel ...", flush=True)
    rows, errors, warning = grade_notebook(args.notebook, full=args.full, ci=args.ci,
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
