"""benchmarks/accelerator.py at its tiny size on this machine's CPU: every section runs and
writes figures that make sense; the memory plan counts the model's weights exactly."""
import json
import math
import pathlib
import subprocess
import sys

import jax
import numpy as np
from trax import shapes

from benchmarks import accelerator
from trax_models.model import TransformerLM

REPO = pathlib.Path(__file__).resolve().parents[1]


def test_tiny_run_writes_every_section(tmp_path):
    out = tmp_path / "accelerator.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.accelerator", "--size", "tiny",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["devices"]["backend"] == jax.default_backend()
    assert result["devices"]["count"] >= 1 and result["skipped"] == {}
    assert all(result["peak"]["measured_tflops"][k] > 0
               for k in ("f32_default", "f32_highest", "bf16"))
    train = result["train"]
    assert set(train["course-full"]["implementations"]) == {"course", "fast-fused", "fast-bf16"}
    assert set(train["make-train"]["implementations"]) == {"pointer"}
    for config in train.values():
        for row in config["implementations"].values():
            assert row["tokens_per_s"] > 0 and math.isfinite(row["first_loss"])
            assert 0 < row["mfu_vs_measured_matmul"] < 5  # a tiny model is far from the peak
    for batch in (1, 8):
        assert result["decode"][f"batch_{batch}"]["new_tokens_per_s"] > 0
    for row in result["memory"]["buckets"]:
        assert row["estimate_bytes"] > 0
        assert 0.5 < row["xla/estimate"] < 2, row  # the plan is within 2x of XLA's own
    recipe = result["recipe"]
    assert recipe["steps"] == 3 and recipe["steps_per_s"] > 0, recipe


def test_datasheet_matches_device_kinds():
    assert accelerator.datasheet_peaks("NVIDIA H100 80GB HBM3")["matched"] == "H100"
    assert accelerator.datasheet_peaks("NVIDIA H100 PCIe")["matched"] == "H100 PCIe"
    assert accelerator.datasheet_peaks("NVIDIA H200")["tf32"] == 494.7
    assert accelerator.datasheet_peaks("cpu") is None


def test_memory_plan_counts_the_models_weights():
    """training_memory's weight count is the graded TransformerLM's, positional table included."""
    args = dict(vocab_size=300, d_model=32, d_ff=64, n_layers=2, n_heads=4)
    model = TransformerLM(**args, max_len=96, mode="train")
    model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(0))
    count = sum(int(np.prod(w.shape)) for w in jax.tree_util.tree_leaves(model.weights))
    plan = accelerator.training_memory(args, batch=4, length=64, max_len=96)
    assert plan["weights"] == count
    assert plan["weights_bytes"] == 4 * 4 * count  # weights, gradient, Adam's two slots
    longer = accelerator.training_memory(args, batch=4, length=128, max_len=96)
    assert longer["activations_bytes"] > 2 * plan["activations_bytes"]  # attention is L²
