"""Whole words: the broken-word rate, the unfamiliar-text figure, and decoding under the
whole-word constraint (every word of a summary copied whole from the article, or a common
English word; names and numbers only from the article)."""
import json
import re

import jax.numpy as jnp
import numpy as np
import pytest

from trax_models.errors import UserError
from trax_models.sources import vocab
from trax_models.summarizer import facts, sampling, words
from trax_models.summarizer.generate import Summarizer


def test_broken_word_rate():
    article = "Brannigan scored twice for Lisdoonvarna Town in Hactaremore on Friday."
    assert words.broken_word_rate("Brannigan scored twice for Lisdoonvarna Town.", article) == 0
    # pieces glued into no word: neither English nor the article's
    assert words.broken_word_rate("Researchers wnershiprmland scored hecscored.", article) == 0.5
    assert words.broken_word_rate("HACTAREMORE won.", article) == 0  # case does not matter
    assert words.broken_word_rate("...", article) is None
    assert words.corpus_broken_word_rate(["a zzkqw", "the end"], [article, article]) == 0.25
    assert words.is_english("because") and not words.is_english("wnershiprmland")


def test_unfamiliar_share(tmp_path):
    texts = ["The team won the match in the rain on Saturday.",
             "The company said revenue rose in the third quarter."] * 20
    path, _ = vocab.build_vocab(texts, tmp_path / "v.subwords", target_size=300)
    v = vocab.load_vocab(path)
    assert words.unfamiliar_share("The team won the match on Saturday, said Zorbin Klatt.", v) == 0
    far = "Parliamentary archaeologists catalogued extraordinary manuscripts yesterday."
    assert words.unfamiliar_share(far, v) == 1.0  # every lower-case word split into pieces
    assert words.unfamiliar_share("Zorbin Klatt 42", v) == 0.0


def _adjust_one(adjust, generated, article, vocab_size):
    log_probs = jnp.zeros((1, vocab_size))
    out = adjust(log_probs, jnp.asarray([generated + [0] * 4], jnp.int32),
                 jnp.asarray([len(generated)]), jnp.asarray([article], jnp.int32))
    return set(np.flatnonzero(np.isfinite(np.asarray(out[0]))).tolist())


def test_whole_words_allows_only_article_words_and_free_words():
    # ids: 2 "Zor" 3 "bin_" 4 "Kl" 5 "att_" 6 "the_" (free) 7 ". _" (free) 8 "4_" 9 "ing_"
    ends = np.array([0, 0, 0, 1, 0, 1, 1, 1, 1, 1], bool)
    free = np.array([0, 0, 0, 0, 0, 0, 1, 1, 0, 0], bool)
    adjust = sampling.copy_units(ends, free)
    article = [2, 3, 4, 5, 8, 7, -1, -1]  # "Zorbin Klatt 4."
    # between words: EOS, free words, and the first piece of each article word
    # (EOS not first: a summary copies something when it can)
    assert _adjust_one(adjust, [], article, 10) == {6, 7, 2, 4, 8}
    assert _adjust_one(adjust, [6], article, 10) == {1, 6, 7, 2, 4, 8}
    # inside "Zor…": only its continuation; inside "Kl…": only "att_"
    assert _adjust_one(adjust, [6, 2], article, 10) == {3}
    assert _adjust_one(adjust, [4], article, 10) == {5}
    # "ing_" (not free, not in the article) and "bin_" alone (a piece, not a word) never start
    assert 9 not in _adjust_one(adjust, [], article, 10)
    assert 3 not in _adjust_one(adjust, [], article, 10)


def test_whole_words_at_word_pieces_repeated_in_the_article():
    # "Kl" begins two article words, "Kl att_" and "Kl ong_": both continuations are allowed
    ends = np.array([0, 0, 0, 1, 1], bool)
    adjust = sampling.copy_units(ends, np.zeros(5, bool))
    article = [2, 3, 2, 4]
    assert _adjust_one(adjust, [2], article, 5) == {3, 4}
    assert _adjust_one(adjust, [], article, 5) == {2}


