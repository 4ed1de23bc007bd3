"""The package's architecture, read from the source (ast; nothing is imported to check it).

* No import cycle among trax_models' modules, and every import of a trax_models module sits at
  module level (no function-level import hides a cycle).
* No module over 500 lines; ``training.py`` and ``decoding.py`` hold the graded functions only.
* One registry decides the model kind: no other module compares with a model name, or asks
  a layer how many inputs it has (``n_in``), to tell the kinds apart.
* ``trax_models.sources`` imports leaf → root: outside itself only the leaf modules below;
  ``vocab.py`` nothing of the package but its atomic write; ``news.py`` nothing at all.
* Every option is one a user reaches (issue #35): each module (but the listed, with reasons)
  exports only what the package or a notebook uses and defaults only parameters some call there
  passes (``**`` of a config: the config's names; of a dict spelled out: its keys).
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


# --- trax is changed in one place -------------------------------------------------------------
# compat.py patches trax; trax_import.py (the import of trax that compat calls) installs the
# lazy trax.fastmath.tf / trax.trax2keras modules and swaps two modules' `tf` for
# compat.loop_without_tensorflow. No other module assigns into trax.
MAY_CHANGE_TRAX = {ROOT / "compat.py", ROOT / "trax_import.py"}


def _trax_rooted(node, names):
    """Is ``node`` a trax module or class: a trax-bound name, or an attribute chain on one?"""
    while isinstance(node, ast.Attribute):
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        if node.func.id in ("getattr", "vars"):
            return _trax_rooted(node.args[0], names)
    if isinstance(node, ast.Call) and _called(node) == "import_module" and node.args:
        return _is_trax_string(node.args[0])
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "sys.modules":
        return _is_trax_string(node.slice)
    return isinstance(node, ast.Name) and node.id in names


def _called(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _is_trax_string(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.split(".")[0] == "trax")


def _trax_names(tree):
    """Names bound to trax modules, classes or functions: imports, then plain aliases."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name.split(".")[0] for a in node.names
                      if a.name.split(".")[0] == "trax"}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                node.module.split(".")[0] == "trax"):
            names |= {a.asname or a.name for a in node.names}
    aliases = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value]
    grew = True
    while grew:  # `Layer = tl.base.Layer`, `mod = sys.modules["trax.x"]`, ...: aliases too
        grew = False
        for node in aliases:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _trax_rooted(node.value, names):
                new = {t.id for t in targets if isinstance(t, ast.Name)} - names
                names |= new
                grew |= bool(new)
    return names


def trax_assignments(source):
    """[(line, text)] of each place in ``source`` that assigns into a trax module or class."""
    tree = ast.parse(source)
    names = _trax_names(tree)
    found = []

    def into_trax(target):
        if isinstance(target, (ast.Tuple, ast.List)):
            return any(into_trax(t) for t in target.elts)
        if isinstance(target, ast.Starred):
            return into_trax(target.value)
        if isinstance(target, ast.Attribute):  # trax_training.x = ..., tl.Foo.bar = ...
            return _trax_rooted(target.value, names)
        if isinstance(target, ast.Subscript):  # X.__dict__[k] = ..., sys.modules["trax"] = ...
            value = target.value
            if ast.unparse(value) == "sys.modules":
                return _is_trax_string(target.slice)
            if isinstance(value, ast.Attribute) and value.attr == "__dict__":
                return _trax_rooted(value.value, names)
            return (isinstance(value, ast.Call) and getattr(value.func, "id", "") == "vars"
                    and bool(value.args) and _trax_rooted(value.args[0], names))
        return False

    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target] if not isinstance(node, ast.AnnAssign) or node.value else []
        elif isinstance(node, ast.Delete):
            targets = node.targets
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.withitem)):
            target = node.optional_vars if isinstance(node, ast.withitem) else node.target
            targets = [target] if target is not None else []
        elif isinstance(node, ast.Call) and node.args:
            name = _called(node)
            if name in ("setattr", "delattr", "object") and _trax_rooted(node.args[0], names):
                found.append((node.lineno, ast.unparse(node)))  # also mock.patch.object(...)
            elif name == "patch" and _is_trax_string(node.args[0]):  # mock.patch("trax.x")
                found.append((node.lineno, ast.unparse(node)))
        if any(into_trax(t) for t in targets):
            found.append((node.lineno, ast.unparse(node).splitlines()[0]))
    return sorted(found)


