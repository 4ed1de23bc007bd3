"""Fine-tune a ``make train`` checkpoint's body for NER or QA, through ``trax.supervised``.

    FinetuneConfig(task="ner"|"qa", checkpoint=DIR, output_dir=OUT, ...)
    finetune(config) -> results dict      trains (or resumes), evaluates, writes OUT/

    OUT/config.json     {"task", "tags" (NER), "model_args", "finetune": the config, "base"}
    OUT/vocab.subwords  the base checkpoint's vocabulary
    OUT/model.pkl.gz    the Loop checkpoint (``summarizer.loop.TrainLoop``: atomic, verified,
                        resumed when the same command runs again)
    OUT/results.json    held-out scores (``evaluate``): NER entity P/R/F1, QA EM/F1

``init="pretrained"`` starts the body from the checkpoint's weights; ``init="random"`` from a
seeded random initialisation of the same shape and vocabulary — the control of the transfer
study (``benchmarks/study_transfer.py``). Data: the generated splits (``transfer.data``) unless
``train_file``/``eval_file`` name a CoNLL (NER) or SQuAD (QA) file. Loss: the weighted
cross-entropy of the logits (tag per first subword; start and end position), Adam without
weight decay (so ``freeze``'s units stay as they were), linear warm-up then constant.
"""
import dataclasses
import json
import pathlib
import time

import jax
import numpy as np
import trax
from trax import layers as tl
from trax.supervised import training as trax_training

from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.summarizer import checkpoint
from trax_models.summarizer.loop import TrainLoop
from trax_models.summarizer.streams import BatchStream, FixedBatches
from trax_models.transfer import align, data, formats, infer, models

__all__ = ["FinetuneConfig", "finetune", "load_examples", "batches", "TASKS"]

TASKS = ("ner", "qa")
INITS = ("pretrained", "random")
BUCKETS = (64, 128, 256, 384, 512, 768, 1024, 2048)


@dataclasses.dataclass
class FinetuneConfig:
    """What a fine-tuning run does (stored in OUT/config.json as "finetune")."""
    task: str
    checkpoint: str            # the base model (make train's output): body, shape, vocabulary
    output_dir: str
    init: str = "pretrained"   # or "random": same shape and vocabulary, random weights
    train_file: str = None     # CoNLL (ner) / SQuAD (qa); None: the generated split
    eval_file: str = None
    steps: int = 300
    batch_size: int = 16
    lr: float = 1e-3
    warmup_steps: int = 30
    freeze: int = 0            # units frozen from the bottom (models.Body)
    echo: bool = False         # text fed twice: both-sided context (align's docstring)
    dropout: float = 0.1
    max_tokens: int = None     # longest input; default the base model's max_len
    seed: int = 0
    data_seed: int = 0
    n_train: int = data.DEFAULT_SIZES["train"]   # generated articles (no train_file)
    n_test: int = data.DEFAULT_SIZES["test"]
    eval_every: int = 100
    eval_batches: int = 4

    def check(self):
        if self.task not in TASKS:
            raise UserError(f"unknown task {self.task!r} — choose {' or '.join(TASKS)}")
        if self.init not in INITS:
            raise UserError(f"--init {self.init!r}: choose {' or '.join(INITS)}")
        for name in ("steps", "batch_size", "eval_every", "eval_batches", "n_train", "n_test"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"--{name} must be a positive integer, got {value!r}")
        if not (isinstance(self.lr, (int, float)) and 0 < self.lr < 1):
            raise UserError(f"--lr must be in (0, 1), got {self.lr!r}")
        if not 0 <= self.dropout < 1:
            raise UserError(f"--dropout must be in [0, 1), got {self.dropout!r}")


HELD_OUT = 0.1  # share of a --train_file held out for evaluation when no --eval_file is given


def load_examples(config, split):
    """The task's examples of ``split`` ("train"/"test"): NER [(words, tags)], QA SQuAD dicts.

    With a ``train_file`` and no ``eval_file``, a seeded ``HELD_OUT`` share of the train file's
    examples (QA: of its contexts, so no article is on both sides) is the test split.
    """
    if config.train_file is not None and config.eval_file is None:
        examples = _read(config.task, config.train_file)
        keys = sorted({_group(config.task, e) for e in examples})
        if len(keys) < 2:
            raise UserError(f"{config.train_file} has a single example — pass --eval_file too, "
                            "or bring more examples")
        order = np.random.default_rng(config.data_seed).permutation(len(keys))
        held = {keys[i] for i in order[:max(1, round(HELD_OUT * len(keys)))]}
        return [e for e in examples if (_group(config.task, e) in held) == (split == "test")]
    path = config.train_file if split == "train" else config.eval_file
    if path is None:
        sizes = {"train": config.n_train, "test": config.n_test}
        path = data.ensure_data(config.data_seed, sizes) / (
            f"{config.task}-{split}." + ("conll" if config.task == "ner" else "json"))
    return _read(config.task, path)


