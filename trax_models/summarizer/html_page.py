"""The page of ``html_view``: one HTML document, its CSS and script inline (no network).

``PAGE`` has three slots that ``html_view.render`` fills: {title} (HTML-escaped), {noscript}
(the summaries as escaped text, for a browser without scripts) and {data} (the views as JSON,
every <, > and & escaped). The script builds the page from the data with ``textContent`` only:
no text of the data is ever parsed as HTML.

What the script draws: the article (one span per token, shaded by the chosen attention row:
weight ÷ the row's largest; the three strongest outlined, class "top"), the summary (one
button per token: Tab, ← → Home End, pointing or clicking select a step), and for the
selected step the gate, the top candidates and a strip per layer and head of each attention
(a button that shades the article by that head when the attention covers the article).
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title}</title>
<style>
:root { --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --shade: 245 158 11; --copy: #0969da; --gen: #8250df; --focus: #0550ae; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --panel: #161b22;
    --shade: 251 191 36; --copy: #58a6ff; --gen: #d2a8ff; --focus: #79c0ff; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem 1.25rem 2rem; background: var(--bg); color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.2rem; margin: 0 0 .25rem; } h2 { font-size: 1rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: .25rem 0 .5rem; }
.muted, small { color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem;
  align-items: start; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } }
section { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem;
  background: var(--bg); min-width: 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
#article { max-height: 75vh; overflow: auto; }
.w { --a: 0; background: rgb(var(--shade) / var(--a)); border-radius: 2px; }
.w.strong { color: #111; }
.w.top { outline: 2px solid rgb(var(--shade) / 1); outline-offset: -1px; }
button.tok { font: inherit; color: inherit; background: none; border: 0; padding: 0 0 1px;
  margin: 0; cursor: pointer; white-space: pre-wrap; border-bottom: 2px dotted var(--gen);
  border-radius: 2px; text-align: left; }
button.tok.copied { border-bottom: 2px solid var(--copy); }
button.tok.end { color: var(--muted); font-size: .8em; }
button.tok[aria-pressed="true"] { background: rgb(var(--shade) / .35); }
button:focus-visible, select:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }
.legend { font-size: .85rem; color: var(--muted); margin: .5rem 0; }
.legend > span { white-space: nowrap; margin-right: 1rem; }
.key-copied { border-bottom: 2px solid var(--copy); } .key-gen { border-bottom: 2px dotted var(--gen); }
#panel { margin-top: .75rem; padding: .75rem; background: var(--panel); border-radius: 6px; }
.bar { display: flex; height: 1.2rem; border-radius: 4px; overflow: hidden; margin: .25rem 0;
  border: 1px solid var(--line); max-width: 28rem; }
.bar div { height: 100%; } .bar .g { background: var(--gen); } .bar .c { background: var(--copy); }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { padding: .15rem .6rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: pre; }
tr.chosen td { font-weight: 600; }
.strips { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .4rem; }
.strip { font: inherit; font-size: .8rem; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: 4px; padding: .2rem .3rem; cursor: pointer;
  text-align: left; }
.strip[aria-pressed="true"] { border-color: var(--focus); box-shadow: 0 0 0 1px var(--focus); }
.strip canvas { display: block; width: 100%; height: 14px; image-rendering: pixelated;
  margin-top: .15rem; background: var(--panel); }
#topwords { margin: .25rem 0; padding-left: 1.4rem; }
.warn { color: #b35900; } @media (prefers-color-scheme: dark) { .warn { color: #f0883e; } }
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p id="meta" class="muted"></p>
<p id="doc-pick" hidden><label>Summary of <select id="doc"></select></label></p>
</header>
<noscript><p>This page draws its views with JavaScript; the summaries:</p>{noscript}</noscript>
<main>
<section aria-labelledby="article-h">
<h2 id="article-h">Article <small>— what the model read</small></h2>
<p id="ood" class="muted"></p>
<div id="article" class="text"></div>
<p id="rest" class="muted"></p>
</section>
<section aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<p class="muted" id="hint">Point at, click or tab to a summary word (← → Home End move);
the article is shaded by the attention of that step.</p>
<div id="summary" class="text" role="group" aria-label="summary words"></div>
<p class="legend"><span><span class="key-copied">copied</span> from the article</span>
<span><span class="key-gen">generated</span> from the vocabulary</span>
<span>shade: weight ÷ the step's largest</span></p>
<div id="panel">
<div aria-live="polite"><h3 id="step-title"></h3>
<p id="origin"></p></div>
<div id="gate"></div>
<table id="cands"><caption class="muted" style="text-align:left">the model's top candidates
at this step</caption><thead></thead><tbody></tbody></table>
<p><label>Shade the article by <select id="shade"></select></label></p>
<p class="muted" id="top-h">Most attended article tokens:</p>
<ol id="topwords"></ol>
<div id="maps"></div>
</div>
</section>
</main>
<script type="application/json" id="view-data">{data}</script>
<script>
(function () {
"use strict";
var DOCS = JSON.parse(document.getElementById("view-data").textContent);
var $ = function (id) { return document.getElementById(id); };
var doc = null, current = -1, shade = null;

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in (attrs || {})) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function dense(sparse, n, offset) {  // [index, thousandths, ...] -> weights of keys offset..offset+n
  var out = new Float64Array(n);
  for (var i = 0; i + 1 < sparse.length; i += 2) {
    var k = sparse[i] - offset;
    if (k >= 0 && k < n) out[k] = sparse[i + 1] / doc.scale;
  }
  return out;
}
function f3(x) { return x.toFixed(3); }
function shown(t) {  // a token's text, quoted; a piece with no text of its own said so
  return t === "" ? "(a piece of an escaped character)" : t.trim() === "" ? "(space)" : JSON.stringify(t);
}

function sources() {  // what the article can be shaded by: [{value, label, weights(step)}]
  var list = [], n = doc.article.length;
  if (doc.has_copy) list.push({value: "copy", label: "copy attention (the pointer)",
    weights: function (s) { return dense(s.copy, n, 0); }});
  doc.attention.forEach(function (fam, a) {
    if (fam.article_offset === null) return;
    for (var l = fam.layers - 1; l >= 0; l--) {
      list.push({value: a + ":" + l + ":mean", label: fam.title + ", layer " + (l + 1) + ", mean of heads",
        weights: meanOf(a, l, fam.article_offset)});
      for (var h = 0; h < fam.heads; h++) list.push({value: a + ":" + l + ":" + h,
        label: fam.title + ", layer " + (l + 1) + ", head " + (h + 1),
        weights: headOf(a, l, h, fam.article_offset)});
    }
  });
  return list;
  function headOf(a, l, h, off) { return function (s) { return dense(s.attention[a][l][h], n, off); }; }
  function meanOf(a, l, off) {
    return function (s) {
      var out = new Float64Array(n), heads = s.attention[a][l];
      heads.forEach(function (row) {
        var d = dense(row, n, off);
        for (var i = 0; i < n; i++) out[i] += d[i] / heads.length;
      });
      return out;
    };
  }
}

function load(index) {
  doc = DOCS[index]; current = -1;
  var meta = [doc.model, doc.method + " decoding", "copy: " + (doc.copy_constraint || "off"),
              doc.article.length + " article tokens read", doc.steps.length + " summary tokens"];
  if (doc.keep) meta.push("each attention row keeps its " + doc.keep + " strongest keys");
  $("meta").textContent = meta.join(" · ");
  var share = doc.unfamiliar_share, ood = $("ood");
  var limit = Math.round(doc.unfamiliar_warning * 100);
  ood.textContent = "Unfamiliar words: " + Math.round(share * 100) + "% of the article's " +
    "lower-case words are split into pieces by the model's vocabulary" +
    (share > doc.unfamiliar_warning ? " — above " + limit + "%: the text is unlike the " +
     "model's training text, expect a weaker summary." : " (like its training text).");
  ood.className = share > doc.unfamiliar_warning ? "warn" : "muted";
  var art = $("article"); art.textContent = "";
  doc.article.forEach(function (piece, i) { art.appendChild(el("span", {"class": "w", "data-i": i}, piece)); });
  $("rest").textContent = doc.truncated ? "The article was cut to fit the model" +
    (doc.rest_chars ? ": " + doc.rest_chars + " more characters were not read." : ".") : "";
  var sum = $("summary"); sum.textContent = "";
  doc.steps.forEach(function (s, j) {
    var b = el("button", {type: "button", "class": "tok " + s.origin + (s.id === 1 ? " end" : ""),
      "data-step": j, "aria-pressed": "false"}, s.id === 1 ? " [end]" : s.text);
    b.setAttribute("aria-label", "step " + (j + 1) + ": " +
      (s.id === 1 ? "end of summary" : s.text.trim()) + ", " + s.origin);
    b.addEventListener("focus", function () { select(j); });
    b.addEventListener("click", function () { select(j); });
    b.addEventListener("mouseenter", function () { select(j); });
    b.addEventListener("keydown", function (e) {
      var to = {ArrowRight: j + 1, ArrowDown: j + 1, ArrowLeft: j - 1, ArrowUp: j - 1,
                Home: 0, End: doc.steps.length - 1}[e.key];
      if (to === undefined) return;
      e.preventDefault();
      var t = sum.querySelector('[data-step="' + Math.max(0, Math.min(doc.steps.length - 1, to)) + '"]');
      if (t) t.focus();
    });
    sum.appendChild(b);
  });
  var list = sources(), pick = $("shade"); pick.textContent = "";
  list.forEach(function (s) { pick.appendChild(el("option", {value: s.value}, s.label)); });
  shade = list[0] || null;
  $("panel").hidden = !doc.steps.length;
  if (!doc.steps.length) {
    sum.appendChild(el("p", {"class": "muted"}, "The model wrote no summary for this article."));
    return;
  }
  select(0);
}

function select(j) {
  if (j === current) return;
  current = j;
  var s = doc.steps[j];
  $("summary").querySelectorAll("button.tok").forEach(function (b) {
    b.setAttribute("aria-pressed", String(Number(b.dataset.step) === j)); });
  $("step-title").textContent = "Step " + (j + 1) + " of " + doc.steps.length + ": " +
    (s.id === 1 ? "the end of the summary (<EOS>)" : shown(s.text));
  var why = s.origin === "copied" ?
      "Copied from the article: the pointer's share of its probability is larger than the " +
      "vocabulary's." :
    doc.has_copy ?
      "Generated from the vocabulary: the vocabulary's share of its probability is larger " +
      "than the pointer's." :
      "Generated from the vocabulary (this model has no copy mechanism)" +
      (s.in_article ? "; the token occurs in the article." : ".");
  why += " p = " + f3(s.p) + (s.rank ? ", the model's #" + (s.rank + 1) +
    " candidate (chosen by the " + (doc.copy_constraint ? "copy constraint or the " : "") +
    doc.method + " decoding)." : ", the model's first choice.");
  $("origin").textContent = why;
  var gate = $("gate"); gate.textContent = "";
  if (s.gate !== null) {
    gate.appendChild(el("div", {}, "Gate: generate " + f3(s.gate) + " · copy " + f3(1 - s.gate)));
    var bar = el("div", {"class": "bar", role: "img",
                         "aria-label": "generate " + f3(s.gate) + ", copy " + f3(1 - s.gate)});
    var g = el("div", {"class": "g"}); g.style.width = (100 * s.gate) + "%";
    var c = el("div", {"class": "c"}); c.style.width = (100 * (1 - s.gate)) + "%";
    bar.appendChild(g); bar.appendChild(c); gate.appendChild(bar);
  }
  var head = $("cands").tHead, body = $("cands").tBodies[0];
  head.textContent = ""; body.textContent = "";
  var hr = el("tr"); ["token", "p"].concat(doc.has_copy ? ["from vocabulary g·p", "from copy (1−g)·p"] : [])
    .forEach(function (t) { hr.appendChild(el("th", {scope: "col"}, t)); });
  head.appendChild(hr);
  s.top.forEach(function (c) {
    var tr = el("tr", c.id === s.id ? {"class": "chosen"} : {});
    tr.appendChild(el("td", {}, shown(c.text) + (c.id === s.id ? "  ← written" : "")));
    tr.appendChild(el("td", {}, f3(c.p)));
    if (doc.has_copy) { tr.appendChild(el("td", {}, f3(c.vocab))); tr.appendChild(el("td", {}, f3(c.copy))); }
    body.appendChild(tr);
  });
  shadeArticle();
  drawMaps();
}

function shadeArticle() {
  var spans = $("article").querySelectorAll(".w"), list = $("topwords");
  list.textContent = "";
  if (!shade || current < 0) { $("top-h").hidden = true; return; }
  $("top-h").hidden = false;
  var w = shade.weights(doc.steps[current]), max = 0;
  for (var i = 0; i < w.length; i++) max = Math.max(max, w[i]);
  var order = Array.from(w.keys()).filter(function (i) { return w[i] > 0; })
    .sort(function (a, b) { return w[b] - w[a] || a - b; }).slice(0, 3);
  spans.forEach(function (span, i) {
    var a = max > 0 ? w[i] / max : 0;
    span.style.setProperty("--a", a.toFixed(3));
    span.classList.toggle("strong", a > 0.5);
    span.classList.toggle("top", order.indexOf(i) >= 0);
    span.dataset.weight = f3(w[i]);
    span.title = "weight " + f3(w[i]);
  });
  order.forEach(function (i) { list.appendChild(el("li", {"data-i": i}, shown(doc.article[i]) + " — " + f3(w[i]))); });
}

function drawMaps() {
  var maps = $("maps"); maps.textContent = "";
  var s = doc.steps[current];
  var rgb = getComputedStyle(document.documentElement).getPropertyValue("--shade").trim().split(/\\s+/).join(",");
  doc.attention.forEach(function (fam, a) {
    maps.appendChild(el("h3", {}, fam.title + " of this step, per layer and head"));
    var grid = el("div", {"class": "strips"});
    for (var l = 0; l < fam.layers; l++) for (var h = 0; h < fam.heads; h++) {
      var value = a + ":" + l + ":" + h, usable = fam.article_offset !== null;
      var b = el(usable ? "button" : "div", {"class": "strip",
        "aria-label": fam.title + ", layer " + (l + 1) + ", head " + (h + 1) +
                      (usable ? ": shade the article by it" : "")});
      if (usable) {
        b.setAttribute("type", "button");
        b.setAttribute("aria-pressed", String(!!shade && shade.value === value));
      }
      b.appendChild(el("span", {}, "layer " + (l + 1) + " · head " + (h + 1)));
      var w = dense(s.attention[a][l][h], fam.keys.length, 0), max = 0;
      for (var i = 0; i < w.length; i++) max = Math.max(max, w[i]);
      var cv = el("canvas", {width: Math.max(1, w.length), height: 1});
      cv.title = "keys: " + fam.keys.length + " positions; strongest " + f3(max) + " at " +
                 shown(fam.keys[w.indexOf(max)] || "");
      var ctx = cv.getContext && cv.getContext("2d");
      if (ctx) for (var k = 0; k < w.length; k++) if (w[k] > 0) {
        ctx.fillStyle = "rgba(" + rgb + "," + (w[k] / max).toFixed(3) + ")"; ctx.fillRect(k, 0, 1, 1); }
      b.appendChild(cv);
      if (usable) b.addEventListener("click", (function (v) { return function () { setShade(v); }; })(value));
      grid.appendChild(b);
    }
    maps.appendChild(grid);
  });
}

function setShade(value) {
  var list = sources();
  for (var i = 0; i < list.length; i++) if (list[i].value === value) shade = list[i];
  $("shade").value = value;
  shadeArticle(); drawMaps();
}
$("shade").addEventListener("change", function (e) { setShade(e.target.value); });
if (DOCS.length > 1) {
  $("doc-pick").hidden = false;
  DOCS.forEach(function (d, i) { $("doc").appendChild(el("option", {value: i}, d.source)); });
  $("doc").addEventListener("change", function (e) { load(Number(e.target.value)); });
}
load(0);
document.documentElement.dataset.ready = "1";
})();
</script>
</body>
</html>
"""
