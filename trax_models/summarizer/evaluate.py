"""How good are the summaries: ROUGE-1/2/L/Lsum of a checkpoint against extractive baselines.

    summarize_and_score(model, pairs, n_articles=100, n_samples=3, ...) -> dict
        decode held-out articles with the fast decoder, print a few samples next to their
        references and a ROUGE table (model vs the baselines on the same pairs); used at the end of
        training (``make train``) and by the CLI
    format_table(results) -> str
    evaluate(checkpoint_dir, data_source=None, split="validation", n=100, ...) -> dict
        what ``python -m trax_models evaluate`` runs (``summarizer.cli``)

``model`` is a checkpoint directory or a ``Summarizer``. Scores come from
``trax_models.summarizer.metrics`` (the ``rouge-score`` package, stemmed, mean F1), so every
model in the project is measured the same way, each mean with its 95 % bootstrap interval; the baselines
(Lead-3, TextRank, LexRank: ``baselines``) are scored on the same articles.
"""
import json
import pathlib
import sys
import time
import warnings

from trax_models import data, sources
from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.sources import records
from trax_models.summarizer import baselines as baseline_summaries
from trax_models.summarizer import checkpoint, facts, metrics, words
from trax_models.summarizer.generate import (
    DEFAULT_COPY,
    DEFAULT_LEAD_PRIOR,
    DEFAULT_MIN_SENTENCES,
    UNFAMILIAR_LEAD_PRIOR,
    Summarizer,
    TruncationWarning,
)

__all__ = ["summarize_and_score", "format_table", "evaluate"]


def _summarizer(model, **kwargs):
    if isinstance(model, Summarizer):
        return model
    if isinstance(model, (str, pathlib.Path)):
        return Summarizer.from_checkpoint(model, **kwargs)
    raise TypeError(f"model must be a checkpoint directory or a Summarizer, got {type(model)}")


def _text(x):
    return records.decode_text(x)[0] if isinstance(x, bytes) else str(x)


def format_table(results):
    """The ROUGE table of ``summarize_and_score``'s results: the model, then each baseline;
    mean F1 with its 95 % bootstrap interval."""
    head = f"ROUGE F1 on {results['n']} held-out articles (95% CI)"
    rows = [(f"model ({results['decoder']})", results)]
    rows += [(_BASELINE_NAMES.get(name, name), r) for name, r in results["baselines"].items()]
    width = max(len(head), *(len(name) + 2 for name, _ in rows))
    extra = [k for k in ("fact_accuracy", "hallucination", "broken_words") if k in results]
    cols = "".join(f"  {t:<19}" for t in metrics.ROUGE_TYPES)
    cols += "".join(f"  {_FACT_HEADS[k]:>9}" for k in extra)
    lines = [f"{head:<{width}}{cols}"]
    for name, r in rows:
        cells = "".join(f"  {r[t]:.3f} ({r['ci95'][t][0]:.3f}-{r['ci95'][t][1]:.3f})"
                        for t in metrics.ROUGE_TYPES)
        cells += "".join(f"  {'-' if r.get(k) is None else format(r[k], '.3f'):>9}"
                         for k in extra)
        lines.append(f"  {name:<{width - 2}}{cells}")
    return "\n".join(lines)


_FACT_HEADS = {"fact_accuracy": "fact acc", "hallucination": "halluc.", "broken_words": "broken"}


def _fact_scores(summaries, articles, reference_facts):
    """Hallucination and broken-word rates (always) and fact accuracy (when the references'
    facts are known)."""
    rate = facts.corpus_hallucination_rate(summaries, articles)
    broken = words.corpus_broken_word_rate(summaries, articles)
    out = {"hallucination": None if rate is None else round(rate, 4),
           "broken_words": None if broken is None else round(broken, 4)}
    if reference_facts is not None:
        acc = facts.corpus_fact_accuracy(summaries, reference_facts)
        out["fact_accuracy"] = None if acc is None else round(acc, 4)
    return out


_BASELINE_NAMES = {"lead3": "Lead-3 baseline", "lead1": "Lead-1 (first sentence)",
                   "lead_equal": "lead, summary's length", "textrank": "TextRank (sumy)",
                   "lexrank": "LexRank (sumy)"}


def _rounded(scores):
    return {k: (round(v, 4) if isinstance(v, float) else
                {t: [round(x, 4) for x in ci] for t, ci in v.items()})
            for k, v in scores.items()}


