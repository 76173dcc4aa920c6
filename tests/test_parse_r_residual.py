"""The R reader of residual structures (dialects/lme4/residual_syntax.py): nlme gls()/lme() and glmmTMB() as mlmgen
renders them and as people write them, the nlme renumbering trap read with a warning, and what cannot be read
refused (SY004) with the reason. Checked against mlmgen's own renderings and hand-written code; the R programs
themselves are run in tests/test_residual_forms_r.py and tests/test_residual_model_r.py."""
from __future__ import annotations

import pytest

from mlmgen.dialects.lme4.syntax import parse_syntax
from mlmgen.modelfile import loads_model
from mlmgen.render import render
from mlmgen.residual import Residual
from mlmgen.dialects.sas.syntax import parse_syntax as parse_sas
from mlmgen.samemodel import Snippet, compare
from mlmgen.translate import translate

from test_parse_residual import MMRM, model

MMRM_SP = MMRM.replace('type = "UN"', 'type = "SP(POW)"').replace('repeated = "visit"', 'repeated = "week"')

NLME = ["UN", "CS", "CSH", "AR(1)", "ARH(1)", "TOEP", "TOEPH"]
TMB = ["UN", "CSH", "AR(1)", "TOEPH"]


def errors(ps, code="SY004"):
    return [d.message for d in ps.diagnostics if d.code == code and d.severity.name == "ERROR"]


def check_read_back(m, form):
    ps = parse_syntax(render(m, "lme4", form=form))
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == m.residual
    assert ps.model.fixed == m.fixed and ps.model.categoricals == m.categoricals
    assert ps.model.random.effects == m.random.effects and ps.model.method == m.method
    assert not [d for d in ps.diagnostics if d.severity.name == "ERROR"]
    return ps


@pytest.mark.parametrize("kind", NLME)
def test_nlme_renderings_read_back(kind):
    ps = check_read_back(model(kind), "nlme")
    assert ps.model.ddf == "residual" and not ps.explicit["ddf"]      # gls prints t tests with N - p df
    assert ps.model.lsmeans == model(kind).lsmeans


@pytest.mark.parametrize("kind", TMB)
def test_glmmtmb_renderings_read_back(kind):
    ps = check_read_back(model(kind), "glmmTMB")
    assert ps.model.ddf == "none"                                   # glmmTMB prints z tests


def test_random_intercept_forms_read_back():
    m = model("AR(1)").with_(random=model("AR(1)").random.__class__(intercept=True))
    for form in ("nlme", "glmmTMB"):
        ps = check_read_back(m, form)
        assert ps.model.random.intercept


HEAD = '''library(nlme)
d$visit = factor(d$visit, levels = c("W1", "W2", "W4"))
d$arm = factor(d$arm, levels = c("PBO", "TRT"))
'''


@pytest.mark.parametrize("call, expected", [
    ("gls(y ~ arm * visit, data = d, correlation = corSymm(form = ~ as.integer(visit) | id), "
     "weights = varIdent(form = ~ 1 | visit))", Residual("UN", "visit", "id")),
    ("gls(y ~ arm * visit, d, corAR1(form = ~ as.integer(visit) | id), method = 'ML')", Residual("AR1", "visit", "id")),
    ("gls(y ~ arm * visit, data = d, correlation = corCompSymm(form = ~ 1 | id), "
     "weights = varIdent(form = ~ 1 | visit))", Residual("CSH", "visit", "id")),
    ("gls(y ~ arm * visit, data = d, correlation = corARMA(form = ~ as.integer(visit) | id, p = 2))",
     Residual("TOEP", "visit", "id")),
    ("lme(y ~ arm * visit, data = d, random = ~ 1 | id, correlation = corAR1(form = ~ as.integer(visit) | id))",
     Residual("AR1", "visit", "id")),
    ("gls(y ~ arm * week, data = d, correlation = corCAR1(form = ~ week | id))", Residual("SP(POW)", "week", "id")),
])
def test_hand_written_nlme(call, expected):
    ps = parse_syntax(HEAD + "m <- " + call + "\nsummary(m)\n")
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == expected
    assert not errors(ps)


