"""Encoder–decoder Transformer vs decoder-only TransformerLM on the summarization data (issue 10).

``python -m trax_models compare --parts summarization`` (not in the default parts: it adds a
few minutes). Both models see the same (article, summary) pairs of the embedded default corpus:

    TransformerLM   article + [EOS, SEP] + summary + [EOS] in one sequence (the course's layout),
                    loss on the summary only                       joint (batch, L_joint)
    EncoderDecoder  source = article + [EOS], target = summary + [EOS]   (batch, L_src), (batch, L_tgt)

Equal parameter count (the LM's width is matched to the encoder–decoder's count), equal steps,
the same Adam + clipping step (``fit.train``), fixed batch shapes (no recompilation). Measured:
ROUGE-1/2/L of greedy summaries (``metrics.rouge``, the one evaluation), Lead-3 as reference,
training tokens/s (real tokens per second of one step, interleaved repetitions) and decoding
articles/s (``summarizer.generate.Summarizer``, the same for the LM and the
enc–dec: the same jitted greedy loop; the second of two identical runs, so compilation is
excluded).
"""
import itertools
import os
import time
import warnings

import numpy as np
from trax import layers as tl

from trax_models import data
from trax_models.experiments import fit
from trax_models.model import TransformerLM
from trax_models.model import count_params as lm_params
from trax_models.models import encoder_decoder as ed
from trax_models.summarizer import baselines, metrics, registry
from trax_models.summarizer.generate import Summarizer, TruncationWarning

__all__ = ["summarization_experiment"]


def _fixed(batches, widths):
    """Pads (0) or cuts every array of each batch to the given widths: fixed shapes, one
    compilation. widths: one int per array of the batch."""
    for batch in batches:
        out = []
        for array, width in zip(batch, widths):
            array = np.asarray(array)[:, :width]
            out.append(np.pad(array, ((0, 0), (0, width - array.shape[1]))))
        yield tuple(out)


def _real_tokens(*arrays):
    return int(sum(np.count_nonzero(a) for a in arrays))