@pytest.fixture(scope="module")
def random_checkpoint(tmp_path_factory, make_checkpoint):
    directory = tmp_path_factory.mktemp("words")
    make_checkpoint(directory, seed=5)
    return directory


ARTICLES = ["Quarrendon Vilts won the final on Tuesday, the council said after a long debate.",
            "Rain is expected across the north of the region this weekend, said Ottoline Brask, "
            "and 4,512 homes may lose power."]


@pytest.mark.parametrize("method", ["greedy", "sample", "beam"])
def test_random_model_under_the_constraint_writes_only_whole_words(random_checkpoint, method):
    """A model with random weights writes anything; under the constraint every word it writes
    is an article word or a common English word, and every name and number is the article's."""
    free = Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=24)
    constrained = Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=24,
                                             copy="words")
    loose = free.summarize(ARTICLES, method=method, seed=1)
    tight = constrained.summarize(ARTICLES, method=method, seed=1)
    assert any(s.strip() for s in tight)
    for article, summary in zip(ARTICLES, tight):
        assert words.broken_word_rate(summary, article) in (0, None), summary
        assert facts.hallucination_rate(summary, article) in (0, None), summary
        known = {w.lower() for w in words.summary_words(article)}
        for w in words.summary_words(summary):
            assert w.lower() in known or words.is_english(w), (w, summary)
    # without it the same weights write broken words or invented names (so the test can fail)
    assert any(words.broken_word_rate(s, a) or facts.hallucination_rate(s, a)
               for s, a in zip(loose, ARTICLES)), loose


def _sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_random_model_under_the_sentence_constraint_copies_whole_sentences(random_checkpoint,
                                                                           method):
    """Under copy='sentences' a summary is whole sentences of the article, whatever the
    weights; a length cap that cuts a sentence leaves the sentences before it (or, when the
    first is cut, its whole words)."""
    articles = ["The home team won the final. Rain is expected across the north. The council "
                "approved the new budget on Tuesday.",
                "Quarrendon Vilts scored twice. The council said so after a long debate."]
    for cap in (20, 8, 4):
        summarizer = Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=cap,
                                                copy="sentences")
        for article, summary in zip(articles, summarizer.summarize(articles, method=method)):
            *whole, last = _sentences(summary) or [""]
            assert set(whole) <= set(_sentences(article)), (cap, summary)
            assert not last or any(  # a sentence's first words, cut between words
                s.startswith(last) and not s[len(last):len(last) + 1].isalnum()
                for s in _sentences(article)), (cap, summary)


def test_a_cut_article_is_copied_up_to_its_last_whole_sentence(random_checkpoint):
    """An article cut to fit ends inside a sentence: that part is never copied."""
    article = ("The home team won the final. Rain is expected across the north of the region "
               "this weekend and the council approved the new budget on Tuesday after a long "
               "debate about the roads")
    summarizer = Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=24,
                                            max_input_len=20, copy="sentences")
    with pytest.warns(UserWarning, match="cut"):
        summary = summarizer.summarize([article])[0]
    # a beginning of the article, in whole words, and nothing from past the cut
    assert summary and article.startswith(summary.strip()), summary
    assert not article[len(summary.strip()):][:1].isalnum() and "roads" not in summary
    with pytest.raises(UserError, match="copy="):
        Summarizer.from_checkpoint(random_checkpoint, copy="paragraphs")


