"""The files NER and QA data come in: CoNLL-style tagged words and SQuAD-format JSON.

    read_conll(path) -> [(words, tags)]       one sentence (or document) per blank-line block
    write_conll(path, examples)
    read_squad(path) -> [{"id", "question", "context", "answers", "is_impossible"}]
    write_squad(path, examples)

CoNLL: one token per line, its tag in the LAST whitespace-separated column (so the 2-column
"word TAG" form and CoNLL-2003's 4-column "word POS chunk TAG" both read), blank lines between
sentences, ``-DOCSTART-`` lines skipped. Tags are BIO (``O``, ``B-TYPE``, ``I-TYPE``; IOB1's
I-after-O is accepted, as conlleval does). SQuAD: the v1.1/v2.0 JSON ({"data": [{"paragraphs":
[{"context", "qas": [{"id", "question", "answers": [{"text", "answer_start"}],
"is_impossible"?}]}]}]}); every answer's text must sit at its ``answer_start`` in the context.

A bad file raises ``UserError`` naming the file, the line (CoNLL) or question id (SQuAD), what
is wrong and what to do.
"""
import json
import pathlib
import re

from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError

__all__ = ["read_conll", "write_conll", "read_squad", "write_squad", "TAG"]

TAG = re.compile(r"^(O|[BI]-[A-Za-z][\w.-]*)$")


def _text_of(path, what):
    path = pathlib.Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"{what} file {path} does not exist — pass an existing file")
    try:
        return path, path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start}) — save it "
                        "as UTF-8") from None
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror}") from None


def read_conll(path):
    """Tagged sentences of a CoNLL-style file: [(words, tags)], in file order."""
    path, text = _text_of(path, "CoNLL")
    examples, words, tags = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        columns = line.split()
        if not columns or columns[0] == "-DOCSTART-":
            if words:
                examples.append((words, tags))
                words, tags = [], []
            continue
        if len(columns) < 2:
            raise UserError(f"{path} line {number}: {line.strip()!r} has no tag — CoNLL lines "
                            "are 'word TAG' (the tag in the last column), blank lines between "
                            "sentences")
        if not TAG.match(columns[-1]):
            raise UserError(f"{path} line {number}: tag {columns[-1]!r} is not BIO — use O, "
                            "B-TYPE or I-TYPE (e.g. B-PERSON)")
        words.append(columns[0])
        tags.append(columns[-1])
    if words:
        examples.append((words, tags))
    if not examples:
        raise UserError(f"{path} has no tagged words — CoNLL lines are 'word TAG', blank "
                        "lines between sentences")
    return examples


def write_conll(path, examples):
    """Write [(words, tags)] as 'word TAG' lines, a blank line after each example (atomically)."""
    lines = []
    for words, tags in examples:
        if len(words) != len(tags):
            raise ValueError(f"{len(words)} words but {len(tags)} tags")
        lines += [f"{w} {t}" for w, t in zip(words, tags)] + [""]
    atomic_write_text(path, "\n".join(lines) + "\n")


def read_squad(path):
    """The questions of a SQuAD v1.1/v2.0 JSON file, flattened, answers checked."""
    path, text = _text_of(path, "SQuAD")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise UserError(f"{path} is not valid JSON ({e}) — SQuAD files are one JSON object "
                        '{"data": [...]}') from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise UserError(f'{path}: a SQuAD file is a JSON object with a "data" list of articles')
    out = []
    for a, article in enumerate(data["data"]):
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list):
            raise UserError(f'{path}: data[{a}] has no "paragraphs" list')
        for p, paragraph in enumerate(paragraphs):
            where = f"{path} data[{a}].paragraphs[{p}]"
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("context"), str):
                raise UserError(f'{where} has no "context" string')
            context = paragraph["context"]
            for q, qa in enumerate(paragraph.get("qas") or []):
                out.append(_question(qa, context, f"{where}.qas[{q}]", len(out)))
    if not out:
        raise UserError(f"{path} has no questions — each paragraph needs a \"qas\" list")
    return out


def _question(qa, context, where, n):
    if not isinstance(qa, dict) or not isinstance(qa.get("question"), str) or not qa["question"].strip():
        raise UserError(f'{where} has no "question" string')
    qid = str(qa.get("id", n))
    impossible = bool(qa.get("is_impossible", False))
    answers = qa.get("answers") or []
    if not isinstance(answers, list):
        raise UserError(f'{where} (id {qid}): "answers" must be a list')
    checked = []
    for answer in answers:
        if (not isinstance(answer, dict) or not isinstance(answer.get("text"), str)
                or not isinstance(answer.get("answer_start"), int)):
            raise UserError(f'{where} (id {qid}): each answer needs "text" (a string) and '
                            '"answer_start" (an integer)')
        start, value = answer["answer_start"], answer["text"]
        if not value.strip() or context[start:start + len(value)] != value:
            raise UserError(f"{where} (id {qid}): answer {value!r} is not at character {start} "
                            f"of the context — fix answer_start (the answer's offset)")
        checked.append({"text": value, "answer_start": start})
    if not checked and not impossible:
        raise UserError(f'{where} (id {qid}) has no answers and is not marked '
                        '"is_impossible": true — add an answer or mark it unanswerable')
    return {"id": qid, "question": qa["question"], "context": context,
            "answers": [] if impossible else checked, "is_impossible": impossible}


def write_squad(path, examples):
    """Write flattened questions as SQuAD 2.0 JSON, one paragraph per distinct context."""
    paragraphs, index = [], {}
    for e in examples:
        if e["context"] not in index:
            index[e["context"]] = len(paragraphs)
            paragraphs.append({"context": e["context"], "qas": []})
        paragraphs[index[e["context"]]]["qas"].append(
            {"id": e["id"], "question": e["question"], "answers": e["answers"],
             "is_impossible": e["is_impossible"]})
    data = {"version": "v2.0", "data": [{"title": "trax_models", "paragraphs": paragraphs}]}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False) + "\n")
