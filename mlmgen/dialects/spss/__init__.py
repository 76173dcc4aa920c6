"""SPSS MIXED: its facts (facts.py) and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect
from . import output, render, repeated, syntax
from .facts import SPSSFacts
from .placement import SPSSPlacement


class SPSS(SPSSFacts, Dialect):
    placement = SPSSPlacement()

    def printed_term(self, factors):
        return render.term(factors)

    def mask(self, text):
        return syntax.mask(text)[0]

    def context(self, model, data_prep=False, import_file=None):
        return render.context(model, data_prep, import_file)

    def residual_context(self, model, data_prep=False, import_file=None):
        """A residual structure: /REPEATED (`repeated.py`; UN, CS, CSH)."""
        return repeated.context(model, data_prep, import_file), self.template

    def parse_syntax(self, text, file=None):
        return syntax.parse_syntax(text, file)

    def parse_output(self, text, file=None):
        return output.parse_output(text, file)

    def split_output(self, text, file=None):
        return output.split_output(text, file)

    def sniff(self, text):
        return syntax.sniff(text)