def test_summarize_cli_warns_on_unfamiliar_text(random_checkpoint, tmp_path, capsys):
    """One warning line for text whose words the vocabulary splits (and the figure in --json);
    none for text in the training vocabulary's words."""
    from trax_models.__main__ import main
    near = tmp_path / "near.txt"
    near.write_text("The home team won the final. Rain is expected across the north.")
    far = tmp_path / "far.txt"
    far.write_text("Parliamentary archaeologists catalogued extraordinary manuscripts yesterday.")
    assert main(["summarize", "--checkpoint", str(random_checkpoint), "--max-new-tokens", "8",
                 "--json", str(near), str(far)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["unfamiliar_share"] <= words.UNFAMILIAR_WARNING < rows[1]["unfamiliar_share"]
    warned = [line for line in err.splitlines() if line.startswith("warning:")
              and "unlike the model's training text" in line]
    assert len(warned) == 1 and str(far) in warned[0], err
    for copy in ("sentences", "words", "off"):
        assert main(["summarize", "--checkpoint", str(random_checkpoint), "--copy", copy,
                     "--max-new-tokens", "8", str(near)]) == 0
    with pytest.raises(SystemExit):
        main(["summarize", "--checkpoint", str(random_checkpoint), "--copy", "pages", str(near)])



def test_no_sentence_twice():
    # ids: 2 "Rain_" 3 "fell_" 4 ". _" (sentence end) 5 "Snow_"
    ends = np.array([0, 0, 0, 0, 1, 0], bool)
    adjust = sampling.copy_units(ends, np.zeros(6, bool), once=True)
    article = [2, 3, 4, 5, 3, 4, 2, 3, 2, 3, 3, 3, 4]  # "Rain fell. Snow fell. Rain fell rain …"
    written = [2, 3, 4, 5, 3, 4]  # "Rain fell. Snow fell. "
    # "Rain fell. Snow fell. " is not started again; "Rain fell rain …" (the same first two
    # pieces, then others) still may be
    assert _adjust_one(adjust, written, article, 6) == {1, 2}
    assert _adjust_one(sampling.copy_units(ends, np.zeros(6, bool), once=True), [], article,
                       6) == {2, 5}
    twice = sampling.copy_units(ends, np.zeros(6, bool))
    assert _adjust_one(twice, written, article, 6) == {1, 2, 5}


def test_a_sentence_copied_once_is_not_continued_into_again():
    """A unit that opens like another ("The …") may start, but not go on into a sentence the
    summary already holds (it did: 6 of 100 CNN DEV summaries held a sentence twice)."""
    # ids: 2 "The_" 3 "cat_" 4 "sat" 5 ". _" (sentence end) 6 "dog_" 7 "ran"
    ends = np.array([0, 0, 0, 0, 0, 1, 0, 0], bool)
    article = [2, 3, 4, 5, 2, 6, 7, 5]  # "The cat sat. The dog ran. "
    adjust = sampling.copy_units(ends, np.zeros(8, bool), once=True)
    assert _adjust_one(adjust, [2, 3, 4, 5], article, 8) == {1, 2}  # "The" (dog) or EOS
    assert _adjust_one(adjust, [2, 3, 4, 5, 2], article, 8) == {6}  # "The dog", not "The cat"
    assert _adjust_one(adjust, [2], article, 8) == {3, 6}  # the first copy: either
    assert _adjust_one(adjust, [2, 3], article, 8) == {4}  # ... and it goes on to its end
    twice = sampling.copy_units(ends, np.zeros(8, bool))
    assert _adjust_one(twice, [2, 3, 4, 5, 2], article, 8) == {3, 6}


def _lead_step(adjust, generated, article, log_probs):
    out = adjust(jnp.asarray([log_probs], jnp.float32),
                 jnp.asarray([generated + [0] * 6], jnp.int32), jnp.asarray([len(generated)]),
                 jnp.asarray([article], jnp.int32))
    return np.asarray(out[0])


def test_lead_prior_opens_with_the_first_sentence_and_copies_it_whole():
    # ids: 2 "The_" 3 "rain_" 4 ". _" (sentence end) 5 "team_" 6 "won_"
    ends = np.array([0, 0, 0, 0, 1, 0, 0], bool)
    article = [2, 3, 4, 2, 5, 6, 4]  # "The rain. The team won. "
    prefer_team = [0.0, -9.0, -1.0, -5.0, -5.0, -0.1, -5.0]  # the model would write "team"
    for prior, opens_with in ((0.0, 2), (0.5, 2), (3.0, 2)):  # "The_" begins both sentences
        adjust = sampling.copy_units(ends, np.zeros(7, bool), 96, once=True, lead=prior)
        out = _lead_step(adjust, [], article, prefer_team)
        assert int(np.argmax(out)) == opens_with
        assert out[2] == pytest.approx(-1.0 + prior)  # the prior is added to the lead's opening
    # begun, the first sentence is copied whole: "rain_" is the only choice, though the model
    # prefers "team_" (the second sentence also opens with "The_")
    led = sampling.copy_units(ends, np.zeros(7, bool), 96, once=True, lead=2.0)
    out = _lead_step(led, [2], article, prefer_team)
    assert set(np.flatnonzero(np.isfinite(out))) == {3}
    free = sampling.copy_units(ends, np.zeros(7, bool), 96, once=True)
    out = _lead_step(free, [2], article, prefer_team)  # without the prior, either sentence
    assert set(np.flatnonzero(np.isfinite(out))) == {3, 5} and int(np.argmax(out)) == 5
    # after the lead, the prior is gone: the step's log-probs are the constraint's alone
    after = [2, 3, 4]
    np.testing.assert_array_equal(_lead_step(led, after, article, prefer_team),
                                  _lead_step(free, after, article, prefer_team))


def test_lead_prior_is_outweighed_by_a_confident_model():
    # ids: 2 "Rain_" 3 "fell_" 4 ". _" 5 "Snow_": the model is sure of "Snow" (gap 6 nats)
    ends = np.array([0, 0, 0, 0, 1, 0], bool)
    article = [2, 3, 4, 5, 3, 4]
    log_probs = [0.0, -9.0, -6.0, -9.0, -9.0, 0.0]
    for prior, first in ((2.0, 5), (8.0, 2)):
        adjust = sampling.copy_units(ends, np.zeros(6, bool), 96, once=True, lead=prior)
        assert int(np.argmax(_lead_step(adjust, [], article, log_probs))) == first


def test_lead_prior_in_the_summarizer_and_the_cli(random_checkpoint, tmp_path, capsys):
    from trax_models.__main__ import main
    article = ("The home team won the final. Rain is expected across the north. The council "
               "approved the new budget on Tuesday.")
    led = Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=40, copy="sentences",
                                     lead_prior=1e5)
    assert led.summarize([article])[0].startswith("The home team won the final.")
    for bad, message in (({"copy": None, "lead_prior": 1.0}, "copy='sentences'"),
                         ({"copy": "sentences", "lead_prior": -1.0}, "lead_prior")):
        with pytest.raises(UserError, match=message):
            Summarizer.from_checkpoint(random_checkpoint, **bad)
    text = tmp_path / "a.txt"
    text.write_text(article)
    for flags, message in ((["--copy", "off", "--lead-prior", "2"], "--lead-prior needs"),
                           (["--lead-prior", "-1"], "--lead-prior=-1.0 must be")):
        assert main(["summarize", "--checkpoint", str(random_checkpoint), *flags,
                     str(text)]) == 2
        assert message in capsys.readouterr().err
    assert main(["summarize", "--checkpoint", str(random_checkpoint), "--lead-prior", "1e5",
                 "--max-new-tokens", "40", str(text)]) == 0
    assert capsys.readouterr().out.startswith("The home team won the final.")


def test_an_article_unlike_the_training_text_gets_the_unfamiliar_lead_prior(random_checkpoint,
                                                                              news_texts,
                                                                              monkeypatch):
    """``summarize`` (and the HTML view, which explains its summary) decode each article under
    the prior its familiarity calls for, in one call, in the articles' order."""
    from trax_models.summarizer import html_view
    familiar = " ".join(news_texts[:2])
    far = "Zebras quarrel loudly. " + news_texts[1]

    def summarizer(lead, unfamiliar=None):
        return Summarizer.from_checkpoint(random_checkpoint, max_new_tokens=40, copy="sentences",
                                          lead_prior=lead, unfamiliar_lead_prior=unfamiliar)

    plain, to_far, to_familiar = summarizer(0.0), summarizer(0.0, 1e5), summarizer(1e5, 0.0)
    v = vocab.load_vocab(plain.vocab_file)
    assert words.unfamiliar_share(familiar, v) <= words.UNFAMILIAR_WARNING
    assert words.unfamiliar_share(far, v) > words.UNFAMILIAR_WARNING
    assert (to_far.lead_prior_for(familiar), to_far.lead_prior_for(far)) == (0.0, 1e5)
    assert plain.lead_prior_for(far) == 0.0  # no unfamiliar prior: lead_prior for every article
    decoded = []  # (prompt, the prior it was decoded under)
    generate = Summarizer.generate

    def spy(self, prompts, *args, lead_prior=None, **kwargs):
        decoded.extend((tuple(p), lead_prior) for p in prompts)
        return generate(self, prompts, *args, lead_prior=lead_prior, **kwargs)

    monkeypatch.setattr(Summarizer, "generate", spy)
    to_far.summarize([far, familiar, far])
    assert set(decoded) == {(tuple(to_far.prompt(far)), 1e5), (tuple(to_far.prompt(familiar)), 0.0)}
    alone = plain.summarize([familiar, far])
    got = to_far.summarize([far, familiar, far])
    assert got[0] == got[2] and got[0].startswith("Zebras quarrel loudly.")
    assert got[1] == alone[0]  # a familiar article as without the unfamiliar prior
    got = to_familiar.summarize([far, familiar])
    assert got[0] == alone[1] and got[1].startswith(news_texts[0].split(".")[0])
    assert html_view.collect(to_far, far).data["summary"] == to_far.summarize([far])[0]
    with pytest.raises(UserError, match="unfamiliar_lead_prior"):
        summarizer(0.0, -1.0)
    with pytest.raises(UserError, match="built with"):
        plain.generate([plain.prompt(far)], lead_prior=3.0)


def test_the_cli_uses_the_unfamiliar_lead_prior_unless_one_is_given(random_checkpoint,
                                                                      news_texts, monkeypatch,
                                                                      tmp_path):
    """summarize and evaluate: 2, and 8 for unfamiliar text, by default; a --lead-prior given
    is used for every article; at least 3 sentences unless --min-sentences says otherwise."""
    from trax_models.__main__ import main
    from trax_models.summarizer import evaluate
    built = []
    init = Summarizer.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append((self.lead_prior, self.unfamiliar_lead_prior, self.min_sentences))

    monkeypatch.setattr(Summarizer, "__init__", spy)
    text = tmp_path / "a.txt"
    text.write_text(news_texts[0])
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"article": t, "summary": t}) + "\n" for t in news_texts))
    monkeypatch.setattr(evaluate, "summarize_and_score", lambda *a, **k: {})  # decoding: above
    for command in (["summarize", str(text)], ["evaluate", "--data", str(pairs), "--n", "1",
                                               "--split", "train", "--baselines", "lead3"]):
        for flags, expected in (([], (2.0, 8.0, 3)), (["--lead-prior", "3"], (3.0, None, 3)),
                                (["--copy", "words"], (0.0, None, 1)),
                                (["--min-sentences", "1"], (2.0, 8.0, 1))):
            built.clear()
            main([command[0], "--checkpoint", str(random_checkpoint), "--max-new-tokens", "24",
                  *flags, *command[1:]])
            assert built == [expected], (command[0], flags)


