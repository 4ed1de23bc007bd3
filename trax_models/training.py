"""Training the summarizer: the graded ``training_loop`` (UNQ_C8) and ``python -m trax_models train``.

Two layers of API:

* ``training_loop(TransformerLM, train_gen, eval_gen, output_dir="~/model")`` — the course's
  graded function, exactly: Adam(0.01), ``warmup_and_rsqrt_decay(1000, 0.01)``, checkpoint
  every 10 steps, eval with CrossEntropyLoss + Accuracy, a tiny TransformerLM.
* ``train(config)`` / ``cli(argv)`` — what ``make train`` runs: the same ``trax`` Loop with the
  course model at a CPU-sized configuration, plus what a long run needs:

    TrainLoop       trax's Loop with one-file atomic checkpoints (trax_models.checkpoint) that
                    also hold the RNG key and the data position, a shape check on resume,
                    a stop on NaN/inf, progress callbacks
    BatchStream     the train batches, numbered: a resumed run skips the batches already
                    consumed, so the losses after ``kill -9`` + resume equal an uninterrupted
                    run's, bit for bit on CPU
    FixedBatches    the same few eval batches at every eval (comparable numbers over time)

Batches are (inputs, targets, mask), each (batch, length) int, as ``trax_models.data`` makes
them; the loss is the course's ``tl.CrossEntropyLoss`` weighted by the mask (summary tokens).
Data parallelism: the Loop uses every local JAX device (``pmap``), splitting each batch
across them; batch sizes must divide by the device count.
"""
import argparse
import dataclasses
import json
import math
import os
import pathlib
import shutil
import sys
import time

import numpy as np

import trax_models  # noqa: F401  (compat first)
import gin
import jax
import trax
from trax import layers as tl
from trax.supervised import training

from trax_models import checkpoint
from trax_models.errors import UserError

__all__ = ["training_loop", "TrainConfig", "TrainLoop", "BatchStream", "FixedBatches",
           "synthetic_batches",
           "NonFiniteLossError", "make_loop", "train", "cli"]


# --- The course's graded function (UNQ_C8) ----------------------------------------------------

def training_loop(TransformerLM, train_gen, eval_gen, output_dir="~/model"):  # noqa: N803
    """The course's training loop for the summarizer (UNQ_C8).

    Args:
      TransformerLM: the model function (called with d_model=4, d_ff=16, n_layers=1,
        n_heads=2, mode='train': a tiny model that trains in seconds).
      train_gen, eval_gen: iterators of (inputs, targets, mask) batches, (batch, length) int.
      output_dir: where checkpoints and event files go (``~`` expanded).

    Returns:
      trax.supervised.training.Loop, ready to ``run(n_steps)``.
    """
    output_dir = os.path.expanduser(output_dir)
    lr_schedule = trax.lr.warmup_and_rsqrt_decay(n_warmup_steps=1000, max_value=0.01)

    train_task = training.TrainTask(
        labeled_data=train_gen,
        loss_layer=tl.CrossEntropyLoss(),
        optimizer=trax.optimizers.Adam(0.01),
        lr_schedule=lr_schedule,
        n_steps_per_checkpoint=10,
    )
    eval_task = training.EvalTask(
        labeled_data=eval_gen,
        metrics=[tl.CrossEntropyLoss(), tl.Accuracy()],
    )
    loop = training.Loop(TransformerLM(d_model=4, d_ff=16, n_layers=1, n_heads=2, mode='train'),
                         train_task,
                         eval_tasks=[eval_task],
                         output_dir=output_dir)
    return loop


# --- Data streams that a resumed run can rewind to ----------------------------------------------

