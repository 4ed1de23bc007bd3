"""What a training run depends on: ``TrainConfig``, its checks and its gin bindings.

Settings come from the defaults, then the preset (``--preset cpu|course``,
``summarizer.presets``), then gin (``TrainConfig.<flag> = ...`` in a --gin_file or --gin_param,
plus any trax configurable), then the flags given (``with_overrides``).

Two names, one number: the flag ``--max_length`` (``TrainConfig.max_length``, the course's
name: the longest article + summary a training example may have) is also the model's
``max_len`` (its positions: trax's and the graded ``TransformerLM``'s argument, and the key in
a checkpoint's "model_args"). ``MODEL_ARGS`` is the one place that maps the flags to the
model's argument names; ``TrainConfig.model_config`` and ``fine_tuning_config`` read it.
"""
import dataclasses
import math
import pathlib

import gin
import jax

from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, presets, registry
from trax_models.t5 import streams as t5_streams

__all__ = ["TrainConfig", "RULES", "check", "check_fields", "fine_tuning_config", "with_overrides",
           "FLAG_RULES", "check_decoding"]

# TrainConfig field (= flag) -> the model's argument (``registry.ModelConfig``, trax's name,
# checkpoints' "model_args"). Only --max_length differs (see the module docstring).
MODEL_ARGS = {"d_model": "d_model", "d_ff": "d_ff", "n_layers": "n_layers",
              "n_heads": "n_heads", "dropout": "dropout", "max_length": "max_len"}
_SHAPE = ("d_model", "d_ff", "n_layers", "n_heads", "max_length")  # what fine-tuning keeps


@dataclasses.dataclass
class TrainConfig:
    """Everything a training run depends on (CLI flags and gin ``TrainConfig.*`` bindings)."""
    preset: str = "cpu"              # named settings under the flags (summarizer.presets)
    # data
    source: str = "default"          # "default" | "cnn_dailymail" | path of .jsonl/.csv/.tsv
    data_dir: str = None             # prepared TFDS data_dir (cnn_dailymail) / corpus cache
    article_key: str = None          # field names for JSONL/CSV files
    summary_key: str = None
    eval_fraction: float = None      # held-out fraction of a single file (seeded split)
    vocab_file: str = None           # subword vocabulary; default: the source's own
    vocab_size: int = 2000           # size of a vocabulary built for the source
    model_vocab_size: int = None     # the model's output rows (default: the vocabulary's size)
    max_length: int = 512            # longest article + summary (articles truncated to fit);
                                     # also the model's max_len (MODEL_ARGS)
    boundaries: tuple = (256, 384)   # bucket boundaries (token lengths)
    batch_sizes: tuple = (16, 12, 8)  # one per bucket, +1 for the longest bucket
    shuffle_buffer: int = 2048
    article_weight: float = 0.1      # loss weight of article tokens (course: 0 = summary only)
    targets: str = "reference"       # "sentences": train on the article's sentences that best
                                     # match the reference (sources.extractive; files only)
    tasks: str = None                # --model t5: its tasks, "summarize,question,stsb=300"
                                     # (t5.streams.parse_tasks; default: all five)
    mixing: str = None               # --model t5: "proportional[:K]" | "temperature:T[:K]" |
                                     # "equal" (t5.mixing; default t5.streams.DEFAULT_MIXING)
    # model: the course's TransformerLM body at CPU size with a pointer (copy) head, which
    # copies names and numbers from the article ("transformer_lm" = the graded course model)
    model: str = "pointer_lm"
    d_model: int = 128
    d_ff: int = 512
    n_layers: int = 2
    n_heads: int = 4
    dropout: float = 0.0
    init_from: str = None            # a trained run folder whose weights this run starts from
                                     # (fine-tuning: its model settings and vocabulary)
    # optimization
    steps: int = 1200
    lr: float = 0.005                # peak learning rate (Adam)
    warmup_steps: int = 100          # linear warm-up, then rsqrt decay (trax's schedule)
    seed: int = 0
    # bookkeeping
    output_dir: str = "build/model"
    eval_every: int = 100
    eval_batches: int = 4
    checkpoint_every: int = 100
    fresh: bool = False              # delete output_dir's checkpoint and start over
    # the report at the end
    rouge_articles: int = 100        # held-out articles summarized for ROUGE (0 = skip)
    samples: int = 3                 # of which printed
    max_summary_len: int = 96        # decoding cap (tokens): 2–4 key sentences
    verbose: bool = False

    def model_config(self, vocab_size):
        """The model's ``registry.ModelConfig`` for a vocabulary of ``vocab_size``."""
        return registry.kind(self.model).config(
            vocab_size=self.model_vocab_size or vocab_size,
            **{arg: getattr(self, field) for field, arg in MODEL_ARGS.items()})

    def source_options(self):
        keys = ("data_dir", "article_key", "summary_key", "eval_fraction", "tasks", "mixing")
        options = {k: getattr(self, k) for k in keys if getattr(self, k) is not None}
        if self.targets != "reference":  # (the default stays out of cache keys)
            options["targets"] = self.targets
        return options


