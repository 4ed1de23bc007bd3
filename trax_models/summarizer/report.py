"""What a training run shows a person: live progress, the loss-curve PNG, held-out samples + ROUGE.

    Progress(total_steps, log_path)      steps/s, tokens/s, train/eval loss, accuracy, ETA;
                                         a tqdm bar on a terminal, plain lines otherwise;
                                         one JSON line per step in log_path (on resume,
                                         a killed run's lines past the checkpoint go)
    plot_loss_curve(history, png, log)   train loss (per step + smoothed), eval loss, accuracy

The held-out samples + ROUGE at the end of training: ``trax_models.summarizer.evaluate``.
"""
import json
import math
import sys
import time

import numpy as np

from trax_models.atomic import atomic_write_text

__all__ = ["Progress", "plot_loss_curve"]


def _fmt_time(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Follows a training run: per-step callback ``on_step``, per-eval callback ``on_eval``.

    Throughput excludes the steps that compiled a new batch shape (reported separately as
    compile time): each bucket shape is jit-compiled once, on its first batch.
    """

    LINE_EVERY_S = 30.0  # without a progress bar (not a terminal): a status line this often

    def __init__(self, total_steps, log_path=None, stream=None, count_targets=False):
        self.total_steps = total_steps
        self.count_targets = count_targets  # encoder–decoder: tokens = source + target
        self.stream = stream or sys.stderr
        self.log_path = log_path
        self.log = None  # opened by start(), closed in close()
        self.bar = None
        self.shapes = set()
        self.steps = self.tokens = self.positions = 0
        self.seconds = self.compile_seconds = 0.0
        self.recent = []  # recent losses, for the running average shown
        self.last_eval = {}

    def start(self, step):
        """Training starts (or resumes) after ``step``: the log keeps only steps ≤ ``step``."""
        self.first_step = step
        if self.log_path is not None:
            _keep_steps_up_to(self.log_path, step)
            self.log = open(self.log_path, "a")
        self.t_last = self.t_line = time.perf_counter()
        if self.stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=self.total_steps, initial=step, file=self.stream,
                            unit="step", dynamic_ncols=True, smoothing=0.05)

    def on_step(self, step, loss, batch):
        now = time.perf_counter()
        dt, self.t_last = now - self.t_last, now
        shape = None if batch is None else tuple(np.shape(batch[0]))
        key = None if batch is None else tuple(np.shape(b) for b in batch[:2])
        tokens = 0 if batch is None else int(np.count_nonzero(batch[0]))
        if batch is not None and self.count_targets:
            tokens += int(np.count_nonzero(batch[1]))
        if key not in self.shapes:  # this step compiled the step function for the shapes
            self.shapes.add(key)
            self.compile_seconds += dt
        else:
            self.steps += 1
            self.seconds += dt
            self.tokens += tokens
            self.positions += int(np.prod(shape)) if shape else 0
        self.recent = (self.recent + [loss])[-50:]
        if self.log is not None:
            self.log.write(json.dumps({"step": step, "loss": loss, "tokens": tokens,
                                       "shape": shape, "seconds": round(dt, 4)}) + "\n")
            self.log.flush()
        if self.bar is not None:
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix_str(self._status(step, short=True), refresh=False)
        elif now - self.t_line >= self.LINE_EVERY_S:
            self.t_line = now
            print(self._status(step), file=self.stream, flush=True)

    def on_eval(self, step, metrics):
        self.last_eval = metrics
        line = self._status(step)
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            self.t_line = time.perf_counter()
            print(line, file=self.stream, flush=True)

    def _status(self, step, short=False):
        rate = self.steps / self.seconds if self.seconds else float("nan")
        tok = self.tokens / self.seconds if self.seconds else float("nan")
        loss = sum(self.recent) / len(self.recent) if self.recent else float("nan")
        ev = self.last_eval
        eval_part = (f" | eval loss {ev.get('CrossEntropyLoss', float('nan')):.3f} "
                     f"acc {ev.get('Accuracy', float('nan')):.3f}") if ev else ""
        if short:
            return f"loss {loss:.3f}{eval_part.replace(' | ', ' ')} {tok:,.0f} tok/s"
        eta = (self.total_steps - step) / rate if rate == rate and rate > 0 else None
        return (f"step {step}/{self.total_steps} | train loss {loss:.3f}{eval_part} | "
                f"{rate:.2f} steps/s {tok:,.0f} tok/s | ETA {_fmt_time(eta)}")

    def throughput(self):
        """Steady-state figures of this session (compile steps excluded).

        The rates are None when no step was timed: a re-run of a finished run trains no step,
        and one that trains a single step only compiles.
        """
        s = self.seconds
        rate = (lambda n, digits=None: round(n / s, digits)) if self.steps and s > 0 else (
            lambda n, digits=None: None)
        return {"steps_per_s": rate(self.steps, 3), "tokens_per_s": rate(self.tokens),
                "positions_per_s": rate(self.positions),
                "timed_steps": self.steps, "compile_s": round(self.compile_seconds, 1)}

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.log is not None:
            self.log.close()
            self.log = None


def _keep_steps_up_to(path, step):
    """Drop the lines of steps after ``step`` (a killed run trained past its last checkpoint;
    the resumed run logs those steps again) and lines cut by a kill."""
    try:
        with open(path) as f:
            lines = f.readlines()
    except FileNotFoundError:
        lines = []
    kept = []
    for line in lines:
        try:
            if json.loads(line)["step"] <= step:
                kept.append(line if line.endswith("\n") else line + "\n")
        except (ValueError, KeyError, TypeError):
            continue
    if kept != lines or not lines:
        atomic_write_text(path, "".join(kept))


def _read_log(path):
    losses = {}
    try:
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:  # a line cut by a kill
                    continue
                losses[row["step"]] = row["loss"]  # a re-run step (after resume) overwrites
    except OSError:
        pass
    steps = sorted(losses)
    return np.array(steps), np.array([losses[s] for s in steps])


def plot_loss_curve(history, png_path, log_path=None):
    """Save the loss curve: per-step train loss (from log_path) and eval loss/accuracy."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    steps, losses = _read_log(log_path) if log_path else (np.array([]), np.array([]))
    if len(steps):
        ax.plot(steps, losses, color="tab:blue", alpha=0.25, lw=0.8, label="train loss (step)")
        k = max(1, min(50, len(losses) // 10))
        smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax.plot(steps[k - 1:], smooth, color="tab:blue", label=f"train loss ({k}-step mean)")
    ev = history.get("eval", "metrics/CrossEntropyLoss")
    if ev:
        ax.plot([s for s, _ in ev], [float(v) for _, v in ev], "o-", color="tab:orange",
                label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (summary tokens)")
    ax.set_yscale("log")
    acc = history.get("eval", "metrics/Accuracy")
    lines, labels = ax.get_legend_handles_labels()
    if acc:
        ax2 = ax.twinx()
        ax2.plot([s for s, _ in acc], [float(v) for _, v in acc], "s--", color="tab:green",
                 label="eval accuracy")
        ax2.set_ylabel("token accuracy")
        ax2.set_ylim(0, 1)
        l2, b2 = ax2.get_legend_handles_labels()
        lines, labels = lines + l2, labels + b2
    ax.legend(lines, labels, loc="center right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)
