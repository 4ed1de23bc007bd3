"""Fuzz/fault suite (issue 19): random and adversarial input to ``train --source``,
``summarize``, ``evaluate`` and checkpoint loading, through ``python -m trax_models`` in this
process. Every case must end cleanly — exit 0 with a correct result, or non-zero with ONE
``error:`` line — with no traceback, within its time bound, and without changing a good
checkpoint directory it was pointed at.

``make test`` runs a small, derandomized sample of each (seconds); ``make fuzz`` sets
TRAX_MODELS_FUZZ=long: 25× the cases, random seeds (Hypothesis keeps failures in .hypothesis/).
"""
import json
import os
import pathlib
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.summarizer._tiny_run import assert_clean_failure, run, snapshot, tiny_run
from trax_models.errors import UserError
from trax_models.summarizer import checkpoint

LONG = os.environ.get("TRAX_MODELS_FUZZ") == "long"


def examples(n):
    """Hypothesis settings for ``n`` cases in make test (25 n under make fuzz)."""
    return settings(max_examples=n * 25 if LONG else n, deadline=None, derandomize=not LONG,
                    suppress_health_check=list(HealthCheck), database=None if not LONG
                    else settings.default.database)


ARTICLE = "alpha beta river city storm team court vote market gamma delta."
SUMMARIZE = ["--max-new-tokens", "6"]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A finished tiny run, its data, and the summary it gives ARTICLE (the correct result)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    out, data = tiny_run(tmp)
    article = tmp / "article.txt"
    article.write_text(ARTICLE)
    code, stdout, err = run(["summarize", "--checkpoint", out, *SUMMARIZE, article])
    assert code == 0, err
    return {"dir": out, "data": data, "article": article, "summary": stdout,
            "snapshot": snapshot(out), "files": sorted(snapshot(out))}


def _scratch():
    return pathlib.Path(tempfile.mkdtemp(prefix="fuzz-"))


def _check_summarize(directory, article, expected, seconds=60, extra=()):
    before = snapshot(directory)
    code, stdout, err = run(["summarize", "--checkpoint", directory, *SUMMARIZE, *extra,
                             article], seconds=seconds)
    if code == 0:
        assert "Traceback" not in err
        if expected is not None:
            assert stdout == expected  # a damaged directory must not summarize differently
    else:
        assert_clean_failure(code, err)
    assert snapshot(directory) == before  # summarize never writes into the directory
    return code


# --- checkpoint directories: byte flips and truncations of every file ------------------------

damage = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                  st.integers(1, 255)), min_size=1, max_size=64)),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
)


def _damage(path, how):
    raw = bytearray(path.read_bytes())
    if not raw:
        return
    kind, what = how
    if kind == "truncate":
        path.write_bytes(bytes(raw[:int(what * len(raw))]))
        return
    for where, xor in what:
        raw[int(where * len(raw))] ^= xor
    path.write_bytes(bytes(raw))


@examples(30)
@given(data=st.data(), how=damage)
def test_a_damaged_checkpoint_directory_is_refused_or_summarizes_the_same(good, data, how):
    name = data.draw(st.sampled_from(good["files"]), label="file")
    scratch = _scratch()
    try:
        directory = scratch / "run"
        shutil.copytree(good["dir"], directory)
        _damage(directory / name, how)
        _check_summarize(directory, good["article"], good["summary"])
    finally:
        shutil.rmtree(scratch)


@examples(60)
@given(raw=st.binary(max_size=4096))
def test_read_checkpoint_of_random_bytes_is_a_user_error(raw, tmp_path_factory):
    path = tmp_path_factory.mktemp("raw") / "model.pkl.gz"
    path.write_bytes(raw)
    with pytest.raises(UserError) as e:
        checkpoint.read_checkpoint(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


# --- config.json: random edits ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 40, 2 ** 40) | st.sampled_from([0, 1, -1, 2, 3])
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3), max_leaves=6)


