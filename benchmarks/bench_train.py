"""Training-step benchmark: tokens/s of forward + backward + Adam, side by side, and MFU.

    python -m benchmarks.bench_train [--quick] [--configs small mid course-full make-train]
                                     [--impls course fast fast-fused fast-bf16 trax torch ...]

Each JAX model runs through the trax Loop's update, ``trax.optimizers.trainer.Trainer.one_step``
(jitted forward+backward+Adam, a numpy batch copied in and a fresh rng per step, the learning
rate from the course's schedule — what ``Loop`` does per step):

  course         trax_models.model.TransformerLM + tl.CrossEntropyLoss (the graded model)
  fast           benchmarks/fast_variants.TransformerLM (defaults: the package's fast path,
                 trax_models.models.fast_model: f32, 'hash' dropout masks, blocked attention)
                 + tl.CrossEntropyLoss: the course tree, same weights, same outputs
  fast-fused     fast, head='logits' + fast_variants.LogitsCrossEntropy (fused logsumexp
                 loss; same weights, same loss)
  fast-bf16      fast-fused, precision='bf16' (bf16 matmul inputs, f32 accumulation, f32
                 weights, LayerNorm, attention and loss)
  fast-rbg, fast-threefry, fast-dpa, fast-einsum   ablations: other dropout masks,
                 jax.nn.dot_product_attention, one masked (L, L) score matrix (not blocked)
  trax           trax.models.TransformerLM (same size) + tl.WeightedCategoryCrossEntropy
  torch          benchmarks/torch_gpt.py (nanoGPT style, eager, torch.optim.Adam,
                 torch.set_num_threads(cores), OMP_WAIT_POLICY=PASSIVE unless set: see
                 common.import_torch)
  torch-bf16     torch, forward and loss under torch.autocast('cpu', dtype=torch.bfloat16)
  pointer        (make-train config) make train's pointer_lm as train runs it: fast blocks,
                 head='parts' + pointer.PointerCrossEntropy (same weights, same loss)
  pointer-course the same model on the course's DecoderBlock layers, its log-probabilities
                 under tl.CrossEntropyLoss (the make-train step before 2 Dec 15:30 UTC, less
                 the head's own rewrites: one score matrix, coverage as a matmul, bias in GEMM)

The limit: the matmul peak of this machine at the precision used (GFLOP/s of a large matmul:
f32, or bf16 inputs with f32 accumulation for fast-bf16 and torch-bf16; per round the better
of jax's and torch's), and the model's FLOPs per token → model FLOP utilisation,
MFU = FLOPs/token × tokens/s / peak. Whether bf16 is native here is detected
(``benchmarks.fast_variants.native_bf16``: amx_bf16/avx512_bf16 in /proc/cpuinfo, or a GPU)
and recorded as ``native_bf16``; without it bf16 is emulated and slow.
FLOPs/token (training) = 3 × forward matmul FLOPs = 6·N_matmul + 12·n_layers·L·d_model (the
attention score and weighted-sum matmuls over all L positions, as computed); embedding
lookups, elementwise work and the optimizer are not counted.
Dropout 0.1 everywhere (the course default) except make-train (make train's 0). Warm-up (jit
compile + first step) is reported as compile_s; each figure is the median of ≥ 5 timed repeats
(min/max alongside), each repeat a few steps. Repeats are interleaved (round r times every
implementation once, in an order rotated each round, plus the matmul peak: the best of 3 jitted
matmuls, and the same matmul in torch when torch is benchmarked), and each round's
``os.getloadavg()`` is recorded: the machine may be shared. Ratios are medians of per-round
ratios. Also recorded: tokens per process CPU-second (less sensitive to other processes than
wall time).
Writes benchmarks/results/train.json.
"""
import os
import statistics
import time

import numpy as np

from benchmarks import common

