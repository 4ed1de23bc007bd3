"""What the device jax sees gives: the course model's training step, make train's, decoding and
memory — one command, one JSON, on a CPU, a GPU or a TPU.

    python -m benchmarks.accelerator [--size full|tiny] [--recipe-steps 200] [--out FILE]

Installs nothing and downloads nothing (a GPU image often has no network). Needs jax, trax and
this package; TensorFlow only for the make-train recipe row (skipped, with the reason, without
it). Sections of the JSON:

  devices      jax's backend, devices, device kind, memory limit; python/jax versions; the
               default matmul precision (on an NVIDIA GPU jax's default runs f32 matmuls on
               TF32 tensor cores)
  peak         measured matmul TFLOP/s: f32 at jax's default precision, f32 at 'highest',
               bf16 inputs with f32 accumulation; and the datasheet's dense peak for the
               GPUs in ``DATASHEET`` (None for others: MFU is then against the measured peak)
  train        tokens/s of one optimizer step (forward + backward + Adam, trax's Trainer, the
               code of benchmarks/bench_train.py) for: the graded TransformerLM ('course', f32),
               the same model fused ('fast-fused', f32) and in bf16 ('fast-bf16'), at the course's
               full size (vocab 33,300, d_model 512, d_ff 2048, 6 layers, 8 heads, one of the
               course preset's buckets: 4 × 512 tokens); and make train's pointer_lm step
               ('pointer', 16 × 256). MFU = FLOPs/token × tokens/s ÷ peak of the precision used.
  recipe       ``python -m trax_models train`` (make train's recipe) for ``--recipe-steps``
               steps in a scratch folder: steps/s and tokens/s after compilation, from its
               progress.jsonl (the embedded corpus is generated first: its time is reported)
  decode       the jitted KV-cache decoder (``Summarizer.generate``) on make train's
               architecture, random weights, EOS made impossible: new tokens/s at batch 1 and 8
  memory       (runs first) for each of the course preset's buckets (16×128 … 1×2,048 tokens):
               the estimate of ``training_memory`` (what the
               README plans with), XLA's own figure for the compiled loss-and-gradient step
               plus Adam's two slots, and on a GPU the measured peak
               (``memory_stats()['peak_bytes_in_use']`` after running that step with the slots
               allocated; cumulative, so the buckets run shortest first)

``--size tiny`` runs every section at toy sizes (seconds on a CPU: the test of this script).
A full run is sized to stay under 8 minutes on a GPU; ``--budget-s`` stops starting new
sections past that many seconds (those left are recorded as skipped). Writes
benchmarks/results/accelerator-<platform>.json (``--out`` to change).
"""
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks import bench_train, common

# Dense (no sparsity) peak TFLOP/s from NVIDIA's datasheets, matched on jax's device_kind:
# f32 on CUDA cores, TF32 and bf16 on tensor cores. A kind not listed gets None.
DATASHEET = (  # (substring of device_kind, {precision: TFLOP/s}); first match wins
    ("H100 PCIe", {"f32": 51.2, "tf32": 378.0, "bf16": 756.0}),
    ("H100", {"f32": 66.9, "tf32": 494.7, "bf16": 989.4}),  # SXM
    ("H200", {"f32": 66.9, "tf32": 494.7, "bf16": 989.4}),
    ("A100", {"f32": 19.5, "tf32": 156.0, "bf16": 312.0}),
    ("L4", {"f32": 30.3, "tf32": 60.0, "bf16": 121.0}),
)

COURSE = dict(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8)
SIZES = {
    "full": {
        "train": {"course-full": dict(COURSE, batch=4, length=512, steps=5),
                  "make-train": dict(bench_train.CONFIGS["make-train"], steps=10)},
        "repeats": 5, "matmul_n": 8192,
        "decode": dict(article_tokens=512, new_tokens=256, batches=(1, 8)),
        # the course preset's buckets (presets.PRESETS['course']): boundaries 128/256/512/1024
        # and examples up to 2,048 tokens, batches 16/8/4/2/1
        "memory": dict(COURSE, buckets=((16, 128), (8, 256), (4, 512), (2, 1024), (1, 2048))),
        "recipe_steps": 200,
    },
    "tiny": {
        "train": {"course-full": dict(vocab_size=300, d_model=32, d_ff=64, n_layers=1,
                                      n_heads=2, batch=2, length=32, steps=1),
                  "make-train": dict(bench_train.CONFIGS["make-train"], d_model=32, d_ff=64,
                                     n_layers=1, n_heads=2, vocab_size=300, batch=2, length=32,
                                     steps=1)},
        "repeats": 2, "matmul_n": 256,
        "decode": dict(article_tokens=16, new_tokens=8, batches=(1, 8)),
        "memory": dict(vocab_size=300, d_model=32, d_ff=64, n_layers=1, n_heads=2,
                       buckets=((4, 16), (2, 32))),
        "recipe_steps": 3,
    },
}
SECTIONS = ("memory", "train", "decode", "recipe")  # the order they run in
TRAIN_IMPLS = {"course-full": ("course", "fast-fused", "fast-bf16"), "make-train": ("pointer",)}


