"""R lme4/lmerTest: its facts (facts.py) and the three translations (render.py, syntax.py, output.py)."""
from __future__ import annotations

from ..base import Dialect
from . import (factor_names, glmmtmb, glmmtmb_output, gls, lrt, mmrm, nlme_output, output, render,
               residual_forms, statements, syntax)
from .facts import LME4Facts
from .placement import LME4Placement


class LME4(LME4Facts, Dialect):
    placement = LME4Placement()

    def printed_term(self, factors):
        return render.r_term(factors)

    def print_order(self, model):
        """R sorts formula terms by degree (`I(x^2)` is one variable, so it comes before the interactions) and
        prints them in that order: the order the rendered formula lists them."""
        return model.with_(fixed=tuple(model.fixed[i] for i in render.r_order(model)))

    def mask(self, text):
        return statements.mask(text)[0]

    def context(self, model, data_prep=False, import_file=None):
        return render.context(model, data_prep, import_file)

    # the R forms of a model with a residual structure, the first the default (residual_forms.py)
    residual_forms = residual_forms.FORMS

    def residual_context(self, model, data_prep=False, import_file=None, form=None):
        """A residual structure: nlme gls/lme (`gls.py`, the default), glmmTMB (`glmmtmb.py`) or mmrm (`mmrm.py`)."""
        module = {"glmmTMB": glmmtmb, "mmrm": mmrm}.get(form, gls)
        return module.context(model, data_prep, import_file), module.TEMPLATE

    def refuse_form(self, model, form):
        """RN001: a form (`--r-package`) asked for a model without a residual structure."""
        residual_forms.refuse_two_level(model, form)

    def parse_syntax(self, text, file=None):
        return syntax.parse_syntax(text, file)

    def parse_output(self, text, file=None):
        if nlme_output.is_nlme(text):           # nlme gls/lme summaries (R-side structures)
            return nlme_output.parse_output(text, file)
        if glmmtmb_output.is_glmmtmb(text):     # glmmTMB us()/cs()/ar1()/toep() with dispformula = ~0
            return glmmtmb_output.parse_output(text, file)
        return output.parse_output(text, file)

    def read_factor_column(self, printed, levels, numbered=None):
        return factor_names.read_column(printed, levels, numbered)

    def split_output(self, text, file=None):
        if nlme_output.is_nlme(text):
            return nlme_output.split_output(text, file)
        if glmmtmb_output.is_glmmtmb(text):
            return glmmtmb_output.split_output(text, file)
        return output.split_output(text, file)

    def lrt_calls(self, text):
        return lrt.lrt_calls(text)

    def named_fits(self, text):
        return lrt.named_fits(text)

    def sniff(self, text):
        return syntax.sniff(text)
