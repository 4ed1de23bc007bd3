"""Fine-tuning end to end: the pre-trained body is the one loaded, frozen units stay frozen,
runs resume, the CLIs tag and answer, and every bad input is one clear error."""
import json

import jax
import numpy as np
import pytest

from tests.summarizer._tiny_run import assert_clean_failure, run
from trax_models.errors import UserError
from trax_models.summarizer import checkpoint
from trax_models.transfer import align, data, formats, models
from trax_models.transfer import finetune as ft
from trax_models.transfer.cli import markup
from trax_models.weights import flat_weights

from ._base import make_base, tiny_vocab

SMALL = ["--n_train", "8", "--n_test", "3", "--batch_size", "4", "--eval_every", "2",
         "--eval_batches", "1", "--max_tokens", "128"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("base")
    make_base(d / "pointer", tiny_vocab(d / "v.subwords"))
    return d / "pointer"


@pytest.mark.parametrize("kind", ["pointer_lm", "transformer_lm"])
def test_the_body_is_the_checkpoints(tmp_path, kind):
    net = make_base(tmp_path / kind, tiny_vocab(tmp_path / "v.subwords"), model=kind)
    flat, args, _, name = models.pretrained_body(tmp_path / kind)
    assert name == kind and args["d_model"] == 16
    everything = [np.asarray(w) for w in flat_weights(net)]
    body = everything[:len(flat)]  # the body comes first in both trees, the head after it
    assert all(np.array_equal(a, b) for a, b in zip(flat, body))
    # embedding, positional encoding; per block 16 (LN, q k v out, LN, 2 Dense); final LN
    assert len(flat) == 2 + 16 * 2 + 2


def test_an_encoder_decoder_has_no_body_to_fine_tune(tmp_path):
    make_base(tmp_path / "ed", tiny_vocab(tmp_path / "v.subwords"), model="encoder_decoder")
    with pytest.raises(UserError, match="no TransformerLM body"):
        models.pretrained_body(tmp_path / "ed")


@pytest.mark.parametrize("freeze", [0, 1, 2, 3])
def test_freeze_stops_the_gradient_of_the_bottom_units(freeze):
    model = models.TokenTagger(5, mode="train", freeze=freeze, vocab_size=50, d_model=8, d_ff=16,
                               n_layers=2, n_heads=2, dropout=0.0, max_len=32)
    models.init(model, 12)
    tokens = np.arange(24).reshape(2, 12) % 50

    def loss(weights):
        return model.pure_fn(tokens, weights, model.state, jax.random.PRNGKey(0))[0].sum()
    grads = [np.asarray(g) for g in jax.tree_util.tree_leaves(jax.grad(loss)(model.weights))]
    zero = [not g.any() for g in grads]
    # flat order: embedding + positional encoding (2), per block 16 arrays, LN (2), head (2)
    want = sum([2, 16, 16][:freeze])
    assert zero[:want] == [True] * want and not any(zero[want:])


def test_frozen_pretrained_body_is_unchanged_and_random_init_is_not(tmp_path, base):
    flat, *_ = models.pretrained_body(base)
    for init in ("pretrained", "random"):
        out = tmp_path / init
        code, _, err = run(["finetune", "--task", "ner", "--checkpoint", base, "--output_dir", out,
                            "--init", init, "--steps", "2", "--freeze", "3", *SMALL], 300)
        assert code == 0, err[-2000:]
        saved = checkpoint.read_checkpoint(out / checkpoint.CHECKPOINT_FILE)["flat_weights"]
        frozen = len(flat) - 2  # all but the final LayerNorm (scale, bias), which trains
        same = [np.array_equal(a, b) for a, b in zip(flat[:frozen], saved[:frozen])]
        assert all(same) if init == "pretrained" else not any(same[:1])


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, base):
    """A NER and a QA run of 4 steps each (then resumed to 6)."""
    d = tmp_path_factory.mktemp("tuned")
    for task in ("ner", "qa"):
        code, out, err = run(["finetune", "--task", task, "--checkpoint", base, "--output_dir",
                              d / task, "--steps", "4", *SMALL], 300)
        assert code == 0, err[-2000:]
        assert json.loads(out[out.index("{"):])["steps"] == 4
    return d


