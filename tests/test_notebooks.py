"""Every notebook in notebooks/ runs top to bottom in a fresh kernel (CI size); none is committed
with outputs; the runner reports a failing cell and bad arguments."""
import importlib.util
import json
import pathlib
import subprocess
import sys

import nbformat
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
RUNNER = REPO / "notebooks" / "runner.py"  # tooling, not part of the package
_spec = importlib.util.spec_from_file_location("notebook_runner", RUNNER)
nr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nr)
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_ci_setting(path, tmp_path):
    result = nr.run_notebook(path, tmp_path, timeout=600, env={nr.CI_ENV: "1"})
    assert result.ok, f"{path.name} failed after {result.seconds:.0f} s:\n{result.error}"
    executed = nbformat.read(result.output_path, as_version=4)
    assert nr.has_outputs(executed)  # it really ran


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have outputs; run "
                       f"`python notebooks/runner.py --clear {path}` before committing")


def _write_notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_failing_cell_is_reported_and_stops_the_notebook(tmp_path):
    path = _write_notebook(
        tmp_path / "broken.ipynb",
        "import os\nprint('ci =', os.environ.get('TRAX_MODELS_CI'))",
        "1 / 0",
        "print('never reached')")
    out = tmp_path / "out"
    result = nr.run_notebook(path, out, timeout=120, env={nr.CI_ENV: "1"})
    assert not result.ok
    assert "ZeroDivisionError" in result.error and "1 / 0" in result.error
    assert "\x1b[" not in result.error  # plain text, no terminal colours
    executed = nbformat.read(out / "broken.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "ci = 1"  # env reached the kernel
    assert executed.cells[2].outputs == []  # execution stopped at the failing cell


def test_clear_outputs(tmp_path):
    path = _write_notebook(tmp_path / "x.ipynb", "print(1)")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[0].execution_count = 1
    nbformat.write(nb, path)
    assert nr.has_outputs(nbformat.read(path, as_version=4))
    assert nr.clear_outputs(path) is True
    assert not nr.has_outputs(nbformat.read(path, as_version=4))
    assert nr.clear_outputs(path) is False


def _cli(*args):
    return subprocess.run([sys.executable, str(RUNNER), *args],
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_cli_missing_notebook_is_one_line_error(tmp_path):
    proc = _cli("--out", str(tmp_path), str(tmp_path / "nope.ipynb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: notebook not found")
    assert "Traceback" not in proc.stderr


def test_cli_exits_nonzero_on_failing_cell(tmp_path):
    path = _write_notebook(tmp_path / "bad.ipynb", "raise RuntimeError('boom')")
    timings = tmp_path / "timings.json"
    proc = _cli("--ci", "--out", str(tmp_path / "out"), "--json", str(timings), str(path))
    assert proc.returncode == 1
    assert "RuntimeError: boom" in proc.stderr
    assert (tmp_path / "out" / "bad.ipynb").exists()
    report = json.loads(timings.read_text())
    assert report["setting"] == "ci" and len(report["loadavg_before"]) == 3
    [entry] = report["notebooks"]
    assert entry["notebook"] == str(path) and entry["ok"] is False and entry["seconds"] > 0
