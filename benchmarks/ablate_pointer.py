"""Does each term of the pointer head earn its place? (issues #28 and #35)

    python -m benchmarks.ablate_pointer --terms prev_key continuation token_match gate_context coverage
        [--base build/model] [--out build/ablate_pointer]

For each term, trains ``make train``'s recipe (the same corpus, seed and 1,200 steps) with that
term removed, then scores the checkpoint on the DEV sets of ``study_lead_prior`` (the
generator's held-out articles 100–199, the hand-written new-shape and other-topic DEV sets,
100 pairs of the CNN/DailyMail sample's train split) and on its TEST sets, decoded as
``summarize`` does (``--copy sentences``, the default lead prior). ``--base`` scores a
checkpoint of the full head trained by the same recipe (``make train``'s ``build/model``).

A term is removed by zeroing its weight (by name, ``pointer.weight_shapes``) inside
``PointerHead.parts`` for training and decoding alike (its gradient is then zero, so it stays at
its initial value, unused):

    prev_key       w_key_prev (Wp): the key's h_{s-1} Wp term ("the token after the one I just
                   wrote")
    continuation   beta (β): the previous step's pointer moved one position on
    token_match    gamma (γ1, γ2): [x_{s-1} = x_t] and [x_{s-1} = x_t ∧ x_{s-2} = x_{t-1}]
    gate_context   w_gate_context (wc): the gate reads the copy's context c_t
    coverage       kappa (κ): copying a token the summary already holds costs κ per time

Writes ``benchmarks/results/ablate_pointer.json`` (merged: one entry per term).
"""
import argparse
import json
import pathlib
import time

from benchmarks import text_sets_dev, text_sets_test
from benchmarks.common import RESULTS_DIR
from benchmarks.study_lead_prior import CNN, score

OUT = RESULTS_DIR / "ablate_pointer.json"
# term → the PointerHead weight that switches it off at zero
TERMS = {"prev_key": "w_key_prev", "continuation": "beta", "token_match": "gamma",
         "gate_context": "w_gate_context", "coverage": "kappa"}


def remove(term):
    """Patch ``PointerHead.parts`` so that ``term``'s weight reads as zeros (None: no patch)."""
    import jax.numpy as jnp

    from trax_models.models import pointer
    if term is None:
        return
    name = TERMS[term]
    original = pointer.PointerHead.parts

    def parts(self, inputs):
        full = self.weights
        self.weights = dict(full, **{name: jnp.zeros_like(full[name])})
        try:
            return original(self, inputs)
        finally:
            self.weights = full

    pointer.PointerHead.parts = parts


def evaluate(checkpoint):
    from trax_models import sources
    from trax_models.sources import files
    from trax_models.summarizer import checkpoint as ckpt
    from trax_models.summarizer import evaluate as ev
    from trax_models.summarizer.generate import DEFAULT_LEAD_PRIOR
    config = ckpt.load_config(checkpoint)
    source, options = ev._source(config, None)
    generated = ev._pairs(source, options, "validation", 200)
    facts_of = sources.facts_of(source, "validation", **options)
    cnn_train = list(files.file_split(CNN, "train", 0, summary_key="highlights"))[:100]
    cnn_test = list(files.file_split(CNN, "validation", 0, summary_key="highlights"))[:100]
    return {
        "dev": score(checkpoint, DEFAULT_LEAD_PRIOR, generated[100:], facts_of,
                     (text_sets_dev.NEW_SHAPES_DEV, text_sets_dev.OTHER_TOPICS_DEV), cnn_train),
        "test": score(checkpoint, DEFAULT_LEAD_PRIOR, generated[:100], facts_of,
                      (text_sets_test.NEW_SHAPES_TEST, text_sets_test.OTHER_TOPICS_TEST),
                      cnn_test),
    }


def _save(name, row):
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    results[name] = row
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--terms", nargs="*", default=list(TERMS), choices=list(TERMS))
    p.add_argument("--base", default=None, help="a full-head checkpoint of the same recipe")
    p.add_argument("--out", default="build/ablate_pointer")
    args = p.parse_args(argv)
    if args.base:
        _save("full head", {"checkpoint": args.base, **evaluate(args.base)})
        print("full head", json.dumps(json.loads(OUT.read_text())["full head"]["dev"]["generated"]))
    for term in args.terms:  # one process per term: a patch must not leak into the next run
        import multiprocessing
        ctx = multiprocessing.get_context("spawn")
        proc = ctx.Process(target=_one, args=(term, args.out))
        proc.start()
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"{term}: exit {proc.exitcode}")


def _one(term, out):
    from trax_models.summarizer import cli
    remove(term)
    folder = pathlib.Path(out) / term
    start = time.perf_counter()
    cli.train(["--output_dir", str(folder), "--fresh", "--samples", "0"])
    seconds = round(time.perf_counter() - start, 1)
    row = {"checkpoint": str(folder), "train_seconds": seconds, **evaluate(str(folder))}
    _save(f"without {term}", row)
    print(f"without {term}", json.dumps(row["dev"]["generated"]), flush=True)


if __name__ == "__main__":
    main()