@examples(25)
@given(data=st.data())
def test_a_randomly_edited_config_json_is_refused_or_summarizes_the_same(good, data):
    config = json.loads((good["dir"] / checkpoint.CONFIG_FILE).read_text())
    section = data.draw(st.sampled_from(["model_args", "top"]), label="section")
    if section == "model_args":  # named by hand: train writes them into the checkpoint alone
        stored = checkpoint.load_config(good["dir"])
        config.update(model=stored["model"], model_args=stored["model_args"])
    target = config["model_args"] if section == "model_args" else config
    op = data.draw(st.sampled_from(["set", "delete", "add"]), label="op")
    if op == "add":
        target[data.draw(st.text(min_size=1, max_size=8), label="key")] = data.draw(json_values)
    else:
        key = data.draw(st.sampled_from(sorted(target)), label="key")
        if op == "delete":
            del target[key]
        else:
            target[key] = data.draw(json_values, label="value")
    scratch = _scratch()
    try:
        directory = scratch / "run"
        shutil.copytree(good["dir"], directory)
        (directory / checkpoint.CONFIG_FILE).write_text(json.dumps(config))
        # an edit outside what the weights depend on (data, train settings) may summarize,
        # and then exactly as before
        _check_summarize(directory, good["article"], good["summary"])
    finally:
        shutil.rmtree(scratch)


# --- summarize and evaluate: random input and flag values ------------------------------------

@examples(15)
@given(raw=st.one_of(st.binary(min_size=1, max_size=3000),
                     st.text(min_size=1, max_size=1500).map(lambda t: t.encode("utf-8"))))
def test_summarize_of_random_input(good, raw):
    scratch = _scratch()
    try:
        article = scratch / "article.txt"
        article.write_bytes(raw)
        _check_summarize(good["dir"], article, None)
    finally:
        shutil.rmtree(scratch)


flag_values = st.one_of(
    st.integers(-3, 40), st.sampled_from([0, -1, 2 ** 31, 2 ** 63, 10 ** 6, 65536]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(["abc", "", "1e3", "0x10", "--", "nan", "-inf"])).map(str)
DECODING = ["--max-new-tokens", "--temperature", "--seed", "--beam-width", "--length-penalty",
            "--batch-size", "--max-input-tokens", "--no-repeat-ngram-size", "--repetition-penalty"]


@examples(20)
@given(flags=st.lists(st.tuples(st.sampled_from(DECODING), flag_values), min_size=1,
                      max_size=3),
       method=st.sampled_from(["greedy", "sample", "beam"]))
def test_summarize_with_random_decoding_flags(good, flags, method):
    extra = ["--method", method] + [x for pair in flags for x in pair]
    _check_summarize(good["dir"], good["article"], None, extra=extra)


@examples(6)
@given(flags=st.lists(st.tuples(st.sampled_from(DECODING + ["--n", "--samples"]), flag_values),
                      max_size=2))
def test_evaluate_with_random_flags(good, flags):
    scratch = _scratch()
    try:
        before = snapshot(good["dir"])
        code, stdout, err = run(["evaluate", "--checkpoint", good["dir"], "--n", "2",
                                 "--baselines", "lead3", "--max-new-tokens", "4",
                                 *[x for pair in flags for x in pair],
                                 "--json", scratch / "eval.json"], seconds=90)
        if code == 0:
            assert "Traceback" not in err
            assert json.loads((scratch / "eval.json").read_text())["n"] >= 0
        else:
            assert_clean_failure(code, err)
        assert snapshot(good["dir"]) == before
    finally:
        shutil.rmtree(scratch)


# --- train --source: random files; train flags: random values --------------------------------

fields = st.one_of(st.text(max_size=60), st.none(), st.integers(), st.just(""),
                   st.just(" \n\t"), st.floats(allow_nan=False), st.booleans(),  # wrong types:
                   st.lists(st.text(max_size=8), max_size=3),                      # refused,
                   st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))  # file:line