@gin.configurable("TrainConfig")
def _gin_train(**bindings):
    """gin target: ``TrainConfig.steps = 3000`` etc. in a --gin_file or --gin_param."""
    return bindings


class Rule:
    """What one setting may be: ``ok(value)`` and the words for it (``must be <what>``)."""

    def __init__(self, what, ok):
        self.what, self.ok = what, ok

    def __call__(self, value):
        try:
            return bool(self.ok(value))
        except (TypeError, ValueError):
            return False


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def integer(lo, hi=None):
    what = {0: "a non-negative integer", 1: "a positive integer"}.get(lo, f"an integer ≥ {lo}")
    what += "" if hi is None else f" ≤ {hi:,}"
    return Rule(what, lambda v: _is_int(v) and v >= lo and (hi is None or v <= hi))


def number(lo, hi=None, lo_open=False, hi_open=False):
    lo_word = f"> {lo}" if lo_open else f"≥ {lo}"
    hi_word = "" if hi is None else (f" and < {hi}" if hi_open else f" and ≤ {hi}")
    what = ("a positive finite number" if (lo, lo_open, hi) == (0, True, None)
            else f"a finite number {lo_word}{hi_word}")
    return Rule(what, lambda v: _is_num(v) and (
        v > lo if lo_open else v >= lo) and (hi is None or (v < hi if hi_open else v <= hi)))


def integers(lo, hi, empty=False):
    return Rule(f"a {'' if empty else 'non-empty '}list of integers from {lo} to {hi:,}",
                lambda v: isinstance(v, (tuple, list)) and (empty or len(v) > 0)
                and all(_is_int(x) and lo <= x <= hi for x in v))


def text(optional=False):
    return Rule("a non-empty string" + (" (or unset)" if optional else ""),
                lambda v: (optional and v is None) or (isinstance(v, str) and v.strip() != ""))


def optional(rule):
    return Rule(f"{rule.what} (or unset)", lambda v: v is None or rule(v))


FLAG = Rule("true or false", lambda v: isinstance(v, bool))
MAX_TOKENS = 1 << 16

