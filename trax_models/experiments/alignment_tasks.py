"""Generated digit tasks whose gold alignment (target position → source position) is known.

Where the family of attention mechanisms differ (``../shared/docs/attention_family.md``,
"Tasks where they differ"): every example carries, for each target position t, the span
[gold_lo[t], gold_hi[t]] of source positions the decoder should attend when it writes t.

    copy        src  3 7 2          tgt  3 7 2            gold 0 1 2
    recopy      src  3 7 2          tgt  3 7 7 7 2 2 2 2 2 gold 0 1 1 1 2 2 2 2 2
                each symbol is written 1, 3 or 5 times, fixed by the symbol (stay, then move:
                like speech synthesis)
    inv_recopy  src  3 7 7 7 2 ...  tgt  3 7 2            gold [0,0] [1,3] [4,8]
                the reverse: runs collapse (jumps, like recognition); any position of the run
                counts, so gold is a span
    fragments   src  f f f s f f f s' f …  (a 3-symbol fragment f, repeated, separated by
                random symbols)           tgt = src, gold t → t: content-only attention cannot
                tell the copies of f apart, location information can
    lookup      src  t1 t3 t2 x     tgt  t1(x)  t3(t1(x))  t2(t3(t1(x)))   gold 0 1 2
                long lookup-table composition (Dubois et al. 2020): a few random bijective
                tables over a small alphabet, listed in the order they are applied, then the
                argument x; the target is every intermediate result, gold = the table used

Every source and target ends with EOS; its gold is the source's EOS. ``length`` n is the number
of source symbols (copy, recopy, fragments), of target symbols (inv_recopy: runs) or of tables
(lookup). Tokens: 0 padding (and the decoders' start symbol), 1 EOS, 2.. symbols — what
``models.seq2seq`` expects. Batches are NumPy, reproducible from a ``np.random.Generator``.
"""
import dataclasses

import numpy as np

__all__ = ["EOS", "TRAIN_LENGTHS", "TEST_LENGTHS", "Batch", "AlignmentTask", "CopyTask",
           "ReCopyTask", "InvReCopyTask", "FragmentsTask", "LookupTask", "TASKS", "make_task"]

EOS = 1                                    # 0 is padding
FIRST = 2                                  # the first symbol's token
TRAIN_LENGTHS = tuple(range(5, 11))        # 5–10
TEST_LENGTHS = (10, 20, 50, 100)           # up to 10× the longest training length


@dataclasses.dataclass
class Batch:
    """src (B, S) int32, tgt (B, T) int32, mask (B, T) float32 (1 on the target and its EOS),
    gold_lo / gold_hi (B, T) int32 (the gold span of each target position, −1 on padding),
    n (B,) the lengths drawn."""
    src: np.ndarray
    tgt: np.ndarray
    mask: np.ndarray
    gold_lo: np.ndarray
    gold_hi: np.ndarray
    n: np.ndarray


