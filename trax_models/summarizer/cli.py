"""The command lines: argparse, then one library call each (``python -m trax_models CMD``).

    train      -> summarizer.train.train(TrainConfig)          (``make train``)
    summarize  -> Summarizer.from_checkpoint(DIR).summarize(texts)
    evaluate   -> summarizer.evaluate.evaluate(DIR, ...)

The decoding flags of ``summarize`` and ``evaluate`` are written once (``_decoding_flags``) and
checked once (``config.check_decoding``). Every command's flags take dashes or underscores
(``spellings``) and its ``--help`` shows each default once (``HelpFormatter``). A
``UserError`` becomes one ``error:`` line and exit status 2 (``trax_models.__main__``).
"""
import argparse
import json
import pathlib
import sys
import warnings

from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.summarizer import checkpoint, evaluate, html_view, registry, salience, words
from trax_models.summarizer import config as rules
from trax_models.summarizer.attention_plot import plot_for_summary
from trax_models.summarizer.baselines import BASELINES
from trax_models.summarizer.config import TrainConfig, with_overrides
from trax_models.summarizer.generate import (
    DEFAULT_COPY,
    DEFAULT_LEAD_PRIOR,
    DEFAULT_MIN_SENTENCES,
    MAX_NEW_TOKENS,
    METHODS,
    UNFAMILIAR_LEAD_PRIOR,
    Summarizer,
    TruncationWarning,
    check_caps,
)
from trax_models.summarizer.inputs import MAX_INPUT_BYTES, check_output_file, check_output_folder, read_inputs
from trax_models.summarizer.presets import PRESETS
from trax_models.summarizer.train import train as run_training

__all__ = ["train", "summarize", "evaluate_cli", "train_parser", "summarize_parser",
           "evaluate_parser", "config_from_args", "spellings", "HelpFormatter"]


# --- train ------------------------------------------------------------------------------------

def _ints(text):
    try:
        return tuple(int(x) for x in text.replace(",", " ").split())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 256,512 — got {text!r}")


