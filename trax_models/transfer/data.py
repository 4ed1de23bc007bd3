"""Exactly labelled NER and QA data from the default corpus's generator (the articles it writes).

The generator (``trax_models.sources.news``) fills sentence templates with slot values, so it
knows where every name, club, place, number and day sits in the article and which question
each sentence answers. This module turns that into

    ner_example(seed, split, i) -> {"id", "words", "tags"}            BIO tags, word level
    qa_examples(seed, split, i) -> [{"id", "question", "context", "answers", "is_impossible"}]
    ensure_data(seed, sizes) -> DIR   DIR/{ner-train,ner-test}.conll, DIR/{qa-train,qa-test}.json

Entity types (``news.ENTITY_TYPES``): PERSON, ORG (clubs, companies, parties), LOC (cities,
regions), NUM (every number slot, as written: "3,450", "12"), DATE (days, quarters). A slot's
type is ``news.SLOT_TYPES``; words the templates write themselves ("Judge", "Storm", "ten") are
O. QA answers are slot values as written (the span of the slot in the sentence that states the
fact: "12" for "rose 12 percent"); a question whose fact no sentence of this article states
(a background sentence that was not drawn, or a wording that leaves it out) is unanswerable
(SQuAD 2.0's ``is_impossible``, answers empty).

Splits are new split names of the same generator ("ner-train", "qa-test", ...), so no article
here is one ``make train`` pre-trained on, and a split is a pure function of (seed, split, i).
Cached like the corpus: written once under ``corpus.cache_dir()`` in the CoNLL and SQuAD
formats users bring their own data in (``trax_models.transfer.formats``), read back by the same
readers.
"""
import json
import re
import string

from trax_models.atomic import atomic_directory
from trax_models.sources import corpus, news
from trax_models.transfer import formats

__all__ = ["LABELS_VERSION", "DEFAULT_SIZES", "QUESTIONS", "WORD", "words_of", "entity_spans",
           "ner_example", "qa_examples", "ensure_data", "data_dir"]

LABELS_VERSION = 1          # bump when the labels or questions change: the cache is keyed on it
DEFAULT_SIZES = {"train": 2000, "test": 300}    # articles per split (QA: ≈6 questions each)
WORD = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:'\w+)*|[^\w\s]")   # "3,450", "People's", "$", "-"

# Questions per event type: (question template, answer slot, evidence). A question is
# answerable when a sentence of the article (filled with the event's own slots) has a template
# containing ``evidence``; the answer is the answer slot's span in the first such sentence.
QUESTIONS = {
    "sports": [
        ("Who scored for {winner}?", "scorer", "{scorer}"),
        ("Which team did {winner} beat?", "loser", "{ls}"),
        ("Where was the game played?", "city", "{crowd}"),
        ("How many fans watched the game?", "crowd", "{crowd}"),
        ("How many goals did {scorer} score?", "n", "{scorer}"),
        ("Who coaches {loser}?", "coach", "has coached"),
        ("Who missed the game with a knee injury?", "other", "knee injury"),
    ],
    "earnings": [
        ("By how many percent did revenue at {company} change?", "pct", "{pct}"),
        ("Who is the chief executive of {company}?", "ceo", "{ceo}"),
        ("How many million dollars of revenue did {company} report?", "rev", "{rev}"),
        ("Which quarter did {company} report on?", "q", "{pct}"),
        ("What drove the result at {company}?", "product", "{ceo}"),
        ("How many people does the company plan to hire?", "jobs", "hire {jobs}"),
    ],
    "weather": [
        ("Which region did Storm {storm} reach?", "region", "Storm {storm}"),
        ("On which day did Storm {storm} arrive?", "day", "Storm {storm}"),
        ("How many homes lost power in {city}?", "homes", "{homes}"),
        ("Where did homes lose power?", "city", "{homes}"),
        ("How much rain fell, in millimetres?", "mm", "{mm} millimetres"),
        ("How fast were the winds, in kilometres per hour?", "wind", "{wind}"),
        ("Who leads the emergency service?", "official", "leads the emergency service"),
    ],
    "election": [
        ("Who was elected mayor of {city}?", "winner", "mayor"),
        ("Which party does {winner} stand for?", "party", "{party}"),
        ("What percent of the vote did {winner} take?", "pct", "{pct}"),
        ("Who did {winner} defeat?", "rival", "{rival}"),
        ("What was the turnout, in percent?", "turnout", "{turnout}"),
        ("How many seats does the {rparty} hold?", "seats", "{seats} seats"),
    ],
    "court": [
        ("Who was found guilty of {charge}?", "defendant", "{charge}"),
        ("What was {defendant} found guilty of?", "charge", "{charge}"),
        ("Where was {defendant} convicted?", "city", "{charge}"),
        ("Which judge sentenced {defendant}?", "judge", "{judge}"),
        ("How many years in prison was {defendant} given?", "years", "{judge}"),
        ("Who is the defence lawyer?", "lawyer", "defence lawyer"),
    ],
    "science": [
        ("What did researchers at the University of {city} find?", "finding", "{finding}"),
        ("Who led the team?", "lead", "{lead}"),
        ("Where was the discovery made?", "place", "{place}"),
        ("Where were the results published?", "journal", "{journal}"),
        ("How many years did {lead} spend on the project?", "years", "{years}"),
        ("How many samples did the team collect?", "n", "{n} samples"),
    ],
}


