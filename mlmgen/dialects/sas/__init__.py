"""SAS PROC MIXED: its facts (facts.py) and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect
from . import output, render, statements, syntax
from .facts import SASFacts
from .placement import SASPlacement


class SAS(SASFacts, Dialect):
    placement = SASPlacement()

    def printed_term(self, factors):
        return render.term(factors)

    def mask(self, text):
        return statements.mask(text)[0]

    def residual_context(self, model, data_prep=False, import_file=None):
        """A residual structure: the same program with REPEATED (`repeated.py`)."""
        return render.context(model, data_prep, import_file), self.template

    def context(self, model, data_prep=False, import_file=None):
        return render.context(model, data_prep, import_file)

    def parse_syntax(self, text, file=None):
        return syntax.parse_syntax(text, file)

    def parse_output(self, text, file=None):
        return output.parse_output(text, file)

    def split_output(self, text, file=None):
        return output.split_output(text, file)

    def sniff(self, text):
        return syntax.sniff(text)
