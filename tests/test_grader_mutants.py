"""The grader catches wrong implementations: each mutant below is the reference with ONE of the
typical mistakes, and must fail at least one check with a message naming that mistake.

The mutants are written out in full (short copies of the reference in trax_models) so that
each reads as the learner's wrong code would."""
import os
import tempfile

import numpy as np
import pytest
import trax
from trax import layers as tl
from trax.fastmath import numpy as jnp
from trax.supervised import training as trax_training

from trax_models import attention as att
from trax_models import data, decoding, grader
from trax_models import model as mdl
from trax_models import numpy_attention as na
from trax_models.tokens import EOS

# --- UNQ_C1 -----------------------------------------------------------------------------------

def attention_unscaled(query, key, value, mask):
    dots = jnp.matmul(query, jnp.swapaxes(key, -1, -2))  # mistake: no / sqrt(depth)
    if mask is not None:
        dots = jnp.where(mask, dots, jnp.full_like(dots, -1e9))
    dots = jnp.exp(dots - trax.fastmath.logsumexp(dots, axis=-1, keepdims=True))
    return jnp.matmul(dots, value)


def attention_mask_flipped(query, key, value, mask):
    dots = jnp.matmul(query, jnp.swapaxes(key, -1, -2)) / jnp.sqrt(query.shape[-1])
    if mask is not None:
        dots = jnp.where(mask, jnp.full_like(dots, -1e9), dots)  # mistake: polarity
    dots = jnp.exp(dots - trax.fastmath.logsumexp(dots, axis=-1, keepdims=True))
    return jnp.matmul(dots, value)


def attention_numpy(query, key, value, mask):
    return np.asarray(att.DotProductAttention(query, key, value, mask))  # mistake: np array


# --- UNQ_C2 / UNQ_C3 / UNQ_C4 -----------------------------------------------------------------

def heads_wrong_axis_order(n_heads, d_head):
    def compute_attention_heads(x):
        b, s = x.shape[0], x.shape[1]
        x = jnp.reshape(x, (b, s, d_head, n_heads))  # mistake: heads last
        x = jnp.transpose(x, (0, 3, 1, 2))
        return jnp.reshape(x, (-1, s, d_head))
    return compute_attention_heads


def heads_no_transpose(n_heads, d_head):
    def compute_attention_heads(x):
        return jnp.reshape(x, (-1, x.shape[1], d_head))  # mistake: no transpose
    return compute_attention_heads


def self_attention_upper_mask(q, k, v):
    mask = jnp.triu(jnp.ones((1, q.shape[-2], q.shape[-2]), dtype=jnp.bool_))  # mistake
    return att.DotProductAttention(q, k, v, mask)


def output_not_inverting(n_heads, d_head):
    def compute_attention_output(x):
        return jnp.reshape(x, (-1, x.shape[1], n_heads * d_head))  # mistake: no transpose back
    return compute_attention_output


# --- UNQ_C5 / UNQ_C6 / UNQ_C7 -----------------------------------------------------------------

def causal_attention_no_output_dense(d_feature, n_heads, mode='train'):
    assert d_feature % n_heads == 0
    d_head = d_feature // n_heads
    heads = tl.Fn('AttnHeads', att.compute_attention_heads_closure(n_heads, d_head), n_out=1)
    return tl.Serial(
        tl.Branch([tl.Dense(d_feature), heads], [tl.Dense(d_feature), heads],
                  [tl.Dense(d_feature), heads]),
        tl.Fn('DotProductAttn', att.dot_product_self_attention, n_out=1),
        tl.Fn('AttnOutput', att.compute_attention_output_closure(n_heads, d_head), n_out=1),
    )  # mistake: the output Dense is missing


def decoder_block_no_relu(d_model, d_ff, n_heads, dropout, mode, ff_activation):
    feed_forward = [tl.LayerNorm(), tl.Dense(d_ff),  # mistake: no ff_activation()
                    tl.Dropout(rate=dropout, mode=mode), tl.Dense(d_model),
                    tl.Dropout(rate=dropout, mode=mode)]
    return [tl.Residual(tl.LayerNorm(), att.CausalAttention(d_model, n_heads=n_heads, mode=mode),
                        tl.Dropout(rate=dropout, mode=mode)),
            tl.Residual(feed_forward)]


