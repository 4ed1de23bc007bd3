"""The salience ranker on real news (issue #28): chosen on DEV, then scored once on TEST.

    python -m benchmarks.study_salience --base build/model [--test]    # ≈3 min; --test ≈6 min

DEV, where every choice of ``trax_models.summarizer.salience`` was made: the CNN/DailyMail
sample's 900 train pairs, split 810 / 90 as ``train --eval_fraction 0.1`` splits them. The base
model is fine-tuned on the 810 as the README's real-text recipe does (``--targets sentences
--init_from BASE``, 400 steps), the ranker fitted on the same 810, and the 90 are scored: the
ranker's summaries at each word budget (20, 30, 40, 60) and with each cue removed, the model's
own (``--salience off``: lead prior 0, 2, 2 and 8 for text unlike make train's, and that with
summarize's minimum of 3 sentences: its default); and a 5-fold cross-validation of the ranker over
all 900 (budgets, cues). TEST (``--test``), for the chosen design only: the README's recipe on
all 900 (which fits the ranker too), scored on the sample's 100 held-out pairs. Every row has
the lead cut to its length beside it. ROUGE F1 (``metrics.rouge``), greedy, ``--copy
sentences``, 160 new tokens. Writes ``benchmarks/results/salience_study.json``.
"""
import argparse
import contextlib
import io
import json
import pathlib
import time
import warnings

import numpy as np

from benchmarks.common import RESULTS_DIR

OUT = RESULTS_DIR / "salience_study.json"
CNN = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "cnn_dm_sample.jsonl"
RECIPE = ["--summary_key", "highlights", "--targets", "sentences", "--eval_fraction", "0.1",
          "--max_length", "512", "--boundaries", "256,384", "--batch_sizes", "8,8,8",
          "--steps", "400", "--lr", "0.001", "--warmup_steps", "50", "--max_summary_len", "160"]
BUDGETS = (20, 30, 40, 60)


def _fine_tune(source, base, out):
    """The README's real-text recipe (``train --init_from``); its seconds, or None when a
    finished run is reused."""
    from trax_models.summarizer import checkpoint
    from trax_models.summarizer.cli import config_from_args
    from trax_models.summarizer.train import train
    if (out / checkpoint.CHECKPOINT_FILE).exists():
        return None
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        train(config_from_args(["--source", str(source), *RECIPE, "--init_from", str(base),
                                "--output_dir", str(out)]))
    return round(time.perf_counter() - start, 1)


def score(summaries, pairs):
    """ROUGE F1, hallucination, broken words and length of ``summaries``, and the lead at the
    same length."""
    from trax_models.summarizer import baselines, facts, metrics, words
    from trax_models.summarizer.generate import drop_dateline
    articles, refs = [a for a, _ in pairs], [r for _, r in pairs]
    out = {k: round(v, 4) for k, v in metrics.rouge(summaries, refs).items()}
    out["hallucination"] = facts.corpus_hallucination_rate(summaries, articles)
    out["broken_words"] = words.corpus_broken_word_rate(summaries, articles)
    out["words"] = round(float(np.mean([len(s.split()) for s in summaries])), 1)
    equal = [baselines.lead_words(a, len(s.split())) for a, s in zip(articles, summaries)]
    out["lead_equal_length_rougeLsum"] = round(metrics.rouge(equal, refs)["rougeLsum"], 4)
    equal = [baselines.lead_words(drop_dateline(a), len(s.split()))  # as summarize reads it
             for a, s in zip(articles, summaries)]
    out["lead_equal_length_no_dateline_rougeLsum"] = round(
        metrics.rouge(equal, refs)["rougeLsum"], 4)
    return out


def ranked(ranker, pairs):
    """The ranker's summaries (what ``summarize`` gives with a ranker, but for
    ``normalize_article``)."""
    return [ranker.summary(article) for article, _ in pairs]


def model(checkpoint_dir, pairs, lead_prior, unfamiliar=None, min_sentences=1):
    """The pointer model's own summaries (``summarize --salience off``: lead prior 2, and
    ``UNFAMILIAR_LEAD_PRIOR`` for an article unlike make train's text — every CNN article —
    and at least ``DEFAULT_MIN_SENTENCES`` sentences)."""
    from trax_models.summarizer.generate import Summarizer
    summarizer = Summarizer.from_checkpoint(checkpoint_dir, copy="sentences", use_salience=False,
                                            lead_prior=lead_prior,
                                            unfamiliar_lead_prior=unfamiliar,
                                            min_sentences=min_sentences)
    return summarizer.summarize([a for a, _ in pairs], max_new_tokens=160)


def baselines_of(pairs):
    """Lead-3 and Lead-1, and both without the article's dateline (as ``summarize`` reads it)."""
    from trax_models.summarizer import baselines
    from trax_models.summarizer.generate import drop_dateline
    out = {}
    for name, fn in (("lead3", baselines.lead3), ("lead1", baselines.lead1)):
        out[name] = score([fn(a) for a, _ in pairs], pairs)
        out[f"{name}_no_dateline"] = score([fn(drop_dateline(a)) for a, _ in pairs], pairs)
    return out


@contextlib.contextmanager
def _without(columns):
    """``salience.features`` without some cue columns (the ablation)."""
    from trax_models.summarizer import salience
    full = salience.features
    salience.features = lambda sentences: np.delete(full(sentences), columns, axis=1)
    try:
        yield
    finally:
        salience.features = full


