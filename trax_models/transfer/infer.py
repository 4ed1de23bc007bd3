"""A fine-tuned tagger or reader from its directory: tags for text, answers for questions.

    m = Finetuned.from_checkpoint(OUT)        # written by ``transfer.finetune``
    m.tag(text) -> [(word, start, end, tag)]   # NER
    m.answer(question, context) -> {"text", "start", "end", "score", "no_answer_score"}  # QA
    m.evaluate(examples) -> scores             # NER [(words, tags)] or QA SQuAD dicts

Decoding knows the model only as a jitted ``logits(tokens[, allowed])`` function. Long texts
are cut into windows (``align``); a QA answer is the best span over all windows (start ≤ end,
at most ``MAX_ANSWER_TOKENS`` subwords, score = start logit + end logit) unless "no answer"
scores higher in every window's best case (SQuAD 2.0's rule: the lowest no-answer score
across windows against the best span). ``score`` is the span's probability in its window
(softmax of the start logits × of the end logits over the allowed positions).
"""
import json
import pathlib

import jax
import numpy as np

from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.summarizer import checkpoint
from trax_models.transfer import align, data, metrics, models
from trax_models.weights import load_flat_weights

__all__ = ["Finetuned", "join_words", "answer_span", "MAX_ANSWER_TOKENS"]

MAX_ANSWER_TOKENS = 30
_BATCH = 16


_NO_SPACE_BEFORE = set(".,;:!?%)]}'")
_NO_SPACE_AFTER = set("([{$")


def join_words(words):
    """Words → (text, [(word, start, end)]), spaced as written text is: no space before
    ``.,;:!?%)`` or after ``($``, none around a hyphen, and a double quote attached to the
    words it encloses (alternately opening and closing). The generated splits' words rejoin
    to their article exactly, so tagging reads the text as pre-training read it."""
    spans, pieces, pos, quotes = [], [], 0, 0
    previous = None
    for w in words:
        opening = w == '"' and quotes % 2 == 0
        space = previous is not None and not (
            (w in _NO_SPACE_BEFORE and w != "'") or (w == '"' and not opening) or w == "-"
            or previous in _NO_SPACE_AFTER or previous == "-" or previous == "OPEN_QUOTE")
        if w == '"':
            quotes += 1
        if space:
            pieces.append(" ")
            pos += 1
        spans.append((w, pos, pos + len(w)))
        pieces.append(w)
        pos += len(w)
        previous = "OPEN_QUOTE" if opening else w
    return "".join(pieces), spans


def answer_span(example):
    """(start, end) characters of a SQuAD example's first answer, or None."""
    if not example["answers"]:
        return None
    a = example["answers"][0]
    return a["answer_start"], a["answer_start"] + len(a["text"])


def _softmax(x):
    x = x - x.max()
    e = np.exp(x)
    return e / e.sum()