CONFIGS = {
    "small": dict(vocab_size=1000, d_model=128, d_ff=512, n_layers=2, n_heads=4, batch=16,
                  length=128, steps=3),
    "mid": dict(vocab_size=8000, d_model=256, d_ff=1024, n_layers=4, n_heads=8, batch=8,
                length=256, steps=1),
    "course-full": dict(vocab_size=33300, d_model=512, d_ff=2048, n_layers=6, n_heads=8,
                        batch=4, length=256, steps=1),
    # make train's pointer_lm (corpus v7's 1,998 subwords, dropout 0, its first bucket)
    "make-train": dict(vocab_size=1998, d_model=128, d_ff=512, n_layers=2, n_heads=4, batch=16,
                       length=256, steps=3, dropout=0.0, model="pointer"),
}
# The fast model's levers (fast_variants.TransformerLM options; loss 'fused': head='logits' +
# fast_variants.LogitsCrossEntropy instead of LogSoftmax + tl.CrossEntropyLoss). 'fast' itself
# is the package's path: defaults (f32, 'hash' dropout masks) + tl.CrossEntropyLoss.
FAST_VARIANTS = {
    "fast-rbg": dict(dropout_rng="rbg"),
    "fast-threefry": dict(dropout_rng="threefry"),
    "fast-dpa": dict(attention="dpa"),
    "fast-einsum": dict(attention="einsum"),
    "fast-fused": dict(loss="fused"),
    "fast-bf16": dict(loss="fused", precision="bf16"),
}
BF16_IMPLS = ("fast-bf16", "torch-bf16")  # MFU against the bf16 matmul peak
# make train's model (trax_models.models.pointer), make-train config only: 'pointer' is what
# train runs (fast blocks, head='parts' + PointerCrossEntropy); 'pointer-course' the same
# model on the course's DecoderBlock layers with its log-probs under tl.CrossEntropyLoss
POINTER_VARIANTS = ("pointer", "pointer-course")
IMPLS = ("course", "fast", *FAST_VARIANTS, "trax", "torch", "torch-bf16", *POINTER_VARIANTS)
# Kept out of the default run so that `make bench` stays near 15 min on 2 cores (--impls runs
# them): fast (≈ fast-fused: the fused loss buys 1.03-1.05x), and the ablations.
DEFAULT_IMPLS = {"small": ("course", "trax", "torch"),
                 "mid": ("course", "fast-fused", "fast-bf16", "trax", "torch", "torch-bf16"),
                 "course-full": ("course", "fast-fused", "fast-bf16", "trax", "torch",
                                 "torch-bf16"),
                 "make-train": ("pointer", "pointer-course")}
# The goals' ratios (issue #18), first in the table
KEY_RATIOS = ("fast-fused/torch", "fast-fused/trax", "fast-bf16/torch-bf16", "fast-fused/course",
              "pointer/pointer-course",
              "fast-bf16/course", "course/torch", "fast/torch", "fast/trax", "fast/course")
MAX_LEN = 4096  # the course's; every implementation has a (MAX_LEN, d_model) positional table
DROPOUT = 0.1
LEARNING_RATE = 0.001


def model_args(cfg):
    return {k: cfg[k] for k in ("vocab_size", "d_model", "d_ff", "n_layers", "n_heads")}


def flops_per_token(cfg):
    """Training FLOPs per token: 3 × forward matmul FLOPs (see the module docstring)."""
    d, ff, n, V, L = (cfg[k] for k in ("d_model", "d_ff", "n_layers", "vocab_size", "length"))
    matmul_params = n * (4 * d * d + 2 * d * ff) + d * V
    attention = n * 2 * 2 * L * d  # q·kᵀ and weights·v, per token, forward
    if cfg.get("model") == "pointer":  # the head's Wq, Wk, Wp, gate; its scores and context
        matmul_params += 3 * d * d + 2 * d
        attention += 2 * 2 * L * d
    return 3 * (2 * matmul_params + attention)


