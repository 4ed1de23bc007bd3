"""Heads for fine-tuning on the course's TransformerLM body: token tags and answer spans.

    tokens (batch, L) int
    Body: Embedding → Dropout → PosEnc → n × DecoderBlock → LayerNorm    h (batch, L, d_model)
      TokenTagger:   Dense(n_tags)                            logits (batch, L, n_tags)
      SpanExtractor: Dense(2), SpanLogits(·, allowed (B, L))  logits (batch, 2, L): start, end

The body is ``trax_models.model``'s (``PositionalEncoder``, ``DecoderBlock``: causal attention)
without ``ShiftRight``: position t reads tokens ≤ t, its own included (the language model read
tokens < t to predict token t). Its weights are a ``make train`` checkpoint's
(``pretrained_body``: the registry's ``body`` of a transformer_lm or pointer_lm, the layers
below its output head) or random, for the comparison. Outputs are logits, for
``tl.WeightedCategoryCrossEntropy`` (which applies the log-softmax itself).

``freeze=k`` stops the gradient after the first k units of the body (unit 0: the embeddings,
units 1…n: the decoder blocks): 0 fine-tunes everything, n + 1 trains the head (and the final
LayerNorm) only. A frozen unit gets no gradient and, with Adam's weight decay off, does not
move. Modes: 'train' (dropout on) and 'eval'.
"""
from trax import fastmath, shapes
from trax import layers as tl
from trax.fastmath import numpy as jnp

from trax_models.errors import UserError
from trax_models.model import DecoderBlock, PositionalEncoder
from trax_models.summarizer import checkpoint, registry
from trax_models.weights import flat_weights, load_flat_weights

__all__ = ["Body", "TokenTagger", "SpanExtractor", "SpanLogits", "pretrained_body",
           "load_body", "body_of", "init"]


def Body(vocab_size, d_model=512, d_ff=2048, n_layers=6, n_heads=8, dropout=0.1, max_len=4096,
         mode="train", freeze=0):
    """The TransformerLM body: tokens (batch, L) → h (batch, L, d_model); see the docstring."""
    if not 0 <= freeze <= n_layers + 1:
        raise UserError(f"freeze={freeze}: choose 0 (fine-tune all) … {n_layers + 1} (the "
                        f"embeddings and all {n_layers} blocks frozen)")
    units = [PositionalEncoder(vocab_size, d_model, dropout, max_len, mode)] + [
        DecoderBlock(d_model, d_ff, n_heads, dropout, mode, tl.Relu) for _ in range(n_layers)]
    layers = []
    for i, unit in enumerate(units, 1):
        layers.append(unit)
        if i == freeze:  # weightless, so the body's flat weights stay the pre-trained ones
            layers.append(tl.Fn("Freeze", lambda x: fastmath.stop_gradient(x)))
    return tl.Serial(layers, tl.LayerNorm(), name="Body")


def TokenTagger(n_tags, mode="train", freeze=0, **body):
    """tokens (batch, L) → tag logits (batch, L, n_tags)."""
    return tl.Serial(Body(mode=mode, freeze=freeze, **body), tl.Dense(n_tags), name="TokenTagger")


def SpanLogits():
    """(logits (batch, L, 2), allowed (batch, L)) → (batch, 2, L), −1e9 where not allowed."""
    def f(logits, allowed):
        logits = jnp.swapaxes(logits, 1, 2)  # (batch, 2, L): start row, end row
        return jnp.where(allowed[:, None, :] > 0, logits, -1e9)
    return tl.Fn("SpanLogits", f)


def SpanExtractor(mode="train", freeze=0, **body):
    """(tokens (batch, L), allowed (batch, L)) → start/end logits (batch, 2, L)."""
    return tl.Serial(Body(mode=mode, freeze=freeze, **body), tl.Dense(2), SpanLogits(),
                     name="SpanExtractor")


def body_of(model):
    """The ``Body`` sublayer of a TokenTagger or SpanExtractor."""
    return model.sublayers[0]


def pretrained_body(directory):
    """The body weights and settings of a ``make train`` checkpoint.

    Returns:
      (flat body weights [array], model_args dict, vocabulary path, model kind name).

    Raises:
      UserError: not a checkpoint directory, or one of a model kind without a TransformerLM
        body (the encoder–decoder's stacks are not one).
    """
    config, weights = checkpoint.load_weights(directory)  # no model initialised
    kind = registry.kind(config["model"])
    if kind.body is None:
        raise UserError(f"{directory} holds a {config['model']} model, which has no "
                        "TransformerLM body to fine-tune — train a transformer_lm or "
                        "pointer_lm (make train's default) and pass that directory")
    if "vocab_path" not in config:
        raise UserError(f"{directory} names no vocabulary — fine-tuning needs the one the "
                        "model was trained with (vocab.subwords)")
    args = dict(config["model_args"])
    model = kind.build(kind.config.from_dict(args), "eval")
    model.weights = weights  # the checkpoint's tree: the body is its sublayer's
    return flat_weights(kind.body(model)), args, config["vocab_path"], config["model"]


def load_body(model, flat, source):
    """Put pre-trained body weights (flat) into an initialized tagger/extractor's body."""
    load_flat_weights(body_of(model), flat, f"the pre-trained body of {source}")


def init(model, length, pairs=False):
    """Initialize ``model`` for (batch 1, ``length``) inputs (and the ``allowed`` mask)."""
    tokens = shapes.ShapeDtype((1, length), jnp.int32)
    signature = (tokens, shapes.ShapeDtype((1, length), jnp.float32)) if pairs else tokens
    return model.init(signature)
