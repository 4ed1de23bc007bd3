"""The one place where trax 1.4.1 is adapted to today's stack (Python 3.11, jax 0.10, numpy 2).

Imported by ``trax_models/__init__.py`` before anything else touches trax. Nothing else in
the package monkeypatches trax. Every patch says what it fixes and has a test in
``tests/test_compat.py`` that fails without it.
"""
import contextlib
import inspect
import logging
import os
import sys
import warnings

# --- Quiet import -------------------------------------------------------------------------
# TF prints "Could not find cuda drivers" from C++ before Python logging exists: only the
# environment variable reaches it, so it must be set before tensorflow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore", message=r".*jax\.host_count.*")
warnings.filterwarnings("ignore", category=FutureWarning, module=r"gzip|trax\..*|tensorflow.*")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"trax\..*|gin\..*")


@contextlib.contextmanager
def _quiet_stderr():
    """Swallow what gym prints (its NumPy-2 notice) to stderr while trax imports it."""
    saved = sys.stderr
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 — closed below
    try:
        yield
    finally:
        sys.stderr.close()
        sys.stderr = saved


def _cheap_stack(context=1):
    """Stand-in for ``inspect.stack`` while trax imports.

    trax/layers/assert_shape.py calls ``inspect.stack()[1][0]`` for every decorated layer at
    import time; the real function reads source context for every frame of the (deep)
    import stack: ≈11 s. Only ``[i][0]`` (the frame) is used, so frames alone suffice.
    """
    frames, frame = [], sys._getframe(1)
    while frame is not None:
        frames.append((frame,))
        frame = frame.f_back
    return frames


def _import_trax():
    real_stack = inspect.stack
    inspect.stack = _cheap_stack
    try:
        with _quiet_stderr():
            import trax  # noqa: F401  (the import we are speeding up and silencing)
    finally:
        inspect.stack = real_stack
    logging.getLogger("absl").setLevel(logging.WARNING)


if "trax" not in sys.modules:
    _import_trax()
