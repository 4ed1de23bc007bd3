"""trax's training Loop, made safe to kill: the one place that touches trax's private names.

    make_loop(config, model_config, train_batches, eval_batches, on_step, on_eval) -> TrainLoop
    TrainLoop            ``trax.supervised.training.Loop`` with atomic one-file checkpoints
    NonFiniteLossError   a NaN/inf loss or weights stopped training

Private trax attributes used here (trax 1.4.1; each is read or overridden in ``TrainLoop``):
``Loop._to_bits``, ``_trainer_per_task``, ``_batch_signature``, ``_model``, ``_eval_model``,
``_history``, ``_rng``, ``_step``, ``_tasks``, ``_eval_tasks``, ``_output_dir``,
``_log_step``, ``_log_n_weights``, ``_save_gin``, ``_log_training_progress``,
``_run_one_step``, ``training._flatten_and_remove_empty`` and ``training.unpickle_from_file``
(replaced during ``Loop.load_checkpoint`` by the contents already read and verified).
"""
import contextlib
import math
import os

import jax
import numpy as np
import trax
from trax import layers as tl
from trax.supervised import training as trax_training

from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, registry
from trax_models.summarizer.streams import BatchStream, FixedBatches
from trax_models.weights import check_weight_shapes

__all__ = ["NonFiniteLossError", "TrainLoop", "make_loop"]


class NonFiniteLossError(UserError):
    """The loss (or the weights) became NaN or infinite; the last good checkpoint is kept."""


class TrainLoop(trax_training.Loop):
    """``trax.supervised.training.Loop`` whose checkpoints survive a kill and resume exactly.

    Differences from trax's Loop (all through overridden methods; trax is not patched):

    * ``save_checkpoint`` writes ONE self-contained file (weights, optimizer slots, state,
      step, history, RNG key) atomically (``checkpoint.write_checkpoint``); trax writes three
      files one after the other, so a kill between them pairs new weights with an old step.
      Weights that are no longer finite are never written.
    * ``load_checkpoint`` refuses a checkpoint of another structure or shape (``UserError``
      naming the key, or the weight, slot or state and both shapes; trax silently keeps freshly
      initialized values where shapes differ), restores the RNG key and fast-forwards
      ``BatchStream`` train data to the step.
    * evals do not draw from the training RNG (so evaluating does not change training).
    * a NaN/inf loss stops training with ``NonFiniteLossError``.
    * ``on_step(step, loss, batch)`` / ``on_eval(step, metrics)`` callbacks for progress.
    """

    def __init__(self, *args, on_step=None, on_eval=None, verbose=False, fingerprint=None,
                 **kwargs):
        self._fingerprint = fingerprint  # checkpoint.fingerprint of the model trained
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
            [np.asarray(s) for s in self._to_bits(trax_training._flatten_and_remove_empty(t.slots))]
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
            "fingerprint": self._fingerprint,
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
        contents = checkpoint.read_checkpoint(path, for_training=True)  # verified, checked
        check_weight_shapes(self._model, contents["flat_weights"], path)
        if self._fingerprint is not None:  # what no shape shows: n_heads, the vocabulary
            checkpoint.check_fingerprint(
                contents.get("fingerprint"), self._fingerprint, path, "this run's settings",
                hint="use the settings it was trained with, another --output_dir, or --fresh")
        self._check_training_state(contents, path)
        # trax re-derives the weight tree from the model's input signature: this loop's own
        # (what save_checkpoint writes), not one read from the file
        signature = self._batch_signature[:self._model.n_in]
        with _contents_for_trax(dict(contents, input_signature=signature)):
            super().load_checkpoint(directory, filename)
        if "rng" in contents:
            self._rng = jax.numpy.asarray(contents["rng"], dtype=self._rng.dtype)
        self.last_checkpoint_step = self._step
        for task in self._tasks:
            if isinstance(task.labeled_data, BatchStream):
                task.labeled_data.skip_to(self._step)

    def _check_training_state(self, contents, path):
        """UserError unless the optimizer slots, model states and RNG key of ``contents`` fit
        this loop: where they do not, trax stops with an IndexError or silently keeps fresh
        values."""
        _, state = tl.flatten_weights_and_state(self._model.weights, self._model.state)
        _, eval_state = tl.flatten_weights_and_state(self._model.weights, self._eval_model.state)
        slots = [s for t in self._trainer_per_task
                 for s in trax_training._flatten_and_remove_empty(t.slots)]
        saved_slots = [s for task_slots in contents["slots_per_task"] for s in task_slots]
        _check_fits(path, "optimizer slots", saved_slots, slots)
        _check_fits(path, "model state", contents["flat_state"], state)
        if "flat_eval_state" in contents:
            _check_fits(path, "eval model state", contents["flat_eval_state"], eval_state)
        if "rng" in contents:
            _check_fits(path, "RNG key", [contents["rng"]], [self._rng])

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


