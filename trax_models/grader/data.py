"""Graders for the data exercises: ``tokenize`` (against the reference with the same
vocabulary) and ``preprocess`` (article + [EOS, SEP] + summary + [EOS] and its loss mask).

``tokenize`` is compared with ``trax_models.data.tokenize`` on the vocabulary the notebook chose
(``data.set_default_vocab``; else the default corpus's, built locally on first use): no download.
"""
import numpy as np

from trax_models import data as ref
from trax_models.grader._report import Fail, run

__all__ = ["test_tokenize", "test_preprocess"]

SENTENCES = ("Redwood Energy said its revenue rose 8 percent.",
             "The quick brown fox jumps over the lazy dog.", "It's 3:45 -- rain, again!")


def test_tokenize(tokenize, verbose=True):
    """tokenize(input_str, EOS=1) -> list of subword ids + [EOS]."""
    def case(sentence):
        def check():
            got = tokenize(sentence)
            want = ref.tokenize(sentence)
            if not isinstance(got, list) or not all(isinstance(i, (int, np.integer)) for i in got):
                raise Fail("tokenize must return a list of ints", "list[int]",
                           f"{type(got).__name__}", "return a Python list of ints: convert the array of ids with "
                           "list(...), then append EOS")
            if list(got) == want[:-1]:
                raise Fail("EOS not appended", str(want), str(list(got)), "+ [EOS] at the end")
            if list(got) != want:
                raise Fail("different ids", str(want), str(list(got)),
                           "trax.data.tokenize on a stream of one string, with the notebook's "
                           "vocabulary (its vocab_file argument), then EOS at the end")
        return repr(sentence), check

    def other_eos():
        got = tokenize(SENTENCES[0], EOS=5)
        if list(got)[-1] != 5:
            raise Fail("the EOS argument is ignored", "last id 5", str(list(got)[-1:]),
                       "append the EOS argument, not the constant 1")

    return run("tokenize", [case(s) for s in SENTENCES] + [("EOS=5 appends 5", other_eos)],
               verbose)


def test_preprocess(preprocess, verbose=True):
    """preprocess(stream): (article, summary) → (joint, joint, mask), the course's layout."""
    def case(article, summary):
        def check():
            out = list(preprocess(iter([(article, summary)])))
            if len(out) != 1 or len(out[0]) != 3:
                raise Fail("preprocess must yield one (joint, joint, mask) per pair",
                           "1 tuple of 3 arrays", f"{len(out)} items",
                           "yield one tuple (joint, joint, mask) per pair, inside the loop")
            joint, target, mask = (np.asarray(a) for a in out[0])
            want = list(article) + [1, 0] + list(summary) + [1]
            want_mask = [0] * (len(article) + 2) + [1] * (len(summary) + 1)
            if joint.tolist() != want:
                hint = ("add [EOS, SEP] between article and summary and EOS at the end"
                        if len(joint) != len(want) else "article first, then summary")
                raise Fail("wrong joint sequence", str(want), str(joint.tolist()), hint)
            if target.tolist() != want:
                raise Fail("the target must be the joint sequence itself", str(want),
                           str(target.tolist()), "yield joint, joint, mask")
            if mask.tolist() == [1 - m for m in want_mask]:
                raise Fail("mask polarity flipped", str(want_mask), str(mask.tolist()),
                           "0 over the article, its EOS and SEP; 1 over the summary and its EOS")
            if mask.tolist() != want_mask:
                raise Fail("wrong mask", str(want_mask), str(mask.tolist()),
                           "one entry per position of joint: a 0 for each article token, its "
                           "EOS and SEP, then a 1 for each summary token and its EOS")
        return f"article {list(article)}, summary {list(summary)}", check

    return run("preprocess", [case([5, 6, 7], [8, 9]), case([4] * 6, [3]),
                              case(np.array([9, 8]), np.array([7, 6, 5]))], verbose)