@pytest.mark.parametrize("source", [
    "from trax.supervised import training as trax_training\ntrax_training.unpickle = None",
    "import trax.layers as tl\ntl.Serial.forward = lambda self, x: x",
    "import trax\ntrax.layers.base.Layer.pure_fn = None",
    "from trax.layers import Serial\nSerial.x = 1",
    "from trax import layers as tl\nsetattr(tl.base, 'x', 1)",
    "from trax import fastmath\ndef f():\n    fastmath.numpy.tree_unflatten += 1",
    "import sys\nm = sys.modules['trax.fastmath.numpy']\nm.x = 1",
    "import importlib\nm = importlib.import_module('trax.data.inputs')\nm.tf, y = 1, 2",
    "from trax import layers as tl\nLayer = tl.base.Layer\nLayer.x = 1",
    "from trax import layers as tl\ndel tl.Serial",
    "from trax import layers as tl\ntl.Serial.__dict__['x'] = 1",
    "from trax import layers as tl\nvars(tl)['x'] = 1",
    "import sys\nsys.modules['trax.layers'] = None",
    "from unittest import mock\nwith mock.patch('trax.layers.Serial'):\n    pass",
    "from trax import layers as tl\nfrom unittest import mock\nmock.patch.object(tl, 'Dense', 1)",
])
def test_the_trax_assignment_check_catches(source):
    assert trax_assignments(source), source


@pytest.mark.parametrize("source", [
    "from trax import layers as tl\nmodel = tl.Serial()\nmodel.weights = 1",
    "from trax.supervised import training\nloop = training.Loop(1, 2)\nloop._step = 3",
    "from trax import layers as tl\nx = tl.Serial\ny = tl.Dense(3)\ny.n_in = 1",
    "import numpy as np\nnp.x = 1",  # not trax (and not this test's business)
])
def test_the_trax_assignment_check_passes(source):
    assert not trax_assignments(source), source


@pytest.mark.parametrize("path", [p for p in ALL_MODULES if p not in MAY_CHANGE_TRAX],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_only_compat_changes_trax(path):
    found = trax_assignments(path.read_text(encoding="utf-8"))
    assert not found, (f"{path.relative_to(ROOT)} assigns into trax: {found} — patch trax in "
                       "compat.py (with a test in tests/test_compat.py), nowhere else")


# --- the fast path holds only options a user reaches (issue #35) ------------------------------
# Users reach the package through its CLIs, the config and the notebooks, all of which run
# package code: a module below may export (``__all__``) only names that the package (itself
# included) or a notebook uses, and give a default to a parameter only if some call there
# passes it. tests/ and benchmarks/ are no users: benchmark-only variants live in
# benchmarks/fast_variants.py. Every module is checked but the course's, whose graded names
# and signatures stay as the course has them, reached or not.
_COURSE = "the course's graded names and signatures (tests/test_exercises.py, test_grader*.py)"
OPTIONS_EXEMPT = {m: _COURSE for m in (
    "trax_models.attention", "trax_models.decoding", "trax_models.training",
    "trax_models.model", "trax_models.decoder_lab", "trax_models.numpy_attention",
    "trax_models.positional", *(module_name(p) for p in ALL_MODULES
                                if module_name(p).startswith("trax_models.grader")))}
OPTIONS_CHECKED = tuple(module_name(p) for p in ALL_MODULES
                        if module_name(p) not in OPTIONS_EXEMPT)


def _user_sources():
    """{label: ast} of every package module and every notebook, read as ONE source (its code
    cells in order, magics dropped; a cell that does not parse — an exercise's blank — left
    out): an import in one cell reaches a use in a later one."""
    import json
    sources = {module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in ALL_MODULES}
    for nb in sorted((ROOT.parent / "notebooks").glob("*.ipynb")):
        cells = []
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code = "\n".join(line for line in "".join(cell["source"]).splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            try:
                cells.append(ast.parse(code))
            except SyntaxError:
                continue
        sources[nb.name] = ast.Module(body=[n for c in cells for n in c.body], type_ignores=[])
    return sources


# The modules that turn the user's settings (flags, config fields, presets, the model registry)
# into calls: a function they hand on as a value (``ModelKind(..., pointer.PointerTransformerLM)``)
# is called with ``**config.as_dict()``, so each of its parameters named there is reached.
CONFIG_MODULES = {"trax_models.summarizer.config", "trax_models.summarizer.registry",
                  "trax_models.summarizer.presets", "trax_models.summarizer.cli",
                  "trax_models.experiments.cli", "trax_models.t5.cli", "trax_models.transfer.cli"}


# train.py hands a registry kind's own ``streams`` function (``t5.streams.make_streams``) the
# batch layout it builds from the config as a dict: the names of dicts built there are settings.
LAYOUT_MODULES = {"trax_models.summarizer.train"}


def config_names(sources):
    """Names the config modules give settings: dataclass fields, string keys of dicts,
    keywords of calls and ``--flag``s (``-`` read as ``_``); and the keys of the dicts the
    ``LAYOUT_MODULES`` build (``{...}`` or ``dict(...)``)."""
    names = set()
    for label in LAYOUT_MODULES & set(sources):
        for node in ast.walk(sources[label]):
            if isinstance(node, ast.Dict):
                names |= {k.value for k in node.keys if isinstance(k, ast.Constant)
                          and isinstance(k.value, str)}
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "dict"):
                names |= {k.arg for k in node.keywords if k.arg}
    for label in CONFIG_MODULES & set(sources):
        for node in ast.walk(sources[label]):
            if isinstance(node, ast.ClassDef):
                names |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)
                          and isinstance(n.target, ast.Name)}
            elif isinstance(node, ast.Dict):
                names |= {k.value for k in node.keys if isinstance(k, ast.Constant)
                          and isinstance(k.value, str)}
            elif isinstance(node, ast.Call):
                names |= {k.arg for k in node.keywords if k.arg}
                names |= {a.value.lstrip("-").replace("-", "_") for a in node.args
                          if isinstance(a, ast.Constant) and isinstance(a.value, str)
                          and a.value.startswith("--")}
    return names


