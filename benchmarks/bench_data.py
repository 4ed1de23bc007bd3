"""Data-pipeline benchmark: default-corpus generation, vocabulary build, tokens per example,
and examples/s + tokens/s through tokenize → preprocess → bucket (default corpus and the real
CNN/DailyMail sample), plus Lead-3 ROUGE-L. Writes benchmarks/results/data.json.

    python -m benchmarks.bench_data [--batches 1000] [--out benchmarks/results/data.json]

The corpus is built from scratch in a temporary cache (so generation time is real), and
the real sample goes through the course's ``trax.data.TFDS('cnn_dailymail', ...)`` call on a
data_dir prepared locally from ../shared/data/cnn_dm_sample.jsonl (skipped when absent).
"""
import argparse
import itertools
import json
import os
import pathlib
import platform
import re
import tempfile
import time

import numpy as np

import trax_models  # noqa: F401  (compat first)
from trax_models import data, sources
from trax_models.sources import corpus, vocab

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "data.json"
SHARED = pathlib.Path(os.environ.get("TRAX_MODELS_SHARED", REPO.parent / "shared")) / "data"
COURSE = dict(max_length=2048, boundaries=(128, 256, 512, 1024), batch_sizes=(16, 8, 4, 2, 1))
SMALL_LM = dict(max_length=512, boundaries=(128, 256, 512), batch_sizes=(16, 8, 4, 2))


def throughput(train_batches, n_batches):
    """examples/s and tokens/s (non-pad and padded) over n_batches, after one warm-up batch."""
    next(train_batches)  # opens the TFDS reader, loads the vocab
    start = time.perf_counter()
    examples = tokens = padded = 0
    for inputs, _, _ in itertools.islice(train_batches, n_batches):
        examples += inputs.shape[0]
        tokens += int((inputs != 0).sum())
        padded += inputs.size
    seconds = time.perf_counter() - start
    return {"batches": n_batches, "examples": examples, "seconds": round(seconds, 2),
            "examples_per_s": round(examples / seconds, 1),
            "tokens_per_s": round(tokens / seconds), "padded_tokens_per_s": round(padded / seconds),
            "tokens_per_example": round(tokens / examples, 1)}


def token_lengths(pairs, vocab_file):
    """Subword lengths of article, summary and joint (article + 2 + summary + 1)."""
    enc = vocab.load_vocab(vocab_file)
    a = np.array([len(enc.encode(x)) for x, _ in pairs])
    s = np.array([len(enc.encode(y)) for _, y in pairs])
    joint = a + s + 3

    def describe(v):
        return {"mean": round(float(v.mean()), 1), "p50": int(np.median(v)),
                "p95": int(np.percentile(v, 95)), "max": int(v.max())}
    return {"article": describe(a), "summary": describe(s), "joint": describe(joint),
            "joint_over_512": round(float((joint > 512).mean()), 4),
            "joint_over_2048": round(float((joint > 2048).mean()), 4)}


def lead3_rouge(pairs):
    """Mean ROUGE-1/2/L F of the article's first three sentences against the reference."""
    from rouge_score import rouge_scorer
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = [scorer.score(s, " ".join(re.split(r"(?<=[.!?\"])\s+", a)[:3])) for a, s in pairs]
    return {k: round(float(np.mean([x[k].fmeasure for x in scores])), 3)
            for k in ("rouge1", "rouge2", "rougeL")}


def bench_default(n_batches, tmp):
    """The default corpus built from scratch in ``tmp``: sizes, times, vocab, lengths, throughput."""
    start = time.perf_counter()
    corpus_dir = corpus.ensure_corpus(data_dir=tmp)
    total = time.perf_counter() - start
    steps = json.loads((corpus_dir / "DONE").read_text())
    vocab_file = data.vocab_for("default", data_dir=tmp)
    held_out = list(data.pairs("default", "validation", data_dir=tmp))
    sample = json.loads((corpus_dir / "test.jsonl").open().readline())
    out = {
        "sizes": {s: sum(1 for _ in open(corpus_dir / f"{s}.jsonl")) for s in corpus.DEFAULT_SIZES},
        "build_s": {"total": round(total, 2), **{k: round(v, 2) for k, v in steps.items()}},
        "vocab": {"target_size": corpus.DEFAULT_VOCAB_SIZE, "size": vocab.load_vocab(vocab_file).vocab_size,
                  "build_s": round(steps["vocab_s"], 2)},
        "article_words_mean": round(float(np.mean([len(a.split()) for a, _ in held_out])), 1),
        "summary_words_mean": round(float(np.mean([len(s.split()) for _, s in held_out])), 1),
        "tokens_validation": token_lengths(held_out, vocab_file),
        "lead3_validation": lead3_rouge(held_out),
        "sample_test_0": {k: sample[k] for k in ("event", "article", "summary")},
    }
    for name, cfg in (("course_pipeline", COURSE), ("small_lm_pipeline", SMALL_LM)):
        train, _ = data.make_streams("default", data_dir=tmp, **cfg)
        out[name] = {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
                     **throughput(train, n_batches)}
    return out


def bench_cnn(n_batches, tmp):
    """The real sample through the course's TFDS call (data_dir prepared in ``tmp``), course vocab."""
    sample, course_vocab = SHARED / "cnn_dm_sample.jsonl", SHARED / "summarize32k.subword.subwords"
    if not sample.exists():
        return {"skipped": f"{sample} not found"}
    start = time.perf_counter()
    data_dir = sources.tfds.prepare_cnn_dailymail(sample, os.path.join(tmp, "tfds"))
    prepare_s = time.perf_counter() - start
    held_out = list(data.pairs("cnn_dailymail", "validation", data_dir=data_dir))
    stats = sources.records.DataStats()
    train, _ = data.make_streams("cnn_dailymail", data_dir=data_dir, vocab_file=str(course_vocab),
                                 stats=stats, **COURSE)
    result = throughput(train, n_batches)
    return {"prepare_tfds_s": round(prepare_s, 2), "vocab": "course summarize32k (33,021)",
            "tokens_validation": token_lengths(held_out, str(course_vocab)),
            "lead3_validation": lead3_rouge(held_out),
            "course_pipeline": {"config": {k: list(v) if isinstance(v, tuple) else v for k, v in COURSE.items()},
                                **result, "stats": str(stats)}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000, help="batches timed per pipeline")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    result = {"python": platform.python_version(), "cpus": os.cpu_count(),
              "load_avg_1min_at_start": round(os.getloadavg()[0], 2),  # the box is shared
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory() as tmp:
        result["default_corpus"] = bench_default(args.batches, tmp)
        result["cnn_dm_sample"] = bench_cnn(args.batches, tmp)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp_out, out)
    d = result["default_corpus"]
    print(f"default corpus {d['sizes']} built in {d['build_s']['total']} s "
          f"(vocab {d['vocab']['size']} in {d['vocab']['build_s']} s); "
          f"small-LM pipeline {d['small_lm_pipeline']['examples_per_s']} ex/s, "
          f"{d['small_lm_pipeline']['tokens_per_s']} tok/s; wrote {out}")


if __name__ == "__main__":
    main()
