"""Transfer learning, offline: fine-tune the trained TransformerLM for NER and extractive QA.

    data      exactly labelled NER (BIO) and QA (SQuAD 2.0) splits from the corpus generator
    formats   CoNLL and SQuAD files: users' own data, read with clear errors
    align     text → subword windows for the models, and subwords back to characters
    models    Body (the course's decoder stack) + TokenTagger / SpanExtractor heads, freezing
    finetune  FinetuneConfig → trained, checkpointed, resumable run (trax's Loop) + scores
    infer     Finetuned: tag(text), answer(question, context), evaluate(examples)
    metrics   entity-level P/R/F1 (seqeval's convention), SQuAD exact match / F1
    cli       python -m trax_models finetune | ner | qa

The course's notes end with fine-tuning a pre-trained Transformer for NER and QA; here the
pre-trained model is ``make train``'s and the labelled data is written by the same generator
as its corpus, so the whole story runs without a download. ``benchmarks/study_transfer.py``
measures the pre-trained start against a random one (README "Transfer learning").
"""
