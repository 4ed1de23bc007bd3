"""``train(config)``: what ``make train`` and ``python -m trax_models train`` run, in named steps.

    0. RunFolder.inspect     a folder with files train did not write is refused, untouched;
       checkpoint.one_writer the directory's lock: one training process per --output_dir;
                             a new folder's run that ends before its first checkpoint
                             (refused, stopped) is removed again (RunFolder.undo)
    1. _prepare_output_dir   --fresh removes the old run's files (those its manifest lists);
                             stale temporary files of ours go
    2. _prepare_data         source and vocabulary resolved once (data.resolve), the pipeline,
                             batch streams (the first batch read here: no usable data refused)
    3. _run_record           the training settings config.json stores (the model's kind and
                             settings: the checkpoint, ``checkpoint.describe``)
    4. make_loop             trax's Loop (``summarizer.loop``), resumed from a checkpoint
    5. _check_resume + run   a changed data/train setting on resume: warned (the model's:
                             refused by the Loop, which compares the checkpoint's)
    6. _report               loss curve, held-out ROUGE vs Lead-3, results.json

Everything lands in ``config.output_dir``: config.json, vocab.subwords, model.pkl.gz, train/
and eval/ TensorBoard events, progress.jsonl, loss_curve.png and results.json. A failed write
(disk full, no permission) ends the run with one message; the last checkpoint is kept.

``train`` never touches a file it did not write. ``.trax_models_run.json`` (the manifest)
lists what it wrote into the folder, each name claimed before it is first written; a folder
without one is used only when it is empty, new, or a run of an earlier version (its
config.json loads as a training config next to model.pkl.gz: adopted, the manifest written).
Anything else is refused before a single file is written, and --fresh removes only what the
manifest lists (in train/ and eval/, only the event files the Loop wrote there).
"""
import contextlib
import dataclasses
import errno
import itertools
import json
import os
import pathlib
import sys
import time

import jax.experimental.multihost_utils  # binds jax too: _sync meets the processes

from trax_models import compat, data
from trax_models.atomic import atomic_write_text
from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, evaluate, registry, report, salience
from trax_models.summarizer.config import check, fine_tuning_config
from trax_models.summarizer.generate import SUMMARIZE_DEFAULTS, Summarizer
from trax_models.summarizer.loop import make_loop
from trax_models.summarizer.streams import BatchStream
from trax_models.t5 import evaluate as t5_evaluate
from trax_models.weights import count_weights

__all__ = ["train"]

MANIFEST = ".trax_models_run.json"
_WRITTEN_BY = "python -m trax_models train"
# Every name train writes at the top of --output_dir (the manifest claims each one first).
_OWN_FILES = (MANIFEST, checkpoint.LOCK_FILE, checkpoint.CONFIG_FILE, checkpoint.VOCAB_FILE,
              checkpoint.CHECKPOINT_FILE, "config.gin", "progress.jsonl", "loss_curve.png",
              "results.json", salience.FILE)
_EVENT_DIRS = ("train", "eval")          # the Loop's TensorBoard folders
_EVENT_PREFIX = "events.out.tfevents."   # what its event writers name their files


