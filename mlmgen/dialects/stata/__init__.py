"""Stata mixed: its facts (facts.py) and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect
from . import lrt, output, render, residuals, syntax
from .facts import StataFacts
from .placement import StataPlacement


class Stata(StataFacts, Dialect):
    placement = StataPlacement()

    def residual_context(self, model, data_prep=False, import_file=None):
        """A residual structure: `residuals(..., t())` (`residuals.py`)."""
        return residuals.context(model, data_prep, import_file), self.template

    def printed_term(self, factors):
        return factors[0] if len(factors) == 1 else render.term(factors)     # c. only in products

    def mask(self, text):
        return syntax.mask(text)[0]

    def context(self, model, data_prep=False, import_file=None):
        return render.context(model, data_prep, import_file)

    def parse_syntax(self, text, file=None):
        return syntax.parse_syntax(text, file)

    def parse_output(self, text, file=None):
        return output.parse_output(text, file)

    def split_output(self, text, file=None):
        return output.split_output(text, file)

    def lrt_calls(self, text):
        return lrt.lrt_calls(text)

    def named_fits(self, text):
        return lrt.named_fits(text)

    def sniff(self, text):
        return syntax.sniff(text)
