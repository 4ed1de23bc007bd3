"""trax's training Loop, made safe to kill: the one place that touches trax's private names.

    make_loop(config, model_config, train_batches, eval_batches, on_step, on_eval) -> TrainLoop
    TrainLoop            ``trax.supervised.training.Loop`` with atomic one-file checkpoints
    NonFiniteLossError   a NaN/inf loss or weights stopped training

``TrainLoop`` writes and reads its checkpoint itself (``checkpoint.write_checkpoint`` /
``read_checkpoint``: one self-describing file) and restores it through trax's public
``Loop.update_weights_and_state``, the trainers' ``slots`` setter and
``trax.layers.unflatten_weights_and_state``; trax is not patched. The private names of
trax's Loop it still needs are listed, one line each saying why, in ``_PRIVATE_TRAX_NAMES``.
"""
import math
import os

import jax
import numpy as np
import trax
from trax import fastmath
from trax import layers as tl
from trax.supervised import history as trax_history
from trax.supervised import training as trax_training

from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, registry
from trax_models.summarizer.streams import BatchStream, FixedBatches
from trax_models.weights import check_weight_shapes

__all__ = ["NonFiniteLossError", "TrainLoop", "make_loop"]

# Every private name of trax's ``Loop`` (trax 1.4.1) this package uses, all of them here in
# ``TrainLoop`` and nowhere else: trax offers no public hook or setter for these.
_PRIVATE_TRAX_NAMES = {
    "_run_one_step": "overridden: a NaN/inf loss stops training; on_step gets each step's loss "
                     "(trax's StepCallback sees no loss)",
    "_log_step": "overridden: trax's per-step log lines go to the log, not stdout",
    "_log_training_progress": "overridden: trax's own, minus its bare print('')",
    "_log_n_weights": "called by that override at step 1, as trax's own does",
    "_save_gin": "called by that override at step 1, as trax's own does",
    "_trainer_per_task": "the trainers, whose .slots (the optimizer state) are saved and restored",
    "_step": "set on resume (Loop.step is read-only)",
    "_history": "set on resume (Loop.history is read-only)",
    "_rng": "the training RNG key: saved, restored on resume, kept unchanged by evals",
}


class NonFiniteLossError(UserError):
    """The loss (or the weights) became NaN or infinite; the last good checkpoint is kept."""


