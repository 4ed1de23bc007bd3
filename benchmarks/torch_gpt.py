"""The course's TransformerLM in PyTorch, nanoGPT style (bench-only: torch is the `bench` extra).

Same architecture as ``trax_models.model.TransformerLM``: token embedding → dropout → learned
positional table (max_len, d_model) initialised with sinusoids (trax stores them as weights)
→ n_layers × pre-LayerNorm blocks [causal multi-head attention (fused QKV, no attention-weight
dropout) + dropout, residual; ReLU feed-forward with dropout after the activation and after the
output projection, residual] → LayerNorm → Linear(vocab) → log-softmax cross-entropy.
"""
import math

import torch
from torch import nn
from torch.nn import functional as F


class Block(nn.Module):
    """One decoder block: (batch, L, d) → (batch, L, d)."""

    def __init__(self, d_model, d_ff, n_heads, dropout):
        super().__init__()
        self.n_heads = n_heads
        self.ln1 = nn.LayerNorm(d_model, eps=1e-6)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model, eps=1e-6)
        self.fc1 = nn.Linear(d_model, d_ff)
        self.fc2 = nn.Linear(d_ff, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        batch, length, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        # (batch, heads, L, d_head)
        q, k, v = (t.view(batch, length, self.n_heads, d // self.n_heads).transpose(1, 2)
                   for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(batch, length, d)
        x = x + self.drop(self.proj(y))
        h = self.drop(F.relu(self.fc1(self.ln2(x))))
        return x + self.drop(self.fc2(h))


class GPT(nn.Module):
    """Token ids (batch, L) → logits (batch, L, vocab); ``loss(inputs, targets)`` for training."""

    def __init__(self, vocab_size, d_model, d_ff, n_layers, n_heads, dropout=0.1, max_len=4096):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        position = torch.arange(max_len)[:, None]
        freq = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position * freq)
        table[:, 1::2] = torch.cos(position * freq)
        self.position = nn.Parameter(table)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, d_ff, n_heads, dropout)
                                    for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d_model, eps=1e-6)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens):
        length = tokens.shape[1]
        shifted = F.pad(tokens[:, :-1], (1, 0))  # ShiftRight: 0 in front
        x = self.drop(self.embed(shifted)) + self.position[:length]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))

    def loss(self, inputs, targets, weights):
        logits = self(inputs)
        nll = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none")
        return (nll * weights.flatten()).sum() / weights.sum()
