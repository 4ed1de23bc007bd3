"""A trained multi-task model: answer prefixed inputs, score each task, check the prefix.

    model = Multitask.from_checkpoint("build/t5")          # a `train --model t5` run
    model.answer(["classify: …", "question: … context: …"]) -> [(task, output), …]
    evaluate(model, n=100) -> {task: tasks.score(...)}      # held-out "test" examples
    prefix_swap(model, n=30) -> {"matrix": {prompted task: {kind: share}}, "follows": share}
    report(config, model_name, model_config, weights, vocab_file)   # train's end-of-run report

Decoding is the summarizer's (``generate.Summarizer``: greedy, KV cache, batched; no copy
constraint — a label is not an article sentence), each task with its own cap on new tokens.
The prefix-swap check feeds the same text under every prefix (from held-out QA examples: the
question's article as ``summarize:``/``classify:``, its first sentences as ``entities:`` and as
the ``stsb`` pair) and counts which kind of output comes back (``tasks.valid``).
"""
import warnings

import numpy as np

from trax_models.errors import UserError
from trax_models.sources.extractive import split_sentences
from trax_models.summarizer import checkpoint, registry
from trax_models.summarizer.generate import Summarizer, TruncationWarning
from trax_models.t5 import streams
from trax_models.t5 import tasks as task_lib

__all__ = ["Multitask", "evaluate", "prefix_swap", "report", "swap_inputs", "trained_tasks"]


def trained_tasks(config):
    """The task names a run's config.json ("data": {"tasks"}) says it was trained on."""
    return list(streams.parse_tasks((config.get("data") or {}).get("tasks")))


class Multitask:
    """A multi-task model: ``answer`` prefixed inputs of the tasks it was trained on."""

    def __init__(self, model, model_args, weights, vocab_file, tasks):
        if registry.kind(model).streams is None:
            raise UserError(f"a {model} model is not a multi-task model — train one with "
                            "`python -m trax_models train --model t5`")
        self.tasks = list(tasks)
        self.summarizer = Summarizer(model, model_args, weights, vocab_file=vocab_file)

    @classmethod
    def from_checkpoint(cls, directory):
        config, weights = checkpoint.load_weights(directory)  # no model initialised
        if registry.kind(config["model"]).streams is None:
            raise UserError(f"{directory} holds a {config['model']} model, not a multi-task "
                            "one — train one with `python -m trax_models train --model t5`")
        return cls(config["model"], config["model_args"], weights,
                   config.get("vocab_path"), trained_tasks(config))

    def generate(self, task, inputs, batch_size=16):
        """Outputs (str) of ``inputs`` (prefixed strings, all of ``task``)."""
        with warnings.catch_warnings():  # an input longer than the encoder is cut: expected
            warnings.simplefilter("ignore", TruncationWarning)
            return [o.strip() for o in self.summarizer.summarize(
                list(inputs), batch_size=batch_size,
                max_new_tokens=min(task_lib.TASKS[task].max_new_tokens,
                                   self.summarizer.max_len - 1))]

    def answer(self, inputs, batch_size=16):
        """[(task, output)] of prefixed inputs; UserError for an empty one, an unknown prefix
        or a task this model was not trained on (before any decoding)."""
        parsed = [task_lib.parse(text, self.tasks)[0] for text in inputs]
        outputs = [None] * len(inputs)
        for task in dict.fromkeys(parsed):
            rows = [i for i, t in enumerate(parsed) if t == task]
            for i, out in zip(rows, self.generate(task, [inputs[i] for i in rows], batch_size)):
                outputs[i] = out
        return list(zip(parsed, outputs))


def evaluate(model, n=100, tasks=None, batch_size=16, split="test"):
    """{task: ``tasks.score``} on the first ``n`` held-out examples of each task."""
    scores = {}
    for task in tasks or model.tasks:
        refs = task_lib.examples(task, streams.DATA_SEED, split, n)
        outputs = model.generate(task, [r["input"] for r in refs], batch_size)
        scores[task] = dict(task_lib.score(task, outputs, refs),
                            samples=[{"input": r["input"][:200], "target": r["target"],
                                      "output": o} for r, o in zip(refs[:3], outputs[:3])])
    return scores


def swap_inputs(n=30, split="test"):
    """{task: [prefixed input]}: the same ``n`` texts under every prefix (see the module)."""
    qa = task_lib.examples("question", streams.DATA_SEED, split, 8 * n)
    texts, seen = [], set()
    for q in qa:
        question, context = task_lib.parse(q["input"])[1].values()
        sentences = split_sentences(context)
        if context not in seen and len(sentences) >= 2:
            seen.add(context)
            texts.append((question, context, sentences))
        if len(texts) == n:
            break
    f = task_lib.format_input
    return {"summarize": [f("summarize", text=c) for _, c, _ in texts],
            "question": [f("question", question=q, context=c) for q, c, _ in texts],
            "classify": [f("classify", text=c) for _, c, _ in texts],
            "stsb": [f("stsb", sentence1=s[0], sentence2=s[1]) for _, _, s in texts],
            "entities": [f("entities", text=" ".join(s[:2])) for _, _, s in texts]}


def prefix_swap(model, n=30, batch_size=16):
    """Which kind of output each prefix gets for the same texts: {"matrix": {prompted task:
    {kind: share of outputs valid as that kind}}, "follows": mean share of outputs of the
    prompted task's kind, "n": texts}. Only the model's own tasks are prompted."""
    inputs = swap_inputs(n)
    matrix = {}
    for task in model.tasks:
        outputs = model.generate(task, inputs[task], batch_size)
        matrix[task] = {kind: float(np.mean([task_lib.valid(kind, o) for o in outputs]))
                        for kind in model.tasks}
        matrix[task]["examples"] = outputs[:2]
    return {"matrix": matrix, "n": len(inputs["summarize"]),
            "follows": float(np.mean([matrix[t][t] for t in model.tasks]))}


def table(scores):
    """One line per task: its headline metric, the others, the share of valid outputs."""
    lines = []
    for task, s in scores.items():
        extra = {k: v for k, v in s.items() if isinstance(v, float)
                 and k not in ("score", "valid")}
        lines.append(f"  {task:10s} {s['metric']:12s} {s['score']:.3f}  valid {s['valid']:.2f}  "
                     + "  ".join(f"{k} {v:.3f}" for k, v in extra.items()))
    return "\n".join(lines)


def report(config, model_name, model_config, weights, vocab_file):
    """``train``'s end-of-run report for a multi-task run: each task's score on
    ``config.rouge_articles`` held-out examples (0: none), printed; the dict for results.json."""
    if config.rouge_articles <= 0:
        return None
    model = Multitask(model_name, model_config, weights, vocab_file,
                      streams.parse_tasks(config.tasks))
    scores = evaluate(model, config.rouge_articles)
    print(f"held-out scores ({config.rouge_articles} test examples per task, greedy):\n"
          + table(scores), flush=True)
    return scores
