"""T5's text-to-text format: every task is (input string, target string), chosen by a prefix.

    summarize: ARTICLE                                   → its key sentences
    question: QUESTION context: ARTICLE                  → the answer's words, or "unanswerable"
    classify: ARTICLE                                    → the event type, one word ("court")
    stsb sentence1: S1 sentence2: S2                     → a similarity 0.0 … 5.0 on a 0.2 grid
    entities: TWO SENTENCES                              → "Anna Keller (PERSON); Upton (LOC)"
                                                           or "none"

Every example is written here from the default corpus's generator (``sources.news``; QA's
questions from ``transfer.data``), a pure function of (seed, split, index), so nothing is
downloaded and the held-out split ("test") shares no article with "train" (other split names
of the generator). ``examples(task, seed, split, n)`` gives dicts {"task", "id", "input",
"target", ...the task's references}; ``score(task, outputs, examples)`` the task's own metric;
``valid(task, output)`` whether a string is that task's kind of output — an output that is not
a valid label counts as wrong, as T5 counts it (the regression's invalid output is read as -1,
T5's ``string_to_float`` default). ``parse(text)`` reads a prefixed input back (``UserError``
for an empty input, an unknown prefix, a missing part).
"""
import dataclasses
import functools
import math
import random
import re
import string

import numpy as np

from trax_models.errors import UserError
from trax_models.sources import news
from trax_models.summarizer import facts as facts_lib
from trax_models.summarizer import metrics as rouge_lib
from trax_models.transfer import data as labelled
from trax_models.transfer import metrics as squad

__all__ = ["TASKS", "Task", "LABELS", "UNANSWERABLE", "NONE", "MAX_WORDS", "examples",
           "parse", "format_input", "valid", "score", "similarity_label", "entity_target",
           "parse_entities"]