class BatchStream:
    """An endless batch iterator whose batches are numbered (``position`` = batches consumed).

    The Loop consumes batch k at step k + 1, so after resuming at step s, ``skip_to(s)`` puts
    the stream where the interrupted run was: the input pipeline is deterministic for a seed,
    so the same batches follow.
    """

    def __init__(self, batches):
        self._batches = iter(batches)
        self._peeked = None
        self.position = 0
        self.last_batch = None

    def peek(self):
        """The next batch, without consuming it (the Loop's sample batch for shapes)."""
        if self._peeked is None:
            self._peeked = next(self._batches)
        return self._peeked

    def __iter__(self):
        return self

    def __next__(self):
        batch = self.peek()
        self._peeked = None
        self.position += 1
        self.last_batch = batch
        return batch

    def skip_to(self, position):
        """Consume batches until ``position`` have been consumed (forward only)."""
        if position < self.position:
            raise ValueError(f"cannot rewind a batch stream from {self.position} to {position}")
        while self.position < position:
            next(self)


def synthetic_batches(batch_size=4, length=32, vocab_size=40, seed=0):
    """Endless, seeded batches of a copy task laid out like ``data.make_streams``'s.

    For smoke tests and demos: "article" = random ids in [2, vocab_size), "summary" = its first
    quarter; inputs = targets = article + [EOS, SEP] + summary + [EOS], 0-padded to ``length``;
    mask 1 over summary + EOS. Every row has the same number of summary tokens.

    Yields:
      (inputs, targets, mask), each (batch_size, length) int32.
    """
    rng = np.random.default_rng(seed)
    n_summary = length // 4
    n_article = length - n_summary - 4
    while True:
        inputs = np.zeros((batch_size, length), np.int32)
        mask = np.zeros((batch_size, length), np.int32)
        for row in range(batch_size):
            article = rng.integers(2, vocab_size, n_article)
            joint = np.concatenate([article, [1, 0], article[:n_summary], [1]])
            inputs[row, :len(joint)] = joint
            mask[row, n_article + 2:len(joint)] = 1
        yield inputs, inputs.copy(), mask


class FixedBatches:
    """The first ``n`` batches of ``batches``, repeated: every eval sees the same data."""

    def __init__(self, batches, n):
        self.batches = [next(batches) for _ in range(n)]
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        batch = self.batches[self._i % len(self.batches)]
        self._i += 1
        return batch


# --- The Loop, made safe to kill --------------------------------------------------------------

class NonFiniteLossError(UserError):
    """The loss (or the weights) became NaN or infinite; the last good checkpoint is kept."""


