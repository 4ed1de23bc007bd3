"""Is each sentence of a summary one of the article's? (issue #28, 7 Dec 2026)

    python -m benchmarks.study_copied_sentences --checkpoint build/model    # ≈2 min

``summarize`` decodes as it does by default (``SUMMARIZE_DEFAULTS``) and this counts, per set,
the summaries whose decoded text (``Summarizer.detokenize``: what ``summarize`` printed before
7 Dec) and whose printed text (``Summarizer.summary_text``: the article's sentences the copy
holds, ``extractive.copied_sentences``) have a sentence that is no sentence of the article
(both split by ``extractive.split_sentences``, an opening quote ignored), or the same sentence
twice; and how many printed summaries differ from the decoded text. Sets: the CNN/DailyMail
sample's 100 TRAIN pairs (DEV) and 100 held-out pairs (TEST), the hand-written DEV and TEST
sets. Writes ``benchmarks/results/copied_sentences_study.json``.
"""
import argparse
import json
import time

from benchmarks.common import RESULTS_DIR
from benchmarks.study_lead_prior import CNN

OUT = RESULTS_DIR / "copied_sentences_study.json"


def _faults(text, article):
    """(a sentence not in the article, a sentence twice) of one summary text."""
    from trax_models.sources.extractive import split_sentences
    from trax_models.summarizer.generate import normalize_article

    def key(s):
        return s.lstrip("\"“‘'([")

    whole = {key(s) for s in split_sentences(" ".join(normalize_article(article).split()))}
    pieces = [key(s) for s in split_sentences(" ".join(text.split()))]
    return any(p not in whole for p in pieces), len(set(pieces)) < len(pieces)


def count(summarizer, articles):
    decoded = []  # summarize's own decoding, its ids caught on their way to summary_text
    printed_of = summarizer.summary_text
    summarizer.summary_text = lambda ids, article: (
        decoded.append(summarizer.detokenize(ids)) or printed_of(ids, article))
    try:
        printed = summarizer.summarize(articles)
    finally:
        del summarizer.summary_text
    out = {"n": len(articles), "changed": sum(d.split() != p.split()
                                              for d, p in zip(decoded, printed))}
    for name, texts in (("decoded", decoded), ("printed", printed)):
        faults = [_faults(t, a) for t, a in zip(texts, articles)]
        out[name] = {"not_an_article_sentence": sum(f[0] for f in faults),
                     "a_sentence_twice": sum(f[1] for f in faults),
                     "words": round(sum(len(t.split()) for t in texts) / len(texts), 1)}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    args = p.parse_args(argv)
    from benchmarks import text_sets_dev, text_sets_test
    from trax_models.sources import files
    from trax_models.summarizer.generate import MAX_NEW_TOKENS, SUMMARIZE_DEFAULTS, Summarizer
    s = Summarizer.from_checkpoint(args.checkpoint, max_new_tokens=MAX_NEW_TOKENS,
                                   **SUMMARIZE_DEFAULTS)
    sets = {
        "cnn_dev": [a for a, _ in list(files.file_split(CNN, "train", 0,
                                                        summary_key="highlights"))[:100]],
        "cnn_test": [a for a, _ in list(files.file_split(CNN, "validation", 0,
                                                         summary_key="highlights"))[:100]],
        "hand_written_dev": [x["article"] for x in text_sets_dev.NEW_SHAPES_DEV
                             + text_sets_dev.OTHER_TOPICS_DEV],
        "hand_written_test": [x["article"] for x in text_sets_test.NEW_SHAPES_TEST
                              + text_sets_test.OTHER_TOPICS_TEST],
    }
    results = {"checkpoint": args.checkpoint, "decoding": SUMMARIZE_DEFAULTS,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for name, articles in sets.items():
        results[name] = count(s, articles)
        print(name, json.dumps(results[name]), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {OUT}")


if __name__ == "__main__":
    main()
