"""Is each sentence of a summary one of the article's? (issue #28, 7 Dec 2026)

    python -m benchmarks.study_copied_sentences --checkpoint build/model    # ≈20 s
        [--copy-units-at REV]   # also decode with sampling.copy_units as it was at git REV

``summarize`` decodes as it does by default (``SUMMARIZE_DEFAULTS``) and this counts, per set,
the summaries whose decoded text (``Summarizer.detokenize``: what ``summarize`` printed before
7 Dec) and whose printed text (``Summarizer.summary_text``: the article's sentences the copy
holds, ``extractive.copied_sentences``) have a sentence that is no sentence of the article
(both split by ``extractive.split_sentences``, an opening quote ignored), or the same sentence
twice; and how many printed summaries differ from the decoded text. Sets: the CNN/DailyMail
sample's 100 TRAIN pairs (DEV) and 100 held-out pairs (TEST), the hand-written DEV and TEST
sets. ``--copy-units-at 2d9c5eb`` adds the counts under the copy constraint of that commit
(before a copied sentence was kept from being continued into: its "a_sentence_twice").
Writes ``benchmarks/results/copied_sentences_study.json``.
"""
import argparse
import importlib.util
import json
import pathlib
import subprocess
import tempfile
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


def _copy_units_at(rev):
    """``sampling.copy_units`` as it was at git revision ``rev``."""
    source = subprocess.run(["git", "show", f"{rev}:trax_models/summarizer/sampling.py"],
                            check=True, capture_output=True, text=True).stdout
    path = pathlib.Path(tempfile.mkdtemp()) / "sampling_at_rev.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("sampling_at_rev", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.copy_units


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default="build/model")
    p.add_argument("--copy-units-at", default=None, metavar="REV")
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
    if args.copy_units_at:
        from trax_models.summarizer import generate, sampling
        current, sampling.copy_units = sampling.copy_units, _copy_units_at(args.copy_units_at)
        try:  # the constraint is built with the summarizer
            old = Summarizer.from_checkpoint(args.checkpoint, max_new_tokens=MAX_NEW_TOKENS,
                                             **SUMMARIZE_DEFAULTS)
        finally:
            sampling.copy_units = current
        key = f"copy_units_at_{args.copy_units_at}"
        generate._LOOPS.clear()  # the jitted loops hold the constraint they were built with
        results[key] = {name: count(old, articles) for name, articles in sets.items()}
        generate._LOOPS.clear()
        print(key, json.dumps(results[key]), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results: {OUT}")


if __name__ == "__main__":
    main()