UNANSWERABLE = "unanswerable"   # SQuAD 2.0's empty answer, as text
NONE = "none"                   # no entity in the text
LABELS = tuple(sorted(news.EVENTS))  # classify's answers: court, earnings, election, …
MAX_WORDS = 150   # longer articles are left out: an input fits 256 subwords (≈ 1.4 per word)
_ENTITY = re.compile(r"^(.+?) \((" + "|".join(news.ENTITY_TYPES) + r")\)$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclasses.dataclass(frozen=True)
class Task:
    """One task: its prefix pattern (named groups = its fields), the order fields are written
    in, its default number of training examples and its decoding cap."""
    name: str
    pattern: str
    fields: tuple
    train_size: int    # deliberately different sizes: what the mixing strategies differ on
    max_new_tokens: int

    def format(self, **fields):
        missing = [f for f in self.fields if not str(fields.get(f) or "").strip()]
        if missing:
            raise UserError(f"{self.name}: the input needs {' and '.join(missing)} — nothing "
                            "given")
        text = self.pattern
        for f in self.fields:
            text = text.replace(f"{{{f}}}", " ".join(str(fields[f]).split()))
        return text


TASKS = {t.name: t for t in (
    Task("summarize", "summarize: {text}", ("text",), 3_000, 96),
    Task("question", "question: {question} context: {context}", ("question", "context"),
         12_000, 16),
    Task("classify", "classify: {text}", ("text",), 1_500, 8),
    Task("stsb", "stsb sentence1: {sentence1} sentence2: {sentence2}",
         ("sentence1", "sentence2"), 600, 8),
    Task("entities", "entities: {text}", ("text",), 6_000, 64),
)}
_FIRST_WORD = re.compile(r"\s*([^\s:]+)")
_ANY_PREFIX = re.compile(r"^\s*([A-Za-z][\w-]*(?: [\w-]+){0,5}):")   # "translate English to German:"


def _head(task):
    """The prefix that starts ``task``'s inputs: "summarize:", "stsb sentence1:"."""
    return task.pattern.split("{")[0].strip()


def _regex(task):
    """``task.pattern`` as a regex: each {field} a named group, any whitespace between."""
    pieces = re.split(r"\{(\w+)\}", task.pattern)
    body = "".join(r"\s*".join(map(re.escape, p.split())) if i % 2 == 0 else f"(?P<{p}>.*?)"
                   for i, p in enumerate(pieces))
    return re.compile(r"^\s*" + body + r"\s*$", re.DOTALL)


_REGEXES = {name: _regex(t) for name, t in TASKS.items()}


def format_input(task, **fields):
    """The prefixed input of ``task`` (a name of ``TASKS``) with its fields."""
    return _task(task).format(**fields)


def _task(name):
    if name not in TASKS:
        raise UserError(f"unknown task {name!r} — known: {', '.join(TASKS)}")
    return TASKS[name]


def parse(text, tasks=None):
    """(task name, {field: text}) of a prefixed input; ``tasks``: the names allowed (a model's).

    The task is the one whose prefix starts with the input's first word ("stsb" for
    "stsb sentence1: …"); its whole pattern must then match.

    Raises:
      UserError: an empty input, no or an unknown prefix, a task outside ``tasks``, or a prefix
        whose parts are missing or empty ("question: …" without " context: …").
    """
    if not isinstance(text, str) or not text.strip():
        raise UserError("empty input — give a prefixed text such as 'summarize: ARTICLE'")
    known = list(tasks or TASKS)
    heads = ", ".join(repr(_head(TASKS[n])) for n in known)
    first = _FIRST_WORD.match(text)
    word = first.group(1) if first else None
    name = next((n for n, t in TASKS.items() if _head(t).split()[0].rstrip(":") == word), None)
    if name is None:
        prefix = _ANY_PREFIX.match(text)
        if prefix:
            raise UserError(f"unknown task prefix {prefix.group(1) + ':'!r} — start the input "
                            f"with one of {heads}")
        raise UserError(f"no task prefix — start the input with one of {heads}")
    match = _REGEXES[name].match(text)
    if match is None or not all(v.strip() for v in match.groupdict().values()):
        raise UserError(f"a {_head(TASKS[name])!r} input needs the form {TASKS[name].pattern!r}, "
                        "every part non-empty")
    if name not in known:
        raise UserError(f"task {name!r} ({_head(TASKS[name])!r}): this model was not trained on "
                        f"it — it knows {', '.join(known)}")
    return name, {k: v.strip() for k, v in match.groupdict().items()}


# --- the examples, from the generator ---------------------------------------------------------

def _split(task, split):
    return f"t5-{task}-{split}"


def _short_articles(seed, split):
    """(index, ``news.compose_pair``) of the articles of at most MAX_WORDS words, in order."""
    i = 0
    while True:
        pair = news.compose_pair(seed, split, i)
        text = " ".join(t.format(**s) for t, s in pair["parts"])
        if len(text.split()) <= MAX_WORDS:
            yield i, pair, text
        i += 1


def _summarize(seed, split):
    for i, pair, text in _short_articles(seed, _split("summarize", split)):
        row = news.generate_pair(seed, _split("summarize", split), i)
        yield {"id": f"summarize-{split}-{i}", "input": format_input("summarize", text=text),
               "target": row["summary"], "facts": row["facts"], "article": text}


def _classify(seed, split):
    for i, pair, text in _short_articles(seed, _split("classify", split)):
        yield {"id": f"classify-{split}-{i}", "input": format_input("classify", text=text),
               "target": pair["event"]}


def _question(seed, split):
    i = 0
    while True:
        for q in labelled.qa_examples(seed, _split("question", split), i):
            if len(q["context"].split()) <= MAX_WORDS:
                answer = q["answers"][0]["text"] if q["answers"] else UNANSWERABLE
                yield {"id": q["id"], "input": format_input(
                    "question", question=q["question"], context=q["context"]),
                    "target": answer, "answers": q["answers"]}
        i += 1


def entity_target(entities):
    """The entities task's target: "Anna Keller (PERSON); Upton (LOC)", or "none"."""
    return "; ".join(f"{text} ({kind})" for text, kind in entities) or NONE


def parse_entities(output):
    """[(text, type)] of an entities output, and the number of items that are not of the form
    "TEXT (TYPE)" (each counts as a wrong prediction)."""
    output = output.strip()
    if output == NONE:
        return [], 0
    found, bad = [], 0
    for item in filter(None, (s.strip() for s in output.split(";"))):
        m = _ENTITY.match(item)
        if m:
            found.append((m.group(1), m.group(2)))
        else:
            bad += 1
    return found, bad if found or bad else 1   # an empty output is one invalid answer


def _entities(seed, split):
    rng = random.Random(f"t5-entities/{seed}/{split}")
    for i, pair, text in _short_articles(seed, _split("entities", split)):
        _, spans = labelled.entity_spans(pair)
        starts, offset = [], 0
        for template, slots in pair["parts"]:
            starts.append(offset)
            offset += len(template.format(**slots)) + 1
        starts.append(offset)
        first = rng.randrange(max(1, len(pair["parts"]) - 1))
        last = min(first + 2, len(pair["parts"]))
        if not any("{" in t for t, _ in pair["parts"][first:last]):
            continue  # no slot: a stock sentence pair that other splits hold too
        a, b = starts[first], starts[last] - 1
        window = [(text[s:e], kind) for kind, s, e in spans if a <= s and e <= b]
        yield {"id": f"entities-{split}-{i}", "input": format_input("entities", text=text[a:b]),
               "target": entity_target(window), "entities": window}


def similarity_label(value):
    """A similarity 0–5 written as T5 writes STS-B's: rounded to the nearest 0.2, one decimal."""
    return f"{math.floor(value * 5 + 0.5) / 5:.1f}"


def _slots(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name} - {"goals"}


def _stsb(seed, split):
    """Two wordings of one key sentence of an event (one stating at least two facts); the
    second with some of its facts replaced by another draw's. Similarity = 5 × the share of the
    facts both sentences state that agree (whatever the wording); 15 % pairs with a key
    sentence of another event type: 0."""
    i = 0
    while True:
        rng = random.Random(f"t5-stsb/{seed}/{split}/{i}")
        event = rng.choice(LABELS)
        _, key_a, _, fa = news.EVENTS[event](rng)
        _, key_b, _, fb = news.EVENTS[event](rng)
        k = rng.randrange(len(key_a))
        common = _slots(key_a[k]) & _slots(key_b[k])
        if len(common) < 2:  # one fact ("Turnout was 41 percent.") repeats across splits
            i += 1
            continue
        if rng.random() < 0.15:
            other = rng.choice([e for e in LABELS if e != event])
            _, key_o, _, fo = news.EVENTS[other](rng)
            s2, value = rng.choice(key_o).format(**fo), 0.0
        else:
            mixed = dict(fa)
            names = sorted(_slots(key_b[k]))
            for name in rng.sample(names, rng.randint(0, len(names))):
                mixed[name] = fb[name]
            if "n" in mixed:  # a derived slot: "1 goal", "2 goals"
                mixed["goals"] = "goal" if mixed["n"] == 1 else "goals"
            s2 = key_b[k].format(**mixed)
            value = 5 * sum(str(fa[n]) == str(mixed[n]) for n in common) / max(len(common), 1)
        s1 = key_a[k].format(**fa)
        yield {"id": f"stsb-{split}-{i}", "input": format_input("stsb", sentence1=s1,
                                                                  sentence2=s2),
               "target": similarity_label(value), "score": float(similarity_label(value))}
        i += 1


_MAKERS = {"summarize": _summarize, "question": _question, "classify": _classify,
           "stsb": _stsb, "entities": _entities}


@functools.lru_cache(maxsize=64)
def _cached(task, seed, split, n):
    maker = _MAKERS[task](seed, split)
    return tuple(dict(next(maker), task=task) for _ in range(n))


def examples(task, seed=0, split="train", n=None):
    """The first ``n`` examples of ``task``'s ``split`` (default: its training size), each
    {"task", "id", "input", "target", + its references}; a pure function of the arguments."""
    n = _task(task).train_size if n is None else int(n)
    if split not in ("train", "test", "validation"):
        raise UserError(f"unknown split {split!r} — use train, validation or test")
    return [dict(e) for e in _cached(task, seed, split, n)]


# --- validity and scores ----------------------------------------------------------------------

def _float(output):
    output = output.strip()
    return float(output) if _NUMBER.match(output) and 0 <= float(output) <= 5 else None


def valid(task, output):
    """Whether ``output`` is ``task``'s kind of answer (a label of its set, a number in 0–5, a
    list of typed entities, a short span, a sentence-ending text)."""
    output = output.strip()
    if task == "classify":
        return output in LABELS
    if task == "stsb":
        return _float(output) is not None
    if task == "entities":
        found, bad = parse_entities(output)
        return bad == 0
    if task == "question":
        return output == UNANSWERABLE or (0 < len(output.split()) <= 8
                                          and not output.endswith("."))
    if task == "summarize":
        return len(output.split()) >= 6 and output.endswith((".", '"'))
    raise UserError(f"unknown task {task!r} — known: {', '.join(TASKS)}")


def _entity_scores(outputs, refs):
    tp = n_pred = n_true = 0
    for out, ref in zip(outputs, refs):
        found, bad = parse_entities(out)
        gold = list(ref["entities"])
        n_true += len(gold)
        n_pred += len(found) + bad
        for item in found:
            if item in gold:
                gold.remove(item)
                tp += 1
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    return {"entity_f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r}


def score(task, outputs, refs):
    """``task``'s own metrics of ``outputs`` (strings) against its examples ``refs``; every
    dict has "score" (the headline: ROUGE-L, exact match, accuracy, Pearson, entity F1; 0–1),
    "metric" (its name) and "valid" (the share of outputs of the task's kind)."""
    outputs = [o.strip() for o in outputs]
    if len(outputs) != len(refs) or not refs:
        raise ValueError(f"{len(outputs)} outputs for {len(refs)} examples")
    out = {"n": len(refs), "valid": float(np.mean([valid(task, o) for o in outputs]))}
    if task == "summarize":
        rouge = rouge_lib.rouge(outputs, [r["target"] for r in refs])
        out.update(metric="ROUGE-L", score=rouge["rougeL"], rouge1=rouge["rouge1"],
                   rouge2=rouge["rouge2"], facts=facts_lib.corpus_fact_accuracy(
                       outputs, [r["facts"] for r in refs]))
    elif task == "question":
        # "unanswerable" is SQuAD 2.0's empty answer; an invalid output (empty, a sentence)
        # is wrong even where the answer is empty
        preds = {r["id"]: ("" if o == UNANSWERABLE else o if valid(task, o) else "\0")
                 for o, r in zip(outputs, refs)}
        s = squad.squad_scores(preds, refs)
        out.update(metric="exact match", score=s["exact_match"] / 100, f1=s["f1"] / 100)
    elif task == "classify":
        out.update(metric="accuracy", score=float(np.mean(
            [o == r["target"] for o, r in zip(outputs, refs)])))
    elif task == "stsb":
        from scipy import stats  # lazy, as rouge-score is: ≈0.5 s that decoding never needs
        pred = [(_float(o) if _float(o) is not None else -1.0) for o in outputs]
        gold = [r["score"] for r in refs]
        constant = len(set(pred)) < 2
        out.update(metric="Pearson", score=0.0 if constant else float(stats.pearsonr(pred, gold)[0]),
                   spearman=0.0 if constant else float(stats.spearmanr(pred, gold)[0]),
                   mae=float(np.mean(np.abs(np.asarray(pred) - gold))))
    elif task == "entities":
        s = _entity_scores(outputs, refs)
        out.update(metric="entity F1", score=s["entity_f1"], precision=s["precision"],
                   recall=s["recall"])
    else:
        raise UserError(f"unknown task {task!r} — known: {', '.join(TASKS)}")
    return out