# ONE table: every TrainConfig field and what it may be. ``check`` goes over the fields of the
# dataclass, so a new field without a row here is refused at once (and by a test).
RULES = {
    "preset": Rule("one of " + ", ".join(presets.PRESETS), lambda v: v in presets.PRESETS),
    "model_vocab_size": optional(integer(16, 1 << 20)),
    "source": text(), "data_dir": text(optional=True), "article_key": text(optional=True),
    "summary_key": text(optional=True),
    "eval_fraction": optional(number(0, 1, lo_open=True, hi_open=True)),
    "vocab_file": text(optional=True), "vocab_size": integer(16, 1 << 20),
    "max_length": integer(8, MAX_TOKENS), "boundaries": integers(1, MAX_TOKENS, empty=True),
    "batch_sizes": integers(1, 1 << 16), "shuffle_buffer": integer(0, 1 << 24),
    "article_weight": number(0),
    "init_from": text(optional=True),
    "targets": Rule("'reference' or 'sentences'", lambda v: v in ("reference", "sentences")),
    "tasks": text(optional=True), "mixing": text(optional=True),
    "model": Rule("one of " + ", ".join(sorted(registry.MODELS)), lambda v: v in registry.MODELS),
    "d_model": integer(1, 1 << 15), "d_ff": integer(1, 1 << 17), "n_layers": integer(1, 256),
    "n_heads": integer(1, 1 << 10), "dropout": number(0, 1, hi_open=True),
    "steps": integer(1, 10 ** 9), "lr": number(0, lo_open=True), "warmup_steps": integer(0, 10 ** 9),
    "seed": integer(0, 2 ** 32 - 1),
    "output_dir": text(), "eval_every": integer(1), "eval_batches": integer(1, 10 ** 4),
    "checkpoint_every": integer(1), "fresh": FLAG,
    "rouge_articles": integer(0), "samples": integer(0), "max_summary_len": integer(1, MAX_TOKENS),
    "verbose": FLAG,
}


def check_fields(config):
    """UserError for the first field outside its row of ``RULES`` (type and range)."""
    for field in dataclasses.fields(config):
        if field.name not in RULES:
            raise AssertionError(f"TrainConfig.{field.name} has no row in config.RULES")
        value = getattr(config, field.name)
        if not RULES[field.name](value):
            if field.name == "model":
                registry.kind(value)  # the registry's own message
            raise UserError(f"--{field.name} must be {RULES[field.name].what}, got {value!r}")


def check(config):
    """UserError for the first setting out of range (before any data or model work).

    Each field is checked against its row of ``RULES`` (type and range), then the settings
    that depend on each other.
    """
    check_fields(config)
    if config.tasks is not None or config.mixing is not None:
        if registry.kind(config.model).streams is None:
            raise UserError("--tasks and --mixing choose the tasks of --model t5 (one "
                            "text-to-text model for several tasks); this run's model is "
                            f"{config.model}")
        t5_streams.check(config.tasks, config.mixing)
    if config.d_model % config.n_heads:
        raise UserError(f"--d_model {config.d_model} must be divisible by --n_heads "
                        f"{config.n_heads} (each head gets d_model / n_heads dimensions)")
    if len(config.batch_sizes) != len(config.boundaries) + 1:
        raise UserError(f"--batch_sizes needs one more entry than --boundaries: got "
                        f"{list(config.batch_sizes)} for {list(config.boundaries)}")
    if list(config.boundaries) != sorted(set(config.boundaries)):
        raise UserError(f"--boundaries must increase: {list(config.boundaries)}")
    # the report decodes up to max_summary_len tokens after an article of ≥ 1 token (+ EOS,
    # and the decoder-only models' separator) within the model's max_len (= --max_length)
    longest = config.max_length - (1 if registry.kind(config.model).pairs else 3)
    if config.rouge_articles and config.max_summary_len > longest:
        raise UserError(f"--max_summary_len {config.max_summary_len} does not fit --max_length "
                        f"{config.max_length} with an article: pass at most {longest} (or "
                        "--rouge_articles 0: no report at the end)")
    n_devices = jax.device_count()
    bad = [b for b in config.batch_sizes if b % n_devices]
    if bad:
        raise UserError(f"batch sizes {bad} do not split evenly over the {n_devices} JAX "
                        f"devices: pass --batch_sizes that are multiples of {n_devices}")


