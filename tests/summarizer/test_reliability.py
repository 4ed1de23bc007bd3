"""Issue 19: the eleven reliability failures found by trying faults and bad input, each kept
fixed by a test (numbers = the issue's items). All in-process (``__main__.main``) on a tiny
model trained once for the module."""
import dataclasses
import errno
import gzip
import json
import os
import pickle
import random
import re
import shutil
import threading
import time

import pytest

from tests.summarizer._tiny_run import (
    TINY,
    assert_clean_failure,
    error_lines,
    run,
    snapshot,
    time_bound,
    tiny_run,
    write_pairs,
)
from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, cli, inputs
from trax_models.summarizer import config as train_config
from trax_models.summarizer.cli import config_from_args
from trax_models.summarizer.config import TrainConfig, check

ARTICLE = "alpha beta river city storm team court vote market gamma delta."


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(run dir, data file) of a finished 2-step run; copy it before changing anything."""
    return tiny_run(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def run_copy(trained, tmp_path):
    out, data = trained
    shutil.copytree(out, tmp_path / "run")
    return tmp_path / "run", data


def _summarize(directory, tmp_path, *flags, text=ARTICLE):
    article = tmp_path / "article.txt"
    article.write_text(text) if isinstance(text, str) else article.write_bytes(text)
    return run(["summarize", "--checkpoint", directory, "--max-new-tokens", "6", *flags,
                article])


# --- 1. Re-running a finished run ---------------------------------------------------------------

def test_rerunning_a_finished_run_and_adding_one_step_exit_0(run_copy):
    out, data = run_copy
    before = checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)
    code, stdout, err = run(["train", "--source", data, *TINY, "--steps", "2",
                             "--output_dir", out])
    assert code == 0, err
    assert "resuming from" in stdout
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 2 and results["train_throughput"]["steps_per_s"] is None
    after = checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)
    assert after["step"] == before["step"] == 2
    code, _, err = run(["train", "--source", data, *TINY, "--steps", "3", "--output_dir", out])
    assert code == 0, err  # the one step run is a compile step: no timed step either
    assert checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)["step"] == 3


# --- 2. A corrupted checkpoint ------------------------------------------------------------------

def _rewrite_payload(path, change):
    """Re-gzip the checkpoint with ``change(bytes) -> bytes`` applied to what it holds: the
    gzip stream stays intact (its CRC fits), only the content differs."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    with gzip.open(path, "wb") as f:
        f.write(change(raw))


def test_changed_weights_with_an_intact_gzip_stream_are_refused(run_copy, tmp_path):
    out, _ = run_copy
    path = out / checkpoint.CHECKPOINT_FILE

    def flip_in_the_weights(raw):
        i = len(raw) // 2  # the middle of the pickle: weight bytes
        return raw[:i] + bytes([raw[i] ^ 0x10]) + raw[i + 1:]
    _rewrite_payload(path, flip_in_the_weights)
    code, _, err = _summarize(out, tmp_path)
    assert_clean_failure(code, err)
    assert str(path) in err and "SHA-256" in err and "retrain" in err


def test_a_flipped_gzip_trailer_is_refused(run_copy, tmp_path):
    """pickle.load stopped before the gzip trailer: its CRC was never checked."""
    out, _ = run_copy
    path = out / checkpoint.CHECKPOINT_FILE
    raw = bytearray(path.read_bytes())
    raw[-6] ^= 0x01  # inside the CRC-32 of the trailer
    path.write_bytes(bytes(raw))
    code, _, err = _summarize(out, tmp_path)
    assert_clean_failure(code, err)
    assert str(path) in err and "damaged" in err


def test_random_byte_flips_are_refused_or_harmless(run_copy, tmp_path):
    """A seeded sample of the issue's trial: 1–64 bytes flipped at random spots."""
    out, _ = run_copy
    path = out / checkpoint.CHECKPOINT_FILE
    good = path.read_bytes()
    good_contents = checkpoint.read_checkpoint(path)
    rng = random.Random(19)
    for _ in range(20):
        raw = bytearray(good)
        for _ in range(rng.randint(1, 64)):
            raw[rng.randrange(len(raw))] ^= rng.randint(1, 255)
        path.write_bytes(bytes(raw))
        try:
            contents = checkpoint.read_checkpoint(path)
        except UserError as e:
            assert str(path) in str(e) and "\n" not in str(e)
            continue
        assert pickle.dumps(contents) == pickle.dumps(good_contents)  # the gzip header only