def batch_for(cfg, seed=0):
    """(inputs, targets, weights): random ids in [1, vocab), every position weighted."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, cfg["vocab_size"], (cfg["batch"], cfg["length"])).astype(np.int32)
    return tokens, tokens.copy(), np.ones(tokens.shape, np.float32)


def matmul_peak(sizes, repeats):
    """Best median GFLOP/s of a jitted f32 (n×n)·(n×n) matmul over ``sizes``."""
    import jax
    import jax.numpy as jnp
    out = {}
    for n in sizes:
        a = jax.random.normal(jax.random.PRNGKey(0), (n, n), jnp.float32)
        b = jax.random.normal(jax.random.PRNGKey(1), (n, n), jnp.float32)
        f = jax.jit(lambda x, y: x @ y)
        stats = common.time_it(lambda: f(a, b), repeats=repeats)
        out[str(n)] = {"gflops": round(2 * n**3 / stats["median_s"] / 1e9, 1),
                       "gflops_min": round(2 * n**3 / stats["max_s"] / 1e9, 1),
                       "gflops_max": round(2 * n**3 / stats["min_s"] / 1e9, 1)}
    best = max(out, key=lambda k: out[k]["gflops"])
    return {"gflops": out[best]["gflops"], "best_size": int(best), "by_size": out}


def jax_step_fn(impl, cfg):
    """A function running one Trainer.one_step (returns the loss) for ``impl``."""
    import jax
    import trax
    from trax import layers as tl
    from trax import shapes
    from trax.optimizers import trainer as trainer_lib

    from benchmarks import fast_variants
    from trax_models import model as course_model

    args = dict(model_args(cfg), dropout=cfg.get("dropout", DROPOUT), max_len=MAX_LEN,
                mode="train")
    if (cfg.get("model") == "pointer") != (impl in POINTER_VARIANTS):
        raise ValueError(f"{impl} does not run on this config")
    if impl == "pointer":
        from trax_models.models import pointer
        model = pointer.PointerTransformerLM(**args, head="parts")
        loss = pointer.PointerCrossEntropy()
    elif impl == "pointer-course":
        model, loss = fast_variants.PointerOnCourseBlocks(**args), tl.CrossEntropyLoss()
    elif impl == "course":
        model, loss = course_model.TransformerLM(**args), tl.CrossEntropyLoss()
    elif impl == "fast":
        model, loss = fast_variants.TransformerLM(**args), tl.CrossEntropyLoss()
    elif impl in FAST_VARIANTS:
        options = dict(FAST_VARIANTS[impl])
        head = options.pop("loss", "log_softmax")
        model = fast_variants.TransformerLM(**args, **options,
                                            head="logits" if head == "fused" else "log_softmax")
        loss = fast_variants.LogitsCrossEntropy() if head == "fused" else tl.CrossEntropyLoss()
    elif impl == "trax":
        model = trax.models.TransformerLM(**args)
        loss = tl.WeightedCategoryCrossEntropy()
    else:
        raise ValueError(impl)
    batch = batch_for(cfg)
    model_with_loss = tl.Serial(model, loss)
    model_with_loss.init(shapes.signature(batch), rng=jax.random.PRNGKey(0))
    optimizer = trax.optimizers.Adam(LEARNING_RATE)
    optimizer.tree_init(model_with_loss.weights)
    trainer = trainer_lib.Trainer(model_with_loss, optimizer)
    schedule = trax.lr.warmup_and_rsqrt_decay(n_warmup_steps=1000, max_value=LEARNING_RATE)
    state = {"step": 0, "rng": jax.random.PRNGKey(1)}

    def step():
        state["step"] += 1
        state["rng"], rng = jax.random.split(state["rng"])
        loss_value, _ = trainer.one_step(batch, rng, step=state["step"],
                                         learning_rate=schedule(state["step"]))
        return loss_value
    return step


def torch_step_fn(cfg, bf16=False):
    """One step of the PyTorch peer; ``bf16``: forward and loss under
    ``torch.autocast('cpu', dtype=torch.bfloat16)`` (f32 weights and optimizer, as fast-bf16)."""
    torch = common.import_torch()

    from benchmarks.torch_gpt import GPT
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    model = GPT(**model_args(cfg), dropout=DROPOUT, max_len=MAX_LEN)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=1e-5)
    inputs, targets, weights = (torch.from_numpy(a) for a in batch_for(cfg))
    inputs, targets = inputs.long(), targets.long()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model.loss(inputs, targets, weights)
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def _timed(fn):
    """(wall seconds, process CPU seconds, result) of ``fn()`` (blocked until done)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = common._block(fn())
    return time.perf_counter() - wall, time.process_time() - cpu, out


