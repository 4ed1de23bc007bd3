"""`make lab` starts JupyterLab and it serves on localhost: the Makefile's own command (read
with `make -n`) on a free 127.0.0.1 port, GET /lab → 200, then stopped, its log free of
nbgrader's "No nbgrader_config.py" warning. Bounded: 120 s."""
import os
import pathlib
import shlex
import socket
import subprocess
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[1]
TOKEN = "grader-test-token"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab_command(port):
    out = subprocess.run(["make", "-n", "lab", f"LAB_PORT={port}",
                          f"ARGS=--no-browser --IdentityProvider.token={TOKEN}"],
                         capture_output=True, text=True, cwd=REPO, check=True).stdout
    out = out.replace("\\\n", " ")  # the recipe's continuation lines
    [line] = [ln for ln in out.splitlines() if "exercises.py lab" in ln]
    return shlex.split(line)


def test_make_lab_serves_on_localhost(tmp_path):
    port = _free_port()
    cmd = _lab_command(port)
    assert "--ip=127.0.0.1" in cmd and f"--port={port}" in cmd
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, status, last = time.monotonic() + 120, None, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={TOKEN}",
                                            timeout=5) as r:
                    status, body = r.status, r.read().decode("utf-8", "replace")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                last = e
                time.sleep(0.5)
        assert proc.poll() is None, f"jupyter lab exited: {proc.stderr.read()[-2000:]}"
        assert status == 200, f"no HTTP 200 from JupyterLab within 120 s (last: {last})"
        assert "JupyterLab" in body
    finally:
        proc.terminate()
        try:
            log = proc.communicate(timeout=20)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            log = proc.communicate(timeout=10)[1]
    assert "nbgrader" in log  # its extensions were loaded (so their warning was possible) ...
    assert "No nbgrader_config.py" not in log  # ... and the warning was filtered out
    assert "Jupyter Server" in log  # the rest of the log is still there
