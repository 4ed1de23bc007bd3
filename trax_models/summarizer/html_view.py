"""See the model's work: one self-contained HTML page per summary (``summarize --html``).

    view = collect(summarizer, article, method="greedy", **options)    # decode + one forward
    write_html(path, [view, ...])     # the page: article | summary, data inline, no network
    render([view, ...]) -> str        # the same page as a string (the notebooks show it inline)

``collect`` decodes the article with the summarizer (``Summarizer.generate``, the options of
``summarize``) — or takes the ids already decoded — then runs the model ONCE in eval mode on
the prompt + summary (teacher forcing: the ids the decoder chose, fed back as it fed them) and
keeps, for every summary token (a *step*):

* the model's distribution over the vocabulary at that step (log-probs, the model's own output:
  ``pointer.pointer_log_probs`` of the head's parts for ``pointer_lm``): the top candidates
  with their probabilities, the chosen token's probability and rank (0 = the model's first
  choice; not 0 when a copy constraint, beam search or sampling chose another);
* ``pointer_lm``: the gate g (generate; 1 − g: copy), the copy attention a_{t,s} over the
  article's tokens, and for each candidate its two parts g·p_vocab and (1 − g)·p_copy; a token
  is *copied* when (1 − g)·p_copy of it is the larger part, else *generated*;
* every layer's and head's self-attention row of that step (decoder-only models:
  ``attention_plot.attention_weights``' computation, compiled with the forward into one
  program, ``_lm_program``; ``encoder_decoder``: the decoder's causal self-attention and its
  cross-attention over the article, read from the graded ``DotProductAttn`` layers during
  the same forward pass).

The greedy decode and this forward compute the same numbers (predict mode with a KV cache vs
eval mode, tested: their argmax is the decoded token at every step). Attention weights are
stored in thousandths (0.0005 and up, per row at most ``keep`` strongest keys when a huge
prompt would make the page large), probabilities rounded to 3 decimals; the article is the
prompt the model read (already cut to fit its max_len), with a note when it was cut.

The page (``render``) is one HTML file: CSS and JS inline, the data as JSON in a
``<script type="application/json">`` (every ``<``, ``>``, ``&`` escaped, so article text cannot
end the script), every text put in with ``textContent`` (never parsed as HTML). Light and dark
(``prefers-color-scheme``); summary words are buttons (Tab, ← →, Home, End; pointing or
clicking selects too).
"""
import dataclasses
import html
import json
import os
import pathlib
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from trax import shapes

from trax_models.atomic import atomic_write_text
from trax_models.data import bucket_length
from trax_models.errors import UserError
from trax_models.models import pointer
from trax_models.sources import vocab
from trax_models.summarizer import attention_plot, words
from trax_models.summarizer.adapters import TruncationWarning
from trax_models.summarizer.generate import normalize_article
from trax_models.summarizer.html_page import PAGE
from trax_models.tokens import EOS, PAD

__all__ = ["View", "collect", "render", "write_html", "teacher_forced", "token_pieces",
           "TOP_K", "ATTENTION_BUDGET"]

TOP_K = 5                   # vocabulary candidates shown per step
ATTENTION_BUDGET = 300_000  # attention weights kept per page (a row keeps its strongest keys)
SCALE = 1000                # attention weights are stored in thousandths
_RNG = np.zeros(2, np.uint32)  # PRNGKey(0) without starting JAX at import; unused: no dropout


@dataclasses.dataclass
class View:
    """One summary's view: ``data`` (JSON-ready, rounded: what the page embeds) and ``arrays``
    (the unrounded figures of the forward pass, numpy: log_probs (n, V), gate (n,) or None,
    copy (n, article) or None, self_attention (layers, heads, n, keys), cross_attention
    (layers, heads, n, source) or None) and the summary ``ids``."""
    data: dict
    arrays: dict
    ids: list


# --- the numbers ----------------------------------------------------------------------------

def _eval_model(summarizer, signature):
    """The summarizer's model in eval mode with its weights."""
    model = summarizer.kind.build(summarizer.config, "eval")
    model.init(signature)
    model.weights = summarizer.weights
    return model


