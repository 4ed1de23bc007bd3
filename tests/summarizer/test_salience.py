"""The salience ranker (``train --targets sentences``): it learns from (article, summary) pairs
which of an article's sentences a summary keeps, and ``summarize`` copies only those."""
import json
import shutil

import numpy as np
import pytest

from trax_models.errors import UserError
from trax_models.summarizer import salience
from trax_models.summarizer.generate import Summarizer

FILLERS = ["Officials met again on Monday to talk about the plans.",
           "Several people attended the meeting in the old hall.",
           "The weather was dry and mild for most of the week.",
           "Local papers carried the story on their front pages.",
           "A spokesman declined to comment further on the matter.",
           "Residents said they had expected the news for some time."]


def _pairs(n, key_position, seed=0):
    """Articles of five sentences; the summary restates the one at ``key_position``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        sentences = list(rng.permutation(FILLERS)[:4])
        key = f"Team {i} won the regional cup with {rng.integers(2, 9)} goals in the final."
        sentences.insert(key_position, key)
        out.append((" ".join(sentences), f"Team {i} won the regional cup"))
    return out


def test_features_mark_position_names_and_centrality():
    sentences = ["The storm hit the coast.", "The storm closed the coast road.",
                 "Cats sleep a lot.", '"We are safe," she said?']
    x = salience.features(sentences)
    assert x.shape == (4, len(salience.NAMES))
    np.testing.assert_array_equal(x[:, :4], np.eye(4))  # position, one-hot
    column = {name: x[:, salience.NAMES.index(name)] for name in salience.NAMES}
    assert column["centrality"][1] > column["centrality"][2] == 0  # shares "storm", "coast"
    assert column["capitalised share"][3] == 0 < salience.features(["Then Anna Keller won."])[
        0, salience.NAMES.index("capitalised share")]
    assert len(salience.features(FILLERS * 3)) == salience.MAX_SENTENCES  # the lead only


@pytest.mark.parametrize("key_position", [0, 3])
def test_fit_learns_where_the_summary_sentences_are(key_position):
    ranker = salience.fit(_pairs(40, key_position))
    assert ranker.n_pairs == 40
    for article, _ in _pairs(10, key_position, seed=1):  # articles it was not fitted on
        sentences = article.split(". ")
        assert int(np.argmax(ranker.scores(sentences))) == key_position


def test_fit_without_a_matching_sentence_gives_none():
    assert salience.fit([("Rain fell all day.", "Zebras escaped")]) is None


def test_choose_takes_the_best_ranked_sentences_up_to_the_budget(monkeypatch):
    ranker = salience.SalienceRanker(np.eye(len(salience.NAMES))[2] * 5, 0.0,
                                     np.zeros(len(salience.NAMES)), np.ones(len(salience.NAMES)),
                                     1)
    sentences = ["One two three.", "Four five six.", "Seven eight nine ten.", "Eleven."]
    monkeypatch.setattr(salience, "BUDGET_WORDS", 3)
    assert ranker.choose(sentences) == [2]
    monkeypatch.setattr(salience, "BUDGET_WORDS", 5)
    assert ranker.choose(sentences) == [0, 2]  # article order; ties keep the earlier one


def test_save_and_load(tmp_path):
    ranker = salience.fit(_pairs(20, 1))
    salience.save(ranker, tmp_path)
    loaded = salience.load(tmp_path)
    article = _pairs(1, 1, seed=3)[0][0].split(". ")
    np.testing.assert_allclose(loaded.scores(article), ranker.scores(article))
    assert salience.load(tmp_path / "nothing-here") is None
    saved = json.loads((tmp_path / salience.FILE).read_text())
    for damaged in (json.dumps(dict(saved, features=["other"])),  # another version's cues
                    json.dumps(dict(saved, weights=[1.0])), "{not json", "[]",
                    json.dumps({k: v for k, v in saved.items() if k != "bias"})):
        (tmp_path / salience.FILE).write_text(damaged)
        with pytest.raises(UserError, match="--salience off"):
            salience.load(tmp_path)


def _ranker_of(position):
    """A ranker that prefers the sentence at ``position``."""
    n = len(salience.NAMES)
    return salience.SalienceRanker(np.eye(n)[position] * 5, 0.0, np.zeros(n), np.ones(n), 1)


def test_summarize_gives_the_chosen_sentences(make_checkpoint, news_texts, tmp_path,
                                              monkeypatch):
    make_checkpoint(tmp_path, seed=5)
    monkeypatch.setattr(salience, "BUDGET_WORDS", 5)  # one sentence
    article = " ".join(news_texts)
    for position in range(3):
        chosen = Summarizer(*_model(tmp_path), copy="sentences", salience=_ranker_of(position))
        assert chosen.summarize([article, article]) == [news_texts[position]] * 2
    with pytest.raises(UserError, match="copy='sentences'"):
        Summarizer(*_model(tmp_path), copy="words", salience=_ranker_of(1))
    # from a checkpoint folder: its salience.json, unless use_salience=False or another copy
    assert Summarizer.from_checkpoint(tmp_path, copy="sentences").salience is None
    salience.save(_ranker_of(1), tmp_path)
    ranked = Summarizer.from_checkpoint(tmp_path, copy="sentences")
    assert ranked.summarize([article]) == [news_texts[1]]
    assert Summarizer.from_checkpoint(tmp_path, copy="sentences",
                                      use_salience=False).salience is None
    assert Summarizer.from_checkpoint(tmp_path, copy="words").salience is None


def test_the_cli_with_a_ranker(make_checkpoint, news_texts, tmp_path, monkeypatch, capsys):
    from trax_models.__main__ import main
    make_checkpoint(tmp_path, seed=5)
    monkeypatch.setattr(salience, "BUDGET_WORDS", 5)
    salience.save(_ranker_of(2), tmp_path)
    text = tmp_path / "a.txt"
    text.write_text(" ".join(news_texts))
    summarize = ["summarize", "--checkpoint", str(tmp_path)]
    assert main([*summarize, str(text)]) == 0
    assert capsys.readouterr().out.strip() == news_texts[2]
    assert main([*summarize, "--salience", "off", "--copy", "words", str(text)]) == 0
    capsys.readouterr()
    for flags in (["--html", str(tmp_path / "a.html")], ["--method", "beam"],
                  ["--lead-prior", "1"], ["--max-new-tokens", "24"]):
        assert main([*summarize, *flags, str(text)]) == 2
        err = capsys.readouterr().err
        assert f"{flags[0]} is for the model's decoding" in err and "--salience off" in err
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"article": " ".join(news_texts), "summary": s}) + "\n"
                             for s in news_texts))
    assert main(["evaluate", "--checkpoint", str(tmp_path), "--data", str(pairs), "--split",
                 "train", "--n", "3", "--samples", "0", "--baselines", "lead3"]) == 0
    captured = capsys.readouterr()
    assert "the salience ranker's sentences" in captured.err
    assert "model (salience ranker)" in captured.out


def _model(directory):
    from trax_models.summarizer import checkpoint
    config, weights = checkpoint.load_weights(directory)
    return config["model"], config["model_args"], weights, config["vocab_path"]


def test_train_with_sentence_targets_writes_the_ranker(tmp_path, capsys):
    from tests.summarizer.test_train import TINY_FLAGS
    from trax_models.summarizer.cli import config_from_args
    from trax_models.summarizer.train import train
    pairs = tmp_path / "pairs.jsonl"
    with open(pairs, "w") as f:
        for article, summary in _pairs(30, 3):
            f.write(json.dumps({"article": article, "summary": summary}) + "\n")
    out = tmp_path / "run"
    train(config_from_args(["--source", str(pairs), *TINY_FLAGS, "--targets", "sentences",
                            "--output_dir", str(out)]))
    assert "salience: a sentence ranker fitted on 24 training pairs" in capsys.readouterr().out
    ranker = salience.load(out)
    assert int(np.argmax(ranker.scores(_pairs(1, 3, seed=2)[0][0].split(". ")))) == 3
    shutil.rmtree(out)
    train(config_from_args(["--source", str(pairs), *TINY_FLAGS, "--output_dir", str(out)]))
    assert not (out / salience.FILE).exists()  # --targets reference: no ranker

