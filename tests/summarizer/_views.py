"""Shared by the HTML-view tests: tiny random summarizers of every kind, and what a page embeds.

``tiny_summarizer(kind, directory, copy=None)`` builds a 2-layer, 2-head model of the registry
kind on a vocabulary of a few news sentences and returns its ``Summarizer`` (and writes a real
checkpoint directory, for the CLI tests). ``page_data(html)`` parses the JSON a page embeds.
"""
import json
import re

import jax
import numpy as np

from trax_models.sources import vocab
from trax_models.summarizer import checkpoint, registry
from trax_models.summarizer.generate import Summarizer
from trax_models.weights import flat_weights

KINDS = ("transformer_lm", "pointer_lm", "encoder_decoder")
TEXTS = ["The council approved the new budget on Tuesday after a long debate.",
         "Rain is expected across the north of the region this weekend.",
         "The home team won the final by three goals to one."]
ARTICLE = " ".join(TEXTS)


def tiny_summarizer(kind, directory, copy=None, seed=0, max_new_tokens=12, max_len=96):
    """(Summarizer, checkpoint directory) of a tiny random ``kind`` model."""
    directory.mkdir(parents=True, exist_ok=True)
    vocab_path, _ = vocab.build_vocab(TEXTS * 3, directory / "src.subwords", target_size=200)
    args = dict(vocab_size=vocab.load_vocab(vocab_path).vocab_size, d_model=16, d_ff=32,
                n_layers=2, n_heads=2, dropout=0.0, max_len=max_len)
    row = registry.kind(kind)
    model = row.build(row.config.from_dict(args), "eval")
    model.init(row.signature(1, 8), rng=jax.random.PRNGKey(seed))
    checkpoint.save_config(directory, {"data": {"source": "default"}}, vocab_path)
    checkpoint.write_checkpoint(directory / checkpoint.CHECKPOINT_FILE, {
        **checkpoint.describe(kind, args, directory / checkpoint.VOCAB_FILE),
        "flat_weights": [np.asarray(w) for w in flat_weights(model)], "step": 0})
    summarizer = Summarizer(kind, args, model.weights, vocab_file=str(vocab_path),
                            max_new_tokens=max_new_tokens, copy=copy)
    return summarizer, directory


def page_data(page):
    """The list of view dicts a rendered page embeds (its <script type="application/json">)."""
    found = re.search(r'<script type="application/json" id="view-data">(.*?)</script>', page,
                      re.S)
    assert found, "no embedded data"
    return json.loads(found.group(1))


def separated_top(weights, k=3, gap=0.003):
    """Indices of the ``k`` largest ``weights``, or None when the k-th and the next are closer
    than ``gap`` (the page stores thousandths: a near-tie could round either way)."""
    order = np.argsort(-np.asarray(weights), kind="stable")
    if len(order) <= k:
        return None
    if weights[order[k - 1]] - weights[order[k]] < gap or weights[order[k - 1]] < gap:
        return None
    return sorted(order[:k].tolist())
