"""How good are the summaries: ROUGE-1/2/L of a checkpoint against the Lead-3 baseline.

    summarize_and_score(model, pairs, n_articles=100, n_samples=3, ...) -> dict
        decode held-out articles with the fast decoder, print a few samples next to their
        references and a ROUGE table (model vs Lead-3 on the same pairs); used at the end of
        training (``make train``) and by the CLI
    format_table(results) -> str
    python -m trax_models evaluate --checkpoint DIR [--data SOURCE] [--split validation]
                                   [--n 100] [--json PATH] [--method greedy|sample|beam]

``model`` is a checkpoint directory or a ``trax_models.decoding.Decoder``. Scores come from
``trax_models.metrics`` (the ``rouge-score`` package, stemmed, mean F1), so every model in the
project is measured the same way. Lead-3 = the article's first three sentences.
"""
import argparse
import json
import pathlib
import sys
import time
import warnings

import trax_models  # noqa: F401  (compat before trax)
from trax_models import metrics
from trax_models.errors import UserError

__all__ = ["summarize_and_score", "format_table", "cli"]


def _decoder(model, **kwargs):
    from trax_models.decoding import Decoder
    if isinstance(model, Decoder):
        return model
    if isinstance(model, (str, pathlib.Path)):
        return Decoder.from_checkpoint(model, **kwargs)
    raise TypeError(f"model must be a checkpoint directory or a Decoder, got {type(model)}")


def _text(x):
    return x.decode("utf-8", errors="replace") if isinstance(x, bytes) else str(x)


def format_table(results):
    """The ROUGE table of ``summarize_and_score``'s results (model row, Lead-3 row)."""
    head = f"ROUGE F1 on {results['n']} held-out articles"
    rows = [(f"model ({results['decoder']})", results), ("Lead-3 baseline", results["lead3"])]
    width = max(len(head), *(len(name) + 2 for name, _ in rows))
    lines = [f"{head:<{width}}  rouge1  rouge2  rougeL"]
    for name, r in rows:
        lines.append(f"  {name:<{width - 2}}  {r['rouge1']:.3f}   {r['rouge2']:.3f}   "
                     f"{r['rougeL']:.3f}")
    return "\n".join(lines)


def summarize_and_score(model, pairs, n_articles=100, n_samples=3, method="greedy",
                        max_new_tokens=64, batch_size=8, stream=None, **options):
    """Summarize held-out articles, print samples and ROUGE next to Lead-3; return the figures.

    Args:
      model: checkpoint directory (str/Path) or ``trax_models.decoding.Decoder``.
      pairs: iterable of (article, reference summary) str pairs (held out from training); the
        first ``n_articles`` are used.
      n_articles: how many to summarize (None: all); n_samples: how many to print.
      method: 'greedy' | 'sample' | 'beam' (``Decoder.generate``; ``options`` go there:
        temperature, seed, beam_width, length_penalty).
      max_new_tokens: summary length cap; batch_size: articles decoded at once.
      stream: file to print to (default stdout); ``False`` prints nothing.

    Returns:
      dict: rouge1, rouge2, rougeL (model, mean F1), lead3 {rouge1, rouge2, rougeL}, n,
      seconds (decoding), decoder (method), truncated (articles cut to fit), samples
      [{article (first 300 chars), reference, generated}].

    Raises:
      UserError: no pairs.
    """
    decoder = _decoder(model)
    stream = sys.stdout if stream is None else stream
    articles, refs = [], []
    for article, summary in pairs:
        if n_articles is not None and len(articles) >= n_articles:
            break
        articles.append(_text(article))
        refs.append(_text(summary))
    if not articles:
        raise UserError("no (article, summary) pairs to evaluate — check the data source and "
                        "split")
    from trax_models.decoding import TruncationWarning
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        generated = decoder.summarize(articles, method=method, batch_size=batch_size,
                                      max_new_tokens=max_new_tokens, **options)
    seconds = time.perf_counter() - t0
    truncated = sum(issubclass(w.category, TruncationWarning) for w in caught)
    scores = metrics.rouge(generated, refs)
    lead3 = metrics.rouge([metrics.lead_n(a, 3) for a in articles], refs)
    samples = [{"article": a[:300], "reference": r, "generated": g}
               for a, r, g in list(zip(articles, refs, generated))[:n_samples]]
    results = {**{k: round(v, 4) for k, v in scores.items()}, "n": len(articles),
               "lead3": {k: round(v, 4) for k, v in lead3.items()},
               "seconds": round(seconds, 2), "decoder": method, "truncated": truncated,
               "samples": samples}
    if stream:
        for i, s in enumerate(samples, 1):
            print(f"\n--- held-out sample {i} ---\nARTICLE:   {s['article']}...\n"
                  f"REFERENCE: {s['reference']}\nGENERATED: {s['generated']}", file=stream)
        note = f"; {truncated} articles cut to fit the model" if truncated else ""
        print(f"\n{format_table(results)}\n  ({seconds:.1f} s to decode{note})", file=stream,
              flush=True)
    return results


