"""trax_models.sources imports leaf → root only: read from the source (ast), nothing imported.

The rules (see the package docstring for the map):
* every import of a trax_models module sits at module level (no function-level import hides
  a cycle);
* outside the package, a module imports only the project's leaf modules below (each imports
  no trax_models module itself, so none can import the package back);
* ``vocab.py`` imports no module of the package (the corpus builds vocabularies, so it sits
  above; the default corpus's vocabulary reaches ``vocab`` only through ``set_fallback``);
* the modules of the package form no cycle, and none depends on ``__init__``'s contents.
"""
import ast
import pathlib

import pytest

import trax_models

ROOT = pathlib.Path(trax_models.__file__).parent
PACKAGE = ROOT / "sources"
LEAVES = {"trax_models.atomic", "trax_models.tokens", "trax_models.errors"}
VOCAB_MAY_IMPORT = {"trax_models.atomic"}  # its atomic vocabulary write


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


def test_the_package_is_what_the_docstring_maps():
    assert {p.name for p in MODULES} == {"__init__.py", "vocab.py", "records.py", "news.py",
                                         "files.py", "tfds.py", "corpus.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_function_level_import_of_a_local_module(path):
    nested = [(name, line) for name, line, at_top in local_imports(path) if not at_top]
    assert not nested, f"{path.name}: imports inside a function or class: {nested}"


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
    assert not graph["trax_models.sources.news"]  # pure functions of a seed
    order, left = [], dict(graph)
    while left:  # Kahn: peel off modules whose imports are all placed
        ready = sorted(n for n, deps in left.items() if deps <= set(order))
        assert ready, f"import cycle among {sorted(left)}"
        order += ready
        for n in ready:
            del left[n]
    assert order[-1] == "trax_models.sources"  # the dispatch is the root
