"""Extractive baselines in the literature's metric: ROUGE-1/2/L/Lsum with 95 % intervals.

    python -m benchmarks.real_text_baselines [--data ../shared/data/cnn_dm_sample.jsonl]

Not part of ``make bench`` (quality, not speed; ≈1 min on 2 cores). Scores Lead-3, TextRank
and LexRank (``trax_models.summarizer.baselines``, 3 sentences) with the project's one ROUGE
(``metrics.rouge_with_ci``: rouge-score, stemming, rougeLsum over newline-split sentences,
bootstrap of the mean over articles, 1,000 resamples, seed 0) on:

    cnn_dm_sample_all        all 1,000 pairs of the shared CNN/DailyMail sample (validation
                             split, highlights as the reference)
    cnn_dm_sample_heldout    its 100 held-out pairs of the training split (seed 0, fraction 0.1:
                             the articles the trained models are scored on)
    default_corpus           the first 100 validation articles of the embedded corpus

The sample's articles all come from CNN's site (975 carry the "(CNN)" dateline, the other 25
are CNN Student News and partner pieces); the full test set is 90 % Daily Mail (10,397 of
11,490), whose highlights follow the lead more closely. Writes
``benchmarks/results/real_text/baselines.json``. The published figures benchmarks/README.md sets
beside these are other papers' numbers on the full CNN/DailyMail test set (11,490 articles).
"""
import argparse
import time

from benchmarks import common


def score(pairs):
    from trax_models.summarizer import baselines, metrics
    articles, refs = [a for a, _ in pairs], [r for _, r in pairs]
    out = {"n": len(pairs)}
    for name in baselines.BASELINES:
        start = time.perf_counter()
        out[name] = metrics.rouge_with_ci(baselines.summarize(name, articles), refs)
        out[name]["seconds"] = round(time.perf_counter() - start, 1)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(common.REPO.parent / "shared/data/cnn_dm_sample.jsonl"))
    p.add_argument("--out", default=str(common.RESULTS_DIR / "real_text" / "baselines.json"))
    args = p.parse_args(argv)
    from trax_models import data
    options = dict(summary_key="highlights", eval_fraction=0.1)
    everything = list(data.pairs(args.data, "train", seed=0, **options)) + list(
        data.pairs(args.data, "validation", seed=0, **options))
    results = {
        "cnn_dm_sample_all": score(everything),
        "cnn_dm_sample_heldout": score(list(data.pairs(args.data, "validation", seed=0,
                                                       **options))[:100]),
        "default_corpus": score(list(data.pairs("default", "validation"))[:100]),
    }
    rows = [common.row(case, f"{name} {t}", round(r[name][t], 4))
            for case, r in results.items() for name in ("lead3", "textrank", "lexrank")
            for t in ("rouge1", "rouge2", "rougeLsum")]
    common.write_result("real_text_baselines", results, rows, out=args.out)
    for case, r in results.items():
        print(case, r["n"], {n: round(r[n]["rougeLsum"], 4) for n in ("lead3", "textrank",
                                                                        "lexrank")})


if __name__ == "__main__":
    main()
