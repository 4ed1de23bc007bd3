"""Hints in the course's style never give the code away: no instruction or hint a learner reads
contains a line of the reference solution.

What is checked (the texts a learner sees while doing an exercise):

* every markdown cell of the three solution notebooks (the exercise copies' markdown is the
  same, `test_exercises.py` checks that): the instructions and the <details> hints;
* what an exercise cell keeps in the exercise copy: its code outside ### BEGIN / END SOLUTION
  (signature, docstring, comments, the given lines);
* every string in `trax_models/grader/*.py`: the messages, expected values and hints that the
  test cells and the score table of `python -m trax_models grade` print.

The rule — what counts as "a line of the reference solution": from each region between
`### BEGIN SOLUTION` and `### END SOLUTION`,

* every physical line, its comment removed;
* every statement (a statement over several lines taken whole);
* for an assignment, `return` or `yield`, its value alone (a hint would quote
  `jnp.where(mask, dots, ...)` without the `dots =`), and the value's first line;

each with all whitespace removed, a trailing `,` or `:` dropped and unbalanced brackets at its
ends trimmed (a line inside a list or a call). Ignored: candidates shorter than 20 characters
(`return x`, `EOS = 1`, `tl.LayerNorm(),`, `tl.Dense(d_ff),`: naming the layer or the function
to use is what a course hint does), and candidates that the exercise copy shows anyway in its
code outside the solutions (the call `DecoderBlock(d_model, d_ff, n_heads, dropout, mode,
ff_activation)` is also the given signature). A text gives a line away when a candidate occurs
in it, both compared with all whitespace and markdown's backquotes removed, `"` read as `'`,
and a keyword argument passed its own name read as the name alone (`np.max(x, axis,
keepdims=True)` is the line `np.max(x, axis=axis, keepdims=True)`). Sub-expressions of a line
(`jnp.swapaxes(key, -1, -2)` inside the scores' line) are not candidates: naming a function
with its arguments is allowed, quoting a whole line is not.
"""
import ast
import functools
import pathlib
import re
import textwrap

import nbformat
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = [REPO / "notebooks" / f"{n}.ipynb" for n in (
    "C4W2_Assignment_Transformer_Summarizer", "C4W2_Lab1_Attention",
    "C4W2_Lab2_Transformer_Decoder")]
MIN_CHARS = 20
REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*$",
                    re.S | re.M)


def _squash(text):
    """No whitespace, no markdown code quotes, one kind of quote, `axis=axis` as `axis`."""
    text = re.sub(r"[\s`]+", "", text).replace('"', "'")
    return re.sub(r"\b(\w+)=\1\b", r"\1", text)


def _trim(s):
    s = _squash(s).rstrip(",:")
    depth = lambda t: sum(t.count(c) for c in "([{") - sum(t.count(c) for c in ")]}")  # noqa: E731
    while s and s[0] in "([{" and depth(s) > 0:
        s = s[1:]
    while s and s[-1] in ")]}" and depth(s) < 0:
        s = s[:-1]
    return s.rstrip(",:")


def _no_comment(line):
    return re.sub(r"\s#.*$|^\s*#.*$", "", line)


def solution_lines(source):
    """{candidate: the solution line it comes from} for one cell's solution regions."""
    found = {}
    for region in REGION.findall(source):
        region = textwrap.dedent(region)
        lines = region.splitlines()
        for line in lines:
            found.setdefault(_trim(_no_comment(line)), line.strip())
        for node in ast.walk(ast.parse(region)):
            if not isinstance(node, ast.stmt):
                continue
            segment = ast.get_source_segment(region, node)
            if not isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                found.setdefault(_trim(_no_comment(segment)), segment)
            value = getattr(node, "value", None)
            if isinstance(value, (ast.Yield, ast.YieldFrom)):
                value = value.value
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return,
                                 ast.Expr)) and value is not None:
                whole = ast.get_source_segment(region, value)
                found.setdefault(_trim(_no_comment(whole)), segment)
                first = lines[value.lineno - 1].encode()[value.col_offset:].decode()
                found.setdefault(_trim(_no_comment(first)), segment)
    return {c: line for c, line in found.items() if len(c) >= MIN_CHARS}