def _read(task, path):
    return formats.read_conll(path) if task == "ner" else formats.read_squad(path)


def _group(task, example):
    """What a held-out split keeps together: a NER sentence, a QA context."""
    return " ".join(example[0]) if task == "ner" else example["context"]


def tag_set(examples):
    """O first, then every type's B-/I- tags, sorted: the classes of a tagger."""
    kinds = sorted({t[2:] for _, tags in examples for t in tags if t != "O"})
    return ["O"] + [f"{p}-{k}" for k in kinds for p in "BI"]


def windows_of(task, encoder, examples, max_tokens, echo, tags=None):
    """Every training window of ``examples`` (align's ``Window``s)."""
    out = []
    if task == "ner":
        index = {t: i for i, t in enumerate(tags)}
        for words, word_tags in examples:
            text, spans = infer.join_words(words)
            unknown = sorted(set(word_tags) - set(index))
            if unknown:
                raise UserError(f"tag(s) {', '.join(unknown)} are not among the model's tags "
                                f"({', '.join(tags)}) — evaluate with data of the same tag set")
            out += align.ner_windows(encoder, spans, text, [index[t] for t in word_tags],
                                     max_tokens, echo)[0]
    else:
        for e in examples:
            answer = infer.answer_span(e)
            out += align.qa_windows(encoder, e["question"], e["context"], answer, max_tokens,
                                    echo)[0]
    return out


def _pad(rows, length, value=0):
    out = np.full((len(rows), length), value, dtype=rows[0].dtype)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def batch_of(task, windows, max_len=None):
    """Padded arrays of windows: NER (tokens, targets, weights), QA (tokens, allowed, targets,
    weights); the length the next ``BUCKETS`` boundary, at most ``max_len`` (the model's
    positions: a base of max_len 96 gets batches of 96, not 128)."""
    longest = max(len(w.tokens) for w in windows)
    length = next((b for b in BUCKETS if b >= longest), longest)
    length = length if max_len is None else max(longest, min(length, max_len))
    tokens = _pad([w.tokens for w in windows], length)
    if task == "ner":
        return (tokens, _pad([w.targets for w in windows], length),
                _pad([w.weights for w in windows], length))
    return (tokens, _pad([w.allowed for w in windows], length),
            np.stack([w.targets for w in windows]), np.stack([w.weights for w in windows]))


def batches(task, windows, batch_size, seed, full_only=True, max_len=None):
    """Endless, seeded batches: each epoch shuffled, windows of similar length together
    (padded as ``batch_of`` says).

    ``full_only``: only batches of exactly ``batch_size`` (training: one shape per bucket);
    otherwise the last, smaller batch of a group too (eval data smaller than a batch)."""
    if not windows or (full_only and len(windows) < batch_size):
        raise UserError(f"{len(windows)} windows of data, fewer than a batch of {batch_size} — "
                        "bring more data or lower --batch_size")
    rng = np.random.default_rng(seed)
    pool = 20 * batch_size
    while True:
        order = rng.permutation(len(windows))
        groups = []
        for a in range(0, len(order), pool):
            chunk = sorted(order[a:a + pool], key=lambda i: len(windows[i].tokens))
            groups += [chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size)]
        for g in rng.permutation(len(groups)):
            if len(groups[g]) == batch_size or not full_only:  # few shapes: few compilations
                yield batch_of(task, [windows[i] for i in groups[g]], max_len)


def _model(task, n_tags, args, mode, freeze):
    if task == "ner":
        return models.TokenTagger(n_tags, mode=mode, freeze=freeze, **args)
    return models.SpanExtractor(mode=mode, freeze=freeze, **args)