def train_parser():
    """``train``'s flags: TrainConfig's fields (the dests), their defaults, both spellings."""
    d = TrainConfig()
    p = argparse.ArgumentParser(
        prog="python -m trax_models train",
        description="Train the course's Transformer summarizer (decoder-only over article + "
                    "[EOS, SEP] + summary, loss on the summary; or --model encoder_decoder) "
                    "with trax's training Loop; the same command again resumes from "
                    "--output-dir. Settings: the defaults, then --gin-file / --gin-param "
                    "bindings (TrainConfig.steps = 3000, and any trax configurable), then the "
                    "flags given here, with dashes or underscores (--output-dir, --output_dir).",
        formatter_class=HelpFormatter)

    def flag(group, name, **kwargs):
        group.add_argument(*spellings(name), default=getattr(d, name[2:]), **kwargs)

    flag(p, "--preset", choices=sorted(PRESETS),
         help="named settings under the other flags: cpu = the defaults shown here (the "
              "embedded corpus, a 2-core model); course = the graded assignment's full-size run "
              "(d_model 512, 6 layers, 8 heads, 33,300 outputs, CNN/DailyMail, the course's "
              "buckets and schedule; needs --data-dir and the course's --vocab-file, and a GPU)")
    g = p.add_argument_group("data")
    flag(g, "--source", help="'default' (the embedded generated news corpus), 'cnn_dailymail' "
                             "(needs --data-dir with the prepared TFDS dataset), or a .jsonl/"
                             ".csv/.tsv file of (article, summary) pairs")
    flag(g, "--data_dir", metavar="DIR",
         help="TFDS data_dir: where cnn_dailymail is prepared (required for it), or where the "
              "generated corpus is cached (default: none; the corpus is cached in "
              "$TRAX_MODELS_CACHE or ~/.cache/trax_models)")
    flag(g, "--article_key", metavar="FIELD",
         help="article field of a JSONL/CSV file (default: article)")
    flag(g, "--summary_key", metavar="FIELD",
         help="summary field of a JSONL/CSV file (default: summary)")
    flag(g, "--eval_fraction", type=float, metavar="FRACTION",
         help="held-out fraction of a single file, split fixed by --seed (default: 0.1)")
    flag(g, "--vocab_file", metavar="FILE",
         help="subword vocabulary file (default: the source's own, built from the training "
              "split and cached)")
    flag(g, "--vocab_size", type=int, metavar="N", help="size of a vocabulary built for the source")
    flag(g, "--model_vocab_size", type=int, metavar="N",
         help="the model's output rows when wider than the vocabulary (the course: 33300 over "
              "its 33,021-entry file) (default: the vocabulary's size)")
    flag(g, "--max_length", type=int, metavar="TOKENS",
         help="longest article+summary in tokens (encoder_decoder: longest article, and "
              "summary); longer articles are truncated; also the model's max_len")
    flag(g, "--boundaries", type=_ints, metavar="N,N",
         help="bucket boundaries in tokens, e.g. 256,384")
    flag(g, "--batch_sizes", type=_ints, metavar="N,N,N",
         help="batch size per bucket (one more than boundaries), multiples of the device count")
    flag(g, "--shuffle_buffer", type=int, metavar="N", help="training pairs shuffled together")
    flag(g, "--targets", choices=("reference", "sentences"),
         help="what the model learns to write: the data's summaries, or the article's sentences "
              "that best match them (at most 3; an extractive target, for a file of real "
              "(article, summary) pairs)")
    flag(g, "--article_weight", type=float, metavar="W",
         help="decoder-only models (transformer_lm, pointer_lm): loss weight of the article "
              "tokens (the course: 0, the loss is on the summary only); a small value also "
              "trains the language model on the articles: more signal per example, faster "
              "learning to copy names")
    g = p.add_argument_group("model")
    flag(g, "--model", choices=sorted(registry.MODELS),
         help="pointer_lm (make train's): the course's decoder-only body with a "
              "pointer-generator head that copies names and numbers from the article "
              "(trax_models/models/pointer.py); transformer_lm: the course's model as graded; "
              "encoder_decoder: the full Transformer (bidirectional encoder, causal decoder "
              "with cross-attention; --n-layers blocks in each stack); t5: the encoder_decoder "
              "on several tasks at once, each chosen by its input's prefix (--tasks, --mixing)")
    flag(g, "--tasks", metavar="NAME[=N],…",
         help="--model t5: of summarize, question, classify, stsb, entities, each optionally "
              "with its number of examples, stsb=300 (default: all five at their sizes)")
    flag(g, "--mixing", metavar="SPEC", help="--model t5: proportional[:K] (to the tasks' "
         "examples, capped at K), temperature:T[:K] or equal (default: proportional:3000)")
    flag(g, "--d_model", type=int, metavar="N", help="width of the token vectors in every layer")
    flag(g, "--d_ff", type=int, metavar="N", help="hidden width of each block's feed-forward layer")
    flag(g, "--n_layers", type=int, metavar="N", help="layers (encoder_decoder: in each stack)")
    flag(g, "--n_heads", type=int, metavar="N",
         help="attention heads per block (d_model must divide evenly among them)")
    flag(g, "--dropout", type=float, help="dropout rate in training (0 = off)")
    flag(g, "--init_from", metavar="DIR",
         help="fine-tune: start from the weights of a trained run folder (e.g. make train's "
              "build/model) and use its vocabulary; the model settings must be its own (default: "
              "none, random weights)")
    g = p.add_argument_group("optimization")
    flag(g, "--steps", type=int, help="total training steps")
    flag(g, "--lr", type=float, help="peak learning rate (Adam)")
    flag(g, "--warmup_steps", type=int, metavar="N",
         help="linear warm-up steps, then 1/sqrt(step) decay")
    flag(g, "--seed", type=int, help="seed for initialization, dropout, shuffling and splits")
    g = p.add_argument_group("output")
    flag(g, "--output_dir", metavar="DIR", help="checkpoint directory (resumed if it holds one)")
    flag(g, "--fresh", action="store_true", help="discard --output-dir's checkpoint, start over")
    flag(g, "--eval_every", type=int, metavar="STEPS", help="steps between evals")
    flag(g, "--eval_batches", type=int, metavar="N", help="held-out batches per eval")
    flag(g, "--checkpoint_every", type=int, metavar="STEPS",
         help="steps between checkpoints saved to --output-dir")
    flag(g, "--rouge_articles", type=int, metavar="N",
         help="held-out articles summarized at the end for ROUGE (0: skip)")
    flag(g, "--samples", type=int, help="held-out samples printed at the end")
    flag(g, "--max_summary_len", type=int, metavar="TOKENS", help="cap on generated summary tokens")
    flag(g, "--verbose", action="store_true", help="also print trax's own log lines")
    g = p.add_argument_group("gin")
    g.add_argument(*spellings("--gin_file"), action="append", default=[], metavar="FILE",
                   help="gin config file: TrainConfig.<flag> = value, plus trax configurables "
                        "(repeatable; default: none)")
    g.add_argument(*spellings("--gin_param"), action="append", default=[], metavar="BINDING",
                   help="one gin binding, e.g. \"TrainConfig.steps = 100\" (repeatable; "
                        "default: none)")
    return p


