"""Transformers vs RNNs, measured: the four measurements of ``python -m trax_models compare``.

1. recall     accuracy vs dependency distance d — Transformer, LSTM, GRU, tanh RNN with equal
              parameter budgets, trained for equal steps on the same batches (RecallTask);
2. grads      ‖∂ log p(answer) / ∂ e_j‖ vs distance to the answer, at init and after training
              (vanishing gradients);
3. timing     one training step's wall time vs sequence length (sequential scan vs attention);
4. transduction  reversal of growing length: seq2seq with Bahdanau / Luong dot / Luong general
              attention, seq2seq without attention, and a decoder-only Transformer (the course's
              summarizer layout: source then target in one sequence) — BLEU and exact match vs
              length, free-running greedy decoding; plus one attention alignment matrix.

Everything lands in one JSON document (``run`` returns it, ``cli`` writes it with the plots).
``findings`` states each of the course's claims next to the numbers that test it, and whether
they agree — computed, not written by hand.
"""
import os
import platform
import time

import jax
import numpy as np

from trax_models.experiments import fit
from trax_models.experiments.summarization import summarization_experiment
from trax_models.experiments.tasks import RecallTask, ReversalTask
from trax_models.model import TransformerLM
from trax_models.model import count_params as transformer_params
from trax_models.models import seq2seq
from trax_models.models.rnn import RNNLM, rnn_lm_params
from trax_models.summarizer import metrics

__all__ = ["CONFIGS", "SIZES", "run", "recall_experiment", "timing_experiment",
           "transduction_experiment", "score_transduction", "findings"]

RECURRENT = ("lstm", "gru", "rnn")
S2S_VARIANTS = ("bahdanau", "dot", "general", None)

CONFIGS = {
    # CI / tests / the notebook under TRAX_MODELS_CI=1: every code path with a subset of the
    # models, a few steps; the numbers are not meaningful.
    "smoke": dict(
        recall=dict(length=12, distances=[2, 6, 10], train_distances=None, steps=8,
                    batch=8, d_model=8, n_layers=1, n_heads=2, lr=3e-3, n_eval=16,
                    models=["transformer", "rnn"]),
        timing=dict(lengths=[8, 16], batch=4, repeats=2, models=["transformer", "lstm"]),
        transduction=dict(max_len=4, lengths=[2, 4], steps=8, batch=8, n_units=8,
                          d_model=8, variants=["bahdanau", None], lr=3e-3, n_eval=16,
                          transformer=dict(n_layers=1, n_heads=2)),
        summarization=dict(source_len=64, target_len=16, joint_len=80, batch=4, steps=4,
                           d_model=16, n_heads=2, ed_layers=1, lm_layers=2, lr=1e-3, n_eval=4,
                           max_new_tokens=8, decode_batch=4, repeats=2),
    ),
    # make compare (the default): a few minutes on 2 shared CPU cores.
    "default": dict(
        recall=dict(length=40, distances=[2, 4, 8, 16, 24, 32, 38], train_distances=None,
                    steps=600, batch=32, d_model=32, n_layers=2, n_heads=4, lr=3e-3,
                    n_eval=128, models=None),
        timing=dict(lengths=[16, 32, 64, 128, 256], batch=16, repeats=5, models=None),
        transduction=dict(max_len=12, lengths=[2, 4, 6, 8, 10, 12], steps=600, batch=32,
                          n_units=48, d_model=32, variants=["bahdanau", "dot", "general", None],
                          lr=3e-3, n_eval=96, transformer=dict(n_layers=2, n_heads=4)),
        # --parts summarization (issue 10): not in the default parts.
        summarization=dict(source_len=256, target_len=48, joint_len=320, batch=8, steps=600,
                           d_model=32, n_heads=4, ed_layers=1, lm_layers=2, lr=1e-3,
                           n_eval=64, max_new_tokens=40, decode_batch=16, repeats=5),
    ),
    # --size full: longer sequences and more steps, ~20+ minutes on 2 CPU cores.
    "full": dict(
        recall=dict(length=72, distances=[2, 4, 8, 16, 24, 32, 48, 64, 70],
                    train_distances=None, steps=1500, batch=32, d_model=32, n_layers=2,
                    n_heads=4, lr=3e-3, n_eval=256, models=None),
        timing=dict(lengths=[16, 32, 64, 128, 256, 512], batch=16, repeats=5, models=None),
        transduction=dict(max_len=24, lengths=[2, 4, 8, 12, 16, 20, 24], steps=1500, batch=32,
                          n_units=64, d_model=32, variants=["bahdanau", "dot", "general", None],
                          lr=3e-3, n_eval=128, transformer=dict(n_layers=2, n_heads=4)),
        summarization=dict(source_len=512, target_len=64, joint_len=576, batch=8, steps=1500,
                           d_model=64, n_heads=4, ed_layers=2, lm_layers=4, lr=1e-3,
                           n_eval=200, max_new_tokens=64, decode_batch=16, repeats=5),
    ),
}
SIZES = tuple(CONFIGS)
ALL_LMS = ("transformer",) + RECURRENT