def test_the_renumbering_trap_is_read_with_a_warning():
    """`as.integer(factor(visit))` inside the correlation formula: nlme evaluates it per subject and renumbers
    the visits after a missing one (measured in tests/test_residual_model_r.py); read as what it means, warned,
    and translate refuses it without --partial (the R code fits another model when visits are missing)."""
    text = HEAD + ("m <- gls(y ~ arm * visit, data = d, correlation = corSymm(form = ~ as.integer(factor(visit)) | id),"
                   " weights = varIdent(form = ~ 1 | visit))\n")
    ps = parse_syntax(text)
    assert ps.model is not None and ps.model.residual == Residual("UN", "visit", "id")
    warn = [d for d in ps.diagnostics if d.code == "SY004" and d.severity.name == "WARNING"]
    assert warn and "renumbers" in warn[0].message and warn[0].fix is not None
    tr = translate(text, "sas", "lme4")
    assert tr.refused and not tr.outputs
    assert "TYPE=UN" in translate(text, "sas", "lme4", partial=True).outputs["sas"]


@pytest.mark.parametrize("call, what", [
    ("gls(y ~ visit, data = d, correlation = corSymm(form = ~ as.integer(visit) | id))", "one common variance"),
    ("gls(y ~ visit, data = d, correlation = corAR1(form = ~ 1 | id))", "place in the data"),
    ("gls(y ~ visit, data = d, correlation = corAR1(form = ~ week | id))", "differences of week's values"),
    ("gls(y ~ visit, data = d, correlation = corARMA(form = ~ as.integer(visit) | id, p = 1))", "p = T - 1"),
    ("gls(y ~ visit, data = d, correlation = corExp(form = ~ week | id))", "corExp"),
    ("gls(y ~ visit, data = d, weights = varIdent(form = ~ 1 | visit))", "UN(1)"),
    ("gls(y ~ visit, data = d, correlation = corAR1(form = ~ as.integer(visit) | id), "
     "weights = varPower())", "variance function"),
    ("gls(y ~ visit, data = d, correlation = corAR1(form = ~ as.integer(visit) | id), "
     "weights = varIdent(form = ~ 1 | arm))", "another variable"),
    ("lme(y ~ visit, data = d, random = ~ 1 + week | id, correlation = corAR1(form = ~ as.integer(visit) | id))",
     "random part"),
    ("gls(y ~ visit, data = d)", "ordinary linear model"),
])
def test_nlme_refusals(call, what):
    ps = parse_syntax(HEAD + "m <- " + call + "\n")
    assert ps.model is None
    assert any(what in msg for msg in errors(ps)), errors(ps)


def test_relevel_moves_the_reference_first():
    text = (HEAD + 'd$visit = relevel(d$visit, ref = "W4")\n'
            "m <- gls(y ~ visit, data = d, correlation = corAR1(form = ~ as.integer(visit) | id))\n")
    assert any("relevel" in msg for msg in errors(parse_syntax(text)))
    # UN does not depend on the order: read
    un = text.replace("corAR1(", "corSymm(").replace("))\n", "), weights = varIdent(form = ~ 1 | visit))\n")
    assert parse_syntax(un).model.residual == Residual("UN", "visit", "id")


GLMMTMB = '''library(glmmTMB)
d$visit = factor(d$visit, levels = c("W1", "W2", "W4"))
m = glmmTMB(y ~ visit + %s, data = d, REML = TRUE%s)
'''


