"""Shared by tests/summarizer: a real checkpoint directory of a tiny random TransformerLM."""
import jax
import numpy as np
import pytest
from trax import shapes

from trax_models.model import TransformerLM
from trax_models.sources import vocab
from trax_models.summarizer import checkpoint
from trax_models.summarizer.config import TrainConfig
from trax_models.weights import flat_weights

ARGS = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=2, n_heads=2, dropout=0.0, max_len=96)
TEXTS = ["The council approved the new budget on Tuesday after a long debate.",
         "Rain is expected across the north of the region this weekend.",
         "The home team won the final by three goals to one."]


def _make_checkpoint(directory, d_model=16, seed=0, texts=TEXTS):
    """A real checkpoint directory (config.json, vocab, model.pkl.gz) of a tiny random model,
    its vocabulary built from ``texts``."""
    vocab_path, _ = vocab.build_vocab(list(texts) * 3, directory / "src.subwords", target_size=200)
    vocab_size = vocab.load_vocab(vocab_path).vocab_size
    args = dict(ARGS, vocab_size=vocab_size, d_model=d_model)
    model = TransformerLM(**args, mode="eval")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(seed))
    checkpoint.save_config(directory, {"data": {"source": "default"}}, vocab_path)
    checkpoint.write_checkpoint(directory / checkpoint.CHECKPOINT_FILE, {
        **checkpoint.describe("transformer_lm", args, directory / checkpoint.VOCAB_FILE),
        "flat_weights": [np.asarray(w) for w in flat_weights(model)], "step": 0})
    return model


def tiny_train_config(output_dir, **overrides):
    """A TrainConfig of the course model small enough to train a step in milliseconds."""
    values = dict(output_dir=str(output_dir), model="transformer_lm", d_model=16, d_ff=32,
                  n_layers=1, n_heads=2, lr=0.01, eval_batches=1, max_length=32, seed=3)
    values.update(overrides)
    return TrainConfig(**values)


@pytest.fixture(scope="session")
def make_checkpoint():
    """``make_checkpoint(directory, d_model=16, seed=0, texts=TEXTS) -> model``: writes a
    checkpoint there."""
    return _make_checkpoint


@pytest.fixture(scope="session")
def news_texts():
    """Three short news sentences (the vocabulary of ``make_checkpoint``'s checkpoints)."""
    return list(TEXTS)
