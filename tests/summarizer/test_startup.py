"""Start-up of the summarize path: no TensorFlow, a persistent compilation cache, and models
built from shapes (``predict.init_compiled``) that decode exactly like eagerly built ones.

Timings are benchmarks/bench_startup.py's job; these tests assert what can fail."""
import json
import os
import subprocess
import sys

import jax
import numpy as np
from trax import shapes

from trax_models import compat
from trax_models.model import TransformerLM
from trax_models.predict import init_compiled
from trax_models.summarizer import checkpoint
from trax_models.summarizer.generate import Summarizer

HEAVY = ("tensorflow", "tensorflow_datasets", "keras")
# The summarize CLI in a fresh interpreter, then which heavy modules it imported.
PROBE = """
import json, runpy, sys
sys.argv = ["trax_models", "summarize", "--checkpoint", sys.argv[1], sys.argv[2]]
try:
    runpy.run_module("trax_models", run_name="__main__")
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps([m for m in %r if m in sys.modules]))
""" % (HEAVY,)


def test_summarize_cli_imports_no_tensorflow(tmp_path, make_checkpoint, news_texts):
    make_checkpoint(tmp_path / "ckpt")
    article = tmp_path / "article.txt"
    article.write_text(news_texts[0] + "\n")
    env = dict(os.environ, TRAX_MODELS_CACHE=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "ckpt"), str(article)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == []  # no TensorFlow, no tfds, no keras
    assert len(lines) >= 2  # the summary line came first


def test_compilation_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    monkeypatch.delenv("TRAX_MODELS_JAX_CACHE", raising=False)
    monkeypatch.setenv("TRAX_MODELS_CACHE", str(tmp_path))
    assert compat.compilation_cache_dir() == str(tmp_path / f"jax-{jax.__version__}")
    monkeypatch.delenv("TRAX_MODELS_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compat.compilation_cache_dir() == str(
        tmp_path / "home" / ".cache" / "trax_models" / f"jax-{jax.__version__}")
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    assert compat.compilation_cache_dir() == str(tmp_path / "mine")
    monkeypatch.setenv("TRAX_MODELS_JAX_CACHE", "0")
    assert compat.compilation_cache_dir() is None


def test_the_cli_process_compiles_into_the_cache(tmp_path, make_checkpoint, news_texts):
    make_checkpoint(tmp_path / "ckpt")
    article = tmp_path / "article.txt"
    article.write_text(news_texts[1] + "\n")
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    env["TRAX_MODELS_CACHE"] = str(tmp_path / "cache")
    done = subprocess.run([sys.executable, "-m", "trax_models", "summarize", "--checkpoint",
                           str(tmp_path / "ckpt"), str(article)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "cache" / f"jax-{jax.__version__}"
    assert folder.is_dir() and any(folder.iterdir())


def _tree_shapes(tree):
    return jax.tree_util.tree_map(lambda x: (np.shape(x), np.asarray(x).dtype), tree)


def test_init_compiled_gives_the_eager_init_shapes_and_state():
    args = dict(vocab_size=30, d_model=16, d_ff=32, n_layers=2, n_heads=2, max_len=64)
    for mode, signature in (("eval", shapes.ShapeDtype((1, 8), np.int32)),
                            ("predict", shapes.ShapeDtype((3, 1), np.int32))):
        eager = TransformerLM(**args, mode=mode)
        eager.init(signature, rng=jax.random.PRNGKey(0))
        built = TransformerLM(**args, mode=mode)
        weights, state = init_compiled(built, signature)
        assert _tree_shapes(weights) == _tree_shapes(eager.weights)
        assert jax.tree_util.tree_structure(state) == jax.tree_util.tree_structure(eager.state)
        for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(eager.state)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        # the model runs eagerly afterwards (no tracer was left in any sub-layer)
        built.weights = eager.weights
        x = np.ones(signature.shape, np.int32)
        np.testing.assert_allclose(np.asarray(built(x)), np.asarray(eager(x)), atol=1e-6)


def test_from_checkpoint_decodes_as_the_eagerly_built_model(tmp_path, make_checkpoint):
    model = make_checkpoint(tmp_path / "ckpt", seed=3)
    fast = Summarizer.from_checkpoint(tmp_path / "ckpt")
    config = checkpoint.load_config(tmp_path / "ckpt")  # the model: the checkpoint's
    eager = Summarizer(config["model"], config["model_args"], model.weights)
    prompts = [[5, 6, 7, 8, 1, 0], [9, 10, 1, 0]]
    assert fast.generate(prompts, max_new_tokens=8) == eager.generate(prompts, max_new_tokens=8)