@functools.lru_cache(maxsize=None)
def _solutions():
    """The candidates of the three notebooks, less those the exercise copies show anyway."""
    out, shown = {}, ""
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                shown += _squash(REGION.sub("", cell.source))
                out.update(solution_lines(cell.source))
    return {c: line for c, line in out.items() if c not in shown}


def _grader_strings():
    """(where, text) for every string literal of the grader (f-strings with {} for the
    interpolations)."""
    for path in sorted((REPO / "trax_models" / "grader").glob("*.py")):
        tree = ast.parse(path.read_text())
        inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}"
                               for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in inner:
                text = node.value
            else:
                continue
            yield f"{path.relative_to(REPO)}:{node.lineno}", text


def _texts():
    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                yield f"{path.name} markdown cell {i}", cell.source
            elif "### BEGIN SOLUTION" in cell.source:
                yield (f"{path.name} exercise cell {i} (outside the solution)",
                       REGION.sub("", cell.source))
    yield from _grader_strings()


def leaks(text, candidates):
    """The solution lines that ``text`` contains."""
    flat = _squash(text)
    return sorted({line for c, line in candidates.items() if c in flat})


def test_the_rule_catches_a_quoted_line_and_allows_naming_the_function():
    candidates = solution_lines(
        "    ### BEGIN SOLUTION\n"
        "    dots = jnp.matmul(query, jnp.swapaxes(key, -1, -2)) / jnp.sqrt(depth)\n"
        "    if mask is not None:\n"
        "        dots = jnp.where(mask, dots, jnp.full_like(dots, -1e9))  # -inf\n"
        "    return jnp.matmul(dots, value)\n"
        "    blocks = [Block(d_model, d_ff, n_heads)\n"
        "              for _ in range(n_layers)]\n"
        "    ### END SOLUTION\n")
    # the example: the value of a line, quoted in an instruction
    assert leaks("2. replace the score: `jnp.where(mask, dots, jnp.full_like(dots, -1e9))`;",
                 candidates)
    assert leaks("`dots = jnp.where(mask,dots,jnp.full_like(dots,-1e9))`", candidates)
    assert leaks("use `Block(d_model, d_ff, n_heads)` per layer", candidates)  # a first line
    assert leaks("blocks = [Block(d_model, d_ff, n_heads) for _ in range(n_layers)]", candidates)
    assert not leaks("`jnp.where(condition, x, y)` picks from x where the condition is True; "
                     "`jnp.full_like` builds an array of the scores' shape", candidates)
    assert not leaks("transpose the key with `jnp.swapaxes(key, -1, -2)`", candidates)
    assert leaks("return `jnp.matmul(dots, value)`", candidates)  # a returned value
    assert not leaks("the weights times the values: `jnp.matmul`", candidates)
    assert not leaks("`if mask is not None:`", candidates)  # 17 characters: too short to count
    assert leaks("`np.max(x, axis, keepdims=True)`", solution_lines(
        "### BEGIN SOLUTION\nx_max = np.max(x, axis=axis, keepdims=True)\n### END SOLUTION\n"))


def test_every_notebook_has_solution_lines_to_check():
    candidates = _solutions()
    assert len(candidates) > 60
    assert any("jnp.where(mask" in c for c in candidates)


def _report(texts):
    candidates = _solutions()
    bad = [f"{where}: {found}" for where, text in texts
           if (found := leaks(text, candidates))]
    return "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_instruction_or_hint_in_the_notebook_contains_a_solution_line(path):
    texts = [(where, text) for where, text in _texts() if where.startswith(path.name)]
    assert texts
    bad = _report(texts)
    assert not bad, f"these cells give solution lines away:\n{bad}"


def test_no_grader_message_or_hint_contains_a_solution_line():
    texts = list(_grader_strings())
    assert len(texts) > 100
    bad = _report(texts)
    assert not bad, f"these grader strings give solution lines away:\n{bad}"