# --- 3. a description that does not match the weights -------------------------------------------

def _edit_checkpoint(directory, **model_args):
    """Change the model settings the checkpoint stores (its weights stay); its description."""
    path = directory / checkpoint.CHECKPOINT_FILE
    contents = checkpoint.read_checkpoint(path, for_training=True)
    contents["model_args"] = {**contents["model_args"], **model_args}
    checkpoint.write_checkpoint(path, contents)
    return checkpoint.description(contents)


def test_resuming_with_other_n_heads_is_refused(run_copy):
    out, data = run_copy
    flags = [f if f != "2" or TINY[i - 1] != "--n_heads" else "4" for i, f in enumerate(TINY)]
    code, _, err = run(["train", "--source", data, *flags, "--steps", "3", "--output_dir", out])
    assert_clean_failure(code, err)  # every weight shape fits: the checkpoint's n_heads does not
    assert "n_heads 2 in the weights, 4 there" in err and "--fresh" in err


def test_a_changed_vocabulary_is_refused(run_copy, tmp_path):
    out, _ = run_copy
    vocab = out / checkpoint.VOCAB_FILE
    vocab.write_text(vocab.read_text().replace("alpha", "alphx", 1))
    code, _, err = _summarize(out, tmp_path)
    assert_clean_failure(code, err)
    assert "vocabulary" in err


@pytest.mark.parametrize("where, edit, message", [
    ("checkpoint", {"foo": 1}, "unknown model setting"),
    ("checkpoint", {"d_model": "abc"}, "positive integer"),
    ("config.json", {"n_heads": 4}, "n_heads 2 in the weights, 4 there")])  # 16 / 4: shapes fit
def test_model_settings_that_do_not_fit_are_one_line(run_copy, tmp_path, where, edit, message):
    out, _ = run_copy
    stored = _edit_checkpoint(out, **(edit if where == "checkpoint" else {}))
    if where == "config.json":  # named by hand: train writes them into the checkpoint alone
        path = out / checkpoint.CONFIG_FILE
        path.write_text(json.dumps(dict(json.loads(path.read_text()), model=stored["model"],
                                        model_args=dict(stored["model_args"], **edit))))
    code, _, err = _summarize(out, tmp_path)
    assert_clean_failure(code, err)
    assert message in err


# --- 4. No usable data --------------------------------------------------------------------------

def _train_on(tmp_path, data, *flags, seconds=60):
    return run(["train", "--source", data, *TINY, "--steps", "2",
                "--output_dir", tmp_path / "out", *flags], seconds=seconds)


def test_an_empty_file_is_one_line(tmp_path):
    data = tmp_path / "empty.jsonl"
    data.write_text("")
    code, _, err = _train_on(tmp_path, data)
    assert_clean_failure(code, err)
    assert "no (article, summary) pair" in err and str(data) in err


def test_blank_articles_with_a_vocab_file_end_at_once(trained, tmp_path):
    data = tmp_path / "blank.jsonl"
    data.write_text("".join(json.dumps({"article": " ", "summary": "x"}) + "\n"
                            for _ in range(50)))
    t = time.perf_counter()
    code, _, err = _train_on(tmp_path, data, "--vocab_file",
                             trained[0] / checkpoint.VOCAB_FILE, seconds=30)
    assert_clean_failure(code, err)
    assert "none of its 50 pair(s) has both" in err and time.perf_counter() - t < 30


def test_only_blank_articles_without_a_vocab_file_is_one_line(tmp_path):
    data = tmp_path / "blank.jsonl"
    data.write_text("".join(json.dumps({"article": "", "summary": "x"}) + "\n"
                            for _ in range(50)))
    code, _, err = _train_on(tmp_path, data, seconds=30)
    assert_clean_failure(code, err)
    assert str(data) in err and "none of its 50 pair(s) has both" in err
    assert "skipped" not in err and "build_vocab" not in err  # one line, in our words


def test_a_file_of_one_pair_is_called_too_few_not_empty(tmp_path):
    data = tmp_path / "one.jsonl"
    data.write_text(json.dumps({"article": "alpha beta gamma.", "summary": "alpha."}) + "\n")
    code, _, err = _train_on(tmp_path, data, seconds=30)
    assert_clean_failure(code, err)
    assert "one pair is too few" in err and "empty" not in err