class Finetuned:
    """A fine-tuning run's model, weights loaded, in eval mode (see the module docstring)."""

    def __init__(self, directory, record, model, encoder):
        self.directory, self.record, self.encoder = directory, record, encoder
        self.task = record["task"]
        self.tags = record.get("tags")
        self.max_tokens, self.echo = record["max_tokens"], record["echo"]
        weights, state = model.weights, model.state
        rng = jax.random.PRNGKey(0)
        self._logits = jax.jit(lambda *x: model.pure_fn(x if len(x) > 1 else x[0], weights,
                                                          state, rng)[0])

    @classmethod
    def from_checkpoint(cls, directory):
        """Load OUT/config.json, OUT/vocab.subwords and OUT/model.pkl.gz of a fine-tuning run.

        Raises:
          UserError: not such a directory, or its files are missing or damaged.
        """
        directory = pathlib.Path(directory).expanduser()
        path = directory / checkpoint.CONFIG_FILE
        if not path.is_file():
            raise UserError(f"{directory} has no {checkpoint.CONFIG_FILE} — pass the "
                            "--output_dir of `python -m trax_models finetune`")
        try:
            record = json.loads(path.read_text())
            if isinstance(record, dict) and "task" not in record and (  # a summarizer's run:
                    "model" in record or (directory / checkpoint.CHECKPOINT_FILE).is_file()):
                kind = record.get("model") or checkpoint.load_config(directory)["model"]
                raise UserError(f"{directory} holds a {kind} summarizer, not a "
                                "fine-tuned NER or QA model — fine-tune it first: python -m "
                                f"trax_models finetune --task ner --checkpoint {directory} "
                                "--output_dir OUT")
            task = record["task"]
            args = dict(record["model_args"])
            record["max_tokens"], record["echo"]
        except (ValueError, KeyError, TypeError) as e:
            raise UserError(f"{path} is not a fine-tuning config ({type(e).__name__}: {e}) — "
                            "pass the --output_dir of `python -m trax_models finetune`") from None
        if task not in ("ner", "qa"):
            raise UserError(f"{path} is a {task!r} model, not a fine-tuned NER or QA model "
                            "(summarizers are used with `summarize`)")
        encoder = vocab.load_vocab(str(directory / checkpoint.VOCAB_FILE))
        contents = checkpoint.read_checkpoint(directory / checkpoint.CHECKPOINT_FILE)
        args.pop("dropout", None)
        freeze = record.get("finetune", {}).get("freeze", 0)
        model = (models.TokenTagger(len(record["tags"]), mode="eval", freeze=freeze, **args)
                 if task == "ner" else models.SpanExtractor(mode="eval", freeze=freeze, **args))
        models.init(model, 16, pairs=task == "qa")
        load_flat_weights(model, contents["flat_weights"], directory)
        return cls(directory, record, model, encoder)

    def _run(self, windows, pairs):
        """Logits of every window, in order: NER (n, n_tags) each, QA (2, n) each."""
        out = []
        for a in range(0, len(windows), _BATCH):
            group = windows[a:a + _BATCH]
            longest = max(len(w.tokens) for w in group)
            length = min(16 * -(-longest // 16),  # few distinct shapes: few compilations
                         max(longest, self.record["model_args"]["max_len"]))
            tokens = np.zeros((len(group), length), np.int32)
            allowed = np.zeros((len(group), length), np.float32)
            for i, w in enumerate(group):
                tokens[i, :len(w.tokens)] = w.tokens
                if pairs:
                    allowed[i, :len(w.tokens)] = w.allowed
            logits = np.asarray(self._logits(tokens, allowed) if pairs else self._logits(tokens))
            out += [logits[i][..., :len(w.tokens)] if pairs else logits[i, :len(w.tokens)]
                    for i, w in enumerate(group)]
        return out

    # --- NER -------------------------------------------------------------------------------
    def require(self, task):
        """UserError unless this is a ``task`` ("ner"/"qa") model."""
        if self.task != task:
            raise UserError(f"{self.directory} is a {self.task.upper()} model — use the "
                            f"`{self.task}` command with it")

    def tag_words(self, words, text=None, spans=None):
        """BIO tags of ``words`` (spans in ``text`` if given, else the words joined)."""
        self.require("ner")
        if text is None:
            text, spans = join_words(words)
        if not spans:
            return []
        windows, positions = align.ner_windows(self.encoder, spans, text, None,
                                               self.max_tokens, self.echo)
        logits = self._run(windows, pairs=False)
        return ["O" if p is None else self.tags[int(np.argmax(logits[p[0]][p[1]]))]
                for p in positions]

    def tag(self, text):
        """[(word, start, end, tag)] of ``text``, words as ``data.words_of`` splits them."""
        spans = data.words_of(text)
        tags = self.tag_words([w for w, _, _ in spans], text, spans)
        return [(w, a, b, t) for (w, a, b), t in zip(spans, tags)]

    # --- QA --------------------------------------------------------------------------------
    def answer(self, question, context):
        """The answer span of ``question`` in ``context`` (text "" when there is none)."""
        self.require("qa")
        if not question.strip():
            raise UserError("the question is empty — pass --question \"...\"")
        windows, sub = align.qa_windows(self.encoder, question, context, None,
                                        self.max_tokens, self.echo)
        best, no_answer = None, None
        for w, logits in zip(windows, self._run(windows, pairs=True)):
            start, end = logits[0], logits[1]
            null_score = float(start[w.null] + end[w.null])
            no_answer = null_score if no_answer is None else min(no_answer, null_score)
            lo, hi = w.offset, w.offset + (w.last - w.first)  # the labelled context copy
            if hi <= lo:
                continue
            s, e = start[lo:hi], end[lo:hi]
            scores = s[:, None] + e[None, :]
            i, j = np.indices(scores.shape)
            scores = np.where((j >= i) & (j - i < MAX_ANSWER_TOKENS), scores, -np.inf)
            k = np.unravel_index(int(np.argmax(scores)), scores.shape)
            if best is None or scores[k] > best[0]:
                mask = w.allowed > 0
                p = (_softmax(np.where(mask, start, -np.inf))[lo + k[0]]
                     * _softmax(np.where(mask, end, -np.inf))[lo + k[1]])
                best = (float(scores[k]), w.first + int(k[0]), w.first + int(k[1]), float(p))
        if best is None or no_answer >= best[0]:
            return {"text": "", "start": None, "end": None, "score": None,
                    "no_answer_score": no_answer}
        a, b = sub.starts[best[1]], sub.ends[best[2]]
        raw = context[a:b]
        b = a + len(raw.rstrip())
        return {"text": context[a:b], "start": a, "end": b, "score": best[3],
                "no_answer_score": no_answer, "span_score": best[0]}

    # --- Evaluation ------------------------------------------------------------------------
    def evaluate(self, examples):
        """Held-out scores: NER ``metrics.entity_scores``, QA ``metrics.squad_scores``."""
        if self.task == "ner":
            predicted = [self.tag_words(words) for words, _ in examples]
            return metrics.entity_scores([tags for _, tags in examples], predicted)
        predictions = {e["id"]: self.answer(e["question"], e["context"])["text"]
                       for e in examples}
        return metrics.squad_scores(predictions, examples)