class TrainLoop(training.Loop):
    """``trax.supervised.training.Loop`` whose checkpoints survive a kill and resume exactly.

    Differences from trax's Loop (all through overridden methods; trax is not patched):

    * ``save_checkpoint`` writes ONE self-contained file (weights, optimizer slots, state,
      step, history, RNG key) atomically (``checkpoint.write_checkpoint``); trax writes three
      files one after the other, so a kill between them pairs new weights with an old step.
      Weights that are no longer finite are never written.
    * ``load_checkpoint`` refuses a checkpoint of another shape (``UserError`` naming both
      shapes; trax silently keeps freshly initialized weights where shapes differ), restores
      the RNG key and fast-forwards ``BatchStream`` train data to the step.
    * evals do not draw from the training RNG (so evaluating does not change training).
    * a NaN/inf loss stops training with ``NonFiniteLossError``.
    * ``on_step(step, loss, batch)`` / ``on_eval(step, metrics)`` callbacks for progress.
    """

    def __init__(self, *args, on_step=None, on_eval=None, verbose=False, **kwargs):
        self._on_step = on_step
        self._on_eval = on_eval
        self._verbose = verbose
        self.last_checkpoint_step = None
        super().__init__(*args, **kwargs)

    def _log_step(self, msg, stdout=True):
        """trax's per-step log lines go to the log, not stdout (progress shows the same)."""
        super()._log_step(msg, stdout=stdout and self._verbose)

    def _log_training_progress(self, task, total_loss, n_steps, elapsed_time,
                               optimizer_metrics, summary_writer):
        """trax's version minus its bare print(''): the same TensorBoard scalars."""
        n_steps = max(1, n_steps)
        if self.step == 1:
            self._log_n_weights()
        self._log_step(f"Ran {n_steps} train steps in {elapsed_time:0.2f} secs")
        self.log_summary({task.loss_name: total_loss / float(n_steps)}, summary_writer,
                         "metrics/", "train")
        if self.step == 1:
            self._save_gin(summary_writer)
        train_parameters = {"learning_rate": task.learning_rate(self.step),
                            "steps per second": n_steps / elapsed_time}
        train_parameters.update({k: v / n_steps for k, v in optimizer_metrics.items()})
        self.log_summary(train_parameters, summary_writer, "training/", "train", stdout=False)

    def _checkpoint_path(self, basename):
        return os.path.join(self._output_dir, basename + ".pkl.gz")

    def save_checkpoint(self, basename):
        """Write ``<output_dir>/<basename>.pkl.gz`` atomically (see the class docstring)."""
        if self._output_dir is None or not self.is_chief:
            return
        weights, state = self._model.weights, self._model.state
        flat_weights, flat_state = tl.flatten_weights_and_state(weights, state)
        _, flat_eval_state = tl.flatten_weights_and_state(weights, self._eval_model.state)
        flat_weights = [np.asarray(w) for w in self._to_bits(flat_weights)]
        if not all(np.isfinite(w).all() for w in flat_weights if w.dtype.kind == "f"):
            raise NonFiniteLossError(
                f"the weights are NaN/inf at step {self.step}: training stopped; "
                f"{self._kept_checkpoint_message()} Lower --lr or raise --warmup_steps.")
        slots_per_task = [
            [np.asarray(s) for s in self._to_bits(training._flatten_and_remove_empty(t.slots))]
            for t in self._trainer_per_task]
        as_numpy = lambda xs: [np.asarray(x) if hasattr(x, "shape") else x for x in xs]  # noqa
        contents = {
            "step": self.step,
            "flat_weights": flat_weights,
            "flat_state": as_numpy(flat_state),
            "flat_eval_state": as_numpy(flat_eval_state),
            "history": self._history.to_dict(),
            "slots_per_task": slots_per_task,
            "input_signature": self._batch_signature[:self._model.n_in],
            "version_timestamp": "Mar-10-2021",  # trax's format marker
            "rng": np.asarray(jax.random.key_data(self._rng)
                              if jax.dtypes.issubdtype(self._rng.dtype, jax.dtypes.prng_key)
                              else self._rng),
            "data_position": [getattr(t.labeled_data, "position", None) for t in self._tasks],
        }
        checkpoint.write_checkpoint(self._checkpoint_path(basename), contents)
        if basename == "model":
            self.last_checkpoint_step = self.step

    def _kept_checkpoint_message(self):
        if self.last_checkpoint_step is None:
            return "no checkpoint had been written yet."
        return (f"the last good checkpoint (step {self.last_checkpoint_step}) is kept in "
                f"{self._checkpoint_path('model')}.")

    def load_checkpoint(self, directory=None, filename=None):
        """Resume from ``<directory>/<filename>.pkl.gz`` if it exists (see the class docstring)."""
        directory = directory or self._output_dir
        if directory is None:
            return
        path = os.path.join(directory, (filename or "model") + ".pkl.gz")
        if not os.path.exists(path):
            return
        contents = checkpoint.read_checkpoint(path)
        checkpoint.check_weight_shapes(self._model, checkpoint._flat_weights(contents, path),
                                       path)
        super().load_checkpoint(directory, filename)
        if "rng" in contents:
            self._rng = jax.numpy.asarray(contents["rng"], dtype=self._rng.dtype)
        self.last_checkpoint_step = self._step
        for task in self._tasks:
            if isinstance(task.labeled_data, BatchStream):
                task.labeled_data.skip_to(self._step)

    def _run_one_step(self, task_index, task_changed):
        loss, stats = super()._run_one_step(task_index, task_changed)
        value = float(np.mean(np.asarray(loss)))
        if not math.isfinite(value):
            raise NonFiniteLossError(
                f"the training loss is {value} at step {self.step}: training stopped; "
                f"{self._kept_checkpoint_message()} Lower --lr or raise --warmup_steps.")
        if self._on_step is not None:
            self._on_step(self.step, value, getattr(self._tasks[task_index].labeled_data,
                                                    "last_batch", None))
        return loss, stats

    def run_evals(self, summary_writers=None):
        rng = self._rng  # evals run in eval mode: keep the training RNG sequence unchanged
        super().run_evals(summary_writers)
        self._rng = rng
        if self._on_eval is not None and self._eval_tasks:
            metrics = {name: float(self.history.get("eval", f"metrics/{name}")[-1][1])
                       for task in self._eval_tasks for name in task.metric_names}
            self._on_eval(self.step, metrics)