def test_nothing_fits_max_length_ends_with_a_message(tmp_path):
    data = tmp_path / "long.jsonl"  # every summary alone is longer than 16 tokens
    data.write_text("".join(json.dumps({"article": "alpha beta gamma. " * 3,
                                        "summary": "river city storm team court vote. " * 4})
                            + "\n" for _ in range(40)))
    flags = [f for f in TINY]
    flags[flags.index("--max_length") + 1] = "16"
    flags[flags.index("--boundaries") + 1] = "8"
    code, _, err = run(["train", "--source", data, *flags, "--steps", "2",
                        "--output_dir", tmp_path / "out"], seconds=60)
    assert_clean_failure(code, err)
    assert "--max_length 16" in err


def test_the_data_error_is_raised_before_the_loop(tmp_path, monkeypatch):
    """DataError from the first batch surfaces in _prepare_data (one line), not in make_loop."""
    from trax_models import data as data_module
    from trax_models.summarizer import train as train_module

    def no_pairs(*args, **kwargs):
        def batches():
            raise data_module.DataError("the data source has no pairs for this split.")
            yield
        return batches(), batches()
    monkeypatch.setattr(train_module.data, "make_streams", no_pairs)
    code, _, err = _train_on(tmp_path, write_pairs(tmp_path / "p.jsonl"))
    assert_clean_failure(code, err)
    assert "no pairs" in err


# --- 5. One writer per directory ---------------------------------------------------------------

def test_a_second_writer_is_refused_and_changes_nothing(run_copy):
    out, data = run_copy
    before = snapshot(out)
    with checkpoint.one_writer(out):  # as a running `train` holds it
        code, _, err = run(["train", "--source", data, *TINY, "--steps", "4", "--lr", "0.1",
                            "--output_dir", out])
    assert_clean_failure(code, err)
    assert f"pid {os.getpid()}" in err and "another --output_dir" in err
    assert snapshot(out) == before  # config.json not rewritten, nothing trained


def test_the_lock_is_released_by_a_finished_run(run_copy):
    out, data = run_copy
    code, _, err = run(["train", "--source", data, *TINY, "--steps", "2", "--output_dir", out])
    assert code == 0, err
    with checkpoint.one_writer(out):
        pass


# --- 6. Disk full -------------------------------------------------------------------------------

def test_disk_full_is_one_line_and_keeps_the_last_checkpoint(run_copy, monkeypatch):
    out, data = run_copy
    stale = out / f".{checkpoint.CHECKPOINT_FILE}.tmp-{2 ** 22 + 12345}"  # a dead writer's
    stale.write_bytes(b"half a checkpoint")
    good = (out / checkpoint.CHECKPOINT_FILE).read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "x"))
    monkeypatch.setattr(gzip.GzipFile, "write", full)
    code, _, err = run(["train", "--source", data, *TINY, "--steps", "4", "--output_dir", out])
    assert_clean_failure(code, err)
    assert "No space left on device" in err and "free some disk space" in err
    assert (out / checkpoint.CHECKPOINT_FILE).read_bytes() == good
    assert not stale.exists()
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


def test_a_live_writers_temporary_file_is_kept(tmp_path):
    live = tmp_path / f".model.pkl.gz.tmp-{os.getppid()}"
    live.write_bytes(b"x")
    assert checkpoint.remove_stale_temporaries(tmp_path) == []
    assert live.exists()


# --- 7 and 8. Flags: one table, checked before any work; messages that name the flag -----------

@pytest.mark.parametrize("flag, value", [
    ("--warmup_steps", "-3"), ("--seed", "-1"), ("--shuffle_buffer", "-1"),
    ("--vocab_size", "0"), ("--d_ff", "-1"), ("--d_ff", "0"), ("--dropout", "1.5"),
    ("--batch_sizes", "0,0,0"), ("--article_weight", "nan"), ("--lr", "inf"),
    ("--eval_fraction", "1.5"), ("--rouge_articles", "-1"), ("--max_summary_len", "0"),
])
def test_bad_train_flags_are_refused_naming_the_flag(flag, value, trained, tmp_path):
    code, _, err = run(["train", "--source", trained[1], *TINY, "--steps", "1", flag, value,
                        "--output_dir", tmp_path / "out"], seconds=60)
    assert_clean_failure(code, err)
    assert error_lines(err)[0].startswith(f"error: {flag} must be"), err
    assert "devices" not in err and "--lr" not in err.replace(flag, "")
    assert not (tmp_path / "out").exists()  # refused before anything was created