def _log(msg, quiet):
    if not quiet:
        print(msg, flush=True)


# --- 1 + 2: recall and gradient norms ----------------------------------------------------------

def _match_width(count, target, lo=4, hi=1024, step=1):
    """The width n (a multiple of step) whose parameter count ``count(n)`` is closest to target."""
    widths = range(lo - lo % step or step, hi + 1, step)
    return min(widths, key=lambda n: abs(count(n) - target))


def recall_models(vocab_size, cfg):
    """{name: (build(mode) → model, width, closed-form params)} with equal parameter budgets.

    The budget is the Transformer's (d_model, n_layers); each recurrent LM is one layer whose
    width brings its parameter count closest to it. ``cfg["models"]``: a subset (default all).
    """
    L, d, layers, heads = cfg["length"], cfg["d_model"], cfg["n_layers"], cfg["n_heads"]
    wanted = cfg.get("models") or ALL_LMS
    budget = transformer_params(vocab_size, d, 2 * d, layers, max_len=L)
    models = {"transformer": (lambda mode: TransformerLM(vocab_size, d, 2 * d, layers, heads,
                                                          0.0, L, mode), d, budget)}
    for cell in RECURRENT:
        n = _match_width(lambda n, c=cell: rnn_lm_params(vocab_size, n, 1, c), budget)
        models[cell] = ((lambda mode, n=n, c=cell: RNNLM(vocab_size, n, 1, c, 0.0, mode)),
                        n, rnn_lm_params(vocab_size, n, 1, cell))
    return {name: m for name, m in models.items() if name in wanted}


