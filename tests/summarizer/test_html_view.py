"""The HTML view of a summary (summarizer/html_view.py, ``summarize --html``, ``evaluate
--html``): its numbers are the decode's own, its page is valid for any input, the CLI checks
its paths first. The page in a real browser: test_html_browser.py."""
import json
import re

import numpy as np
import pytest
from trax import shapes

from tests.summarizer._tiny_run import error_lines, run, write_pairs
from tests.summarizer._views import ARTICLE, KINDS, page_data, tiny_summarizer
from trax_models.summarizer import html_view
from trax_models.summarizer.adapters import TruncationWarning
from trax_models.summarizer.attention_plot import attention_weights
from trax_models.tokens import EOS


@pytest.fixture(scope="module", params=KINDS)
def kind_summarizer(request, tmp_path_factory):
    return tiny_summarizer(request.param, tmp_path_factory.mktemp(request.param))[0]


@pytest.fixture(scope="module")
def pointer_summarizer(tmp_path_factory):
    return tiny_summarizer("pointer_lm", tmp_path_factory.mktemp("pointer"))


def _causal_rows(summarizer, view):
    """Each step's self-attention rows and the key count it may attend to."""
    n = len(view.ids)
    first = 0 if summarizer.kind.pairs else len(summarizer.prompt(ARTICLE))
    return [(view.arrays["self_attention"][:, :, j], first + j + 1) for j in range(n)]


def test_view_numbers_are_the_greedy_decode(kind_summarizer):
    """Unconstrained greedy: the teacher-forced distributions' argmax is the decoded token at
    every step (the same numbers in eval mode as in the KV-cache decode), every step's row is
    a distribution, and the page embeds these numbers rounded."""
    s = kind_summarizer
    view = html_view.collect(s, ARTICLE, source="a.txt")
    assert view.ids == s.generate([s.prompt(ARTICLE)])[0] and len(view.ids) >= 2
    log_probs = view.arrays["log_probs"]
    assert [int(np.argmax(row)) for row in log_probs] == view.ids
    steps = view.data["steps"]
    assert [st["id"] for st in steps] == view.ids
    assert all(st["rank"] == 0 and st["top"][0]["id"] == st["id"] for st in steps)
    assert all(len(st["top"]) == html_view.TOP_K for st in steps)
    for st, row in zip(steps, log_probs):
        assert st["p"] == round(float(np.exp(row[st["id"]])), 3)
        probs = [c["p"] for c in st["top"]]
        assert probs == sorted(probs, reverse=True)
    assert np.allclose(np.exp(log_probs).sum(-1), 1, atol=1e-4)
    assert view.data["summary"] == s.summarize([ARTICLE])[0]
    for rows, allowed in _causal_rows(s, view):  # (layers, heads, keys): causal distributions
        assert np.allclose(rows.sum(-1), 1, atol=1e-4)
        assert np.all(rows[..., allowed:] < 1e-6) and np.all(rows[..., :allowed] >= 0)
    shape = view.arrays["self_attention"].shape
    assert shape[:3] == (2, 2, len(view.ids))
    if not s.kind.pairs:  # the jitted program's attention is attention_plot's, row for row
        sequence = s.prompt(ARTICLE) + view.ids
        model = s.kind.build(s.config, "eval")
        model.init(shapes.ShapeDtype((1, len(sequence)), np.int32))
        model.weights = s.weights
        plotted = attention_weights(model, sequence)[:, :, len(sequence) - len(view.ids):]
        np.testing.assert_allclose(view.arrays["self_attention"], plotted, atol=1e-5)
    cross = view.arrays["cross_attention"]
    if s.kind.pairs:
        assert cross.shape == (2, 2, len(view.ids), len(s.prompt(ARTICLE)))
        assert np.allclose(cross.sum(-1), 1, atol=1e-4)
        assert [a["name"] for a in view.data["attention"]] == ["self", "cross"]
    else:
        assert cross is None and [a["name"] for a in view.data["attention"]] == ["self"]
    # the page's weights: thousandths of these rows ([index, value, ...], values ≥ 1)
    family = view.data["attention"][-1]
    weights = cross if s.kind.pairs else view.arrays["self_attention"]
    for j, st in enumerate(steps):
        sparse = st["attention"][-1][1][0]  # layer 2, head 1
        dense = np.zeros(len(family["keys"]))
        dense[sparse[0::2]] = np.asarray(sparse[1::2]) / 1000
        assert np.allclose(dense, np.round(weights[1, 0, j, :len(dense)], 3), atol=1e-9)
    assert (view.data["has_copy"], view.arrays["gate"] is not None) == (
        (s.kind.name == "pointer_lm",) * 2)