def bench_config(name, cfg, impls, repeats, peak_n):
    """Every impl on ``cfg``, repetitions interleaved; returns the config's result dict.

    Warm-up: two steps per impl (the first, jit compile included, is ``compile_s``; trax's
    Trainer compiles again on its second call). Then ``repeats``
    rounds; each round times the f32 matmul peak (size ``peak_n``) and ``cfg['steps']`` steps
    of every impl, in an order rotated by one each round, and records ``os.getloadavg()``.
    MFU per round = FLOPs/token × tokens/s ÷ that round's matmul GFLOP/s (so that load from
    other processes affects both sides); the figure is the median over rounds.
    """
    import jax
    import jax.numpy as jnp
    steps, tokens = cfg["steps"], cfg["steps"] * cfg["batch"] * cfg["length"]
    fpt = flops_per_token(cfg)
    a = jax.random.normal(jax.random.PRNGKey(0), (peak_n, peak_n), jnp.float32)
    matmul = jax.jit(lambda x: x @ x)
    common._block(matmul(a))
    # bf16 inputs, f32 accumulation: the fast-bf16 model's matmul
    matmul_bf16 = jax.jit(lambda x: jnp.matmul(x.astype(jnp.bfloat16), x.astype(jnp.bfloat16),
                                               preferred_element_type=jnp.float32))
    bf16 = any(i in BF16_IMPLS for i in impls)
    if bf16:
        common._block(matmul_bf16(a))
    torch_matmul = torch_matmul_bf16 = None
    if any(i.startswith("torch") for i in impls):  # the same matmul in torch: its BLAS's share
        torch = common.import_torch()
        torch.set_num_threads(os.cpu_count())
        a_torch = torch.from_numpy(np.asarray(a))
        torch_matmul = lambda: float((a_torch @ a_torch)[0, 0])  # noqa: E731
        torch_matmul()

        def torch_matmul_bf16():
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return float((a_torch @ a_torch)[0, 0])
        if bf16:
            torch_matmul_bf16()
    fns, compile_s, first_loss = {}, {}, {}
    for impl in impls:
        t0 = time.perf_counter()
        fns[impl] = (torch_step_fn(cfg, bf16=impl == "torch-bf16") if impl.startswith("torch")
                     else jax_step_fn(impl, cfg))
        first_loss[impl] = float(fns[impl]())
        compile_s[impl] = round(time.perf_counter() - t0, 2)
        float(fns[impl]())  # trax's Trainer traces again on its 2nd call (new optimizer state)
        if not np.isfinite(first_loss[impl]):
            raise RuntimeError(f"{name}/{impl}: non-finite loss {first_loss[impl]}")
        print(f"{name:12s} {impl:14s} warm-up (build + compile + 1 step) {compile_s[impl]} s",
              flush=True)
    wall = {i: [] for i in impls}
    cpu = {i: [] for i in impls}
    peaks, torch_peaks, bf16_peaks, torch_bf16_peaks, loads = [], [], [], [], []
    gflops = lambda seconds: 2 * peak_n**3 / seconds / 1e9  # noqa: E731
    for r in range(repeats):
        # this round's peak: the best of 3 matmuls (one is too noisy on a shared machine)
        peaks.append(max(gflops(_timed(lambda: matmul(a))[0]) for _ in range(3)))
        if torch_matmul is not None:
            torch_peaks.append(max(gflops(_timed(torch_matmul)[0]) for _ in range(3)))
        if bf16:
            bf16_peaks.append(max(gflops(_timed(lambda: matmul_bf16(a))[0]) for _ in range(3)))
            if torch_matmul is not None:
                torch_bf16_peaks.append(max(gflops(_timed(torch_matmul_bf16)[0])
                                            for _ in range(3)))
        order = impls[r % len(impls):] + impls[:r % len(impls)]
        for impl in order:
            def run(step=fns[impl]):
                for _ in range(steps):
                    loss = step()
                return loss
            w, c, _ = _timed(run)
            wall[impl].append(w)
            cpu[impl].append(c)
        loads.append([round(x, 2) for x in os.getloadavg()])
        print(f"{name:12s} round {r + 1}/{repeats}: peak {peaks[-1]:.0f} GFLOP/s, "
              + ", ".join(f"{i} {tokens / wall[i][-1]:.0f}" for i in impls)
              + f" tok/s, load {loads[-1][0]}", flush=True)
    # MFU against the machine's peak of the precision used: per round the better of the jax
    # and torch matmul of that precision (the same as jax's alone when torch is not run)
    f32_peaks = [max(p) for p in zip(peaks, torch_peaks)] if torch_peaks else peaks
    bf16_best = ([max(p) for p in zip(bf16_peaks, torch_bf16_peaks)] if torch_bf16_peaks
                 else bf16_peaks)
    figures = {}
    for impl in impls:
        tps = [tokens / w for w in wall[impl]]
        mfu = [fpt * t / (p * 1e9) for t, p in
               zip(tps, bf16_best if impl in BF16_IMPLS else f32_peaks)]
        figures[impl] = {
            "compile_s": compile_s[impl], "first_loss": round(first_loss[impl], 4),
            "steps_per_repeat": steps, "step_s": round(statistics.median(wall[impl]) / steps, 4),
            "tokens_per_s": round(statistics.median(tps)),
            "tokens_per_s_min": round(min(tps)), "tokens_per_s_max": round(max(tps)),
            "tokens_per_cpu_s": round(statistics.median(tokens / c for c in cpu[impl])),
            "gflops": round(fpt * statistics.median(tps) / 1e9, 1),
            "mfu": round(statistics.median(mfu), 3), "mfu_max": round(max(mfu), 3),
            "mfu_peak": "bf16" if impl in BF16_IMPLS else "f32",
            "runs_s": [round(w, 4) for w in wall[impl]]}
    ratios = {}
    for ours in ("course", "fast", *FAST_VARIANTS, "pointer"):
        for peer in ("trax", "torch", "torch-bf16", "course", "fast", "pointer-course"):
            if ours in figures and peer in figures and ours != peer:
                # per-round ratios (same machine state), median
                per_round = [p / o for o, p in zip(wall[ours], wall[peer])]
                ratios[f"{ours}/{peer}"] = round(statistics.median(per_round), 3)
    out = {"config": cfg, "flops_per_token": fpt, "figures": figures, "ratios": ratios,
           "matmul_gflops_per_round": [round(p, 1) for p in peaks],
           "matmul_gflops": round(statistics.median(peaks), 1),
           "loadavg_per_round": loads}
    if torch_peaks:
        out["torch_matmul_gflops_per_round"] = [round(p, 1) for p in torch_peaks]
        out["torch_matmul_gflops"] = round(statistics.median(torch_peaks), 1)
        out["matmul_torch/jax"] = round(statistics.median(
            t / j for t, j in zip(torch_peaks, peaks)), 3)
    if bf16_peaks:
        out["bf16_matmul_gflops_per_round"] = [round(p, 1) for p in bf16_peaks]
        out["bf16_matmul_gflops"] = round(statistics.median(bf16_peaks), 1)
    if torch_bf16_peaks:
        out["torch_bf16_matmul_gflops_per_round"] = [round(p, 1) for p in torch_bf16_peaks]
        out["torch_bf16_matmul_gflops"] = round(statistics.median(torch_bf16_peaks), 1)
    return out