def _refs_to(tree, module, label):
    """{local name → public name of ``module``} plus ``attrs`` {alias of module}: how ``tree``
    names ``module``'s functions (imports, ``alias.f``, and plain aliases ``mm = alias.f``)."""
    direct, modules = {}, set()
    package = label.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == module and a.asname}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:
                if f"{base}.{a.name}" == module:
                    modules.add(a.asname or a.name)
                elif base == module:
                    direct[a.asname or a.name] = a.name
    if label == module:  # the module's own code names its definitions and constants plainly
        direct.update({n.name: n.name for n in tree.body
                       if isinstance(n, (ast.FunctionDef, ast.ClassDef))})
        direct.update({t.id: t.id for n in tree.body if isinstance(n, ast.Assign)
                       for t in n.targets if isinstance(t, ast.Name) and t.id != "__all__"})

    def target(node):
        if isinstance(node, ast.Name) and node.id in direct:
            return direct[node.id]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            return node.attr
        return None
    grew = True
    while grew:  # `block = fast_model.DecoderBlock if ... else ...`, `mm = precision.matmul`
        grew = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], ast.Name) and node.targets[0].id not in direct:
                found = [target(n) for n in ast.walk(node.value) if target(n)]
                if found:
                    direct[node.targets[0].id] = found[0]
                    grew = True
    return target


def _public(tree):
    """{name: (defaulted parameters [(name, position or None)])} of ``__all__``'s functions and
    classes (a class: its ``__init__``'s, less self)."""
    names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                  and any(getattr(t, "id", "") == "__all__" for t in n.targets)), [])
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in names:
            init = next((f for f in node.body if isinstance(f, ast.FunctionDef)
                         and f.name == "__init__"), None)
            out[node.name] = _defaulted(init.args, skip=1) if init else []
        elif isinstance(node, ast.FunctionDef) and node.name in names:
            out[node.name] = _defaulted(node.args)
    out.update({n: [] for n in names if n not in out})  # constants
    return out


def _defaulted(args, skip=0):
    positional = (args.posonlyargs + args.args)[skip:]
    first = len(positional) - len(args.defaults)
    return ([(a.arg, i) for i, a in enumerate(positional) if i >= first]
            + [(a.arg, None) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None])


