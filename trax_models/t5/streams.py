"""The multi-task model's batches: each task's examples, mixed, through the course's pipeline.

    make_streams(data.resolve("default", tasks="summarize,question", mixing="equal"), ...)
        -> (train batches, eval batches)       # what ``train --model t5`` trains on
    parse_tasks("summarize,stsb=300") -> {"summarize": 3000, "stsb": 300}

The registry's ``t5`` row hands ``make_streams`` to ``train`` in place of ``data.make_streams``,
with the same arguments (the resolved ``data.Data`` and the batch layout), so the rest of a
run — bucketing, the Loop, checkpoints, exact resume after a kill — is the encoder–decoder's.
Each task's stream is its training examples (``tasks.examples``, always the generator's seed
0) in a new seeded order every epoch; the streams are interleaved by ``mixing.mixture``
(trax's ``data.Parallel``) at the strategy's rates, then tokenized, shuffled, bucketed and
padded exactly as (article, summary) pairs are (``data.input_pipeline(concat=False)``). The
eval batches mix the held-out "validation" examples at the same rates.
"""
import numpy as np
import trax

from trax_models import data
from trax_models.errors import UserError
from trax_models.t5 import mixing as mixing_lib
from trax_models.t5 import tasks as task_lib

__all__ = ["DEFAULT_MIXING", "DATA_SEED", "EVAL_EXAMPLES", "parse_tasks", "check",
           "task_stream", "make_streams"]

DEFAULT_MIXING = "proportional:3000"   # T5's choice: examples-proportional with a cap K
DATA_SEED = 0        # the generator's seed of every task's examples (the order is --seed's)
EVAL_EXAMPLES = 200  # held-out examples per task in the eval batches


def parse_tasks(spec):
    """{task: training examples} of ``--tasks``: "summarize,question" or "stsb=300,…" (a
    task's own size); None or "all": every task at its default size."""
    if spec is None or str(spec).strip() == "all":
        return {name: t.train_size for name, t in task_lib.TASKS.items()}
    sizes = {}
    for item in filter(None, (s.strip() for s in str(spec).split(","))):
        name, _, n = item.partition("=")
        name = name.strip()
        if name not in task_lib.TASKS:
            raise UserError(f"--tasks: unknown task {name!r} — known: "
                            f"{', '.join(task_lib.TASKS)}")
        if name in sizes:
            raise UserError(f"--tasks names {name!r} twice")
        try:
            sizes[name] = int(n) if n.strip() else task_lib.TASKS[name].train_size
        except ValueError:
            raise UserError(f"--tasks: the size of {name!r} must be an integer, got {n!r}") from None
        if not 1 <= sizes[name] <= 10 ** 6:
            raise UserError(f"--tasks: the size of {name!r} must be from 1 to 1,000,000")
    if not sizes:
        raise UserError("--tasks is empty — name at least one of " + ", ".join(task_lib.TASKS))
    return sizes


def check(tasks=None, mixing=None):
    """UserError for a bad ``--tasks`` or ``--mixing`` (before any data work)."""
    parse_tasks(tasks)
    mixing_lib.Mixing.parse(mixing or DEFAULT_MIXING)


def task_stream(task, n, split="train", seed=0):
    """A function → endless iterator of (input, target) strings: ``task``'s first ``n``
    examples of ``split``, in a new order every epoch (seeded by ``seed`` and the task)."""
    def stream(_=None):
        examples = [(e["input"], e["target"]) for e in task_lib.examples(task, DATA_SEED, split, n)]
        rng = np.random.default_rng([seed, *task.encode()])
        while True:
            for i in rng.permutation(len(examples)):
                yield examples[i]
    return stream


def make_streams(resolved, *, max_length=256, boundaries=(128,), batch_sizes=(16, 16),
                 shuffle_buffer=1024, stats=None, **ignored):
    """(train batches, eval batches) of (inputs, targets, mask), as ``data.make_streams`` with
    ``concat=False``, from the task mixture of ``resolved`` (train's ``data.Data``): its
    source's options ``tasks`` (``parse_tasks``'s spec) and ``mixing`` (``Mixing.parse``'s,
    default ``DEFAULT_MIXING``), its seed (the order) and its vocabulary. The source must be
    "default": every task is written from the default corpus's generator."""
    source, vocab_file, seed = resolved.source, resolved.vocab_path, resolved.source.seed
    if source.name != "default":
        raise UserError(f"--source {source.name}: the multi-task model writes its tasks from the "
                        "default corpus's generator — leave --source out")
    tasks, mixing = source.options.get("tasks"), source.options.get("mixing")
    sizes = parse_tasks(tasks)
    rates = mixing_lib.rates(sizes, mixing_lib.Mixing.parse(mixing or DEFAULT_MIXING))
    train = mixing_lib.mixture({t: task_stream(t, n, "train", seed) for t, n in sizes.items()},
                               rates)
    evals = mixing_lib.mixture({t: task_stream(t, EVAL_EXAMPLES, "validation", seed)
                                for t in sizes}, rates)
    pipeline = data.input_pipeline(vocab_file, max_length=max_length, concat=False, stats=stats)
    bucket = trax.data.BucketByLength([min(b, max_length) for b in boundaries],
                                      list(batch_sizes))
    train_batches = bucket(data.shuffle(pipeline(train), shuffle_buffer, seed))
    eval_batches = bucket(pipeline(evals))
    return data.pad_lengths(train_batches, max_length), data.pad_lengths(eval_batches, max_length)