# --- Configuration ------------------------------------------------------------------------------

@dataclasses.dataclass
class TrainConfig:
    """Everything a training run depends on (CLI flags and gin ``TrainConfig.*`` bindings)."""
    # data
    source: str = "default"          # "default" | "cnn_dailymail" | path of .jsonl/.csv/.tsv
    data_dir: str = None             # prepared TFDS data_dir (cnn_dailymail) / corpus cache
    article_key: str = None          # field names for JSONL/CSV files
    summary_key: str = None
    eval_fraction: float = None      # held-out fraction of a single file (seeded split)
    vocab_file: str = None           # subword vocabulary; default: the source's own
    vocab_size: int = 4000           # size of a vocabulary built for the source
    max_length: int = 512            # longest article + summary (articles truncated to fit)
    boundaries: tuple = (256, 384)   # bucket boundaries (token lengths)
    batch_sizes: tuple = (16, 12, 8)  # one per bucket, +1 for the longest bucket
    shuffle_buffer: int = 2048
    article_weight: float = 0.1      # loss weight of article tokens (course: 0 = summary only)
    # model (the course's TransformerLM at CPU size)
    model: str = "transformer_lm"
    d_model: int = 128
    d_ff: int = 512
    n_layers: int = 2
    n_heads: int = 4
    dropout: float = 0.0
    # optimization
    steps: int = 1200
    lr: float = 0.005                # peak learning rate (Adam)
    warmup_steps: int = 100          # linear warm-up, then rsqrt decay (trax's schedule)
    seed: int = 0
    # bookkeeping
    output_dir: str = "build/model"
    eval_every: int = 100
    eval_batches: int = 4
    checkpoint_every: int = 100
    fresh: bool = False              # delete output_dir's checkpoint and start over
    # the report at the end
    rouge_articles: int = 100        # held-out articles summarized for ROUGE (0 = skip)
    samples: int = 3                 # of which printed
    max_summary_len: int = 64        # decoding cap (tokens)
    verbose: bool = False

    def model_args(self):
        return {"vocab_size": None, "d_model": self.d_model, "d_ff": self.d_ff,
                "n_layers": self.n_layers, "n_heads": self.n_heads, "dropout": self.dropout,
                "max_len": self.max_length}

    def source_options(self):
        keys = ("data_dir", "article_key", "summary_key", "eval_fraction")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


@gin.configurable("TrainConfig")
def _gin_train(**bindings):
    """gin target: ``TrainConfig.steps = 3000`` etc. in a --gin_file or --gin_param."""
    return bindings


def _check_config(config):
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    for k, v in [("steps", config.steps), ("d_model", config.d_model),
                 ("n_layers", config.n_layers), ("n_heads", config.n_heads),
                 ("max_length", config.max_length), ("eval_every", config.eval_every),
                 ("checkpoint_every", config.checkpoint_every), ("eval_batches",
                                                                 config.eval_batches)]:
        if not isinstance(v, int) or v < 1:
            raise UserError(f"--{k} must be a positive integer, got {v!r}")
    if config.d_model % config.n_heads:
        raise UserError(f"--d_model {config.d_model} must be divisible by --n_heads "
                        f"{config.n_heads} (each head gets d_model / n_heads dimensions)")
    if not (config.lr > 0 and math.isfinite(config.lr)):
        raise UserError(f"--lr must be a positive number, got {config.lr!r}")
    if len(config.batch_sizes) != len(config.boundaries) + 1:
        raise UserError(f"--batch_sizes needs one more entry than --boundaries: got "
                        f"{list(config.batch_sizes)} for {list(config.boundaries)}")
    if list(config.boundaries) != sorted(set(config.boundaries)):
        raise UserError(f"--boundaries must increase: {list(config.boundaries)}")
    n_devices = jax.local_device_count()
    bad = [b for b in config.batch_sizes if b < 1 or b % n_devices]
    if bad:
        raise UserError(f"batch sizes {bad} do not split evenly over the {n_devices} JAX "
                        f"devices: pass --batch_sizes that are multiples of {n_devices}")
    return fields