def summarize_and_score(model, pairs, n_articles=100, n_samples=3, method="greedy",
                        max_new_tokens=96, batch_size=8, baselines=("lead3",),
                        facts_of=None, **options):
    """Summarize held-out articles, print samples and ROUGE next to the leads; return the figures.

    Args:
      model: checkpoint directory (str/Path) or ``Summarizer``.
      pairs: iterable of (article, reference summary) str pairs (held out from training); the
        first ``n_articles`` are used.
      n_articles: how many to summarize (None: all); n_samples: how many to print.
      method: 'greedy' | 'sample' | 'beam' (``Summarizer.generate``; ``options`` go there:
        temperature, seed, beam_width, length_penalty).
      max_new_tokens: summary length cap; batch_size: articles decoded at once.
      baselines: extractive baselines scored on the same articles (``baselines.BASELINES``);
        Lead-3 and Lead-1 are always among them, and "lead_equal": the article's first words,
        as many as the model's summary has (the lead at the summary's length).
      facts_of: optional function article → the reference's fact values (the default
        corpus knows them): adds ``fact_accuracy`` (``summarizer.facts``) to every row; the
        ``hallucination`` rate (names and numbers found nowhere in the article) is always
        reported.

    Returns:
      dict: rouge1, rouge2, rougeL, rougeLsum (model, mean F1), ci95 {type: [low, high]},
      hallucination, broken_words (``words.broken_word_rate``), fact_accuracy (with
      ``facts_of``),
      baselines {name: the same for each baseline}, lead3 (= baselines["lead3"]), n, seconds
      (decoding), decoder (method, or 'salience ranker'), truncated (articles cut to fit),
      samples [{article (first 300 chars), reference, generated}].

    Raises:
      UserError: no pairs.
    """
    summarizer = _summarizer(model)
    articles, refs = [], []
    for article, summary in pairs:
        if n_articles is not None and len(articles) >= n_articles:
            break
        articles.append(_text(article))
        refs.append(_text(summary))
    if not articles:
        raise UserError("no (article, summary) pairs to evaluate — check the data source and "
                        "split")
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        generated = summarizer.summarize(articles, method=method, batch_size=batch_size,
                                      max_new_tokens=max_new_tokens, **options)
    seconds = time.perf_counter() - t0
    truncated = sum(issubclass(w.category, TruncationWarning) for w in caught)
    reference_facts = None if facts_of is None else [facts_of(a) or [] for a in articles]
    scores = {**_rounded(metrics.rouge_with_ci(generated, refs)),
              **_fact_scores(generated, articles, reference_facts)}
    extractive = {}
    for name in dict.fromkeys(("lead3", "lead1", *baselines, "lead_equal")):
        summaries = (baseline_summaries.summarize(name, articles) if name != "lead_equal" else
                     [baseline_summaries.lead_words(a, len(g.split()))
                      for a, g in zip(articles, generated)])
        extractive[name] = {**_rounded(metrics.rouge_with_ci(summaries, refs)),
                            **_fact_scores(summaries, articles, reference_facts)}
    samples = [{"article": a[:300], "reference": r, "generated": g}
               for a, r, g in list(zip(articles, refs, generated))[:n_samples]]
    results = {**scores, "n": len(articles), "baselines": extractive,
               "lead3": extractive["lead3"], "seconds": round(seconds, 2),
               "decoder": "salience ranker" if getattr(summarizer, "salience", None) else method,
               "truncated": truncated, "samples": samples}
    for i, s in enumerate(samples, 1):
        print(f"\n--- held-out sample {i} ---\nARTICLE:   {s['article']}...\n"
              f"REFERENCE: {s['reference']}\nGENERATED: {s['generated']}")
    note = f"; {truncated} articles cut to fit the model" if truncated else ""
    print(f"\n{format_table(results)}\n  ({seconds:.1f} s to decode{note})", flush=True)
    return results


# --- evaluate: a checkpoint on a data split ------------------------------------------------

def _source(config, data_source, **given):
    """(source, its options): the training source and its options unless another is given."""
    trained = config.get("data") or {}
    source = data_source or trained.get("source") or "default"
    options = {}
    if data_source is None:  # the training source: its own options (and its split seed)
        options = {k: trained[k] for k in ("data_dir", "article_key", "summary_key",
                                           "eval_fraction") if trained.get(k) is not None}
        if "seed" in trained:
            options["seed"] = trained["seed"]
    options.update({k: v for k, v in given.items() if v is not None})
    return source, options