def _lm(shift, log_softmax):
    def TransformerLM(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8,
                      dropout=0.1, max_len=4096, mode='train', ff_activation=tl.Relu):
        blocks = [mdl.DecoderBlock(d_model, d_ff, n_heads, dropout, mode, ff_activation)
                  for _ in range(n_layers)]
        return tl.Serial(*([tl.ShiftRight(mode=mode)] if shift else []),
                         mdl.PositionalEncoder(vocab_size, d_model, dropout, max_len, mode),
                         blocks, tl.LayerNorm(), tl.Dense(vocab_size),
                         *([tl.LogSoftmax()] if log_softmax else []))
    return TransformerLM


# --- UNQ_C8 -----------------------------------------------------------------------------------

def _training_loop(optimizer, schedule):
    def training_loop(TransformerLM, train_gen, eval_gen, output_dir="~/model"):
        train_task = trax_training.TrainTask(
            labeled_data=train_gen, loss_layer=tl.CrossEntropyLoss(), optimizer=optimizer(),
            lr_schedule=schedule(), n_steps_per_checkpoint=10)
        eval_task = trax_training.EvalTask(labeled_data=eval_gen,
                                           metrics=[tl.CrossEntropyLoss(), tl.Accuracy()])
        return trax_training.Loop(TransformerLM(d_model=4, d_ff=16, n_layers=1, n_heads=2),
                                  train_task, eval_tasks=[eval_task],
                                  output_dir=os.path.expanduser(output_dir))
    return training_loop


ADAM = lambda: trax.optimizers.Adam(0.01)  # noqa: E731
SCHEDULE = lambda: trax.lr.warmup_and_rsqrt_decay(1000, 0.01)  # noqa: E731


# --- UNQ_C9 / UNQ_C10 -------------------------------------------------------------------------

def next_symbol_wrong_position(cur_output_tokens, model):
    n = len(cur_output_tokens)
    padded = cur_output_tokens + [0] * (2 ** int(np.ceil(np.log2(n + 1))) - n)
    x = np.array(padded)[None, :]
    output, _ = model((x, x))
    return int(np.argmax(output[0, n - 1, :]))  # mistake: position n - 1


def _greedy(drop_eos=False, stop=True):
    def greedy_decode(input_sentence, model, next_symbol=decoding.next_symbol, tokenize=None,
                      detokenize=None, verbose=True, max_length=None):
        tokens = tokenize(input_sentence) + [0]
        generated, cur = [], 0
        for _ in range(40):
            if stop and cur == EOS:
                break
            cur = next_symbol(tokens, model)
            tokens.append(cur)
            if not (drop_eos and cur == EOS):
                generated.append(cur)
            if verbose:
                print(detokenize(generated))
            if max_length is not None and len(generated) >= max_length:
                break
        return detokenize(generated)
    return greedy_decode


# --- data -------------------------------------------------------------------------------------

def preprocess_mask_flipped(stream):
    for article, summary in stream:
        joint = np.array(list(article) + [1, 0] + list(summary) + [1])
        yield joint, joint, np.array([1] * (len(article) + 2) + [0] * (len(summary) + 1))


def tokenize_no_eos(input_str, EOS=1):
    return data.tokenize(input_str)[:-1]


# --- the labs ----------------------------------------------------------------------------------

def softmax_naive(x, axis=-1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)  # mistake: overflows


def feed_forward_no_relu(d_model, d_ff, dropout, mode, ff_activation):
    return [tl.LayerNorm(), tl.Dense(d_ff), tl.Dropout(rate=dropout, mode=mode),  # no activation
            tl.Dense(d_model), tl.Dropout(rate=dropout, mode=mode)]