def test_min_units_refuses_eos_until_that_many_sentences_or_none_is_left():
    # ids: 2 "Rain_" 3 "fell_" 4 ". _" (sentence end) 5 "Snow_" 6 "." (a closer: ends the text)
    ends = np.array([0, 0, 0, 0, 1, 0, 0], bool)
    closers = np.array([0, 0, 0, 0, 0, 0, 1], bool)
    article = [2, 3, 4, 5, 3, 4, 2, 5, 4]  # "Rain fell. Snow fell. Rain snow. "

    def allowed(min_units, written, text=article):
        adjust = sampling.copy_units(ends, np.zeros(7, bool), 96, closers=closers, once=True,
                                     min_units=min_units)
        return _adjust_one(adjust, written, text, 7)

    one = [2, 3, 4]  # "Rain fell. "
    assert 1 in allowed(1, one) and 1 not in allowed(2, one) and 1 not in allowed(3, one)
    assert 1 in allowed(2, one + [5, 3, 4]) and 1 not in allowed(3, one + [5, 3, 4])
    assert 1 not in allowed(1, []) and 1 not in allowed(3, [])  # never an empty summary
    # the closer may end the summary inside the last sentence it needs, not before
    assert 6 in allowed(1, [2, 3]) and 6 not in allowed(2, [2, 3])
    assert 6 in allowed(2, one + [5, 3])
    # an article of one sentence: once it is copied, EOS, whatever the minimum
    assert allowed(3, one, [2, 3, 4, -1, -1, -1]) == {1}
    # the article's last sentence ("Snow fell." with no space after it) ends the summary, so
    # it waits until it can be the last one needed, or the only one left
    ending = [2, 3, 4, 5, 3, 6]  # "Rain fell. Snow fell."
    assert allowed(1, [], ending) == {2, 5} and allowed(2, [], ending) == {2}
    assert allowed(1, one, ending) == {1, 5} and allowed(2, one, ending) == {5}
    assert allowed(3, one, ending) == {5}  # the only one left, though it ends the summary
    # every allowed token already banned (by --no-repeat-ngram-size): the summary ends
    adjust = sampling.copy_units(ends, np.zeros(7, bool), 96, closers=closers, once=True,
                                 min_units=3)
    banned = jnp.zeros((1, 7)).at[0, 5].set(-jnp.inf)
    out = adjust(banned, jnp.asarray([one + [0] * 4], jnp.int32), jnp.asarray([3]),
                 jnp.asarray([ending], jnp.int32))
    assert set(np.flatnonzero(np.isfinite(np.asarray(out[0])))) == {1}
    assert float(out[0, 1]) == sampling.DEAD_END  # below any real continuation of a beam


