"""A tiny base checkpoint for the transfer tests: a random TransformerLM / PointerLM saved in
the layout ``python -m trax_models train`` writes (config.json, vocab.subwords, model.pkl.gz)."""
import jax
import numpy as np

from trax_models.sources import vocab
from trax_models.summarizer import checkpoint, registry
from trax_models.transfer import data
from trax_models.weights import flat_weights

ARGS = dict(vocab_size=None, d_model=16, d_ff=32, n_layers=2, n_heads=2, dropout=0.0,
            max_len=128)


def tiny_vocab(path, n=40):
    """A ≈300-subword vocabulary built from ``n`` generated NER/QA articles."""
    texts = [" ".join(data.ner_example(5, "vocab", i)["words"]) for i in range(n)]
    vocab.build_vocab(texts, path, target_size=300)
    return path


def make_base(directory, vocab_file, model="pointer_lm", seed=1, **overrides):
    """Write a randomly initialised ``model`` as a checkpoint directory; its flat weights."""
    kind = registry.kind(model)
    args = dict(ARGS, vocab_size=vocab.load_vocab(str(vocab_file)).vocab_size, **overrides)
    config = kind.config.from_dict(args)
    net = kind.build(config, "eval")
    net.init(kind.signature(), rng=jax.random.PRNGKey(seed))
    flat = [np.asarray(w) for w in flat_weights(net)]
    checkpoint.save_config(directory, {}, vocab_file)
    description = checkpoint.describe(model, config, directory / checkpoint.VOCAB_FILE)
    checkpoint.write_checkpoint(directory / checkpoint.CHECKPOINT_FILE,
                                {**description, "flat_weights": flat, "step": 0})
    return net
