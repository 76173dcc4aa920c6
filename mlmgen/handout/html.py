"""The handout as one self-contained HTML page.

No network: the CSS is inline, the equations are MathML (rendered by the browser itself), the plots are
inline SVG; there is no script, no font, image or style sheet to fetch. Every text from a model file, a data
path or a program is HTML-escaped. The print style sheet gives A4 pages: each model starts a page, the
programs print two by two, long lines wrap, figures and tables do not break across pages.
"""
from __future__ import annotations

from html import escape

from .content import Handout, Section
from .facts import Table, pkg_title

CSS = """
:root { --ink: #1d2330; --muted: #5b6474; --rule: #d5dae3; --code: #f5f7fa; --flag: #fff3cd; --accent: #2d5d8f; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 2000px; padding: 24px 32px 48px; color: var(--ink); background: #fff;
       font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-top: 8px; border-top: 3px solid var(--accent); }
h3 { font-size: 16px; margin: 22px 0 8px; color: var(--accent); }
/* the equations module titles its block with the model's title, already the section heading */
.equations .mlmgen-equations > h3 { display: none; }
p.meta, p.note, .footnote { color: var(--muted); font-size: 13px; }
nav ol { margin: 6px 0 0; padding-left: 22px; }
ul.words li, ul.interpretation li { margin: 2px 0; }
.equations math { font-size: 17px; margin: 6px 0; }
.equations .mlmgen-eq-section p { margin: 10px 0 2px; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
@media (min-width: 1900px) { .grid.programs { grid-template-columns: repeat(4, minmax(0, 1fr)); } }
.grid.outputs { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.panel { border: 1px solid var(--rule); border-radius: 4px; background: var(--code); min-width: 0; }
.panel h4 { margin: 0; padding: 6px 10px; font-size: 13px; border-bottom: 1px solid var(--rule); background: #e9edf3; }
pre { margin: 0; padding: 8px 10px; overflow-x: auto; font: 12px/1.35 "DejaVu Sans Mono", "Liberation Mono", monospace; }
.program pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.panel .footnote { margin: 0; padding: 6px 10px; border-top: 1px solid var(--rule); background: #fff; }
.refused { padding: 8px 10px; color: #8a1f11; font-size: 13px; }
table { border-collapse: collapse; margin: 6px 0 4px; font-size: 13px; }
th, td { border: 1px solid var(--rule); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #e9edf3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.differs td { background: var(--flag); }
figure { margin: 10px 0; break-inside: avoid; }
figure svg { width: 100%; max-width: 620px; height: auto; display: block; }
figcaption { font-size: 13px; color: var(--muted); }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.lrt li { margin: 4px 0; }
@media (max-width: 1100px) { .grid, .grid.outputs { grid-template-columns: 1fr; } }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-before: page; margin-top: 0; }
  section.model:first-of-type h2 { break-before: auto; }
  h3, h4 { break-after: avoid; }
  .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px; }
  .grid.outputs { grid-template-columns: 1fr; }
  .panel { break-inside: avoid; background: #fff; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 7.5pt; overflow: visible; }
  table, tr, figure, .equations math { break-inside: avoid; }
  .plots { grid-template-columns: 1fr 1fr; }
  nav { display: none; }
}
"""


def _table(t: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    rows = []
    for k, row in enumerate(t.rows):
        cells = "".join(f'<td class="num">{escape(c)}</td>' if _numeric(c) else f"<td>{escape(c)}</td>" for c in row)
        cls = ' class="differs"' if k in t.flagged else ""
        rows.append(f"<tr{cls}>{cells}</tr>")
    note = f'<p class="note">{escape(t.note)}</p>' if t.note else ""
    return (f'<h4>{escape(t.title)}</h4>\n<table><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(rows) + f"</tbody></table>{note}")


def _numeric(text: str) -> bool:
    try:
        float(text.replace(" / ", ""))
    except ValueError:
        return False
    return True


def _section(s: Section, index: int) -> str:
    out = [f'<section class="model" id="model-{index}" data-model="{escape(s.label)}">',
           f"<h2>{escape(s.label)}: {escape(s.title)}</h2>",
           "<h3>The model in words</h3>", '<ul class="words">']
    out += [f"<li>{escape(w)}</li>" for w in s.words]
    out += ["</ul>", "<h3>Equations</h3>", f'<div class="equations">{s.equations}</div>',
            "<h3>The four programs (data import, data preparation, model)</h3>", '<div class="grid programs">']
    for p in s.programs:
        out.append(f'<div class="panel program" data-package="{p.package}"><h4>{escape(pkg_title(p.package))}</h4>')
        if p.text is not None:
            out.append(f'<pre><code class="language-{p.package}">{escape(p.text)}</code></pre>')
        else:
            out.append(f'<p class="refused">{escape(p.problem or "")}</p>')
        out.append("</div>")
    out += ["</div>", "<h3>What each package prints</h3>", '<div class="grid outputs">']
    for pkg, o in s.outputs.items():
        out.append(f'<div class="panel output" data-package="{pkg}"><h4>{escape(pkg_title(pkg))}</h4>'
                   f"<pre><samp>{escape(o.text)}</samp></pre>"
                   f'<p class="footnote">{escape(o.footnote)}</p></div>')
    out += ["</div>", "<h3>Numbers that differ between packages, and why</h3>"]
    out += [_table(t) for t in s.tables]
    if s.interpretation:
        out += ["<h3>Interpretation</h3>", '<ul class="interpretation">']
        out += [f"<li>{escape(x)}</li>" for x in s.interpretation]
        out.append("</ul>")
    if s.plots or s.plot_note:
        out += ["<h3>Plots</h3>", '<div class="plots">']
        for p in s.plots:
            out.append(f'<figure data-kind="{p.kind}">{p.svg}<figcaption>{escape(p.caption)}</figcaption></figure>')
        out.append("</div>")
        if s.plot_note:
            out.append(f'<p class="note">{escape(s.plot_note)}</p>')
    out.append("</section>")
    return "\n".join(out)


def write_html(h: Handout) -> str:
    toc = "".join(f'<li><a href="#model-{k}">{escape(s.label)}: {escape(s.title)}</a></li>'
                  for k, s in enumerate(h.sections))
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(h.title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
             f"<h1>{escape(h.title)}</h1>",
             f'<p class="meta">Data: {escape(h.data)}; the programs read {escape(h.import_file)}. Generated by mlmgen: '
             "every program and printed output below comes from one model description.</p>",
             f"<nav><ol>{toc}</ol></nav>"]
    parts += [_section(s, k) for k, s in enumerate(h.sections)]
    if h.lrts:
        parts += ['<section class="lrt-tests">', "<h2>Likelihood-ratio tests between the models</h2>", '<ul class="lrt">']
        parts += [f'<li data-code="{escape(t.code or "")}"><strong>{escape(t.smaller)} vs {escape(t.larger)}</strong>: '
                  f"{escape(t.text)}</li>" for t in h.lrts]
        parts += ["</ul>", "</section>"]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