# --- Building and running -----------------------------------------------------------------------

def make_loop(config, vocab_size, train_batches, eval_batches, on_step=None, on_eval=None):
    """The ``TrainLoop`` for ``config``: model, Adam + warm-up/rsqrt schedule, tasks.

    Args:
      config: TrainConfig.
      vocab_size: the vocabulary's size (the model's output dimension).
      train_batches: iterator of (inputs, targets, mask) batches; wrapped in a BatchStream.
      eval_batches: iterator of batches; ``config.eval_batches`` of them are kept and reused.

    Returns:
      TrainLoop; if ``config.output_dir`` holds a checkpoint, resumed from it.
    """
    model_args = dict(config.model_args(), vocab_size=vocab_size)
    build = lambda mode: checkpoint.build_model(  # noqa: E731
        {"model": config.model, "model_args": model_args}, mode=mode)
    stream = train_batches if isinstance(train_batches, BatchStream) else BatchStream(
        train_batches)
    train_task = training.TrainTask(
        labeled_data=stream,
        loss_layer=tl.CrossEntropyLoss(),
        optimizer=trax.optimizers.Adam(config.lr),
        lr_schedule=trax.lr.warmup_and_rsqrt_decay(config.warmup_steps, config.lr),
        n_steps_per_checkpoint=config.checkpoint_every,
        sample_batch=stream.peek(),
    )
    fixed = FixedBatches(eval_batches, config.eval_batches)
    eval_task = training.EvalTask(
        labeled_data=fixed,
        metrics=[tl.CrossEntropyLoss(), tl.Accuracy()],
        n_eval_batches=config.eval_batches,
        sample_batch=fixed.batches[0],
    )
    every = config.eval_every
    return TrainLoop(
        build("train"), train_task, eval_model=build("eval"), eval_tasks=[eval_task],
        output_dir=config.output_dir, random_seed=config.seed,
        eval_at=lambda step: step == 1 or step % every == 0 or step == config.steps,
        checkpoint_at=lambda step: step % config.checkpoint_every == 0 or step == config.steps,
        permanent_checkpoint_at=lambda step: False,
        on_step=on_step, on_eval=on_eval, verbose=config.verbose)


def _saved_config_differences(output_dir, config_dict):
    """Settings in ``config_dict`` that differ from ``output_dir``'s config.json (if any)."""
    path = pathlib.Path(output_dir) / checkpoint.CONFIG_FILE
    if not path.is_file():
        return {}
    saved = json.loads(path.read_text())
    diffs = {}
    for section in ("model_args", "data", "train"):
        for k, v in config_dict.get(section, {}).items():
            old = saved.get(section, {}).get(k)
            if k in saved.get(section, {}) and json.loads(json.dumps(v)) != old:
                diffs[f"{section}.{k}"] = (old, v)
    return diffs


