"""The package's architecture, read from the source (ast; nothing is imported to check it).

* No import cycle among trax_models' modules, and every import of a trax_models module sits at
  module level (no function-level import hides a cycle).
* No module over 500 lines; ``training.py`` and ``decoding.py`` hold the graded functions only.
* One registry decides the model kind: no other module compares with a model name, or asks
  a layer how many inputs it has (``n_in``), to tell the kinds apart.
* ``trax_models.sources`` imports leaf → root: outside itself only the leaf modules below;
  ``vocab.py`` nothing of the package but its atomic write; ``news.py`` nothing at all.
"""
import ast
import pathlib

import pytest

import trax_models

ROOT = pathlib.Path(trax_models.__file__).parent
PACKAGE = ROOT / "sources"
LEAVES = {"trax_models.atomic", "trax_models.tokens", "trax_models.errors"}
VOCAB_MAY_IMPORT = {"trax_models.atomic"}  # its atomic vocabulary write
ALL_MODULES = sorted(ROOT.rglob("*.py"))
MAX_LINES = 500
GRADED = {"training.py": {"training_loop"}, "decoding.py": {"next_symbol", "greedy_decode"}}
REGISTRY = ROOT / "summarizer" / "registry.py"


def module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name):
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def local_imports(path):
    """[(imported trax_models module, line, at module level?)] of one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    top = {id(node) for node in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import name` imports the submodule pkg.name when there is one
            names = [f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base
                     for a in node.names]
        else:
            continue
        out += [(n, node.lineno, id(node) in top) for n in names
                if n == "trax_models" or n.startswith("trax_models.")]
    return out


MODULES = sorted(PACKAGE.glob("*.py"))


def _graph(paths):
    return {module_name(p): {n for n, _, _ in local_imports(p)} - {module_name(p)}
            for p in paths}


def _cycle_free_order(graph):
    """Modules in an order where each comes after everything it imports (Kahn); fails on a
    cycle, naming the modules left."""
    order, left = [], {n: deps & set(graph) for n, deps in graph.items()}
    while left:
        ready = sorted(n for n, deps in left.items() if deps <= set(order))
        assert ready, f"import cycle among {sorted(left)}"
        order += ready
        for n in ready:
            del left[n]
    return order


# --- The whole package --------------------------------------------------------------------------

def test_no_import_cycle_in_the_package():
    _cycle_free_order(_graph(ALL_MODULES))


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_function_level_import_of_a_local_module_anywhere(path):
    nested = [(name, line) for name, line, at_top in local_imports(path) if not at_top]
    assert not nested, f"{path.name}: imports inside a function or class: {nested}"


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_500_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines"


@pytest.mark.parametrize("name", sorted(GRADED))
def test_course_modules_hold_the_graded_functions_in_plain_sight(name):
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert defined == GRADED[name]
    assert len((ROOT / name).read_text().splitlines()) < 150


def _model_names():
    tree = ast.parse(REGISTRY.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["MODELS"]:
            return {k.value for k in node.value.keys}
    raise AssertionError("registry.py defines no MODELS table")


@pytest.mark.parametrize("path", [p for p in ALL_MODULES if p != REGISTRY],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_registry_tells_model_kinds_apart(path):
    names = _model_names()
    assert {"transformer_lm", "encoder_decoder"} <= names
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            literals = {o.value for o in operands if isinstance(o, ast.Constant)}
            assert not literals & names, (
                f"{path.name}:{node.lineno} compares with a model name: ask the registry")
            n_in = any(isinstance(o, ast.Attribute) and o.attr == "n_in" for o in operands)
            assert not (n_in and 2 in literals), (
                f"{path.name}:{node.lineno} tells model kinds apart by n_in: ask the registry")


# --- trax_models.sources ------------------------------------------------------------------------


def test_the_package_is_what_the_docstring_maps():
    assert {p.name for p in MODULES} == {"__init__.py", "vocab.py", "records.py", "news.py",
                                         "entities.py", "files.py", "tfds.py", "corpus.py",
                                         "extractive.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_outside_the_package_only_leaf_modules(path):
    outside = {name for name, _, _ in local_imports(path)
               if name != "trax_models.sources" and not name.startswith("trax_models.sources.")}
    assert outside <= LEAVES, f"{path.name} imports {sorted(outside - LEAVES)}"


def test_the_allowed_modules_are_leaves():
    for name in LEAVES:
        path = ROOT / f"{name.rpartition('.')[2]}.py"
        assert path.is_file(), path
        assert local_imports(path) == [], f"{name} is not a leaf: {local_imports(path)}"


def test_vocab_imports_nothing_of_the_package():
    names = {name for name, _, _ in local_imports(PACKAGE / "vocab.py")}
    assert names <= VOCAB_MAY_IMPORT, sorted(names - VOCAB_MAY_IMPORT)


def test_leaf_to_root_without_a_cycle():
    graph = {}
    for path in MODULES:
        name = module_name(path)
        deps = {n for n, _, _ in local_imports(path) if n.startswith("trax_models.sources")}
        if path.name != "__init__.py":
            # a submodule may name the package only to reach a sibling module, never its contents
            assert "trax_models.sources" not in deps, f"{path.name} uses the package's __init__"
        graph[name] = deps - {name}
    assert not graph["trax_models.sources.vocab"] and not graph["trax_models.sources.records"]
    assert not graph["trax_models.sources.entities"]  # pure functions of a random.Random
    assert graph["trax_models.sources.news"] == {"trax_models.sources.entities"}  # and a seed
    assert _cycle_free_order(graph)[-1] == "trax_models.sources"  # the dispatch is the root
