"""Issue 29, item 1: `train` never touches what it did not write.

Pointed at a folder of a user's files (config.json, results.json, train/data.csv), `train`
overwrote both JSON files, and with --fresh deleted train/ and eval/ with the data file in
them. Now a folder that is neither empty nor one of train's runs is refused before anything
is written, and --fresh removes only what the run's manifest (``.trax_models_run.json``)
says train wrote. One tiny run (trained into an existing, empty folder) is shared.
"""
import json
import os
import shutil

import pytest

from tests.summarizer._tiny_run import (
    TINY,
    assert_clean_failure,
    error_lines,
    run,
    snapshot,
    tiny_run,
)
from trax_models.summarizer import checkpoint
from trax_models.summarizer.train import MANIFEST


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(run dir, data file) of a finished 2-step run; copy it before changing anything."""
    base = tmp_path_factory.mktemp("own")
    (base / "run").mkdir()  # tiny_run trains into base/run: a folder that exists, empty
    return tiny_run(base)


@pytest.fixture
def run_copy(trained, tmp_path):
    out, data = trained
    shutil.copytree(out, tmp_path / "run")
    return tmp_path / "run", data


def _train(out, data, *flags, steps=2):
    return run(["train", "--source", data, *TINY, "--steps", steps, "--output_dir", out, *flags],
               seconds=120)


def _paths(directory):
    """Every path under ``directory`` (hidden files and empty folders included)."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def _manifest(out):
    manifest = json.loads((out / MANIFEST).read_text())
    return set(manifest["files"]) | {f"{d}/{name}" for d, names in manifest["events"].items()
                                     for name in names}


def _users_folder(folder):
    (folder / "train").mkdir(parents=True)
    (folder / "config.json").write_text('{"learning_rate": 0.1, "name": "my experiment"}\n')
    (folder / "results.json").write_text('{"accuracy": 0.93}\n')
    (folder / "train" / "data.csv").write_text("article,summary\nThe council met.,Council met.\n")
    return folder


# --- A folder of someone else's files: refused, untouched ---------------------------------------

@pytest.mark.parametrize("flags", [[], ["--fresh"]])
def test_a_folder_of_a_users_files_is_refused_untouched(trained, tmp_path, flags):
    folder = _users_folder(tmp_path / "mine")
    before, paths = snapshot(folder), _paths(folder)
    code, _, err = _train(folder, trained[1], *flags)
    assert_clean_failure(code, err)
    assert code == 2
    line = error_lines(err)[0]
    for name in ("config.json", "results.json", "train/data.csv", "empty or new"):
        assert name in line, line
    assert snapshot(folder) == before  # byte for byte
    assert _paths(folder) == paths  # nothing added: no .lock, progress.jsonl or manifest


def test_a_training_config_without_our_checkpoint_is_refused(trained, tmp_path):
    """A config.json that loads as a training config is not enough to call a folder ours."""
    folder = tmp_path / "half"
    folder.mkdir()
    for name in (checkpoint.CONFIG_FILE, checkpoint.VOCAB_FILE):
        shutil.copy(trained[0] / name, folder / name)
    before, paths = snapshot(folder), _paths(folder)
    code, _, err = _train(folder, trained[1])
    assert_clean_failure(code, err)
    assert "config.json" in err and "empty or new" in err
    assert snapshot(folder) == before and _paths(folder) == paths


# --- Our own runs ---------------------------------------------------------------------------------

def test_an_empty_folder_is_trained_into_and_the_manifest_lists_every_file(trained):
    out, _ = trained
    on_disk = {p for p in _paths(out) if (out / p).is_file()}
    assert {checkpoint.CHECKPOINT_FILE, "results.json", ".lock", MANIFEST} <= on_disk
    assert any(p.startswith("train/events.out.tfevents.") for p in on_disk)
    assert _manifest(out) == on_disk  # every file the run wrote is listed, nothing else


def test_resuming_our_run_works_and_leaves_a_users_file_alone(run_copy):
    out, data = run_copy
    (out / "notes.txt").write_text("my notes\n")
    code, stdout, err = _train(out, data, steps=3)
    assert code == 0, err
    assert "resuming from" in stdout
    assert checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)["step"] == 3
    assert (out / "notes.txt").read_text() == "my notes\n"
    assert "notes.txt" not in _manifest(out)
    assert len([p for p in _manifest(out) if p.startswith("train/")]) == 2  # both runs' events


def test_fresh_removes_only_what_train_wrote(run_copy):
    out, data = run_copy
    (out / "notes.txt").write_text("my notes\n")
    (out / "train" / "data.csv").write_text("a,b\n1,2\n")
    old_events = {p for p in _manifest(out) if "/" in p}
    manifest = json.loads((out / MANIFEST).read_text())  # an edited manifest claims them too:
    manifest["files"] += ["notes.txt", "../notes.txt"]   # only train's own names count
    manifest["events"]["train"] += ["data.csv"]
    (out / MANIFEST).write_text(json.dumps(manifest))
    code, stdout, err = _train(out, data, "--fresh")
    assert code == 0, err
    assert "resuming" not in stdout
    assert json.loads((out / "results.json").read_text())["resumed_from"] == 0
    assert (out / "notes.txt").read_text() == "my notes\n"
    assert (out / "train" / "data.csv").read_text() == "a,b\n1,2\n"
    assert not old_events & set(_paths(out))  # the old run's event files went
    assert _manifest(out) == {p for p in _paths(out) if (out / p).is_file()} - {
        "notes.txt", "train/data.csv"}
    with checkpoint.one_writer(out):  # the lock file still works
        pass


def test_a_run_of_the_previous_version_resumes_and_is_adopted(run_copy):
    """Written before the manifest existed: config.json + model.pkl.gz of ours, no manifest."""
    out, data = run_copy
    (out / MANIFEST).unlink()
    (out / "notes.txt").write_text("my notes\n")
    code, stdout, err = _train(out, data, steps=3)
    assert code == 0, err
    assert "resuming from" in stdout
    listed = _manifest(out)
    assert {checkpoint.CONFIG_FILE, checkpoint.CHECKPOINT_FILE, "results.json"} <= listed
    assert "notes.txt" not in listed and (out / "notes.txt").read_text() == "my notes\n"
    assert len([p for p in listed if p.startswith("train/events.out.tfevents.")]) == 2


def test_only_our_stale_temporaries_are_removed(tmp_path):
    dead = 2 ** 22 + 4321  # above any pid_max: no such process
    ours, theirs = tmp_path / f".model.pkl.gz.tmp-{dead}", tmp_path / f".notes.txt.tmp-{dead}"
    ours.write_bytes(b"half a checkpoint")
    theirs.write_bytes(b"a user's file")
    removed = checkpoint.remove_stale_temporaries(tmp_path, names={checkpoint.CHECKPOINT_FILE})
    assert removed == [ours.name]
    assert theirs.read_bytes() == b"a user's file" and not ours.exists()
    assert sorted(os.listdir(tmp_path)) == [theirs.name]
