"""The HTML view in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by selenium opens the page from disk, a summary word is selected by
a click and by the keyboard, and the DOM's highlighted article words must be the ones with the
highest attention in the decode. Screenshots: build/html_view.png (light) and
build/html_view_dark.png (prefers-color-scheme: dark).

The browser comes from ``make browser`` (``make test`` runs it first) or, when missing, from
the ``browser`` fixture (apt-get as root, under a file lock: one install for all xdist
workers); where neither can install it the tests skip and say why.
"""
import contextlib
import fcntl
import os
import pathlib
import shutil
import subprocess

import pytest

from tests.summarizer._views import ARTICLE, page_data, separated_top, tiny_summarizer
from trax_models.summarizer import html_view

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
PACKAGES = ("chromium", "chromium-driver")  # Debian's names


def _find():
    """(browser, chromedriver) paths, or None."""
    browser = next((p for p in map(shutil.which, BROWSERS) if p), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@contextlib.contextmanager
def _locked(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _install():
    """Install Debian's chromium and chromium-driver; None, or why it could not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return "no chromium/chromedriver, and installing them needs apt-get as root (make browser)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if done.returncode:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(scope="session")
def browser():
    """(browser, chromedriver) paths: installed once when missing and possible, else skip."""
    pytest.importorskip("selenium", reason="selenium is in the dev extra (make test installs it)")
    found = _find()
    if found is None:
        with _locked(BUILD / ".browser-install.lock"):
            found = _find()
            why = _install() if found is None else None
            found = found or _find()
    if found is None:
        pytest.skip(f"headless Chromium unavailable: {why}")
    return found


@pytest.fixture(scope="module")
def driver(browser):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1300,1000"):
        options.add_argument(arg)
    options.binary_location = browser[0]
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(browser[1]), options=options)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    """{kind: (summarizer, view)}: greedy, unconstrained views of the same article by a tiny
    random model of each kind."""
    out = {}
    for kind in ("pointer_lm", "transformer_lm", "encoder_decoder"):
        s, _ = tiny_summarizer(kind, tmp_path_factory.mktemp(kind), max_new_tokens=12)
        out[kind] = s, html_view.collect(s, ARTICLE, source=f"{kind}.txt")
    return out


def _open(driver, path, dark=False):
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
        {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
    driver.get(path.resolve().as_uri())
    assert driver.execute_script("return document.documentElement.dataset.ready") == "1"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def _highlighted(driver):
    from selenium.webdriver.common.by import By
    return sorted(int(e.get_attribute("data-i"))
                  for e in driver.find_elements(By.CSS_SELECTOR, "#article .w.top"))


def _token(driver, j):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, f'#summary button.tok[data-step="{j}"]')


def _checkable(rows):
    """Steps whose top 3 are clear of rounding (see ``separated_top``): {step: indices}."""
    found = {j: separated_top(row) for j, row in enumerate(rows)}
    found = {j: top for j, top in found.items() if top is not None}
    assert found, "no step has a clear top 3 to check"
    return found


def _luminance(css):
    r, g, b = [int(x) / 255 for x in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_selecting_a_word_highlights_its_strongest_copy_attention(driver, views, tmp_path):
    """pointer_lm: click a summary word, then move with the keyboard (Tab into the summary,
    → to the next word): the outlined article words are the 3 with the highest copy attention
    of that step in the decode, the panel shows that step's gate and candidates."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    _, view = views["pointer_lm"]
    path = html_view.write_html(tmp_path / "pointer.html", [view])
    _open(driver, path)
    copy = view.arrays["copy"]
    expected = _checkable(copy)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#summary button.tok")) == len(view.ids)
    for j, top in expected.items():  # by click
        _token(driver, j).click()
        assert _token(driver, j).get_attribute("aria-pressed") == "true"
        assert _highlighted(driver) == top, j
        panel = driver.find_element(By.ID, "panel").text
        assert f"Step {j + 1} of {len(view.ids)}" in panel
        assert f"generate {view.arrays['gate'][j]:.3f}" in panel
        rows = driver.find_elements(By.CSS_SELECTOR, "#cands tbody tr")
        assert len(rows) == len(view.data["steps"][j]["top"])
    # by keyboard: Tab from the page's start reaches the first summary word (step 1) ...
    driver.find_element(By.TAG_NAME, "body").click()
    driver.execute_script("document.activeElement.blur(); window.focus();")
    for _ in range(12):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.switch_to.active_element.get_attribute("data-step") is not None:
            break
    assert driver.switch_to.active_element.get_attribute("data-step") == "0"
    assert _token(driver, 0).get_attribute("aria-pressed") == "true"
    # ... and → walks the words: each step's own strongest copy attention
    for j in range(1, len(view.ids)):
        driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        assert driver.switch_to.active_element.get_attribute("data-step") == str(j)
        if j in expected:
            assert _highlighted(driver) == expected[j], j
    BUILD.mkdir(exist_ok=True)
    light = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    _token(driver, max(expected)).click()
    driver.save_screenshot(str(BUILD / "html_view.png"))
    _open(driver, path, dark=True)
    _token(driver, max(expected)).click()
    assert _highlighted(driver) == expected[max(expected)]
    dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    text = driver.execute_script("return getComputedStyle(document.body).color")
    assert _luminance(light) > 0.9 and _luminance(dark) < 0.1 < 0.8 < _luminance(text)
    driver.save_screenshot(str(BUILD / "html_view_dark.png"))
    assert (BUILD / "html_view.png").stat().st_size > 10_000


@pytest.mark.parametrize("kind", ["transformer_lm", "encoder_decoder"])
def test_attention_only_models_shade_by_their_attention(driver, views, tmp_path, kind):
    """No pointer: the article is shaded by the last layer's attention over it, mean of the
    heads (transformer_lm: causal self-attention; encoder_decoder: cross-attention); one strip
    per layer and head of each attention; choosing a head shades by that head."""
    from selenium.webdriver.common.by import By
    _, view = views[kind]
    path = html_view.write_html(tmp_path / f"{kind}.html", [view])
    _open(driver, path)
    n = len(view.data["article"])
    if kind == "encoder_decoder":
        rows, families = view.arrays["cross_attention"][..., :n], 2
    else:
        rows, families = view.arrays["self_attention"][..., 1:1 + n], 1
    strips = driver.find_elements(By.CSS_SELECTOR, "#maps .strip")
    assert len(strips) == families * 2 * 2  # 2 layers × 2 heads
    for j, top in _checkable(rows[-1].mean(0)).items():
        _token(driver, j).click()
        assert _highlighted(driver) == top, j
    assert driver.find_element(By.ID, "gate").text == ""  # no gate without a pointer
    for j, top in _checkable(rows[0, 1]).items():  # layer 1, head 2, chosen by its strip
        _token(driver, j).click()
        [strip] = [b for b in driver.find_elements(By.CSS_SELECTOR, "#maps button.strip")
                   if "layer 1, head 2" in b.get_attribute("aria-label")]
        strip.click()
        pressed = [b.get_attribute("aria-label") for b in driver.find_elements(
            By.CSS_SELECTOR, '#maps button.strip[aria-pressed="true"]')]
        assert len(pressed) == 1 and "layer 1, head 2" in pressed[0]
        assert _highlighted(driver) == top, j


def test_bad_input_pages_open(driver, views, tmp_path, monkeypatch):
    """An empty summary, a one-word article and a huge article in one page: it opens without
    a script error, says there is no summary, and switches between them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    s, _ = views["pointer_lm"]
    with monkeypatch.context() as m:  # a decoder that writes nothing
        m.setattr(s, "generate", lambda prompts, **_: [[]])
        empty = html_view.collect(s, ARTICLE, source="empty")
    pages = [empty, html_view.collect(s, "Budget.", source="one word"),
             html_view.collect(s, " ".join([ARTICLE] * 50), source="huge")]  # 27 × max_len
    path = html_view.write_html(tmp_path / "bad.html", pages)
    _open(driver, path)
    assert "wrote no summary" in driver.find_element(By.ID, "summary").text
    assert not driver.find_element(By.ID, "panel").is_displayed()
    pick = Select(driver.find_element(By.ID, "doc"))
    assert [o.text for o in pick.options] == ["empty", "one word", "huge"]
    for index, data in enumerate(page_data(path.read_text())):
        pick.select_by_index(index)
        assert len(driver.find_elements(By.CSS_SELECTOR, "#article .w")) == len(data["article"])
        assert len(driver.find_elements(By.CSS_SELECTOR, "#summary button.tok")) == \
            len(data["steps"])
    assert "cut to fit" in driver.find_element(By.ID, "rest").text
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