@pytest.fixture(scope="module")
def sentences_checkpoint(tmp_path_factory, make_checkpoint, news_texts):
    """A tiny random model whose vocabulary has sentence ends (". " between its texts)."""
    directory = tmp_path_factory.mktemp("sentences")
    make_checkpoint(directory, seed=5, texts=[" ".join(news_texts)])
    return directory


@pytest.mark.parametrize("method", ["greedy", "beam"])
def test_min_sentences_in_the_summarizer(sentences_checkpoint, method):
    """Whatever the weights, a summary holds at least min_sentences of the article's sentences,
    or all of them when it has fewer; a bad value is one UserError."""
    four = "The home team won. Rain is expected. The council approved the budget. It rained."
    two = "The home team won. Rain is expected."

    def summarizer(n, copy="sentences"):
        return Summarizer.from_checkpoint(sentences_checkpoint, max_new_tokens=40, copy=copy,
                                          min_sentences=n)

    for n in (1, 2, 3, 4):
        got = summarizer(n).summarize([four, two], method=method)
        assert len(_sentences(got[0])) >= n and set(_sentences(got[0])) <= set(_sentences(four))
        assert set(_sentences(got[1])) <= set(_sentences(two))
        assert n < 2 or set(_sentences(got[1])) == set(_sentences(two)), got[1]
    for bad, message in (((0,), "min_sentences=0 must be"), ((True,), "min_sentences=True"),
                         ((2.5,), "whole number"), ((2, "words"), "needs copy='sentences'")):
        with pytest.raises(UserError, match=message):
            summarizer(*bad)