def with_overrides(explicit, gin_files=(), gin_params=(), defaults=None):
    """TrainConfig from ``defaults`` ← the preset ← gin bindings (``TrainConfig.*``) ←
    ``explicit`` values (``preset`` itself comes from the flags, else gin, else the defaults).

    Args:
      explicit: {field: value} of the flags given on the command line.
      gin_files, gin_params: gin configuration files and bindings.
      defaults: {field: value} under everything (the parser's defaults); default TrainConfig's.
    """
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = dict(defaults or {})
    bound = {}
    if gin_files or gin_params:
        gin.clear_config()  # bindings of an earlier call in this process do not leak in
        try:
            gin.parse_config_files_and_bindings(list(gin_files), list(gin_params))
        except (OSError, ValueError, SyntaxError, KeyError) as e:
            raise UserError(f"bad gin configuration: {e}") from None
        bound = _gin_train()
        unknown = sorted(set(bound) - fields)
        if unknown:
            raise UserError("unknown gin setting(s) " + ", ".join(
                f"TrainConfig.{k}" for k in unknown) + " — use the flag names of --help")
    preset = explicit.get("preset", bound.get("preset", values.get("preset", "cpu")))
    values.update(presets.resolve(preset), preset=preset)  # the preset sits under gin and flags
    values.update(bound)
    values.update(explicit)
    values = {k: v for k, v in values.items() if k in fields}
    for k in ("boundaries", "batch_sizes"):
        if k in values:
            values[k] = tuple(values[k])
    return TrainConfig(**values)


def fine_tuning_config(config):
    """``config`` with the vocabulary of ``--init_from``'s run; its model settings must match."""
    base = checkpoint.load_config(config.init_from)
    args = base["model_args"]
    mine = {"model": config.model, **{k: getattr(config, k) for k in _SHAPE}}
    theirs = {"model": base["model"], **{k: args.get(MODEL_ARGS[k]) for k in _SHAPE}}
    differ = [k for k in mine if theirs[k] is not None and mine[k] != theirs[k]]
    if differ:
        raise UserError(f"--init_from {config.init_from}: its model has " + ", ".join(
            f"{k} {theirs[k]}" for k in differ) + "; this run asks for " + ", ".join(
            f"{k} {mine[k]}" for k in differ) + " — pass " + " ".join(
            f"--{k} {theirs[k]}" for k in differ) + " (fine-tuning keeps the model's shape)")
    vocab = base.get("vocab_path")
    if config.vocab_file is None and vocab:
        return dataclasses.replace(config, vocab_file=vocab)
    if vocab and pathlib.Path(config.vocab_file).read_bytes() != pathlib.Path(vocab).read_bytes():
        raise UserError(f"--vocab_file {config.vocab_file} is not the vocabulary of --init_from "
                        f"{config.init_from} — leave --vocab_file out: fine-tuning uses the "
                        "model's own")
    return config


# ONE table for the numeric flags of summarize and evaluate (train's: config.RULES). Every
# numeric value of the parsed arguments must have a row: a new flag cannot skip the check.
FLAG_RULES = {
    "max_new_tokens": optional(integer(1, MAX_TOKENS)),
    "max_input_tokens": optional(integer(1, MAX_TOKENS)),
    "temperature": number(0),
    "seed": integer(0, 2 ** 32 - 1),
    "beam_width": integer(1, 256),
    "length_penalty": number(-10, 10),
    "batch_size": integer(1, 4096),
    "attention_max_tokens": integer(4, 4096),
    "n": integer(0),
    "samples": integer(0),
    "no_repeat_ngram_size": Rule(
        "0 (off) or an integer ≥ 2", lambda v: integer(0, MAX_TOKENS)(v) and v != 1),
    "repetition_penalty": number(1),
    "lead_prior": optional(number(0, 1e6)),
    "min_sentences": optional(integer(1, MAX_TOKENS)),
}


def check_decoding(args, *minimums):
    """UserError for the first numeric flag outside its ``FLAG_RULES`` row (then any
    ``(flag, value, lowest)`` of ``minimums``, kept for callers that pass them)."""
    for dest, value in vars(args).items():
        rule = FLAG_RULES.get(dest)
        if rule is None:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                raise AssertionError(f"the numeric flag {dest} has no row in config.FLAG_RULES")
            continue
        if not rule(value):
            raise UserError(f"--{dest.replace('_', '-')}={value} must be {rule.what}")
    for flag, value, low in minimums:
        if value < low:
            raise UserError(f"{flag}={value} must be ≥ {low}")
