"""Lab 2, "The Transformer Decoder": the lab's pieces, and our checkpoint in the library model."""
import jax
import numpy as np
import pytest
import trax
from trax import layers as tl
from trax import shapes

from trax_models import decoder_lab as lab
from trax_models import model as mdl
from trax_models.errors import UserError

CFG = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=2, n_heads=4, max_len=20)


def test_positional_encoder_is_embedding_dropout_positional_encoding():
    layers = lab.PositionalEncoder(100, 16, 0.1, 64, 'train')
    assert [type(layer) for layer in layers] == [
        trax.layers.core.Embedding, trax.layers.core.Dropout,
        trax.layers.attention.PositionalEncoding]
    assert str(layers[0]) == "Embedding_100_16"
    embedded = tl.Serial(layers)
    x = np.array([[3, 1, 4, 1, 5]], np.int32)
    embedded.init(shapes.signature(x))
    assert embedded(x).shape == (1, 5, 16)


def test_feed_forward_is_the_labs():
    layers = lab.FeedForward(16, 32, 0.1, 'eval', tl.Relu)
    assert "".join(str(tl.Serial(layers)).split()) == (
        "Serial[LayerNormDense_32Serial[Relu]DropoutDense_16Dropout]")


def test_lab_decoder_block_uses_the_library_attention():
    block = lab.DecoderBlock(16, 32, 4, 0.1, 'train', tl.Relu)
    assert len(block) == 2 and all(isinstance(r, tl.Serial) for r in block)
    assert "DotProductCausalAttention" in str(block[0])  # tl.CausalAttention's core
    assert "AttnHeads" not in str(block[0])
    # the feed-forward residual is the graded one: the same FeedForward
    graded = mdl.DecoderBlock(16, 32, 4, 0.1, 'train', tl.Relu)
    assert str(block[1]) == str(graded[1])


@pytest.fixture(scope="module")
def trained_like():
    """Our graded TransformerLM (eval), initialised, with an input batch and its outputs."""
    x = np.random.RandomState(3).randint(1, CFG['vocab_size'], (2, 9)).astype(np.int32)
    ours = mdl.TransformerLM(mode='eval', **CFG)
    ours.init(shapes.signature(x), rng=jax.random.PRNGKey(5))
    return ours, x, np.asarray(ours(x))


def test_our_checkpoint_loads_into_the_tl_causal_attention_model(trained_like, tmp_path):
    ours, x, expected = trained_like
    path = str(tmp_path / "model.pkl.gz")
    ours.save_to_file(path, weights_only=True, input_signature=shapes.signature(x))
    library = lab.TransformerLM(mode='eval', **CFG)
    library.init_from_file(path, weights_only=True, input_signature=shapes.signature(x))
    got = np.asarray(library(x))
    assert np.abs(got - expected).max() < 1e-5
    # not vacuous: a freshly initialised library model disagrees
    fresh = lab.TransformerLM(mode='eval', **CFG)
    fresh.init(shapes.signature(x), rng=jax.random.PRNGKey(6))
    assert np.abs(np.asarray(fresh(x)) - expected).max() > 1e-2


def test_load_weights_from_maps_leaves_and_rejects_other_configs(trained_like):
    ours, x, expected = trained_like
    library = lab.TransformerLM(mode='eval', **CFG)
    library.init(shapes.signature(x))
    lab.load_weights_from(library, ours.weights)
    assert np.abs(np.asarray(library(x)) - expected).max() < 1e-5

    wider = lab.TransformerLM(mode='eval', **dict(CFG, d_ff=48))
    wider.init(shapes.signature(x))
    with pytest.raises(UserError, match=r"does not fit the model: .*\(16, 32\).*\(16, 48\)"):
        lab.load_weights_from(wider, ours.weights)
    deeper = lab.TransformerLM(mode='eval', **dict(CFG, n_layers=3))
    deeper.init(shapes.signature(x))
    with pytest.raises(UserError, match="another number of layers"):
        lab.load_weights_from(deeper, ours.weights)


def test_library_kv_cache_agrees_with_ours(trained_like):
    """Predict mode: tl.CausalAttention's own cache and ours give the same log-probs."""
    ours, x, expected = trained_like
    shifted = np.concatenate([np.zeros((len(x), 1), np.int32), x[:, :-1]], axis=1)
    library = lab.TransformerLM(mode='predict', **CFG)
    library.init(shapes.ShapeDtype((len(x), 1), np.int32))
    lab.load_weights_from(library, ours.weights)
    ours_predict = mdl.TransformerLM(mode='predict', **CFG)
    mdl.init_predict(ours_predict, ours.weights, batch_size=len(x))
    rng = jax.random.PRNGKey(0)
    outputs = []
    for model in (library, ours_predict):
        step, state, out = jax.jit(model.pure_fn), model.state, []
        for i in range(5):
            y, state = step(shifted[:, i:i + 1], model.weights, state, rng)
            out.append(np.asarray(y))
        outputs.append(np.concatenate(out, axis=1))
    library_out, ours_out = outputs
    assert np.abs(library_out - ours_out).max() < 1e-5
    assert np.abs(ours_out - expected[:, :5]).max() < 1e-5