def _attention_layers(model):
    """Every graded ``DotProductAttn`` layer under ``model``, in tree order (= call order)."""
    found = []

    def walk(layer):
        if layer.name == "DotProductAttn":
            found.append(layer)
        for sub in layer.sublayers:
            walk(sub)
    walk(model)
    return found


def _record_attention(model):
    """Wrap every graded ``DotProductAttn`` layer of ``model`` so that each call also records
    its weights softmax(q kᵀ/√d + mask), computed by the layer's own function with identity
    values (as ``attention_plot`` does); returns (layers, records, restore): records[i] is
    the weights of layers[i]'s last call, (batch·heads, L_q, L_k); restore() unwraps them."""
    layers = _attention_layers(model)
    records = [None] * len(layers)
    originals = [layer._forward_fn for layer in layers]  # tl.Fn: (q, k, v[, mask]) -> out

    def wrap(i, layer):
        forward = originals[i]

        def recording(inputs):
            q, k, _, *rest = inputs
            records[i] = _weights_of(forward, q, k, rest)
            return forward(inputs)
        layer._forward_fn = recording

    for i, layer in enumerate(layers):
        wrap(i, layer)

    def restore():
        for layer, forward in zip(layers, originals):
            layer._forward_fn = forward
    return layers, records, restore


def _weights_of(forward, q, k, rest):
    """The attention weights an attention function ``forward((q, k, v, *rest))`` applies: run
    with identity values (weights @ I = weights); q, k and v must share their last axis, so
    the smaller side is zero-padded (q scaled by √(L/d) to keep the √d of the scores)."""
    length, depth = k.shape[1], q.shape[-1]
    eye = jnp.broadcast_to(jnp.eye(length, dtype=q.dtype), (q.shape[0], length, length))
    if length <= depth:
        value = jnp.pad(eye, ((0, 0), (0, 0), (0, depth - length)))
        return np.asarray(forward((q, k, value, *rest)))[..., :length]
    pad = ((0, 0), (0, 0), (0, length - depth))
    q = jnp.pad(q * jnp.sqrt(length / depth), pad)
    return np.asarray(forward((q, jnp.pad(k, pad), eye, *rest)))


def teacher_forced(summarizer, prompt, ids):
    """The model's own figures for each token of ``ids`` given ``prompt`` (one eval forward).

    Args:
      summarizer: a ``Summarizer`` (its kind, config and weights).
      prompt: the prompt ids as the decoder saw them (``Summarizer.prompt``: cut to fit).
      ids: the summary ids (EOS last when the model wrote it).

    Returns:
      dict of numpy arrays, n = len(ids) steps: log_probs (n, V); gate (n,) g (the share of
      the vocabulary side) or None; copy (n, article) the pointer's attention over the
      article's tokens or None; p_vocab, p_copy (n, V) the two sides or None;
      self_attention (layers, heads, n, keys) each step's causal self-attention row (keys: the
      decoder's positions, ShiftRight's view); cross_attention (layers, heads, n, source) or
      None (encoder_decoder: the article + EOS).
    """
    article_len = len(summarizer.adapter.article(prompt))
    if summarizer.kind.pairs:
        source, target = np.asarray([prompt], np.int32), np.asarray([ids], np.int32)
        model = _eval_model(summarizer, (shapes.signature(source), shapes.signature(target)))
        layers, records, restore = _record_attention(model)
        try:
            log_probs, _ = model((source, target))
        finally:
            restore()
        encoder = {id(layer) for layer in _attention_layers(model.sublayers[1])}
        decoder = [(layer, r) for layer, r in zip(layers, records) if id(layer) not in encoder]
        causal = [r for layer, r in decoder if layer.n_in == 3]  # CausalAttention: (q, k, v)
        cross = [r for layer, r in decoder if layer.n_in == 4]   # (q, k, v, source mask)
        return {"log_probs": np.asarray(log_probs[0], np.float32), "gate": None, "copy": None,
                "p_vocab": None, "p_copy": None,
                "self_attention": np.stack(causal).astype(np.float32),
                "cross_attention": np.stack(cross).astype(np.float32) if cross else None}
    sequence = list(prompt) + list(ids)
    rows = np.arange(len(prompt), len(sequence))  # position p predicts token p
    # right-padded to a bucket length: causal, so the rows above do not change, and pages of
    # articles of similar lengths share one compiled program (also XLA's persistent cache)
    length = min(bucket_length(len(sequence)), max(summarizer.max_len, len(sequence)))
    tokens = np.zeros((1, length), np.int32)
    tokens[0, :len(sequence)] = sequence
    model = _eval_model(summarizer, shapes.signature(tokens))
    outputs, attention = _lm_program(model)(jnp.asarray(tokens))
    if len(outputs) == 4:  # a pointer head's parts (logits, gate, attention, source tokens)
        logits, gate, pointer_attention, source = outputs
        g = np.asarray(jax.nn.sigmoid(gate[0, rows, 0]), np.float32)
        copy_rows = np.asarray(pointer_attention[0, rows], np.float32)  # key s copies x_s
        extra = {"gate": g, "copy": copy_rows[:, 1:1 + article_len],  # x_{j+1} = article j
                 "p_vocab": np.asarray(jax.nn.softmax(logits[0, rows], axis=-1), np.float32),
                 "p_copy": np.asarray(pointer.copy_distribution(
                     copy_rows[None], source, logits.shape[-1])[0], np.float32)}
        log_probs = pointer.pointer_log_probs(*outputs)[0, rows]
    else:
        log_probs = outputs[0][0, rows]
        extra = {"gate": None, "copy": None, "p_vocab": None, "p_copy": None}
    self_attention = np.asarray(attention, np.float32)[:, :, rows, :len(sequence)]
    return {"log_probs": np.asarray(log_probs, np.float32), **extra,
            "self_attention": self_attention, "cross_attention": None}