pairs = st.fixed_dictionaries({"article": fields, "summary": fields}).map(json.dumps)
bad_lines = st.one_of(
    st.text(max_size=40),                                   # not JSON
    st.sampled_from(["[1, 2]", "null", "{}", '{"article": "a"}', "\x00\x01"]),
)


GOOD_LINE = json.dumps({"article": ARTICLE * 2, "summary": ARTICLE[:30]})


@examples(8)
@given(body=st.lists(pairs, max_size=30), n_good=st.integers(0, 30),
       garbage=st.one_of(st.just([]), st.lists(bad_lines, max_size=2)),
       binary_tail=st.one_of(st.just(b""), st.binary(max_size=64)), seed=st.integers(0, 3))
def test_train_on_a_random_jsonl_file(good, body, n_good, garbage, binary_tail, seed):
    """Random pairs (empty, null, numeric, unicode fields), good pairs among them, sometimes
    lines that are not JSON objects or trailing bytes (so that some cases train, some not)."""
    import random
    mixed = body + garbage + [GOOD_LINE] * n_good
    random.Random(seed).shuffle(mixed)
    scratch = _scratch()
    try:
        source = scratch / "random.jsonl"
        source.write_bytes("\n".join(mixed).encode("utf-8") + binary_tail)
        from tests.summarizer._tiny_run import TINY
        code, stdout, err = run(["train", "--source", source, *TINY, "--steps", "1",
                                 "--vocab_file", good["dir"] / checkpoint.VOCAB_FILE,
                                 "--output_dir", scratch / "out"], seconds=120)
        if code == 0:
            assert "Traceback" not in err
            assert checkpoint.read_checkpoint(scratch / "out" / checkpoint.CHECKPOINT_FILE)[
                "step"] == 1
        else:
            assert_clean_failure(code, err)
        typed = [json.loads(line) for line in mixed if line in body]
        if any(not isinstance(v, (str, type(None))) for pair in typed for v in pair.values()):
            assert code != 0 and "random.jsonl:" in err  # a field of another type: file:line
    finally:
        shutil.rmtree(scratch)


TRAIN_FLAGS = ["--steps", "--lr", "--warmup_steps", "--seed", "--shuffle_buffer", "--vocab_size",
               "--d_model", "--d_ff", "--n_layers", "--n_heads", "--dropout", "--max_length",
               "--eval_every", "--eval_batches", "--checkpoint_every", "--rouge_articles",
               "--samples", "--max_summary_len", "--article_weight", "--eval_fraction",
               "--batch_sizes", "--boundaries"]


@examples(40)
@given(flag=st.sampled_from(TRAIN_FLAGS), value=flag_values)
def test_train_flags_with_random_values_are_checked_before_any_work(flag, value):
    """A random value for one flag: refused with one line naming the flag, or accepted by
    every rule — and then train stops at the missing data file, before any model work."""
    scratch = _scratch()
    try:
        missing = scratch / "missing.jsonl"
        code, _, err = run(["train", flag, value, "--source", missing,
                            "--output_dir", scratch / "out"], seconds=30)
        assert_clean_failure(code, err)
        assert flag in err or str(missing) in err or "--d_model" in err, err
    finally:
        shutil.rmtree(scratch)


# --- every file-path flag: missing folders, folders, devices, other extensions (issue 29) -----