def config_from_args(argv):
    """TrainConfig from defaults ← the preset ← gin bindings ← the flags given explicitly."""
    parser = train_parser()
    args = parser.parse_args(argv)
    given = train_parser()
    for action in given._actions:  # parse again with no defaults: exactly the flags given
        action.default = argparse.SUPPRESS
    explicit = vars(given.parse_args(argv))
    return with_overrides(explicit, args.gin_file, args.gin_param, defaults=vars(args))


def train(argv):
    """``python -m trax_models train [options]``: see ``--help``."""
    run_training(config_from_args(argv))
    return 0


# --- the help and spellings every command shares ----------------------------------------------

def spellings(flag):
    """``--max-new-tokens`` and ``--max_new_tokens``: every command's multi-word flags take
    both (the dest is the underscore name: ``train``'s stay TrainConfig's field names)."""
    dashes, underscores = "--" + flag[2:].replace("_", "-"), "--" + flag[2:].replace("-", "_")
    return [dashes] if dashes == underscores else [dashes, underscores]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every command's ``--help``: each flag's default appended once, "(default: 4)"; nothing
    for None, [], a switch or a required flag (their help says what happens without them)."""

    def _get_help_string(self, action):
        d = action.default
        if action.required or d is None or d == [] or isinstance(d, bool):
            return action.help
        text = super()._get_help_string(action)  # a tuple as typed: 256,384
        return text.replace("%(default)s", ",".join(map(str, d))) if isinstance(d, tuple) else text


# --- decoding flags, shared by summarize and evaluate --------------------------------------------

def _decoding_flags(p):
    p.add_argument("--method", choices=METHODS, default="greedy",
                   help="greedy: the likeliest token at each step; sample: drawn at "
                        "--temperature with --seed; beam: --beam-width hypotheses scored with "
                        "--length-penalty")
    p.add_argument(*spellings("--max-new-tokens"), type=int, default=None, metavar="N",
                   help=f"cap on summary tokens (default: {MAX_NEW_TOKENS}, at most half the "
                        "model's max_len)")
    p.add_argument("--copy", choices=("sentences", "words", "off"), default=DEFAULT_COPY,
                   help="what a summary is made of: whole sentences of the article; whole words "
                        "(article words or common English words, names and numbers only from "
                        "the article); off: the model's own choice at every token")
    p.add_argument(*spellings("--lead-prior"), type=float, default=None, metavar="NATS",
                   help="--copy sentences: added to the log-prob of opening the summary with "
                        "the article's first sentence; 0 = off: the model alone picks the "
                        f"sentences (default: {DEFAULT_LEAD_PRIOR:g} with --copy sentences, "
                        f"{UNFAMILIAR_LEAD_PRIOR:g} for an article unlike the training text, "
                        "else 0; a value given is used for every article)")
    p.add_argument(*spellings("--min-sentences"), type=int, default=None, metavar="N",
                   help="--copy sentences: the fewest sentences a summary holds (fewer only "
                        f"when the article has no more; default: {DEFAULT_MIN_SENTENCES}; "
                        "1: the model decides)")
    p.add_argument("--salience", choices=("on", "off"), default="on",
                   help="--copy sentences with a checkpoint trained with --targets sentences: "
                        "on: its salience ranker (learned from your pairs) chooses the "
                        "sentences; off: the model decodes")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="--method sample: sampling temperature (0 = greedy)")
    p.add_argument("--seed", type=int, default=0, help="--method sample: sampling seed")
    p.add_argument(*spellings("--beam-width"), type=int, default=4, metavar="N",
                   help="--method beam: hypotheses kept at each step")
    p.add_argument(*spellings("--length-penalty"), type=float, default=0.6, metavar="ALPHA",
                   help="--method beam: beam score = logp / ((5 + length) / 6) ** ALPHA")
    p.add_argument(*spellings("--no-repeat-ngram-size"), type=int, default=0, metavar="N",
                   help="any method: no n-gram of this size twice in a summary (its completing "
                        "token gets log-prob -inf); counts the generated summary only, not the "
                        "article; 0 = off")
    p.add_argument(*spellings("--repetition-penalty"), type=float, default=1.0, metavar="P",
                   help="any method: log-probs of tokens already in the generated summary (not "
                        "the article) are multiplied by this (≥ 1: lowered); 1 = off")
    p.add_argument(*spellings("--batch-size"), type=int, default=8, metavar="N",
                   help="articles decoded at once")


def _copy(args):
    """``--copy`` as ``Summarizer``'s copy argument (off: None)."""
    return None if args.copy == "off" else args.copy


