"""Decode throughput: the course's greedy_decode vs trax's autoregressive_sample vs our jitted
KV-cache Decoder, on the same model and weights, measured side by side in one run.

    python -m benchmarks.bench_decode [--checkpoint DIR] [--article-tokens 512] [--new-tokens 256]
                                      [--batches 1 8] [--repeats 5] [--course-tokens 32]
                                      [--out FILE.json]

Decoders (all greedy, all produce the same tokens — checked):
  course_greedy_decode   trax_models.decoding.greedy_decode + next_symbol as graded: the eval
                         model called eagerly on the whole re-padded sequence for every token,
                         one article at a time
  course_greedy_jit      the same loop with the eval model jitted (what jit alone buys)
  trax_autoregressive    trax.supervised.decoding.autoregressive_sample on the predict-mode
                         model (KV cache, tl.Accelerate-jitted, one Python call per token)
  fast_decoder           trax_models.summarizer.generate.Summarizer: prefill + lax.while_loop, one jitted call

Model: a checkpoint's (``--checkpoint``) or, by default, ``make train``'s architecture
(d_model 128, d_ff 512, 2 layers, 4 heads; vocab 4000 = train's --vocab_size) with
max_len 1024 so that a 512-token article + 256 new tokens fit, random weights. Speed depends
on shapes, not on weight values; EOS is made impossible (its output bias set to -1e9) so that
every decoder generates exactly
``--new-tokens`` tokens. Articles are random ids. Results: ``results/decode.json`` (default
model); ``results/decode_trained.json`` (a trained max_len-512 checkpoint, 254-token article).

The course's decoder has no batching: at batch B it decodes B articles one after the other.
Every one of its steps pads the sequence to the same power of two (1024 here), so its cost per
token is constant: it is timed on ``--course-tokens`` (32) new tokens in all (32 // B per article
at batch B), the others on ``--new-tokens`` (256) per article; tokens/s compares them.
Timings: medians over ``--repeats`` interleaved repetitions after one warm-up (compilation)
run each (2 tokens for the course decoders); ``os.getloadavg()`` is recorded, the CPU may be
shared.
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import time

import jax
import numpy as np
from trax import layers as tl
from trax import shapes
from trax.supervised import decoding as trax_decoding

import trax_models  # noqa: F401  (compat first)
from trax_models import decoding
from trax_models.model import TransformerLM, init_predict
from trax_models.summarizer import checkpoint
from trax_models.summarizer.generate import Summarizer

REPO = pathlib.Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "decode.json"
DEFAULT_ARGS = dict(vocab_size=4000, d_model=128, d_ff=512, n_layers=2, n_heads=4, dropout=0.0,
                    max_len=1024)
EOS = 1


def load(checkpoint_dir):
    """(model_args, eval model with weights, where from); EOS made impossible."""
    if checkpoint_dir:
        model, config = checkpoint.load_model(checkpoint_dir, mode="eval")
        args, source = dict(config["model_args"], dropout=0.0), f"checkpoint {checkpoint_dir}"
    else:
        args, source = dict(DEFAULT_ARGS), "random weights, make train's architecture"
        model = TransformerLM(**args, mode="eval")
        model.init(shapes.ShapeDtype((1, 8), np.int32), rng=jax.random.PRNGKey(0))
    weights = list(model.weights)
    dense_w, dense_b = weights[-2]  # the output layer (before LogSoftmax)
    dense_b = np.array(dense_b)
    dense_b[EOS] = -1e9
    weights[-2] = (dense_w, dense_b)
    model.weights = tuple(weights)
    return args, model, source


class Decoders:
    """The four decoders on one model; each ``run(name, prompts, new_tokens) -> (B, new) ids``."""

    def __init__(self, args, model):
        self.args, self.model = args, model
        self.forward = jax.jit(lambda x, w: model.pure_fn(x, w, model.state, model.rng)[0])
        self.fast = Summarizer("transformer_lm", args, model.weights)
        self.predict = {}

    def course_greedy_decode(self, prompts, new_tokens, model=None):
        model = model or self.model
        out = []
        for prompt in prompts:  # one article at a time, as the course decodes
            out.append(decoding.greedy_decode(
                None, model, tokenize=lambda _, p=prompt: list(p[:-1]), detokenize=list,
                verbose=False, max_length=new_tokens))
        return np.array(out)

    def course_greedy_jit(self, prompts, new_tokens):
        jitted = lambda inputs: (self.forward(inputs[0], self.model.weights), inputs[1])  # noqa
        return self.course_greedy_decode(prompts, new_tokens, model=jitted)

    def trax_autoregressive(self, prompts, new_tokens):
        batch = len(prompts)
        if batch not in self.predict:
            predict = TransformerLM(**self.args, mode="predict")
            start = init_predict(predict, self.model.weights, batch_size=batch)
            self.predict[batch] = (tl.Accelerate(predict), start)
        fast, start = self.predict[batch]
        fast.replicate_state(start)  # an empty cache for this batch of prompts
        return trax_decoding.autoregressive_sample(
            fast, inputs=np.array(prompts, np.int32), batch_size=batch, temperature=0.0,
            max_length=new_tokens, accelerate=False)

    def fast_decoder(self, prompts, new_tokens):
        return np.array(self.fast.generate(prompts, max_new_tokens=new_tokens))


NAMES = ("course_greedy_decode", "course_greedy_jit", "trax_autoregressive", "fast_decoder")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--article-tokens", type=int, default=512)
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    p.add_argument("--course-tokens", type=int, default=32,
                   help="new tokens for the course decoders (divided among the batch's "
                        "articles): each of their steps runs the model on the same padded "
                        "shape, so tokens/s does not depend on it (256 would take minutes)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=str(RESULTS))
    a = p.parse_args(argv)

    args, model, source = load(a.checkpoint)
    if a.article_tokens + 2 + a.new_tokens > args["max_len"]:
        raise SystemExit(f"article {a.article_tokens} + 2 + {a.new_tokens} new tokens exceed the "
                         f"model's max_len {args['max_len']}")
    decoders = Decoders(args, model)
    rs = np.random.RandomState(0)
    prompts = {b: [list(rs.randint(2, args["vocab_size"], size=a.article_tokens)) + [EOS, 0]
                   for _ in range(b)] for b in a.batches}
    cases = []
    for b in a.batches:
        for name in NAMES:
            if name == "course_greedy_jit" and b > 1:
                continue  # same per-token cost as at batch 1; kept to the batch-1 comparison
            # The course decoders run the articles one after another: at batch b each gets
            # course_tokens // b new tokens, so every repeat costs the same ≈course_tokens steps.
            new = max(2, a.course_tokens // b) if name.startswith("course") else a.new_tokens
            cases.append((name, b, new))

    load_start = os.getloadavg()
    outputs, compile_s = {}, {}
    for name, b, new in cases:  # warm-up: compilation (a short run for the course decoders,
        t0 = time.perf_counter()  # whose every step has the same padded shape)
        getattr(decoders, name)(prompts[b], 2 if name.startswith("course") else new)
        compile_s[(name, b)] = time.perf_counter() - t0
        print(f"warm-up {name} batch {b}: {compile_s[(name, b)]:.1f} s", flush=True)
    times = {(name, b): [] for name, b, _ in cases}
    loads = []
    for rep in range(a.repeats):  # interleaved: every decoder sees the same machine load
        for name, b, new in cases:
            t0 = time.perf_counter()
            outputs[(name, b)] = getattr(decoders, name)(prompts[b], new)
            times[(name, b)].append(time.perf_counter() - t0)
        loads.append(os.getloadavg())
        print(f"repeat {rep + 1}/{a.repeats}: " + ", ".join(
            f"{n}@{b} {times[(n, b)][-1]:.2f}s" for n, b, _ in cases), flush=True)

    # The decoders agree token for token (on the tokens each produced).
    agree = {}
    for b in a.batches:
        ref = outputs[("fast_decoder", b)]
        for name in NAMES:
            if (name, b) in outputs:
                got = np.asarray(outputs[(name, b)])
                agree[f"{name}@{b}"] = bool(np.array_equal(got, ref[:, :got.shape[1]]))

    results = {"batches": {}}
    for name, b, new in cases:
        median = statistics.median(times[(name, b)])
        tokens = b * new
        results["batches"].setdefault(str(b), {})[name] = {
            "new_tokens_per_article": new, "articles": b, "median_s": round(median, 4),
            "runs_s": [round(t, 4) for t in times[(name, b)]],
            "tokens_per_s": round(tokens / median, 1),
            "warmup_s": round(compile_s[(name, b)], 2)}
    for b, row in results["batches"].items():
        course = row["course_greedy_decode"]["tokens_per_s"]
        row["speedup_vs_course_greedy_decode"] = {
            name: round(r["tokens_per_s"] / course, 1) for name, r in row.items()
            if isinstance(r, dict) and "tokens_per_s" in r}
    results.update({
        "model": source, "model_args": args, "article_tokens": a.article_tokens,
        "new_tokens": a.new_tokens, "course_tokens": a.course_tokens,
        "repeats": a.repeats, "tokens_agree_with_fast_decoder": agree,
        "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_per_repeat": [[round(x, 2) for x in lv] for lv in loads],
        "cpus": os.cpu_count(), "backend": jax.default_backend(),
        "python": platform.python_version(), "jax": jax.__version__,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    out = pathlib.Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    for b, row in results["batches"].items():
        print(f"batch {b}: " + ", ".join(f"{n} {r['tokens_per_s']:.0f} tok/s" for n, r in
                                         row.items() if isinstance(r, dict) and "median_s" in r))
        print(f"  speed-up vs course greedy_decode: {row['speedup_vs_course_greedy_decode']}")
    print(f"tokens agree: {agree}\nwrote {out}")


if __name__ == "__main__":
    main()
