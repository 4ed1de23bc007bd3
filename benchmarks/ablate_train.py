"""Where the course model's training step loses to PyTorch's: the mid config, ablated.

    TRAX_MODELS_TORCH_PATH=build/bench-torch python -m benchmarks.ablate_train

Not part of ``make bench`` (≈4 min). The mid config of ``bench_train`` (d256 ff1024 L4 h8,
8×256), for the course ``TransformerLM`` and the PyTorch peer, in three variants: as
benchmarked (vocabulary 8,000, dropout 0.1), without dropout, and with a 1,000-word vocabulary
(the output projection and the log-softmax + cross-entropy shrink 8×; the rest is unchanged).
The differences between variants split the step time into the transformer body, the
vocabulary-sized tail and dropout, for both frameworks. Rounds interleaved, median of 5.
Writes ``benchmarks/results/ablate_train.json``.
"""
import statistics

from benchmarks import bench_train as bt
from benchmarks import common

VARIANTS = {"as benchmarked": {}, "dropout 0": {"dropout": 0.0},
            "vocabulary 1000": {"vocab_size": 1000}}


def main(argv=None):
    args = common.parser(__doc__).parse_args(argv)
    import trax_models  # noqa: F401  (compat: quiet trax import)
    fns = {}
    for variant, change in VARIANTS.items():
        cfg = dict(bt.CONFIGS["mid"], **{k: v for k, v in change.items() if k != "dropout"})
        bt.DROPOUT = change.get("dropout", 0.1)
        for impl in ("course", "torch"):
            step = bt.torch_step_fn(cfg) if impl == "torch" else bt.jax_step_fn(impl, cfg)
            step()
            step()  # trax's Trainer traces again on its second call
            fns[(variant, impl)] = step
            print(f"{variant} / {impl}: ready", flush=True)
    tokens = bt.CONFIGS["mid"]["batch"] * bt.CONFIGS["mid"]["length"]
    times = {key: [] for key in fns}
    for _ in range(5):
        for key, step in fns.items():
            times[key].append(bt._timed(step)[0])
    ms = {key: 1000 * statistics.median(v) for key, v in times.items()}
    figures = {f"{variant} / {impl}": {"ms_per_step": round(ms[(variant, impl)], 1),
                                       "tokens_per_s": round(tokens * 1000 / ms[(variant, impl)])}
               for variant, impl in fns}
    split = {}
    for impl in ("course", "torch"):
        base = ms[("as benchmarked", impl)]
        split[impl] = {"dropout_ms": round(base - ms[("dropout 0", impl)], 1),
                       "vocab_8000_minus_1000_ms": round(base - ms[("vocabulary 1000", impl)], 1),
                       "body_ms (vocabulary 1000)": round(ms[("vocabulary 1000", impl)], 1)}
    rows = [common.row("ablate/mid", name, f["tokens_per_s"], "tok/s",
                       note=f"{f['ms_per_step']} ms/step") for name, f in figures.items()]
    common.write_result("ablate_train", {"config": bt.CONFIGS["mid"], "figures": figures,
                                         "split_ms": split}, rows=rows, out=args.out)
    print(split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