class RunFolder:
    """--output_dir as ``train`` sees it: the manifest of what train wrote there.

    ``.trax_models_run.json``: {"written_by": "python -m trax_models train", "files": [names
    at the top, from _OWN_FILES], "events": {"train": [event files], "eval": [...]}}. Only
    names of _OWN_FILES and event files count: an edited manifest cannot make --fresh
    delete anything else.
    """

    def __init__(self, out, files=(MANIFEST, checkpoint.LOCK_FILE), events=None, new=False):
        self.out = out
        self.new = new  # no folder, or an empty one
        self.files = set(files)
        self.events = {d: set(names) for d, names in (events or {}).items()}
        self._saved = None  # the manifest's content on disk, when it is ours
        self._events_before = {}

    @classmethod
    def inspect(cls, out):
        """The RunFolder of ``out``: new or empty, one of train's runs, or one an earlier
        version wrote (no manifest yet). Reads only; writes nothing.

        Raises:
          UserError: ``out`` holds anything else (naming some of its files): refused untouched.
        """
        if not out.exists():
            return cls(out, new=True)
        if not out.is_dir():
            raise UserError(f"--output_dir {out} is a file, not a folder — choose an empty or "
                            "new folder")
        if next(out.iterdir(), None) is None:
            return cls(out, new=True)
        run = cls._from_manifest(out) or cls._earlier_run(out)
        if run is None:
            raise UserError(
                f"--output_dir {out} is not empty and not a training run of this program: it "
                f"holds {_some_files(out)} — train never overwrites or deletes files it did not "
                "write; choose an empty or new --output_dir (or move those files away)")
        return run

    @classmethod
    def _from_manifest(cls, out):
        try:
            manifest = json.loads((out / MANIFEST).read_text())
        except (OSError, ValueError):
            return None  # none, or unreadable: decided as for a folder without one
        if not isinstance(manifest, dict) or manifest.get("written_by") != _WRITTEN_BY:
            return None
        files, events = manifest.get("files"), manifest.get("events")
        files = files if isinstance(files, list) else []
        events = events if isinstance(events, dict) else {}
        run = cls(out, {MANIFEST, checkpoint.LOCK_FILE} | {f for f in files if f in _OWN_FILES},
                  {d: {f for f in names if _is_event_file(f)} for d, names in events.items()
                   if d in _EVENT_DIRS and isinstance(names, list)})
        run._saved = run._content()
        return run

    @classmethod
    def _earlier_run(cls, out):
        """A run an earlier version of train wrote (no manifest): its config.json loads as a
        training config and model.pkl.gz is a gzip file. Claims our names found there."""
        try:
            checkpoint.load_config(out)
            with open(out / checkpoint.CHECKPOINT_FILE, "rb") as f:
                if f.read(2) != b"\x1f\x8b":
                    return None
        except (UserError, OSError, TypeError, ValueError, AttributeError, KeyError):
            return None  # not a config (or a checkpoint) this program wrote
        files = {MANIFEST, checkpoint.LOCK_FILE} | {
            name for name in _OWN_FILES if (out / name).is_file()}
        return cls(out, files, {d: set(_event_files(out / d)) for d in _EVENT_DIRS
                                if (out / d).is_dir()})

    def _content(self):
        return {"written_by": _WRITTEN_BY, "files": sorted(self.files),
                "events": {d: sorted(names) for d, names in sorted(self.events.items())}}

    def save(self):
        """Write the manifest (atomically) if it changed."""
        content = self._content()
        if content != self._saved:
            atomic_write_text(self.out / MANIFEST, json.dumps(content, indent=1) + "\n")
            self._saved = content

    def claim(self, *names):
        """Add ``names`` (of _OWN_FILES) to the manifest before they are first written."""
        assert set(names) <= set(_OWN_FILES), names
        self.files.update(names)
        self.save()

    def claim_event_dirs(self):
        """Before the Loop runs: train/ and eval/ are ours to write event files into."""
        for d in _EVENT_DIRS:
            self.events.setdefault(d, set())
            self._events_before[d] = set(_event_files(self.out / d))
        self.save()

    def note_events(self):
        """Add the event files the Loop's writers created since ``claim_event_dirs`` (this
        process holds the lock: they are ours)."""
        for d, before in self._events_before.items():
            self.events[d] |= set(_event_files(self.out / d)) - before
        self.save()

    def remove_own_files(self):
        """--fresh: delete what the manifest lists (never .lock, the lock in use, nor the
        manifest); train/ and eval/ go only when nothing but our event files was in them."""
        for name in sorted(self.files - {MANIFEST, checkpoint.LOCK_FILE}):
            path = self.out / name
            if path.is_file() or path.is_symlink():
                path.unlink()
        for d, names in sorted(self.events.items()):
            for name in sorted(names):
                (self.out / d / name).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                (self.out / d).rmdir()  # refused when anything else is in it: it stays
        self.files, self.events = {MANIFEST, checkpoint.LOCK_FILE}, {}
        self.save()

    def undo(self, created):
        """A run in a new folder ended before its first checkpoint: the folder as it was (no
        .lock, manifest or empty progress.jsonl left by a refused train); ``created``: the
        folders train made for it, leaf first, removed while empty."""
        self.remove_own_files()
        for name in (MANIFEST, checkpoint.LOCK_FILE):
            (self.out / name).unlink(missing_ok=True)
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or not ours to remove): it and its parents stay


def _is_event_file(name):
    return isinstance(name, str) and name.startswith(_EVENT_PREFIX) and "/" not in name