def _uses_salience(args, *drawing_flags):
    """Whether the checkpoint's salience ranker writes the summaries; UserError for a flag
    that only the model's decoding reads."""
    if (args.salience == "off" or args.copy != "sentences"
            or salience.load(pathlib.Path(args.checkpoint)) is None):
        return False
    for flag, given in (("--method", args.method != "greedy"),
                        ("--lead-prior", args.lead_prior is not None),
                        ("--min-sentences", args.min_sentences is not None),
                        ("--max-new-tokens", args.max_new_tokens is not None),
                        ("--max-input-tokens", getattr(args, "max_input_tokens", None) is not None),
                        ("--no-repeat-ngram-size", args.no_repeat_ngram_size != 0),
                        ("--repetition-penalty", args.repetition_penalty != 1.0), *drawing_flags):
        if given:
            raise UserError(f"{flag} is for the model's decoding, but {args.checkpoint} has a "
                            f"salience ranker ({salience.FILE}) that chooses the summary's "
                            f"sentences — add --salience off to decode with the model, or drop "
                            f"{flag}")
    return True


def _sentence_options(args):
    """``Summarizer``'s lead_prior, unfamiliar_lead_prior and min_sentences: the defaults with
    --copy sentences, else off; a ``--lead-prior`` for every article; refused with other
    copies."""
    for flag, given in (("--lead-prior", bool(args.lead_prior)),  # 0: off, fine anywhere
                        ("--min-sentences", args.min_sentences not in (None, 1))):
        if given and args.copy != "sentences":
            raise UserError(f"{flag} needs --copy sentences (a summary of whole sentences), "
                            f"not --copy {args.copy}: drop {flag} or pass --copy sentences")
    sentences = args.copy == "sentences"
    options = {"min_sentences": (args.min_sentences if args.min_sentences is not None
                                 else DEFAULT_MIN_SENTENCES if sentences else 1)}
    if args.lead_prior is not None:
        return {**options, "lead_prior": args.lead_prior, "unfamiliar_lead_prior": None}
    if not sentences:
        return {**options, "lead_prior": 0.0, "unfamiliar_lead_prior": None}
    return {**options, "lead_prior": DEFAULT_LEAD_PRIOR,
            "unfamiliar_lead_prior": UNFAMILIAR_LEAD_PRIOR}


def _decoding_options(args):
    """The method's own options (sampling: temperature, seed; beam: width, penalty), and the
    controls of every method (no_repeat_ngram_size, repetition_penalty)."""
    controls = {"no_repeat_ngram_size": args.no_repeat_ngram_size,
                "repetition_penalty": args.repetition_penalty}
    if args.method == "sample":
        return {"temperature": args.temperature, "seed": args.seed, **controls}
    if args.method == "beam":
        return {"beam_width": args.beam_width, "length_penalty": args.length_penalty, **controls}
    return controls


# --- summarize --------------------------------------------------------------------------------

def summarize_parser():
    p = argparse.ArgumentParser(
        prog="python -m trax_models summarize",
        description="Summarize text files (or stdin) with a trained checkpoint (its model and "
                    "vocabulary). Flags take dashes or underscores (--max-new-tokens or "
                    "--max_new_tokens).",
        formatter_class=HelpFormatter)
    p.add_argument("inputs", nargs="*", metavar="FILE",
                   help="text files, one article each; '-' or none: read stdin. At most "
                        f"{MAX_INPUT_BYTES >> 20} MiB each (the model reads the first few "
                        "hundred words); UTF-8, else read as Windows-1252 with a warning")
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help="the --output-dir of `python -m trax_models train` (make train's: "
                        "build/model)")
    _decoding_flags(p)
    p.add_argument(*spellings("--max-input-tokens"), type=int, default=None, metavar="N",
                   help="cap on the prompt's tokens: the article's (cut from its end) and "
                        "the 2 that close it (encoder_decoder: 1) (default: what the model's "
                        "max_len leaves after --max-new-tokens)")
    p.add_argument("--json", action="store_true",
                   help="one JSON line per input: source, summary, unfamiliar_share")
    p.add_argument(*spellings("--attention-png"), metavar="PATH", default=None,
                   help="also save the first input's attention heatmaps (every layer and head; "
                        "cut to --attention-max-tokens) as a PNG (default: no PNG)")
    p.add_argument(*spellings("--attention-max-tokens"), type=int, default=96, metavar="N",
                   help="longest sequence the heatmap shows (the article is cut to fit)")
    p.add_argument("--html", metavar="PATH", default=None,
                   help="also write one self-contained HTML page (no network; open it in any "
                        "browser) of every input: the article beside its summary; pointing at a "
                        "summary word shades the article by that step's copy attention and "
                        "shows the gate, the top candidates and every layer's and head's "
                        "attention (default: no page)")
    return p


