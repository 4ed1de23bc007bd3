"""The lead prior of ``--copy sentences`` (issue #28): chosen on DEV, then scored once on TEST.

    python -m benchmarks.study_lead_prior --checkpoint build/model [--priors 0,1,2,4,8,100]
        [--unfamiliar-priors 4,8,100]

The prior adds nats to opening a summary with the article's first sentence
(``generate.DEFAULT_LEAD_PRIOR``). DEV, where the value is chosen: the generator's held-out
articles 100–199 (fact accuracy, ROUGE-L), the hand-written new-shape and other-topic DEV sets
(``text_sets_dev``) and 100 pairs of the CNN/DailyMail sample's TRAIN split (``make train``'s
model never sees them). TEST, scored for 0 (off) and the chosen value only: the generator's
held-out articles 0–99 (what ``make train`` reports), the TEST sets (``text_sets_test``) and the
sample's 100 held-out pairs. Writes ``benchmarks/results/lead_prior_study.json``.

``--unfamiliar-priors``: DEV rows "2+u8" etc. — the chosen prior for articles like the training
text, the other for articles unlike it (``generate.UNFAMILIAR_LEAD_PRIOR``); TEST scores the
chosen pair (``--chosen-unfamiliar``, default the module's) beside the plain prior.
"""
import argparse
import contextlib
import io
import json
import pathlib
import time

from benchmarks import text_sets_dev, text_sets_test
from benchmarks.common import RESULTS_DIR
from benchmarks.study_summarizer import score_set

OUT = RESULTS_DIR / "lead_prior_study.json"
CNN = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "cnn_dm_sample.jsonl"


def _brief(row):
    keep = ("fact_accuracy", "hallucination", "broken_words", "summary_words")
    out = {k: row[k] for k in keep if k in row}
    for k in ("rouge", "lead_equal_length", "lead1", "model_at_lead1_length", "lead1_no_dateline",
              "model_at_lead1_no_dateline_length", "lead_equal_length_no_dateline"):
        if k in row:
            out[k] = {t: round(v, 4) for t, v in row[k].items()}
    return out


def score(checkpoint, prior, generated, facts_of, sets, cnn_pairs, unfamiliar=None,
          min_sentences=1):
    from trax_models.summarizer import evaluate
    from trax_models.summarizer.generate import Summarizer
    s = Summarizer.from_checkpoint(checkpoint, copy="sentences", lead_prior=prior,
                                   unfamiliar_lead_prior=unfamiliar, max_new_tokens=160,
                                   min_sentences=min_sentences)
    with contextlib.redirect_stdout(io.StringIO()):  # the scores only, not the printed table
        g = evaluate.summarize_and_score(s, generated, n_articles=None, n_samples=0,
                                         max_new_tokens=160, baselines=("lead3",),
                                         facts_of=facts_of)
    new, other = sets
    return {
        "generated": {k: round(g[k], 4) for k in ("fact_accuracy", "rouge1", "rougeL",
                                                    "hallucination", "broken_words")},
        "new_shapes": _brief(score_set(s, [x["article"] for x in new],
                                       facts=[x["facts"] for x in new])),
        "other_topics": _brief(score_set(s, [x["article"] for x in other],
                                         references=[x["summary"] for x in other])),
        "cnn_dm": _brief(score_set(s, [a for a, _ in cnn_pairs],
                                   references=[r for _, r in cnn_pairs])),
    }


def study_sets(checkpoint_dir):
    """(generated, facts_of, dev_sets, test_sets, cnn_dev, cnn_test): the study's data — the
    generator's 200 held-out pairs (DEV 100–199, TEST 0–99) and their facts, the hand-written
    (new shapes, other topics) sets, and 100 CNN/DailyMail train / held-out pairs."""
    from trax_models import sources
    from trax_models.sources import files
    from trax_models.summarizer import checkpoint, evaluate
    source, options = evaluate._source(checkpoint.load_config(checkpoint_dir), None)
    return (evaluate._pairs(source, options, "validation", 200),
            sources.facts_of(source, "validation", **options),
            (text_sets_dev.NEW_SHAPES_DEV, text_sets_dev.OTHER_TOPICS_DEV),
            (text_sets_test.NEW_SHAPES_TEST, text_sets_test.OTHER_TOPICS_TEST),
            list(files.file_split(CNN, "train", 0, summary_key="highlights"))[:100],
            list(files.file_split(CNN, "validation", 0, summary_key="highlights"))[:100])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    p.add_argument("--priors", default="0,1,2,4,8,100")
    p.add_argument("--chosen", type=float, default=None,
                   help="the value to score on TEST (default: generate.DEFAULT_LEAD_PRIOR)")
    p.add_argument("--unfamiliar-priors", default="4,8,100")
    p.add_argument("--chosen-unfamiliar", type=float, default=None,
                   help="default: generate.UNFAMILIAR_LEAD_PRIOR")
    args = p.parse_args(argv)
    from trax_models.summarizer.generate import DEFAULT_LEAD_PRIOR, UNFAMILIAR_LEAD_PRIOR
    chosen = DEFAULT_LEAD_PRIOR if args.chosen is None else args.chosen
    chosen_unfamiliar = (UNFAMILIAR_LEAD_PRIOR if args.chosen_unfamiliar is None
                         else args.chosen_unfamiliar)
    generated, facts_of, dev_sets, test_sets, cnn_train, cnn_test = study_sets(args.checkpoint)
    results = {"checkpoint": args.checkpoint, "chosen": chosen, "chosen_unfamiliar": chosen_unfamiliar,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "dev": {}, "test": {}}
    runs = [(float(x), None) for x in args.priors.split(",") if x]
    runs += [(chosen, float(x)) for x in args.unfamiliar_priors.split(",") if x]
    for prior, unfamiliar in runs:
        key = str(prior) if unfamiliar is None else f"{prior:g}+u{unfamiliar:g}"
        results["dev"][key] = score(args.checkpoint, prior, generated[100:], facts_of,
                                    dev_sets, cnn_train, unfamiliar)
        print("dev", key, json.dumps(results["dev"][key]), flush=True)
    for prior, unfamiliar in ((0.0, None), (chosen, None), (chosen, chosen_unfamiliar)):
        key = str(prior) if unfamiliar is None else f"{prior:g}+u{unfamiliar:g}"
        results["test"][key] = score(args.checkpoint, prior, generated[:100], facts_of,
                                     test_sets, cnn_test, unfamiliar)
        print("test", key, json.dumps(results["test"][key]), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {OUT}")


if __name__ == "__main__":
    main()
