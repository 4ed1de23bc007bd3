"""The grader's bookkeeping: cases that pass or fail with expected / got / hint, and reports.

A check is a function that returns normally (pass) or raises ``Fail(message, expected, got,
hint)``. ``run`` runs the checks of one exercise against the learner's function, catches
``NotImplementedError`` (the blank exercise: "not implemented", the remaining checks skipped)
and any other exception (reported with its type and message), prints the course-style summary
and returns a ``Report``.
"""
import dataclasses
import re
import traceback

import jax
import numpy as np

__all__ = ["Fail", "Case", "Report", "run", "compare_array", "squash", "tree_hint", "check_tree"]


class Fail(AssertionError):
    """One failed check: what was wrong, what was expected, what came back, what to try."""

    def __init__(self, message, expected=None, got=None, hint=None):
        super().__init__(message)
        self.message, self.expected, self.got, self.hint = message, expected, got, hint


@dataclasses.dataclass
class Case:
    name: str
    passed: bool
    message: str = ""
    expected: str | None = None
    got: str | None = None
    hint: str | None = None


@dataclasses.dataclass
class Report:
    """The result of one exercise's checks; ``print(report)`` shows it as the course does."""
    exercise: str
    cases: list

    @property
    def passed(self):
        return bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def n_passed(self):
        return sum(c.passed for c in self.cases)

    @property
    def message(self):
        """One line: 'all N checks passed' or the first failure's message."""
        if self.passed:
            return f"all {len(self.cases)} checks passed"
        failed = self.failures
        if failed and failed[0].message.startswith("not implemented"):
            return failed[0].message
        return f"{failed[0].name}: {failed[0].message}" if failed else "no checks ran"

    @property
    def failures(self):
        """The failed checks, in order."""
        return [c for c in self.cases if not c.passed]

    def __str__(self):
        lines = []
        for c in self.cases:
            if c.passed:
                lines.append(f"  \033[92mpassed\033[0m {c.name}")
                continue
            lines.append(f"  \033[91mFAILED\033[0m {c.name}: {c.message}")
            for label, text in (("expected", c.expected), ("got", c.got), ("hint", c.hint)):
                if text is not None:
                    body = str(text).replace("\n", "\n" + " " * 14)
                    lines.append(f"      {label + ':':9} {body}")
        n_failed = len(self.cases) - self.n_passed
        lines.append(f"\033[92m {self.n_passed} tests passed\033[0m")
        if n_failed:
            lines.append(f"\033[91m {n_failed} tests failed\033[0m")
        return f"{self.exercise}\n" + "\n".join(lines)


def _short(e):
    tb = traceback.extract_tb(e.__traceback__)
    where = f" (at line {tb[-1].lineno}: {tb[-1].line})" if tb and tb[-1].line else ""
    return f"{type(e).__name__}: {e}{where}"


def run(exercise, checks, verbose=True):
    """Run ``checks`` — [(name, thunk)] — and return (and print) the Report."""
    cases = []
    for i, (name, thunk) in enumerate(checks):
        try:
            thunk()
        except NotImplementedError:
            cases.append(Case(name, False, "not implemented (the function raises "
                              "NotImplementedError)", hint="replace `raise NotImplementedError()` "
                              "between ### START CODE HERE ### and ### END CODE HERE ### with "
                              "your code"))
            cases += [Case(n, False, "not implemented (skipped)") for n, _ in checks[i + 1:]]
            break
        except Fail as f:
            cases.append(Case(name, False, f.message, f.expected, f.got, f.hint))
        except Exception as e:  # the learner's code may raise anything: report it, go on
            cases.append(Case(name, False, f"raised {_short(e)}",
                              hint="run the cell's code on the example by hand to see where"))
        else:
            cases.append(Case(name, True))
    report = Report(exercise, cases)
    if verbose:
        print(report)
    return report


def _fmt(a):
    return np.array2string(np.asarray(a), precision=7, separator=", ", threshold=24,
                           edgeitems=2)