def summarize(argv):
    """``python -m trax_models summarize --checkpoint DIR [FILE …|-]``; returns the exit code."""
    args = summarize_parser().parse_args(argv)
    rules.check_decoding(args)
    config = checkpoint.load_config(args.checkpoint)  # reported before stdin is read
    if args.attention_png and not registry.kind(config["model"]).plots_attention:
        raise UserError(f"--attention-png draws a decoder-only model's causal self-attention "
                        f"(transformer_lm, pointer_lm); {args.checkpoint} holds a "
                        f"{config['model']!r} model — drop the flag")
    if args.attention_png:
        check_output_file("--attention-png", args.attention_png, ".png")
    if args.html:
        check_output_file("--html", args.html, ".html")
    check_caps(config["model"], config["model_args"], args.max_input_tokens, args.max_new_tokens)
    use_salience = _uses_salience(args, ("--html", args.html),
                                  ("--attention-png", args.attention_png))
    inputs = read_inputs(args.inputs)  # before the weights load: a bad input fails fast
    summarizer = Summarizer.from_checkpoint(args.checkpoint, use_salience=use_salience,
                                            max_input_len=args.max_input_tokens,
                                            max_new_tokens=args.max_new_tokens, copy=_copy(args),
                                            **_sentence_options(args))
    model_vocab = vocab.load_vocab(summarizer.vocab_file)
    unfamiliar = [words.unfamiliar_share(text, model_vocab) for _, text in inputs]
    for (name, _), share in zip(inputs, unfamiliar):
        if share > words.UNFAMILIAR_WARNING:
            where = "stdin" if name == "-" else name
            print(f"warning: {where} is unlike the model's training text: its vocabulary splits "
                  f"{share:.0%} of the article's lower-case words into pieces — expect a weaker "
                  "summary (README: what to expect on your own text)", file=sys.stderr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TruncationWarning)
        summaries = summarizer.summarize([text for _, text in inputs], method=args.method,
                                         batch_size=args.batch_size, **_decoding_options(args))
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    for (name, _), summary, share in zip(inputs, summaries, unfamiliar):
        if args.json:
            print(json.dumps({"source": name, "summary": summary,
                              "unfamiliar_share": round(share, 4)}, ensure_ascii=False))
        elif len(inputs) > 1:
            print(f"==> {name} <==\n{summary}\n")
        else:
            print(summary)
    if args.attention_png:
        path = plot_for_summary(summarizer, inputs[0][1], args.attention_png,
                                max_tokens=args.attention_max_tokens, method=args.method,
                                **_decoding_options(args))
        print(f"attention heatmaps: {path}", file=sys.stderr)
    if args.html:
        views = _html_views(summarizer, inputs, args, unfamiliar)
        for (name, _), view, summary in zip(inputs, views, summaries):
            if view.data["summary"] != summary:  # sampling draws per batch: decoded alone here
                print(f"warning: the HTML page shows {name}'s summary decoded alone, which "
                      f"differs from the one printed ({args.method} decoding draws per batch; "
                      "--batch-size 1 gives the same)", file=sys.stderr)
        print(f"html view: {html_view.write_html(args.html, views)}", file=sys.stderr)
    return 0


def _html_views(summarizer, inputs, args, unfamiliar=None):
    """``html_view.collect`` of each (name, text) input, with the command's decoding flags."""
    unfamiliar = unfamiliar or [None] * len(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)  # warned once already
        return [html_view.collect(summarizer, text, method=args.method, source=name,
                                  unfamiliar=share, **_decoding_options(args))
                for (name, text), share in zip(inputs, unfamiliar)]


# --- evaluate ---------------------------------------------------------------------------------

