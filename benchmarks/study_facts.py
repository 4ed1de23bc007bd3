"""Which recipe makes the summarizer copy the facts? (issue #15)

Trains variants with the same seed and budget, one after the other (each in its own
process, under ``nice``), and merges their held-out figures into
``benchmarks/results/facts_study.json``: fact accuracy (``trax_models.summarizer.facts``),
hallucination rate, ROUGE-1/2/L, eval token accuracy, steps, wall seconds, steps/s.

    python -m benchmarks.study_facts --variants course,pointer --steps 400 --rouge_articles 50
    python -m benchmarks.study_facts --variants pointer --steps 1200      # the full budget

A variant is a set of ``python -m trax_models train`` flags on top of the defaults
(``VARIANTS``). Entries are keyed by (variant, steps, corpus): re-running one replaces it.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "facts_study.json"

# The course model with TrainConfig's defaults of before issue #15 is "course".
VARIANTS = {
    "course": ["--model", "transformer_lm"],
    "course_aw1": ["--model", "transformer_lm", "--article_weight", "1.0"],
    "pointer": ["--model", "pointer_lm"],
    "pointer_aw0": ["--model", "pointer_lm", "--article_weight", "0"],
    "pointer_aw1": ["--model", "pointer_lm", "--article_weight", "1.0"],
    "pointer_lr2e-3": ["--model", "pointer_lm", "--lr", "0.002"],
    "pointer_v2k": ["--model", "pointer_lm", "--vocab_size", "2000"],
    "course_v2k": ["--model", "transformer_lm", "--vocab_size", "2000"],
    "pointer_drop0.1": ["--model", "pointer_lm", "--dropout", "0.1"],
    "pointer_aw0.3": ["--model", "pointer_lm", "--article_weight", "0.3"],
}


# Hand-written in-domain articles: shorter and ordered unlike the generator's, with names,
# places and products outside its entity lists. (article, facts of the summary we expect)
HANDWRITTEN = [
    ("Kilbride Otters ran out 4-1 winners against Dunmore Rovers on Saturday. The game was "
     "played in Carrowmore in front of 8,200 fans. Ines Valverde scored 3 goals for Kilbride "
     "Otters. Coach Tomas Brekke said the team had worked hard all season.",
     ["Kilbride Otters", "Dunmore Rovers", "4", "1", "Carrowmore", "Saturday", "Ines Valverde",
      "3", "goals"]),
    ("Shares moved sharply after the news. Revenue at Zephyrix Analytics fell 12 percent in "
     "the third quarter. Sales for the period reached $455 million. According to chief "
     "executive Oona Fairweather, electric scooters drove the result. Analysts in Marlow Bay "
     "were surprised.",
     ["Zephyrix Analytics", "third", "fell", "12", "455", "Oona Fairweather",
      "electric scooters"]),
    # the generator's wordings, but short, reordered (facts first) and with new names:
    ("Ines Valverde scored 2 goals for Kilbride Otters. Kilbride Otters beat Ashby Vale "
     "Wanderers 3-1 in the end. A crowd of 4,512 watched the game in Rathmore on Sunday.",
     ["Kilbride Otters", "Ashby Vale Wanderers", "3", "1", "Rathmore", "Sunday",
      "Ines Valverde", "2", "goals"]),
    ("Turnout was 61 percent. Standing for the Green League, Marisol Quintero won 58 percent "
     "of the vote, beating Jonas Eberhardt. Marisol Quintero won the race to become mayor of "
     "Port Ellery.",
     ["Marisol Quintero", "Green League", "Port Ellery", "58", "Jonas Eberhardt", "61"]),
    ("A court in Lisdoonvarna found Halvard Brekke guilty of fraud on Tuesday. Judge Ines "
     "Valverde sentenced Halvard Brekke to 7 years in prison. The trial lasted 3 weeks.",
     ["Lisdoonvarna", "Halvard Brekke", "fraud", "Tuesday", "Ines Valverde", "7"]),
]

# Five more, written on 2 Dec after the pointer head's token-match terms were chosen on the five
# above, and not used to choose anything since: the study's test set of hand-written articles.
HANDWRITTEN_UNSEEN = [
    ("Storm Brannoch swept across the Kestrel Coast on Friday. Up to 120 millimetres of rain "
     "fell in some villages. By the evening about 14,300 homes in Tullagh had no electricity. "
     "Police asked drivers to stay off the roads.",
     ["Brannoch", "120", "Kestrel Coast", "Friday", "14,300", "Tullagh"]),
    ("A new species of moth has been discovered by scientists at the University of Ballyvore. "
     "Priya Ramaswamy led the team, which searched an old quarry for 4 years. The work is "
     "published in the Journal of Insect Life.",
     ["Ballyvore", "Priya Ramaswamy", "moth", "quarry", "Journal of Insect Life"]),
    ("Both goals came from Tadhg Oyelaran as Brackwater City won 2-0 against Fenwick Rangers "
     "in Glenmora on Wednesday. Around 3,100 supporters were at the ground.",
     ["Brackwater City", "Fenwick Rangers", "2", "0", "Glenmora", "Wednesday",
      "Tadhg Oyelaran"]),
    ("Quorvane Systems said revenue rose 9 percent in the second quarter, to $212 million. "
     "Chief executive Bettina Sorlie said demand for solar batteries was strong. Its rival "
     "Halden Works reported lower sales.",
     ["Quorvane Systems", "second", "rose", "9", "212", "Bettina Sorlie", "solar batteries"]),
    ("Voters in Ardnacrusha chose Tobias Lindqvist of the Harbour Party as their new mayor. "
     "He won 53 percent of the vote against Elspeth Marron. Turnout was 47 percent.",
     ["Tobias Lindqvist", "Harbour Party", "Ardnacrusha", "53", "Elspeth Marron", "47"]),
]


# Set C, written on 2 Dec before corpus v8 (joint key sentences, not kept) was trained, after
# v8's wordings were chosen with the failures on HANDWRITTEN_UNSEEN in view.
HANDWRITTEN_C = [
    ("Magistrates in Kilcolgan jailed Oskar Vendramin for 5 years on Thursday after finding "
     "him guilty of arson. The sentence was passed by Judge Fenella Ashcombe.",
     ["Kilcolgan", "Oskar Vendramin", "arson", "Thursday", "Fenella Ashcombe", "5"]),
    ("Drumcliff Harriers came from behind to beat Larkhill Swifts 3-2 in Ballinasloe on "
     "Monday. Maeve Okonjo scored 2 goals, including the winner.",
     ["Drumcliff Harriers", "Larkhill Swifts", "3", "2", "Ballinasloe", "Monday",
      "Maeve Okonjo"]),
    ("About 9,750 homes in Portlaoise lost power when Storm Ysolde reached the Midlands on "
     "Sunday. In places 85 millimetres of rain fell.",
     ["Ysolde", "85", "Midlands", "Sunday", "9,750", "Portlaoise"]),
    ("Revenue at Trelawny Foods fell 6 percent to $318 million in the fourth quarter, the "
     "company said. Chief executive Ruairi Castellanos blamed weak sales of frozen pies.",
     ["Trelawny Foods", "fourth", "fell", "6", "318", "Ruairi Castellanos", "frozen pies"]),
    ("Researchers from the University of Inverkeld have discovered a new species of lichen on "
     "a mountain ridge. The project was led by Anouk Vermeulen. Their results appear in the "
     "Journal of Alpine Botany.",
     ["Inverkeld", "Anouk Vermeulen", "lichen", "mountain ridge", "Journal of Alpine Botany"]),
]

# Set "final", written on 2 Dec before the coverage term was tried, and summarized once, by the
# checkpoint finally chosen: the study's one clean test of hand-written articles.
HANDWRITTEN_FINAL = [
    ("Nadia Bellweather won the vote for mayor of Kilmessan on Sunday. Standing for the River "
     "Alliance, she took 64 percent and beat Cormac Feeney. Officials said turnout was 39 "
     "percent.",
     ["Nadia Bellweather", "River Alliance", "Kilmessan", "64", "Cormac Feeney", "39"]),
    ("Judge Aurelio Mantegna sentenced Wendell Crossfield to 9 years in prison on Friday. A "
     "court in Skibbereen had found him guilty of bribery.",
     ["Skibbereen", "Wendell Crossfield", "bribery", "Friday", "Aurelio Mantegna", "9"]),
    ("It finished Tullamore Comets 4, Rosscarbery United 1 on Tuesday at the ground in Kinvara. "
     "Farah Oduya scored 3 goals.",
     ["Tullamore Comets", "Rosscarbery United", "4", "1", "Kinvara", "Tuesday",
      "Farah Oduya"]),
    ("Brightmoor Textiles reported that revenue rose 15 percent in the first quarter. The total "
     "came to $540 million. Its chief executive, Lorcan Abernethy, pointed to sales of wool "
     "jackets.",
     ["Brightmoor Textiles", "first", "rose", "15", "540", "Lorcan Abernethy",
      "wool jackets"]),
    ("Power was cut to about 22,400 homes in Carlingford on Saturday as Storm Whelan moved "
     "across the Eastern Shore. As much as 150 millimetres of rain fell.",
     ["Whelan", "150", "Eastern Shore", "Saturday", "22,400", "Carlingford"]),
]

# name → articles, in the order they were written ("final" only with ``final``)
HANDWRITTEN_SETS = {"dev": HANDWRITTEN, "unseen": HANDWRITTEN_UNSEEN, "c": HANDWRITTEN_C,
                    "final": HANDWRITTEN_FINAL}


def handwritten(checkpoint, method="greedy", final=False):
    """Summaries of the hand-written sets (``HANDWRITTEN_SETS``) by a checkpoint, with
    per-article fact accuracy; "final" (kept for the checkpoint finally chosen) only with
    ``final``."""
    from trax_models.summarizer import facts
    from trax_models.summarizer.generate import Summarizer
    dec = Summarizer.from_checkpoint(checkpoint, max_new_tokens=64)
    out = []
    for name, articles in HANDWRITTEN_SETS.items():
        if name == "final" and not final:
            continue
        summaries = dec.summarize([a for a, _ in articles], method=method)
        for (article, want), summary in zip(articles, summaries):
            out.append({"set": name, "article": article, "generated": summary,
                        "fact_accuracy": facts.fact_accuracy(summary, want),
                        "hallucination": facts.hallucination_rate(summary, article)})
    return out


def run_variant(name, steps, rouge_articles, extra=()):
    out = ROOT / "build" / "study" / f"{name}-{steps}"
    cmd = [sys.executable, "-m", "trax_models", "train", "--output_dir", str(out), "--fresh",
           "--steps", str(steps), "--rouge_articles", str(rouge_articles), "--samples", "2",
           "--checkpoint_every", str(steps), *VARIANTS[name], *extra]
    print("+", " ".join(cmd), flush=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    subprocess.run(["nice", "-n", "10", *cmd], check=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    res = json.loads((out / "results.json").read_text())
    held = res.get("heldout", {})
    train_s = res["seconds"]["train"]
    from trax_models.sources import news
    return {"variant": name, "corpus": f"news-v{news.GENERATOR_VERSION}",
            "flags": VARIANTS[name] + list(extra), "steps": res["steps"],
            "wall_s": round(wall, 1), "train_s": train_s,
            "steps_per_s": round(res["steps"] / train_s, 3) if train_s else None,
            "fact_accuracy": held.get("fact_accuracy"),
            "hallucination": held.get("hallucination"),
            "rouge1": held.get("rouge1"), "rouge2": held.get("rouge2"),
            "rougeL": held.get("rougeL"), "n_articles": held.get("n"),
            "eval": res.get("eval"), "samples": held.get("samples", [])[:2],
            "loadavg_end": os.getloadavg()[0]}


def merge(entries, path=RESULTS):
    path.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(path.read_text()) if path.is_file() else {"runs": []}
    key = lambda r: (r["variant"], r["steps"], r.get("corpus"))  # noqa: E731
    keys = {key(e) for e in entries}
    runs = [r for r in old["runs"] if key(r) not in keys] + entries
    runs.sort(key=lambda r: (r.get("corpus", ""), r["steps"], r["variant"]))
    old["runs"] = runs
    path.write_text(json.dumps(old, indent=2) + "\n")
    return runs


def table(runs):
    head = (f"{'corpus':<8} {'variant':<16} {'steps':>5} {'wall s':>7} {'st/s':>5} "
            f"{'fact':>5} {'hall':>5} "
            f"{'R1':>5} {'R2':>5} {'RL':>5}")
    lines = [head]
    fmt = lambda v: "  -  " if v is None else f"{v:.3f}"  # noqa: E731
    for r in runs:
        lines.append(f"{r.get('corpus', '-'):<8} {r['variant']:<16} {r['steps']:>5} "
                     f"{r['wall_s']:>7.0f} "
                     f"{r['steps_per_s'] or 0:>5.2f} {fmt(r['fact_accuracy'])} "
                     f"{fmt(r['hallucination'])} {fmt(r['rouge1'])} {fmt(r['rouge2'])} "
                     f"{fmt(r['rougeL'])}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variants", default="course,pointer")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--rouge_articles", type=int, default=50)
    p.add_argument("--table", action="store_true", help="only print the stored table")
    p.add_argument("--final", action="store_true",
                   help="with --handwritten: the final test set too (once, for the checkpoint "
                        "finally chosen)")
    p.add_argument("--handwritten", metavar="CHECKPOINT",
                   help="only summarize the hand-written articles with this checkpoint")
    args, extra = p.parse_known_args(argv)
    if args.handwritten:
        rows = handwritten(args.handwritten, final=args.final)
        for r in rows:
            print(f"\nARTICLE:   {r['article']}\nGENERATED: {r['generated']}\n"
                  f"  fact accuracy {r['fact_accuracy']:.2f}; hallucination "
                  f"{r['hallucination']}")
        for name in dict.fromkeys(r["set"] for r in rows):
            accs = [r["fact_accuracy"] for r in rows if r["set"] == name]
            print(f"{name}: fact accuracy " + " / ".join(f"{a:.2f}" for a in accs)
                  + f", mean {sum(accs) / len(accs):.2f}")
        old = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {"runs": []}
        from trax_models.sources import news
        name = f"{pathlib.Path(args.handwritten).name}-news-v{news.GENERATOR_VERSION}"
        old.setdefault("handwritten", {})[name] = rows
        RESULTS.write_text(json.dumps(old, indent=2) + "\n")
        return 0
    if args.table:
        print(table(json.loads(RESULTS.read_text())["runs"]))
        return 0
    for name in args.variants.split(","):
        runs = merge([run_variant(name, args.steps, args.rouge_articles, extra)])
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
