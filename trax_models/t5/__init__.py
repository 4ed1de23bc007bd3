"""T5's idea (the course's week 2 notes, "Transformer Applications"): one text-to-text
encoder–decoder for several tasks, each chosen by the prefix of its input.

    tasks     the five tasks' formats, examples from the corpus generator, metrics, validity
    mixing    examples-proportional (cap K), temperature and equal mixing; trax's data.Parallel
    streams   the mixed batches ``train --model t5`` trains on (the registry's ``t5`` row)
    evaluate  Multitask: answer prefixed inputs; per-task scores; the prefix-swap check
    study     multi-task (each mixing) vs single-task at equal steps (``t5-study``)
    cli       python -m trax_models t5 | t5-study
"""
