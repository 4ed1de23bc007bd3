"""Attention you can look at: every layer's and head's causal attention weights as a PNG heatmap.

    attention_weights(model, tokens) -> (n_layers, n_heads, L, L) float32
        the softmax(q kᵀ/√d_head + causal mask) of each CausalAttention layer of an eval-mode
        TransformerLM, computed from the layer's own Dense/AttnHeads sub-layers on the residual
        stream the model feeds it (row i: how much position i attends to each position ≤ i)
    plot_attention(weights, labels, path, title=None) -> path       # matplotlib, one panel/head
    plot_for_summary(summarizer, article, path, max_tokens=96, ...) -> path
        article (cut to fit) + its greedy summary, run through the model, plotted
        (``python -m trax_models summarize --attention-png PATH``)

Positions: the model sees ShiftRight's view [0, x0, x1, …], so row/column i is labelled with
the token fed there (``<s>`` for the leading 0, ``<sep>`` for the separator after the article's
``<EOS>``); the row of position i predicts token x_i.
"""
import jax.numpy as jnp
import numpy as np
from trax import shapes

from trax_models.attention import DotProductAttention, causal_mask
from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.tokens import EOS, PAD, PROMPT_END

__all__ = ["attention_weights", "plot_attention", "token_labels", "plot_for_summary"]

ATTENTION_NAMES = ("DotProductAttn", "CachedDotProductAttn")


def _find_attention(layer):
    """(parent, index) of the first Serial whose sub-layer ``index`` is a CausalAttention tree.

    A CausalAttention tree is the Serial [Branch(q, k, v), DotProductAttn, AttnOutput, Dense];
    its parent is [LayerNorm, CausalAttention, Dropout] inside the block's Residual.
    """
    for i, sub in enumerate(layer.sublayers):
        if any(s.name in ATTENTION_NAMES for s in sub.sublayers):
            return layer, i
        found = _find_attention(sub)
        if found is not None:
            return found
    return None


def _causal_weights(q, k):
    """The graded ``DotProductAttention``'s causal weights softmax(q kᵀ/√d + mask), (B·H, L, L).

    Run through the graded function itself with identity values (weights @ I = weights). It
    asserts q, k and v share their last axis, so the smaller side is zero-padded: v = I (L) with
    zero columns up to d, or q, k with zero columns up to L and q scaled by √(L/d) so that the
    dot products are still divided by √d.
    """
    length, depth = q.shape[1], q.shape[-1]
    mask = causal_mask(length)
    eye = jnp.broadcast_to(jnp.eye(length, dtype=q.dtype), (q.shape[0], length, length))
    if length <= depth:
        value = jnp.pad(eye, ((0, 0), (0, 0), (0, depth - length)))
        return DotProductAttention(q, k, value, mask)[..., :length]
    pad = ((0, 0), (0, 0), (0, length - depth))
    q = jnp.pad(q * jnp.sqrt(length / depth), pad)
    return DotProductAttention(q, jnp.pad(k, pad), eye, mask)


def _stack(model):
    """The layers the sequence flows through, one block each: a TransformerLM's own; for a
    ``pointer_lm`` (ShiftRight, Branch(x, body), PointerHead) ShiftRight and the body's layers
    (Embedding … blocks … LayerNorm; the head reads the body's output, and its pointer is no
    causal self-attention layer)."""
    tops = list(model.sublayers)
    if len(tops) == 3 and tops[1].name == "Branch":
        body = tops[1].sublayers[1].sublayers[1]  # Branch = [Select, Parallel(Select, body)]
        return [tops[0], *body.sublayers]
    return tops


def attention_weights(model, tokens, n_heads=None):
    """Causal attention weights of every attention layer of ``model`` on one sequence.

    Runs the model's top-level layers in order (tokens → ShiftRight → embeddings → blocks); at
    each block holding a CausalAttention it applies the block's pre-attention layers (LayerNorm)
    and the attention's q/k/v branch (Dense + AttnHeads) to the residual stream, and computes the
    softmax weights exactly as ``DotProductAttention`` does.

    Args:
      model: TransformerLM (trax_models.model) or PointerTransformerLM in 'eval' mode,
        initialized / weights loaded.
      tokens: (L,) or (1, L) int ids, the sequence as fed to the model (before ShiftRight).
      n_heads: heads per layer; default: read from the AttnHeads reshape (batch·heads axis).

    Returns:
      np.ndarray (n_layers, n_heads, L, L) float32.
    """
    x = np.asarray(tokens, np.int32).reshape(1, -1)  # (1, L)
    layers = []
    for top in _stack(model):
        found = _find_attention(top)
        if found is not None:
            parent, index = found
            h = x
            for pre in parent.sublayers[:index]:  # LayerNorm: what the attention sees
                h = pre(h)  # (1, L, d_model)
            q, k, _ = parent.sublayers[index].sublayers[0](h)  # each (1·heads, L, d_head)
            layers.append(np.asarray(_causal_weights(q, k)))  # (heads, L, L)
        x = top(x)
    if not layers:
        raise UserError("this model has no causal attention layer named DotProductAttn to "
                        "plot — attention heatmaps need a trax_models.model.TransformerLM")
    weights = np.stack(layers)  # (n_layers, 1·heads, L, L)
    if n_heads is not None and weights.shape[1] != n_heads:
        raise ValueError(f"expected {n_heads} heads, found {weights.shape[1]}")
    return weights.astype(np.float32)