def numpy_attention_unscaled(query, key, value, mask, scale=True):
    return na.DotProductAttention(query, key, value, mask, scale=False)  # mistake: never scales


MUTANTS = {
    "Lab 1 softmax overflowing": (grader.test_softmax, softmax_naive, "overflow"),
    "Lab 1 attention without √d": (grader.test_numpy_DotProductAttention,
                                   numpy_attention_unscaled, "no scaling by √d"),
    "Lab 2 FeedForward without ReLU": (grader.test_FeedForward, feed_forward_no_relu,
                                       "ReLU missing"),
    "missing √d scaling": (grader.test_DotProductAttention, attention_unscaled,
                           "no scaling by √d"),
    "mask polarity flipped": (grader.test_DotProductAttention, attention_mask_flipped,
                              "mask polarity flipped"),
    "NumPy array returned": (grader.test_DotProductAttention, attention_numpy, "not a jax.Array"),
    "heads split in the wrong axis order": (grader.test_compute_attention_heads_closure,
                                            heads_wrong_axis_order, "wrong axis order"),
    "heads split without the transpose": (grader.test_compute_attention_heads_closure,
                                          heads_no_transpose, "no transpose"),
    "causal mask upper-triangular": (grader.test_dot_product_self_attention,
                                     self_attention_upper_mask, "upper-triangular mask"),
    "output closure not inverting the split": (grader.test_compute_attention_output_closure,
                                               output_not_inverting, "does not invert the split"),
    "Dense count wrong in the tree": (grader.test_CausalAttention,
                                      causal_attention_no_output_dense, "Dense count wrong"),
    "ReLU missing from the feed-forward": (grader.test_DecoderBlock, decoder_block_no_relu,
                                           "ReLU missing"),
    "LogSoftmax missing": (grader.test_TransformerLM, _lm(True, False), "LogSoftmax missing"),
    "ShiftRight missing": (grader.test_TransformerLM, _lm(False, True), "ShiftRight missing"),
    "optimizer parameters off": (grader.test_training_loop,
                                 _training_loop(lambda: trax.optimizers.Adam(0.001), SCHEDULE),
                                 "optimizer's parameters are off"),
    "schedule off": (grader.test_training_loop,
                     _training_loop(ADAM, lambda: trax.lr.warmup_and_rsqrt_decay(100, 0.01)),
                     "learning-rate schedule is off"),
    "next_symbol reading the wrong position": (grader.test_next_symbol,
                                               next_symbol_wrong_position,
                                               "read the log-probabilities at position 9, not 10"),
    "greedy_decode dropping EOS": (grader.test_greedy_decode, _greedy(drop_eos=True),
                                   "EOS dropped"),
    "greedy_decode not stopping at EOS": (grader.test_greedy_decode, _greedy(stop=False),
                                          "did not stop at EOS"),
    "preprocess mask polarity flipped": (grader.test_preprocess, preprocess_mask_flipped,
                                         "mask polarity flipped"),
    "tokenize without EOS": (grader.test_tokenize, tokenize_no_eos, "EOS not appended"),
}


def _text(report):
    return "\n".join(f"{c.message} | {c.hint}" for c in report.cases if not c.passed)


@pytest.mark.parametrize("mistake", sorted(MUTANTS))
def test_mutant_is_caught_with_a_message_naming_it(mistake, capsys):
    grade, mutant, named = MUTANTS[mistake]
    report = grade(mutant)
    assert not report.passed, f"{mistake}: the grader passed a wrong implementation"
    assert named in _text(report), f"{mistake}: no message names it:\n{_text(report)}"
    printed = capsys.readouterr().out
    assert "FAILED" in printed and named in printed  # what the learner sees


def test_training_loop_grader_leaves_no_stand_in_home(tmp_path, monkeypatch):
    """The grader builds the Loop under a stand-in HOME (output_dir '~/model'): removed after."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    grader.test_training_loop(_training_loop(lambda: trax.optimizers.Adam(0.001), SCHEDULE),
                              verbose=False)
    assert list(tmp_path.iterdir()) == []