def _pairs(source, options, split, n):
    """The (article, summary) pairs of the chosen source and split."""
    if source not in ("default", "cnn_dailymail") and not pathlib.Path(source).is_file():
        raise UserError(f"--data {source}: no such file — pass 'default', 'cnn_dailymail' or a "
                        ".jsonl/.csv/.tsv file of (article, summary) pairs")
    stats = data.DataStats()
    try:
        pairs = _take(data.pairs(source, split, stats=stats, **options), n or None)
    except (data.DataError, FileNotFoundError, KeyError, ValueError) as e:
        raise UserError(f"cannot read {split} pairs of {source}: {e}") from None
    if stats.not_utf8:
        print(f"warning: {stats.not_utf8:,} pair(s) of {source} are not UTF-8 and were read as "
              "Windows-1252 (Latin-1) — if accents look wrong, convert the file to UTF-8",
              file=sys.stderr)
    return pairs


def _take(iterator, n):
    out = []
    for pair in iterator:
        out.append(pair)
        if n is not None and len(out) >= n:
            break
    return out


def evaluate(checkpoint_dir, data_source=None, split="validation", n=100, samples=3,
             json_path=None, method="greedy", max_new_tokens=None, batch_size=8,
             data_options=None, baselines=("lead3", "textrank", "lexrank"), copy=DEFAULT_COPY,
             lead_prior=DEFAULT_LEAD_PRIOR, unfamiliar_lead_prior=UNFAMILIAR_LEAD_PRIOR,
             min_sentences=DEFAULT_MIN_SENTENCES, use_salience=True, **decode_options):
    """Score a checkpoint's summaries on a data split against Lead-3; return the results (and
    write them as JSON to ``json_path`` when one is given — nothing is written otherwise).

    Args:
      checkpoint_dir: a ``train`` output directory.
      data_source: 'default' | 'cnn_dailymail' | a pairs file; default: the training source
        (with its options and split seed).
      split, n (0 = all), samples (printed): what to evaluate.
      json_path: results file (``evaluate --json PATH``); default None: no file (the
        checkpoint directory is only read).
      method, max_new_tokens (None: ``Summarizer``'s default), batch_size, **decode_options: as
      ``Summarizer.summarize``;
      copy, lead_prior, unfamiliar_lead_prior, min_sentences: as ``Summarizer`` (default:
        ``summarize``'s; the priors and the minimum only with copy='sentences'); use_salience: as
        ``Summarizer.from_checkpoint``.
      data_options: data_dir, article_key, summary_key of the source.
      baselines: extractive baselines scored on the same articles (Lead-3 always).
    """
    config = checkpoint.load_config(checkpoint_dir)
    source, options = _source(config, data_source, **(data_options or {}))
    pairs = _pairs(source, options, split, n)
    if not pairs:
        raise UserError(f"the {split} split of {source} has no (article, summary) pairs")
    sentences = copy == "sentences"
    summarizer = _summarizer(checkpoint_dir, max_new_tokens=max_new_tokens, copy=copy,
                             lead_prior=lead_prior if sentences else 0.0,
                             unfamiliar_lead_prior=unfamiliar_lead_prior if sentences else None,
                             min_sentences=min_sentences if sentences else 1,
                             use_salience=use_salience)
    facts_of = sources.facts_of(source, split, **options)
    how = ("the salience ranker's sentences" if getattr(summarizer, "salience", None)
           else f"{method} decoding")
    print(f"evaluating {checkpoint_dir} on {len(pairs)} {split} pairs of {source} ({how})",
          file=sys.stderr, flush=True)
    results = summarize_and_score(
        summarizer, pairs, n_articles=None, n_samples=samples, method=method,
        max_new_tokens=max_new_tokens, batch_size=batch_size, baselines=baselines,
        facts_of=facts_of, **decode_options)
    results.update(checkpoint=str(checkpoint_dir), source=str(source), split=split)
    if json_path is None:
        return results
    path = pathlib.Path(json_path)
    try:
        atomic_write_text(path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror} — pass another --json PATH") from None
    print(f"results: {path}", file=sys.stderr)
    return results