def test_pointer_view_is_the_heads_own_mixture(pointer_summarizer):
    """pointer_lm: log p = log(g·p_vocab + (1 − g)·p_copy) at every step, p_copy is the copy
    attention scattered onto the article's tokens, each word's origin is its larger part."""
    s, _ = pointer_summarizer
    view = html_view.collect(s, ARTICLE)
    a = view.arrays
    g = a["gate"][:, None]
    assert np.allclose(np.exp(a["log_probs"]), g * a["p_vocab"] + (1 - g) * a["p_copy"],
                       atol=1e-5)
    assert np.all((a["gate"] >= 0) & (a["gate"] <= 1))
    article = s.adapter.article(s.prompt(ARTICLE))
    assert a["copy"].shape == (len(view.ids), len(article))
    for j, token in enumerate(view.ids):  # the copy mass of a token: its article positions'
        at = [i for i, t in enumerate(article) if t == token]
        assert a["p_copy"][j, token] == pytest.approx(a["copy"][j, at].sum(), abs=1e-5)
    for j, st in enumerate(view.data["steps"]):
        token = st["id"]
        copied = (1 - a["gate"][j]) * a["p_copy"][j, token] > a["gate"][j] * a["p_vocab"][j, token]
        assert st["origin"] == ("copied" if copied else "generated")
        assert st["gate"] == round(float(a["gate"][j]), 3)
        for c in st["top"]:
            assert c["vocab"] + c["copy"] == pytest.approx(c["p"], abs=2e-3)


def test_view_of_a_constrained_beam_summary_is_the_printed_one(tmp_path):
    """A copy-constrained beam summary: the page shows the summary ``summarize`` prints, and
    each step the model's probability and rank of the token the decoder chose."""
    s, _ = tiny_summarizer("pointer_lm", tmp_path, copy="sentences", max_new_tokens=40)
    options = {"beam_width": 2}
    view = html_view.collect(s, ARTICLE, method="beam", **options)
    assert view.data["summary"] == s.summarize([ARTICLE], method="beam", **options)[0]
    assert view.data["copy_constraint"] == "sentences" and view.data["method"] == "beam"
    for st, row in zip(view.data["steps"], view.arrays["log_probs"]):
        assert st["rank"] == int(np.sum(row > row[st["id"]]))
        assert st["id"] in [c["id"] for c in st["top"]]  # the chosen one is always listed


def test_page_text_cannot_break_out(pointer_summarizer):
    """Article text that looks like HTML stays text: the embedded JSON escapes <, > and &,
    the title is escaped, and the data round-trips."""
    s, _ = pointer_summarizer
    nasty = ('The council said </script><script>alert(1)</script> <!-- & "quoted" '
             "<b>bold</b> on Tuesday.")
    view = html_view.collect(s, nasty, source="<i>name</i>.txt", max_new_tokens=6)
    page = html_view.render([view])
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<b>bold" not in page and "<i>name" not in page
    assert "&lt;i&gt;name&lt;/i&gt;.txt" in page
    [data] = page_data(page)
    assert "</script><script>alert(1)</script>" in "".join(data["article"])
    assert data == json.loads(json.dumps(view.data))


def test_bad_input_still_gives_a_page(pointer_summarizer, tmp_path, monkeypatch):
    """An empty summary, a summary that is only the end, a one-word article and a huge article
    each give a valid page; the huge one embeds what the model read, noted as cut."""
    s, _ = pointer_summarizer
    with monkeypatch.context() as m:  # decoders that write nothing, or only the end
        m.setattr(s, "generate", lambda prompts, **_: [[]])
        empty = html_view.collect(s, ARTICLE)
        m.setattr(s, "generate", lambda prompts, **_: [[EOS]])
        only_end = html_view.collect(s, ARTICLE)
    assert empty.data["steps"] == [] and empty.data["summary"] == ""
    assert [st["text"] for st in only_end.data["steps"]] == ["<EOS>"]
    word = html_view.collect(s, "Budget.")
    assert "".join(word.data["article"]) == "Budget."
    huge_text = " ".join([ARTICLE] * 50)  # ≈ 9 KB, ≈ 2,600 tokens: 27 × the model's max_len
    huge = html_view.collect(s, huge_text, max_new_tokens=8)
    assert huge.data["truncated"] and huge.data["rest_chars"] > 8_000
    with pytest.warns(TruncationWarning):
        assert len(huge.data["article"]) == len(s.prompt(huge_text, 8)) - 2 <= s.max_len
    path = html_view.write_html(tmp_path / "all.html", [empty, only_end, word, huge])
    page = path.read_text()
    assert len(page) < 400_000
    assert [len(d["steps"]) for d in page_data(page)] == [0, 1, len(word.ids), len(huge.ids)]
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")