@pytest.mark.parametrize("term, disp, expected", [
    ("us(0 + visit | id)", ", dispformula = ~0", Residual("UN", "visit", "id")),
    ("cs(visit + 0 | id)", ", dispformula = ~ 0", Residual("CSH", "visit", "id")),
    ("ar1(0 + visit | id)", ", dispformula = ~0", Residual("AR1", "visit", "id")),
    ("toep(0 + visit | id)", ", dispformula = ~0", Residual("TOEPH", "visit", "id")),
])
def test_hand_written_glmmtmb(term, disp, expected):
    ps = parse_syntax(GLMMTMB % (term, disp))
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == expected and ps.model.method == "reml"


@pytest.mark.parametrize("term, disp, what", [
    ("us(0 + visit | id)", "", "dispformula = ~0"),
    ("us(visit | id)", ", dispformula = ~0", "intercept column"),
    ("diag(0 + visit | id)", ", dispformula = ~0", "diag"),
    ("ar1(0 + week | id)", ", dispformula = ~0", "not a factor"),
])
def test_glmmtmb_refusals(term, disp, what):
    ps = parse_syntax(GLMMTMB % (term, disp))
    assert ps.model is None
    assert any(what in msg for msg in errors(ps)), errors(ps)


def test_same_on_r_renderings_and_sas():
    """nlme, glmmTMB and SAS renderings of one MMRM: the same residual structure, fixed part and levels (the df
    differ: nlme prints N - p t tests, glmmTMB z tests, and `same` says so)."""
    m = model("AR(1)")
    snips = [Snippet.from_parsed("sas", parse_sas(render(m, "sas"))),
             Snippet.from_parsed("nlme", parse_syntax(render(m, "lme4"))),
             Snippet.from_parsed("glmmTMB", parse_syntax(render(m, "lme4", form="glmmTMB")))]
    c = compare(snips)
    aspects = {d.aspect for d in c.differences if d.material}
    assert aspects == {"ddf"}, [str(d) for d in c.differences]
    assert any("residual: TYPE=AR(1) over visit" in a for a in c.agreements)
    # another structure is a difference
    c = compare(snips[:1] + [Snippet.from_parsed("un", parse_syntax(render(model("UN"), "lme4")))])
    assert "residual" in {d.aspect for d in c.differences}


# ---- the mmrm package (not installed here: read as its documentation describes it, mlmgen's rendering read back)

@pytest.mark.parametrize("kind", NLME)
def test_mmrm_renderings_read_back(kind):
    for ddf in ("kenward-roger", "satterthwaite"):
        m = model(kind).with_(ddf=ddf)
        ps = parse_syntax(render(m, "lme4", form="mmrm"))
        assert ps.model is not None, [d.message for d in ps.diagnostics]
        assert ps.model.residual == m.residual and ps.model.ddf == ddf and ps.explicit["ddf"]
        assert ps.model.categoricals == m.categoricals and ps.model.lsmeans == m.lsmeans
        warned = [d.message for d in ps.diagnostics if d.code == "SY004" and d.severity.name != "INFO"]
        # SAS's DDFM=KR is mmrm's "Kenward-Roger-Linear" only for the structures linear in SAS's parameters
        assert bool(warned) == (ddf == "kenward-roger" and kind not in ("UN", "CS", "TOEP")), warned


@pytest.mark.parametrize("call, expected, ddf", [
    ('mmrm(FEV1 ~ ARMCD * AVISIT + us(AVISIT | USUBJID), data = d)', Residual("UN", "AVISIT", "USUBJID"),
     "satterthwaite"),
    ('mmrm(FEV1 ~ ARMCD * AVISIT + ar1(AVISIT | ARMCD / USUBJID), data = d, method = "Kenward-Roger", '
     'vcov = "Kenward-Roger-Linear")', Residual("AR1", "AVISIT", "USUBJID", "ARMCD"), "kenward-roger"),
    ('mmrm(FEV1 ~ ARMCD + sp_exp(time | USUBJID), data = d, method = "Residual", vcov = "Asymptotic")',
     Residual("SP(POW)", "time", "USUBJID"), "residual"),
])
def test_hand_written_mmrm(call, expected, ddf):
    head = 'd$AVISIT = factor(d$AVISIT, levels = c("VIS1", "VIS2", "VIS3", "VIS4"))\n'
    ps = parse_syntax(head + "fit <- " + call + "\n")
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == expected and ps.model.ddf == ddf and ps.model.method == "reml"


