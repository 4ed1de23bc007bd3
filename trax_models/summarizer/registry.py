"""The one model registry: which models ``train``, checkpoints and decoding know, and how.

    MODELS[name] = ModelKind(config, build, pairs, adapter)
    kind(name) -> ModelKind                     # UserError for an unknown name
    ModelConfig.from_dict(model_args) -> ModelConfig   # a checkpoint's "model_args", checked

A ``ModelKind`` says everything that differs between kinds: the builder
(``build(config, mode, cache_len=None) -> tl.Serial``), the batch layout (``pairs``:
(article, summary, mask) batches for an encoder–decoder, else the course's joint
article + [EOS, SEP] + summary sequence) and the decoding adapter
(``trax_models.summarizer.adapters``). The checkpoint (``model.pkl.gz``) stores the
``ModelConfig`` dataclass as "model_args"; loading rebuilds it and refuses unknown keys and
wrong types.
"""
import dataclasses
import math

import numpy as np
from trax import layers as tl
from trax import shapes

from trax_models import model as course_model
from trax_models.errors import UserError
from trax_models.models import cross_attention, encoder_decoder, pointer
from trax_models.summarizer import adapters
from trax_models.t5 import streams as t5_streams

__all__ = ["ModelConfig", "EncoderDecoderConfig", "ModelKind", "MODELS", "kind"]


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """The model's shape, as the checkpoint stores it ("model_args")."""
    vocab_size: int
    d_model: int = 128
    d_ff: int = 512
    n_layers: int = 2
    n_heads: int = 4
    dropout: float = 0.0
    max_len: int = 512

    @classmethod
    def from_dict(cls, values, source="model_args"):
        """The config of a dict (a checkpoint's "model_args"); UserError naming what is wrong."""
        if not isinstance(values, dict):
            raise UserError(f"{source} must be a JSON object of model settings")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise UserError(f"{source} has unknown model setting(s) {', '.join(unknown)} — "
                            f"known: {', '.join(fields)}")
        missing = [n for n, f in fields.items() if n not in values
                   and f.default is dataclasses.MISSING]
        if missing:
            raise UserError(f"{source} lacks {', '.join(missing)}")
        config = cls(**values)
        config.check(source)
        return config

    def check(self, source="the model settings"):
        """UserError unless every field has its type and a sensible value."""
        for name in ("vocab_size", "d_model", "d_ff", "n_layers", "n_heads", "max_len"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UserError(f"{source}: {name} must be a positive integer, got {value!r}")
        if (isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float))
                or not math.isfinite(self.dropout) or not 0 <= self.dropout < 1):
            raise UserError(f"{source}: dropout must be a number in [0, 1), got "
                            f"{self.dropout!r}")
        if self.d_model % self.n_heads:
            raise UserError(f"{source}: d_model {self.d_model} must be divisible by n_heads "
                            f"{self.n_heads} (each head gets d_model / n_heads dimensions)")

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class EncoderDecoderConfig(ModelConfig):
    """An encoder–decoder's shape: ``n_layers`` in each stack unless a stack's own is set;
    ``cross_attention``: its normalisation ('softmax' | 'sharpened' | 'smoothed' | 'local_m',
    ``models.cross_attention``), left out of ``as_dict`` at the default 'softmax' so that the
    model_args (and checkpoint fingerprints) of runs from before the setting are unchanged."""
    n_encoder_layers: int = None
    n_decoder_layers: int = None
    cross_attention: str = "softmax"

    def check(self, source="the model settings"):
        super().check(source)
        for name in ("n_encoder_layers", "n_decoder_layers"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise UserError(f"{source}: {name} must be a positive integer or null, got "
                                f"{value!r}")
        try:
            cross_attention.check(self.cross_attention)
        except (ValueError, TypeError) as e:
            raise UserError(f"{source}: {e}") from None

    def as_dict(self):
        values = super().as_dict()
        if values["cross_attention"] == "softmax":
            del values["cross_attention"]
        return values


@dataclasses.dataclass(frozen=True)
class ModelKind:
    """One row of the registry (see the module docstring)."""
    name: str
    function: object        # the model function, called with the config's fields + mode
    pairs: bool             # batches of (article, summary) pairs instead of one joint sequence
    adapter: type           # decoding adapter class
    config: type = ModelConfig
    plots_attention: bool = False  # causal self-attention blocks (summarizer.attention_plot)
    body: object = None     # model → its TransformerLM body (Embedding … LayerNorm), for
                            # fine-tuning (trax_models.transfer); None: it has none
    fused_loss: object = None  # (build kwargs, loss layer factory): what ``training`` trains
                               # instead of log-probs + tl.CrossEntropyLoss (the same loss)
    streams: object = None  # train's batches in place of ``data.make_streams`` (same
                            # arguments): the t5 kind's task mixture (``t5.streams``)

    def build(self, config, mode="train", cache_len=None):
        """The model of ``config`` in ``mode`` (uninitialized)."""
        extra = {} if cache_len is None else {"cache_len": cache_len}
        return self.function(**config.as_dict(), mode=mode, **extra)

    def training(self, config):
        """(model in 'train' mode, loss layer) that ``train``'s Loop trains: the log-probs
        under ``tl.CrossEntropyLoss``, or the kind's ``fused_loss`` form (same weights, same
        loss value and gradients, cheaper)."""
        if self.fused_loss is None:
            return self.build(config, "train"), tl.CrossEntropyLoss()
        kwargs, loss = self.fused_loss
        return self.function(**config.as_dict(), mode="train", **kwargs), loss()

    def signature(self, batch=1, length=8):
        """Input shapes to initialize the model with: tokens, or (source, target) pairs."""
        tokens = shapes.ShapeDtype((batch, length), np.int32)
        return (shapes.ShapeDtype((batch, 8), np.int32), tokens) if self.pairs else tokens


def _lm_body(model):
    """TransformerLM: Serial(ShiftRight, Embedding, Dropout, PosEnc, blocks…, LayerNorm, Dense,
    LogSoftmax) → the layers between ShiftRight and the head, as one Serial."""
    return tl.Serial(model.sublayers[1:-2])


def _pointer_body(model):
    """PointerTransformerLM: Serial(ShiftRight, Branch(Select, body), PointerHead) → body."""
    return model.sublayers[1].sublayers[1]


MODELS = {
    "transformer_lm": ModelKind("transformer_lm", course_model.TransformerLM, pairs=False,
                                adapter=adapters.LanguageModelAdapter, plots_attention=True,
                                body=_lm_body),
    "pointer_lm": ModelKind("pointer_lm", pointer.PointerTransformerLM, pairs=False,
                            adapter=adapters.LanguageModelAdapter, plots_attention=True,
                            body=_pointer_body,
                            # the loss at the targets only, not over the (B, L, V) mixture
                            fused_loss=({"head": "parts"}, pointer.PointerCrossEntropy)),
    "encoder_decoder": ModelKind("encoder_decoder", encoder_decoder.EncoderDecoder, pairs=True,
                                 adapter=adapters.EncoderDecoderAdapter,
                                 config=EncoderDecoderConfig),
    # T5's idea: the encoder–decoder trained on several tasks at once, each chosen by the
    # prefix of its input (``trax_models.t5``; ``train --model t5 --tasks … --mixing …``)
    "t5": ModelKind("t5", encoder_decoder.EncoderDecoder, pairs=True,
                    adapter=adapters.EncoderDecoderAdapter, config=EncoderDecoderConfig,
                    streams=t5_streams.make_streams),
}


def kind(name):
    """The registry row of ``name``; UserError naming the known kinds otherwise."""
    if name not in MODELS:
        raise UserError(f"unknown model {name!r} — known: {', '.join(sorted(MODELS))}")
    return MODELS[name]
