"""Synthetic tasks with a knob for the dependency distance, generated on the fly from a seed.

Recall ("I grew up in Germany … I speak fluent ___")::

    … fillers, VISITED France, fillers … GREW_UP Germany  <d-2 tokens: fillers, VISITED Spain …>  SPEAK German
                                                   ^ the fact                         the answer ^
    d = index(answer) − index(fact country)        (d ≥ 2; the answer is the last token)

The answer is the *language* of the country after GREW_UP (a fixed country → language map, so the
model must recall and translate). Distractors: filler words and decoy facts "VISITED <other
country>" before and after the real one, so "copy the most recent country" fails. Only the answer
position is scored (mask).

Reversal (sequence transduction of growing length)::

    src = a b c d EOS        tgt = d c b a EOS        (symbols drawn uniformly, padding 0)

Tokens: 0 = padding (and the decoders' start symbol), 1 = EOS.
"""
import numpy as np

__all__ = ["RecallTask", "ReversalTask"]

PAD, EOS = 0, 1


class RecallTask:
    """Long-range recall batches. Vocabulary: 0 pad, 1 EOS, 2 GREW_UP, 3 VISITED, 4 SPEAK,
    then ``n_countries`` countries, their languages and ``n_fillers`` filler words."""
    GREW_UP, VISITED, SPEAK = 2, 3, 4
    n_countries, n_fillers = 8, 16

    def __init__(self, length, decoy_rate=0.1):
        if length < 4:
            raise ValueError(f"recall sequences need length ≥ 4, got {length}")
        self.length, self.decoy_rate = length, decoy_rate
        n_countries = self.n_countries
        self.countries = 5 + np.arange(n_countries)
        self.languages = self.countries + n_countries
        self.fillers = 5 + 2 * n_countries + np.arange(self.n_fillers)
        self.vocab_size = 5 + 2 * n_countries + self.n_fillers

    @property
    def max_distance(self):
        return self.length - 2       # GREW_UP must fit at index 0

    def batch(self, rng, batch_size, distances):
        """(tokens (B, L) int32, mask (B, L) float32 — 1 at the answer only, d (B,) int).

        ``distances`` is a list of allowed d; each row draws one uniformly.
        """
        distances = np.asarray(distances)
        if distances.min() < 2 or distances.max() > self.max_distance:
            raise ValueError(f"distances must lie in [2, {self.max_distance}] for length "
                             f"{self.length}, got {distances.tolist()}")
        L = self.length
        tokens = rng.choice(self.fillers, size=(batch_size, L)).astype(np.int32)
        d = rng.choice(distances, size=batch_size)
        country = rng.integers(self.n_countries, size=batch_size)
        for b in range(batch_size):
            fact = L - 1 - d[b]
            reserved = {fact - 1, fact, L - 2, L - 1}
            # Decoy facts "VISITED <another country>" anywhere else (before and after the fact).
            i = 0
            while i < L - 1:
                if i not in reserved and i + 1 not in reserved and rng.random() < self.decoy_rate:
                    other = (country[b] + 1 + rng.integers(self.n_countries - 1)) % self.n_countries
                    tokens[b, i], tokens[b, i + 1] = self.VISITED, self.countries[other]
                    i += 2
                else:
                    i += 1
            tokens[b, fact - 1], tokens[b, fact] = self.GREW_UP, self.countries[country[b]]
            tokens[b, L - 2], tokens[b, L - 1] = self.SPEAK, self.languages[country[b]]
        mask = np.zeros((batch_size, L), np.float32)
        mask[:, -1] = 1.0
        return tokens, mask, d


class ReversalTask:
    """Reverse a random symbol string: src (B, max_len + 1), tgt (B, max_len + 1) with EOS."""

    n_symbols = 16

    def __init__(self, max_len):
        self.max_len = max_len
        self.vocab_size = 2 + self.n_symbols

    def batch(self, rng, batch_size, lengths):
        """(src, tgt (B, max_len + 1) int32, tgt mask (B, max_len + 1) float32, n (B,) int)."""
        lengths = np.asarray(lengths)
        if lengths.min() < 1 or lengths.max() > self.max_len:
            raise ValueError(f"lengths must lie in [1, {self.max_len}], got {lengths.tolist()}")
        n = rng.choice(lengths, size=batch_size)
        sym = rng.integers(2, 2 + self.n_symbols, size=(batch_size, self.max_len))
        pos = np.arange(self.max_len + 1)[None, :]
        src = np.zeros((batch_size, self.max_len + 1), np.int32)
        src[:, :-1] = np.where(pos[:, :-1] < n[:, None], sym, PAD)
        src[np.arange(batch_size), n] = EOS
        rev_idx = np.clip(n[:, None] - 1 - pos[:, :-1], 0, None)
        tgt = np.zeros_like(src)
        tgt[:, :-1] = np.where(pos[:, :-1] < n[:, None], np.take_along_axis(sym, rev_idx, 1), PAD)
        tgt[np.arange(batch_size), n] = EOS
        mask = (pos <= n[:, None]).astype(np.float32)
        return src, tgt, mask, n

    @staticmethod
    def to_text(tokens):
        """Token ids up to the first EOS → 'w5 w9 …' (words for BLEU/ROUGE)."""
        words = []
        for t in np.asarray(tokens).tolist():
            if t == EOS:
                break
            if t != PAD:
                words.append(f"w{t}")
        return " ".join(words)