def test_every_train_config_field_has_a_rule():
    assert {f.name for f in dataclasses.fields(TrainConfig)} == set(train_config.RULES)

    @dataclasses.dataclass
    class WithANewFlag(TrainConfig):
        new_flag: int = 3
    with pytest.raises(AssertionError, match="new_flag"):
        check(WithANewFlag())


def test_gin_values_of_the_wrong_type_are_refused(tmp_path):
    config = config_from_args(["--gin_param", "TrainConfig.steps = 'abc'",
                               "--output_dir", str(tmp_path)])
    with pytest.raises(UserError, match="--steps must be a positive integer"):
        check(config)


@pytest.mark.parametrize("flags, message", [
    (["--max-input-tokens", "-5"], "--max-input-tokens=-5 must be"),
    (["--max-new-tokens", "0"], "--max-new-tokens=0 must be"),
    (["--temperature", "nan"], "--temperature=nan must be"),
    (["--length-penalty", "inf"], "--length-penalty=inf must be"),
    (["--seed", "-1"], "--seed=-1 must be"),
    (["--attention-max-tokens", "2"], "--attention-max-tokens=2 must be"),
])
def test_bad_decoding_flags_name_the_flag(trained, tmp_path, flags, message):
    code, _, err = _summarize(trained[0], tmp_path, *flags)
    assert_clean_failure(code, err)
    assert message in err


def test_every_numeric_decoding_flag_has_a_rule():
    for parser in (cli.summarize_parser(), cli.evaluate_parser()):
        args = parser.parse_args(["--checkpoint", "x"])
        train_config.check_decoding(args)  # every default passes its own rule
        args.new_flag = 3
        with pytest.raises(AssertionError, match="new_flag"):
            train_config.check_decoding(args)


# --- 9. Input that is not text ------------------------------------------------------------------

def test_binary_input_is_refused(trained, tmp_path):
    code, _, err = _summarize(trained[0], tmp_path, text=random.Random(5).randbytes(5000))
    assert_clean_failure(code, err)
    assert "is not text (NUL bytes" in err


