"""The NumPy references checked by hand: small cases worked out on paper from the equations (the
JAX functions are checked against these references in test_attention_family.py)."""
import numpy as np

from tests.models import attention_family_reference as ref
from trax_models import numpy_attention


def test_conv_identity_and_shift_filters():
    x = np.array([[[1.0], [2.0], [3.0], [4.0]]])                         # (1, S=4, C=1)
    identity = np.array([0.0, 1.0, 0.0]).reshape(3, 1, 1)
    shift = np.array([1.0, 0.0, 0.0]).reshape(3, 1, 1)                  # f_j = x_{j-1}
    np.testing.assert_array_equal(ref.conv_features(x, identity)[0, :, 0], [1, 2, 3, 4])
    np.testing.assert_array_equal(ref.conv_features(x, shift)[0, :, 0], [0, 1, 2, 3])
    even = np.array([1.0, 0.0, 0.0, 0.0]).reshape(4, 1, 1)              # r = 4: 1 left, 2 right
    np.testing.assert_array_equal(ref.conv_features(x, even)[0, :, 0], [0, 1, 2, 3])


def test_scores_by_hand():
    query, keys = np.array([[1.0, 0.0]]), np.array([[[0.0, 0.0], [1.0, 1.0]]])
    eye, b, v = np.eye(2), np.zeros(2), np.array([1.0, 1.0])
    # e_j = v · tanh(s + h_j)
    np.testing.assert_allclose(ref.content_scores(query, keys, eye, eye, b, v),
                               [[np.tanh(1.0), np.tanh(2.0) + np.tanh(1.0)]])
    prev = np.array([[1.0, 0.0]])
    ident = np.array([0.0, 1.0, 0.0]).reshape(3, 1, 1)
    # location: f_j = α_{i-1,j}, U = [1, 0]: e = [tanh(2), tanh(1) + 0] → only j = 0 gets the boost
    np.testing.assert_allclose(ref.location_scores(query, prev, ident, eye, np.array([[1.0, 0.0]]), b, v),
                               [[np.tanh(2.0), np.tanh(1.0)]])


def test_normalisations_by_hand():
    e, mask = np.array([[0.0, np.log(3.0), 5.0]]), np.array([[1.0, 1.0, 0.0]])
    np.testing.assert_allclose(ref.masked_softmax(e, mask), [[0.25, 0.75, 0.0]])
    np.testing.assert_allclose(ref.sharpened_softmax(e, mask, 2.0), [[0.1, 0.9, 0.0]])
    np.testing.assert_allclose(ref.smoothed_normalise(e, mask), [[0.5 / 1.25, 0.75 / 1.25, 0.0]])
    np.testing.assert_array_equal(ref.masked_softmax(e, np.zeros((1, 3))), [[0.0, 0.0, 0.0]])
    e4 = np.random.default_rng(0).normal(size=(2, 4))
    np.testing.assert_allclose(ref.masked_softmax(e4, np.ones((2, 4))), numpy_attention.softmax(e4))


def test_median_and_window_by_hand():
    np.testing.assert_array_equal(ref.median_position(np.array([[0.2, 0.2, 0.6], [0.5, 0.5, 0.0]])), [2, 0])
    prev = np.array([[0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])                  # median 3, w = 1: j ∈ [2, 4)
    out = ref.windowed_softmax(np.zeros((1, 6)), np.ones((1, 6)), prev, 1)
    np.testing.assert_allclose(out, [[0, 0, 0.5, 0.5, 0, 0]])


def test_monotonic_by_hand():
    p, prev = np.array([[0.5, 0.5, 0.5]]), np.array([[1.0, 0.0, 0.0]])
    # q = [1, 0.5, 0.25], α = p q
    np.testing.assert_allclose(ref.monotonic_attention(p, prev, np.ones((1, 3))), [[0.5, 0.25, 0.125]])
    # mass added at j = 1: q_1 = 0.5·1 + 1 = 1.5
    np.testing.assert_allclose(ref.monotonic_attention(p, np.array([[1.0, 1.0, 0.0]]), np.ones((1, 3))),
                               [[0.5, 0.75, 0.375]])
    alpha, pos = ref.hard_monotonic_attention(np.array([[0.9, 0.2, 0.7]]), [1], np.ones((1, 3)))
    np.testing.assert_array_equal(alpha, [[0, 0, 1]])
    assert pos.tolist() == [2]
    alpha, pos = ref.hard_monotonic_attention(np.array([[0.9, 0.2, 0.7]]), [1], np.array([[1, 1, 0]]))
    assert not alpha.any() and pos.tolist() == [1]                       # nothing left: stay


def test_stepwise_by_hand():
    p = np.array([[0.3, 0.6, 0.9]])
    np.testing.assert_allclose(ref.stepwise_monotonic_attention(p, np.array([[1.0, 0.0, 0.0]]), np.ones((1, 3))),
                               [[0.3, 0.7, 0.0]])
    # from the last position 10 % moves past the end and is lost
    np.testing.assert_allclose(ref.stepwise_monotonic_attention(p, np.array([[0.0, 0.0, 1.0]]), np.ones((1, 3))),
                               [[0.0, 0.0, 0.9]])


def test_local_by_hand():
    assert ref.local_p_center(np.zeros((1, 2)), np.eye(2), np.ones(2), np.array([[1, 1, 1, 1, 0]]))[0] == 2.0
    out = ref.local_attention(np.zeros((1, 7)), np.ones((1, 7)), [3.0], 2, gaussian=True)
    # window 1..5 uniform 1/5, σ = 1: × exp(−d²/2)
    np.testing.assert_allclose(out, [[0] + [np.exp(-d * d / 2) / 5 for d in (-2, -1, 0, 1, 2)] + [0]])
    out = ref.local_attention(np.zeros((1, 7)), np.ones((1, 7)), [0], 2, gaussian=False)
    np.testing.assert_allclose(out, [[1 / 3, 1 / 3, 1 / 3, 0, 0, 0, 0]])