@pytest.mark.parametrize("call, what", [
    ('mmrm(FEV1 ~ AVISIT + ad(AVISIT | USUBJID), data = d)', "ad()"),
    ('mmrm(FEV1 ~ AVISIT + us(AVISIT | USUBJID), data = d, method = "Residual")', "sandwich"),
    ('mmrm(FEV1 ~ AVISIT + us(AVISIT | USUBJID), data = d, method = "Satterthwaite", vcov = "Empirical")',
     "sandwich"),
    ('mmrm(FEV1 ~ AVISIT + us(AVISIT | USUBJID), data = d, weights = d$w)', "weights"),
])
def test_mmrm_refusals(call, what):
    head = 'd$AVISIT = factor(d$AVISIT, levels = c("VIS1", "VIS2", "VIS3", "VIS4"))\n'
    ps = parse_syntax(head + "fit <- " + call + "\n")
    assert any(what in msg for msg in errors(ps)), [d.message for d in ps.diagnostics]


def test_same_compares_the_visit_order_of_an_ar1():
    """Two AR(1) structures over visits in different orders are different models (lags differ); reversed is the
    same. mlmgen's renderings keep the order (SPSS over its position factor)."""
    from mlmgen.dialects.spss.syntax import parse_syntax as parse_spss
    m = model("AR(1)")
    same = [Snippet.from_parsed("sas", parse_sas(render(m, "sas"))),
            Snippet.from_parsed("spss", parse_spss(render(m, "spss"))),
            Snippet.from_parsed("r", parse_syntax(render(m, "lme4", form="glmmTMB")))]
    assert not [d for d in compare(same).differences if d.aspect == "residual"]
    shuffled = m.with_(categoricals=tuple(c.__class__(c.name, ("W2", "W1", "W4"), c.reference)
                                          if c.name == "visit" else c for c in m.categoricals))
    reversed_ = m.with_(categoricals=tuple(c.__class__(c.name, ("W4", "W2", "W1"), c.reference)
                                           if c.name == "visit" else c for c in m.categoricals))
    # (SAS's CLASS leaves the levels to the data: compared where both snippets declare them)
    c = compare(same[1:] + [Snippet.from_parsed("x", parse_syntax(render(shuffled, "lme4", form="glmmTMB")))])
    assert any("order of the visits" in d.message for d in c.differences)
    c = compare(same[1:] + [Snippet.from_parsed("x", parse_syntax(render(reversed_, "lme4", form="glmmTMB")))])
    assert not any("order of the visits" in d.message for d in c.differences)


@pytest.mark.parametrize("text", [
    "m <- glmmTMB(y ~ us(0 + v | id), dispformula = ~0, data = d)",
    "m <- mmrm(y ~ us(v | id), data = d)",
])
def test_structure_as_the_only_term(text):
    ps = parse_syntax(text)
    assert ps.model is not None and ps.model.residual.structure == "UN" and ps.model.fixed == ()
    assert ps.model.intercept


def test_glmmtmb_exp_on_numfactor_is_spatial_power():
    text = ("library(glmmTMB)\nd$c = numFactor(d$week)\n"
            "m = glmmTMB(y ~ week + exp(0 + c | id), data = d, REML = TRUE, dispformula = ~0)\n")
    ps = parse_syntax(text)
    assert ps.model is not None and ps.model.residual == Residual("SP(POW)", "week", "id")
    assert "numFactor" in errors(parse_syntax(text.replace("exp(0 + c", "exp(0 + week")))[0]
    sp = loads_model(MMRM_SP)
    assert parse_syntax(render(sp, "lme4", form="glmmTMB")).model.residual == sp.residual