def test_text_that_is_not_utf8_is_summarized_with_one_warning(trained, tmp_path):
    """Latin-1 bytes were decoded as U+FFFD without a word; now as Windows-1252, and said."""
    code, out, err = _summarize(trained[0], tmp_path,
                                text=ARTICLE.encode() + b" caf\xe9 " + ARTICLE.encode())
    assert code == 0, err
    assert out.strip() and "\ufffd" not in out
    warnings = [line for line in err.splitlines() if "not UTF-8" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning:"), err
    assert "read it as Windows-1252" in warnings[0] and "convert it to UTF-8" in warnings[0]


@pytest.mark.parametrize("text, words", [
    (b"word " * ((1 << 20) // 5 + 1), "is longer than 1 MiB"),  # inputs.MAX_INPUT_BYTES + 4
    (ARTICLE.encode("utf-16"), "is not text (UTF-16"),
    (ARTICLE.encode("utf-16-le"), "is not text (NUL bytes"),
])
def test_oversized_or_utf16_input_is_one_error_line(trained, tmp_path, text, words):
    code, _, err = _summarize(trained[0], tmp_path, text=text)
    assert_clean_failure(code, err)
    assert words in err


def test_a_folder_as_input_is_one_error_line(trained, tmp_path):
    code, _, err = run(["summarize", "--checkpoint", trained[0], tmp_path])
    assert_clean_failure(code, err)
    assert f"error: {tmp_path} is a folder — pass a text file" in err


class EndlessStdin:
    """A ``sys.stdin`` whose ``buffer`` never ends: ``fill(n)`` makes each read's bytes. A read
    without a size (to the end) fails the test instead of filling memory."""

    def __init__(self, fill):
        self.buffer, self.fill, self.served = self, fill, 0

    def read(self, size=-1):
        assert size is not None and 0 < size <= 1 << 20, f"unbounded read({size})"
        self.served += size
        return self.fill(size)


@pytest.mark.parametrize("fill", [bytes, os.urandom], ids=["zeros", "random"])
def test_a_stream_of_zeros_or_random_bytes_is_refused_after_one_chunk(monkeypatch, fill):
    """``summarize < /dev/zero`` (or /dev/urandom) read everything (3 GB in 4 s) before it
    checked for text; now the first chunk is enough."""
    stdin = EndlessStdin(fill)
    monkeypatch.setattr("sys.stdin", stdin)
    with time_bound(10), pytest.raises(UserError, match="^stdin is not text"):
        inputs.read_inputs(["-"])
    assert stdin.served == inputs.READ_CHUNK


def test_an_endless_text_stream_is_refused_at_the_bound(monkeypatch):
    stdin = EndlessStdin(lambda n: (b"news " * n)[:n])
    monkeypatch.setattr("sys.stdin", stdin)
    with time_bound(10), pytest.raises(UserError, match="^stdin is longer than 1 MiB.*split it "
                                                        "or pass its first part"):
        inputs.read_inputs(["-"])
    assert stdin.served <= inputs.MAX_INPUT_BYTES + inputs.READ_CHUNK


def test_devices_and_folders_are_refused_before_reading_and_a_pipe_is_read(tmp_path):
    """A folder was "cannot read: Is a directory"; /dev/zero was read until memory ran out
    (the folder first: code without these checks fails there, not by filling memory)."""
    with time_bound(10):
        for path, words in ((tmp_path, "is a folder"),
                            ("/dev/zero", "is not a file but a device")):
            with pytest.raises(UserError, match=f"^{re.escape(str(path))} {words}"):
                inputs.read_inputs([str(path)])
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        writer = threading.Thread(target=fifo.write_bytes, args=(b"caf\xc3\xa9 news",))
        writer.start()
        assert inputs.read_inputs([str(fifo)]) == [(str(fifo), "café news")]
        writer.join()


def test_the_size_bound_is_checked_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 1000)
    monkeypatch.setattr(inputs, "READ_CHUNK", 64)
    article = tmp_path / "a.txt"
    article.write_bytes(b"x" * 1000)
    assert inputs.read_inputs([str(article)])[0][1] == "x" * 1000
    article.write_bytes(b"x" * 1001)
    with pytest.raises(UserError, match=f"^{re.escape(str(article))} is longer than"):
        inputs.read_inputs([str(article)])


def test_a_utf8_character_across_a_chunk_boundary_and_a_bom(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(inputs, "READ_CHUNK", 4)
    article = tmp_path / "a.txt"
    text = "abcé — 名前 naïve"  # é, —, 名 and ï each straddle a 4-byte boundary
    for raw in (text.encode(), b"\xef\xbb\xbf" + text.encode()):
        article.write_bytes(raw)
        assert inputs.read_inputs([str(article)]) == [(str(article), text)]
    assert capsys.readouterr().err == ""  # UTF-8: no warning


def test_windows_1252_text_is_read_with_one_warning(tmp_path, capsys):
    article = tmp_path / "latin.txt"
    article.write_bytes(b"Caf\xe9 \x93open\x94 \x80 5 \x81")  # 0x81: undefined, Latin-1's
    assert inputs.read_inputs([str(article)]) == [(str(article), "Café “open” € 5 \x81")]
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"warning: {article} is not UTF-8; read it as "
                                               "Windows-1252")


def test_train_says_once_how_many_pairs_were_not_utf8(trained, tmp_path):
    """Both splits of the file read it whole; the warning counts each pair once."""
    source = tmp_path / "pairs.jsonl"
    write_pairs(source)
    latin = json.dumps({"article": ARTICLE + " café", "summary": "café"}, ensure_ascii=False)
    with open(source, "ab") as f:
        f.write(3 * (latin.encode("latin-1") + b"\n"))
    code, _, err = run(["train", "--source", source, *TINY, "--steps", "1", "--vocab_file",
                        trained[0] / checkpoint.VOCAB_FILE, "--output_dir", tmp_path / "out"])
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "UTF-8" in line]
    assert warnings == [f"warning: 3 pair(s) of {source} are not UTF-8 and were read as "
                        "Windows-1252 (Latin-1) — if accents look wrong, convert the file to UTF-8"]


# --- found by the fuzz suite ----------------------------------------------------------------

@pytest.mark.parametrize("vocab", ["abc", {"file": 5}, None])
def test_config_json_with_a_broken_or_missing_vocab_entry_is_refused(run_copy, tmp_path, vocab):
    """A missing entry fell back to the default corpus's vocabulary (and summarized with it);
    a non-dict one was an AttributeError traceback."""
    out, _ = run_copy
    path = out / checkpoint.CONFIG_FILE
    config = json.loads(path.read_text())
    if vocab is None:
        del config["vocab"]
    else:
        config["vocab"] = vocab
    path.write_text(json.dumps(config))
    code, _, err = _summarize(out, tmp_path)
    assert_clean_failure(code, err)
    assert "vocab" in err