class TrainLoop(trax_training.Loop):
    """``trax.supervised.training.Loop`` whose checkpoints survive a kill and resume exactly.

    Differences from trax's Loop (all through overridden methods; trax is not patched):

    * ``save_checkpoint`` writes ONE self-describing file (``checkpoint``'s module docstring:
      the model's description, weights, optimizer slots, states, step, history, RNG key, data
      position) atomically; trax writes three files one after the other, so a kill between
      them pairs new weights with an old step. Weights that are no longer finite are never
      written.
    * ``load_checkpoint`` reads that file (trax's reader is not used) and refuses one of
      another model, structure or shape (``UserError`` naming the setting, or the weight,
      slot or state and both shapes; trax silently keeps freshly initialized values where
      shapes differ); it restores the RNG key and fast-forwards ``BatchStream`` train data.
    * evals do not draw from the training RNG (so evaluating does not change training).
    * a NaN/inf loss stops training with ``NonFiniteLossError``.
    * ``on_step(step, loss, batch)`` / ``on_eval(step, metrics)`` callbacks for progress.

    ``fingerprint``: ``checkpoint.describe`` of the model trained — the description each
    checkpoint holds, and what a checkpoint resumed from must hold.
    """

    def __init__(self, *args, on_step=None, on_eval=None, verbose=False, fingerprint=None,
                 **kwargs):
        self._description = fingerprint
        self._on_step = on_step
        self._on_eval = on_eval
        self._verbose = verbose
        self.last_checkpoint_step = None
        super().__init__(*args, **kwargs)  # calls load_checkpoint

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
        return os.path.join(self.output_dir, basename + ".pkl.gz")

    def _flat(self):
        """(flat weights, flat state, flat eval state, flat slots per task): the arrays a
        checkpoint holds, in trax's flat order, and what a checkpoint's must fit."""
        weights = self.model.weights
        flat_weights, flat_state = tl.flatten_weights_and_state(weights, self.model.state)
        _, flat_eval_state = tl.flatten_weights_and_state(weights, self.eval_model.state)
        slots = [_flat_slots(t.slots) for t in self._trainer_per_task]
        return flat_weights, flat_state, flat_eval_state, slots

    def save_checkpoint(self, basename):
        """Write ``<output_dir>/<basename>.pkl.gz`` atomically (see the class docstring)."""
        if self.output_dir is None or not self.is_chief:
            return
        flat_weights, flat_state, flat_eval_state, slots = self._flat()
        flat_weights = _numpy(flat_weights)
        if not all(np.isfinite(w).all() for w in flat_weights if w.dtype.kind == "f"):
            raise NonFiniteLossError(
                f"the weights are NaN/inf at step {self.step}: training stopped; "
                f"{self._kept_checkpoint_message()} Lower --lr or raise --warmup_steps.")
        rng = self._rng
        if jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):
            rng = jax.random.key_data(rng)
        contents = {
            **(self._description or {}),  # model, model_args, vocab_sha256
            "step": self.step,
            "flat_weights": flat_weights,
            "flat_state": _numpy(flat_state),
            "flat_eval_state": _numpy(flat_eval_state),
            "slots_per_task": [_numpy(s) for s in slots],
            "history": self.history.to_dict(),
            "rng": np.asarray(rng),
            "data_position": [getattr(t.labeled_data, "position", None) for t in self.tasks],
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
        """Resume from ``<directory>/<filename>.pkl.gz`` if it exists (see the class docstring).

        Everything is checked before anything is set: a refused checkpoint leaves the loop
        as it was built.
        """
        directory = directory or self.output_dir
        if directory is None:
            return
        path = os.path.join(directory, (filename or "model") + ".pkl.gz")
        if not os.path.exists(path):
            return
        contents = checkpoint.read_checkpoint(path, for_training=True)  # verified, checked
        if self._description is not None:  # what no shape shows: n_heads, the vocabulary
            checkpoint.check_fingerprint(
                checkpoint.description(contents), self._description, path,
                "this run's settings",
                hint="use the settings it was trained with, another --output_dir, or --fresh")
        check_weight_shapes(self.model, contents["flat_weights"], path)
        self._check_training_state(contents, path)
        flat_weights = list(contents["flat_weights"])  # into the trees of this loop's models
        weights, state = tl.unflatten_weights_and_state(
            flat_weights, list(contents["flat_state"]), (self.model.weights, self.model.state))
        _, eval_state = tl.unflatten_weights_and_state(
            flat_weights, list(contents["flat_eval_state"]),
            (self.model.weights, self.eval_model.state))
        for trainer, flat_slots in zip(self._trainer_per_task, contents["slots_per_task"]):
            trainer.slots, _ = fastmath.tree_unflatten(list(flat_slots), trainer.slots,
                                                       copy_from_tree=[None, ()])
        self.update_weights_and_state(weights, state)  # the model and the trainers' copies
        self.eval_model.weights, self.eval_model.state = self.model.weights, eval_state
        self._step = int(contents["step"])
        self._history = trax_history.History.from_dict(contents["history"])
        self._rng = jax.numpy.asarray(contents["rng"], dtype=self._rng.dtype)
        self.last_checkpoint_step = self.step
        for task in self.tasks:
            if isinstance(task.labeled_data, BatchStream):
                task.labeled_data.skip_to(self.step)

    def _check_training_state(self, contents, path):
        """UserError unless the optimizer slots, model states and RNG key of ``contents`` fit
        this loop: where they do not, trax stops with an IndexError or silently keeps fresh
        values."""
        _, state, eval_state, slots = self._flat()
        saved_slots = [s for task_slots in contents["slots_per_task"] for s in task_slots]
        _check_fits(path, "optimizer slots", saved_slots, [s for t in slots for s in t])
        _check_fits(path, "model state", contents["flat_state"], state)
        _check_fits(path, "eval model state", contents["flat_eval_state"], eval_state)
        _check_fits(path, "RNG key", [contents["rng"]], [self._rng])

    def _run_one_step(self, task_index, task_changed):
        loss, stats = super()._run_one_step(task_index, task_changed)
        value = float(np.mean(np.asarray(loss)))
        if not math.isfinite(value):
            raise NonFiniteLossError(
                f"the training loss is {value} at step {self.step}: training stopped; "
                f"{self._kept_checkpoint_message()} Lower --lr or raise --warmup_steps.")
        if self._on_step is not None:
            self._on_step(self.step, value, getattr(self.tasks[task_index].labeled_data,
                                                    "last_batch", None))
        return loss, stats

    def run_evals(self, summary_writers=None):
        rng = self._rng  # evals run in eval mode: keep the training RNG sequence unchanged
        super().run_evals(summary_writers)
        self._rng = rng
        if self._on_eval is not None and self.eval_tasks:
            metrics = {name: float(self.history.get("eval", f"metrics/{name}")[-1][1])
                       for task in self.eval_tasks for name in task.metric_names}
            self._on_eval(self.step, metrics)


def _flat_slots(slots):
    """An optimizer's slots tree as a flat list: its arrays, without the empty slots (None,
    ()) of weightless layers — what trax's own checkpoints hold."""
    return [s for s in fastmath.tree_flatten(slots) if s is not None and not _empty(s)]


def _empty(x):
    return isinstance(x, tuple) and not x


def _numpy(arrays):
    """Host copies of device arrays (other values as they are), to pickle."""
    return [np.asarray(a) if hasattr(a, "shape") else a for a in arrays]


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


def make_loop(config, model_config, train_batches, eval_batches, on_step=None, on_eval=None,
              fingerprint=None):
    """The ``TrainLoop`` for ``config``: model, Adam + warm-up/rsqrt schedule, tasks.

    Args:
      config: TrainConfig.
      model_config: the model's ``registry.ModelConfig`` (vocab_size included).
      train_batches: iterator of (inputs, targets, mask) batches; wrapped in a BatchStream.
      eval_batches: iterator of batches; ``config.eval_batches`` of them are kept and reused.
      fingerprint: ``checkpoint.describe`` of the model, stored in each checkpoint and
        compared with a checkpoint resumed from (default: the model's kind and arguments,
        without a vocabulary digest: every checkpoint describes itself).

    Returns:
      TrainLoop; if ``config.output_dir`` holds a checkpoint, resumed from it.
    """
    kind = registry.kind(config.model)
    fingerprint = fingerprint or checkpoint.describe(kind.name, model_config)
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
