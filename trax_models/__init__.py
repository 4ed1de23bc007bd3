"""trax_models — the course "NLP with Attention Models", week 2, on trax 1.4.1 and today's JAX.

``import trax_models`` first adapts trax to this stack; ``trax_models.compat``'s docstring lists
all the import does (trax imported quietly, TensorFlow deferred, trax patched, JAX's
persistent compilation cache pointed at a folder). The course's graded functions live in the
modules the README's course map lists.
"""
from trax_models import signals

if signals.run_as_module("trax_models"):  # Ctrl-C while trax imports: one line, no traceback
    signals.exit_at_once()

from trax_models import compat  # noqa: F401  (must run before anything else uses trax)

__version__ = "0.1.0"
