"""Text metrics shared by every model: ROUGE (``rouge-score``) and BLEU (``sacrebleu``).

    rouge(predictions, references) -> {rouge1, rouge2, rougeL, rougeLsum}      mean F1
    rouge_with_ci(predictions, references) -> the same, plus
        {"ci95": {type: [low, high]}}  (rouge-score's BootstrapAggregator, seeded)
    split_sentences(text) -> [sentence]   CNN/DailyMail convention: one per line
    bleu(predictions, references) -> corpus BLEU in [0, 1]
    evaluate_texts(predictions, references, with_bleu=False) -> ROUGE (+ BLEU) and n

``rougeLsum`` is summary-level ROUGE-L, the figure papers on CNN/DailyMail report: summary and
reference are split into sentences (newlines, as the highlights are written; else sentence
ends) and the union LCS is taken over sentence pairs. ``rougeL`` treats each text as one
sequence. Scores are fractions in [0, 1] (BLEU too, rescaled from sacrebleu's 0–100).
"""
import numpy as np

from trax_models.sources.extractive import split_sentences

__all__ = ["ROUGE_TYPES", "rouge", "rouge_with_ci", "split_sentences", "bleu",
           "evaluate_texts"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_scorers = []


def _rouge_scorer():
    """rouge-score's scorer with Porter stemming (as papers on CNN/DailyMail report ROUGE)."""
    if not _scorers:  # building a scorer loads NLTK's stemmer: do it once
        from rouge_score import rouge_scorer  # lazy: nltk + scipy, ≈1 s; summarize needs neither

        _scorers.append(rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True))
    return _scorers[0]


def _check_pairs(predictions, references):
    predictions, references = list(predictions), list(references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references: "
                         "pass one reference per prediction")
    if not predictions:
        raise ValueError("no predictions to score: pass at least one (prediction, reference) pair")
    return predictions, references


def _scores(predictions, references):
    """Per pair: {type: rouge-score Score}; rougeLsum sees one sentence per line."""
    predictions, references = _check_pairs(predictions, references)
    scorer = _rouge_scorer()
    for pred, ref in zip(predictions, references):
        # rouge-score takes (target, prediction); rougeLsum splits both on newlines
        yield scorer.score("\n".join(split_sentences(ref)), "\n".join(split_sentences(pred)))


def rouge(predictions, references):
    """Mean ROUGE-1/2/L/Lsum F1 over pairs, words stemmed: ``{'rouge1': f, ..., 'rougeLsum': f}``."""
    totals, n = dict.fromkeys(ROUGE_TYPES, 0.0), 0
    for scores in _scores(predictions, references):
        n += 1
        for key in ROUGE_TYPES:
            totals[key] += scores[key].fmeasure
    return {key: total / n for key, total in totals.items()}


def rouge_with_ci(predictions, references):
    """``rouge`` plus 95% bootstrap confidence intervals of the mean F1 (rouge-score's
    ``BootstrapAggregator``, 1,000 resamples of the pairs, seed 0).

    Returns:
      {type: mean F1, ..., "ci95": {type: [low, high]}}.
    """
    from rouge_score import scoring

    aggregator = scoring.BootstrapAggregator(confidence_interval=0.95, n_samples=1000)
    for scores in _scores(predictions, references):
        aggregator.add_scores(scores)
    state = np.random.get_state()  # the aggregator draws from NumPy's global RNG: seed it,
    np.random.seed(0)              # and give the caller's RNG back untouched
    try:
        bounds = aggregator.aggregate()
    finally:
        np.random.set_state(state)
    means = rouge(predictions, references)
    means["ci95"] = {t: [float(bounds[t].low.fmeasure), float(bounds[t].high.fmeasure)]
                  for t in ROUGE_TYPES}
    return means


def bleu(predictions, references):
    """Corpus BLEU (sacrebleu, default 13a tokenization) as a fraction in [0, 1]."""
    import sacrebleu  # the compare extra
    predictions, references = _check_pairs(predictions, references)
    return sacrebleu.corpus_bleu(predictions, [references]).score / 100.0


def evaluate_texts(predictions, references, with_bleu=False):
    """ROUGE-1/2/L/Lsum (and BLEU if asked) of predictions vs references, plus the pair count."""
    scores = rouge(predictions, references)
    if with_bleu:
        scores["bleu"] = bleu(predictions, references)
    scores["n"] = len(list(references))
    return scores
