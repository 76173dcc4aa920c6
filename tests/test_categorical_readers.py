"""Issue 11, items 2 (formulas) and 4: the four syntax readers read categorical declarations (SAS CLASS with
REF=/ORDER=, R factor()/relevel()/C()/contrasts, Stata i./ib#./ib(first|last)./ibn., SPSS BY) with each
package's default reference; parse and same carry them; lme4 formula strings with factor() fit end to end."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.categorical import FIRST, LAST
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError, Severity
from mlmgen.formula import model_from_formula, parse_formula
from mlmgen.modelfile import loads_model
from mlmgen.samemodel import compare_parsed
from mlmgen.translate import parse_text, translate


def cats(ps):
    return {c.name: (c.levels, c.reference, c.coding) for c in ps.model.categoricals}


def codes(ps, sev=None):
    return [d.code for d in ps.diagnostics if sev is None or d.severity == sev]


# ------------------------------------------------------------------ SAS

SAS = "proc mixed; class {cls}; model y = {fixed} / solution; random intercept / subject=school; run;"


def sas(cls="school sex", fixed="sex x", proc="proc mixed", rest=""):
    return parse_text(SAS.format(cls=cls, fixed=fixed).replace("proc mixed", proc) + rest, "sas")


def test_sas_class_predictor_has_sas_default_reference_the_last_level():
    ps = sas()
    assert cats(ps) == {"sex": (None, LAST, "treatment")}
    assert ps.model.cluster == "school" and "school" not in ps.model.categorical_map   # SUBJECT= stays the cluster
    assert not [d for d in ps.diagnostics if d.severity != Severity.INFO]
    assert ps.locations["categorical:sex"].text == "sex"


@pytest.mark.parametrize("cls, ref", [
    ("school sex(REF='F')", "F"), ('school sex(ref="F")', "F"), ("school sex(REF=FIRST)", FIRST),
    ("school sex(ref=last)", LAST), ("school sex / REF=FIRST", FIRST), ("school sex(REF='M') / REF=FIRST", "M"),
    ("school sex(REF='O''Neil')", "O'Neil"),
])
def test_sas_ref_options(cls, ref):
    ps = sas(cls)
    assert cats(ps)["sex"][1] == ref and codes(ps, Severity.ERROR) == []
    assert ("sex" in ps.extra.get("reference_written", set())) is True


def test_sas_interactions_and_random_slope_of_a_class_variable():
    ps = parse_text("proc mixed; class school sex den; model y = x sex x*sex den sex*den; "
                    "random intercept sex / subject=school type=un; run;", "sas")
    assert [t.name for t in ps.model.fixed] == ["x", "sex", "x:sex", "den", "sex:den"]
    assert set(cats(ps)) == {"sex", "den"} and ps.model.random.slopes == ("sex",)
    ps = parse_text("proc mixed; class school a b; model y = a|b; random int / sub=school; run;", "sas")
    assert [t.name for t in ps.model.fixed] == ["a", "b", "a:b"] and set(cats(ps)) == {"a", "b"}


def test_sas_class_names_fold_case_and_keep_the_first_spelling():
    ps = parse_text("proc mixed; class School Sex; model y = SEX x; random int / sub=school; run;", "sas")
    assert cats(ps) == {"Sex": (None, LAST, "treatment")} and ps.model.cluster == "School"


def test_sas_order_data_or_freq_needs_a_named_reference():
    ps = sas(proc="proc mixed order=data")
    [d] = [d for d in ps.diagnostics if d.code == "SY004"]
    assert d.severity == Severity.ERROR and "ORDER=DATA" in d.message and "REF='level'" in d.fix.title
    assert d.location.text == "order=data"
    ps = sas(cls="school sex(REF='M')", proc="proc mixed order=freq")
    assert codes(ps, Severity.ERROR) == [] and cats(ps)["sex"][1] == "M"
    for order in ("internal", "formatted"):
        ps = sas(proc=f"proc mixed order={order}")
        assert codes(ps, Severity.ERROR) == [] and cats(ps)["sex"][1] == LAST
    ps = sas(proc="proc mixed order=alphabet")
    assert "SY001" in codes(ps)


def test_sas_format_of_a_class_predictor_without_ref_is_refused():
    ps = parse_text("proc mixed; class school sex; format sex sexfmt.; model y = sex; "
                    "random int / sub=school; run;", "sas")
    assert any(d.code == "SY004" and "FORMAT" in d.message for d in ps.diagnostics)
    ps = parse_text("proc mixed; class school sex(ref='Male'); format sex sexfmt.; model y = sex; "
                    "random int / sub=school; run;", "sas")
    assert codes(ps, Severity.ERROR) == [] and cats(ps)["sex"][1] == "Male"


def test_sas_bad_ref_is_sy001():
    ps = sas("school sex(REF=)")
    assert "SY001" in codes(ps)
    ps = sas("school sex / REF='F'")
    assert "SY001" in codes(ps)


# ------------------------------------------------------------------ Stata

@pytest.mark.parametrize("text, want", [
    ("mixed y i.sex c.x || school:", {"sex": (None, FIRST, "treatment")}),
    ("mixed y ib2.den x || school:", {"den": (None, "2", "treatment")}),
    ("mixed y b2.den x || school:", {"den": (None, "2", "treatment")}),
    ("mixed y ib(first).sex || school:", {"sex": (None, FIRST, "treatment")}),
    ("mixed y ib(last).sex || school:", {"sex": (None, LAST, "treatment")}),
    ("mixed y ib(#1).sex || school:", {"sex": (None, FIRST, "treatment")}),
    ("mixed y ibn.sex, noconstant || school:", {"sex": (None, FIRST, "treatment")}),
    ("mixed y i.sex##c.x || school:", {"sex": (None, FIRST, "treatment")}),
    ("mixed y i.a##i.b || school:", {"a": (None, FIRST, "treatment"), "b": (None, FIRST, "treatment")}),
    ("mixed y i.a i.w i.a#i.w || school:", {"a": (None, FIRST, "treatment"), "w": (None, FIRST, "treatment")}),
    ("mixed y i.a i.w a#w || school:", {"a": (None, FIRST, "treatment"), "w": (None, FIRST, "treatment")}),
    ("mixed y c.x x || school:", {}),
])
def test_stata_factor_variables(text, want):
    ps = parse_text(text, "stata")
    assert codes(ps, Severity.ERROR) == [], ps.diagnostics
    assert (cats(ps) if ps.model.categoricals else {}) == want


def test_stata_interactions_expand_in_statas_order():
    ps = parse_text("mixed y i.sex##c.x || school:", "stata")
    assert [t.name for t in ps.model.fixed] == ["sex", "x", "sex:x"]
    assert ps.model.with_levels({"sex": ("0", "1")}).fixed_names == ("Intercept", "sex[1]", "x", "sex[1]:x")


@pytest.mark.parametrize("text, piece", [
    ("mixed y ib(freq).sex || school:", "ib(freq)."),
    ("mixed y ib(#2).sex || school:", "level number 2"),
    ("mixed y ibn.sex || school:", "ibn.sex"),
    ("mixed y i(1 2).sex || school:", "i(1 2)."),
    ("mixed y c.x i.x || school:", "both as a continuous variable and as a factor"),
    ("mixed y x z x#z || school:", "both as a continuous variable and as a factor"),
    ("mixed y i.x || school: x", "both as a continuous variable and as a factor"),
    ("mixed y i.school x || school:", "cluster variable school as a fixed predictor"),
])
def test_stata_refusals(text, piece):
    ps = parse_text(text, "stata")
    msgs = " | ".join(d.message for d in ps.diagnostics if d.code == "SY004" and d.severity == Severity.ERROR)
    assert piece in msgs, msgs


# ------------------------------------------------------------------ SPSS

def test_spss_by_factors_are_categorical_with_the_last_level_reference():
    ps = parse_text("MIXED y BY sex denomina WITH x\n /FIXED = sex x sex*x denomina\n"
                    " /RANDOM = INTERCEPT | SUBJECT(school) COVTYPE(VC).", "spss")
    assert cats(ps) == {"sex": (None, LAST, "treatment"), "denomina": (None, LAST, "treatment")}
    assert [t.name for t in ps.model.fixed] == ["sex", "x", "sex:x", "denomina"]
    assert codes(ps, Severity.ERROR) == []


def test_spss_subject_in_by_stays_the_cluster_and_random_slope_of_a_factor():
    ps = parse_text("MIXED y BY school sex WITH x\n /FIXED = sex x\n"
                    " /RANDOM = INTERCEPT sex | SUBJECT(school) COVTYPE(UN).", "spss")
    assert cats(ps) == {"sex": (None, LAST, "treatment")} and ps.model.random.slopes == ("sex",)


def test_spss_a_variable_after_by_and_with_is_an_error():
    ps = parse_text("MIXED y BY sex WITH sex\n /FIXED = sex\n /RANDOM = INTERCEPT | SUBJECT(g).", "spss")
    assert "SY001" in codes(ps, Severity.ERROR)


# ------------------------------------------------------------------ R formulas

@pytest.mark.parametrize("formula, want", [
    ("y ~ factor(sex) + x + (1|g)", {"sex": (None, FIRST, "treatment")}),
    ("y ~ as.factor(sex) + (1|g)", {"sex": (None, FIRST, "treatment")}),
    ('y ~ relevel(factor(sex), ref = "F") + (1|g)', {"sex": (None, "F", "treatment")}),
    ("y ~ relevel(sex, 'F') + (1|g)", {"sex": (None, "F", "treatment")}),
    ('y ~ factor(sex, levels = c("M", "F")) + (1|g)', {"sex": (("M", "F"), FIRST, "treatment")}),
    ("y ~ factor(den, levels = c(4, 1, 2, 3)) + (1|g)", {"den": (("4", "1", "2", "3"), FIRST, "treatment")}),
    ("y ~ factor(den, levels = 1:3) + (1|g)", {"den": (("1", "2", "3"), FIRST, "treatment")}),
    ('y ~ relevel(factor(den, levels = c("a", "b", "c")), ref = 2) + (1|g)',
     {"den": (("b", "a", "c"), "b", "treatment")}),
    ("y ~ C(sex, contr.sum) + (1|g)", {"sex": (None, LAST, "sum")}),
    ('y ~ C(factor(sex), "contr.sum") + (1|g)', {"sex": (None, LAST, "sum")}),
    ("y ~ C(sex, contr.SAS) + (1|g)", {"sex": (None, LAST, "treatment")}),
    ('y ~ C(factor(d, levels = c("a", "b", "c")), contr.treatment(3, base = 2)) + (1|g)',
     {"d": (("a", "b", "c"), "b", "treatment")}),
    ("y ~ C(d, contr.treatment(3, base = 3)) + (1|g)", {"d": (None, LAST, "treatment")}),
    ("y ~ factor(sex) * x + (1 + factor(sex) | g)", {"sex": (None, FIRST, "treatment")}),
    ("y ~ x + (1|g)", {}),
])
def test_formula_factors(formula, want):
    m = model_from_formula(formula)
    assert {c.name: (c.levels, c.reference, c.coding) for c in m.categoricals} == want


def test_formula_factor_terms_and_spans():
    fp = parse_formula('y ~ relevel(factor(sex), ref = "F") * x + (1 + x | g)')
    assert [t.name for t in fp.fixed] == ["sex", "x", "sex:x"]
    s, e = fp.spans["categorical:sex"]
    assert 'y ~ relevel(factor(sex), ref = "F") * x + (1 + x | g)'[s:e] == 'relevel(factor(sex), ref = "F")'


@pytest.mark.parametrize("formula, piece", [
    ("y ~ x + factor(x) + (1|g)", "both as a number and as a factor"),
    ("y ~ ordered(x) + (1|g)", "ordered factor"),
    ("y ~ C(x, contr.helmert) + (1|g)", "contr.helmert"),
    ("y ~ C(x, contr.treatment(4, base = 2)) + (1|g)", "not known without the levels"),
    ('y ~ factor(x, labels = c("a", "b")) + (1|g)', "labels"),
    ("y ~ relevel(x, ref = 2) + (1|g)", "position"),
    ('y ~ relevel(factor(x), ref = "a") + factor(x, levels = c("b", "a")) + (1|g)', "two different ways"),
])
def test_formula_factor_refusals_name_the_piece(formula, piece):
    with pytest.raises(MlmgenError) as e:
        model_from_formula(formula)
    d = e.value.diagnostics[0]
    assert piece in d.message and d.code in ("SY004", "MF003")


def test_relevel_to_a_level_not_written_is_an_error():
    with pytest.raises(MlmgenError) as e:
        model_from_formula('y ~ relevel(factor(x, levels = c("a", "b")), ref = "c") + (1|g)')
    assert "'c' is not one of the levels" in e.value.diagnostics[0].message


# ------------------------------------------------------------------ R data preparation and lmer() arguments

def test_r_data_preparation_declares_factors_of_the_data_frame_lmer_uses():
    ps = parse_text('library(lmerTest)\nd$sex <- factor(d$sex, levels = c("M", "F"))\n'
                    'd$den <- relevel(factor(d$den), ref = "2")\ncontrasts(d$vr) <- contr.sum(3)\n'
                    'd[["w"]] <- as.factor(d[["w"]])\n'
                    'e$z <- factor(e$z)\n'
                    'm <- lmer(y ~ sex * x + den + vr + w + z + (1 | school), data = d)\nsummary(m)\n', "lme4")
    assert cats(ps) == {"sex": (("M", "F"), FIRST, "treatment"), "den": (None, "2", "treatment"),
                        "vr": (None, LAST, "sum"), "w": (None, FIRST, "treatment")}
    # e$z is another data frame's column: not read (info), z stays numeric
    assert any(d.code == "SY004" and d.severity == Severity.INFO and d.location.line == 6 for d in ps.diagnostics)
    assert ps.locations["categorical:sex"].line == 2


def test_r_formula_factor_keeps_what_the_data_preparation_declared():
    ps = parse_text('d$sex <- relevel(d$sex, ref = "F")\nm <- lmer(y ~ factor(sex) + (1 | g), data = d)', "lme4")
    assert cats(ps) == {"sex": (None, "F", "treatment")}
    ps = parse_text('d$sex <- relevel(d$sex, ref = "F")\n'
                    'm <- lmer(y ~ factor(sex, levels = c("M", "F")) + (1 | g), data = d)', "lme4")
    assert cats(ps) == {"sex": (("M", "F"), FIRST, "treatment")}        # new levels: the first is the reference


def test_r_contrasts_argument_and_global_option():
    ps = parse_text('m <- lmer(y ~ factor(sex) + den + (1 | g), data = d, contrasts = list(sex = "contr.sum", '
                    'den = contr.SAS))', "lme4")
    assert cats(ps) == {"sex": (None, LAST, "sum"), "den": (None, LAST, "treatment")}
    ps = parse_text('options(contrasts = c("contr.sum", "contr.poly"))\n'
                    'm <- lmer(y ~ factor(sex) + x + (1 | g), data = d)', "lme4")
    assert cats(ps) == {"sex": (None, LAST, "sum")}
    ps = parse_text('options(contrasts = c("contr.helmert", "contr.poly"))\n'
                    'm <- lmer(y ~ factor(sex) + (1 | g), data = d)', "lme4")
    assert "SY004" in codes(ps, Severity.ERROR)


def test_r_factor_under_another_name_and_after_the_fit():
    ps = parse_text('d$s2 <- factor(d$sex)\nm <- lmer(y ~ s2 + (1 | g), data = d)', "lme4")
    assert any(d.code == "SY004" and "another name" in d.message for d in ps.diagnostics)
    ps = parse_text('m <- lmer(y ~ sex + (1 | g), data = d)\nd$sex <- factor(d$sex)', "lme4")
    assert ps.model.categoricals == () and any(d.severity == Severity.INFO and "after the lmer()" in d.message
                                               for d in ps.diagnostics)


def test_r_update_adds_a_factor():
    ps = parse_text("m <- lmer(y ~ factor(sex) + (1 | g), data = d)\nm <- update(m, . ~ . + factor(den))", "lme4")
    assert set(cats(ps)) == {"sex", "den"}
    ps = parse_text("m <- lmer(y ~ factor(sex) + factor(den) + (1 | g), data = d)\n"
                    "m <- update(m, . ~ . - factor(den))", "lme4")
    assert set(cats(ps)) == {"sex"}


# ------------------------------------------------------------------ parse carries them (model file)

def test_parse_prints_the_categoricals_in_the_model_file(tmp_path):
    src = tmp_path / "a.sas"
    src.write_text("proc mixed; class school sex(ref='F') den; model y = sex den x; random int / sub=school; run;\n")
    res = CliRunner().invoke(cli, ["parse", str(src)])
    assert res.exit_code == 0, res.output
    m = loads_model(res.stdout)
    assert {c.name: c.reference for c in m.categoricals} == {"sex": "F", "den": LAST}
    assert "[categorical]" in res.stdout


def test_parse_with_data_declared_levels_are_checked_when_fitting(tmp_path):
    d = frame()
    src = tmp_path / "a.do"
    src.write_text("mixed y ib2.den c.x || g:, reml\n")
    ps = parse_text(src.read_text(), "stata")
    f = mlmgen.fit(ps.model, d)
    assert [fe.term for fe in f.result.fixed] == ["Intercept", "den[1]", "den[3]", "x"]


# ------------------------------------------------------------------ same

def four(ref_sas="", ref_r="factor(sex)", stata="i.sex", by="sex"):
    return [
        ("a.sas", parse_text(f"proc mixed; class school sex{ref_sas}; model y = sex x / ddfm=sat; "
                             f"random int / sub=school; run;", "sas")),
        ("b.R", parse_text(f"m <- lmer(y ~ {ref_r} + x + (1 | school), data = d)", "lme4")),
        ("c.do", parse_text(f"mixed y {stata} c.x || school:, reml dfmethod(satterthwaite)", "stata")),
        ("d.sps", parse_text(f"MIXED y BY {by} WITH x /FIXED = sex x /RANDOM = INTERCEPT | SUBJECT(school) "
                             f"/CRITERIA = DFMETHOD(SATTERTHWAITE).", "spss")),
    ]


def test_same_reference_in_all_four_is_the_same_model_without_a_parameterisation_note():
    c = compare_parsed(four(ref_sas="(ref=first)"))
    params = [d for d in c.differences if d.aspect == "parameterisation"]
    assert len(params) == 1 and "d.sps" in params[0].message      # SPSS: the last level, always
    assert c.same, c.format()
    c = compare_parsed(four(ref_sas="(ref=first)")[:3])
    assert c.same and not [d for d in c.differences if d.aspect == "parameterisation"]
    assert any(a.startswith("categorical: sex (treatment coding, reference the first level") for a in c.agreements)


def test_same_different_reference_is_the_same_model_with_the_mapping():
    c = compare_parsed(four()[:2])
    [p] = [d for d in c.differences if d.aspect == "parameterisation"]
    assert not p.material and c.same
    assert "a.sas's sex[l] = b.R's sex[l] - b.R's sex[<last>]" in p.message
    assert "reference the last level (SAS's default, not written) in a.sas" in p.message
    assert "a.sas's Intercept = b.R's Intercept + b.R's sex[<last>]" in p.message
    c = compare_parsed([four(ref_sas="(ref='F')")[0], ("b.R", parse_text(
        'm <- lmer(y ~ factor(sex, levels = c("F", "M")) + x + (1 | school), data = d)', "lme4"))])
    assert c.same and not [d for d in c.differences if d.aspect == "parameterisation"]   # both reference F
    c = compare_parsed([four(ref_sas="(ref='M')")[0], ("b.R", parse_text(
        'm <- lmer(y ~ factor(sex, levels = c("F", "M")) + x + (1 | school), data = d)', "lme4"))])
    [p] = [d for d in c.differences if d.aspect == "parameterisation"]
    assert "a.sas's sex[F] = -(b.R's sex[M])" in p.message and c.same


def test_same_sum_coding_is_a_parameterisation():
    c = compare_parsed([four()[1], ("s.R", parse_text(
        "m <- lmer(y ~ C(sex, contr.sum) + x + (1 | school), data = d)", "lme4"))])
    [p] = [d for d in c.differences if d.aspect == "parameterisation"]
    assert "sum (effect) coding" in p.message and "unweighted mean of the level means" in p.message and c.same


def test_same_categorical_against_continuous_and_different_levels_are_differences():
    c = compare_parsed([four()[0], ("n.R", parse_text("m <- lmer(y ~ sex + x + (1 | school), data = d)", "lme4"))])
    assert not c.same and any(d.aspect == "categorical" and "continuous in n.R" in d.message for d in c.differences)
    a = parse_text('m <- lmer(y ~ factor(sex, levels = c("F", "M")) + x + (1 | school), data = d)', "lme4")
    b = parse_text('m <- lmer(y ~ factor(sex, levels = c("F", "M", "X")) + x + (1 | school), data = d)', "lme4")
    c = compare_parsed([("a.R", a), ("b.R", b)])
    assert not c.same and any("the levels differ" in d.message for d in c.differences)


def test_same_cli_exit_code(tmp_path):
    for name, ps in four():
        (tmp_path / name).write_text(ps.text)
    res = CliRunner().invoke(cli, ["same", *(str(tmp_path / n) for n, _ in four()[:2])])
    assert res.exit_code == 0 and "parameterisation" in res.output, res.output


# ------------------------------------------------------------------ fit: lme4 formula strings end to end

def frame(seed=1):
    rng = np.random.default_rng(seed)
    n = 160
    d = pd.DataFrame({"g": np.repeat(np.arange(20), 8), "x": rng.normal(size=n),
                      "sex": rng.choice(["M", "F"], n), "den": rng.choice([1, 2, 3], n)})
    d["y"] = (1 + d.x + (d.sex == "F") * 0.5 + d.den * 0.3 + rng.normal(size=n)
              + np.repeat(rng.normal(size=20), 8))
    return d


def test_fit_formula_string_with_factors_and_the_invariants_of_reparameterisation():
    d = frame()
    a = mlmgen.fit("y ~ x + factor(sex) + factor(den) + (1|g)", d).result
    b = mlmgen.fit('y ~ x + relevel(factor(sex), ref = "M") + C(factor(den), contr.sum) + (1|g)', d).result
    assert [fe.term for fe in a.fixed] == ["Intercept", "x", "sex[M]", "den[2]", "den[3]"]
    assert [fe.term for fe in b.fixed] == ["Intercept", "x", "sex[F]", "den[1]", "den[2]"]
    ea = {fe.term: fe.estimate.value for fe in a.fixed}
    eb = {fe.term: fe.estimate.value for fe in b.fixed}
    assert ea["x"] == pytest.approx(eb["x"], rel=1e-7)                     # the same model...
    assert ea["sex[M]"] == pytest.approx(-eb["sex[F]"], rel=1e-7)           # ...in another parameterisation
    m = (0 + ea["den[2]"] + ea["den[3]"]) / 3                               # sum coding: level mean - mean
    assert eb["den[1]"] == pytest.approx(0 - m, rel=1e-6)
    assert eb["den[2]"] == pytest.approx(ea["den[2]"] - m, rel=1e-6)
    # the variances are the same; the REML criterion is not invariant to a linear reparameterisation of X
    # (it holds log|X'V^-1 X|, which changes by a constant), the ML likelihood is
    assert [c.estimate.value for c in a.covariance] == pytest.approx([c.estimate.value for c in b.covariance],
                                                                     rel=1e-6)
    ml = [mlmgen.fit(f, d, method="ml").result.neg2ll.value for f in
          ("y ~ x + factor(sex) + factor(den) + (1|g)", 'y ~ x + relevel(factor(sex), "M") + C(factor(den), contr.sum) + (1|g)')]
    assert ml[0] == pytest.approx(ml[1], rel=1e-9)


def test_fit_cli_formula_with_factor(tmp_path):
    csv = tmp_path / "d.csv"
    frame().to_csv(csv, index=False)
    res = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + factor(den, levels = c(3, 1, 2)) + (1|g)",
                                   "--data", str(csv)])
    assert res.exit_code == 0, res.output
    # R's names for the columns (the default style prints as lmerTest does): the reference 3 has no row
    assert "den1 " in res.output and "den2 " in res.output and "den3" not in res.output


@pytest.mark.r
def test_formula_factors_fit_equals_lmertest_on_bdf(tmp_path):
    """The same formula string in lmerTest and mlmgen.fit: relevel(), factor(levels =) and C(contr.sum)
    give the same coefficients, SEs and Satterthwaite df (mlmRev::bdf: sex, Minority, the 4-level denomina)."""
    import io
    from rtools import require_r, run_r
    require_r()
    csv = tmp_path / "bdf.csv"
    formula = ('langPOST ~ IQ.verb + relevel(factor(denomina), ref = "3") + C(factor(sex), contr.sum) + '
               'factor(Minority, levels = c("Y", "N")) + (1 | schoolNR)')
    out = run_r(f'''suppressMessages({{library(lmerTest); library(mlmRev)}})
d <- bdf[, c("langPOST","IQ.verb","sex","Minority","denomina","schoolNR")]
write.csv(d, "{csv}", row.names=FALSE)
m <- lmer({formula}, data=d)
s <- coef(summary(m)); write.csv(s, stdout())''')
    r = pd.read_csv(io.StringIO(out), index_col=0)
    f = mlmgen.fit(formula, str(csv)).result
    assert [fe.term for fe in f.fixed] == ["Intercept", "IQ.verb", "denomina[1]", "denomina[2]", "denomina[4]",
                                           "sex[0]", "Minority[N]"]
    assert len(r) == len(f.fixed)
    for fe, (_, row) in zip(f.fixed, r.iterrows()):               # R's order is the formula's, as mlmgen's
        assert fe.estimate.value == pytest.approx(row["Estimate"], rel=1e-6, abs=1e-7), fe.term
        assert fe.se.value == pytest.approx(row["Std. Error"], rel=1e-6), fe.term
        assert fe.df.value == pytest.approx(row["df"], rel=1e-5), fe.term


# ------------------------------------------------------------------ translate (rendering: branch catrender)

def RENDER(test):
    """Translate tests (they were expected failures until the rendering branch landed)."""
    return test


@RENDER
def test_translate_sas_class_to_r_states_the_reference():
    tr = translate("proc mixed; class school sex; model y = sex x; random int / sub=school; run;", "lme4", "sas")
    out = tr.outputs["lme4"]
    assert "factor(" in out or "relevel(" in out


@RENDER
def test_translate_r_relevel_to_sas_and_stata_writes_the_reference():
    tr = translate('m <- lmer(y ~ relevel(factor(sex), ref = "F") + x + (1 | g), data = d)', "sas,stata", "lme4")
    assert "REF=" in tr.outputs["sas"].upper()
    assert "ib" in tr.outputs["stata"]


ROUND_TRIP = {
    "sas": "proc mixed; class school sex(ref='F') den; model y = sex x den x*sex / ddfm=sat; "
           "random int x / sub=school type=un; lsmeans den / diff; run;",
    "lme4": 'd$den <- relevel(factor(d$den, levels = c("1", "2", "3")), ref = "2")\n'
            "m <- lmer(y ~ factor(sex) * x + den + (1 + x | school), data = d)\nsummary(m)",
    "stata": "mixed y i.sex##c.x ib3.den || school: x, covariance(un) reml dfmethod(satterthwaite)",
    "spss": "MIXED y BY school sex den WITH x\n /FIXED = sex x den sex*x\n"
            " /RANDOM = INTERCEPT x | SUBJECT(school) COVTYPE(UN)\n /EMMEANS = TABLES(den) COMPARE(den).",
}


@RENDER
@pytest.mark.parametrize("source", sorted(ROUND_TRIP))
def test_translate_round_trip_keeps_the_parameterisation(source):
    """Each package's categorical snippet, translated to the three others and read back: the same model in
    the same parameterisation (the renderers state the reference the source's package chose)."""
    src = ROUND_TRIP[source]
    tr = translate(src, "all", source)
    assert len(tr.outputs) == 3, tr.diagnostics
    items = [(f"src.{source}", parse_text(src, source))] + [(k, parse_text(v, k)) for k, v in tr.outputs.items()]
    c = compare_parsed(items)
    assert c.same and not [d for d in c.differences if d.aspect in ("parameterisation", "categorical")], c.format()


@pytest.mark.r
def test_sleepstudy_factor_days_formula_equals_lmertest(tmp_path):
    """`Reaction ~ factor(Days) + (1 | Subject)` (10 levels) as a formula string, against lmerTest."""
    import io
    from rtools import require_r, run_r
    require_r()
    csv = tmp_path / "sleep.csv"
    out = run_r(f'''suppressMessages(library(lmerTest))
write.csv(sleepstudy, "{csv}", row.names=FALSE)
m <- lmer(Reaction ~ factor(Days) + (1 | Subject), data=sleepstudy)
write.csv(coef(summary(m)), stdout())''')
    r = pd.read_csv(io.StringIO(out), index_col=0)
    f = mlmgen.fit("Reaction ~ factor(Days) + (1 | Subject)", str(csv)).result
    assert [fe.term for fe in f.fixed] == ["Intercept"] + [f"Days[{k}]" for k in range(1, 10)]
    for fe, (_, row) in zip(f.fixed, r.iterrows()):
        assert fe.estimate.value == pytest.approx(row["Estimate"], rel=1e-6, abs=1e-7), fe.term
        assert fe.se.value == pytest.approx(row["Std. Error"], rel=1e-6), fe.term
        assert fe.df.value == pytest.approx(row["df"], rel=1e-5), fe.term


# ------------------------------------------------------------------ least-squares means asked for

def test_lsmeans_are_read_in_sas_spss_and_r():
    ps = parse_text("proc mixed; class school sex den; model y = sex den sex*den x; random int / sub=school; "
                    "lsmeans sex sex*den / diff cl; run;", "sas")
    assert [t.name for t in ps.model.lsmeans] == ["sex", "sex:den"] and codes(ps, Severity.ERROR) == []
    ps = parse_text("MIXED y BY sex den WITH x /FIXED = sex den sex*den x /RANDOM = INTERCEPT | SUBJECT(g)\n"
                    " /EMMEANS=TABLES(sex*den) COMPARE(sex) /EMMEANS=TABLES(den) COMPARE ADJ(LSD).", "spss")
    assert [t.name for t in ps.model.lsmeans] == ["sex:den", "den"] and codes(ps) == []
    ps = parse_text("library(emmeans)\nm <- lmer(y ~ factor(sex) * factor(den) + (1|g), data = d)\n"
                    "emmeans(m, pairwise ~ sex)\npairs(emmeans(m, ~ sex * den))\nls_means(m, which = \"den\")", "lme4")
    assert [t.name for t in ps.model.lsmeans] == ["sex", "sex:den", "den"] and codes(ps, Severity.ERROR) == []


def test_lsmeans_the_model_cannot_carry_are_named():
    ps = parse_text("proc mixed; class school sex; model y = sex x; random int / sub=school; lsmeans x; "
                    "lsmeans sex / adjust=tukey; run;", "sas")
    assert [(d.code, d.severity) for d in ps.diagnostics] == [("SY004", Severity.WARNING), ("SY001", Severity.ERROR)]
    assert [t.name for t in ps.model.lsmeans] == ["sex"]
    ps = parse_text("MIXED y BY sex /FIXED = sex /RANDOM = INTERCEPT | SUBJECT(g) /EMMEANS=TABLES(OVERALL).", "spss")
    assert "OVERALL" in ps.diagnostics[0].message and ps.diagnostics[0].severity == Severity.WARNING


def test_same_lists_lsmeans_as_output_only():
    a = parse_text("proc mixed; class school sex; model y = sex; random int / sub=school; lsmeans sex / diff; run;",
                   "sas")
    b = parse_text("proc mixed; class school sex; model y = sex; random int / sub=school; run;", "sas")
    c = compare_parsed([("a.sas", a), ("b.sas", b)])
    assert c.same and any(d.aspect == "lsmeans" and not d.material for d in c.differences)


def test_stata_fvset_base_sets_the_base_of_later_factor_variables():
    ps = parse_text("fvset base 2 den\nmixed y i.den i.sex || g:", "stata")
    assert cats(ps) == {"den": (None, "2", "treatment"), "sex": (None, FIRST, "treatment")}
    ps = parse_text("fvset base last den sex\nfvset clear sex\nmixed y i.den i.sex ib(last).den#c.x || g:", "stata")
    assert cats(ps)["den"][1] == LAST and cats(ps)["sex"][1] == FIRST and codes(ps) == []
    ps = parse_text("mixed y i.den ib2.den#c.x || g:", "stata")
    assert any(d.code == "SY001" and "base category conflict" in d.message for d in ps.diagnostics)
    ps = parse_text("fvset base frequent den\nmixed y i.den || g:", "stata")
    assert any(d.code == "SY004" and "frequent" in d.message for d in ps.diagnostics)


# ------------------------------------------------------------------ reading mlmgen's own categorical renderings

def test_stata_encoded_string_factor_has_the_label_texts_as_levels():
    ps = parse_text('capture confirm string variable sex\nif !_rc {\n    label define L1 1 `"M"\' 2 `"F"\', replace\n'
                    '    encode sex, generate(t1) label(L1) noextend\n    drop sex\n    rename t1 sex\n}\n'
                    'mixed y ib2.sex c.x || g:, reml\nmargins sex, asbalanced\nmargins den\n', "stata")
    assert codes(ps, Severity.ERROR) == [] and codes(ps, Severity.WARNING) == []
    assert cats(ps) == {"sex": (("M", "F"), "F", "treatment")}
    assert [t.name for t in ps.model.lsmeans] == ["sex"]             # margins without asbalanced: not LS-means
    one_line = parse_text('capture confirm string variable sex\nif !_rc label define L1 1 `"M"\' 2 `"F"\', replace\n'
                          'if !_rc encode sex, generate(t1) label(L1) noextend\nif !_rc drop sex\n'
                          'if _rc == 0 rename t1 sex\nmixed y ib2.sex c.x || g:, reml', "stata")
    assert cats(one_line) == {"sex": (("M", "F"), "F", "treatment")} and codes(one_line, Severity.ERROR) == []
    ps = parse_text('label define L1 1 "M" 2 "F"\nencode sex, generate(t1) label(L1) noextend\nrename t1 sex\n'
                    'mixed y ib3.sex || g:', "stata")
    assert any(d.code == "SY001" and "not one of its codes" in d.message for d in ps.diagnostics)
    # without noextend, encode gives the data's other texts the next codes: levels from the data
    ps = parse_text('label define L1 1 "F"\nencode sex, generate(t1) label(L1)\nrename t1 sex\n'
                    'mixed y ib1.sex || g:', "stata")
    assert cats(ps) == {"sex": (None, "F", "treatment")} and codes(ps, Severity.ERROR) == []
    ps = parse_text('label define L1 1 "F"\nencode sex, generate(t1) label(L1)\nrename t1 sex\n'
                    'mixed y ib2.sex || g:', "stata")
    assert any(d.code == "SY004" and "come from the data" in d.message for d in ps.diagnostics)
    ps = parse_text('encode sex, generate(t1)\nrename t1 sex\nmixed y ib2.sex || g:', "stata")
    assert any(d.code == "SY004" and "come from the data" in d.message for d in ps.diagnostics)


def test_r_and_spss_levels_from_the_data_written_out():
    ps = parse_text('d$sex = factor(d$sex, levels = sort(unique(d$sex), method = "radix"))\n'
                    'd$sex = relevel(d$sex, ref = "F")\nm = lmer(y ~ sex + (1 | g), data = d)', "lme4")
    assert cats(ps) == {"sex": (None, "F", "treatment")}
    ps = parse_text('AUTORECODE VARIABLES=sex /INTO sex_r.\nIF (sex = "F") sex_r = 999999.\n'
                    'ADD VALUE LABELS sex_r 999999 "F".\nEXECUTE.\n'
                    'MIXED y BY g sex_r /FIXED = sex_r /RANDOM = INTERCEPT | SUBJECT(g).', "spss")
    assert cats(ps) == {"sex": (None, "F", "treatment")} and codes(ps, Severity.ERROR) == []
    ps = parse_text('AUTORECODE VARIABLES=sex /INTO sex_r.\nMIXED y BY g sex_r /FIXED = sex_r '
                    '/RANDOM = INTERCEPT | SUBJECT(g).', "spss")
    assert cats(ps) == {"sex": (None, LAST, "treatment")}


def test_spss_recode_into_a_factor_stands_for_the_source_variable():
    ps = parse_text('RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.\nVALUE LABELS sex_r 1 "M" 2 "F".\n'
                    'RECODE den (1=1) (2=2) (4=3) (3=4) (ELSE=SYSMIS) INTO den_r.\n'
                    'MIXED y BY g sex_r den_r WITH x\n /FIXED = x sex_r den_r sex_r*x\n'
                    ' /RANDOM = INTERCEPT | SUBJECT(g)\n /EMMEANS = TABLES(den_r) COMPARE(den_r) ADJ(LSD).', "spss")
    assert [t.name for t in ps.model.fixed] == ["x", "sex", "den", "sex:x"]
    assert cats(ps) == {"sex": (("M", "F"), LAST, "treatment"), "den": (("1", "2", "4", "3"), LAST, "treatment")}
    assert [c.reference_level for c in ps.model.categoricals] == ["F", "3"]
    assert [t.name for t in ps.model.lsmeans] == ["den"]
    ps = parse_text('RECODE den (1=1) (2=1) (3=2) INTO den_r.\nMIXED y BY den_r /FIXED = den_r '
                    '/RANDOM = INTERCEPT | SUBJECT(g).', "spss")
    assert any(d.code == "SY004" and "groups or drops levels" in d.message for d in ps.diagnostics)
    assert [t.name for t in ps.model.fixed] == ["den_r"]


def test_same_four_renderings_with_the_reference_stated_are_the_same_model():
    """The lecture's 2b with sex and denomina as mlmgen's renderers state the reference in each package
    (R relevel in the data preparation, SAS REF=, Stata encode + ib#., SPSS RECODE so the reference is last)."""
    items = [
        ("m.R", parse_text('d$sex = factor(d$sex, levels = c("M", "F"))\nd$sex = relevel(d$sex, ref = "F")\n'
                           'd$den = factor(d$den, levels = c("1", "2", "3", "4"))\nd$den = relevel(d$den, ref = "3")\n'
                           'm = lmer(data=d, REML=TRUE, formula=y~1+x+sex+den+sex:x+(1+x|g))\n'
                           'contest1D(m, ddf="Satterthwaite", L=c(0,1,0,0,0,0,0)) # slope\n'
                           'emmeans::emmeans(m, pairwise ~ den, adjust = "none")', "lme4")),
        ("m.sas", parse_text('PROC MIXED DATA=d METHOD=REML; CLASS g sex(REF="F") den(REF="3");\n'
                             'MODEL y = x sex den sex*x / SOLUTION DDFM=Satterthwaite;\n'
                             'RANDOM INTERCEPT x / TYPE=UN SUBJECT=g; LSMEANS den / DIFF CL;\n'
                             'ESTIMATE "slope" x 1; RUN;', "sas")),
        ("m.do", parse_text('capture confirm string variable sex\nif !_rc {\n'
                            '    label define c1 1 `"M"\' 2 `"F"\', replace\n'
                            '    encode sex, generate(c1) label(c1) noextend\n    drop sex\n    rename c1 sex\n}\n'
                            'mixed y c.x ib2.sex ib3.den ib2.sex#c.x, || g: x, covariance(un) reml '
                            'dfmethod(satterthwaite)\nlincom c.x*1, small // slope\n'
                            'margins den, asbalanced\npwcompare den, effects small', "stata")),
        ("m.sps", parse_text('RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.\n'
                             'RECODE den (1=1) (2=2) (4=3) (3=4) (ELSE=SYSMIS) INTO den_r.\n'
                             'MIXED y BY g sex_r den_r WITH x\n /METHOD = REML\n /CRITERIA = DFMETHOD(SATTERTHWAITE)\n'
                             ' /FIXED = x sex_r den_r sex_r*x\n /RANDOM = INTERCEPT x | COVTYPE(UN) SUBJECT(g)\n'
                             ' /EMMEANS = TABLES(den_r) COMPARE(den_r) ADJ(LSD)\n /TEST = "slope" x 1.', "spss")),
    ]
    c = compare_parsed(items)
    assert c.same, c.format()
    assert not [d for d in c.differences if d.material or d.aspect == "parameterisation"], c.format()
    assert any("sex (treatment coding, reference level 'F'), den (treatment coding, reference level '3')" in a
               for a in c.agreements), c.agreements


def test_indicator_columns_of_the_non_reference_levels_are_the_random_slope_of_the_categorical():
    """mlmgen writes a random slope of a categorical as indicator columns where the random part takes no
    factors; read back, they are the categorical's random slope (R's (1 + sex | g))."""
    sas = parse_text('DATA d; SET d;\n  IF MISSING(sex) THEN sex_M = .; ELSE sex_M = (sex = "M");\nRUN;\n'
                     'PROC MIXED DATA=d; CLASS g sex(REF="F"); MODEL y = sex x;\n'
                     'RANDOM INTERCEPT sex_M / TYPE=UN SUBJECT=g; RUN;', "sas")
    spss = parse_text('RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.\nCOMPUTE sex_M = (sex = "M").\n'
                      'MIXED y BY g sex_r WITH x sex_M\n /FIXED = sex_r x\n /RANDOM = INTERCEPT sex_M | '
                      'COVTYPE(UN) SUBJECT(g).', "spss")
    stata = parse_text('label define c1 1 "M" 2 "F"\nencode sex, generate(c1) label(c1)\ndrop sex\nrename c1 sex\n'
                       'generate double sex_M = (sex == 1) if !missing(sex)\n'
                       'mixed y ib2.sex c.x || g: sex_M, covariance(un) reml', "stata")
    r = parse_text('d$sex <- relevel(factor(d$sex, levels = c("M", "F")), ref = "F")\n'
                   'm <- lmer(y ~ sex + x + (1 + sex | g), data = d)', "lme4")
    for ps in (sas, spss, stata, r):
        assert ps.model.random.slopes == ("sex",), ps.dialect
        c = ps.model.categorical_map["sex"]
        assert c.reference_level == "F" and set(c.levels) == {"M", "F"}, ps.dialect
    c = compare_parsed([("a.sas", sas), ("b.sps", spss), ("c.do", stata), ("d.R", r)])
    assert not [d for d in c.differences if d.aspect in ("random", "parameterisation", "categorical")], c.format()
    # an indicator of the reference level is not the categorical's contrast column: stays a numeric slope
    ps = parse_text('DATA d; SET d; sex_F = (sex = "F"); RUN;\nPROC MIXED DATA=d; CLASS g sex(REF="F"); '
                    'MODEL y = sex; RANDOM INTERCEPT sex_F / SUBJECT=g; RUN;', "sas")
    assert ps.model.random.slopes == ("sex_F",)


GOLDEN = Path(__file__).resolve().parent / "golden" / "render_categorical"


@pytest.mark.skipif(not (GOLDEN / "2b_sex_denomina.sas").exists(),
                    reason="the render_categorical golden files come with categorical rendering (branch catrender)")
@pytest.mark.parametrize("stem", ["2b_sex_denomina", "2b_sex_random_slope"])
def test_same_says_the_four_golden_renderings_are_the_same_model(stem):
    items = [(p.name, parse_text(p.read_text(), p.suffix.lstrip(".").replace("do", "stata").replace("sps", "spss")
                                 .replace("R", "lme4"))) for p in sorted(GOLDEN.glob(f"{stem}.*"))]
    assert len(items) == 4
    c = compare_parsed(items)
    assert c.same and not [d for d in c.differences if d.aspect in ("parameterisation", "categorical")], c.format()


@pytest.mark.parametrize("prep, want", [
    ('d <- d %>% mutate(sex = relevel(factor(sex), ref = "F"), xc = x - mean(x))', (None, "F", "treatment")),
    ('d <- d |> mutate(sex = factor(sex, levels = c("F", "M")))', (("F", "M"), FIRST, "treatment")),
    ("d <- dplyr::mutate(d, sex = as.factor(sex))", (None, FIRST, "treatment")),
    ("d <- transform(d, sex = C(factor(sex), contr.sum))", (None, LAST, "sum")),
])
def test_r_mutate_and_transform_declare_factors(prep, want):
    ps = parse_text(prep + "\nm <- lmer(y ~ sex + (1 | g), data = d)", "lme4")
    assert cats(ps) == {"sex": want} and codes(ps, Severity.ERROR) == []


def test_rule_references_as_mlmgen_writes_them_without_levels():
    """The reference FIRST/LAST with levels from the data: R relevel(x, ref = nlevels(x)) / ref = 1, Stata
    encode without a label (alphabetical codes) then ib(first)./ib(last)., SPSS AUTORECODE /DESCENDING."""
    ps = parse_text('d$den = factor(d$den, levels = sort(unique(d$den), method = "radix"))\n'
                    'd$den = relevel(d$den, ref = nlevels(d$den))\nm = lmer(y ~ den + (1 | g), data = d)', "lme4")
    assert cats(ps) == {"den": (None, LAST, "treatment")}
    ps = parse_text("d$den = relevel(factor(d$den), ref = 1)\nm = lmer(y ~ den + (1 | g), data = d)", "lme4")
    assert cats(ps) == {"den": (None, FIRST, "treatment")}
    ps = parse_text("capture confirm string variable den\nif !_rc encode den, generate(t2)\nif !_rc drop den\n"
                    "if !_rc rename t2 den\nmixed y ib(last).den || g:", "stata")
    assert cats(ps) == {"den": (None, LAST, "treatment")} and codes(ps, Severity.ERROR) == []
    ps = parse_text("encode den, generate(t2)\nrename t2 den\nmixed y ib2.den || g:", "stata")
    assert any(d.code == "SY004" and "come from the data" in d.message for d in ps.diagnostics)
    ps = parse_text("AUTORECODE VARIABLES=sex /INTO sex_r /DESCENDING.\nMIXED y BY g sex_r /FIXED = sex_r "
                    "/RANDOM = INTERCEPT | SUBJECT(g).", "spss")
    assert cats(ps) == {"sex": (None, FIRST, "treatment")}


def test_the_file_extension_breaks_a_tie_of_the_content_guess(tmp_path):
    """A translated R program names its SAS PROC MIXED source in its header comment: both packages' content
    signs are there, and the .R extension decides (same on translated files read them as R)."""
    from mlmgen.dialects import guess_dialect
    text = "# translated from the SAS PROC MIXED source\nm <- lmer(y ~ x + (1 | g), data = d)\n"
    assert guess_dialect(text, "a.R") == "lme4"
    assert guess_dialect("proc mixed; model y = x; random int / sub=g; run;", "a.R") == "sas"   # content wins