def train(config):
    """Train (or resume) a summarizer as ``config`` says; returns the results dict.

    Writes into ``config.output_dir``: config.json, vocab.subwords, model.pkl.gz (atomic,
    every ``checkpoint_every`` steps), train/ and eval/ TensorBoard events, progress.jsonl
    (one line per step: step, loss, tokens), loss_curve.png and results.json.
    """
    from trax_models import data, decoding, evaluation, train_report

    _check_config(config)
    out = pathlib.Path(config.output_dir).expanduser()
    if config.fresh and out.exists():
        for name in (checkpoint.CHECKPOINT_FILE, checkpoint.CONFIG_FILE, "progress.jsonl",
                     "results.json", "loss_curve.png", "config.gin"):
            (out / name).unlink(missing_ok=True)
        for name in ("train", "eval"):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    config.output_dir = str(out)

    # The encoder–decoder reads (article, summary) pairs; the LM one joint sequence, whose
    # article tokens can carry a small loss weight (an encoder has no loss on the article).
    seq2seq = config.model == "encoder_decoder"
    article_weight = None if seq2seq else config.article_weight
    t_start = time.perf_counter()
    print(f"data: {config.source} (preparing the pipeline; the default corpus and its "
          "vocabulary are generated on first use)", flush=True)
    try:
        vocab_path = data.vocab_for(config.source, config.vocab_file, vocab_size=config.vocab_size,
                                    **config.source_options())
        vocab_size = data.load_vocab(vocab_path).vocab_size
        stats = data.DataStats()
        train_batches, eval_batches = data.make_streams(
            config.source, vocab_file=vocab_path, max_length=config.max_length,
            boundaries=config.boundaries, batch_sizes=config.batch_sizes,
            shuffle_buffer=config.shuffle_buffer, seed=config.seed, stats=stats,
            concat=not seq2seq, article_weight=article_weight, **config.source_options())
    except (data.DataError, FileNotFoundError) as e:
        raise UserError(str(e)) from None
    t_data = time.perf_counter() - t_start

    config_dict = {
        "model": config.model,
        "model_args": dict(config.model_args(), vocab_size=vocab_size),
        "data": {"source": config.source, **config.source_options(),
                 "max_length": config.max_length, "boundaries": list(config.boundaries),
                 "batch_sizes": list(config.batch_sizes), "shuffle_buffer": config.shuffle_buffer,
                 "article_weight": article_weight, "pairs": seq2seq, "seed": config.seed},
        "train": {"steps": config.steps, "lr": config.lr, "warmup_steps": config.warmup_steps,
                  "seed": config.seed, "optimizer": "Adam", "loss": "CrossEntropyLoss",
                  "schedule": "warmup_and_rsqrt_decay"},
    }
    diffs = _saved_config_differences(out, config_dict)
    model_diffs = {k: v for k, v in diffs.items() if k.startswith("model_args")}
    if model_diffs and (out / checkpoint.CHECKPOINT_FILE).exists():
        # the weight shapes are checked when the Loop loads: let that name the shapes first
        pass
    elif diffs:
        print("warning: resuming with settings that differ from the first run "
              f"({', '.join(f'{k}: {a} → {b}' for k, (a, b) in diffs.items())}): the losses "
              "will not match an uninterrupted run", file=sys.stderr)

    progress = train_report.Progress(total_steps=config.steps, log_path=out / "progress.jsonl",
                                     count_targets=seq2seq)
    t0 = time.perf_counter()
    loop = make_loop(config, vocab_size, train_batches, eval_batches,
                     on_step=progress.on_step, on_eval=progress.on_eval)
    if model_diffs:  # same weight shapes but another architecture (e.g. n_heads): refuse
        raise UserError(f"{out} holds a checkpoint of another model: " + ", ".join(
            f"{k.split('.')[1]} {a} there, {b} here" for k, (a, b) in model_diffs.items())
            + " — use those settings or another --output_dir (or --fresh).")
    checkpoint.save_config(out, config_dict, vocab_path)
    t_build = time.perf_counter() - t0

    n_params = sum(int(np.size(w)) for w in
                   tl.flatten_weights_and_state(loop.model.weights, ())[0])
    print(f"model: {config.model} d_model={config.d_model} d_ff={config.d_ff} "
          f"n_layers={config.n_layers} n_heads={config.n_heads} vocab={vocab_size} "
          f"max_len={config.max_length}: {n_params:,} weights; {loop.n_devices} "
          f"{jax.default_backend()} device(s)", flush=True)
    start_step = loop.step
    if start_step:
        print(f"resuming from {out / checkpoint.CHECKPOINT_FILE} at step {start_step}",
              flush=True)
    progress.start(start_step)
    t1 = time.perf_counter()
    if loop.step < config.steps:
        try:
            loop.run(config.steps - loop.step)
        finally:
            progress.close()
    t_train = time.perf_counter() - t1

    results = {
        "steps": loop.step, "resumed_from": start_step, "n_weights": n_params,
        "devices": f"{loop.n_devices}x{jax.default_backend()}",
        "seconds": {"data_setup": round(t_data, 1), "build": round(t_build, 1),
                    "train": round(t_train, 1)},
        "train_throughput": progress.throughput(),
        "data_stats": dataclasses.asdict(stats),
    }
    eval_hist = {name: loop.history.get("eval", f"metrics/{name}")
                 for name in ("CrossEntropyLoss", "Accuracy")}
    if eval_hist["CrossEntropyLoss"]:
        results["eval"] = {name: float(h[-1][1]) for name, h in eval_hist.items() if h}
    train_report.plot_loss_curve(loop.history, out / "loss_curve.png", out / "progress.jsonl")
    print(f"loss curve: {out / 'loss_curve.png'}; TensorBoard: tensorboard --logdir {out}")

    if config.rouge_articles > 0:
        t2 = time.perf_counter()
        try:
            held_out = data.pairs(config.source, "validation", seed=config.seed,
                                  **config.source_options())
        except (data.DataError, FileNotFoundError) as e:
            raise UserError(str(e)) from None
        decoder = decoding.for_model(config.model, config_dict["model_args"],
                                     loop.eval_model.weights, vocab_file=vocab_path,
                                     max_new_tokens=config.max_summary_len)
        report = evaluation.summarize_and_score(
            decoder, held_out, n_articles=config.rouge_articles, n_samples=config.samples,
            max_new_tokens=config.max_summary_len, batch_size=16)
        results["heldout"] = report
        results["seconds"]["heldout"] = round(time.perf_counter() - t2, 1)
    results["seconds"]["total"] = round(time.perf_counter() - t_start, 1)
    checkpoint.atomic_write(out / "results.json",
                            lambda f: f.write((json.dumps(results, indent=2) + "\n").encode()))
    print(f"done in {results['seconds']['total']:.0f} s; results: {out / 'results.json'}; "
          f"checkpoint: {out}  (summarize with: python -m trax_models summarize "
          f"--checkpoint {out} FILE)")
    return results


