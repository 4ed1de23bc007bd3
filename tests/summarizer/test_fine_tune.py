"""``train --init_from DIR``: a run that starts from a trained run's weights and vocabulary
(fine-tuning make train's model on a user's own pairs)."""
import json

import numpy as np
import pytest

from tests.summarizer._tiny_run import TINY, assert_clean_failure, run, write_pairs
from trax_models.summarizer import checkpoint


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny trained run (2 steps, pointer_lm) to start from."""
    tmp = tmp_path_factory.mktemp("base")
    pairs = write_pairs(tmp / "pairs.jsonl")
    out = tmp / "base"
    code, _, err = run(["train", "--source", pairs, *TINY, "--steps", "2",
                        "--output_dir", out])
    assert code == 0, err
    return {"pairs": pairs, "dir": out, "tmp": tmp}


def _weights(directory):
    contents = checkpoint.read_checkpoint(directory / checkpoint.CHECKPOINT_FILE)
    return [np.asarray(w) for w in contents["flat_weights"]]


def test_fine_tuning_starts_from_the_base_weights(base):
    """With a learning rate of ~0 the fine-tuned run's weights are the base run's; trained from
    scratch (no --init_from, the same vocabulary) they are not."""
    other = write_pairs(base["tmp"] / "other.jsonl", seed=1)  # other pairs, same words
    runs = {}
    for name, extra in (("tuned", ["--init_from", base["dir"]]),
                        ("scratch", ["--vocab_file", base["dir"] / "vocab.subwords"])):
        out = base["tmp"] / name
        code, stdout, err = run(["train", "--source", other, *TINY, "--steps", "1",
                                 "--lr", "1e-12", "--warmup_steps", "0", "--seed", "7",
                                 "--output_dir", out, *extra])
        assert code == 0, err
        runs[name] = (out, stdout)
    base_w = _weights(base["dir"])
    tuned, scratch = _weights(runs["tuned"][0]), _weights(runs["scratch"][0])
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(base_w, tuned))
    assert not all(np.allclose(a, b, atol=1e-3) for a, b in zip(base_w, scratch))
    assert "fine-tuning: starting from the weights of" in runs["tuned"][1]
    # the base's vocabulary (not one built from the new pairs) and the provenance are kept
    assert (runs["tuned"][0] / "vocab.subwords").read_bytes() == \
        (base["dir"] / "vocab.subwords").read_bytes()
    saved = json.loads((runs["tuned"][0] / "config.json").read_text())
    assert saved["train"]["init_from"] == str(base["dir"])


def test_another_model_shape_is_refused_in_one_line(base, tmp_path):
    code, _, err = run(["train", "--source", base["pairs"], *TINY, "--d_model", "32",
                        "--steps", "1", "--init_from", base["dir"], "--output_dir",
                        tmp_path / "run"])
    assert_clean_failure(code, err)
    assert "d_model 16" in err and "--d_model 16" in err
    assert not (tmp_path / "run").exists()


def test_another_vocabulary_is_refused(base, tmp_path):
    vocab = tmp_path / "other.subwords"
    vocab.write_text((base["dir"] / "vocab.subwords").read_text() + "'extra_'\n")
    code, _, err = run(["train", "--source", base["pairs"], *TINY, "--steps", "1",
                        "--vocab_file", vocab, "--init_from", base["dir"],
                        "--output_dir", tmp_path / "run"])
    assert_clean_failure(code, err)
    assert "not the vocabulary of --init_from" in err


def test_a_folder_that_is_no_run_is_refused(base, tmp_path):
    code, _, err = run(["train", "--source", base["pairs"], *TINY, "--steps", "1",
                        "--init_from", tmp_path / "missing", "--output_dir", tmp_path / "run"])
    assert_clean_failure(code, err)
    assert "does not exist" in err