def training_memory(model, batch, length, max_len=None, bytes_per_float=4):
    """Bytes one training step of the graded ``TransformerLM`` needs on one device: a plan.

    ``model``: vocab_size, d_model, d_ff, n_layers, n_heads. Weights count 4 times (the
    weights, their gradient, Adam's two slots); the positional table (max_len × d_model,
    default ``length``) is one of trax's weights. Activations kept for the backward pass, per
    token: per layer ≈ 12·d_model (LayerNorm inputs and outputs, q, k, v, the attention output,
    residuals, dropout masks) + 3·d_ff (the feed-forward's two activations and its mask)
    + 3·n_heads·length (scores, softmax weights, their dropout mask); the head ≈ 3·vocab
    (logits, log-probabilities, their gradient). ``run`` checks it against XLA's plan and, on a GPU, the measured peak.
    """
    V, d, ff, n, h = (model[k] for k in ("vocab_size", "d_model", "d_ff", "n_layers", "n_heads"))
    per_layer = 2 * d + 4 * (d * d + d) + 2 * d + (d * ff + ff) + (ff * d + d)
    weights = V * d + n * per_layer + 2 * d + (d * V + V) + (max_len or length) * d
    activations = batch * length * (n * (12 * d + 3 * ff + 3 * h * length) + 3 * V + 3 * d)
    out = {"weights": weights, "weights_bytes": 4 * weights * bytes_per_float,
           "activations_bytes": activations * bytes_per_float}
    out["total"] = out["weights_bytes"] + out["activations_bytes"]
    return out

def device_info():
    import jax
    devices = jax.devices()
    stats = _memory_stats(devices[0])
    return {"backend": jax.default_backend(), "count": len(devices),
            "kind": devices[0].device_kind, "devices": [str(d) for d in devices],
            "memory_limit_bytes": stats.get("bytes_limit"),
            "default_matmul_precision": jax.config.jax_default_matmul_precision,
            "python": sys.version.split()[0], "jax": jax.__version__}


def _memory_stats(device):
    try:
        return device.memory_stats() or {}
    except Exception:  # a backend without memory statistics or analysis
        return {}


def datasheet_peaks(kind):
    for key, peaks in DATASHEET:
        if key.lower() in kind.lower():
            return dict(peaks, matched=key)
    return None


def measured_peaks(n, repeats):
    """Matmul TFLOP/s at n×n: f32 (jax's default precision), f32 'highest', bf16→f32."""
    import jax
    import jax.numpy as jnp
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
    b16 = a.astype(jnp.bfloat16)
    cases = {
        "f32_default": (jax.jit(lambda x: x @ x), a),
        "f32_highest": (jax.jit(lambda x: jnp.matmul(x, x, precision="highest")), a),
        "bf16": (jax.jit(lambda x: jnp.matmul(x, x, preferred_element_type=jnp.float32)), b16),
    }
    out = {"n": n}
    for name, (f, x) in cases.items():
        stats = common.time_it(lambda f=f, x=x: f(x), repeats=repeats)
        out[name] = round(2 * n**3 / stats["min_s"] / 1e12, 3)  # best run: the peak
    return out


def train_section(size, peaks, sheet):
    """tokens/s and MFU of each implementation's training step (bench_train's code)."""
    out = {}
    for name, cfg in size["train"].items():
        tokens = cfg["steps"] * cfg["batch"] * cfg["length"]
        fpt = bench_train.flops_per_token(cfg)
        rows = {}
        for impl in TRAIN_IMPLS[name]:
            step = bench_train.jax_step_fn(impl, cfg)
            t0 = time.perf_counter()
            first = float(step())
            float(step())  # trax's Trainer traces again on its second call
            compile_s = time.perf_counter() - t0

            def run(step=step):
                for _ in range(cfg["steps"]):
                    loss = step()
                return loss
            stats = common.time_it(run, repeats=size["repeats"], warmup=0)
            tps = tokens / stats["median_s"]
            precision = "bf16" if impl == "fast-bf16" else "f32"
            row = {"tokens_per_s": round(tps, 1), "step_s": round(stats["median_s"] /
                                                                cfg["steps"], 5),
                   "compile_s": round(compile_s, 2), "first_loss": round(first, 4),
                   "tflops": round(fpt * tps / 1e12, 3), "precision": precision}
            measured = peaks["bf16" if precision == "bf16" else "f32_default"]
            row["mfu_vs_measured_matmul"] = round(fpt * tps / (measured * 1e12), 4)
            if sheet:  # f32 at jax's default precision runs on TF32 tensor cores on a GPU
                key = "bf16" if precision == "bf16" else "tf32"
                row["mfu_vs_datasheet"] = round(fpt * tps / (sheet[key] * 1e12), 4)
                row["datasheet_peak"] = key
            rows[impl] = row
            print(f"train {name:11s} {impl:10s} {tps:12,.0f} tok/s  compile {compile_s:.1f} s",
                  flush=True)
        out[name] = {"config": cfg, "flops_per_token": fpt, "implementations": rows}
    return out