def test_min_sentences_in_the_cli(random_checkpoint, sentences_checkpoint, tmp_path, capsys):
    from trax_models.__main__ import main
    text = tmp_path / "a.txt"
    text.write_text("The home team won. Rain is expected. The council approved the budget. It "
                    "rained.")
    for flags, message in ((["--copy", "words", "--min-sentences", "2"], "--min-sentences needs"),
                           (["--min-sentences", "0"], "--min-sentences=0 must be")):
        assert main(["summarize", "--checkpoint", str(random_checkpoint), *flags,
                     str(text)]) == 2
        assert message in capsys.readouterr().err
    assert main(["summarize", "--checkpoint", str(sentences_checkpoint), "--min-sentences", "4",
                 "--max-new-tokens", "40", str(text)]) == 0
    assert len(_sentences(capsys.readouterr().out)) == 4


def test_a_cap_or_a_cut_ends_at_a_sentence_that_closes_with_a_quote(sentences_checkpoint):
    """'final." Rain' is a sentence end the per-subword mask does not see (the quote and the
    space are separate pieces here): a summary cut by the length cap, or an article cut to fit,
    still ends there, not inside the next sentence."""
    article = ('The home team won the final." Rain is expected across the north. The council '
               'approved the new budget on Tuesday.')
    first = 'The home team won the final."'
    v = vocab.load_vocab(Summarizer.from_checkpoint(sentences_checkpoint).vocab_file)
    pieces = [v.decode([i]) for i in v.encode(article)]
    assert '." ' not in pieces  # the case this is about: the sentence end spans pieces
    opening = ('The home team won the final. "Rain is expected across the north," they said. '
               'The council approved the new budget on Tuesday.')  # the next one opens a quote
    for cap in (14, 16, 18):
        led = Summarizer.from_checkpoint(sentences_checkpoint, max_new_tokens=cap,
                                         copy="sentences", lead_prior=1e5)
        assert led.summarize([article])[0].strip() == first, cap
        assert led.summarize([opening])[0].strip() == "The home team won the final.", cap
    cut = Summarizer.from_checkpoint(sentences_checkpoint, max_new_tokens=40, max_input_len=18,
                                     copy="sentences", lead_prior=1e5)
    with pytest.warns(UserWarning, match="cut"):
        assert cut.summarize([article])[0].strip() == first


