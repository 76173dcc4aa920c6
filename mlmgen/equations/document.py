"""The equations document: labelled sections of equations and notes, rendered in one of four formats.

Sections (lecture and Raudenbush-Bryk notation): Level-1, Level-2, Composite, Random effects, Definitions,
Levels (where each predictor's level came from; ASSUMED ones are flagged). Matrix notation: Model, Columns,
Definitions, Levels. Formats:

* ``latex``: a LaTeX fragment (amsmath): each section title as text, each equation in `\\[ ... \\]`;
* ``markdown``: `**Level-1:**` titles and `$$ ... $$` display math (as the lecture's own notes);
* ``text``: plain Unicode text;
* ``mathml``: an HTML fragment, `<section class="mlmgen-equations">` with `<math display="block">`
  elements (MathML Core, no scripts, no network), for a page such as the handout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .mathtree import Aligned
from .render_latex import latex
from .render_mathml import math_element
from .render_text import text

FORMATS = ("latex", "markdown", "text", "mathml")


@dataclass
class Section:
    title: str
    equations: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str
    sections: list[Section]

    def render(self, fmt: str) -> str:
        return {"latex": self.latex, "markdown": self.markdown, "text": self.text, "mathml": self.mathml}[fmt]()

    def text(self) -> str:
        out = [self.title, ""]
        for s in self.sections:
            out.append(f"{s.title}:")
            for eq in s.equations:
                out.extend("  " + ln for ln in text(eq).splitlines())
            out.extend(f"  - {n}" for n in s.notes)
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def latex(self) -> str:
        out = [f"% {self.title}", "% mlmgen equations (LaTeX, amsmath)"]
        for s in self.sections:
            out.append(f"\\noindent\\textbf{{{_tex_text(s.title)}:}}")
            for eq in s.equations:
                out.append("\\[ " + latex(eq) + " \\]")
            for n in s.notes:
                out.append(f"\\noindent {_tex_text(n)}\\par")
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def markdown(self) -> str:
        out = [f"### {self.title}", ""]
        for s in self.sections:
            out.append(f"**{s.title}:**")
            out.append("")
            for eq in s.equations:
                out.append("$$" + latex(eq) + "$$")
                out.append("")
            out.extend(f"- {n}" for n in s.notes)
            if s.notes:
                out.append("")
        return "\n".join(out).rstrip() + "\n"

    def mathml(self) -> str:
        out = ['<section class="mlmgen-equations">', f"<h3>{escape(self.title)}</h3>"]
        for s in self.sections:
            out.append(f'<div class="mlmgen-eq-section"><p><strong>{escape(s.title)}:</strong></p>')
            for eq in s.equations:
                out.append(math_element(eq))
            if s.notes:
                out.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in s.notes) + "</ul>")
            out.append("</div>")
        out.append("</section>")
        return "\n".join(out) + "\n"


_TEX = {"\\": "\\textbackslash{}", "_": "\\_", "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&", "{": "\\{",
        "}": "\\}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}


def _tex_text(s: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in s)


__all__ = ["Document", "Section", "FORMATS", "Aligned"]