def unreached_options(module, module_tree, sources, settings=frozenset()):
    """["module.f" (exported, used by no user) or "module.f(p=…)" (no user passes p)].

    A use inside the module counts once its enclosing top-level definition is used: by a
    user, or (transitively) by the module's own top-level statements or used definitions.
    ``cls(...)`` in a class's methods calls that class. A function handed on as a value
    (a registry entry, a callback) gets the parameters named in ``settings``
    (``config_names``): the config calls it with them, unpacked."""
    public = _public(module_tree)
    defs = {n.name: n for n in module_tree.body if isinstance(n, (ast.FunctionDef,
                                                                   ast.ClassDef))}
    used, passed, handed_on = set(), {name: set() for name in public}, set()

    def visit(tree, target):
        """Mark what ``tree`` uses and passes; returns the names it uses."""
        if isinstance(tree, ast.ClassDef):  # cls(...) in its classmethods
            outer = target

            def target(node, outer=outer, cls=tree.name):
                return cls if isinstance(node, ast.Name) and node.id == "cls" else outer(node)
        names = set()
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        for node in ast.walk(tree):
            name = target(node)
            if name and not isinstance(getattr(node, "ctx", None), ast.Store):
                names.add(name)
                if id(node) not in called:
                    handed_on.add(name)
            if isinstance(node, ast.Call) and target(node.func) in public:
                got = passed[target(node.func)]
                if any(isinstance(a, ast.Starred) for a in node.args):
                    got.add("*")
                got |= set(range(len(node.args))) | {k.arg for k in node.keywords if k.arg}
                for k in node.keywords:
                    if k.arg is None:  # **d: d's keys when the source spells them, else
                        got |= _keys(k.value, dicts) or set(settings)  # the config's names
        return names

    def _dicts(tree):
        """{name: keys} of the names ``tree`` binds to a dict it spells out."""
        out = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], ast.Name):
                out.setdefault(node.targets[0].id, set()).update(_keys(node.value, {}) or {"?"})
        return {k: v for k, v in out.items() if "?" not in v}

    def _keys(node, dicts):
        if isinstance(node, ast.Name):
            return dicts.get(node.id)
        if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) for k in node.keys):
            return {k.value for k in node.keys}
        if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "dict"
                and not node.args and all(k.arg for k in node.keywords)):
            return {k.arg for k in node.keywords}
        return None

    for label, tree in sources.items():
        dicts = _dicts(tree)
        used |= visit(tree, _refs_to(tree, module, label))
    own, dicts = _refs_to(module_tree, module, module), _dicts(module_tree)
    todo = [n for n in module_tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    todo += [defs[n] for n in used if n in defs]
    seen = set()
    while todo:
        node = todo.pop()
        if id(node) not in seen:
            seen.add(id(node))
            new = visit(node, own)
            used |= new
            todo += [defs[n] for n in new if n in defs]
    out = [f"{module}.{name}" for name in public if name not in used]
    for name, params in public.items():
        got = passed[name] | (set(settings) if name in handed_on else set())
        out += [f"{module}.{name}({p}=…)" for p, i in params
                if "*" not in got and p not in got and i not in got]
    return out


def _unreached(module, sources):
    path = ROOT.parent.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return unreached_options(module, ast.parse(path.read_text(encoding="utf-8")),
                             {k: v for k, v in sources.items() if k != module},
                             config_names(sources))


PLANTED = ast.parse("""
__all__ = ['Block', 'Unused', 'Built', 'Model', 'Table', 'RATE']
RATE = 0.5
def Block(d, mode, attention='blocked', max_len=2048): pass
def Unused(): pass
class Built:
    def __init__(self, a, size=1, seed=0): pass
    @classmethod
    def load(cls, **kw):
        return cls(1, **kw)
def Model(d_model=8, hidden=4, mode='train'): pass
def Table(n=1, scale=2.0): pass
""")


def test_the_option_check_finds_what_no_user_reaches():
    user = {"trax_models.user": ast.parse(
        "from trax_models.models import planted as p\nblock = p.Block\n"
        "block(1, 'train', max_len=8)\n"
        "KINDS = {'m': p.Model}\n"                            # handed on to the config
        "opts = dict(n=3)\np.Table(**opts)\n"),               # ** of a dict it spells out
        "nb.ipynb": ast.parse("from trax_models.models.planted import Built\n"
                              "x = 1\nBuilt.load(size=2)\n")}  # a later cell of a notebook
    found = unreached_options("trax_models.models.planted", PLANTED, user,
                              settings={"d_model", "mode", "size"})
    assert found == [
        "trax_models.models.planted.Unused", "trax_models.models.planted.RATE",
        "trax_models.models.planted.Block(attention=…)",
        "trax_models.models.planted.Built(seed=…)",   # cls(1, **kw): the config's names only
        "trax_models.models.planted.Model(hidden=…)",  # not a config name
        "trax_models.models.planted.Table(scale=…)"]   # not among the dict's keys


def test_notebooks_are_read_one_source_each():
    sources = _user_sources()
    notebooks = sorted(p.name for p in (ROOT.parent / "notebooks").glob("*.ipynb"))
    assert notebooks and all(isinstance(sources[n], ast.Module) for n in notebooks)
    # a planted option in a real module is caught against the real users
    path = ROOT / "summarizer" / "metrics.py"
    tree = ast.parse(path.read_text(encoding="utf-8").replace(
        "def rouge_with_ci(predictions, references):",
        "def rouge_with_ci(predictions, references, n_samples=1000):"))
    assert unreached_options("trax_models.summarizer.metrics", tree, sources,
                             config_names(sources)) == [
        "trax_models.summarizer.metrics.rouge_with_ci(n_samples=…)"]


@pytest.mark.parametrize("module", OPTIONS_CHECKED)
def test_the_package_exports_and_defaults_only_what_users_reach(module, user_sources):
    found = _unreached(module, user_sources)
    assert not found, (f"{found}: no CLI, config or notebook reaches these — move a "
                       "benchmark-only variant to benchmarks/ (fast_variants.py), or drop it")


def test_only_the_course_modules_are_exempt():
    assert set(OPTIONS_EXEMPT.values()) == {_COURSE}
    assert set(OPTIONS_EXEMPT) <= {module_name(p) for p in ALL_MODULES}  # none stale
    assert len(OPTIONS_CHECKED) == len(ALL_MODULES) - len(OPTIONS_EXEMPT)


@pytest.fixture(scope="module")
def user_sources():
    return _user_sources()
