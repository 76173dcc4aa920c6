"""The handout as Markdown (`--format md`) or LaTeX (`--format tex`), for editors that are not a browser.

Same content as the HTML page (content.py). Markdown: equations as `$$...$$` (mlmgen.equations, markdown),
programs and outputs as fenced code blocks, tables as pipe tables, plots as links to SVG files written beside
the handout (`plot_files`). LaTeX: a complete article (amsmath for the equations; programs and outputs in
`verbatim`), plots by `\\includegraphics` of PNG files written beside it (needs graphicx).
"""
from __future__ import annotations

from .content import Handout
from .facts import Table, pkg_title

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "_": r"\_",
                "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> str:
    lines = [f"**{t.title}**", "", "| " + " | ".join(_md_cell(h) for h in t.header) + " |",
             "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + (" | *differs*" if k in t.flagged else "") + " |"
              for k, row in enumerate(t.rows)]
    if t.note:
        lines += ["", t.note]
    return "\n".join(lines)


def plot_files(h: Handout, stem: str, ext: str) -> dict[str, tuple[object, str]]:
    """{file name: (fit section, kind)} for the plots a Markdown or LaTeX handout refers to."""
    return {f"{stem}-{s.label}-{p.kind}.{ext}": (s, p.kind) for s in h.sections for p in s.plots}


def write_markdown(h: Handout, stem: str) -> str:
    out = [f"# {h.title}", "", f"Data: `{h.data}`; the programs read `{h.import_file}`.", ""]
    for s in h.sections:
        out += [f"## {s.label}: {s.title}", "", "### The model in words", ""]
        out += [f"- {w}" for w in s.words]
        out += ["", "### Equations", "", s.equations.strip(), "", "### The four programs", ""]
        for p in s.programs:
            out += [f"**{pkg_title(p.package)}**", "", _fence(p.text, p.package) if p.text else f"> {p.problem}", ""]
        out += ["### What each package prints", ""]
        for pkg, o in s.outputs.items():
            out += [f"**{pkg_title(pkg)}**", "", _fence(o.text), "", f"*{o.footnote}*", ""]
        out += ["### Numbers that differ between packages, and why", ""]
        for t in s.tables:
            out += [_md_table(t), ""]
        if s.interpretation:
            out += ["### Interpretation", ""] + [f"- {x}" for x in s.interpretation] + [""]
        if s.plots:
            out += ["### Plots", ""]
            out += [f"![{p.caption}]({stem}-{s.label}-{p.kind}.svg)" for p in s.plots] + [""]
        if s.plot_note:
            out += [s.plot_note, ""]
    if h.lrts:
        out += ["## Likelihood-ratio tests between the models", ""]
        out += [f"- **{t.smaller} vs {t.larger}**: {t.text}" for t in h.lrts] + [""]
    return "\n".join(out)


def _tex_table(t: Table) -> str:
    cols = "|" + "l|" * len(t.header)
    rows = [" & ".join(tex_escape(c) for c in row) + r" \\ \hline" for row in t.rows]
    note = f"\n\n{{\\footnotesize {tex_escape(t.note)}}}" if t.note else ""
    return (f"\\paragraph{{{tex_escape(t.title)}}}\n{{\\footnotesize\\begin{{longtable}}{{{cols}}}\\hline\n"
            + " & ".join(tex_escape(x) for x in t.header) + r" \\ \hline" + "\n" + "\n".join(rows)
            + f"\n\\end{{longtable}}}}{note}")


def _verbatim(text: str) -> str:
    if "\\end{verbatim}" in text:
        text = text.replace("\\end{verbatim}", "\\end {verbatim}")
    return "{\\scriptsize\n\\begin{verbatim}\n" + text.rstrip() + "\n\\end{verbatim}\n}"


def write_latex(h: Handout, stem: str) -> str:
    out = [r"\documentclass[a4paper,10pt]{article}", r"\usepackage[margin=15mm]{geometry}",
           r"\usepackage{amsmath,amssymb,graphicx,longtable}", r"\usepackage[T1]{fontenc}", r"\usepackage[utf8]{inputenc}",
           r"\begin{document}", f"\\section*{{{tex_escape(h.title)}}}",
           f"Data: \\texttt{{{tex_escape(h.data)}}}; the programs read \\texttt{{{tex_escape(h.import_file)}}}."]
    for s in h.sections:
        out += [r"\clearpage", f"\\section{{{tex_escape(s.label)}: {tex_escape(s.title)}}}",
                r"\subsection*{The model in words}", r"\begin{itemize}"]
        out += [f"\\item {tex_escape(w)}" for w in s.words]
        out += [r"\end{itemize}", r"\subsection*{Equations}", s.equations, r"\subsection*{The four programs}"]
        for p in s.programs:
            out += [f"\\paragraph{{{tex_escape(pkg_title(p.package))}}}",
                    _verbatim(p.text) if p.text else tex_escape(p.problem or "")]
        out.append(r"\subsection*{What each package prints}")
        for pkg, o in s.outputs.items():
            out += [f"\\paragraph{{{tex_escape(pkg_title(pkg))}}}", _verbatim(o.text),
                    f"{{\\footnotesize\\emph{{{tex_escape(o.footnote)}}}}}"]
        out.append(r"\subsection*{Numbers that differ between packages, and why}")
        out += [_tex_table(t) for t in s.tables]
        if s.interpretation:
            out += [r"\subsection*{Interpretation}", r"\begin{itemize}"]
            out += [f"\\item {tex_escape(x)}" for x in s.interpretation] + [r"\end{itemize}"]
        for p in s.plots:
            out += [r"\begin{figure}[h]\centering",
                    f"\\includegraphics[width=0.7\\linewidth]{{{stem}-{s.label}-{p.kind}.png}}",
                    f"\\caption{{{tex_escape(p.caption)}}}", r"\end{figure}"]
    if h.lrts:
        out += [r"\section*{Likelihood-ratio tests between the models}", r"\begin{itemize}"]
        out += [f"\\item \\textbf{{{tex_escape(t.smaller)} vs {tex_escape(t.larger)}}}: {tex_escape(t.text)}"
                for t in h.lrts] + [r"\end{itemize}"]
    out += [r"\end{document}", ""]
    return "\n".join(out)