# --- CLI ----------------------------------------------------------------------------------------

def _ints(text):
    try:
        return tuple(int(x) for x in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 256,512 — got {text!r}")


def _parser():
    d = TrainConfig()
    p = argparse.ArgumentParser(
        prog="python -m trax_models train",
        description="Train the course's Transformer summarizer (TransformerLM over article + "
                    "[EOS, SEP] + summary, loss on the summary; or --model encoder_decoder: "
                    "article → encoder, summary → decoder) with trax's training Loop. "
                    "Re-running the same command resumes from the last checkpoint in "
                    "--output_dir. Settings come from the defaults, then --gin_file / "
                    "--gin_param bindings (TrainConfig.steps = 3000, and any trax configurable), "
                    "then the flags given here.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = p.add_argument_group("data")
    g.add_argument("--source", default=d.source,
                   help="'default' (the embedded generated news corpus), 'cnn_dailymail' "
                        "(needs --data_dir with the prepared TFDS dataset), or a .jsonl/.csv/"
                        ".tsv file of (article, summary) pairs")
    g.add_argument("--data_dir", help="TFDS data_dir for cnn_dailymail / the corpus cache")
    g.add_argument("--article_key", help="article field of a JSONL/CSV file (default: article)")
    g.add_argument("--summary_key", help="summary field of a JSONL/CSV file (default: summary)")
    g.add_argument("--eval_fraction", type=float,
                   help="held-out fraction of a single file (split fixed by --seed)")
    g.add_argument("--vocab_file", help="subword vocabulary file (default: the source's own; "
                                        "built from the training split and cached)")
    g.add_argument("--vocab_size", type=int, default=d.vocab_size,
                   help="target size of a vocabulary built for the source")
    g.add_argument("--max_length", type=int, default=d.max_length,
                   help="longest article+summary in tokens (encoder_decoder: longest article, "
                        "and summary); longer articles are truncated; also the model's max_len")
    g.add_argument("--boundaries", type=_ints, default=d.boundaries,
                   help="bucket boundaries, e.g. 256,384")
    g.add_argument("--batch_sizes", type=_ints, default=d.batch_sizes,
                   help="batch size per bucket (one more than boundaries), multiples of the "
                        "device count")
    g.add_argument("--shuffle_buffer", type=int, default=d.shuffle_buffer)
    g.add_argument("--article_weight", type=float, default=d.article_weight,
                   help="transformer_lm only: loss weight of the article tokens (the course: 0, "
                        "the loss is on the summary only); a small value also trains the "
                        "language model on the articles: more signal per example, faster "
                        "learning to copy names")
    g = p.add_argument_group("model")
    g.add_argument("--model", default=d.model, choices=sorted(checkpoint.MODELS),
                   help="transformer_lm: the course's decoder-only model; encoder_decoder: the "
                        "full Transformer (bidirectional encoder, causal decoder with cross-"
                        "attention; --n_layers blocks in each stack, separate embeddings)")
    g.add_argument("--d_model", type=int, default=d.d_model)
    g.add_argument("--d_ff", type=int, default=d.d_ff)
    g.add_argument("--n_layers", type=int, default=d.n_layers)
    g.add_argument("--n_heads", type=int, default=d.n_heads)
    g.add_argument("--dropout", type=float, default=d.dropout)
    g = p.add_argument_group("optimization")
    g.add_argument("--steps", type=int, default=d.steps, help="total training steps")
    g.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (Adam)")
    g.add_argument("--warmup_steps", type=int, default=d.warmup_steps,
                   help="linear warm-up steps, then 1/sqrt(step) decay")
    g.add_argument("--seed", type=int, default=d.seed,
                   help="seed for initialization, dropout, shuffling and splits")
    g = p.add_argument_group("output")
    g.add_argument("--output_dir", default=d.output_dir,
                   help="checkpoint directory (resumed if it holds a checkpoint)")
    g.add_argument("--fresh", action="store_true", help="discard output_dir's checkpoint first")
    g.add_argument("--eval_every", type=int, default=d.eval_every, help="steps between evals")
    g.add_argument("--eval_batches", type=int, default=d.eval_batches,
                   help="held-out batches per eval")
    g.add_argument("--checkpoint_every", type=int, default=d.checkpoint_every)
    g.add_argument("--rouge_articles", type=int, default=d.rouge_articles,
                   help="held-out articles summarized at the end for ROUGE (0: skip)")
    g.add_argument("--samples", type=int, default=d.samples,
                   help="held-out samples printed at the end")
    g.add_argument("--max_summary_len", type=int, default=d.max_summary_len,
                   help="cap on generated summary tokens")
    g.add_argument("--verbose", action="store_true", help="also print trax's own log lines")
    g = p.add_argument_group("gin")
    g.add_argument("--gin_file", action="append", default=[],
                   help="gin config file(s): TrainConfig.<flag> = value, plus trax configurables")
    g.add_argument("--gin_param", action="append", default=[],
                   help="one gin binding, e.g. \"TrainConfig.steps = 100\" (repeatable)")
    return p


def config_from_args(argv):
    """TrainConfig from defaults ← gin bindings (``TrainConfig.*``) ← flags given explicitly."""
    parser = _parser()
    args = parser.parse_args(argv)
    explicit = {k: v for k, v in vars(args).items() if v != parser.get_default(k)}
    gin_values = {}
    if args.gin_file or args.gin_param:
        gin.clear_config()  # bindings of an earlier call in this process do not leak in
        try:
            gin.parse_config_files_and_bindings(args.gin_file, args.gin_param)
        except (OSError, ValueError, SyntaxError, KeyError) as e:
            raise UserError(f"bad gin configuration: {e}") from None
        gin_values = _gin_train()
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(gin_values) - fields)
    if unknown:
        raise UserError("unknown gin setting(s) " + ", ".join(f"TrainConfig.{k}" for k in unknown)
                        + " — use the flag names of --help")
    values = {k: getattr(args, k) for k in fields if hasattr(args, k)}
    values.update(gin_values)
    values.update({k: v for k, v in explicit.items() if k in fields})
    for k in ("boundaries", "batch_sizes"):
        values[k] = tuple(values[k])
    return TrainConfig(**values)


def cli(argv):
    """``python -m trax_models train [options]``: see ``--help``."""
    config = config_from_args(argv)
    train(config)
    return 0