def _event_files(directory):
    try:
        return [p.name for p in directory.iterdir() if _is_event_file(p.name) and p.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _some_files(out, limit=5):
    """'a, b/c, …' — the first ``limit`` files under ``out`` (without walking all of it)."""
    found = []
    for root, dirs, files in os.walk(out):
        dirs.sort()
        rel = pathlib.Path(root).relative_to(out)
        found += [str(rel / name) for name in sorted(files)]
        if not files and not dirs and rel != pathlib.Path("."):
            found.append(f"{rel}/")  # an empty folder
        if len(found) > limit:
            return ", ".join(found[:limit]) + ", …"
    return ", ".join(found)


def _prepare_output_dir(run, config):
    """--fresh: remove the old run's files; always: temporary files of our killed writes."""
    checkpoint.remove_stale_temporaries(run.out, names=run.files)
    if config.fresh:
        run.remove_own_files()


def _prepare_data(config, kind, stats):
    """(data.Data, vocab size, train batches, eval batches) for the model kind's layout: the
    one place the source and vocabulary are resolved; all later steps get the ``data.Data``."""
    try:
        try:
            resolved = data.resolve(config.source, seed=config.seed, vocab_file=config.vocab_file,
                                    vocab_size=config.vocab_size, **config.source_options())
        except data.DataError:
            raise
        except ValueError as e:  # build_vocab's "no text"
            raise data.DataError(f"{config.source}: no vocabulary ({e})") from None
        vocab_size = resolved.vocab.vocab_size
        if config.model_vocab_size is not None and config.model_vocab_size < vocab_size:
            raise UserError(f"--model_vocab_size {config.model_vocab_size} is smaller than the "
                            f"vocabulary ({vocab_size} subwords in {resolved.vocab_path}): pass "
                            f"at least {vocab_size}, or leave it unset")
        layout = dict(max_length=config.max_length, boundaries=config.boundaries,
                      batch_sizes=config.batch_sizes, shuffle_buffer=config.shuffle_buffer,
                      stats=stats, concat=not kind.pairs,
                      article_weight=_article_weight(config, kind))
        train_batches, eval_batches = (kind.streams or data.make_streams)(resolved, **layout)
        train_batches = BatchStream(train_batches)
        train_batches.peek()  # no usable data: refused here, not inside the Loop
        eval_batches = iter(eval_batches)
        eval_batches = itertools.chain([next(eval_batches)], eval_batches)
    except StopIteration:
        raise UserError(f"{config.source} yields no held-out batch — give it a validation "
                        "split with usable pairs") from None
    except (data.DataError, FileNotFoundError) as e:
        raise UserError(str(e)) from None
    return resolved, vocab_size, train_batches, eval_batches


def _article_weight(config, kind):
    # An encoder has no loss on the article; the LM's joint sequence can weight its article.
    return None if kind.pairs else config.article_weight


def _run_record(config, kind):
    """The training settings config.json stores about this run (what the model is, its kind
    and ``model_config``, only the checkpoint holds: ``checkpoint.describe``)."""
    return {
        "data": {"source": config.source, **config.source_options(),
                 "max_length": config.max_length, "boundaries": list(config.boundaries),
                 "batch_sizes": list(config.batch_sizes), "shuffle_buffer": config.shuffle_buffer,
                 "article_weight": _article_weight(config, kind), "pairs": kind.pairs,
                 "seed": config.seed},
        "train": {"init_from": config.init_from,
                  "steps": config.steps, "lr": config.lr, "warmup_steps": config.warmup_steps,
                  "seed": config.seed, "optimizer": "Adam", "loss": "CrossEntropyLoss",
                  "schedule": "warmup_and_rsqrt_decay"},
    }


def _saved_differences(out, record):
    """Settings of ``record`` that differ from ``out``'s config.json (if any)."""
    path = out / checkpoint.CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        saved = json.loads(path.read_text())
    except ValueError as e:
        raise UserError(f"{path} is not valid JSON ({e}) — restore it or start afresh with "
                        "--fresh") from None
    diffs = {}
    for section in ("data", "train"):  # the model's: TrainLoop compares the checkpoint's
        mine, theirs = record[section], saved.get(section)
        for k, v in mine.items():
            old = (theirs or {}).get(k)
            if k in (theirs or {}) and json.loads(json.dumps(v)) != old:
                diffs[f"{section}.{k}"] = (old, v)
    return diffs


def _check_resume(out, record):
    """Warn about changed data/training settings (another model the Loop refused already:
    the checkpoint's description against this run's, ``checkpoint.check_fingerprint``)."""
    diffs = _saved_differences(out, record)
    steps = diffs.pop("train.steps", None)
    if steps:  # the schedule does not depend on the total: the losses stay the same
        print(f"training on to step {steps[1]} (the first run asked for {steps[0]})",
              file=sys.stderr)
    if diffs:
        print("warning: resuming with settings that differ from the first run "
              f"({', '.join(f'{k}: {a} → {b}' for k, (a, b) in diffs.items())}): the losses "
              "will not match an uninterrupted run", file=sys.stderr)


def train(config):
    """Train (or resume) a summarizer as ``config`` (a ``TrainConfig``) says; returns results.

    Raises:
      UserError: a bad setting, a folder holding files train did not write (refused before
        anything is written), unusable data, another process writing the directory, a
        checkpoint that does not fit or is damaged, or a failed write (disk full).
    """
    compat.start_processes()  # TRAX_MODELS_NUM_PROCESSES > 1: join them before JAX starts
    check(config)
    out = pathlib.Path(config.output_dir).expanduser()
    config = dataclasses.replace(config, output_dir=str(out))
    try:
        if jax.process_index():  # not the chief: trains, writes nothing (trax's Loop agrees)
            out.mkdir(parents=True, exist_ok=True)
            return _train(config, out, None)
        run = RunFolder.inspect(out)  # someone else's files: refused before anything is written
        created = [d for d in (out, *out.parents) if not d.exists()]  # leaf first
        new = run.new
        out.mkdir(parents=True, exist_ok=True)
        if run.new:
            run.save()  # the manifest (claiming itself and .lock) before the lock file exists
        with checkpoint.one_writer(out):
            run = RunFolder.inspect(out)  # again, holding the lock
            run.save()  # an earlier version's run: adopted
            try:
                return _train(config, out, run)
            except BaseException:
                if new and not (out / checkpoint.CHECKPOINT_FILE).exists():
                    run.undo(created)  # refused or stopped before a checkpoint: nothing kept
                raise
    except OSError as e:
        raise _write_error(e, out) from None


def _write_error(e, out):
    """One line for a failed read or write (disk full, permissions) instead of a traceback."""
    what = e.strerror or str(e) or type(e).__name__
    where = f" ({e.filename})" if e.filename else ""
    hint = ("free some disk space" if e.errno in (errno.ENOSPC, errno.EDQUOT)
            else "check the path and its permissions")
    return UserError(f"{what}{where} while training into {out} — {hint}, then re-run the same "
                     "command: it resumes from the last checkpoint written")


def _sync(name):
    """All processes meet here (a no-op for one process)."""
    if jax.process_count() > 1:
        jax.experimental.multihost_utils.sync_global_devices(name)


def _train(config, out, run):
    """``run``: the chief's RunFolder (it holds the lock); None in the other processes."""
    chief = run is not None
    kind = registry.kind(config.model)
    if chief:
        _prepare_output_dir(run, config)
    _sync("output_dir prepared")  # --fresh: no process loads the old checkpoint

    if config.init_from:
        config = fine_tuning_config(config)
    t_start = time.perf_counter()
    print(f"data: {config.source} (preparing the pipeline; the default corpus and its "
          "vocabulary are generated on first use)", flush=True)
    stats = data.DataStats()
    resolved, vocab_size, train_batches, eval_batches = _prepare_data(config, kind, stats)
    if stats.not_utf8:  # a file source's pairs are all read (and counted) by now
        print(f"warning: {stats.not_utf8:,} pair(s) of {config.source} are not UTF-8 and were "
              "read as Windows-1252 (Latin-1) — if accents look wrong, convert the file to "
              "UTF-8", file=sys.stderr)
    model_config = config.model_config(vocab_size)
    record = _run_record(config, kind)
    t_data = time.perf_counter() - t_start

    if chief:
        run.claim("progress.jsonl")
        run.claim(checkpoint.CHECKPOINT_FILE, "config.gin")  # the Loop's files and folders
        run.claim_event_dirs()
    progress = report.Progress(total_steps=config.steps,
                               log_path=out / "progress.jsonl" if chief else None,
                               count_targets=kind.pairs)
    on_step = _noting_events(progress.on_step, run) if chief else progress.on_step
    t0 = time.perf_counter()
    loop = make_loop(config, model_config, train_batches, eval_batches,
                     on_step=on_step, on_eval=progress.on_eval,
                     fingerprint=checkpoint.describe(kind.name, model_config, resolved.vocab_path))
    _check_resume(out, record)  # after the Loop's load: another model refused there
    if config.init_from and loop.step == 0:  # a resumed run has its own weights already
        base, _ = checkpoint.load_model(config.init_from, mode="train")
        loop.update_weights_and_state(weights=base.weights)
        print(f"fine-tuning: starting from the weights of {config.init_from}", flush=True)
    if chief:
        run.claim(checkpoint.CONFIG_FILE, checkpoint.VOCAB_FILE)
        checkpoint.save_config(out, record, resolved.vocab_path)
    ranker = None
    if chief and config.targets == "sentences":  # summarize's sentence ranker (salience.py)
        run.claim(salience.FILE)
        ranker = salience.fit_and_save(resolved.source.pairs("train"), out)
    t_build = time.perf_counter() - t0

    n_weights = count_weights(loop.model)
    print(f"model: {kind.name} d_model={config.d_model} d_ff={config.d_ff} "
          f"n_layers={config.n_layers} n_heads={config.n_heads} vocab={vocab_size} "
          f"max_len={config.max_length}: {n_weights:,} weights; {loop.n_devices} "
          f"{jax.default_backend()} device(s)", flush=True)
    start_step = loop.step
    if start_step:
        print(f"resuming from {out / checkpoint.CHECKPOINT_FILE} at step {start_step}",
              flush=True)
    progress.start(start_step)
    t1 = time.perf_counter()
    if loop.step < config.steps:
        try:
            loop.run(config.steps - loop.step)
        finally:
            progress.close()
            if chief:
                run.note_events()
    t_train = time.perf_counter() - t1

    results = {
        "steps": loop.step, "resumed_from": start_step, "n_weights": n_weights,
        "devices": f"{loop.n_devices}x{jax.default_backend()}",
        "seconds": {"data_setup": round(t_data, 1), "build": round(t_build, 1),
                    "train": round(t_train, 1)},
        "train_throughput": progress.throughput(),
        "data_stats": dataclasses.asdict(stats),
    }
    if not chief:
        print(f"process {jax.process_index()}: done at step {loop.step}", flush=True)
        return results
    run.claim("loss_curve.png", "results.json")
    _report(config, kind, model_config, loop, resolved, out, results, ranker)
    results["seconds"]["total"] = round(time.perf_counter() - t_start, 1)
    atomic_write_text(out / "results.json", json.dumps(results, indent=2) + "\n")
    print(f"done in {results['seconds']['total']:.0f} s; results: {out / 'results.json'}; "
          f"checkpoint: {out}  (summarize with: python -m trax_models summarize "
          f"--checkpoint {out} FILE)")
    return results


def _noting_events(on_step, run):
    """``on_step`` that, after the first step, adds the event files the Loop's writers opened
    when the run started to the manifest (a kill later on leaves none unlisted)."""
    first = [True]

    def noting(step, loss, batch):
        on_step(step, loss, batch)
        if first:
            first.clear()
            run.note_events()
    return noting


def _report(config, kind, model_config, loop, resolved, out, results, ranker=None):
    """Loss curve, the last eval metrics and the held-out ROUGE report, into ``results``."""
    eval_hist = {name: loop.history.get("eval", f"metrics/{name}")
                 for name in ("CrossEntropyLoss", "Accuracy")}
    if eval_hist["CrossEntropyLoss"]:
        results["eval"] = {name: float(h[-1][1]) for name, h in eval_hist.items() if h}
    report.plot_loss_curve(loop.history, out / "loss_curve.png", out / "progress.jsonl")
    print(f"loss curve: {out / 'loss_curve.png'}; TensorBoard: tensorboard --logdir {out}")
    if kind.streams:  # several tasks (t5): each one's own metric on held-out examples
        return results.update(heldout=t5_evaluate.report(
            config, kind.name, model_config, loop.eval_model.weights, resolved.vocab_path))
    if config.rouge_articles <= 0:
        return
    t = time.perf_counter()
    try:
        held_out = resolved.source.pairs("validation")
    except (data.DataError, FileNotFoundError) as e:
        raise UserError(str(e)) from None
    summarizer = Summarizer(kind.name, model_config, loop.eval_model.weights,  # as summarize
                            vocab_file=resolved.vocab_path, max_new_tokens=config.max_summary_len,
                            salience=ranker, **SUMMARIZE_DEFAULTS)
    results["heldout"] = evaluate.summarize_and_score(
        summarizer, held_out, n_articles=config.rouge_articles, n_samples=config.samples,
        max_new_tokens=config.max_summary_len, batch_size=16,
        facts_of=resolved.source.facts("validation"))
    results["seconds"]["heldout"] = round(time.perf_counter() - t, 1)