def compare_array(got, expected, *, atol=1e-6, want_jax=True, variants=None, what="output",
                  dtype=np.float32):
    """Raise Fail unless ``got`` is a jax.Array of ``expected``'s shape, dtype and values
    (``want_jax=False``: any array; ``dtype=None``: any dtype).

    ``variants``: {description of a typical mistake: the array that mistake gives}, or a
    function returning it (computed only when ``got`` is wrong); when ``got`` equals one of
    them the hint names that mistake.
    """
    expected = np.asarray(expected, dtype=dtype)
    got_np = np.asarray(got)
    if got_np.shape != expected.shape:
        raise Fail(f"wrong shape {got_np.shape}", expected=f"shape {expected.shape}",
                   got=f"shape {got_np.shape}", hint=_variant(got_np, variants, atol)
                   or "check the reshape/transpose axes and which axis is summed over")
    if not np.allclose(got_np, expected, atol=atol, rtol=1e-5):
        raise Fail("wrong values", expected=_fmt(expected), got=_fmt(got_np),
                   hint=_variant(got_np, variants, atol)
                   or "compare each step with the formula in the instructions")
    if want_jax and not isinstance(got, jax.Array):
        raise Fail(f"{what} is a {type(got).__module__}.{type(got).__name__}, not a jax.Array",
                   expected="jax.Array", got=type(got).__name__,
                   hint="use trax.fastmath.numpy (jnp) for every operation, not numpy (np)")
    if dtype is not None and got_np.dtype != expected.dtype:
        raise Fail(f"wrong dtype {got_np.dtype}", expected=str(expected.dtype),
                   got=str(got_np.dtype), hint="keep float32: do not cast, and build masks and "
                   "constants with the inputs' dtype")


def _variant(got, variants, atol):
    """The hint for a wrong ``got``: the typical mistake that gives exactly ``got``, if any."""
    if callable(variants):
        variants = variants()
    for description, value in (variants or {}).items():
        value = np.asarray(value)
        if value.shape == got.shape and np.allclose(got, value, atol=atol, rtol=1e-5):
            return f"your output is what you get with this mistake: {description}"
    return None


def squash(s):
    """A printed layer tree without whitespace (the course compares trees this way)."""
    return re.sub(r"\s+", "", str(s))


_NAMED = {
    "Relu": "ReLU missing or extra in the feed-forward: call ff_activation() after Dense(d_ff)",
    "LogSoftmax": "LogSoftmax missing or extra at the end: the model outputs log-probabilities "
                  "(tl.LogSoftmax() after the last Dense)",
    "ShiftRight": "ShiftRight missing or extra at the start: a tl.ShiftRight (with the mode) "
                  "comes first, so position t predicts token t from tokens < t",
    "Dense": "Dense count wrong",
    "LayerNorm": "LayerNorm count wrong: one before each sub-layer and one before the output "
                 "Dense",
    "Dropout": "Dropout count wrong",
    "AttnHeads": "AttnHeads count wrong: one after each of the three Dense (q, k, v)",
    "Embedding": "Embedding missing or extra",
    "PositionalEncoding": "PositionalEncoding missing or extra",
    "Branch": "Branch/Residual structure wrong",
    "Add": "Residual count wrong (each sub-layer is a tl.Residual)",
}


def tree_hint(got, expected):
    """A hint naming what differs between two printed trees (layer counts), then both trees."""
    def counts(s):
        names = re.findall(r"[A-Za-z]+", re.sub(r"_(in|out)\d+|_\d+", "", str(s)))
        return {n: names.count(n) for n in set(names)}
    c_got, c_exp = counts(got), counts(expected)
    diffs = []
    for name in sorted(set(c_got) | set(c_exp)):
        g, e = c_got.get(name, 0), c_exp.get(name, 0)
        if g != e:
            what = _NAMED.get(name, f"{name} count wrong")
            diffs.append(f"{what} (expected {e} × {name}, got {g})")
    specific = [d for d in diffs if not d.startswith(("Serial", "Branch"))]
    diffs = specific or diffs  # a wrapper count follows from the named layer: name that one
    if not diffs:
        sizes_got = re.findall(r"(?:Dense|Embedding)_[\d_]+", squash(got))
        sizes_exp = re.findall(r"(?:Dense|Embedding)_[\d_]+", squash(expected))
        if sizes_got != sizes_exp:
            diffs.append(f"layer sizes differ: expected {sizes_exp}, got {sizes_got}")
        else:
            diffs.append("the same layers in a different order or nesting")
    return "; ".join(diffs)


def check_tree(layer, expected, what):
    """Fail unless ``str(layer)`` equals ``expected`` up to whitespace; the hint names the
    difference and prints both trees."""
    if squash(layer) != squash(expected):
        raise Fail(f"{what}: the printed tree is not the expected one",
                   expected=expected, got=str(layer), hint=tree_hint(str(layer), expected))