def recipe_section(steps, size_name):
    """make train's recipe through the CLI for ``steps`` steps, in a scratch folder."""
    if importlib.util.find_spec("tensorflow") is None:
        return {"skipped": "tensorflow is not installed: make train's pipeline reads its "
                           "corpus with trax.data.TFDS"}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = pathlib.Path(tmp) / "run"
        cmd = [sys.executable, "-m", "trax_models", "train", "--steps", str(steps),
               "--output_dir", str(out_dir), "--eval_every", str(steps),
               "--checkpoint_every", str(steps), "--eval_batches", "1", "--rouge_articles", "0",
               "--samples", "0"]
        if size_name == "tiny":
            cmd += ["--d_model", "16", "--d_ff", "32", "--n_layers", "1", "--n_heads", "2",
                    "--max_length", "128", "--boundaries", "128", "--batch_sizes", "2,1"]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            return {"failed": (done.stderr or done.stdout).strip().splitlines()[-1:],
                    "command": cmd[1:]}
        seen, seconds, timed_steps, tokens = set(), 0.0, 0, 0
        for line in (out_dir / "progress.jsonl").read_text().splitlines():
            rec = json.loads(line)
            shape = tuple(rec["shape"] or ())
            if shape not in seen:  # this step compiled the step function for its shape
                seen.add(shape)
                continue
            seconds += rec["seconds"]
            timed_steps += 1
            tokens += rec["tokens"]
    return {"command": " ".join(["python"] + cmd[1:3] + cmd[3:]).replace(str(out_dir), "DIR"),
            "steps": steps, "wall_s": round(wall, 1),
            "steps_per_s": round(timed_steps / seconds, 2) if seconds else None,
            "tokens_per_s": round(tokens / seconds, 1) if seconds else None,
            "compiled_shapes": len(seen)}


def decode_section(size):
    """New tokens/s of the jitted KV-cache decoder at batch 1 and 8 (bench_decode's model)."""
    from benchmarks import bench_decode
    cfg = size["decode"]
    args, model, source = bench_decode.load(None)
    decoders = bench_decode.Decoders(args, model)
    rs = np.random.RandomState(0)
    out = {"model": source, "model_args": args, **{k: v for k, v in cfg.items()
                                                    if k != "batches"}}
    for b in cfg["batches"]:
        prompts = [list(rs.randint(2, args["vocab_size"], size=cfg["article_tokens"])) + [1, 0]
                   for _ in range(b)]
        run = lambda p=prompts: decoders.fast_decoder(p, cfg["new_tokens"])  # noqa: E731
        stats = common.time_it(run, repeats=size["repeats"])
        out[f"batch_{b}"] = {"new_tokens_per_s": round(b * cfg["new_tokens"] /
                                                       stats["median_s"], 1),
                             "median_s": round(stats["median_s"], 4),
                             "compile_s": stats["compile_s"]}
        print(f"decode batch {b}: {out[f'batch_{b}']['new_tokens_per_s']:,.0f} new tok/s",
              flush=True)
    return out


def memory_section(size):
    """Estimate vs XLA's compiled figure vs (GPU) the measured peak, per course bucket."""
    import jax

    cfg = size["memory"]
    model = {k: cfg[k] for k in ("vocab_size", "d_model", "d_ff", "n_layers", "n_heads")}
    device = jax.devices()[0]
    rows = []
    for batch, length in cfg["buckets"]:
        estimate = training_memory(model, batch, length, max_len=bench_train.MAX_LEN)
        compiled, peak = _step_memory(dict(model, batch=batch, length=length), device)
        row = {"batch": batch, "length": length, "estimate_bytes": estimate["total"],
               "estimate": estimate, "xla_compiled_bytes": compiled}
        if compiled:
            row["xla/estimate"] = round(compiled / estimate["total"], 3)
        if peak is not None:
            row["measured_peak_bytes"] = peak
            row["measured/estimate"] = round(peak / estimate["total"], 3)
        rows.append(row)
        print(f"memory {batch:2d} × {length:5d}: estimate {estimate['total'] / 2**20:8.1f} MiB, "
              f"XLA {compiled / 2**20 if compiled else float('nan'):8.1f} MiB, measured "
              + (f"{peak / 2**20:.1f} MiB" if peak is not None else "n/a (no memory stats)"),
              flush=True)
    return {"model": model, "buckets": rows,
            "note": "the step: loss and gradients of the graded TransformerLM (dropout 0.1, "
                    "max_len 4096) with Adam's two slots held on the device. XLA's figure: "
                    "the compiled function's arguments + outputs + temporaries, plus the slots; "
                    "measured: the device's peak_bytes_in_use after running it (cumulative over "
                    "the process; this section runs first, buckets shortest first)"}