def _lm_program(model):
    """One jitted program of a decoder-only ``model`` (eval mode, weights set): tokens (1, L) →
    (its outputs: (log_probs,) or a pointer head's four parts, the causal self-attention
    weights (layers, heads, L, L)). The attention is ``attention_plot.attention_weights``'
    computation (its layer walk and ``_causal_weights``) on the layers' ``pure_fn``: compiled
    once instead of op by op (seconds for every new length), and no layer state is touched."""
    stack = attention_plot._stack(model)

    def apply(layer, x):
        return layer.pure_fn(x, layer.weights, layer.state, _RNG)[0]

    def run(tokens):
        x, weights = tokens, []
        for top in stack:
            found = attention_plot._find_attention(top)
            if found is not None:
                parent, index = found
                h = x
                for pre in parent.sublayers[:index]:  # LayerNorm: what the attention sees
                    h = apply(pre, h)
                q, k, _ = apply(parent.sublayers[index].sublayers[0], h)
                weights.append(attention_plot._causal_weights(q, k))
            x = apply(top, x)
        head = model.sublayers[-1]
        if isinstance(head, pointer.PointerHead):  # ShiftRight, Branch(x, body), PointerHead
            outputs = tuple(head.parts(apply(model.sublayers[1], apply(model.sublayers[0],
                                                                       tokens))))
        else:
            outputs = (apply(model, tokens),)
        return outputs, jnp.stack(weights)
    return jax.jit(run)


# --- text pieces ----------------------------------------------------------------------------

def token_pieces(encoder, ids):
    """The text each id contributes to ``encoder.decode(ids)``, in order: their concatenation is
    the decoded text exactly (a piece may carry the space before its word); EOS and pad: ""."""
    ids = [int(i) for i in ids]
    real = [i for i in ids if i not in (EOS, PAD)]
    full = encoder.decode(real) if real else ""
    bounds = [0]
    for j in range(1, len(real)):
        prefix = encoder.decode(real[:j])
        bounds.append(max(bounds[-1], len(os.path.commonprefix([prefix, full]))))
    bounds.append(len(full))
    pieces = iter(full[a:b] for a, b in zip(bounds, bounds[1:]))
    return ["" if i in (EOS, PAD) else next(pieces) for i in ids]


