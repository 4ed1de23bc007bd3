"""T5's mixing strategies: the rates are the formulas, and the mixed stream keeps them."""
import collections
import itertools

import pytest

from trax_models.errors import UserError
from trax_models.t5 import mixing as M
from trax_models.t5 import streams

SIZES = {"a": 12_000, "b": 3_000, "c": 600}


def test_examples_proportional_with_a_cap():
    r = M.rates(SIZES, M.Mixing("proportional", cap=2_000))
    assert r == pytest.approx({"a": 2000 / 4600, "b": 2000 / 4600, "c": 600 / 4600})
    r = M.rates(SIZES, M.Mixing("proportional"))
    assert r == pytest.approx({k: n / 15_600 for k, n in SIZES.items()})


def test_temperature_mixing_is_n_to_the_1_over_t():
    r = M.rates(SIZES, M.Mixing("temperature", temperature=2))
    total = sum(n ** 0.5 for n in SIZES.values())
    assert r == pytest.approx({k: n ** 0.5 / total for k, n in SIZES.items()})
    # with a cap, the capped sizes are tempered
    r = M.rates(SIZES, M.Mixing("temperature", cap=3_000, temperature=3))
    capped = {"a": 3000, "b": 3000, "c": 600}
    total = sum(n ** (1 / 3) for n in capped.values())
    assert r == pytest.approx({k: n ** (1 / 3) / total for k, n in capped.items()})
    # T = 1 is examples-proportional; a large T approaches equal mixing
    assert M.rates(SIZES, M.Mixing("temperature", temperature=1)) == pytest.approx(
        M.rates(SIZES, M.Mixing("proportional")))
    assert M.rates(SIZES, M.Mixing("temperature", temperature=1e6)) == pytest.approx(
        M.rates(SIZES, M.Mixing("equal")), abs=1e-4)


def test_equal_mixing():
    assert M.rates(SIZES, "equal") == pytest.approx(dict.fromkeys(SIZES, 1 / 3))


@pytest.mark.parametrize("spec, want", [
    ("proportional", M.Mixing("proportional")),
    ("proportional:3000", M.Mixing("proportional", cap=3000)),
    ("temperature:2", M.Mixing("temperature", temperature=2.0)),
    ("temperature:4:500", M.Mixing("temperature", cap=500, temperature=4.0)),
    ("equal", M.Mixing("equal")),
])
def test_the_flag_parses_and_round_trips(spec, want):
    assert M.Mixing.parse(spec) == want and M.Mixing.parse(want.spec) == want


@pytest.mark.parametrize("spec", ["uniform", "proportional:0", "proportional:x", "temperature",
                                  "temperature:0.5", "temperature:nan", "equal:3", ""])
def test_bad_mixing_flags_are_one_clear_error(spec):
    with pytest.raises(UserError, match="mixing"):
        M.Mixing.parse(spec)


def test_the_mixed_stream_keeps_the_rates_in_every_round():
    rates = M.rates(SIZES, "temperature:2")
    stream = M.mixture({t: (lambda t=t: itertools.repeat(t)) for t in SIZES}, rates)
    counts = M.counters(rates)
    for _ in range(2):  # each round of sum(counters) examples holds each task its counter
        seen = collections.Counter(itertools.islice(stream, sum(counts)))
        assert [seen[t] for t in SIZES] == counts
    assert sum(counts) == pytest.approx(M.RESOLUTION, abs=len(SIZES))


def test_the_tasks_flag():
    assert streams.parse_tasks("summarize,stsb=300") == {"summarize": 3000, "stsb": 300}
    assert list(streams.parse_tasks(None)) == ["summarize", "question", "classify", "stsb",
                                               "entities"]
    for bad, words in [("summarize,translate", "unknown task 'translate'"), (" , ", "empty"),
                       ("stsb=x", "must be an integer"), ("stsb,stsb", "twice"),
                       ("stsb=0", "from 1")]:
        with pytest.raises(UserError, match=words):
            streams.parse_tasks(bad)
