"""Lab handouts: several models on one page with their equations, the four runnable programs, what each
package will print, the numbers that differ between packages and why, interpretation lines, plots, and the
likelihood-ratio tests between the models (`mlmgen handout`; docs/handout.md).

    content.build(models, data, fmt=...)  -> Handout     (content.py, facts.py, outputs.py)
    html.write_html(handout)              -> str          one self-contained page (MathML, inline SVG, inline CSS)
    text_formats.write_markdown / write_latex             for other editors (plots as files beside them)
"""
from __future__ import annotations

from .content import Handout, build
from .html import write_html
from .text_formats import plot_files, write_latex, write_markdown

FORMATS = ("html", "md", "tex")


def handout_text(handout: Handout, fmt: str, stem: str) -> str:
    """The handout written in `fmt` (html | md | tex); `stem` names the plot files md and tex refer to."""
    if fmt == "html":
        return write_html(handout)
    if fmt == "md":
        return write_markdown(handout, stem)
    return write_latex(handout, stem)


__all__ = ["FORMATS", "Handout", "build", "handout_text", "plot_files", "write_html", "write_latex",
           "write_markdown"]
