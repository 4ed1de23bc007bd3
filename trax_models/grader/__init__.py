"""The offline grader: one function per graded name, in the course's calling convention.

    from trax_models import grader
    grader.test_DotProductAttention(DotProductAttention)   # prints each check, returns a Report

Each ``test_<name>(fn)`` runs the course's check values and the cases a wrong implementation
typically gets wrong on the LEARNER's ``fn``, printing for every failure what was expected, what
came back and a hint (shape, dtype, jax.Array vs NumPy, mask polarity, scaling, the tree
printed vs expected). ``EXERCISES`` lists them in the assignment's order with their points;
``grade_namespace(globals())`` grades every exercise a notebook defines (what
``python -m trax_models grade NOTEBOOK.ipynb`` runs inside the learner's kernel).
"""
import dataclasses

from trax_models.grader._report import Report
from trax_models.grader.attention import (
    test_CausalAttention,
    test_compute_attention_heads_closure,
    test_compute_attention_output_closure,
    test_dot_product_self_attention,
    test_DotProductAttention,
)
from trax_models.grader.data import test_preprocess, test_tokenize
from trax_models.grader.decoding import test_greedy_decode, test_next_symbol
from trax_models.grader.labs import (
    test_FeedForward,
    test_lab_DecoderBlock,
    test_lab_TransformerLM,
    test_numpy_dot_product_self_attention,
    test_numpy_DotProductAttention,
    test_softmax,
)
from trax_models.grader.model import test_DecoderBlock, test_TransformerLM
from trax_models.grader.training import test_training_loop

__all__ = ["EXERCISES", "Exercise", "Report", "grade_namespace", "test_DotProductAttention",
           "test_compute_attention_heads_closure", "test_dot_product_self_attention",
           "test_compute_attention_output_closure", "test_CausalAttention", "test_DecoderBlock",
           "test_TransformerLM", "test_training_loop", "test_next_symbol", "test_greedy_decode",
           "test_tokenize", "test_preprocess", "test_softmax", "test_numpy_DotProductAttention",
           "test_numpy_dot_product_self_attention", "test_FeedForward", "test_lab_DecoderBlock",
           "test_lab_TransformerLM"]


@dataclasses.dataclass(frozen=True)
class Exercise:
    label: str       # the course's number (UNQ_C1 …), the data exercise's or lab's (L1_…)
    name: str        # the function the learner defines
    grader: object   # test_<name>
    points: int
    notebook: str = "assignment"   # or "lab1", "lab2"


EXERCISES = (
    Exercise("tokenize", "tokenize", test_tokenize, 5),
    Exercise("preprocess", "preprocess", test_preprocess, 5),
    Exercise("UNQ_C1", "DotProductAttention", test_DotProductAttention, 10),
    Exercise("UNQ_C2", "compute_attention_heads_closure", test_compute_attention_heads_closure,
             10),
    Exercise("UNQ_C3", "dot_product_self_attention", test_dot_product_self_attention, 10),
    Exercise("UNQ_C4", "compute_attention_output_closure", test_compute_attention_output_closure,
             10),
    Exercise("UNQ_C5", "CausalAttention", test_CausalAttention, 10),
    Exercise("UNQ_C6", "DecoderBlock", test_DecoderBlock, 10),
    Exercise("UNQ_C7", "TransformerLM", test_TransformerLM, 10),
    Exercise("UNQ_C8", "training_loop", test_training_loop, 10),
    Exercise("UNQ_C9", "next_symbol", test_next_symbol, 10),
    Exercise("UNQ_C10", "greedy_decode", test_greedy_decode, 10),
    Exercise("L1_softmax", "softmax", test_softmax, 1, "lab1"),
    Exercise("L1_DotProductAttention", "DotProductAttention", test_numpy_DotProductAttention, 1,
             "lab1"),
    Exercise("L1_dot_product_self_attention", "dot_product_self_attention",
             test_numpy_dot_product_self_attention, 1, "lab1"),
    Exercise("L2_FeedForward", "FeedForward", test_FeedForward, 1, "lab2"),
    Exercise("L2_DecoderBlock", "DecoderBlock", test_lab_DecoderBlock, 1, "lab2"),
    Exercise("L2_TransformerLM", "TransformerLM", test_lab_TransformerLM, 1, "lab2"),
)


def grade_namespace(namespace, labels=None, verbose=False):
    """Grade the exercises ``labels`` (default: the assignment's) with the functions found in
    ``namespace`` (by name).

    Returns [{"label", "name", "points", "max_points", "message", "passed", "failures"}]:
    ``message`` is the first failed check (or "all N checks passed"), ``failures`` every failed
    check as {"name", "message", "expected", "got", "hint"} — the texts the exercise's test cell
    prints (``python -m trax_models grade`` shows them under the score table's row). A name the
    namespace lacks scores 0 with "not defined".
    """
    rows = []
    for ex in EXERCISES:
        if (ex.label not in labels) if labels is not None else ex.notebook != "assignment":
            continue
        fn = namespace.get(ex.name)
        if fn is None:
            rows.append(dict(label=ex.label, name=ex.name, points=0, max_points=ex.points,
                             passed=False, message=f"not defined: no function {ex.name} (did "
                             f"its cell raise?)", failures=[]))
            continue
        report = ex.grader(fn, verbose=verbose)
        failures = [{k: None if v is None else str(v) for k, v in dict(
            name=c.name, message=c.message, expected=c.expected, got=c.got, hint=c.hint).items()}
            for c in report.failures]
        rows.append(dict(label=ex.label, name=ex.name, max_points=ex.points,
                         points=ex.points if report.passed else 0, passed=report.passed,
                         message=report.message, failures=failures))
    return rows