def recall_experiment(cfg, seed=0, quiet=False):
    """Trains every model on RecallTask (d uniform over the distances), then measures accuracy
    at each d on held-out batches and the input-gradient norms at init and after training."""
    task = RecallTask(cfg["length"])
    distances = cfg["distances"]
    train_d = cfg.get("train_distances") or list(range(2, task.max_distance + 1))

    def next_batch(step):
        tokens, mask, _ = task.batch(np.random.default_rng([seed, step]), cfg["batch"], train_d)
        return tokens, tokens, mask

    eval_rng = np.random.default_rng([seed, 10**6])
    eval_sets = [task.batch(eval_rng, cfg["n_eval"], [d]) for d in distances]
    eval_tokens = np.concatenate([t for t, _, _ in eval_sets])
    eval_d = np.concatenate([d for _, _, d in eval_sets])
    grad_tokens, _, _ = task.batch(np.random.default_rng([seed, 10**6 + 1]), 32, train_d)

    out = {"task": {"length": task.length, "vocab_size": task.vocab_size,
                    "train_distances": [min(train_d), max(train_d)]},
           "distances": distances, "models": {}, "grad_norms": {}}
    for name, (build, width, params) in recall_models(task.vocab_size, cfg).items():
        model = build("train")
        model.init(fit._signature(next_batch(0)[0]), rng=jax.random.PRNGKey(seed))
        init_weights = model.weights
        _log(f"recall: training {name} (width {width}, {params:,} params)", quiet)
        result = fit.train(model, next_batch, cfg["steps"], cfg["lr"], seed,
                           log_every=0 if quiet else max(cfg["steps"] // 5, 1), name=name)
        pred = fit.predict_last(model, eval_tokens)             # one batch for every d
        accuracy = {str(d): float(np.mean(pred[eval_d == d] == eval_tokens[eval_d == d, -1]))
                    for d in distances}
        g_init, g_trained = fit.input_grad_norms(model, grad_tokens, [init_weights, model.weights])
        out["models"][name] = {
            "width": width, "params": result["params"], "train_seconds": result["seconds"],
            "final_loss": float(np.mean(result["losses"][-max(len(result["losses"]) // 10, 1):])),
            "loss_curve": result["losses"][:: max(len(result["losses"]) // 100, 1)],
            "accuracy": accuracy}
        L = task.length
        # token at index L-1-k sits k positions before the answer
        out["grad_norms"][name] = {
            "distance": list(range(1, L)),
            "init": [float(g_init[:, L - 1 - k].mean()) for k in range(1, L)],
            "trained": [float(g_trained[:, L - 1 - k].mean()) for k in range(1, L)]}
        _log(f"  accuracy by d: {accuracy}", quiet)
    return out


# --- 3: step time vs sequence length -------------------------------------------------------------

def timing_experiment(cfg, recall_cfg, seed=0, quiet=False):
    """Median seconds of one training step vs sequence length, same widths as the recall models.

    Every (model, length) step is compiled first; then the repetitions are interleaved (one
    step of each in turn, ``repeats`` rounds), so a burst of load from other processes hits
    all of them alike. ``os.getloadavg()`` is recorded before and after.
    """
    vocab_size = RecallTask(recall_cfg["length"]).vocab_size
    lengths = cfg["lengths"]
    # Widths from the recall budget; the Transformer's PositionalEncoding must cover max L.
    sub = dict(recall_cfg, models=cfg.get("models") or recall_cfg.get("models"))
    widths = {name: m[1] for name, m in recall_models(vocab_size, sub).items()}
    builders = recall_models(vocab_size, dict(sub, length=max(lengths)))
    rng = np.random.default_rng(seed)
    steps = {}
    for name in widths:
        build = builders[name][0]
        if name != "transformer":
            build = (lambda mode, n=widths[name], c=name: RNNLM(vocab_size, n, 1, c, 0.0, mode))  # noqa: E731
        for L in lengths:
            tokens = rng.integers(2, vocab_size, size=(cfg["batch"], L)).astype(np.int32)
            mask = np.ones_like(tokens, dtype=np.float32)
            steps[name, L] = fit.compiled_train_step(build("train"), tokens, tokens, mask, seed)
    load_before = list(os.getloadavg())
    times = {key: [] for key in steps}
    for _ in range(cfg["repeats"]):
        for key, run_step in steps.items():
            times[key].append(run_step())
    out = {"lengths": lengths, "batch": cfg["batch"], "repeats": cfg["repeats"],
           "load_avg_before": load_before, "load_avg_after": list(os.getloadavg()),
           "models": {}}
    for name in widths:
        seconds = [float(np.median(times[name, L])) for L in lengths]
        out["models"][name] = {"width": widths[name], "seconds": seconds}
        _log(f"timing: {name} " + ", ".join(f"L={L}: {t * 1e3:.1f} ms"
                                             for L, t in zip(lengths, seconds)), quiet)
    return out


# --- 4: transduction -----------------------------------------------------------------------------

def score_transduction(pred_tokens, ref_tokens):
    """The one evaluation used for every model: token rows → texts → metrics.evaluate_texts
    (BLEU, ROUGE-1/2/L) plus exact-match rate."""
    preds = [ReversalTask.to_text(p) for p in pred_tokens]
    refs = [ReversalTask.to_text(r) for r in ref_tokens]
    scores = metrics.evaluate_texts(preds, refs, with_bleu=True)
    scores["exact"] = float(np.mean([p == r for p, r in zip(preds, refs)]))
    return scores


def _s2s_name(variant):
    return f"seq2seq_{variant or 'no_attention'}"


def transduction_experiment(cfg, seed=0, quiet=False):
    """Reversal: seq2seq variants and a decoder-only Transformer, equal budgets and steps."""
    task = ReversalTask(cfg["max_len"])
    V, S = task.vocab_size, task.max_len + 1
    train_lengths = list(range(1, task.max_len + 1))

    def s2s_batch(step):
        src, tgt, mask, _ = task.batch(np.random.default_rng([seed, step]), cfg["batch"],
                                       train_lengths)
        return (src, tgt), tgt, mask

    def lm_batch(step):
        (src, tgt), _, mask = s2s_batch(step)
        joint = np.concatenate([src, tgt], axis=1)                  # source then target
        return joint, joint, np.concatenate([np.zeros_like(mask), mask], axis=1)

    budget = seq2seq.count_params(V, V, cfg["d_model"], cfg["n_units"], "bahdanau")
    tcfg = cfg["transformer"]
    d_tr = _match_width(lambda d: transformer_params(V, d, 2 * d, tcfg["n_layers"], 2 * S),
                        budget, step=tcfg["n_heads"])
    eval_rng = np.random.default_rng([seed, 10**6])
    eval_sets = [task.batch(eval_rng, cfg["n_eval"], [n]) for n in cfg["lengths"]]
    eval_src, eval_tgt, _, eval_n = (np.concatenate(parts) for parts in zip(*eval_sets))
    out = {"task": {"max_len": task.max_len, "vocab_size": V}, "lengths": cfg["lengths"],
           "models": {}}

    runs = []
    for variant in cfg["variants"]:
        n = _match_width(lambda n, a=variant: seq2seq.count_params(V, V, cfg["d_model"], n, a),
                         budget, step=2)
        runs.append((_s2s_name(variant), n,
                     seq2seq.Seq2Seq(V, V, cfg["d_model"], n, variant, mode="train"), s2s_batch))
    runs.append(("transformer", d_tr,
                 TransformerLM(V, d_tr, 2 * d_tr, tcfg["n_layers"], tcfg["n_heads"], 0.0, 2 * S,
                               "train"), lm_batch))

    for name, width, model, next_batch in runs:
        _log(f"transduction: training {name} (width {width})", quiet)
        result = fit.train(model, next_batch, cfg["steps"], cfg["lr"], seed,
                           log_every=0 if quiet else max(cfg["steps"] // 5, 1), name=name)
        # one decoding call for every length, scored per length
        if name == "transformer":
            buf = np.concatenate([eval_src, np.zeros_like(eval_tgt)], axis=1)
            pred = fit.lm_greedy_continue(model, buf, np.full(len(eval_src), S), S)[:, S:]
        else:
            pred, alpha = seq2seq.decode(model, eval_src, S)
        by_length = {str(n_len): score_transduction(pred[eval_n == n_len], eval_tgt[eval_n == n_len])
                     for n_len in cfg["lengths"]}
        out["models"][name] = {
            "width": width, "params": result["params"], "train_seconds": result["seconds"],
            "final_loss": float(np.mean(result["losses"][-max(len(result["losses"]) // 10, 1):])),
            "loss_curve": result["losses"][:: max(len(result["losses"]) // 100, 1)],
            "bleu": {k: v["bleu"] for k, v in by_length.items()},
            "exact": {k: v["exact"] for k, v in by_length.items()},
            "rougeL": {k: v["rougeL"] for k, v in by_length.items()}}
        _log("  BLEU by length: " + ", ".join(f"{k}: {v['bleu']:.2f}"
                                               for k, v in by_length.items()), quiet)
        if name.startswith("seq2seq") and name != _s2s_name(None) and "attention_example" not in out:
            i = int(np.argmax(eval_n))                   # an example of the longest length
            out["attention_example"] = {"model": name, "src": eval_src[i].tolist(),
                                        "pred": pred[i].tolist(), "weights": alpha[i].tolist()}
    return out


# --- findings --------------------------------------------------------------------------------------

def _claim(text, holds, evidence):
    return {"claim": text, "holds": bool(holds), "evidence": evidence}


def findings(result):
    """Each course claim with the numbers that test it and whether they agree (computed)."""
    out = []
    rec = result.get("recall")
    if rec:
        far = str(rec["distances"][-1])
        acc = {m: r["accuracy"][far] for m, r in rec["models"].items()}
        rnns = [m for m in RECURRENT if m in acc]
        if "transformer" in acc and rnns:
            best_rnn = max(rnns, key=lambda m: acc[m])
            out.append(_claim(
                f"attention recalls a fact d={far} tokens back better than recurrence",
                acc["transformer"] > acc[best_rnn],
                f"accuracy at d={far}: " + ", ".join(f"{m} {a:.2f}" for m, a in acc.items())))
        gated = [m for m in ("lstm", "gru") if m in acc]
        if gated and "rnn" in acc:
            out.append(_claim(
                f"LSTM/GRU gating helps over a plain RNN at long range (d={far})",
                max(acc[m] for m in gated) > acc["rnn"],
                ", ".join(f"{m} {acc[m]:.2f}" for m in gated + ["rnn"])))
        g = rec["grad_norms"]
        if "rnn" in g and "transformer" in g:
            k = len(g["rnn"]["init"])
            ratio = {m: g[m]["init"][k - 1] / max(g[m]["init"][1], 1e-30) for m in g}
            out.append(_claim(
                f"at init the gradient reaching a token {k} positions back vanishes for the "
                f"tanh RNN but not through attention",
                ratio["rnn"] < 1e-2 and ratio["transformer"] > 1e-1,
                "‖grad‖(d=%d) / ‖grad‖(d=2) at init: " % k
                + ", ".join(f"{m} {r:.2e}" for m, r in ratio.items())))
    tim = result.get("timing")
    if tim and "transformer" in tim["models"] and len(tim["models"]) > 1:
        L0, L1 = tim["lengths"][0], tim["lengths"][-1]
        growth = {m: r["seconds"][-1] / r["seconds"][0] for m, r in tim["models"].items()}
        out.append(_claim(
            f"recurrent step time grows with length faster than the Transformer's "
            f"(L {L0}→{L1}, this CPU)",
            all(growth[m] > growth["transformer"] for m in growth if m != "transformer"),
            "time(L=%d)/time(L=%d): " % (L1, L0)
            + ", ".join(f"{m} {r:.1f}×" for m, r in growth.items())))
        ms = {m: r["seconds"][-1] * 1e3 for m, r in tim["models"].items()}
        out.append(_claim(
            f"the Transformer trains faster per step than every RNN at L={L1} (this CPU)",
            all(ms["transformer"] < ms[m] for m in ms if m != "transformer"),
            f"ms per step at L={L1}: " + ", ".join(f"{m} {t:.1f}" for m, t in ms.items())))
    tr = result.get("transduction")
    if tr:
        longest = str(tr["lengths"][-1])
        bleu = {m: r["bleu"][longest] for m, r in tr["models"].items()}
        att = [m for m in bleu if m.startswith("seq2seq") and m != _s2s_name(None)]
        if _s2s_name(None) in bleu and att:
            best = max(att, key=lambda m: bleu[m])
            out.append(_claim(
                f"attention removes the context-vector bottleneck (BLEU at length {longest})",
                bleu[best] > bleu[_s2s_name(None)],
                ", ".join(f"{m} {b:.2f}" for m, b in bleu.items())))
    return out


def run(size="default", seed=0, parts=("recall", "timing", "transduction"), quiet=False):
    """Runs the chosen parts at CONFIGS[size]; returns the JSON-ready result."""
    cfg = CONFIGS[size]
    start = time.time()
    result = {"size": size, "seed": seed, "config": cfg, "conditions": {
        "backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()],
        "cpu_count": os.cpu_count(), "load_avg_at_start": list(os.getloadavg()),
        "platform": platform.platform(), "python": platform.python_version(),
        "jax": jax.__version__, "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                             time.gmtime(start))}}
    if "recall" in parts:
        result["recall"] = recall_experiment(cfg["recall"], seed, quiet)
    if "timing" in parts:
        result["timing"] = timing_experiment(cfg["timing"], cfg["recall"], seed, quiet)
    if "transduction" in parts:
        result["transduction"] = transduction_experiment(cfg["transduction"], seed, quiet)
    if "summarization" in parts:
        result["summarization"] = summarization_experiment(cfg["summarization"], seed, quiet)
    result["findings"] = findings(result)
    result["conditions"]["wall_seconds"] = time.time() - start
    result["conditions"]["load_avg_at_end"] = list(os.getloadavg())
    return result
