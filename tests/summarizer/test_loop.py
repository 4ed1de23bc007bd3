"""summarizer/loop.py: every private name of trax's Loop it uses is listed once, with why, in
``_PRIVATE_TRAX_NAMES``; no private module-level name of trax is used; nothing of trax is
patched (its checkpoint reader is not swapped any more: the loop reads its own file)."""
import ast
import inspect
import pathlib
import re

from trax.supervised import training as trax_training

from trax_models.summarizer import loop

SOURCE = pathlib.Path(loop.__file__).read_text()
TREE = ast.parse(SOURCE)
TRAX_ALIASES = {"trax", "tl", "fastmath", "trax_training", "trax_history"}


def _train_loop_class():
    return next(node for node in TREE.body
                if isinstance(node, ast.ClassDef) and node.name == "TrainLoop")


def _trax_loop_names():
    """The underscore names trax's Loop defines: methods, and attributes its code sets."""
    methods = {name for name in vars(trax_training.Loop) if name.startswith("_")}
    attributes = set(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(trax_training.Loop)))
    return {n for n in methods | attributes if not n.startswith("__")}


def test_every_private_trax_name_the_loop_uses_is_listed_with_why():
    cls = _train_loop_class()
    used = {node.attr for node in ast.walk(cls)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "super") and node.attr.startswith("_")}
    used |= {node.name for node in cls.body if isinstance(node, ast.FunctionDef)}  # overrides
    trax_private = used & _trax_loop_names()
    assert trax_private == set(loop._PRIVATE_TRAX_NAMES)
    assert all(isinstance(why, str) and len(why) > 20 for why in loop._PRIVATE_TRAX_NAMES.values())


def test_no_private_module_name_of_trax_and_no_assignment_into_trax():
    private = re.findall(r"\b(?:%s)\.(_\w+)" % "|".join(TRAX_ALIASES), SOURCE)
    assert private == []
    assigned = [ast.unparse(target) for node in ast.walk(TREE) if isinstance(node, ast.Assign)
                for target in node.targets for base in ast.walk(target)
                if isinstance(base, ast.Name) and base.id in TRAX_ALIASES]
    assert assigned == []
    assert "unpickle_from_file" not in SOURCE and "contextmanager" not in SOURCE
