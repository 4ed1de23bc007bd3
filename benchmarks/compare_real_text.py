"""Encoder–decoder vs decoder-only TransformerLM on real CNN/DailyMail text (issue 10).

    python -m benchmarks.compare_real_text [--steps 800] [--data ../shared/data/cnn_dm_sample.jsonl]

Not part of ``make bench`` (it trains two models: ≈25 min on 2 cores). Both models go through
the same ``python -m trax_models train`` code (``summarizer.train.train``) on the same seeded 900/100
split of ``cnn_dm_sample.jsonl`` (highlights as the summary), the same vocabulary (4,000
subwords built from the training split), batches of 8, Adam lr 0.005 with 100 warm-up steps,
the same number of steps, and near-equal weight counts:

    transformer_lm   d_model 128, d_ff 512, 2 layers, 4 heads        (benchmarks/README.md's real-text run)
    encoder_decoder  d_model 96,  d_ff 384, 1 + 1 layers, 4 heads     (two embeddings: narrower)

Measured in one run: held-out ROUGE-1/2/L (greedy, 100 articles; Lead-3 on the same pairs),
eval cross-entropy and accuracy on the summary tokens, training tokens/s (real article +
summary tokens per second, compile steps excluded), decoding articles/s (the second of two
identical greedy passes over the 100 articles, so compilation is excluded).
Writes ``benchmarks/results/real_text/compare.json`` and the two loss curves.
"""
import argparse
import os
import pathlib
import shutil
import time
import warnings

from benchmarks import common

MODELS = {
    "transformer_lm": dict(d_model=128, d_ff=512, n_layers=2, n_heads=4),
    "encoder_decoder": dict(d_model=96, d_ff=384, n_layers=1, n_heads=4),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(common.REPO.parent / "shared/data/cnn_dm_sample.jsonl"))
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--work", default="build/compare_real_text", help="checkpoint directories")
    p.add_argument("--out", default=str(common.RESULTS_DIR / "real_text" / "compare.json"))
    args = p.parse_args(argv)
    if not pathlib.Path(args.data).is_file():
        raise SystemExit(f"error: {args.data} not found — pass --data PATH of cnn_dm_sample.jsonl")

    from trax_models import data
    from trax_models.summarizer.config import TrainConfig
    from trax_models.summarizer.generate import Summarizer, TruncationWarning
    from trax_models.summarizer.metrics import rouge
    from trax_models.summarizer.train import train

    figures = {}
    for name, size in MODELS.items():
        out = pathlib.Path(args.work) / name
        config = TrainConfig(
            source=args.data, summary_key="highlights", eval_fraction=0.1, vocab_size=4000,
            max_length=512, boundaries=(256, 384), batch_sizes=(8, 8, 8), steps=args.steps,
            lr=0.005, warmup_steps=100, seed=0, model=name, output_dir=str(out), fresh=True,
            eval_every=100, rouge_articles=100, samples=1, **size)
        results = train(config)
        shutil.copyfile(out / "loss_curve.png",
                        pathlib.Path(args.out).parent / f"compare_{name}_loss_curve.png")
        decoder = Summarizer.from_checkpoint(out, max_new_tokens=64)
        pairs = list(data.pairs(args.data, "validation", summary_key="highlights",
                                eval_fraction=0.1, seed=0))[:100]
        articles, refs = [a for a, _ in pairs], [s for _, s in pairs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncationWarning)
            decoder.summarize(articles, batch_size=16)           # compiles every shape
            start = time.perf_counter()
            summaries = decoder.summarize(articles, batch_size=16)
            decode_s = time.perf_counter() - start
        figures[name] = {
            "model_args": {k: v for k, v in config.model_config(0).as_dict().items()
                           if k != "vocab_size"},
            "n_weights": results["n_weights"], "steps": results["steps"],
            "train_seconds": results["seconds"]["train"],
            "train_tokens_per_s": results["train_throughput"]["tokens_per_s"],
            "train_steps_per_s": results["train_throughput"]["steps_per_s"],
            "eval": results.get("eval"),
            "heldout_rouge": {k: results["heldout"][k] for k in ("rouge1", "rouge2", "rougeL")},
            "rouge_check": rouge(summaries, refs),    # the timed pass: the same summaries
            "lead3": results["heldout"]["lead3"],
            "decode_articles_per_s": len(articles) / decode_s,
            "example": results["heldout"]["samples"][0] if results["heldout"]["samples"] else None,
        }
        print(f"{name}: {figures[name]['heldout_rouge']} "
              f"{figures[name]['train_tokens_per_s']} tok/s, "
              f"{figures[name]['decode_articles_per_s']:.1f} articles/s decoding", flush=True)
    lm, ed = figures["transformer_lm"], figures["encoder_decoder"]
    ratios = {"train_tokens_per_s": ed["train_tokens_per_s"] / lm["train_tokens_per_s"],
              "decode_articles_per_s": ed["decode_articles_per_s"] / lm["decode_articles_per_s"],
              "n_weights": ed["n_weights"] / lm["n_weights"]}
    common.write_result("compare_real_text", {
        "config": {"data": os.path.relpath(args.data, common.REPO), "split": "seeded 900/100",
                   "vocab_size": 4000, "max_length": 512, "batch": 8, "lr": 0.005,
                   "warmup_steps": 100, "steps": args.steps, "decode": "greedy, batch 16, "
                   "max 64 new tokens"},
        "figures": figures, "ratios_encoder_decoder_over_lm": ratios}, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