def test_a_summary_that_ends_inside_a_sentence_is_cut_back_to_its_last_whole_one(
        sentences_checkpoint):
    """EOS inside a sentence (a row left with no allowed token, as the n-gram control can
    leave it) keeps the whole sentences before it, not the piece; EOS after a whole sentence,
    or after the whole of a text with no sentence end (all a copy may take of it), changes
    nothing."""
    s = Summarizer.from_checkpoint(sentences_checkpoint, copy="sentences")
    v = vocab.load_vocab(s.vocab_file)
    whole = v.encode("The home team won. ")
    assert s._whole(whole + v.encode("Rain is") + [1]) == whole + [1]
    assert s._whole(whole + [1]) == whole + [1]
    fragment = v.encode("Rain is expected")
    assert s._whole(fragment + [1]) == fragment + [1]
    assert s._copyable(whole + fragment) == whole  # so a copy never holds "won. Rain is …"


@pytest.mark.parametrize("text, rest", [
    ("(CNN)The home team won.", "The home team won."),
    ("London (CNN) -- The home team won.", "The home team won."),
    ("Sanaa, Yemen (CNN) -- Rain is expected.", "Rain is expected."),
    ("Rio de Janeiro, Brazil (CNN)Rain is expected.", "Rain is expected."),
    ("LONDON, Dec 5 (Reuters) - The council approved the budget.",
     "The council approved the budget."),
    ("NEW YORK (AP) — \"We won,\" she said.", "\"We won,\" she said."),
    ("(The Hollywood Reporter)The home team won.", "The home team won."),
    # the Daily Mail's byline and time stamps
    ("By . Daily Mail Reporter . PUBLISHED: . 14:11 EST, 25 October 2013 . | . UPDATED: . "
     "15:20 EST, 25 October 2013 . The council approved the budget.",
     "The council approved the budget."),
    ("By . Jill Reilly and Sara Malm . Rain is expected.", "Rain is expected."),
    ("By . Mark Duell . Last updated at 10:48 AM on 22nd February 2012 . Rain is expected.",
     "Rain is expected."),
    ("By the end of the year . Rain is expected.", None),
    ("By . Mark R. Smith . PUBLISHED: . 14:11 EST, 25 October 2013 . Rain is expected.",
     "Rain is expected."),
    ("Last updated on 12th January 2012 . Rain is expected.", "Rain is expected."),
    # not a dateline: kept whole
    ("Apple (AAPL) shares rose.", None), ("The (CNN) team won.", None),
    ("Anna Keller (24) scored twice.", None), ("Kilbride beat (AP) rivals.", None),
    ("WASHINGTON -- The Senate voted.", None), ("(CNN)", None), ("(CNN) the end.", None),
    ("(CNN) -- the end.", None), ("(Reuters) -", None), ("NEW YORK (AP) --", None),
    ("(Updated) The home team won.", None), ("(A) Any person may apply.", None),
    ("Storm Hits London\nLONDON (Reuters) - The storm hit.", None),  # a title line stays
])
def test_drop_dateline(text, rest):
    """A news agency's dateline (or the Daily Mail's byline and time stamps) opening an article
    is not part of what is summarized (it named the source in every CNN summary); a
    parenthesis or a "By" that is not one stays."""
    from trax_models.summarizer.generate import drop_dateline, normalize_article
    assert drop_dateline(text) == (text if rest is None else rest)
    assert normalize_article("\r\n " + text + "\n") == (text if rest is None else rest)


