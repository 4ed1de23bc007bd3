"""The model registry: one table decides the model kind; config.json's model_args is its dataclass."""
import json

import numpy as np
import pytest

from trax_models.errors import UserError
from trax_models.model import TransformerLM
from trax_models.models.encoder_decoder import EncoderDecoder
from trax_models.summarizer import adapters, checkpoint, registry
from trax_models.summarizer.config import TrainConfig
from trax_models.weights import flat_weights

ARGS = dict(vocab_size=40, d_model=16, d_ff=32, n_layers=1, n_heads=2, dropout=0.0, max_len=32)


def test_each_kind_names_its_builder_layout_adapter_and_config():
    lm, ed = registry.kind("transformer_lm"), registry.kind("encoder_decoder")
    assert (lm.function, lm.pairs, lm.adapter) == (TransformerLM, False,
                                                   adapters.LanguageModelAdapter)
    assert (ed.function, ed.pairs, ed.adapter) == (EncoderDecoder, True,
                                                   adapters.EncoderDecoderAdapter)
    assert ed.config is registry.EncoderDecoderConfig and lm.config is registry.ModelConfig
    with pytest.raises(UserError, match=r"unknown model 'gpt9' — known: encoder_decoder"):
        registry.kind("gpt9")


def test_a_built_model_has_the_configs_shapes():
    config = registry.ModelConfig(**ARGS)
    model = registry.kind("transformer_lm").build(config, "eval")
    model.init(registry.kind("transformer_lm").signature())
    shapes = [np.shape(w) for w in flat_weights(model)]
    assert shapes[:2] == [(40, 16), (32, 16)]  # embedding (vocab, d_model), positions (max_len, d)
    ed = registry.kind("encoder_decoder")
    source, target = ed.signature(batch=2, length=5)
    assert source.shape == (2, 8) and target.shape == (2, 5)


@pytest.mark.parametrize("change, message", [
    ({"foo": 1}, "unknown model setting.*foo"),
    ({"d_model": "abc"}, "d_model must be a positive integer, got 'abc'"),
    ({"n_heads": 0}, "n_heads must be a positive integer"),
    ({"n_heads": 3}, "divisible by n_heads"),
    ({"dropout": 1.5}, r"dropout must be a number in \[0, 1\)"),
    ({"max_len": True}, "max_len must be a positive integer"),
])
def test_model_args_are_checked_with_one_clear_message(change, message):
    with pytest.raises(UserError, match=message):
        registry.ModelConfig.from_dict(dict(ARGS, **change))


def test_missing_vocab_size_and_encoder_decoder_stack_sizes():
    with pytest.raises(UserError, match="lacks vocab_size"):
        registry.ModelConfig.from_dict({k: v for k, v in ARGS.items() if k != "vocab_size"})
    ed = registry.EncoderDecoderConfig.from_dict(dict(ARGS, n_decoder_layers=2))
    assert ed.n_decoder_layers == 2 and ed.n_encoder_layers is None
    with pytest.raises(UserError, match="n_encoder_layers must be a positive integer or null"):
        registry.EncoderDecoderConfig.from_dict(dict(ARGS, n_encoder_layers=-1))
    with pytest.raises(UserError, match="unknown model setting.*n_decoder_layers"):
        registry.ModelConfig.from_dict(dict(ARGS, n_decoder_layers=2))  # an LM has one stack


def test_train_config_gives_the_kinds_dataclass():
    lm = TrainConfig(model="transformer_lm").model_config(100)
    ed = TrainConfig(model="encoder_decoder").model_config(100)
    assert type(lm) is registry.ModelConfig and type(ed) is registry.EncoderDecoderConfig
    assert lm.max_len == TrainConfig().max_length and lm.vocab_size == 100


def test_config_json_is_checked_on_load(tmp_path):
    checkpoint.save_config(tmp_path, {"model": "transformer_lm", "model_args": ARGS})
    assert checkpoint.load_config(tmp_path)["model_args"] == ARGS
    for model, args, message in [("gpt9", ARGS, "unknown model 'gpt9'"),
                                 ("transformer_lm", dict(ARGS, foo=1), "unknown model setting"),
                                 ("transformer_lm", dict(ARGS, d_model="abc"), "d_model")]:
        (tmp_path / "config.json").write_text(json.dumps({"model": model, "model_args": args}))
        with pytest.raises(UserError, match=message):
            checkpoint.load_config(tmp_path)


def test_encoder_decoder_cross_attention_setting():
    """'softmax' (the default) stays out of model_args, so runs from before the setting keep
    their config.json and checkpoint fingerprints; a variant is stored, built and checked."""
    old = dict(ARGS, n_encoder_layers=None, n_decoder_layers=None)   # a run's stored model_args
    default = registry.EncoderDecoderConfig.from_dict(old)
    assert default.cross_attention == "softmax" and default.as_dict() == old
    stored = checkpoint.describe("encoder_decoder", old)
    checkpoint.check_fingerprint(stored, checkpoint.describe("encoder_decoder", default), "p", "c")
    smoothed = registry.EncoderDecoderConfig.from_dict(dict(ARGS, cross_attention="smoothed"))
    assert smoothed.as_dict() == dict(old, cross_attention="smoothed")
    with pytest.raises(UserError, match="cross_attention None in the weights, 'smoothed' there"):
        checkpoint.check_fingerprint(stored, checkpoint.describe("encoder_decoder", smoothed),
                                     "p", "c")
    model = registry.kind("encoder_decoder").build(smoothed, "eval")
    model.init(registry.kind("encoder_decoder").signature())
    assert "CrossAttention_smoothed" in str(model)
    with pytest.raises(UserError, match=r"model_args: cross_attention='monotonic' needs α_\(i-1\)"
                                        ".*use the RNN seq2seq") as info:
        registry.EncoderDecoderConfig.from_dict(dict(ARGS, cross_attention="monotonic"))
    assert "\n" not in str(info.value)
    with pytest.raises(UserError, match="unknown cross_attention 3"):
        registry.EncoderDecoderConfig.from_dict(dict(ARGS, cross_attention=3))
