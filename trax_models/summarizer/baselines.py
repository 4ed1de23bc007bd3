"""Extractive baselines: three sentences of the article, chosen without training.

    lead3(article)      the first three sentences (See et al. 2017's Lead-3)
    lead1(article)      the first sentence
    lead_words(article, n)  the first n words (the lead at another summary's length)
    textrank(article)   TextRank (Mihalcea & Tarau 2004), ``sumy``'s implementation
    lexrank(article)    LexRank (Erkan & Radev 2004), ``sumy``'s implementation
    BASELINES = {"lead3": lead3, "textrank": textrank, "lexrank": lexrank}
    summarize(name, articles) -> [summary]   # UserError for an unknown name / missing extra

The summaries keep the article's sentences in article order, one per line (the CNN/DailyMail
convention that ``metrics.rouge``'s rougeLsum reads). ``sumy`` is the optional ``baselines``
extra (``pip install -e '.[baselines]'``; ``make`` installs it). Its English stemmer and stop
words ship with it; sentences and words are split here (no NLTK data download).
"""
import re

from trax_models.errors import UserError
from trax_models.summarizer.metrics import split_sentences

__all__ = ["lead3", "lead1", "lead_words", "textrank", "lexrank", "BASELINES", "summarize"]

N_SENTENCES = 3
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


def lead3(article, n=N_SENTENCES):
    """The first ``n`` sentences of ``article``, one per line."""
    return "\n".join(split_sentences(" ".join(str(article).split()))[:n])


def lead1(article):
    """The first sentence of ``article``."""
    return lead3(article, n=1)


def lead_words(article, n):
    """The first ``n`` words of ``article`` (at least one)."""
    return " ".join(str(article).split()[:max(1, n)])


class _Tokenizer:
    """sumy's tokenizer interface on this module's sentence split (offline)."""
    language = "english"

    def to_sentences(self, text):
        return split_sentences(" ".join(text.split()))

    def to_words(self, sentence):
        return _WORD.findall(sentence)


def _sumy(summarizer_name):
    """(sumy's PlaintextParser, the summarizer); UserError naming the extra if sumy is absent."""
    try:
        from sumy.nlp.stemmers import Stemmer
        from sumy.parsers.plaintext import PlaintextParser
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.summarizers.text_rank import TextRankSummarizer
        from sumy.utils import get_stop_words
    except ImportError:
        raise UserError(f"the {summarizer_name} baseline needs the 'baselines' extra (sumy): "
                        "run `make venv` or `.venv/bin/pip install -c constraints.txt sumy`"
                        ) from None
    cls = {"textrank": TextRankSummarizer, "lexrank": LexRankSummarizer}[summarizer_name]
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return PlaintextParser, summarizer


def _extract(name, article, n):
    parser, summarizer = _sumy(name)
    document = parser.from_string(str(article), _Tokenizer()).document
    if len(document.sentences) <= n:  # nothing to choose
        return "\n".join(str(s) for s in document.sentences)
    chosen = summarizer(document, n)  # sumy returns them in document order
    return "\n".join(str(s) for s in chosen)


def textrank(article, n=N_SENTENCES):
    """The ``n`` sentences TextRank ranks highest, in article order, one per line."""
    return _extract("textrank", article, n)


def lexrank(article, n=N_SENTENCES):
    """The ``n`` sentences LexRank ranks highest, in article order, one per line."""
    return _extract("lexrank", article, n)


BASELINES = {"lead3": lead3, "lead1": lead1, "textrank": textrank, "lexrank": lexrank}


def summarize(name, articles):
    """The baseline ``name``'s summaries of ``articles``."""
    if name not in BASELINES:
        raise UserError(f"unknown baseline {name!r} — choose from {', '.join(BASELINES)}")
    if name not in ("lead3", "lead1"):
        _sumy(name)  # one clear message before any work if the extra is missing
    return [BASELINES[name](a) for a in articles]
