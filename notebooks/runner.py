"""Execute notebooks top to bottom in a fresh kernel and keep the executed copies.

    python notebooks/runner.py --out build/notebooks notebooks/*.ipynb   # make notebooks
    python notebooks/runner.py --ci --out build/notebooks-ci notebooks/*.ipynb
    python notebooks/runner.py --clear notebooks/*.ipynb   # strip outputs before a commit
    ... --json build/notebooks/timings.json   # also write each notebook's seconds + load average

Each notebook gets its own kernel (nbclient, kernel ``python3``). jupyter_client replaces the
kernelspec's bare ``python`` with ``sys.executable``, so the kernel is this interpreter — run the
runner from the project's venv and the notebooks see the same packages. The working directory of
the kernel is the notebook's folder, as in Jupyter. The kernel inherits this process's
environment; ``--ci`` (or ``env={"TRAX_MODELS_CI": "1"}``) asks the notebooks for their small
CI setting, which each notebook reads in one cell near its top.

A failing cell stops that notebook: the executed copy (outputs up to the error) is still written,
the cell's error is printed, the other notebooks still run, and the exit status is 1.
Bad arguments (a missing file, not a notebook) exit 2 with one line ``error: ...``.
"""
import argparse
import contextlib
import dataclasses
import json
import os
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


class UserError(Exception):
    """A bad path or notebook: printed as one ``error:`` line, exit status 2."""


__all__ = ["NotebookResult", "run_notebook", "clear_outputs", "has_outputs", "cli"]

CI_ENV = "TRAX_MODELS_CI"  # the one variable a notebook reads for its small setting
KERNEL = "python3"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours tracebacks; logs and asserts want text


@dataclasses.dataclass
class NotebookResult:
    """What happened to one notebook: ``error`` is None when every cell ran."""
    path: pathlib.Path
    seconds: float
    output_path: pathlib.Path | None
    error: str | None = None

    @property
    def ok(self):
        return self.error is None


@contextlib.contextmanager
def _environ(env):
    """Set ``env`` in os.environ for the block (the kernel inherits it), then restore."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _read(path):
    path = pathlib.Path(path)
    if not path.is_file():
        raise UserError(f"notebook not found: {path} — pass paths of existing .ipynb files")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as e:  # nbformat raises several kinds (JSON, validation)
        raise UserError(f"{path} is not a readable notebook ({type(e).__name__}: {e}) — "
                        f"pass .ipynb files") from None


def _cell_error(err):
    """The failing cell's error, short: nbclient's message is the cell source + traceback."""
    if isinstance(err, CellExecutionError):
        text = f"{err.ename}: {err.evalue}\n{err}"
    else:
        text = f"{type(err).__name__}: {err}"
    return _ANSI.sub("", text)


def run_notebook(path, out_dir=None, timeout=1800, env=None):
    """Execute one notebook in a fresh kernel.

    Args:
      path: the .ipynb file.
      out_dir: where the executed copy goes (same file name); None writes nothing.
      timeout: seconds any one cell may run.
      env: extra environment variables for the kernel, e.g. ``{"TRAX_MODELS_CI": "1"}``.

    Returns:
      NotebookResult (``error`` holds the failing cell's error text, else None).
    """
    path = pathlib.Path(path)
    nb = _read(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    # TF's C++ logging starts before Python's, so only an env var keeps it out of the outputs.
    env = {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"), **(env or {})}
    error = None
    start = time.perf_counter()
    with _environ(env):
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
            error = _cell_error(e)
    seconds = time.perf_counter() - start
    output_path = None
    if out_dir is not None:
        out_dir = pathlib.Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        output_path = out_dir / path.name
        nbformat.write(nb, output_path)
    return NotebookResult(path, seconds, output_path, error)


def has_outputs(nb):
    """True when any code cell of ``nb`` (a NotebookNode) has outputs or an execution count."""
    return any(cell.get("outputs") or cell.get("execution_count") is not None
               for cell in nb.cells if cell.cell_type == "code")


def clear_outputs(path):
    """Strip outputs, execution counts and per-cell execution metadata from ``path`` in place.

    Returns True when the file changed.
    """
    nb = _read(path)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None or "execution" in cell.metadata:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    if changed:
        nbformat.write(nb, path)
    return changed


def cli(argv=None):
    parser = argparse.ArgumentParser(
        prog="python notebooks/runner.py",
        description="Execute notebooks in fresh kernels and write the executed copies.")
    parser.add_argument("notebooks", nargs="+", help=".ipynb files")
    parser.add_argument("--out", default="build/notebooks",
                        help="folder for the executed copies (default: build/notebooks)")
    parser.add_argument("--ci", action="store_true",
                        help=f"set {CI_ENV}=1: the notebooks' small CI setting")
    parser.add_argument("--timeout", type=int, default=1800,
                        help="seconds any one cell may run (default 1800: the Assignment's "
                             "training cell takes ~14 min on a busy 2-core machine)")
    parser.add_argument("--clear", action="store_true",
                        help="strip outputs in place instead of executing")
    parser.add_argument("--json", metavar="PATH",
                        help="also write the timings (seconds per notebook, status, setting, "
                             "os.getloadavg() before and after) as JSON")
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.notebooks]
    for p in paths:
        _read(p)  # every argument checked before the first (slow) kernel starts
    if args.clear:
        for p in paths:
            print(f"{p}: {'cleared' if clear_outputs(p) else 'already clean'}")
        return 0
    env = {CI_ENV: "1"} if args.ci else {}
    load_before = os.getloadavg()  # the CPU may be shared: timings mean little without it
    results = []
    for p in paths:
        print(f"running {p} ...", flush=True)
        r = run_notebook(p, args.out, timeout=args.timeout, env=env)
        results.append(r)
        status = "ok" if r.ok else "FAILED"
        print(f"  {status} in {r.seconds:.1f} s -> {r.output_path}", flush=True)
        if not r.ok:
            print(r.error, file=sys.stderr, flush=True)
    print("\nnotebook                                         seconds  status")
    for r in results:
        print(f"{str(r.path):48} {r.seconds:7.1f}  {'ok' if r.ok else 'FAILED'}")
    if args.json:
        report = {"setting": "ci" if args.ci else "full", "cpus": os.cpu_count(),
                  "loadavg_before": [round(x, 2) for x in load_before],
                  "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                  "notebooks": [{"notebook": str(r.path), "seconds": round(r.seconds, 1),
                                 "ok": r.ok} for r in results]}
        path = pathlib.Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r.ok for r in results) else 1


def main():
    try:
        return cli()
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