def _label(encoder, i):
    """A candidate token as text: its subword (spaces kept) or <EOS> / <pad>."""
    i = int(i)
    if i == EOS:
        return "<EOS>"
    if i == PAD:
        return "<pad>"
    try:
        return encoder.decode([i]) or f"#{i}"
    except (IndexError, KeyError):
        return f"#{i}"  # an output row beyond the vocabulary (a wider model)


# --- collecting a view ----------------------------------------------------------------------

def _sparse(row, keep):
    """A row of weights as [index, thousandths, …] for the weights that round to ≥ 1
    thousandth, at most ``keep`` of them (the strongest): (list, whether any were left out)."""
    values = np.rint(np.asarray(row, np.float64) * SCALE).astype(np.int64)
    index = np.flatnonzero(values > 0)
    cut = len(index) > keep
    if cut:
        index = np.sort(index[np.argsort(-values[index], kind="stable")[:keep]])
    out = np.empty(2 * len(index), np.int64)
    out[0::2], out[1::2] = index, values[index]
    return out.tolist(), cut


def _families(summarizer, arrays, encoder, article_pieces, ids, summary_pieces):
    """The attentions shown per step: [(name, title, key labels, the article's first key or
    None, weights (layers, heads, n, keys))]."""
    if not ids:
        return []
    written = [p or _label(encoder, i) for p, i in zip(summary_pieces, ids)]
    if summarizer.kind.pairs:  # the decoder reads <s> + the summary; the source: article + EOS
        out = [("self", "decoder self-attention", ["<s>"] + written[:-1], None,
                arrays["self_attention"])]
        if arrays["cross_attention"] is not None:
            out.append(("cross", "cross-attention (summary → article)",
                        article_pieces + ["<EOS>"], 0, arrays["cross_attention"]))
        return out
    keys = ["<s>"] + article_pieces + ["<EOS>", "<sep>"] + written[:-1]  # ShiftRight's view
    return [("self", "self-attention (causal)", keys, 1, arrays["self_attention"])]


def _step(j, token, arrays, encoder, text, in_article, families, top_k, keep):
    """(the page's record of summary step ``j`` that wrote ``token``, whether one of its
    attention rows was cut to its ``keep`` strongest keys)."""
    lp = np.asarray(arrays["log_probs"][j], np.float64)
    probs = np.exp(lp)
    top = [int(i) for i in np.argsort(-lp, kind="stable")[:top_k]]
    if token not in top:
        top.append(token)  # the written token is always listed (a constraint may pick it)
    step = {"id": token, "text": text, "p": round(float(probs[token]), 3),
            "rank": int(np.sum(lp > lp[token])), "in_article": in_article, "gate": None,
            "origin": "generated", "copy": None, "attention": [], "top": []}
    gate = None if arrays["gate"] is None else float(arrays["gate"][j])
    for i in top:
        c = {"id": i, "text": _label(encoder, i), "p": round(float(probs[i]), 3)}
        if gate is not None:  # the two parts of p: g·p_vocab + (1 − g)·p_copy
            c["vocab"] = round(gate * float(arrays["p_vocab"][j, i]), 3)
            c["copy"] = round((1 - gate) * float(arrays["p_copy"][j, i]), 3)
        step["top"].append(c)
    cut = False
    if gate is not None:
        step["gate"] = round(gate, 3)
        copied = (1 - gate) * float(arrays["p_copy"][j, token])
        step["origin"] = ("copied" if copied > gate * float(arrays["p_vocab"][j, token])
                          else "generated")
        step["copy"], cut = _sparse(arrays["copy"][j], keep)
    for _, _, keys, _, weights in families:
        rows = []
        for layer in weights:
            heads = []
            for head in layer:
                sparse, head_cut = _sparse(head[j][:len(keys)], keep)
                cut |= head_cut
                heads.append(sparse)
            rows.append(heads)
        step["attention"].append(rows)
    return step, cut