def _path(scratch, kind):
    """A path of ``kind`` under ``scratch`` (or a system path)."""
    (scratch / "notes.txt").write_text("some text\n")
    (scratch / "folder").mkdir(exist_ok=True)
    (scratch / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    (scratch / "résumé ä.txt").write_text(ARTICLE)
    return {"missing folder": scratch / "no" / "such" / "x.png",
            "missing file": scratch / "missing.jsonl",
            "folder": scratch / "folder", "root": "/", "empty": "",
            "/dev/null": "/dev/null", "/dev/zero": "/dev/zero",
            "other extension": scratch / "notes.xyz",
            "text file": scratch / "notes.txt", "binary file": scratch / "garbage.bin",
            "under a file": scratch / "notes.txt" / "x.png",
            "name too long": scratch / ("n" * 300 + ".png"),
            "unicode": scratch / "résumé ä.txt"}[kind]


PATH_FLAGS = [("summarize", "FILE"), ("summarize", "--attention-png"),
              ("summarize", "--checkpoint"), ("evaluate", "--json"), ("evaluate", "--data"),
              ("evaluate", "--checkpoint"), ("train", "--source"), ("train", "--vocab_file"),
              ("train", "--output_dir"), ("train", "--gin_file"), ("train", "--data_dir"),
              ("ner", "FILE"), ("ner", "--checkpoint")]
PATH_KINDS = ["missing folder", "missing file", "folder", "root", "empty", "/dev/null",
              "/dev/zero", "other extension", "text file", "binary file", "under a file",
              "name too long", "unicode"]


WRITTEN = {"--json": ".json", "--attention-png": ".png", "--output_dir": ""}


def _command(good, scratch, command, flag, path):
    """The command line of ``command`` with ``path`` given to ``flag`` (else good values).

    A flag that writes gets a device as a link to it in ``scratch`` (named as the flag wants
    its files): a bug that writes there then replaces the link, never the machine's device
    (tests may run as root)."""
    if flag in WRITTEN and str(path).startswith("/dev/"):
        link = scratch / ("device" + WRITTEN[flag])
        link.symlink_to(path)
        path = link
    if command == "summarize":
        argv = {"--checkpoint": good["dir"], "FILE": good["article"]}
        argv[flag] = path
        extra = ["--attention-png", path] if flag == "--attention-png" else []
        return ["summarize", "--checkpoint", argv["--checkpoint"], *SUMMARIZE, *extra,
                argv["FILE"]]
    if command == "evaluate":
        argv = {"--checkpoint": good["dir"], "--json": scratch / "eval.json",
                "--data": good["data"]}
        argv[flag] = path
        return ["evaluate", "--n", "2", "--baselines", "lead3", "--max-new-tokens", "4",
                *[x for item in argv.items() for x in item]]
    if command == "ner":
        argv = {"--checkpoint": good["dir"], "FILE": good["article"]}
        argv[flag] = path
        return ["ner", "--checkpoint", argv["--checkpoint"], argv["FILE"]]
    from tests.summarizer._tiny_run import TINY
    argv = {"--source": scratch / "missing.jsonl", "--output_dir": scratch / "out"}
    if flag == "--source":
        argv["--vocab_file"] = good["dir"] / checkpoint.VOCAB_FILE
    if flag == "--data_dir":
        argv["--source"] = "cnn_dailymail"
    if flag == "--vocab_file":
        argv["--source"] = good["data"]
    argv[flag] = path
    return ["train", *TINY, "--steps", "1", *[x for item in argv.items() for x in item]]


@pytest.mark.parametrize("kind", PATH_KINDS)
@pytest.mark.parametrize("target", PATH_FLAGS, ids=[" ".join(t) for t in PATH_FLAGS])
def test_every_path_flag_with_a_bad_path_ends_cleanly(good, target, kind):
    """Every kind of path in every file-path flag (all pairs: ≈20 s): exit 0 with a result,
    or one error line — no traceback, no hang, nothing written into the good checkpoint."""
    scratch = _scratch()
    try:
        before = snapshot(good["dir"])
        code, _, err = run(_command(good, scratch, *target, _path(scratch, kind)), seconds=60)
        if code == 0:
            assert "Traceback" not in err
        else:
            assert_clean_failure(code, err)
        assert snapshot(good["dir"]) == before
    finally:
        shutil.rmtree(scratch)
