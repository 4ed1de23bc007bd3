"""The fewest sentences a summary holds (``--min-sentences``, issue #28): chosen on DEV, then
scored once on TEST.

    python -m benchmarks.study_min_sentences --checkpoint build/model [--values 1,2,3,4]

``make train``'s model stops after about as many tokens as the generator's summaries have
(three short sentences); on articles of longer sentences that is two sentences, and the facts
of the third are lost. Each row decodes as ``summarize`` does (lead prior 2, 8 for unfamiliar
text) with a minimum of 1 (the model decides), 2, 3 or 4 sentences. The sets are
``study_lead_prior``'s: DEV chooses (the generator's held-out articles 100–199, the DEV
hand-written sets, 100 CNN/DailyMail TRAIN pairs), TEST scores 1 and the chosen value (the
generator's 0–99, the TEST sets, the 100 held-out CNN pairs). Lead-k rows give the new-shape
fact accuracy of the article's first k sentences beside them. Writes
``benchmarks/results/min_sentences_study.json``.
"""
import argparse
import json
import time

from benchmarks import text_sets_dev, text_sets_test
from benchmarks.common import RESULTS_DIR
from benchmarks.study_lead_prior import score, study_sets

OUT = RESULTS_DIR / "min_sentences_study.json"


def lead_facts(new_shapes):
    """Fact accuracy and words of the first k sentences (k = 1..4) of each new-shape article."""
    from trax_models.sources import extractive
    from trax_models.summarizer import facts
    out = {}
    for k in (1, 2, 3, 4):
        leads = [" ".join(extractive.split_sentences(x["article"])[:k]) for x in new_shapes]
        out[f"lead{k}"] = {
            "fact_accuracy": round(facts.corpus_fact_accuracy(
                leads, [x["facts"] for x in new_shapes]), 4),
            "summary_words": round(sum(len(x.split()) for x in leads) / len(leads), 2)}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    p.add_argument("--values", default="1,2,3,4")
    p.add_argument("--chosen", type=int, default=None,
                   help="the value to score on TEST (default: generate.DEFAULT_MIN_SENTENCES)")
    args = p.parse_args(argv)
    from trax_models.summarizer.generate import (
        DEFAULT_LEAD_PRIOR,
        DEFAULT_MIN_SENTENCES,
        UNFAMILIAR_LEAD_PRIOR,
    )
    chosen = DEFAULT_MIN_SENTENCES if args.chosen is None else args.chosen
    generated, facts_of, dev_sets, test_sets, cnn_train, cnn_test = study_sets(args.checkpoint)
    results = {"checkpoint": args.checkpoint, "chosen": chosen,
               "lead_prior": DEFAULT_LEAD_PRIOR, "unfamiliar_lead_prior": UNFAMILIAR_LEAD_PRIOR,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "dev": {}, "test": {},
               "lead_k_new_shapes": {"dev": lead_facts(text_sets_dev.NEW_SHAPES_DEV),
                                     "test": lead_facts(text_sets_test.NEW_SHAPES_TEST)}}
    for split, values, arts, sets, cnn in (
            ("dev", [int(x) for x in args.values.split(",") if x], generated[100:], dev_sets,
             cnn_train),
            ("test", sorted({1, chosen}), generated[:100], test_sets, cnn_test)):
        for value in values:
            results[split][str(value)] = score(args.checkpoint, DEFAULT_LEAD_PRIOR, arts,
                                               facts_of, sets, cnn, UNFAMILIAR_LEAD_PRIOR,
                                               min_sentences=value)
            print(split, value, json.dumps(results[split][str(value)]), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {OUT}")


if __name__ == "__main__":
    main()
