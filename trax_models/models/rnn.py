"""Recurrent language models — the baselines the course's Transformer is compared with.

Same interface as ``trax_models.model.TransformerLM``: token ids (batch, L) → log-probabilities
(batch, L, vocab), shifted right so position t sees tokens < t only. One function builds all
three, differing only in the recurrent cell that runs along the sequence axis::

    ShiftRight → Embedding → Dropout   (batch, L, d_model)
    n_layers × recurrent layer         (batch, L, d_model)   tanh RNN | GRU | LSTM, a lax.scan
    Dense(vocab) → LogSoftmax          (batch, L, vocab)

The recurrence ``h_t = f(x_t, h_{t-1})`` is the point of the comparison: step t needs step t-1,
so a sequence of length L costs L dependent steps, where attention does the whole sequence in
one parallel matrix product. trax has ``tl.LSTM`` and ``tl.GRU``; it has no plain tanh cell, so
``RNNCell`` below is ours: ``h_t = tanh([x_t; h_{t-1}] W + b)``.

Modes: 'train' (dropout on), 'eval', 'predict' — in predict mode ``tl.Scan`` keeps the hidden
state between calls and ShiftRight is the identity, so feeding one token per call gives the same
log-probs as 'eval' on the whole prefix (reset with ``model.state = start_state``). The weights
of all three modes are the same tree, so one checkpoint serves all of them. The models work with
``trax.supervised.training.Loop`` and ``tl.CrossEntropyLoss`` (they end in LogSoftmax).
"""

from trax import fastmath
from trax import layers as tl
from trax.fastmath import numpy as jnp
from trax.layers import base, initializers

__all__ = ["RNNCell", "SimpleRNN", "RecurrentLayer", "RNNLM", "CELLS", "rnn_lm_params"]

CELLS = ("rnn", "gru", "lstm")


class RNNCell(base.Layer):
    """Elman cell ``h_t = tanh([x_t; h_{t-1}] W + b)``: (x_t (batch, d_in), h (batch, n)) → (h_t, h_t).

    Two inputs, two outputs (output and new state), as ``tl.Scan`` expects of a cell. Weights:
    W (d_in + n, n) Glorot-uniform, b (n,). Stateless; the same in every mode.
    """

    def __init__(self, n_units):
        super().__init__(n_in=2, n_out=2)
        self._n_units = n_units

    def forward(self, inputs):
        x, h = inputs                                   # (batch, d_in), (batch, n)
        w, b = self.weights
        new_h = jnp.tanh(jnp.dot(jnp.concatenate([x, h], axis=-1), w) + b)  # (batch, n)
        return new_h, new_h

    def init_weights_and_state(self, input_signature):
        if input_signature[1].shape[-1] != self._n_units:
            raise ValueError(f"RNNCell state has {input_signature[1].shape[-1]} units, "
                             f"expected n_units={self._n_units}")
        rng1, rng2 = fastmath.random.split(self.rng, 2)
        d_in = input_signature[0].shape[-1] + self._n_units
        self.weights = (initializers.GlorotUniformInitializer()((d_in, self._n_units), rng1),
                        initializers.RandomNormalInitializer(1e-6)((self._n_units,), rng2))


def SimpleRNN(n_units, mode='train'):
    """Plain tanh RNN along axis 1: (batch, L, d_in) → (batch, L, n_units), zero initial state.

    Built like ``tl.GRU``: Branch a zero state, ``tl.Scan`` the cell, drop the final state.
    In predict mode Scan carries the state from one call to the next.
    """
    return tl.Serial(
        tl.Branch([], tl.MakeZeroState(depth_multiplier=1)),  # x, h0 (batch, n)
        tl.Scan(RNNCell(n_units), axis=1, mode=mode),          # outputs (batch, L, n), h_L
        tl.Select([0], n_in=2),                                # drop the final state
        name=f'SimpleRNN_{n_units}', sublayers_to_print=[])


def RecurrentLayer(cell, n_units, mode='train'):
    """The recurrent layer named by ``cell`` ('rnn' | 'gru' | 'lstm'): (batch, L, d) → (batch, L, n).

    The input width must equal ``n_units`` (the zero state is made with the input's width).
    """
    if cell == 'rnn':
        return SimpleRNN(n_units, mode=mode)
    if cell == 'gru':
        return tl.GRU(n_units, mode=mode)
    if cell == 'lstm':
        return tl.LSTM(n_units, mode=mode)
    raise ValueError(f"unknown recurrent cell {cell!r}: choose one of {', '.join(CELLS)}")


def RNNLM(vocab_size, d_model=128, n_layers=1, cell='lstm', dropout=0.0, mode='train'):
    """A recurrent language model: tokens (batch, L) int → log-probs (batch, L, vocab_size).

    ``cell`` picks the recurrence: 'rnn' (tanh, ours), 'gru' (``tl.GRU``) or 'lstm'
    (``tl.LSTM``); every layer has ``d_model`` units. Modes 'train' | 'eval' | 'predict' (see the
    module docstring). Layout mirrors TransformerLM so the two can be swapped in any loop::

        ShiftRight, Embedding, Dropout, n_layers × recurrent, Dense(vocab_size), LogSoftmax
    """
    if cell not in CELLS:
        raise ValueError(f"unknown recurrent cell {cell!r}: choose one of {', '.join(CELLS)}")
    if n_layers < 1 or d_model < 1 or vocab_size < 2:
        raise ValueError(f"RNNLM needs n_layers ≥ 1, d_model ≥ 1, vocab_size ≥ 2; got "
                         f"{n_layers}, {d_model}, {vocab_size}")
    return tl.Serial(
        tl.ShiftRight(mode=mode),                 # (batch, L): position t sees tokens < t
        tl.Embedding(vocab_size, d_model),        # (batch, L, d_model)
        tl.Dropout(rate=dropout, mode=mode),
        [RecurrentLayer(cell, d_model, mode=mode) for _ in range(n_layers)],  # (batch, L, d_model)
        tl.Dense(vocab_size),                     # (batch, L, vocab)
        tl.LogSoftmax(),
    )


def rnn_lm_params(vocab_size, d_model=128, n_layers=1, cell='lstm'):
    """Closed-form parameter count of ``RNNLM``: embedding V·n, cells, Dense n·V + V.

    Per layer (input width n = d_model): tanh RNN 2n² + n; GRU (two gate matrices and a
    candidate) 6n² + 3n; LSTM (four gates) 8n² + 4n.
    """
    n, V = d_model, vocab_size
    per_layer = {'rnn': 2 * n * n + n, 'gru': 6 * n * n + 3 * n, 'lstm': 8 * n * n + 4 * n}[cell]
    return V * n + n_layers * per_layer + n * V + V
