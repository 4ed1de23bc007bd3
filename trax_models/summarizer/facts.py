"""Factual metrics for generated summaries: copied facts and invented names/numbers.

ROUGE rewards a summary that writes the right template with the wrong names: "Oakridge Rovers
beat ..." scores almost as well as the true club. These two metrics look at the slot values:

* ``fact_accuracy(summary, facts)``: the share of the reference's fact values (the strings the
  reference copies from the article; the default corpus stores them in each row's ``facts``)
  that the summary contains exactly, word-bounded: "3" does not match inside "13" or "3,400",
  "Iverson" not inside "Iversons".
* ``hallucination_rate(summary, article)``: the share of the summary's names and numbers
  (capitalised words that do not open a sentence; digit groups: "5-2" → "5", "2"; "12,345"
  and "4.5" are one number each) that occur nowhere in the article, word-bounded.

Pure Python (``re`` only): usable without trax, e.g. on the JSON a run wrote.
"""
import re

__all__ = ["contains", "fact_accuracy", "corpus_fact_accuracy", "names_and_numbers",
           "hallucination_rate", "corpus_hallucination_rate"]

# A number: digits with optional thousands groups and an optional decimal part.
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_TOKEN = re.compile(rf"(?P<num>{_NUMBER})|(?P<word>[^\W\d_][\w'’]*)")
_SENTENCE_END = ".!?"
_OPENING_PUNCT = "\"'“‘([«"


def _bounded(value):
    """Regex matching ``value`` exactly, not inside a longer word or number."""
    return re.compile(rf"(?<![\w])(?<!\d[,.]){re.escape(value)}(?![\w])(?![,.]\d)")


def contains(text, value):
    """Whether ``text`` contains ``value`` word-bounded (case-sensitive; spaces normalised)."""
    value = " ".join(str(value).split())
    if not value:
        return False
    return _bounded(value).search(" ".join(str(text).split())) is not None


def fact_accuracy(summary, facts):
    """Share of ``facts`` (strings) that ``summary`` contains word-bounded; None if no facts.

    Duplicated facts count once.
    """
    facts = list(dict.fromkeys(" ".join(str(f).split()) for f in facts))
    facts = [f for f in facts if f]
    if not facts:
        return None
    return sum(contains(summary, f) for f in facts) / len(facts)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def corpus_fact_accuracy(summaries, facts_lists):
    """Mean of ``fact_accuracy`` over (summary, facts) pairs (pairs without facts skipped)."""
    summaries, facts_lists = list(summaries), list(facts_lists)
    if len(summaries) != len(facts_lists):
        raise ValueError(f"{len(summaries)} summaries but {len(facts_lists)} fact lists")
    return _mean(fact_accuracy(s, f) for s, f in zip(summaries, facts_lists))


def _sentence_initial(text, start):
    """Whether the token at ``start`` opens a sentence (text start, or after . ! ?)."""
    i = start - 1
    while i >= 0 and (text[i].isspace() or text[i] in _OPENING_PUNCT):
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def names_and_numbers(text):
    """The names (capitalised words not opening a sentence) and numbers of ``text``, in order."""
    out = []
    for m in _TOKEN.finditer(text):
        if m.group("num"):
            out.append(m.group("num"))
        else:
            word = m.group("word")
            if word[0].isupper() and not _sentence_initial(text, m.start()):
                out.append(word)
    return out


def hallucination_rate(summary, article):
    """Share of the summary's names and numbers that occur nowhere in ``article``.

    None when the summary has no names or numbers. Each occurrence counts (a name invented
    twice counts twice). An item occurs in the article when the article contains it
    word-bounded or yields the same token to the same tokenizer (so "1940" taken from
    "1940s" is found, as it is in a copied sentence).
    """
    items = names_and_numbers(summary)
    if not items:
        return None
    article = " ".join(str(article).split())
    tokens = {m.group(0) for m in _TOKEN.finditer(article)}
    return sum(x not in tokens and not contains(article, x) for x in items) / len(items)


def corpus_hallucination_rate(summaries, articles):
    """Mean of ``hallucination_rate`` over (summary, article) pairs (None rates skipped)."""
    summaries, articles = list(summaries), list(articles)
    if len(summaries) != len(articles):
        raise ValueError(f"{len(summaries)} summaries but {len(articles)} articles")
    return _mean(hallucination_rate(s, a) for s, a in zip(summaries, articles))