def summarization_experiment(cfg, seed=0, quiet=False):
    """Trains both models for cfg["steps"] and measures ROUGE, training and decoding speed."""
    log = (lambda msg: None) if quiet else (lambda msg: print(msg, flush=True))
    src_len, tgt_len, joint_len = cfg["source_len"], cfg["target_len"], cfg["joint_len"]
    batch = cfg["batch"]
    common = dict(boundaries=(max(src_len, joint_len) + 1,), batch_sizes=(batch, batch),
                  shuffle_buffer=256, seed=seed)
    vocab_file = data.vocab_for("default")
    vocab_size = data.load_vocab(vocab_file).vocab_size
    lm_train, _ = data.make_streams("default", vocab_file=vocab_file, max_length=joint_len,
                                    concat=True, **common)
    ed_train, _ = data.make_streams("default", vocab_file=vocab_file, max_length=src_len,
                                    concat=False, **common)
    lm_batches = _fixed(lm_train, (joint_len, joint_len, joint_len))
    ed_batches = _fixed(ed_train, (src_len, tgt_len, tgt_len))
    lm_cache, ed_cache = [], []

    def cached(stream, cache):
        def next_batch(step):
            while len(cache) <= step:
                cache.append(next(stream))
            return cache[step]
        return next_batch

    def lm_next(step):
        inputs, targets, mask = cached(lm_batches, lm_cache)(step)
        return inputs, targets, mask.astype(np.float32)

    def ed_next(step):
        source, target, mask = cached(ed_batches, ed_cache)(step)
        return (source, target), target, mask.astype(np.float32)

    d, heads = cfg["d_model"], cfg["n_heads"]
    ed_args = dict(vocab_size=vocab_size, d_model=d, d_ff=2 * d, n_layers=cfg["ed_layers"],
                   n_heads=heads, dropout=0.0, max_len=src_len)
    budget = ed.count_params(vocab_size, d, 2 * d, cfg["ed_layers"], cfg["ed_layers"], src_len)
    widths = range(heads, 1025, heads)
    d_lm = min(widths, key=lambda w: abs(lm_params(vocab_size, w, 2 * w, cfg["lm_layers"],
                                                   joint_len) - budget))
    lm_args = dict(vocab_size=vocab_size, d_model=d_lm, d_ff=2 * d_lm, n_layers=cfg["lm_layers"],
                   n_heads=heads, dropout=0.0, max_len=joint_len)
    runs = {
        "transformer_lm": (TransformerLM(**lm_args, mode="train"), lm_next, lm_args),
        "encoder_decoder": (tl.Serial(ed.EncoderDecoder(**ed_args, mode="train"),
                                      tl.Select([0], n_in=2)), ed_next, ed_args),
    }
    articles, refs = zip(*itertools.islice(data.pairs("default", "validation"), cfg["n_eval"]))
    out = {"task": {"source": "default", "vocab_size": vocab_size, "n_eval": len(articles),
                    "lead3": metrics.rouge(baselines.summarize("lead3", articles), list(refs))},
           "models": {}}
    timers = {}
    for name, (model, next_batch, args) in runs.items():
        log(f"summarization: training {name} ({args})")
        result = fit.train(model, next_batch, cfg["steps"], cfg["lr"], seed,
                           log_every=0 if quiet else max(cfg["steps"] // 5, 1), name=name)
        weights = model.weights[0] if registry.kind(name).pairs else model.weights  # Select
        inputs, targets, mask = next_batch(0)
        tokens = _real_tokens(*(inputs if isinstance(inputs, tuple) else (inputs,)))
        # (re-initialises the model's weights: the trained ones were taken just above)
        timers[name] = (fit.compiled_train_step(model, inputs, targets, mask, seed), tokens)
        summarize = _summarizer(name, args, weights, vocab_file, cfg)
        summarize(articles)          # compile every shape first (the LM buckets prompt lengths)
        start = time.perf_counter()
        preds = summarize(articles)
        decode_s = time.perf_counter() - start
        out["models"][name] = {
            "model_args": args, "params": result["params"], "steps": cfg["steps"],
            "train_seconds": result["seconds"],
            "final_loss": float(np.mean(result["losses"][-max(cfg["steps"] // 10, 1):])),
            "loss_curve": result["losses"][:: max(cfg["steps"] // 100, 1)],
            "rouge": metrics.rouge(preds, list(refs)),
            "decode_articles_per_s": len(articles) / decode_s,
            "example": {"article": articles[0][:300], "reference": refs[0], "summary": preds[0]}}
        log(f"  {name}: ROUGE {out['models'][name]['rouge']}, "
            f"{out['models'][name]['decode_articles_per_s']:.2f} articles/s decoding")
    load_before = list(os.getloadavg())
    times = {name: [] for name in timers}
    for _ in range(cfg["repeats"]):                                     # interleaved
        for name, (run_once, _) in timers.items():
            times[name].append(run_once())
    for name, (_, tokens) in timers.items():
        step_s = float(np.median(times[name]))
        out["models"][name].update(train_step_seconds=step_s,
                                   train_tokens_per_s=tokens / step_s,
                                   train_tokens_per_step=tokens)
    out["timing_load_avg"] = [load_before, list(os.getloadavg())]
    return out


def _summarizer(name, args, weights, vocab_file, cfg):
    """articles → greedy summaries (list of str), for either model."""
    decoder = Summarizer(name, args, weights, vocab_file=vocab_file,
                         max_new_tokens=cfg["max_new_tokens"])

    def summarize(articles):
        with warnings.catch_warnings():   # long articles are cut to fit, as for the enc–dec
            warnings.simplefilter("ignore", TruncationWarning)
            return decoder.summarize(list(articles), batch_size=cfg["decode_batch"])
    return summarize