def test_summaries_leave_the_dateline_out(sentences_checkpoint):
    """The prompt of a dated article is the bare article's, so no summary opens with "(CNN)"."""
    article = "The home team won. Rain is expected. The council approved the budget."
    s = Summarizer.from_checkpoint(sentences_checkpoint, max_new_tokens=40)
    for dated in ("(CNN)" + article, "Hong Kong (CNN) -- " + article,
                  "By . Daily Mail Reporter . PUBLISHED: . 14:11 EST, 25 October 2013 . "
                  + article):
        assert s.prompt(dated) == s.prompt(article)
        assert s.summarize([dated]) == s.summarize([article])
        assert "CNN" not in s.summarize([dated])[0]


def test_the_summary_is_the_article_sentences_its_copy_holds(sentences_checkpoint):
    """What ``summarize`` prints for copied ids: every article sentence the copy took a piece
    of, whole and once — a fragment cut after "U.S.", a splice of two sentences — with its
    opening quote; text found nowhere in the article: as decoded."""
    from trax_models.data import tokenize
    article = ('The home team won. "Rain is expected," she said. About 100 U.S. fans were '
               'there. A U.S. official said the council met.')

    def printed(text, copy="sentences"):
        s = Summarizer.from_checkpoint(sentences_checkpoint, max_new_tokens=40, copy=copy)
        return s.summary_text(tokenize(text, vocab_file=s.vocab_file)[:-1], article)

    assert printed("The home team won. About 100 U.S.") == (
        "The home team won. About 100 U.S. fans were there.")
    assert printed("About 100 U.S. A U.S. fans were there.") == (
        "About 100 U.S. fans were there. A U.S. official said the council met.")
    assert printed('The home team won. Rain is expected," she said.') == (
        'The home team won. "Rain is expected," she said.')
    assert printed("Nothing here is whole.") == "Nothing here is whole."  # as decoded
    assert printed("The home team won. About 100 U.S.", "words") == (
        "The home team won. About 100 U.S.")  # whole words only: as decoded
