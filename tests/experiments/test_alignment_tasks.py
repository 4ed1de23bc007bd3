"""The alignment tasks: gold alignments on hand-checked cases, reproducible batches, lengths."""
import numpy as np
import pytest

from trax_models.experiments import alignment_tasks as at


class _Rng:
    """A stand-in generator answering ``integers`` from a script (hand-checked cases)."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def integers(self, *args, **kwargs):
        return self.answers.pop(0)

    def choice(self, values, size):
        return np.full(size, values[0])


def _fixed_symbols(task, symbols):
    task._symbols = lambda rng, n, distinct_neighbours=False: list(symbols)
    return task


def test_lengths_are_train_5_to_10_and_test_up_to_10x():
    assert at.TRAIN_LENGTHS == (5, 6, 7, 8, 9, 10)
    assert max(at.TEST_LENGTHS) == 10 * max(at.TRAIN_LENGTHS)
    assert min(at.TEST_LENGTHS) >= max(at.TRAIN_LENGTHS)


def test_copy_hand_checked():
    b = _fixed_symbols(at.CopyTask(), [4, 9, 2]).batch(_Rng(), 1, [3])
    assert b.src.tolist() == [[4, 9, 2, 1]] and b.tgt.tolist() == [[4, 9, 2, 1]]
    assert b.gold_lo.tolist() == b.gold_hi.tolist() == [[0, 1, 2, 3]]      # EOS → source EOS
    assert b.mask.tolist() == [[1, 1, 1, 1]]


def test_recopy_stays_then_moves():
    assert [at.repeats(s) for s in (2, 3, 4, 5)] == [1, 3, 5, 1]
    b = _fixed_symbols(at.ReCopyTask(), [2, 3, 4]).batch(_Rng(), 1, [3])
    assert b.src[0].tolist() == [2, 3, 4, 1]
    real = int(b.mask[0].sum())
    assert b.tgt[0, :real].tolist() == [2, 3, 3, 3, 4, 4, 4, 4, 4, 1]
    assert b.gold_lo[0, :real].tolist() == [0, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert (b.gold_lo[0, real:] == -1).all() and b.tgt.shape[1] == 5 * 3 + 1


def test_inv_recopy_collapses_runs_and_its_gold_is_the_run():
    b = _fixed_symbols(at.InvReCopyTask(), [2, 3, 4]).batch(_Rng(), 1, [3])
    assert b.src[0, :10].tolist() == [2, 3, 3, 3, 4, 4, 4, 4, 4, 1]
    assert b.tgt[0].tolist() == [2, 3, 4, 1]
    assert b.gold_lo[0].tolist() == [0, 1, 4, 9] and b.gold_hi[0].tolist() == [0, 3, 8, 9]


def test_inv_recopy_never_has_equal_neighbours():
    task = at.InvReCopyTask()
    b = task.batch(np.random.default_rng(3), 64, [10])
    for tgt in b.tgt:
        y = tgt[tgt > 1]
        assert (y[1:] != y[:-1]).all()


def test_fragments_repeat_one_fragment():
    task = at.FragmentsTask()
    b = task.batch(np.random.default_rng(0), 16, [11])
    for src, tgt, lo in zip(b.src, b.tgt, b.gold_lo):
        assert (src == tgt).all() and lo[:12].tolist() == list(range(12))
        assert src[0:3].tolist() == src[4:7].tolist() == src[8:11].tolist()   # three copies


def test_lookup_hand_checked():
    task = at.LookupTask()
    task.n_values, task.n_tables = 3, 2
    task.tables = np.array([[1, 2, 0], [0, 2, 1]])
    # tables t0 t1 t0, x = 0: t0(0) = 1, t1(1) = 2, t0(2) = 0
    b = task.batch(_Rng(np.array([0, 1, 0]), 0), 1, [3])
    t0, t1 = at.FIRST + 3, at.FIRST + 4
    assert b.src[0].tolist() == [t0, t1, t0, at.FIRST + 0, 1]
    assert b.tgt[0].tolist() == [at.FIRST + 1, at.FIRST + 2, at.FIRST + 0, 1]
    assert b.gold_lo[0].tolist() == [0, 1, 2, 4]                 # the table used; EOS → EOS


def test_lookup_tables_are_bijections_fixed_by_their_seed():
    a, b = at.LookupTask(), at.LookupTask()
    assert (a.tables == b.tables).all()
    assert all(sorted(t) == list(range(a.n_values)) for t in a.tables)
    assert len({tuple(t) for t in a.tables}) == a.n_tables  # six different tables


@pytest.mark.parametrize("name", sorted(at.TASKS))
def test_gold_points_at_what_is_written(name):
    task = at.make_task(name)
    b = task.batch(np.random.default_rng(1), 32, [5, 7, 10])
    for src, tgt, lo, hi, m, n in zip(b.src, b.tgt, b.gold_lo, b.gold_hi, b.mask, b.n):
        real = int(m.sum())
        assert tgt[real - 1] == at.EOS and not tgt[real:].any()
        assert src[lo[real - 1]] == at.EOS                               # EOS reads EOS
        assert (np.diff(lo[:real]) >= 0).all() and (hi[:real] >= lo[:real]).all()  # monotonic
        for t in range(real - 1):
            span = src[lo[t]:hi[t] + 1]
            if name == "lookup":
                assert (span >= at.FIRST + task.n_values).all()          # a table symbol
            else:
                assert (span == tgt[t]).all()                            # the symbol written
        n_src, n_tgt = int((src > 0).sum()) - 1, real - 1
        assert {"copy": n_src == n_tgt == n, "fragments": n_src == n_tgt == n,
                "recopy": n_src == n and n <= n_tgt <= 5 * n,
                "inv_recopy": n_tgt == n and n <= n_src <= 5 * n,
                "lookup": n_src == n + 1 and n_tgt == n}[name]


@pytest.mark.parametrize("name", sorted(at.TASKS))
def test_reproducible_by_seed_and_shaped_by_lengths(name):
    task = at.make_task(name)
    one = task.batch(np.random.default_rng([0, 5]), 8, at.TRAIN_LENGTHS)
    two = task.batch(np.random.default_rng([0, 5]), 8, at.TRAIN_LENGTHS)
    other = task.batch(np.random.default_rng([1, 5]), 8, at.TRAIN_LENGTHS)
    assert all((getattr(one, f) == getattr(two, f)).all() for f in ("src", "tgt", "gold_lo"))
    assert not (one.src == other.src).all()
    assert set(one.n.tolist()) <= set(at.TRAIN_LENGTHS)
    assert one.src.shape == (8, task.source_width(at.TRAIN_LENGTHS))
    assert one.tgt.shape == (8, task.target_width(at.TRAIN_LENGTHS))
    long = task.batch(np.random.default_rng(0), 2, [100])
    assert (long.n == 100).all() and long.src.shape[1] == task.max_source(100) + 1


def test_unknown_task_and_bad_lengths():
    with pytest.raises(ValueError, match="unknown task 'sort': choose one of copy"):
        at.make_task("sort")
    with pytest.raises(ValueError, match="lengths must be"):
        at.CopyTask().batch(np.random.default_rng(0), 2, [0])
    with pytest.raises(ValueError, match="needs widths"):
        at.CopyTask().batch(np.random.default_rng(0), 2, [5], widths=(4, 4))