def _step_memory(cfg, device):
    """(XLA's planned bytes, the measured peak or None) of one loss-and-gradient step of the
    graded model at ``cfg``'s batch × length, with Adam's two slots allocated beside it."""
    import jax
    import jax.numpy as jnp
    from trax import layers as tl
    from trax import shapes

    from trax_models import model as course_model
    net = tl.Serial(course_model.TransformerLM(**bench_train.model_args(cfg), dropout=0.1,
                                               max_len=bench_train.MAX_LEN, mode="train"),
                    tl.CrossEntropyLoss())
    batch = bench_train.batch_for(cfg)
    net.init(shapes.signature(batch), rng=jax.random.PRNGKey(0))
    weights, state = net.weights, net.state

    def loss(w, x):
        return net.pure_fn(x, w, state, jax.random.PRNGKey(1))[0]
    step = jax.jit(jax.value_and_grad(loss))
    leaves = jax.tree_util.tree_leaves(weights)
    slot_bytes = 2 * sum(int(np.prod(w.shape)) * w.dtype.itemsize for w in leaves)
    try:
        compiled = step.lower(weights, batch).compile()
        stats = compiled.memory_analysis()
    except Exception:  # a backend without memory statistics or analysis
        compiled, stats = None, None
    planned = None if stats is None else int(
        stats.argument_size_in_bytes + stats.output_size_in_bytes + stats.temp_size_in_bytes
        - stats.alias_size_in_bytes + slot_bytes)
    slots = [jnp.zeros_like(w) for w in leaves for _ in range(2)]  # Adam's m and v
    value, grads = (compiled or step)(weights, batch)
    jax.block_until_ready((value, grads, slots))
    peak = _memory_stats(device).get("peak_bytes_in_use")
    del slots, grads
    return planned, peak


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--size", choices=sorted(SIZES), default="full")
    p.add_argument("--recipe-steps", type=int, default=None,
                   help="steps of make train's recipe (default: 200 full, 3 tiny)")
    p.add_argument("--budget-s", type=float, default=420.0,
                   help="start no new section after this many seconds (default 420)")
    p.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS,
                   help="memory runs first: its peaks are the device's cumulative peak")
    args = p.parse_args(argv)
    size = SIZES[args.size]
    t_start = time.perf_counter()
    import jax

    import trax_models  # noqa: F401  (compat first: quiet trax import, the compilation cache)
    devices = device_info()
    print(f"devices: {devices['count']} × {devices['kind']} ({devices['backend']}), "
          f"jax {devices['jax']}, python {devices['python']}", flush=True)
    sheet = datasheet_peaks(devices["kind"]) if devices["backend"] == "gpu" else None
    # an 8,192² matmul takes ~10 ms on a GPU and ~8 s on a 2-core CPU: 2,048 is enough there
    n = size["matmul_n"] if devices["backend"] != "cpu" else min(size["matmul_n"], 2048)
    peaks = measured_peaks(n, size["repeats"])
    print(f"matmul TFLOP/s: {peaks}", flush=True)
    result = {"size": args.size, "devices": devices,
              "peak": {"measured_tflops": peaks, "datasheet_tflops": sheet},
              "sections_s": {}, "skipped": {}}
    runners = {"train": lambda: train_section(size, peaks, sheet),
               "decode": lambda: decode_section(size),
               "memory": lambda: memory_section(size),
               "recipe": lambda: recipe_section(args.recipe_steps or size["recipe_steps"],
                                                args.size)}
    out = args.out or common.RESULTS_DIR / f"accelerator-{devices['backend']}.json"
    for name in [s for s in SECTIONS if s in args.sections]:
        if time.perf_counter() - t_start > args.budget_s:
            result["skipped"][name] = f"past the {args.budget_s:.0f} s budget"
            continue
        t0 = time.perf_counter()
        result[name] = runners[name]()
        result["sections_s"][name] = round(time.perf_counter() - t0, 1)
        result["total_s"] = round(time.perf_counter() - t_start, 1)
        result["devices"]["peak_bytes_in_use"] = _memory_stats(
            jax.devices()[0]).get("peak_bytes_in_use")  # None on a CPU
        common.write_result("accelerator", result, out=out)  # a stopped run keeps what it has
    print(f"wrote {out} in {result['total_s']} s", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    raise SystemExit(main())