def test_a_second_run_resumes(tuned, base):
    before = checkpoint.read_checkpoint(tuned / "ner" / checkpoint.CHECKPOINT_FILE)["step"]
    code, out, err = run(["finetune", "--task", "ner", "--checkpoint", base, "--output_dir",
                          tuned / "ner", "--steps", "6", *SMALL], 300)
    assert code == 0, err[-2000:]
    after = checkpoint.read_checkpoint(tuned / "ner" / checkpoint.CHECKPOINT_FILE)["step"]
    assert (before, after) == (4, 6)
    results = json.loads((tuned / "ner" / "results.json").read_text())
    assert results["steps"] == 6 and 0 <= results["scores"]["f1"] <= 1
    code, _, err = run(["finetune", "--task", "ner", "--checkpoint", base, "--output_dir",
                        tuned / "ner", "--steps", "6", "--d_model", "8"], 60)
    assert_clean_failure(code, err)


def test_ner_and_qa_clis_on_a_file(tuned, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Anna Keller scored 2 goals for Ironbridge United in Upton on Monday.")
    code, out, err = run(["ner", "--checkpoint", tuned / "ner", article])
    assert code == 0, err
    plain = out.strip()
    for word in ("Anna", "Keller", "Ironbridge", "Monday"):
        assert word in plain
    code, out, err = run(["ner", "--checkpoint", tuned / "ner", "--conll", article])
    lines = [line.split() for line in out.strip().splitlines()]
    assert code == 0 and [w for w, _ in lines][:3] == ["Anna", "Keller", "scored"]
    assert all(t == "O" or t[:2] in ("B-", "I-") for _, t in lines)
    code, out, err = run(["qa", "--checkpoint", tuned / "qa", "--question", "Who scored?",
                          "--json", article])
    assert code == 0, err
    answer = json.loads(out)
    assert answer["text"] == "" or answer["text"] in article.read_text()
    if answer["text"]:
        assert article.read_text()[answer["start"]:answer["end"]] == answer["text"]


@pytest.mark.parametrize("argv, words", [
    (["ner", "--checkpoint", "{qa}", "{file}"], "is a QA model"),
    (["qa", "--checkpoint", "{ner}", "--question", "Who?", "{file}"], "is a NER model"),
    (["ner", "--checkpoint", "{base}", "{file}"], "not a fine-tuned"),
    (["ner", "--checkpoint", "{missing}", "{file}"], "no config.json"),
    (["ner", "--checkpoint", "{ner}", "{empty}"], "is empty"),
    (["ner", "--checkpoint", "{ner}", "{binary}"], "is not text"),
    (["qa", "--checkpoint", "{qa}", "--question", " ", "{file}"], "question is empty"),
    (["finetune", "--task", "ner", "--checkpoint", "{base}", "--output_dir", "{out}",
      "--train_file", "{bad_conll}"], "line 1"),
    (["finetune", "--task", "qa", "--checkpoint", "{file}", "--output_dir", "{out}"],
     "does not exist"),
    (["finetune", "--task", "ner", "--checkpoint", "{base}", "--output_dir", "{out}",
      "--lr", "3"], "--lr"),
])
def test_bad_input_is_one_clear_error(tuned, base, tmp_path, argv, words):
    (tmp_path / "a.txt").write_text("Anna won in Upton.")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "bin.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "bad.conll").write_text("Anna\n")
    names = {"qa": tuned / "qa", "ner": tuned / "ner", "base": base, "file": tmp_path / "a.txt",
             "missing": tmp_path / "nope", "empty": tmp_path / "empty.txt",
             "binary": tmp_path / "bin.txt", "bad_conll": tmp_path / "bad.conll",
             "out": tmp_path / "out"}
    code, _, err = run([a.format(**{k: str(v) for k, v in names.items()}) for a in argv], 120)
    assert_clean_failure(code, err)
    assert words in err, err


def test_a_tagger_learns_the_generated_entities(tmp_path):
    """Trained from scratch on generated data, a small tagger finds the numbers (≈0.96 F1
    when written) and some of the rest: an all-O or misaligned tagger scores 0."""
    vocab_file = tiny_vocab(tmp_path / "v.subwords", n=80)
    make_base(tmp_path / "base", vocab_file, d_model=32, d_ff=64)
    config = ft.FinetuneConfig(task="ner", checkpoint=str(tmp_path / "base"),
                               output_dir=str(tmp_path / "out"), init="random", steps=200,
                               batch_size=8, lr=1e-2, dropout=0.0, n_train=60, n_test=10,
                               max_tokens=128, eval_every=200, eval_batches=1)
    scores = ft.finetune(config, log=lambda *_: None)["scores"]
    assert scores["per_type"]["NUM"]["f1"] > 0.8, scores
    assert scores["f1"] > 0.2, scores


def test_eval_data_smaller_than_a_batch_still_batches_and_training_data_must_fill_one():
    windows = [align.Window(np.arange(1, 6 + i, dtype=np.int32), np.zeros(5 + i, np.int32),
                            np.ones(5 + i, np.float32), 0, 5 + i, 0) for i in range(3)]
    tokens, targets, weights = next(ft.batches("ner", windows, 8, seed=0, full_only=False))
    assert tokens.shape[0] == 3 and tokens.shape == targets.shape == weights.shape
    assert tokens.shape[1] == 64  # padded to the first bucket
    with pytest.raises(UserError, match="fewer than a batch of 8"):
        next(ft.batches("ner", windows, 8, seed=0))


def test_batches_are_never_longer_than_the_models_positions():
    """A base of max_len 96 (not a bucket boundary) crashed fine-tuning in JAX: batches were
    padded to the next bucket, 128, past its positional encoding."""
    windows = [align.Window(np.arange(1, 71 + i, dtype=np.int32), np.zeros(70 + i, np.int32),
                            np.ones(70 + i, np.float32), 0, 70 + i, 0) for i in range(3)]
    tokens, _, _ = next(ft.batches("ner", windows, 3, seed=0, max_len=96))
    assert tokens.shape == (3, 96)
    tokens, _, _ = next(ft.batches("ner", windows, 3, seed=0))
    assert tokens.shape == (3, 128)  # no model limit given: the bucket


def test_markup_brackets_each_entity_once():
    text = "Anna Keller won in Upton ."
    spans = data.words_of(text)
    tags = ["B-PERSON", "I-PERSON", "O", "O", "B-LOC", "O"]
    tagged = [(w, a, b, t) for (w, a, b), t in zip(spans, tags)]
    assert markup(text, tagged) == "[Anna Keller]PERSON won in [Upton]LOC ."


def test_a_users_conll_file_trains_with_its_own_tags_and_a_held_out_share(tmp_path, base):
    examples = []
    for i in range(30):
        e = data.ner_example(2, "user", i)
        examples.append((e["words"], [t.replace("PERSON", "PER") for t in e["tags"]]))
    formats.write_conll(tmp_path / "mine.conll", examples)
    out = tmp_path / "out"
    code, printed, err = run(["finetune", "--task", "ner", "--checkpoint", base, "--output_dir",
                              out, "--train_file", tmp_path / "mine.conll", "--steps", "2",
                              "--batch_size", "4", "--eval_every", "2", "--eval_batches", "1",
                              "--max_tokens", "128"], 300)
    assert code == 0, err[-2000:]
    record = json.loads((out / "config.json").read_text())
    assert "B-PER" in record["tags"] and "B-PERSON" not in record["tags"]
    config = ft.FinetuneConfig(task="ner", checkpoint=str(base), output_dir=str(out),
                               train_file=str(tmp_path / "mine.conll"))
    train, test = ft.load_examples(config, "train"), ft.load_examples(config, "test")
    assert len(test) == 3 and len(train) == 27
    assert not {" ".join(w) for w, _ in train} & {" ".join(w) for w, _ in test}
    assert json.loads((out / "results.json").read_text())["n_eval"] == 3
