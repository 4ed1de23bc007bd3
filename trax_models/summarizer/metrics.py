"""Text metrics shared by every model: ROUGE (``rouge-score``) and BLEU (``sacrebleu``).

One function, ``evaluate_texts``, scores a list of predictions against references so that the
summarizer, the encoder–decoder and the RNN baselines are all measured the same way.
Scores are fractions in [0, 1] (BLEU too, rescaled from sacrebleu's 0–100).
"""
import re

__all__ = ["rouge", "bleu", "lead_n", "evaluate_texts"]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_scorers = {}


def _rouge_scorer(use_stemmer):
    if use_stemmer not in _scorers:  # building a scorer loads NLTK's stemmer: do it once
        from rouge_score import rouge_scorer
        _scorers[use_stemmer] = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)
    return _scorers[use_stemmer]


def _check_pairs(predictions, references):
    predictions, references = list(predictions), list(references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references: "
                         "pass one reference per prediction")
    if not predictions:
        raise ValueError("no predictions to score: pass at least one (prediction, reference) pair")
    return predictions, references


def rouge(predictions, references, use_stemmer=True):
    """Mean ROUGE-1/2/L F1 over pairs: ``{'rouge1': f, 'rouge2': f, 'rougeL': f}``."""
    predictions, references = _check_pairs(predictions, references)
    scorer = _rouge_scorer(use_stemmer)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for pred, ref in zip(predictions, references):
        scores = scorer.score(ref, pred)  # rouge-score takes (target, prediction)
        for key in ROUGE_TYPES:
            totals[key] += scores[key].fmeasure
    return {key: total / len(predictions) for key, total in totals.items()}


def bleu(predictions, references):
    """Corpus BLEU (sacrebleu, default 13a tokenization) as a fraction in [0, 1]."""
    import sacrebleu
    predictions, references = _check_pairs(predictions, references)
    return sacrebleu.corpus_bleu(predictions, [references]).score / 100.0


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def lead_n(article, n=3):
    """The first ``n`` sentences of ``article`` (the Lead-3 baseline when n = 3)."""
    sentences = [s for s in _SENTENCE_END.split(" ".join(article.split())) if s]
    return " ".join(sentences[:n])


def evaluate_texts(predictions, references, with_bleu=False):
    """ROUGE-1/2/L (and BLEU if asked) of predictions vs references, plus the pair count."""
    scores = rouge(predictions, references)
    if with_bleu:
        scores["bleu"] = bleu(predictions, references)
    scores["n"] = len(list(references))
    return scores
