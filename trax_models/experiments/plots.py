"""PNG plots of a ``compare`` result (matplotlib, Agg backend): one function per figure."""
import pathlib

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["plot_all", "plot_recall", "plot_grad_norms", "plot_timing", "plot_transduction",
           "plot_attention"]

COLORS = {"transformer": "tab:blue", "lstm": "tab:orange", "gru": "tab:green", "rnn": "tab:red",
          "seq2seq_bahdanau": "tab:orange", "seq2seq_dot": "tab:green",
          "seq2seq_general": "tab:olive", "seq2seq_no_attention": "tab:red"}


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def plot_recall(rec, path):
    """Accuracy at the answer vs dependency distance d, one line per model."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in rec["models"].items():
        ds = [int(d) for d in r["accuracy"]]
        ax.plot(ds, list(r["accuracy"].values()), "o-", color=COLORS.get(name),
                label=f"{name} ({r['params']:,} params)")
    chance = 1 / 8
    ax.axhline(chance, color="gray", ls=":", label="chance (1/8)")
    ax.set(xlabel="dependency distance d (tokens)", ylabel="accuracy", ylim=(-0.02, 1.02),
           title="Recall 'I grew up in X … I speak fluent ___'")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_grad_norms(rec, path):
    """‖∂ log p(answer)/∂ e_j‖ vs distance, at init (solid) and after training (dashed), log y."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, g in rec["grad_norms"].items():
        ax.semilogy(g["distance"], np.maximum(g["init"], 1e-30), "-", color=COLORS.get(name),
                    label=f"{name} init")
        ax.semilogy(g["distance"], np.maximum(g["trained"], 1e-30), "--", color=COLORS.get(name),
                    label=f"{name} trained")
    ax.set(xlabel="distance from the answer (tokens)", ylabel="gradient norm",
           title="Gradient reaching earlier tokens")
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


def plot_timing(tim, path):
    """Training step wall time vs sequence length (log-log)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in tim["models"].items():
        ax.loglog(tim["lengths"], np.array(r["seconds"]) * 1e3, "o-", color=COLORS.get(name),
                  label=name)
    ax.set(xlabel="sequence length L", ylabel="ms per training step",
           title=f"Training step time (batch {tim['batch']}, CPU)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_transduction(tr, path):
    """BLEU and exact match vs source length, one line per model."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, r in tr["models"].items():
        ns = [int(n) for n in r["bleu"]]
        axes[0].plot(ns, list(r["bleu"].values()), "o-", color=COLORS.get(name),
                     label=f"{name} ({r['params']:,})")
        axes[1].plot(ns, list(r["exact"].values()), "o-", color=COLORS.get(name), label=name)
    axes[0].set(xlabel="sequence length", ylabel="BLEU", ylim=(-0.02, 1.02),
                title="Reversal: BLEU vs length")
    axes[1].set(xlabel="sequence length", ylabel="exact match", ylim=(-0.02, 1.02),
                title="Reversal: exact match vs length")
    axes[0].legend(fontsize=8)
    return _save(fig, path)


def plot_attention(example, path):
    """Heatmap of one seq2seq alignment: rows = output tokens, columns = source tokens."""
    weights = np.array(example["weights"])
    src = [t for t in example["src"]]
    pred = example["pred"]
    n_out = next((i + 1 for i, t in enumerate(pred) if t == 1), len(pred))
    n_src = next((i + 1 for i, t in enumerate(src) if t == 1), len(src))
    label = lambda t: "EOS" if t == 1 else f"w{t}"  # noqa: E731
    fig, ax = plt.subplots(figsize=(0.35 * n_src + 2, 0.35 * n_out + 1.5))
    ax.imshow(weights[:n_out, :n_src], cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(n_src), [label(t) for t in src[:n_src]], rotation=90, fontsize=7)
    ax.set_yticks(range(n_out), [label(t) for t in pred[:n_out]], fontsize=7)
    ax.set(xlabel="source", ylabel="generated", title=f"{example['model']} attention")
    return _save(fig, path)


def plot_all(result, out_dir):
    """Writes every figure the result has data for; returns {name: path}."""
    out_dir = pathlib.Path(out_dir)
    paths = {}
    if "recall" in result:
        paths["recall_accuracy"] = plot_recall(result["recall"], out_dir / "recall_accuracy.png")
        paths["grad_norms"] = plot_grad_norms(result["recall"], out_dir / "grad_norms.png")
    if "timing" in result:
        paths["step_time"] = plot_timing(result["timing"], out_dir / "step_time.png")
    if "transduction" in result:
        paths["transduction_bleu"] = plot_transduction(result["transduction"],
                                                       out_dir / "transduction_bleu.png")
        if "attention_example" in result["transduction"]:
            paths["attention"] = plot_attention(result["transduction"]["attention_example"],
                                                out_dir / "attention_heatmap.png")
    return paths
