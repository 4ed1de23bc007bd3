"""Graded-style tests for the decoder (UNQ_C6–C7), as the course's w2_tests check them.

The expected trees are what the course's reference solution prints; the tests compare with
whitespace removed, like the course.
"""
import pytest
import trax
from trax import layers as tl

from trax_models import model as mdl


def _squash(s):
    return "".join(s.split())


def _attention_tree(d):
    return f"""Serial[
        Branch_out3[
          [Dense_{d}, AttnHeads]
          [Dense_{d}, AttnHeads]
          [Dense_{d}, AttnHeads]
        ]
        DotProductAttn_in3
        AttnOutput
        Dense_{d}
      ]"""


def _decoder_block_trees(d_model, d_ff):
    attention = f"""Serial[
  Branch_out2[
    None
    Serial[
      LayerNorm
      {_attention_tree(d_model)}
      Dropout
    ]
  ]
  Add_in2
]"""
    feed_forward = f"""Serial[
  Branch_out2[
    None
    Serial[
      LayerNorm
      Dense_{d_ff}
      Serial[
        Relu
      ]
      Dropout
      Dense_{d_model}
      Dropout
    ]
  ]
  Add_in2
]"""
    return attention, feed_forward


def _expected_decoder_block(d_model, d_ff):
    attention, feed_forward = _decoder_block_trees(d_model, d_ff)
    return f"[{attention}, {feed_forward}]"


def _expected_transformer_lm(vocab_size, d_model, d_ff):
    attention, feed_forward = _decoder_block_trees(d_model, d_ff)
    return f"""Serial[
  Serial[
    ShiftRight(1)
  ]
  Embedding_{vocab_size}_{d_model}
  Dropout
  PositionalEncoding
  {attention}
  {feed_forward}
  LayerNorm
  Dense_{vocab_size}
  LogSoftmax
]"""


def _types(layer):
    """The course's check: (type, sorted sub-layer types)."""
    return type(layer), sorted(map(type, layer.sublayers), key=str)


# ---------------------------------------------------------------- UNQ_C6: DecoderBlock

@pytest.mark.parametrize("args", [
    dict(d_model=512, d_ff=2048, n_heads=8, dropout=0.1, mode='train', ff_activation=tl.Relu),
    dict(d_model=16, d_ff=32, n_heads=4, dropout=0.05, mode='train', ff_activation=tl.Relu),
])
def test_decoder_block_tree_is_the_courses(args):
    block = mdl.DecoderBlock(**args)
    assert _squash(str(block)) == _squash(_expected_decoder_block(args['d_model'], args['d_ff']))
    assert isinstance(block, list) and len(block) == 2
    residual_types = (tl.Serial, [trax.layers.base.PureLayer, tl.Serial])
    for residual in block:
        assert isinstance(residual, tl.Serial)
        assert _types(residual) == residual_types
        assert len(residual.sublayers) == 2


def test_decoder_block_eval_mode_prints_the_same_tree():
    block = mdl.DecoderBlock(16, 32, 4, 0.05, 'eval', tl.Relu)
    assert _squash(str(block)) == _squash(_expected_decoder_block(16, 32))


# ---------------------------------------------------------------- UNQ_C7: TransformerLM

_LM_SUBLAYER_TYPES = [
    trax.layers.attention.PositionalEncoding,
    trax.layers.base.PureLayer,
    tl.Serial, tl.Serial, tl.Serial,
    trax.layers.core.Dense,
    trax.layers.core.Dropout,
    trax.layers.core.Embedding,
    trax.layers.normalization.LayerNorm,
]


@pytest.mark.parametrize("args", [
    dict(vocab_size=33300, d_model=512, d_ff=2048, n_heads=8, dropout=0.1, max_len=4096),
    dict(vocab_size=100, d_model=16, d_ff=32, n_heads=4, dropout=0.05, max_len=256),
])
@pytest.mark.parametrize("mode", ['train', 'eval'])
def test_transformer_lm_tree_is_the_courses(args, mode):
    lm = mdl.TransformerLM(n_layers=1, ff_activation=tl.Relu, mode=mode, **args)
    expected = _expected_transformer_lm(args['vocab_size'], args['d_model'], args['d_ff'])
    assert _squash(str(lm)) == _squash(expected)
    assert isinstance(lm, tl.Serial)
    kind, sublayer_types = _types(lm)
    assert kind is tl.Serial
    assert [str(t) for t in sublayer_types] == [str(t) for t in _LM_SUBLAYER_TYPES]
    assert len(lm.sublayers) == 9


def test_transformer_lm_defaults_are_the_courses():
    lm = mdl.TransformerLM()
    # ShiftRight, Embedding, Dropout, PositionalEncoding, 6 × 2 residuals, LayerNorm, Dense, LogSoftmax
    assert len(lm.sublayers) == 4 + 6 * 2 + 3
    assert "Embedding_33300_512" in str(lm) and "Dense_33300" in str(lm)
