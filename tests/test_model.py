"""The decoder (UNQ_C6–C7): graded-style tree checks, the library's model, causality, size.

The expected trees are what the course's reference solution prints; the tests compare with
whitespace removed, like the course's w2_tests.
"""
import jax
import numpy as np
import pytest
import trax
from trax import layers as tl
from trax import shapes
from trax.fastmath import numpy as jnp

from trax_models import model as mdl
from trax_models.decoder_lab import load_weights_from


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


# ---------------------------------------------------------------- against the library, causality

SMALL = dict(vocab_size=50, d_model=16, d_ff=32, n_layers=2, n_heads=4, max_len=24)


@pytest.fixture(scope="module")
def small_eval_model():
    x = np.random.RandomState(1).randint(1, SMALL['vocab_size'], (2, 10)).astype(np.int32)
    lm = mdl.TransformerLM(mode='eval', **SMALL)
    lm.init(shapes.signature(x), rng=jax.random.PRNGKey(2))
    forward = jax.jit(lambda tokens: lm.pure_fn(tokens, lm.weights, lm.state,
                                                jax.random.PRNGKey(0))[0])
    return lm, forward, x


def test_equals_trax_models_transformer_lm_plus_log_softmax(small_eval_model):
    """trax.models.TransformerLM is the same network without the final LogSoftmax."""
    ours, forward, x = small_eval_model
    library = trax.models.TransformerLM(mode='eval', **SMALL)
    library.init(shapes.signature(x))
    load_weights_from(library, ours.weights)
    got = np.asarray(tl.LogSoftmax()(library(x)))
    expected = np.asarray(forward(x))
    assert np.abs(got - expected).max() < 1e-5
    assert np.allclose(np.exp(expected).sum(-1), 1.0, atol=1e-5)  # log-probabilities


def test_no_leak_from_future_tokens(small_eval_model):
    """Changing token j never changes the log-probs at positions ≤ j (they see tokens < t)."""
    _, forward, x = small_eval_model
    base = np.asarray(forward(x))
    length = x.shape[1]
    for j in [0, 3, length - 2, length - 1]:
        changed = x.copy()
        changed[:, j] = (changed[:, j] + 1 + np.arange(len(x))) % SMALL['vocab_size']
        out = np.asarray(forward(changed))
        assert np.abs(out[:, :j + 1] - base[:, :j + 1]).max() == 0.0, f"leak from token {j}"
        if j + 1 < length:  # the next position does see token j: the test can fail
            assert np.abs(out[:, j + 1] - base[:, j + 1]).max() > 1e-4


def _n_params(weights):
    return sum(int(np.prod(a.shape)) for a in jax.tree_util.tree_leaves(weights))


def test_parameter_count_matches_closed_form_small(small_eval_model):
    lm, _, _ = small_eval_model
    expected = mdl.count_params(SMALL['vocab_size'], SMALL['d_model'], SMALL['d_ff'],
                                SMALL['n_layers'], SMALL['max_len'])
    assert _n_params(lm.weights) == expected


def test_parameter_count_of_the_course_model_shapes_only():
    """The default model (vocab 33300): shapes from jax.eval_shape, no 55 M-value init."""
    lm = mdl.TransformerLM(mode='eval')

    def init_weights():
        return lm.init(shapes.ShapeDtype((1, 1), jnp.int32), rng=jax.random.PRNGKey(0))[0]

    n = _n_params(jax.eval_shape(init_weights))
    assert n == mdl.count_params() == 55_144_980
    assert n == mdl.count_params(33300, 512, 2048, 6, 4096)
