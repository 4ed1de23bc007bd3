"""The reserved token ids every vocabulary here keeps (the course's convention).

    PAD = 0   padding (and the course's separator between article and summary)
    EOS = 1   end of sequence

The summarizer's language-model layout (the course's ``preprocess``)::

    article + [EOS, SEP] + summary + [EOS]

so ``PROMPT_END = [EOS, SEP]`` closes the prompt a decoder continues.
"""

PAD = 0
EOS = 1
SEP = PAD          # the course's separator is the pad id
PROMPT_END = [EOS, SEP]

__all__ = ["PAD", "EOS", "SEP", "PROMPT_END"]
