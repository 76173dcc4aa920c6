"""Property test of `lint --fix` placement: for random models rendered in each package, with data loading,
comments and a second procedure around them, every set of one to three mechanical edits becomes a span edit whose result reads
back as exactly the edited model, and every byte outside the model's statements is kept. A refusal is
allowed only where the docs say so (R contrasts and term edits)."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mlmgen.diagnostics import Diagnostic, Location, MlmgenError, Severity
from mlmgen.dialects import get_dialect
from mlmgen.lint import Finding
from mlmgen.lint.apply import plan_fixes, same_model
from mlmgen.lint.fixes import (AddTerm, RemoveSlope, RemoveTerm, SetCovariance, SetMethod,
                               apply_edits)
from mlmgen.lint.textedits import apply_edits_to_text
from mlmgen.render import render
from strategies import expressible, models

EXAMPLES = int(os.environ.get("MLMGEN_HYPOTHESIS_EXAMPLES", "60"))
AROUND = {   # (before the model, after it): statements mlmgen does not read, kept byte for byte
    "sas": ("libname proj 'C:\\data';\n/* prepare */\ndata work.d; set proj.raw; if age > 18; run;\n",
            "\nproc means data=work.d; run;\n"),
    "lme4": ("# prepare\nd <- read.csv('d.csv')\nd <- subset(d, age > 18)\n", "\nsaveRDS(1, 'x.rds')\n"),
    "stata": ("* prepare\nuse \"d.dta\", clear\nmvdecode y, mv(-99)\n", "\nestat icc\n"),
    "spss": ("* prepare.\nGET FILE='d.sav'.\nRECODE y (-99=SYSMIS).\nMISSING VALUES x (999).\n",
             "\nDESCRIPTIVES VARIABLES=y.\n"),
}


@st.composite
def cases(draw):
    model = draw(models(max_predictors=4))
    dialect = draw(st.sampled_from(sorted(AROUND)))
    assume(expressible(model, dialect))
    kinds = ["method", "cov", "add"]
    if model.fixed:
        kinds.append("remove")
    if model.random.slopes and (model.random.intercept or len(model.random.slopes) > 1):
        kinds.append("remove_slope")
    edits = []
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=3, unique=True)):
        if kind == "method":
            edits.append(SetMethod("ml" if model.method == "reml" else "reml"))
        elif kind == "cov":
            edits.append(SetCovariance("vc" if model.random.covariance == "un" else "un"))
        elif kind == "add":
            edits.append(AddTerm(("zzq9",)))
        elif kind == "remove":
            edits.append(RemoveTerm(draw(st.sampled_from(model.fixed)).factors))
        else:
            edits.append(RemoveSlope(draw(st.sampled_from(model.random.slopes))))
    return model, dialect, edits


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.filter_too_much])
@given(cases())
def test_every_edit_is_placed_and_reads_back(case):
    model, dialect, edits = case
    before, after = AROUND[dialect]
    text = before + render(model, dialect) + after
    p = get_dialect(dialect).parse_syntax(text, "case")
    model = p.model                         # as read back (the renderer adds a data and object name)
    assert model is not None, text
    try:
        expected = apply_edits(model, edits)
    except MlmgenError:                     # the edit itself gives no valid model
        assume(False)
    findings = [Finding(Diagnostic("MS001", "test", Severity.WARNING, Location(file="case")), 0, e) for e in edits]
    plans, refusals = plan_fixes([p], findings)
    if same_model(expected, model):        # nothing to do (a covariance of a random intercept alone)
        assert not plans and not refusals
        return
    if refusals:
        term_edit = any(isinstance(e, (AddTerm, RemoveTerm)) for e in edits)
        allowed = model.contrasts and (dialect == "lme4" and term_edit or any(isinstance(e, RemoveTerm) for e in edits))
        assert allowed, (refusals[0].message, text)
        return
    new = apply_edits_to_text(text, plans["case"][0])
    assert same_model(get_dialect(dialect).parse_syntax(new, "case").model, expected), new
    assert new.startswith(before) and new.endswith(after)


STRIP = {   # the settings a rendering writes, removed: the package defaults apply, and a fix must insert them
    "sas": [(r" METHOD=\w+", ""), (r" TYPE=\w+", ""), (r"\s*DDFM=\w+", "")],
    "stata": [(r" covariance\(\w+\)", ""), (r" (reml|mle?)\b", ""), (r" dfmethod\(\w+\)", ""),
              (r",? ///\n\s*(dftable\(\w+\))?\s*(nolog)?\s*\n", "\n")],        # no option list left
    "spss": [(r"\n  /METHOD = \w+", ""), (r" COVTYPE\(\w+\)", "")],
    "lme4": [(r", REML=\w+", "")],
}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.filter_too_much])
@given(cases(), st.booleans())
def test_settings_left_to_the_default_are_inserted(case, swap):
    """The same with the method, covariance and df method of the rendering removed (left to the package
    defaults): a fix writing them inserts them where the package reads them, several at one place too."""
    import re
    model, dialect, _ = case
    before, after = AROUND[dialect]
    text = render(model, dialect)
    for pat, rep in STRIP[dialect]:
        text = re.sub(pat, rep, text)
    text = before + text + after
    p = get_dialect(dialect).parse_syntax(text, "case")
    assume(p.model is not None and not any(d.severity == Severity.ERROR for d in p.diagnostics))
    m = p.model
    edits = [SetMethod(("ml" if m.method == "reml" else "reml") if swap else m.method),
             SetCovariance(("vc" if m.random.covariance == "un" else "un") if swap else m.random.covariance)]
    if dialect in ("sas", "stata") and not p.explicit.get("ddf"):
        from mlmgen.lint.fixes import SetDdf
        edits.append(SetDdf(m.ddf))
    expected = apply_edits(m, edits)
    findings = [Finding(Diagnostic("PT001", "test", Severity.WARNING, Location(file="case")), 0, e) for e in edits]
    plans, refusals = plan_fixes([p], findings)
    assert not refusals, (refusals[0].message, text)
    new = apply_edits_to_text(text, plans["case"][0]) if plans else text
    q = get_dialect(dialect).parse_syntax(new, "case")
    assert same_model(q.model, expected), new
    assert new.startswith(before) and new.endswith(after)
