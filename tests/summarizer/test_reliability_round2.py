"""Issue 29 (reliability, round two): length settings checked against each other before any
work, each message naming the flag to change; a refused train leaves a new folder as it
was; honest resume messages; no "<pad>" in a summary. (Signals: test_signals.py; input
size, encodings and field types: test_reliability.py; the output folder: test_output_dir.py.)
"""
import shutil

import pytest

from tests.summarizer._tiny_run import TINY, assert_clean_failure, error_lines, run, tiny_run
from trax_models.errors import UserError
from trax_models.summarizer.adapters import EncoderDecoderAdapter, LanguageModelAdapter
from trax_models.summarizer.cli import config_from_args
from trax_models.summarizer.config import check
from trax_models.summarizer.generate import Summarizer

ARTICLE = "alpha beta river city storm team court vote market gamma delta."


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(run dir, data file) of a finished 2-step run (max_length 96); copy before changing."""
    return tiny_run(tmp_path_factory.mktemp("tiny"))


def _summarize(directory, tmp_path, *flags):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE)
    return run(["summarize", "--checkpoint", directory, *flags, article])


@pytest.mark.parametrize("flags, named, not_named", [
    (["--max-input-tokens", "1"], "--max-input-tokens 1", "--max-new-tokens"),
    (["--max-new-tokens", "94"], "--max-new-tokens 94", "--max-input-tokens"),
    (["--max-input-tokens", "90", "--max-new-tokens", "10"],
     "--max-input-tokens 90 and --max-new-tokens 10 need 100 positions", None),
    (["--max-input-tokens", "90"],  # with the default cap: min(160, 96 // 2) = 48
     "--max-input-tokens 90 and --max-new-tokens 48", None),
])
def test_summarize_length_caps_name_the_flag_to_change(trained, tmp_path, flags, named,
                                                       not_named):
    code, _, err = _summarize(trained[0], tmp_path, *flags)
    assert_clean_failure(code, err)
    line = error_lines(err)[0]
    assert named in line, line
    assert not_named is None or not_named not in line, line


def test_length_caps_that_fit_are_accepted(trained, tmp_path):
    code, out, err = _summarize(trained[0], tmp_path, "--max-input-tokens", "40",
                                "--max-new-tokens", "56")  # 96 positions: exactly max_len
    assert code == 0, err


@pytest.mark.parametrize("adapter, max_new, max_input, message", [
    (LanguageModelAdapter, 30, None, "at most 29"),
    (LanguageModelAdapter, 4, 2, "at least 3"),
    (LanguageModelAdapter, 4, 29, "need 33 positions"),
    (EncoderDecoderAdapter, 32, None, "at most 31"),
    (EncoderDecoderAdapter, 4, 1, "from 2"),
    (EncoderDecoderAdapter, 4, 33, "to 32"),
])
def test_each_model_layout_checks_its_own_positions(adapter, max_new, max_input, message):
    with pytest.raises(UserError, match=message):
        adapter(build=None, max_len=32).check_lengths(max_new, max_input)
    adapter(build=None, max_len=32).check_lengths(3, 20)  # fits both layouts


def test_max_summary_len_must_fit_max_length_before_any_work(tmp_path):
    out = tmp_path / "new"
    code, _, err = run(["train", "--max_length", "32", "--max_summary_len", "40",
                        "--output_dir", out])
    assert_clean_failure(code, err)
    assert "--max_summary_len 40" in error_lines(err)[0] and "at most 29" in err
    assert not out.exists()
    check(config_from_args(["--max_length", "32", "--max_summary_len", "40",
                            "--rouge_articles", "0"]))  # no report: nothing decoded


@pytest.mark.parametrize("existing", [False, True], ids=["new folders", "empty folder"])
def test_a_refused_train_leaves_the_folder_as_it_was(trained, tmp_path, existing):
    out = tmp_path / "out" if existing else tmp_path / "new" / "out"
    if existing:
        out.mkdir()
    # refused after the lock is taken: the vocabulary is larger than --model_vocab_size
    code, _, err = run(["train", "--source", trained[1], *TINY, "--steps", "2",
                        "--model_vocab_size", "16", "--output_dir", out])
    assert_clean_failure(code, err)
    assert "--model_vocab_size 16" in err
    assert (list(out.iterdir()) == []) if existing else not out.parent.exists()


def test_a_refused_resume_keeps_the_run(trained, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(trained[0], out)
    before = sorted(p.name for p in out.iterdir())
    code, _, err = run(["train", "--source", trained[1], *TINY, "--steps", "3",
                        "--model_vocab_size", "16", "--output_dir", out])
    assert_clean_failure(code, err)
    assert sorted(p.name for p in out.iterdir()) == before


def test_more_steps_on_resume_is_not_called_a_change_of_losses(trained, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(trained[0], out)
    code, _, err = run(["train", "--source", trained[1], *TINY, "--steps", "3",
                        "--output_dir", out])
    assert code == 0, err
    assert "training on to step 3 (the first run asked for 2)" in err
    assert "will not match" not in err
    code, _, err = run(["train", "--source", trained[1], *TINY, "--steps", "4", "--lr", "0.02",
                        "--output_dir", out])
    assert code == 0, err
    assert "lr: 0.005 → 0.02" in err and "will not match" in err  # a real change still is


def test_the_pad_id_never_shows_in_a_summary(make_checkpoint, tmp_path):
    """The prompt's separator is the pad id; an unconstrained model can write it."""
    make_checkpoint(tmp_path)
    summarizer = Summarizer.from_checkpoint(tmp_path)
    words = summarizer.detokenize([5, 0, 6, 0])
    assert "<pad>" not in words and words == summarizer.detokenize([5, 6])


def test_attention_png_works_on_make_trains_model_kind(trained, tmp_path):
    """`summarize --attention-png` on a pointer_lm (make train's model), which
    was refused as "not a TransformerLM"."""
    png = tmp_path / "attention.png"
    code, out, err = _summarize(trained[0], tmp_path, "--max-new-tokens", "4",
                                "--attention-png", png)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