def collect(summarizer, article, method="greedy", max_new_tokens=None, source=None,
            unfamiliar=None, **options):
    """One article's ``View``: decode it, then ``teacher_forced``.

    Args:
      summarizer: a ``Summarizer`` with a vocabulary.
      article: the text (as ``summarize`` reads it).
      method, max_new_tokens, options: as ``Summarizer.generate`` (temperature, seed,
        beam_width, length_penalty, no_repeat_ngram_size, repetition_penalty).
      source: a name for the page (a file name).
      unfamiliar: ``words.unfamiliar_share`` of the article (computed when not given).

    Returns:
      View.
    """
    encoder = vocab.load_vocab(summarizer.vocab_file)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        prompt = summarizer.prompt(article, max_new_tokens)
    truncated = any(issubclass(w.category, TruncationWarning) for w in caught)
    summary_ids = summarizer.generate([prompt], method=method, max_new_tokens=max_new_tokens,
                                      lead_prior=summarizer.lead_prior_for(article),  # as summarize
                                      **options)[0]
    ids = [int(i) for i in summary_ids]
    article_ids = summarizer.adapter.article(prompt)
    article_pieces = token_pieces(encoder, article_ids)
    rest = len(normalize_article(article)) - len("".join(article_pieces)) if truncated else 0
    share = words.unfamiliar_share(article, encoder) if unfamiliar is None else unfamiliar
    arrays = (teacher_forced(summarizer, prompt, ids) if ids else
              {"log_probs": None, "gate": None, "copy": None, "p_vocab": None, "p_copy": None,
               "self_attention": None, "cross_attention": None})
    summary_pieces = token_pieces(encoder, ids)
    kind = summarizer.kind.name
    families = _families(summarizer, arrays, encoder, article_pieces, ids, summary_pieces)
    n_rows = sum(a.shape[0] * a.shape[1] * len(ids) for *_, a in families)
    n_rows += len(ids) if arrays["copy"] is not None else 0
    keep = max(8, ATTENTION_BUDGET // max(1, n_rows))
    in_article = set(article_ids)
    records = [_step(j, token, arrays, encoder, summary_pieces[j] or _label(encoder, token),
                     token in in_article, families, TOP_K, keep)
               for j, token in enumerate(ids)]
    steps = [step for step, _ in records]
    cut_any = any(cut for _, cut in records)
    data = {
        "source": source or "article", "model": kind, "method": method,
        "copy_constraint": summarizer.copy, "options": {k: v for k, v in options.items()},
        "unfamiliar_share": round(float(share), 4),
        "unfamiliar_warning": words.UNFAMILIAR_WARNING,
        "article": article_pieces, "truncated": truncated, "rest_chars": max(0, rest),
        "summary": summarizer.summary_text(ids, article), "has_copy": arrays["copy"] is not None,
        "attention": [{"name": n, "title": t, "keys": k, "article_offset": o,
                       "layers": int(a.shape[0]), "heads": int(a.shape[1])}
                      for n, t, k, o, a in families],
        "steps": steps, "scale": SCALE, "keep": keep if cut_any else None,
    }
    return View(data=data, arrays=arrays, ids=ids)


# --- the page -------------------------------------------------------------------------------

def _json_for_script(value):
    """JSON that cannot close or comment out its <script>: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render(views):
    """The page of one or more ``View``s (or their ``data`` dicts) as an HTML string."""
    docs = [v.data if isinstance(v, View) else v for v in views]
    if not docs:
        raise UserError("nothing to show: pass at least one summary view")
    title = f"Summary of {docs[0]['source']}" + (f" (+{len(docs) - 1})"
                                                           if len(docs) > 1 else "")
    fallback = "".join(f"<h2>{html.escape(d['source'])}</h2><p>{html.escape(d['summary'])}</p>"
                       for d in docs)
    fill = {"title": html.escape(title), "noscript": fallback, "data": _json_for_script(docs)}
    return re.sub(r"\{(title|noscript|data)\}", lambda m: fill[m.group(1)], PAGE)


def write_html(path, views):
    """Write ``render(views)`` to ``path`` (atomically); returns the path."""
    path = pathlib.Path(path)
    try:
        atomic_write_text(path, render(views))
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror} — pass another --html path") from None
    return path
