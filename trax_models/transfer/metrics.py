"""Scores for tagging and reading: entity-level P/R/F1 (seqeval's default) and SQuAD EM/F1.

    entities(tags) -> [(type, start, end)]              BIO chunks, conlleval's rules
    entity_scores(true_tags, pred_tags) -> {"precision", "recall", "f1", "per_type", ...}
    squad_scores(predictions, references) -> {"exact_match", "f1", "has_answer_f1", ...}

Entity-level, as ``seqeval.metrics`` scores by default (its non-strict, conlleval mode): an
entity counts when type, first and last word all match; a chunk starts at B-, at an I- after
O or after another type, and ends before the next B-, O or type change. (seqeval itself
does not install here — its source package fails to build with today's setuptools_scm —
so the rule is written out, and tested on seqeval's documented examples.)

SQuAD: the official v2.0 evaluation's normalisation (lower case, punctuation and the
articles a/an/the removed, white space collapsed); exact match and bag-of-tokens F1, the best
over the reference answers; an unanswerable question scores 1 exactly when the prediction is
empty ("no answer").
"""
import collections
import re
import string

__all__ = ["entities", "entity_scores", "normalize_answer", "exact_match", "token_f1",
           "squad_scores"]


def _split(tag):
    return ("O", None) if tag == "O" else (tag[0], tag[2:])


def entities(tags):
    """The entity chunks of one BIO tag sequence: [(type, first word, last word)]."""
    chunks, current = [], None  # current = [type, start]
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _split(tag)
        starts = prefix == "B" or (prefix == "I" and (current is None or current[0] != kind))
        if current is not None and (prefix == "O" or starts):
            chunks.append((current[0], current[1], i - 1))
            current = None
        if starts:
            current = [kind, i]
    return chunks


def _prf(n_true, n_pred, n_correct):
    p = n_correct / n_pred if n_pred else 0.0
    r = n_correct / n_true if n_true else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def entity_scores(true_tags, pred_tags):
    """Micro-averaged entity precision/recall/F1 over sentences, and per entity type.

    Args:
      true_tags, pred_tags: lists of BIO tag sequences, sentence by sentence, equal lengths.
    """
    if len(true_tags) != len(pred_tags):
        raise ValueError(f"{len(true_tags)} reference sentences but {len(pred_tags)} predicted")
    counts = collections.defaultdict(lambda: [0, 0, 0])  # type → true, pred, correct
    for k, (t, p) in enumerate(zip(true_tags, pred_tags)):
        if len(t) != len(p):
            raise ValueError(f"sentence {k}: {len(t)} reference tags but {len(p)} predicted")
        gold, guess = set(entities(t)), set(entities(p))
        for e in gold:
            counts[e[0]][0] += 1
        for e in guess:
            counts[e[0]][1] += 1
        for e in gold & guess:
            counts[e[0]][2] += 1
    per_type = {}
    for kind in sorted(counts):
        p, r, f = _prf(*counts[kind])
        per_type[kind] = {"precision": p, "recall": r, "f1": f, "support": counts[kind][0]}
    totals = [sum(c[i] for c in counts.values()) for i in range(3)]
    p, r, f = _prf(*totals)
    return {"precision": p, "recall": r, "f1": f, "entities": totals[0],
            "predicted": totals[1], "correct": totals[2], "per_type": per_type}


_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text):
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction, truth):
    return float(normalize_answer(prediction) == normalize_answer(truth))


def token_f1(prediction, truth):
    """Bag-of-tokens F1 of normalised answers (both empty: 1; one empty: 0)."""
    pred, gold = normalize_answer(prediction).split(), normalize_answer(truth).split()
    if not pred or not gold:
        return float(pred == gold)
    common = sum((collections.Counter(pred) & collections.Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(gold)
    return 2 * p * r / (p + r)


def squad_scores(predictions, references):
    """SQuAD 2.0 exact match and F1 (×100, as the official script reports them).

    Args:
      predictions: {question id: predicted answer text, "" for no answer}.
      references: [{"id", "answers": [{"text", ...}], "is_impossible"}] (``formats.read_squad``).

    Returns:
      {"exact_match", "f1", "n", "has_answer_exact_match", "has_answer_f1", "has_answer_n",
      "no_answer_accuracy", "no_answer_n"} (the split scores only when both kinds occur).
    """
    missing = [r["id"] for r in references if r["id"] not in predictions]
    if missing:
        raise ValueError(f"no prediction for {len(missing)} question(s), e.g. {missing[0]!r}")
    em, f1, kinds = [], [], []
    for ref in references:
        pred = predictions[ref["id"]]
        truths = [a["text"] for a in ref["answers"]] or [""]
        em.append(max(exact_match(pred, t) for t in truths))
        f1.append(max(token_f1(pred, t) for t in truths))
        kinds.append(bool(ref["answers"]))
    out = {"exact_match": 100 * sum(em) / len(em), "f1": 100 * sum(f1) / len(f1), "n": len(em)}
    has = [i for i, k in enumerate(kinds) if k]
    no = [i for i, k in enumerate(kinds) if not k]
    if has:
        out.update(has_answer_exact_match=100 * sum(em[i] for i in has) / len(has),
                   has_answer_f1=100 * sum(f1[i] for i in has) / len(has), has_answer_n=len(has))
    if no:
        out.update(no_answer_accuracy=100 * sum(em[i] for i in no) / len(no), no_answer_n=len(no))
    return out