def _settings(config, base_args):
    args = {k: v for k, v in base_args.items() if k != "dropout"}
    max_tokens = config.max_tokens or args["max_len"]
    if not 16 <= max_tokens <= args["max_len"]:
        raise UserError(f"--max_tokens {max_tokens}: choose 16 … the base model's max_len "
                        f"{args['max_len']}")
    return args, max_tokens


def finetune(config, log=print):
    """Train (or resume) ``config``'s fine-tuning run, evaluate it on held-out data.

    Returns:
      results dict (also OUT/results.json): the config, training time, final loss, and the
      held-out scores of ``infer.evaluate``.
    """
    config.check()
    flat, base_args, vocab_path, base_kind = models.pretrained_body(config.checkpoint)
    args, max_tokens = _settings(config, base_args)
    encoder = vocab.load_vocab(vocab_path)
    train_examples = load_examples(config, "train")
    eval_examples = load_examples(config, "test")
    tags = tag_set(train_examples) if config.task == "ner" else None
    train_windows = windows_of(config.task, encoder, train_examples, max_tokens, config.echo, tags)
    eval_windows = windows_of(config.task, encoder, eval_examples, max_tokens, config.echo, tags)
    out = pathlib.Path(config.output_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    record = {"task": config.task, "tags": tags, "model_args": {**args, "dropout": config.dropout},
              "max_tokens": max_tokens, "echo": config.echo,
              "finetune": dataclasses.asdict(config),
              "base": {"checkpoint": str(pathlib.Path(config.checkpoint).resolve()),
                       "model": base_kind}}
    with checkpoint.one_writer(out):
        checkpoint.save_config(out, record, vocab_path)
        train_model = _model(config.task, len(tags or ()), {**args, "dropout": config.dropout},
                             "train", config.freeze)
        stream = BatchStream(batches(config.task, train_windows, config.batch_size, config.seed,
                                     max_len=args["max_len"]))
        train_model.rng = jax.random.PRNGKey(config.seed)
        train_model.init(trax.shapes.signature(stream.peek()))
        if config.init == "pretrained":
            models.load_body(train_model, flat, config.checkpoint)
        fixed = FixedBatches(batches(config.task, eval_windows, config.batch_size,
                                     config.seed + 1, full_only=False, max_len=args["max_len"]),
                             config.eval_batches)
        task = trax_training.TrainTask(
            labeled_data=stream, loss_layer=tl.WeightedCategoryCrossEntropy(),
            optimizer=trax.optimizers.Adam(config.lr, weight_decay_rate=0.0),
            lr_schedule=trax.lr.warmup(config.warmup_steps, config.lr),
            n_steps_per_checkpoint=config.eval_every, sample_batch=stream.peek())
        eval_task = trax_training.EvalTask(
            labeled_data=fixed, n_eval_batches=config.eval_batches,
            metrics=[tl.WeightedCategoryCrossEntropy(), tl.WeightedCategoryAccuracy()],
            metric_names=["loss", "accuracy"], sample_batch=fixed.batches[0])
        losses = []
        loop = TrainLoop(
            train_model, task, eval_model=_model(config.task, len(tags or ()), args, "eval",
                                                 config.freeze),
            eval_tasks=[eval_task], output_dir=str(out), random_seed=config.seed,
            eval_at=lambda s: s % config.eval_every == 0 or s == config.steps,
            checkpoint_at=lambda s: s % config.eval_every == 0 or s == config.steps,
            permanent_checkpoint_at=lambda s: False,
            on_step=lambda step, loss, _: losses.append(loss),
            on_eval=lambda step, m: log(f"step {step}: held-out loss {m['loss']:.3f}, "
                                        f"accuracy {m['accuracy']:.3f}"),
            fingerprint=checkpoint.describe(f"{config.task}-{config.init}", record["model_args"],
                                            vocab_path))
        start = time.perf_counter()
        if loop.step < config.steps:
            loop.run(config.steps - loop.step)
        seconds = time.perf_counter() - start
        reader = infer.Finetuned.from_checkpoint(out)
        scores = reader.evaluate(eval_examples)
        results = {"task": config.task, "init": config.init, "freeze": config.freeze,
                   "lr": config.lr, "echo": config.echo, "steps": loop.step,
                   "train_seconds": round(seconds, 1),
                   "final_train_loss": float(np.mean(losses[-20:])) if losses else None,
                   "n_train_windows": len(train_windows), "n_eval": len(eval_examples),
                   "scores": scores}
        atomic_write_text(out / "results.json", json.dumps(results, indent=2) + "\n")
    return results
