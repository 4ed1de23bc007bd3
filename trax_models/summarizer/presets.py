"""Named bundles of training settings: ``train --preset cpu`` (the defaults) or ``course``.

    PRESETS[name] -> {TrainConfig field: value}
    resolve(name) -> that dict (UserError for an unknown name)

Settings apply in this order: TrainConfig's defaults, the preset, gin bindings, the flags
given — so ``--preset course --steps 10 --d_model 64`` is the course's recipe with two changes.

``course`` is the graded assignment's full-size run (C4W2 UNQ_C7–C8 and its data cells): the
graded ``TransformerLM`` (``--model transformer_lm``) with d_model 512, d_ff 2048, 6 layers,
8 heads and dropout 0.1 over the course's 33,300-row output (the file
``summarize32k.subword.subwords`` holds 33,021 subwords; the course's model is wider than its
vocabulary), CNN/DailyMail through
``trax.data.TFDS('cnn_dailymail', keys=('article', 'highlights'))``, the course's buckets
(boundaries 128/256/512/1024, batches 16/8/4/2/1), examples up to 2,048 tokens, the loss on
the summary only, Adam 0.01 with ``warmup_and_rsqrt_decay(1000, 0.01)``. It needs the prepared
data set (``--data_dir``), the course's vocabulary file (``--vocab_file``) and a GPU for
useful speed: 54,096,404 weights, ≈206 MiB in f32 (×4 with the gradient and Adam's two slots).
``benchmarks/accelerator.py``'s ``training_memory`` plans what that costs per bucket on one
device.
"""
from trax_models.errors import UserError

__all__ = ["PRESETS", "resolve"]

COURSE_VOCAB_FILE = "summarize32k.subword.subwords"

PRESETS = {
    "cpu": {},  # TrainConfig's defaults: the embedded corpus, a 2-core-sized model
    "course": {
        "model": "transformer_lm",
        "source": "cnn_dailymail",
        "vocab_file": COURSE_VOCAB_FILE,
        "model_vocab_size": 33300,
        "d_model": 512, "d_ff": 2048, "n_layers": 6, "n_heads": 8, "dropout": 0.1,
        "max_length": 2048,
        "boundaries": (128, 256, 512, 1024),
        "batch_sizes": (16, 8, 4, 2, 1),
        "article_weight": 0.0,
        "lr": 0.01, "warmup_steps": 1000,
        "steps": 100_000, "eval_every": 1000, "checkpoint_every": 1000,
    },
}


def resolve(name):
    """The settings of preset ``name``."""
    if name not in PRESETS:
        raise UserError(f"unknown --preset {name!r} — choose from {', '.join(PRESETS)}")
    return dict(PRESETS[name])