def test_attention_budget_caps_each_row(pointer_summarizer, monkeypatch):
    """Past the page's budget each attention row keeps its strongest keys, and says so."""
    s, _ = pointer_summarizer
    monkeypatch.setattr(html_view, "ATTENTION_BUDGET", 1)
    view = html_view.collect(s, ARTICLE)
    assert view.data["keep"] == 8
    assert any(len(st["copy"]) == 16 for st in view.data["steps"])  # some row was cut
    for j, st in enumerate(view.data["steps"]):
        kept = st["copy"][1::2]
        assert len(kept) <= 8
        row = np.rint(view.arrays["copy"][j] * 1000)
        assert sorted(kept, reverse=True) == sorted(row[row > 0], reverse=True)[:len(kept)]


# --- the command line ---------------------------------------------------------------------------

def test_summarize_html_writes_every_input(pointer_summarizer, tmp_path):
    _, directory = pointer_summarizer
    files = []
    for i, text in enumerate((ARTICLE, "Rain is expected this weekend.")):
        files.append(tmp_path / f"a{i}.txt")
        files[-1].write_text(text)
    page = tmp_path / "view.html"
    code, out, err = run(["summarize", "--checkpoint", directory, "--copy", "off",
                          "--max-new-tokens", "8", "--html", page, *files])
    assert code == 0, err
    assert f"html view: {page}" in err
    docs = page_data(page.read_text())
    assert [d["source"] for d in docs] == [str(f) for f in files]
    printed = re.findall(r"==> .* <==\n(.*)\n", out)
    assert [d["summary"] for d in docs] == printed
    assert all(d["model"] == "pointer_lm" and 0 <= d["unfamiliar_share"] <= 1 for d in docs)


@pytest.mark.parametrize("name, why", [("missing/view.html", "does not exist"),
                                       ("view.htm", "ending in .html"), (".", "is a folder")])
def test_summarize_html_path_is_checked_first(pointer_summarizer, tmp_path, name, why):
    _, directory = pointer_summarizer
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE)
    code, _, err = run(["summarize", "--checkpoint", directory, "--html", tmp_path / name,
                        article])
    assert code == 2 and "Traceback" not in err
    [line] = error_lines(err)
    assert line.startswith("error: --html") and why in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_evaluate_html_writes_the_printed_samples(pointer_summarizer, tmp_path):
    _, directory = pointer_summarizer
    data = write_pairs(tmp_path / "pairs.jsonl", n=40)
    folder = tmp_path / "pages"
    code, out, err = run(["evaluate", "--checkpoint", directory, "--data", data, "--n", "3",
                          "--samples", "2", "--baselines", "lead3", "--max-new-tokens", "12",
                          "--html", folder])
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == ["sample-1.html", "sample-2.html"]
    generated = re.findall(r"GENERATED: (.*)\n", out)
    shown = [page_data((folder / f"sample-{i}.html").read_text())[0]["summary"] for i in (1, 2)]
    assert [g.strip() for g in generated] == [s.strip() for s in shown]


@pytest.mark.parametrize("make, why", [(lambda p: p / "missing" / "pages", "does not exist"),
                                       (lambda p: p / "a.txt", "is a file")])
def test_evaluate_html_folder_is_checked_first(pointer_summarizer, tmp_path, make, why):
    _, directory = pointer_summarizer
    (tmp_path / "a.txt").write_text("x")
    code, _, err = run(["evaluate", "--checkpoint", directory, "--html", make(tmp_path)])
    assert code == 2 and "Traceback" not in err
    [line] = error_lines(err)
    assert line.startswith("error: --html") and why in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
