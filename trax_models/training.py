"""Training the summarizer: the course's graded ``training_loop`` (UNQ_C8).

    training_loop(TransformerLM, train_gen, eval_gen, output_dir="~/model") -> trax Loop

exactly as graded: Adam(0.01), ``warmup_and_rsqrt_decay(1000, 0.01)``, a checkpoint every 10
steps, eval with CrossEntropyLoss + Accuracy, a tiny TransformerLM. Batches are
(inputs, targets, mask), each (batch, length) int, as ``trax_models.data`` makes them.

What ``make train`` runs — the same trax Loop at a CPU-sized configuration, with checkpoints
that survive a kill, exact resume, a NaN stop and a held-out report — is the product, in
``trax_models.summarizer`` (``train.train``, ``loop.TrainLoop``, ``config.TrainConfig``).
"""
import os

import trax
from trax import layers as tl
from trax.supervised import training

__all__ = ["training_loop"]


def training_loop(TransformerLM, train_gen, eval_gen, output_dir="~/model"):  # the course's names
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
