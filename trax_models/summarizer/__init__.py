"""The product: what ``make train``, ``summarize`` and ``evaluate`` run, beyond the graded course.

Modules, from the model registry up to the command lines::

    registry        one table: model name -> config dataclass, builder, batch layout, adapter
    adapters        per model kind: prompt layout, predict model, the decode step closure
    sampling        the jitted greedy / sampling / beam loops over a step closure
    generate        Summarizer: batched fast decoding of any registered model
    checkpoint      the one-directory checkpoint (config.json, vocab, model.pkl.gz)
    streams         numbered batch streams (exact resume) and fixed eval batches
    loop            trax's training Loop made safe to kill (all private trax access)
    config          TrainConfig, its checks, gin bindings
    train           train(config) in named steps
    metrics         ROUGE, BLEU, Lead-3 (rouge-score, sacrebleu)
    evaluate        held-out ROUGE vs Lead-3; evaluate(checkpoint)
    report          progress lines, loss curve
    attention_plot  attention heatmaps of a summary
    cli             train / summarize / evaluate command lines
"""