# --- CLI: python -m trax_models evaluate ------------------------------------------------------

def _parser():
    from trax_models.decoding import spellings
    p = argparse.ArgumentParser(
        prog="python -m trax_models evaluate",
        description="ROUGE-1/2/L of a checkpoint's summaries on a data split, next to the Lead-3 "
                    "baseline on the same pairs; prints a table and writes JSON.")
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help="checkpoint directory of `python -m trax_models train`")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="'default' (the embedded corpus), 'cnn_dailymail' (with --data_dir) or "
                        "a .jsonl/.csv/.tsv file of (article, summary) pairs; default: the "
                        "source the checkpoint was trained on")
    p.add_argument("--split", default="validation", choices=("train", "validation", "test"))
    p.add_argument(*spellings("--data_dir"), default=None,
                   help="TFDS data_dir (cnn_dailymail)")
    p.add_argument(*spellings("--article_key"), default=None,
                   help="article field of a JSONL/CSV file")
    p.add_argument(*spellings("--summary_key"), default=None,
                   help="summary field of a JSONL/CSV file (CNN/DM files: highlights)")
    p.add_argument("--n", type=int, default=100, help="articles to evaluate (0 = all)")
    p.add_argument("--samples", type=int, default=3, help="summaries printed")
    p.add_argument("--method", choices=("greedy", "sample", "beam"), default="greedy")
    p.add_argument(*spellings("--max-new-tokens"), type=int, default=64,
                   help="cap on summary tokens")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(*spellings("--beam-width"), type=int, default=4)
    p.add_argument(*spellings("--length-penalty"), type=float, default=0.6)
    p.add_argument(*spellings("--batch-size"), type=int, default=8)
    p.add_argument("--json", default=None, metavar="PATH",
                   help="results file (default: DIR/eval_<split>.json)")
    return p


def _pairs(config, args):
    """The (article, summary) pairs of the chosen source and split."""
    from trax_models import data
    trained = config.get("data") or {}
    source = args.data or trained.get("source") or "default"
    options = {}
    if args.data is None:  # the training source: its own options (and its split seed)
        options = {k: trained[k] for k in ("data_dir", "article_key", "summary_key",
                                           "eval_fraction") if trained.get(k) is not None}
        if "seed" in trained:
            options["seed"] = trained["seed"]
    for key in ("data_dir", "article_key", "summary_key"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    if source not in ("default", "cnn_dailymail") and not pathlib.Path(source).is_file():
        raise UserError(f"--data {source}: no such file — pass 'default', 'cnn_dailymail' or a "
                        ".jsonl/.csv/.tsv file of (article, summary) pairs")
    try:
        return source, _take(data.pairs(source, args.split, **options), args.n or None)
    except (data.DataError, FileNotFoundError, KeyError, ValueError) as e:
        raise UserError(f"cannot read {args.split} pairs of {source}: {e}") from None


def _take(iterator, n):
    out = []
    for pair in iterator:
        out.append(pair)
        if n is not None and len(out) >= n:
            break
    return out


def cli(argv):
    """``python -m trax_models evaluate --checkpoint DIR [--data SOURCE]``; the exit code."""
    args = _parser().parse_args(argv)
    from trax_models.decoding import check_flags
    check_flags(args, (("--n", args.n, 0), ("--samples", args.samples, 0),
                       ("--max-new-tokens", args.max_new_tokens, 1),
                       ("--beam-width", args.beam_width, 1),
                       ("--batch-size", args.batch_size, 1)))
    from trax_models import checkpoint
    config = checkpoint.load_config(args.checkpoint)
    source, pairs = _pairs(config, args)
    if not pairs:
        raise UserError(f"the {args.split} split of {source} has no (article, summary) pairs")
    decoder = _decoder(args.checkpoint, max_new_tokens=args.max_new_tokens)
    print(f"evaluating {args.checkpoint} on {len(pairs)} {args.split} pairs of {source} "
          f"({args.method} decoding)", file=sys.stderr, flush=True)
    results = summarize_and_score(
        decoder, pairs, n_articles=None, n_samples=args.samples, method=args.method,
        max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
        **({"temperature": args.temperature, "seed": args.seed} if args.method == "sample"
           else {}),
        **({"beam_width": args.beam_width, "length_penalty": args.length_penalty}
           if args.method == "beam" else {}))
    results.update(checkpoint=str(args.checkpoint), source=str(source), split=args.split)
    path = pathlib.Path(args.json or pathlib.Path(args.checkpoint) / f"eval_{args.split}.json")
    try:
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror} — pass --json PATH") from None
    print(f"results: {path}", file=sys.stderr)
    return 0
