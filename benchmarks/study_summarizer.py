"""Does the summarizer summarize text its generator never wrote? (issue #28)

    python -m benchmarks.study_summarizer --checkpoint build/model --name v8 [--test]
        [--copy sentences|words|off] [--cnn ../shared/data/cnn_dm_sample.jsonl] [--cnn_n 100]

Summarizes, with one checkpoint, the sets the generator never wrote and merges the figures
into ``benchmarks/results/summarizer_study.json`` (keyed by ``--name`` and the sets scored):

    new_shapes_dev      24 hand-written in-domain articles in new sentence shapes
                        (``text_sets_dev.NEW_SHAPES_DEV``): fact accuracy, hallucination, broken words
    other_topics_dev    15 hand-written short news of other topics (``OTHER_TOPICS_DEV``): the same
                        less fact accuracy, ROUGE-1 against the hand-written reference, beside
                        Lead-1 (first sentence) and the lead at the summary's length
    cnn_dm_heldout      the shared CNN/DailyMail sample's 100 held-out pairs (seed 0, fraction
                        0.1: the articles the real-text recipe is scored on), the same figures
    *_test              with ``--test`` only: the TEST sets (``text_sets_test``), never used to
                        choose a design; run them once per design already chosen on dev.

"Lead at equal length" is the article's first N words, N the model summary's word count, per
article: a model that copies the first sentence ties it; one that picks better content wins.
"Model at Lead-1's length" is the other way round: the summary's first words, as many as the
article's first sentence has, against Lead-1. ``summarize`` drops a news agency's dateline
("(CNN)", "LONDON (Reuters) -") from an article's start; "Lead-1, no dateline" and the model at
its length compare with the lead given the same help.
Every row also reports the unfamiliar-word share (``words.unfamiliar_share``) of its articles.
"""
import argparse
import json
import pathlib
import time

from benchmarks import text_sets_dev, text_sets_test
from benchmarks.common import RESULTS_DIR

OUT = RESULTS_DIR / "summarizer_study.json"


def score_set(summarizer, articles, references=None, facts=None, max_new_tokens=160,
              method="greedy"):
    """Summaries of ``articles`` and their figures (see the module docstring)."""
    from trax_models.sources import vocab
    from trax_models.summarizer import baselines, metrics, words
    from trax_models.summarizer import facts as fact_metrics
    from trax_models.summarizer.generate import drop_dateline
    start = time.perf_counter()
    summaries = summarizer.summarize(articles, max_new_tokens=max_new_tokens, method=method)
    seconds = time.perf_counter() - start
    v = vocab.load_vocab(summarizer.vocab_file)
    out = {"n": len(articles), "seconds": round(seconds, 1),
           "hallucination": fact_metrics.corpus_hallucination_rate(summaries, articles),
           "broken_words": words.corpus_broken_word_rate(summaries, articles),
           "summary_words": sum(len(s.split()) for s in summaries) / len(summaries),
           "unfamiliar_share": sum(words.unfamiliar_share(a, v) for a in articles) / len(articles)}
    if facts is not None:
        out["fact_accuracy"] = fact_metrics.corpus_fact_accuracy(summaries, facts)
    if references is not None:
        lead1 = [baselines.lead1(a) for a in articles]
        equal = [baselines.lead_words(a, len(s.split())) for a, s in zip(articles, summaries)]
        out["rouge"] = metrics.rouge(summaries, references)
        out["lead1"] = metrics.rouge(lead1, references)
        out["lead1_words"] = sum(len(x.split()) for x in lead1) / len(lead1)
        out["lead_equal_length"] = metrics.rouge(equal, references)
        cut = [" ".join(s.split()[:len(lead.split())]) for s, lead in zip(summaries, lead1)]
        out["model_at_lead1_length"] = metrics.rouge(cut, references)
        # the same pair with the article's dateline dropped (as summarize drops it) from the lead
        bare = [baselines.lead1(drop_dateline(a)) for a in articles]
        cut = [" ".join(s.split()[:len(lead.split())]) for s, lead in zip(summaries, bare)]
        out["lead1_no_dateline"] = metrics.rouge(bare, references)
        equal = [baselines.lead_words(drop_dateline(a), len(s.split()))
                 for a, s in zip(articles, summaries)]
        out["lead_equal_length_no_dateline"] = metrics.rouge(equal, references)
        out["model_at_lead1_no_dateline_length"] = metrics.rouge(cut, references)
    out = {k: round(x, 4) if isinstance(x, float) else x for k, x in out.items()}
    out["samples"] = [{"article": a[:240], "generated": s} for a, s in
                      zip(articles[:4], summaries[:4])]
    return out


def cnn_heldout(path, n):
    from trax_models.sources import files
    pairs = list(files.file_split(path, "validation", 0, summary_key="highlights"))
    return pairs[:n]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    p.add_argument("--name", required=True, help="the design's name in the JSON")
    p.add_argument("--test", action="store_true", help="also (only) the TEST sets")
    p.add_argument("--copy", choices=("sentences", "words", "off"), default="sentences")
    p.add_argument("--cnn", default=str(pathlib.Path(__file__).resolve().parents[2] / "shared"
                                        / "data" / "cnn_dm_sample.jsonl"))
    p.add_argument("--cnn_n", type=int, default=100)
    p.add_argument("--max_new_tokens", type=int, default=160)
    p.add_argument("--method", default="greedy", choices=("greedy", "beam"))
    args = p.parse_args(argv)

    from trax_models.summarizer.generate import Summarizer
    summarizer = Summarizer.from_checkpoint(
        args.checkpoint, copy=None if args.copy == "off" else args.copy)
    suffix, sets = ("_test", text_sets_test) if args.test else ("_dev", text_sets_dev)
    new = getattr(sets, f"NEW_SHAPES{suffix.upper()}")
    other = getattr(sets, f"OTHER_TOPICS{suffix.upper()}")
    rows = {
        f"new_shapes{suffix}": score_set(summarizer, [x["article"] for x in new],
                                         facts=[x["facts"] for x in new],
                                         max_new_tokens=args.max_new_tokens, method=args.method),
        f"other_topics{suffix}": score_set(summarizer, [x["article"] for x in other],
                                           references=[x["summary"] for x in other],
                                           max_new_tokens=args.max_new_tokens, method=args.method),
    }
    if pathlib.Path(args.cnn).is_file() and not args.test:
        pairs = cnn_heldout(args.cnn, args.cnn_n)
        rows["cnn_dm_heldout"] = score_set(summarizer, [a for a, _ in pairs],
                                           references=[r for _, r in pairs],
                                           max_new_tokens=args.max_new_tokens, method=args.method)
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    key = f"{args.name}, copy={args.copy}, {args.method}, max_new_tokens={args.max_new_tokens}"
    results.setdefault(key, {}).update(rows)
    results[key]["checkpoint"] = args.checkpoint
    results[key]["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    for name, row in rows.items():
        brief = {k: v for k, v in row.items() if k not in ("samples",)}
        print(name, json.dumps(brief))
        for s in row["samples"][:2]:
            print("   ->", s["generated"])


if __name__ == "__main__":
    main()