def token_labels(ids, vocab_file):
    """Readable labels of the positions the model sees: ShiftRight's [0] + ids[:-1].

    ``<s>`` for the leading 0, ``<EOS>`` for 1, ``<sep>`` for the 0 after the article's EOS,
    the subword's text otherwise (spaces shown as '·', trailing '_' dropped).
    """
    v = vocab.load_vocab(vocab_file)
    labels = ["<s>"]
    for i in ids[:-1]:
        i = int(i)
        if i == EOS:
            labels.append("<EOS>")
        elif i == PAD:
            labels.append("<sep>")  # the 0 between article and summary
        else:
            labels.append(v.decode([i]).replace(" ", "·") or f"#{i}")
    return labels


def plot_attention(weights, labels, path, title=None):
    """Save a grid of heatmaps (rows: layers, columns: heads) of causal attention weights.

    Args:
      weights: (n_layers, n_heads, L, L), rows = query positions, columns = key positions.
      labels: L strings, one per position (tick labels; thinned to ≤ 64 per axis).
      path: PNG file to write.
      title: figure title.

    Returns:
      path.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = np.asarray(weights)
    n_layers, n_heads, length, _ = weights.shape
    if len(labels) != length:
        raise ValueError(f"{len(labels)} labels for {length} positions")
    step = max(1, -(-length // 64))  # label every step-th position: ≤ 64 legible ticks
    ticks = np.arange(0, length, step)
    panel = max(3.0, 0.12 * length)
    fontsize = 7 if length <= 32 else 5
    fig, axes = plt.subplots(n_layers, n_heads, squeeze=False, layout="constrained",
                             figsize=(panel * n_heads + 1.5, panel * n_layers + 0.8))
    for layer in range(n_layers):
        for head in range(n_heads):
            ax = axes[layer, head]
            image = ax.imshow(weights[layer, head], cmap="viridis", vmin=0.0, vmax=1.0,
                              interpolation="nearest")
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=9)
            ax.set_xticks(ticks)
            ax.set_xticklabels([labels[i] for i in ticks], rotation=90, fontsize=fontsize)
            ax.set_yticks(ticks)
            ax.set_yticklabels([labels[i] for i in ticks], fontsize=fontsize)
            if head == 0:
                ax.set_ylabel("query (position attending)", fontsize=8)
            if layer == n_layers - 1:
                ax.set_xlabel("key (position attended to)", fontsize=8)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label="attention weight")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_for_summary(summarizer, article, path, max_tokens=96, method="greedy", **options):
    """Heatmaps of the attention over an article (cut to fit ``max_tokens``) and its summary.

    Decodes the summary with ``summarizer`` (``Summarizer.generate``; ``options`` go there), then runs
    the eval-mode model on article + [EOS, SEP] + summary and plots every layer and head.

    Args:
      summarizer: a ``Summarizer`` of a TransformerLM, with a vocabulary.
      article: the text.
      path: PNG to write.
      max_tokens: longest sequence shown (article ids are cut from the end; the summary gets
        up to a third of it).

    Returns:
      path.
    """
    if max_tokens < 4:
        raise UserError(f"max_tokens={max_tokens} must be ≥ 4")
    max_new = max(1, min(summarizer.max_new_tokens, max_tokens // 3))
    ids = summarizer.prompt(article, max_new)[:-2]  # article ids, without EOS and SEP
    prompt = ids[:max_tokens - max_new - 2] + PROMPT_END
    summary = summarizer.generate([prompt], method=method, max_new_tokens=max_new,
                                  lead_prior=summarizer.lead_prior_for(article), **options)[0]
    sequence = prompt + summary  # (L,): what the model reads; the last token is never fed
    model = summarizer.kind.build(summarizer.config, "eval")
    model.init(shapes.ShapeDtype((1, len(sequence)), np.int32))
    model.weights = summarizer.weights
    weights = attention_weights(model, sequence)
    labels = token_labels(sequence, summarizer.vocab_file)
    title = (f"causal attention: {len(prompt) - 2} article tokens + <EOS> <sep> + "
             f"{len(summary)} summary tokens ({method})")
    return plot_attention(weights, labels, path, title=title)