def _check_fits(path, what, saved, expected):
    """UserError unless the checkpoint's arrays ``saved`` have the shapes of ``expected``."""
    got, want = [np.shape(a) for a in saved], [np.shape(a) for a in expected]
    if got == want:
        return
    if len(got) != len(want):
        detail = f"{len(got)} arrays in the checkpoint, {len(want)} in the model"
    else:
        i = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
        detail = f"#{i} has shape {got[i]} in the checkpoint but {want[i]} in the model"
    raise UserError(f"{path} does not fit the model ({what}: {detail}) — restore it from a "
                    "copy, or start afresh (train --fresh)")


def _rows_of_this_process(batches):
    """This process's share of the rows of every global batch (``compat``'s multi-process
    update joins them back into the global batch: each process gets B / processes rows)."""
    index, count = jax.process_index(), jax.process_count()
    for batch in batches:
        rows = len(batch[0]) // count
        yield tuple(x[index * rows:(index + 1) * rows] for x in batch)


@contextlib.contextmanager
def _contents_for_trax(contents):
    """trax's ``Loop.load_checkpoint`` reads the file again with ``unpickle_from_file`` (no
    digest check, and unaware of the digest header): hand it the verified contents instead."""
    original = trax_training.unpickle_from_file
    trax_training.unpickle_from_file = lambda *args, **kwargs: dict(contents)
    try:
        yield
    finally:
        trax_training.unpickle_from_file = original


def make_loop(config, model_config, train_batches, eval_batches, on_step=None, on_eval=None,
              fingerprint=None):
    """The ``TrainLoop`` for ``config``: model, Adam + warm-up/rsqrt schedule, tasks.

    Args:
      config: TrainConfig.
      model_config: the model's ``registry.ModelConfig`` (vocab_size included).
      train_batches: iterator of (inputs, targets, mask) batches; wrapped in a BatchStream.
      eval_batches: iterator of batches; ``config.eval_batches`` of them are kept and reused.
      fingerprint: ``checkpoint.fingerprint`` of the model, stored in each checkpoint and
        compared with a checkpoint resumed from.

    Returns:
      TrainLoop; if ``config.output_dir`` holds a checkpoint, resumed from it.
    """
    kind = registry.kind(config.model)
    if jax.process_count() > 1:  # each process feeds its rows of the global batch
        train_batches = BatchStream(_rows_of_this_process(train_batches))
    stream = train_batches if isinstance(train_batches, BatchStream) else BatchStream(
        train_batches)
    model, loss_layer = kind.training(model_config)
    train_task = trax_training.TrainTask(
        labeled_data=stream,
        loss_layer=loss_layer,
        optimizer=trax.optimizers.Adam(config.lr),
        lr_schedule=trax.lr.warmup_and_rsqrt_decay(config.warmup_steps, config.lr),
        n_steps_per_checkpoint=config.checkpoint_every,
        sample_batch=stream.peek(),
    )
    fixed = FixedBatches(eval_batches, config.eval_batches)
    eval_task = trax_training.EvalTask(
        labeled_data=fixed,
        metrics=[tl.CrossEntropyLoss(), tl.Accuracy()],
        n_eval_batches=config.eval_batches,
        sample_batch=fixed.batches[0],
    )
    every = config.eval_every
    return TrainLoop(
        model, train_task,
        eval_model=kind.build(model_config, "eval"), eval_tasks=[eval_task],
        output_dir=config.output_dir, random_seed=config.seed,
        eval_at=lambda step: step == 1 or step % every == 0 or step == config.steps,
        checkpoint_at=lambda step: step % config.checkpoint_every == 0 or step == config.steps,
        permanent_checkpoint_at=lambda step: False,
        on_step=on_step, on_eval=on_eval, verbose=config.verbose, fingerprint=fingerprint)