class AlignmentTask:
    """Base: ``example(rng, n)`` → (source, target, gold_lo, gold_hi) lists without EOS."""
    name = ""
    n_symbols = 10

    @property
    def vocab_size(self):
        return FIRST + self.n_symbols

    def max_source(self, n):
        return n

    def max_target(self, n):
        return n

    def source_width(self, lengths):
        """Padded source width for these lengths (+1 for EOS)."""
        return max(self.max_source(n) for n in lengths) + 1

    def target_width(self, lengths):
        return max(self.max_target(n) for n in lengths) + 1

    def _symbols(self, rng, n, distinct_neighbours=False):
        x = rng.integers(FIRST, FIRST + self.n_symbols, size=n)
        if distinct_neighbours:               # resample until no two neighbours are equal
            for i in range(1, n):
                while x[i] == x[i - 1]:
                    x[i] = rng.integers(FIRST, FIRST + self.n_symbols)
        return [int(v) for v in x]

    def example(self, rng, n):
        raise NotImplementedError

    def batch(self, rng, batch_size, lengths, widths=None):
        """``batch_size`` examples, each of a length drawn uniformly from ``lengths``, padded to
        ``widths`` = (S, T) (default: the widest these lengths can give, so that every batch of
        the same lengths has the same shape)."""
        lengths = [int(n) for n in np.atleast_1d(lengths)]
        if min(lengths) < 1:
            raise ValueError(f"lengths must be ≥ 1, got {lengths}")
        S, T = widths or (self.source_width(lengths), self.target_width(lengths))
        n = rng.choice(lengths, size=batch_size)
        src = np.zeros((batch_size, S), np.int32)
        tgt = np.zeros((batch_size, T), np.int32)
        lo = np.full((batch_size, T), -1, np.int32)
        hi = np.full((batch_size, T), -1, np.int32)
        for b in range(batch_size):
            s, t, g_lo, g_hi = self.example(rng, int(n[b]))
            if len(s) >= S or len(t) >= T:
                raise ValueError(f"{self.name}: an example of length {n[b]} needs widths "
                                 f"({len(s) + 1}, {len(t) + 1}), got ({S}, {T})")
            src[b, :len(s) + 1] = s + [EOS]
            tgt[b, :len(t) + 1] = t + [EOS]
            lo[b, :len(t) + 1] = g_lo + [len(s)]
            hi[b, :len(t) + 1] = g_hi + [len(s)]
        return Batch(src, tgt, (lo >= 0).astype(np.float32), lo, hi, n)


class CopyTask(AlignmentTask):
    name = "copy"

    def example(self, rng, n):
        x = self._symbols(rng, n)
        return x, list(x), list(range(n)), list(range(n))


def repeats(symbol):
    """How often ReCopy writes ``symbol``: 1, 3 or 5 times, fixed by the symbol."""
    return (1, 3, 5)[(symbol - FIRST) % 3]


class ReCopyTask(AlignmentTask):
    name = "recopy"

    def max_target(self, n):
        return 5 * n

    def example(self, rng, n):
        x = self._symbols(rng, n)
        gold = [i for i, s in enumerate(x) for _ in range(repeats(s))]
        return x, [x[i] for i in gold], gold, list(gold)


class InvReCopyTask(AlignmentTask):
    name = "inv_recopy"

    def max_source(self, n):
        return 5 * n

    def example(self, rng, n):
        y = self._symbols(rng, n, distinct_neighbours=True)   # so that runs never merge
        src, lo, hi = [], [], []
        for s in y:
            lo.append(len(src))
            src += [s] * repeats(s)
            hi.append(len(src) - 1)
        return src, y, lo, hi


class FragmentsTask(AlignmentTask):
    """Copy a source made of one fragment repeated, separated by single random symbols."""
    name = "fragments"
    fragment_len = 3

    def example(self, rng, n):
        fragment = self._symbols(rng, self.fragment_len)
        x = []
        while len(x) < n:
            x += fragment + self._symbols(rng, 1)
        x = x[:n]
        return x, list(x), list(range(n)), list(range(n))


class LookupTask(AlignmentTask):
    """Long lookup-table composition: values are tokens 2 … 2 + n_values − 1, tables the next
    n_tables tokens; the tables are random bijections fixed by ``table_seed``."""
    name = "lookup"
    n_values, n_tables, table_seed = 8, 6, 0

    def __init__(self):
        self.n_symbols = self.n_values + self.n_tables
        perm = np.random.default_rng(self.table_seed)
        self.tables = np.stack([perm.permutation(self.n_values) for _ in range(self.n_tables)])

    def max_source(self, n):
        return n + 1                          # n tables, then x

    def example(self, rng, n):
        tables = [int(t) for t in rng.integers(self.n_tables, size=n)]
        x = value = int(rng.integers(self.n_values))
        out = []
        for t in tables:
            value = int(self.tables[t, value])
            out.append(FIRST + value)
        src = [FIRST + self.n_values + t for t in tables] + [FIRST + x]
        return src, out, list(range(n)), list(range(n))


TASKS = {task.name: task for task in (CopyTask, ReCopyTask, InvReCopyTask, FragmentsTask,
                                      LookupTask)}


def make_task(name):
    """The task called ``name``; a one-line ValueError for an unknown name."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}: choose one of {', '.join(TASKS)}")
    return TASKS[name]()