def main(argv=None):
    p = common.parser(__doc__)
    p.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    p.add_argument("--impls", nargs="+", choices=IMPLS, default=None,
                   help="default: see DEFAULT_IMPLS")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    if args.repeats < 5:
        p.error("--repeats must be ≥ 5 (figures are medians of ≥ 5 repeats)")
    repeats = args.repeats

    import trax_models  # noqa: F401  (compat: quiet trax import)
    from benchmarks import fast_variants
    native = fast_variants.native_bf16()
    bf16_flags = sorted(fast_variants.cpu_flags() & {"amx_bf16", "avx512_bf16", "amx_tile"})
    print(f"native bf16: {native} (CPU flags {bf16_flags})", flush=True)
    load_start = [round(x, 2) for x in os.getloadavg()]
    results, rows = {}, []
    peak = matmul_peak([1024] if args.quick else [1024, 2048], 5)
    print(f"f32 matmul peak: {peak['gflops']} GFLOP/s (n={peak['best_size']})", flush=True)
    rows.append(common.row("train/peak", "f32 matmul", peak["gflops"], "GFLOP/s",
                           note=f"n={peak['best_size']}, load {load_start[0]}"))
    for name in args.configs:
        cfg = dict(CONFIGS[name])
        impls = list(args.impls or DEFAULT_IMPLS[name])
        if args.quick:
            cfg["steps"] = 1
            if name not in ("small", "make-train"):
                impls = [i for i in impls if i in ("fast-fused", "trax")]
        res = bench_config(name, cfg, impls, repeats, peak["best_size"])
        results[name] = res
        figures, ratios = res["figures"], res["ratios"]
        for impl, r in figures.items():
            ratio = ratios.get(f"{impl}/trax")
            rows.append(common.row(f"train/{name}", f"{impl} tok/s", r["tokens_per_s"],
                                   "tok/s", ratio=ratio,
                                   note=f"MFU {r['mfu']:.0%} ({r['mfu_peak']} peak), "
                                   f"compile {r['compile_s']} s"
                                   + (" (ratio: vs trax)" if ratio else "")))
        for key in KEY_RATIOS:
            if key in ratios:
                rows.append(common.row(f"train/{name}", key, ratios[key], "×"))
        rows.append(common.row(f"train/{name}", "f32 matmul (jax)", res["matmul_gflops"],
                               "GFLOP/s", note=f"n={peak['best_size']}, best of 3 per round"))
        if "torch_matmul_gflops" in res:
            rows.append(common.row(f"train/{name}", "f32 matmul (torch)",
                                   res["torch_matmul_gflops"], "GFLOP/s",
                                   ratio=res["matmul_torch/jax"], note="ratio: torch/jax"))
        for key, label in (("bf16_matmul_gflops", "bf16 matmul (jax)"),
                           ("torch_bf16_matmul_gflops", "bf16 matmul (torch autocast)")):
            if key in res:
                rows.append(common.row(f"train/{name}", label, res[key], "GFLOP/s",
                                       note=f"native bf16: {native}"))
        rows.append(common.row(f"train/{name}", "load avg (1 min)",
                               statistics.median(x[0] for x in res["loadavg_per_round"]),
                               note=f"{os.cpu_count()} cores"))
        # written after every config: a run stopped later keeps the configs measured so far
        common.write_result("train", {
            "what": "training step (forward+backward+Adam) tokens/s; MFU vs the matmul peak of "
                    "the precision used (f32, or bf16 for fast-bf16/torch-bf16)",
            "native_bf16": native, "cpu_bf16_flags": bf16_flags,
            "torch_omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "quick": args.quick, "repeats": repeats, "dropout": DROPOUT, "max_len": MAX_LEN,
            "flops_note": "FLOPs/token = 6·N_matmul + 12·n_layers·L·d_model",
            "complete": name == args.configs[-1],
            "loadavg_start": load_start, "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "matmul_peak": peak, "configs": results}, rows=rows, out=args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
