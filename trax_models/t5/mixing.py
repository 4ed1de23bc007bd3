"""How often each task is trained on: T5's three mixing strategies (Raffel et al. 2020, §3.5.2).

    examples-proportional, cap K:  r_m = min(n_m, K) / Σ_l min(n_l, K)
    temperature T (cap K):         r_m ∝ min(n_m, K) ^ (1/T)        (T = 1: proportional;
                                                                      T → ∞: equal)
    equal:                         r_m = 1 / M

``Mixing.parse("proportional:3000" | "temperature:2" | "temperature:2:3000" | "equal")`` reads
the ``--mixing`` flag; ``rates(sizes, mixing)`` computes the rates; ``mixture(streams, rates)``
interleaves endless example streams with trax's ``data.Parallel``, which takes integer
counters: each rate becomes a counter out of ``RESOLUTION`` (at least 1), and Parallel visits
the streams in turn until each has given its counter's examples — so every window of
``RESOLUTION`` examples holds each task at its rate (to 1/RESOLUTION), deterministically.
"""
import dataclasses
import math

import trax

from trax_models.errors import UserError

__all__ = ["STRATEGIES", "RESOLUTION", "Mixing", "rates", "counters", "mixture"]

STRATEGIES = ("proportional", "temperature", "equal")
RESOLUTION = 1000   # counters per round of trax's data.Parallel


@dataclasses.dataclass(frozen=True)
class Mixing:
    """A mixing strategy: ``strategy`` of ``STRATEGIES``, the cap ``cap`` (K; None = none) and
    the ``temperature`` (T; temperature mixing only)."""
    strategy: str = "proportional"
    cap: int = None
    temperature: float = 1.0

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise UserError(f"unknown mixing {self.strategy!r} — use one of "
                            f"{', '.join(STRATEGIES)}")
        if self.cap is not None and (isinstance(self.cap, bool) or not isinstance(self.cap, int)
                                     or self.cap < 1):
            raise UserError(f"the mixing cap K must be a positive integer, got {self.cap!r}")
        t = self.temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (
                math.isfinite(t) and t >= 1):
            raise UserError(f"the mixing temperature T must be a number ≥ 1, got {t!r}")

    @classmethod
    def parse(cls, spec):
        """The ``--mixing`` flag: "proportional[:K]", "temperature:T[:K]" or "equal"."""
        parts = [p.strip() for p in str(spec).split(":")]
        name, args = parts[0], parts[1:]
        usage = ("--mixing takes proportional[:K], temperature:T[:K] or equal (K a positive "
                 f"integer, T a number ≥ 1), got {spec!r}")
        try:
            if name == "proportional" and len(args) <= 1:
                return cls(name, cap=int(args[0]) if args else None)
            if name == "temperature" and 1 <= len(args) <= 2:
                return cls(name, cap=int(args[1]) if len(args) == 2 else None,
                           temperature=float(args[0]))
            if name == "equal" and not args:
                return cls(name)
        except ValueError:
            raise UserError(usage) from None
        if name not in STRATEGIES:
            raise UserError(f"unknown mixing {name!r} — {usage}")
        raise UserError(usage)

    @property
    def spec(self):
        """The flag's text for this strategy (``parse(spec) == self``)."""
        cap = "" if self.cap is None else f":{self.cap}"
        if self.strategy == "temperature":
            return f"temperature:{self.temperature:g}{cap}"
        return "equal" if self.strategy == "equal" else f"proportional{cap}"


def rates(sizes, mixing):
    """{task: rate} (summing to 1) for {task: number of training examples} under ``mixing``."""
    if not sizes or any(n < 1 for n in sizes.values()):
        raise UserError(f"every task needs at least one example, got {sizes}")
    mixing = Mixing.parse(mixing) if isinstance(mixing, str) else mixing
    if mixing.strategy == "equal":
        return {task: 1 / len(sizes) for task in sizes}
    capped = {t: min(n, mixing.cap or n) for t, n in sizes.items()}
    power = 1 / mixing.temperature if mixing.strategy == "temperature" else 1.0
    weights = {t: n ** power for t, n in capped.items()}
    total = sum(weights.values())
    return {t: w / total for t, w in weights.items()}


def counters(task_rates):
    """Integer counters for ``data.Parallel``: each rate × ``RESOLUTION``, rounded, ≥ 1."""
    return [max(1, round(r * RESOLUTION)) for r in task_rates.values()]


def mixture(streams, task_rates):
    """One endless stream interleaving ``streams`` {task: function → iterator} at
    ``task_rates`` {task: rate} (same keys), through trax's ``data.Parallel``."""
    names = list(task_rates)
    return trax.data.Parallel([streams[n] for n in names], counters=counters(task_rates))()