def evaluate_parser():
    p = argparse.ArgumentParser(
        prog="python -m trax_models evaluate",
        description="ROUGE-1/2/L/Lsum (with 95% bootstrap intervals) of a checkpoint's "
                    "summaries on a data split, next to extractive baselines (Lead-3, TextRank, "
                    "LexRank) on the same pairs: a table, and a JSON file only with --json. "
                    "Flags take dashes or underscores (--data-dir or --data_dir).",
        formatter_class=HelpFormatter)
    p.add_argument("--checkpoint", required=True, metavar="DIR",
                   help="the --output-dir of `python -m trax_models train`; only read")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="'default' (the embedded corpus), 'cnn_dailymail' (with --data-dir) or "
                        "a .jsonl/.csv/.tsv file of pairs (default: its training data)")
    p.add_argument("--split", default="validation", choices=("train", "validation", "test"),
                   help="which split of --data to summarize")
    for flag, metavar, what, otherwise in (
            ("--data_dir", "DIR", "TFDS data_dir of a prepared cnn_dailymail", "none"),
            ("--article_key", "FIELD", "article field of a JSONL/CSV file", "article"),
            ("--summary_key", "FIELD", "summary field of a JSONL/CSV file (CNN/DM files: "
                                       "highlights)", "summary")):
        p.add_argument(*spellings(flag), default=None, metavar=metavar, help=f"{what} (default: "
                       f"the checkpoint's own when --data is not given, else {otherwise})")
    p.add_argument("--n", type=int, default=100, help="articles to evaluate (0 = all)")
    p.add_argument("--samples", type=int, default=3,
                   help="summaries printed next to their references")
    p.add_argument("--baselines", default="lead3,textrank,lexrank",
                   help="extractive baselines scored on the same articles, comma-separated "
                        f"subset of {','.join(BASELINES)} (Lead-3 is always included)")
    _decoding_flags(p)
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write the results to this .json file (default: none, the table only)")
    p.add_argument("--html", default=None, metavar="DIR",
                   help="also write each printed sample's HTML page (sample-1.html, …: the "
                        "article beside its summary, attention and copy per word, as "
                        "summarize --html) into this folder (created when its parent exists) "
                        "(default: no pages)")
    return p


def evaluate_cli(argv):
    """``python -m trax_models evaluate --checkpoint DIR [--data SOURCE]``; the exit code."""
    args = evaluate_parser().parse_args(argv)
    rules.check_decoding(args, ("--n", args.n, 0), ("--samples", args.samples, 0))
    if args.json is not None:
        check_output_file("--json", args.json, ".json")
    if args.html is not None:
        check_output_folder("--html", args.html)
    chosen = [b.strip() for b in args.baselines.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BASELINES]
    if unknown:
        raise UserError(f"--baselines {','.join(unknown)}: unknown — choose from "
                        f"{','.join(BASELINES)}")
    use_salience = _uses_salience(args, ("--html", args.html is not None))
    evaluate.evaluate(
        args.checkpoint, data_source=args.data, split=args.split, n=args.n,
        samples=args.samples, json_path=args.json, method=args.method,
        max_new_tokens=args.max_new_tokens, batch_size=args.batch_size,
        copy=_copy(args), **_sentence_options(args), use_salience=use_salience,
        data_options={"data_dir": args.data_dir, "article_key": args.article_key,
                      "summary_key": args.summary_key}, baselines=chosen,
        **_decoding_options(args))
    if args.html is not None and args.samples:
        _evaluate_html(args)
    return 0


def _evaluate_html(args):
    """``evaluate --html DIR``: the printed samples (the split's first ``--samples`` pairs, as
    ``evaluate`` reads them) each as ``sample-N.html``, decoded as ``evaluate`` decoded them."""
    config = checkpoint.load_config(args.checkpoint)
    source, options = evaluate._source(config, args.data, data_dir=args.data_dir,
                                       article_key=args.article_key,
                                       summary_key=args.summary_key)
    pairs = evaluate._pairs(source, options, args.split, args.samples)
    summarizer = Summarizer.from_checkpoint(args.checkpoint, use_salience=False,  # the model's
                                            max_new_tokens=args.max_new_tokens,
                                            copy=_copy(args), **_sentence_options(args))
    inputs = [(f"sample {i} of {source} ({args.split})", evaluate._text(article))
              for i, (article, _) in enumerate(pairs, 1)]
    folder = pathlib.Path(args.html)
    folder.mkdir(exist_ok=True)
    for i, view in enumerate(_html_views(summarizer, inputs, args), 1):
        path = html_view.write_html(folder / f"sample-{i}.html", [view])
        print(f"html view: {path}", file=sys.stderr)
