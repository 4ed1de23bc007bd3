"""``python -m trax_models compare`` — Transformers vs RNNs, measured (``make compare``).

    python -m trax_models compare                 # default size: a few minutes on 2 CPU cores
    python -m trax_models compare --size smoke    # every code path in seconds (CI, tests)
    python -m trax_models compare --size full     # longer sequences, more steps (~20+ min)
    python -m trax_models compare --out DIR --seed 1 --parts recall,timing

Writes DIR/compare.json (config, conditions, every number) and PNG plots (default
DIR = build/compare). Modules: ``tasks`` (the synthetic data), ``fit`` (one training step and
the measurements), ``compare`` (the experiments and the computed findings), ``plots``,
``summarization`` (encoder–decoder vs TransformerLM), ``cli`` (the command line).
``python -m trax_models attention-study``: ``alignment_tasks`` (tasks with a gold alignment)
and ``attention_study`` (the family of attention mechanisms measured on them).
"""
