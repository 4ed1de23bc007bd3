"""Summaries from a trained model: the course's greedy decoding (UNQ_C9–C10).

    next_symbol(cur_output_tokens, model) -> int      # re-runs the eval model on the whole
    greedy_decode(input_sentence, model) -> str       #   re-padded sequence for every token

As graded: every token re-runs the whole model on the padded sequence. The fast path —
predict mode's key/value cache inside one jitted loop, batches, sampling and beam search,
token for token equal to ``greedy_decode`` — is ``trax_models.summarizer.generate.Summarizer``.
"""
import numpy as np

from trax_models.data import detokenize, tokenize
from trax_models.tokens import EOS

__all__ = ["next_symbol", "greedy_decode"]


def next_symbol(cur_output_tokens, model):
    """The next token by greedy decoding (UNQ_C9).

    Pads ``cur_output_tokens`` (a list of n ids) with 0 to the next power of two above n (so
    that few shapes get compiled), runs the eval-mode model on the batch of one, and returns the
    argmax of the log-probabilities at position n.

    Args:
      cur_output_tokens: list[int], the article's ids + [EOS, SEP] + the summary so far.
      model: TransformerLM in 'eval' mode, initialised; log-probs (1, padded, vocab).

    Returns:
      int: the id of the next token.
    """
    token_length = len(cur_output_tokens)
    padded_length = 2 ** int(np.ceil(np.log2(token_length + 1)))
    padded = cur_output_tokens + [0] * (padded_length - token_length)
    padded_with_batch = np.array(padded)[None, :]  # (1, padded_length): the batch axis
    output, _ = model((padded_with_batch, padded_with_batch))  # (1, padded_length, vocab)
    log_probs = output[0, token_length, :]  # (vocab,): position n predicts token n
    return int(np.argmax(log_probs))


def greedy_decode(input_sentence, model, next_symbol=next_symbol, tokenize=tokenize,
                  detokenize=detokenize, verbose=True, max_length=None):
    """Greedy summary of ``input_sentence`` (UNQ_C10): argmax tokens until EOS.

    Starts from ``tokenize(input_sentence) + [0]`` (article + EOS + the separator), appends
    ``next_symbol``'s token until it is EOS (1) and prints the growing summary at every step, as
    the course does.

    Args:
      input_sentence: the article (str).
      model: TransformerLM in 'eval' mode.
      next_symbol, tokenize, detokenize: the course's functions (replaceable, e.g. in tests).
      verbose: print the summary after every token (the course: True).
      max_length: stop after this many tokens even without EOS (the course: None = no cap).

    Returns:
      str: ``detokenize`` of the generated ids, EOS included (shows as ``<EOS>``).
    """
    cur_output_tokens = tokenize(input_sentence) + [0]
    generated_output = []
    cur_output = 0
    while cur_output != EOS:
        cur_output = next_symbol(cur_output_tokens, model)
        cur_output_tokens.append(cur_output)
        generated_output.append(cur_output)
        if verbose:
            print(detokenize(generated_output))
        if max_length is not None and len(generated_output) >= max_length:
            break
    return detokenize(generated_output)