@contextlib.contextmanager
def _budget(words):
    from trax_models.summarizer import salience
    saved, salience.BUDGET_WORDS = salience.BUDGET_WORDS, words
    try:
        yield
    finally:
        salience.BUDGET_WORDS = saved


def _cues():
    from trax_models.summarizer import salience
    k = salience.MAX_SENTENCES
    return {"position": list(range(k))} | {
        name: [salience.NAMES.index(name)] for name in salience.NAMES[k:]}


def dev(base, work):
    from trax_models.sources import files
    from trax_models.summarizer import salience
    from trax_models.summarizer.generate import DEFAULT_MIN_SENTENCES, UNFAMILIAR_LEAD_PRIOR
    work.mkdir(parents=True, exist_ok=True)
    train900 = work / "cnn_train900.jsonl"
    with open(train900, "w") as f:
        for article, summary in files.file_split(str(CNN), "train", 0, summary_key="highlights"):
            f.write(json.dumps({"article": article, "highlights": summary}) + "\n")
    seconds = _fine_tune(train900, base, work / "dev")
    fit_pairs = list(files.file_split(str(train900), "train", 0, summary_key="highlights"))
    pairs = list(files.file_split(str(train900), "validation", 0, summary_key="highlights"))
    ranker = salience.fit(fit_pairs)
    out = {"n_fit": len(fit_pairs), "n": len(pairs), "fine_tune_seconds": seconds,
           "baselines": baselines_of(pairs),
           "model_alone": {f"lead_prior_{p:g}" + (f"_unfamiliar_{u:g}" if u else "")
                           + (f"_min_sentences_{n}" if n > 1 else ""):
                           score(model(work / "dev", pairs, p, u, n), pairs)
                           for p, u, n in ((0.0, None, 1), (2.0, None, 1),
                                           (2.0, UNFAMILIAR_LEAD_PRIOR, 1),
                                           (2.0, UNFAMILIAR_LEAD_PRIOR, DEFAULT_MIN_SENTENCES))},
           "ranker_budgets": {}, "ranker_without_cue": {}}
    for words in BUDGETS:
        with _budget(words):
            out["ranker_budgets"][words] = score(ranked(ranker, pairs), pairs)
    for cue, columns in _cues().items():
        with _without(columns):
            out["ranker_without_cue"][cue] = score(ranked(salience.fit(fit_pairs), pairs), pairs)
    print("DEV", json.dumps(out), flush=True)
    return out, fit_pairs + pairs


def cross_validation(pairs, folds=5):
    """The ranker fitted on 4/5 of the 900 and scored on the rest, five times: every budget and
    every cue removed (seconds each; the model is not involved)."""
    from trax_models.summarizer import salience

    def run():
        summaries, order = [], []
        for k in range(folds):
            held = pairs[k::folds]
            ranker = salience.fit([p for i, p in enumerate(pairs) if i % folds != k])
            summaries += ranked(ranker, held)
            order += held
        return score(summaries, order)

    out = {"n": len(pairs), "folds": folds, "baselines": baselines_of(pairs), "budgets": {},
           "without_cue": {}}
    for words in BUDGETS:
        with _budget(words):
            out["budgets"][words] = run()
    for cue, columns in _cues().items():
        with _without(columns):
            out["without_cue"][cue] = run()
    print("CV", json.dumps(out), flush=True)
    return out


def test(base, work):
    from trax_models.sources import files
    from trax_models.summarizer import salience
    from trax_models.summarizer.generate import (
        DEFAULT_MIN_SENTENCES,
        UNFAMILIAR_LEAD_PRIOR,
        Summarizer,
    )
    seconds = _fine_tune(CNN, base, work / "test")
    pairs = list(files.file_split(str(CNN), "validation", 0, summary_key="highlights"))[:100]
    ranker = salience.load(work / "test")
    out = {"n_fit": ranker.n_pairs, "n": len(pairs), "fine_tune_seconds": seconds,
           "baselines": baselines_of(pairs),
           "summarize": score(Summarizer.from_checkpoint(work / "test", copy="sentences")
                              .summarize([a for a, _ in pairs]), pairs),  # the ranker's
           "model_alone_lead_prior_2": score(model(work / "test", pairs, 2.0), pairs),
           "base_model_alone_lead_prior_2": score(model(base, pairs, 2.0), pairs)}
    for name, checkpoint_dir in (("model_alone", work / "test"), ("base_model_alone", base)):
        out[f"{name}_lead_prior_2_unfamiliar_{UNFAMILIAR_LEAD_PRIOR:g}"] = score(
            model(checkpoint_dir, pairs, 2.0, UNFAMILIAR_LEAD_PRIOR), pairs)
        out[f"{name}_summarize_default"] = score(  # ... and at least 3 sentences
            model(checkpoint_dir, pairs, 2.0, UNFAMILIAR_LEAD_PRIOR, DEFAULT_MIN_SENTENCES), pairs)
    print("TEST", json.dumps(out), flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", default="build/model", help="make train's checkpoint")
    p.add_argument("--work", default="build/salience_study", help="fine-tuned checkpoints")
    p.add_argument("--test", action="store_true", help="score the chosen design on TEST too")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")  # each CNN article cut to the prompt: one warning each
    base, work = pathlib.Path(args.base), pathlib.Path(args.work)
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    results["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results["what"] = __doc__.split("\n\n")[2].replace("\n", " ")
    results["dev"], nine_hundred = dev(base, work)
    results["cross_validation"] = cross_validation(nine_hundred)
    if args.test:
        results["test"] = test(base, work)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
