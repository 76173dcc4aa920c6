"""SAS PROC MIXED: its facts (facts.py) and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect
from . import output, render, repeated, statements, syntax
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

    def repeated_numbering(self, model, out=None):
        """REPEATED over a CLASS variable: its CLASS order with the REF= level last. Read from the listing's
        Class Level Information when it has one (the values in SAS's order: `VIS2 VIS3 VIS4 VIS1`, as the mmrm
        repository's real listings print it), else assumed from the model's reference (repeated.py
        `sas_order`)."""
        var = model.residual.repeated
        c = model.categorical_map.get(var)
        text = ((out.extra.get("class_values") or {}) if out is not None else {}).get(var)
        if text and c is not None and c.levels:
            words = text.split()
            at = {}
            for lv in c.levels:
                n = len(lv.split())
                hits = [k for k in range(len(words) - n + 1) if " ".join(words[k:k + n]) == lv]
                if len(hits) != 1:
                    break
                at[lv] = hits[0]
            else:
                return sorted(c.levels, key=at.get)
        return repeated.sas_order(model)

    def settle_with_levels(self, ps):
        """REPEATED over a CLASS variable with REF= and an order-dependent TYPE: SAS numbers R in the CLASS order
        with the REF= level last (repeated.py `sas_order`). Read without levels this is an SY004 warning; with
        the levels known the visits get SAS's order and the warning goes."""
        pending = ps.extra.pop("repeated_order_pending", None)
        if pending is None or ps.model is None:
            return
        order = repeated.sas_order(ps.model)
        if order is None:
            ps.extra["repeated_order_pending"] = pending
            return
        var = ps.model.residual.repeated
        c = ps.model.categorical_map[var]
        if order != list(c.levels):
            ps.model = ps.model.with_(categoricals=tuple(x.with_levels(tuple(order)) if x is c else x
                                                         for x in ps.model.categoricals))
        ps.diagnostics[:] = [d for d in ps.diagnostics if d is not pending]

    def split_output(self, text, file=None):
        return output.split_output(text, file)

    def sniff(self, text):
        return syntax.sniff(text)
