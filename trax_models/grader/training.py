"""Grader for UNQ_C8 ``training_loop``: the Loop it builds, checked without running it.

The course's values: CrossEntropyLoss, Adam(0.01) (b1 0.9, b2 0.999, eps 1e-5, weight decay
1e-5), ``warmup_and_rsqrt_decay(1000, 0.01)``, a checkpoint every 10 steps, eval with
CrossEntropyLoss and Accuracy, the tiny model of 316,336 weights, ``~`` expanded. The batches are
synthetic (``trax_models.summarizer.streams.synthetic_batches``): no data set is read.
"""
import os
import shutil
import tempfile

import jax
import numpy as np
import trax
from trax.supervised import training as trax_training

from trax_models import compat
from trax_models import model as ref_model
from trax_models.grader._report import Fail, run
from trax_models.summarizer.streams import synthetic_batches

__all__ = ["test_training_loop"]

ADAM = {"learning_rate": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-5, "weight_decay_rate": 1e-5}
STEPS = (1, 10, 500, 1000, 2000, 10000)


def test_training_loop(training_loop, TransformerLM=None, verbose=True):
    """UNQ_C8. ``TransformerLM``: the model function to pass (default: the reference's, so that
    only ``training_loop`` is graded)."""
    TransformerLM = TransformerLM or ref_model.TransformerLM
    home = tempfile.mkdtemp(prefix="grader-home-")
    built = {}

    def loop():
        if "loop" not in built:
            gen = synthetic_batches(batch_size=2, length=16, vocab_size=33300, seed=0)
            old = os.environ.get("HOME")
            os.environ["HOME"] = home
            try:
                with compat.loop_without_tensorflow():  # TF's import: seconds of each grade
                    built["loop"] = training_loop(TransformerLM, gen, gen, output_dir="~/model")
            finally:
                os.environ["HOME"] = old if old is not None else ""
        return built["loop"]

    def is_loop():
        got = loop()
        if not isinstance(got, trax_training.Loop):
            raise Fail("training_loop must return the trax Loop", "training.Loop",
                       type(got).__name__, "return the training.Loop built from the model, "
                       "the train task, the list of eval tasks and output_dir")

    def loss():
        got = str(loop()._tasks[0]._loss_layer)
        if got != "CrossEntropyLoss_in3":
            raise Fail("wrong loss layer", "CrossEntropyLoss_in3", got,
                       "the TrainTask's loss layer is the cross-entropy, tl.CrossEntropyLoss")

    def optimizer():
        opt = loop()._tasks[0].optimizer
        if not isinstance(opt, trax.optimizers.adam.Adam):
            raise Fail("the optimizer is not Adam", "Adam, learning rate 0.01",
                       type(opt).__name__, "the TrainTask's optimizer is trax.optimizers.Adam "
                       "with learning rate 0.01")
        got = {k: float(v) for k, v in opt.opt_params.items()}
        if set(got) != set(ADAM) or not all(np.isclose(got[k], ADAM[k]) for k in ADAM):
            raise Fail("the optimizer's parameters are off", str(ADAM), str(got),
                       "trax.optimizers.Adam(0.01): learning rate 0.01, the other "
                       "parameters left at their defaults")

    def schedule():
        task = loop()._tasks[0]
        want = trax.lr.warmup_and_rsqrt_decay(n_warmup_steps=1000, max_value=0.01)
        if task._lr_schedule is None:
            raise Fail("no learning-rate schedule", "warmup_and_rsqrt_decay(1000, 0.01)",
                       "None", "give the schedule to the TrainTask (its lr_schedule argument)")
        got = [float(task._lr_schedule(s)) for s in STEPS]
        expected = [float(want(s)) for s in STEPS]
        if not np.allclose(got, expected, rtol=1e-6):
            raise Fail(f"the learning-rate schedule is off (at steps {list(STEPS)})",
                       str(np.round(expected, 7).tolist()), str(np.round(got, 7).tolist()),
                       "trax.lr.warmup_and_rsqrt_decay with 1000 warm-up steps and a maximum "
                       "learning rate of 0.01")

    def checkpoints():
        got = loop()._tasks[0]._n_steps_per_checkpoint
        if got != 10:
            raise Fail("wrong checkpoint interval", "10", str(got),
                       "the TrainTask saves a checkpoint every 10 steps (n_steps_per_checkpoint)")

    def metrics():
        tasks = loop()._eval_tasks
        got = [list(map(str, t._metric_names)) for t in tasks]
        if got != [["CrossEntropyLoss", "Accuracy"]]:
            raise Fail("wrong eval task", "[['CrossEntropyLoss', 'Accuracy']]", str(got),
                       "one EvalTask on eval_gen with the metrics tl.CrossEntropyLoss and "
                       "tl.Accuracy, in that order, given to the Loop in a list")

    def model_size():
        n = sum(int(np.size(w)) for w in jax.tree_util.tree_leaves(loop().model.weights))
        if n != 316_336:
            raise Fail("the model is not the course's tiny one", "316,336 weights", f"{n:,}",
                       "the course's tiny model: TransformerLM with d_model 4, d_ff 16, one "
                       "layer and two heads, in 'train' mode")

    def output_dir():
        got = loop().output_dir
        if got != os.path.join(home, "model"):
            raise Fail("output_dir not used or '~' not expanded", os.path.join(home, "model"),
                       str(got), "give the Loop output_dir, expanded by the cell's first line")

    try:
        return run("training_loop (UNQ_C8)", [
            ("returns a trax Loop", is_loop), ("loss: CrossEntropyLoss", loss),
            ("optimizer: Adam(0.01)", optimizer),
            ("schedule: warmup_and_rsqrt_decay(1000, 0.01)", schedule),
            ("a checkpoint every 10 steps", checkpoints),
            ("eval metrics: CrossEntropyLoss, Accuracy", metrics),
            ("model: d_model 4, d_ff 16, 1 layer, 2 heads (316,336 weights)", model_size),
            ("output_dir '~/model' expanded", output_dir),
        ], verbose)
    finally:  # the stand-in home is the grader's, not the learner's: leave nothing behind
        shutil.rmtree(home, ignore_errors=True)