def words_of(text):
    """The words of ``text`` with their character offsets: [(word, start, end)] (``WORD``)."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def _layout(pair):
    """The article of ``news.compose_pair``'s output and every slot's place in it:
    (text, [(slot, start, end, own)]), own = filled with the event's slots (not the long
    tail's other entities), and per sentence (template, own, start offset)."""
    pieces, fields, sentences, offset = [], [], [], 0
    for template, slots in pair["parts"]:
        if pieces:
            pieces.append(" ")
            offset += 1
        own = slots is pair["slots"]
        sentences.append((template, own, offset))
        for literal, name, _, _ in string.Formatter().parse(template):
            pieces.append(literal)
            offset += len(literal)
            if name:
                value = str(slots[name])
                fields.append((name, offset, offset + len(value), own))
                pieces.append(value)
                offset += len(value)
    return "".join(pieces), fields, sentences


def entity_spans(pair):
    """(article text, [(type, start, end)]) of a ``news.compose_pair`` output."""
    text, fields, _ = _layout(pair)
    types = news.SLOT_TYPES[pair["event"]]
    return text, [(types[name], a, b) for name, a, b, _ in fields if name in types]


def _bio(words, spans):
    """BIO tags of ``words_of`` words for character ``spans`` [(type, start, end)]."""
    tags = []
    for _, start, end in words:
        tag = "O"
        for kind, a, b in spans:
            if a <= start < b:
                if end > b:
                    raise AssertionError(f"word {start}-{end} crosses entity {a}-{b}")
                tag = ("B-" if start == a else "I-") + kind
                break
        tags.append(tag)
    return tags


def ner_example(seed, split, index):
    """One article as NER data: {"id", "words", "tags"} (BIO, ``news.ENTITY_TYPES``)."""
    pair = news.compose_pair(seed, f"ner-{split}", index)
    text, spans = entity_spans(pair)
    words = words_of(text)
    return {"id": f"ner-{split}-{index:06d}", "words": [w for w, _, _ in words],
            "tags": _bio(words, spans)}


def qa_examples(seed, split, index):
    """One article's questions (``QUESTIONS`` of its event type), SQuAD 2.0 style.

    Returns:
      [{"id", "question", "context", "answers": [{"text", "answer_start"}] (empty when
      unanswerable), "is_impossible"}], in ``QUESTIONS`` order.
    """
    pair = news.compose_pair(seed, f"qa-{split}", index)
    text, fields, sentences = _layout(pair)
    f = pair["slots"]
    out = []
    for k, (question, slot, evidence) in enumerate(QUESTIONS[pair["event"]]):
        answer = None
        for template, own, start in sentences:
            if own and evidence in template:
                end = start + len(template.format(**f))
                hits = [(a, b) for name, a, b, mine in fields
                        if mine and name == slot and start <= a < end]
                if hits:
                    answer = hits[0]
                    break
        answers = [] if answer is None else [{"text": text[answer[0]:answer[1]],
                                              "answer_start": answer[0]}]
        out.append({"id": f"qa-{split}-{index:06d}-{k}", "question": question.format(**f),
                    "context": text, "answers": answers, "is_impossible": answer is None})
    return out


def data_dir(seed=0, sizes=None):
    """Where ``ensure_data`` keeps these splits (it may not exist yet), in the corpus's cache
    (``$TRAX_MODELS_CACHE``)."""
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    counts = "-".join(f"{k}{sizes[k]}" for k in sorted(sizes))
    return corpus.cache_dir() / f"transfer-l{LABELS_VERSION}-news-v{news.GENERATOR_VERSION}-s{seed}-{counts}"


def ensure_data(seed=0, sizes=None):
    """Write the NER and QA splits once (CoNLL and SQuAD files); their directory.

    ``sizes`` = {split: articles}, default ``DEFAULT_SIZES``. Built in a temporary directory
    and renamed into place, as the corpus is: a killed build leaves nothing half-written.
    """
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)

    def fill(tmp):
        for split, n in sizes.items():
            ner = [ner_example(seed, split, i) for i in range(n)]
            formats.write_conll(tmp / f"ner-{split}.conll", [(e["words"], e["tags"]) for e in ner])
            qa = [q for i in range(n) for q in qa_examples(seed, split, i)]
            formats.write_squad(tmp / f"qa-{split}.json", qa)
        (tmp / "DONE").write_text(json.dumps({"sizes": sizes}) + "\n")
    return atomic_directory(data_dir(seed, sizes), fill)
