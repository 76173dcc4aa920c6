"""Several random terms end to end (issue 12): the Model's further terms, the model file's [[random]] tables,
lme4 formulas with several groupings, rendering in the four packages, `same`, refusals, and `mlmgen.fit`
through engine/multilevel against real R (lme4::Pastes nested, lme4::Penicillin crossed; lmerTest's
Satterthwaite df, pbkrtest's Kenward-Roger df)."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.dialects import get_dialect
from mlmgen.formula import model_from_formula
from mlmgen.model import RandomTerm
from mlmgen.modelfile import dumps_model, loads_model
from mlmgen.samemodel import compare_models

from rtools import run_r

NESTED = """
outcome = "y"
fixed = ["x"]

[[random]]
group = "school"
effects = ["Intercept", "x"]
covariance = "UN"

[[random]]
group = "school/class"
effects = ["Intercept"]
"""


def codes_of(exc: pytest.ExceptionInfo) -> list[tuple[str, str | None]]:
    return [(d.code, d.location.field) for d in exc.value.diagnostics]


# ------------------------------------------------------------------ the model and its file

def test_model_file_random_tables_round_trip():
    m = loads_model(NESTED)
    assert m.cluster == "school" and m.random.slopes == ("x",)
    assert m.more_random == (RandomTerm(("school", "class"), True, (), "un"),)
    assert m.grouping_variables == ("school", "class") and m.raw_variables() == ("y", "school", "class", "x")
    text = dumps_model(m)
    assert "[[random]]" in text and 'group = "school/class"' in text
    assert loads_model(text) == m
    # the two-level model keeps its [random] table
    two = loads_model('outcome = "y"\ncluster = "g"\n[random]\neffects = ["Intercept"]\n')
    assert "[[random]]" not in dumps_model(two) and not two.is_multilevel


@pytest.mark.parametrize("text, expected", [
    ("strength ~ 1 + (1 | batch/cask)", [("batch",), ("batch", "cask")]),
    ("strength ~ 1 + (1 | batch) + (1 | batch:cask)", [("batch",), ("batch", "cask")]),
    ("diameter ~ 1 + (1 | plate) + (1 | sample)", [("plate",), ("sample",)]),
    ("y ~ x + (1 | s:c) + (x || s)", [("s",), ("s", "c")]),          # the single factor is the cluster
    ("y ~ x + (1 | a/b/c)", [("a",), ("a", "b"), ("a", "b", "c")]),
])
def test_formulas_with_several_groupings(text, expected):
    m = model_from_formula(text)
    assert [t.group for t in m.random_terms] == expected
    back = get_dialect("lme4").parse_syntax(mlmgen.render(m, "lme4")).model     # the rendering read back
    assert back.random_terms == m.random_terms and back.fixed == m.fixed


def test_double_bar_means_independent_effects_per_term():
    m = model_from_formula("y ~ x + (1 | s) + (1 + x || item)")
    assert m.random.covariance == "un" and m.more_random[0].covariance == "vc"
    assert m.more_random[0].slopes == ("x",)


@pytest.mark.parametrize("text, field", [
    ('outcome = "y"\n[[random]]\ngroup = "a/b"\n', "random[0].group"),
    ('outcome = "y"\n[[random]]\ngroup = "a"\n[[random]]\ngroup = "a"\n', "random[1].group"),
    ('outcome = "y"\n[[random]]\ngroup = "a"\n[[random]]\ngroup = "y"\n', "random[1].group"),
    ('outcome = "y"\n[[random]]\ngroup = "a"\n[[random]]\ngroup = "b"\neffects = ["a"]\n', "random[1].effects"),
    ('outcome = "y"\ncluster = "g"\n[[random]]\ngroup = "a"\n', "cluster"),
    ('outcome = "y"\n[[random]]\neffects = ["Intercept"]\n', "random[0].group"),
    ('outcome = "y"\nfixed = ["b"]\n[[random]]\ngroup = "a"\n[[random]]\ngroup = "b"\n', "random[1].group"),
])
def test_invalid_random_terms_name_the_field(text, field):
    with pytest.raises(MlmgenError) as e:
        loads_model(text)
    assert ("MF002", field) in codes_of(e)


def test_formulas_still_refused():
    for text in ("y ~ (1 | a:b)", "y ~ (1 | a/b:c)", "y ~ (1 | a) + (1 | a)"):
        with pytest.raises(MlmgenError) as e:
            model_from_formula(text)
        assert e.value.diagnostics[0].code == "SY004"


# ------------------------------------------------------------------ rendering, same

def test_renderings_state_the_nesting():
    m = model_from_formula("strength ~ 1 + (1 | batch/cask)")
    assert "(1|batch)+(1|batch:cask)" in mlmgen.render(m, "lme4")
    sas = mlmgen.render(m, "sas")
    assert "RANDOM INTERCEPT / TYPE=UN SUBJECT=batch;" in sas and "SUBJECT=cask(batch);" in sas
    assert "CLASS batch cask;" in sas
    stata = mlmgen.render(m, "stata")
    assert "|| batch:" in stata and "|| cask:" in stata and stata.index("|| batch:") < stata.index("|| cask:")
    spss = mlmgen.render(m, "spss")
    assert "SUBJECT(batch)" in spss and "/RANDOM = INTERCEPT | COVTYPE(UN) SUBJECT(batch*cask)" in spss
    assert "BY batch cask" in spss


def test_crossed_intercepts_in_stata_and_refusal():
    m = model_from_formula("y ~ x + (1 + x | subject) + (1 | item)")
    stata = mlmgen.render(m, "stata")
    assert "|| _all: R.item" in stata and stata.index("_all: R.item") < stata.index("|| subject: x")
    both = mlmgen.render(model_from_formula("y ~ x + (1 | s) + (1 | s:p) + (1 | rater)"), "stata")
    assert both.index("|| _all: R.rater") < both.index("|| s:") < both.index("|| p:")
    for text in ("y ~ x + (1 | subject) + (1 + x | item)", "y ~ (1 | a) + (1 | b/c)"):
        with pytest.raises(MlmgenError) as e:
            mlmgen.render(model_from_formula(text), "stata")
        assert codes_of(e) == [("RN001", "random")]


def test_same_tells_nested_from_crossed():
    nested = model_from_formula("y ~ (1 | school/class)")
    crossed = model_from_formula("y ~ (1 | school) + (1 | class)")
    two_level = model_from_formula("y ~ (1 | school)")
    assert not compare_models(nested, crossed).same
    assert not compare_models(nested, two_level).same
    assert compare_models(nested, model_from_formula("y ~ (1 | school) + (1 | class:school)")).same


def test_translate_from_lme4_keeps_both_terms(tmp_path):
    src = tmp_path / "m.R"
    src.write_text("m <- lmer(strength ~ 1 + (1 | batch/cask), data = Pastes)\n")
    res = CliRunner().invoke(cli, ["translate", str(src), "--to", "sas"])
    assert res.exit_code == 0, res.output
    assert "SUBJECT=cask(batch)" in res.output
    res = CliRunner().invoke(cli, ["parse", str(src)])
    assert res.exit_code == 0 and 'group = "batch/cask"' in res.output


# ------------------------------------------------------------------ fitting (no R)

def reused_ids(seed: int = 1) -> pd.DataFrame:
    """20 schools x 4 classes x 6 pupils; class ids 1..4 restart in every school."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(20):
        u = rng.normal(0, 1.0)
        for c in range(1, 5):
            v = rng.normal(0, 0.7)
            for _ in range(6):
                x = rng.normal()
                sex = rng.choice(["F", "M"])
                rows.append({"school": s, "class": c, "x": x, "sex": sex,
                             "y": 1 + 0.5 * x + 0.3 * (sex == "F") + u + v + rng.normal(0, 1)})
    return pd.DataFrame(rows)


def test_nested_path_keeps_reused_ids_distinct():
    d = reused_ids()
    f = mlmgen.fit("y ~ x + (1 | school/class)", d)
    terms = {t["name"]: t["levels"] for t in f.result.extra["random_terms"]}
    assert terms == {"school": 20, "school:class": 80}
    crossed = mlmgen.fit("y ~ x + (1 | school) + (1 | class)", d)          # the crossed reading: 4 classes
    assert {t["name"]: t["levels"] for t in crossed.result.extra["random_terms"]} == {"school": 20, "class": 4}
    assert float(f.result.neg2ll.value) != pytest.approx(float(crossed.result.neg2ll.value))


def test_categorical_predictor_in_the_general_path():
    d = reused_ids()
    f = mlmgen.fit("y ~ x + factor(sex) + (1 | school/class)", d)
    assert [fe.term for fe in f.result.fixed] == ["Intercept", "x", "sex[M]"]
    assert all(fe.df is not None and fe.df.value > 0 for fe in f.result.fixed)


def test_two_level_model_keeps_its_engine():
    from mlmgen.engine.core import EngineFit
    from mlmgen.engine.multilevel import MultilevelFit
    d = reused_ids()
    assert isinstance(mlmgen.fit("y ~ x + (1 | school)", d).engine, EngineFit)
    assert isinstance(mlmgen.fit("y ~ x + (1 | school/class)", d).engine, MultilevelFit)


def test_printers_print_and_json_carries_groups(tmp_path):
    d = reused_ids()
    f = mlmgen.fit("y ~ x + (1 | school/class)", d)
    for style in ("sas", "stata", "spss"):       # issue 12 item 5: every printer prints several terms
        assert "class" in f.summary(style)
    js = json.loads(f.summary("json"))
    assert [c.get("group") for c in js["covariance"]] == ["school", "school:class", None]
    text = f.summary("lme4")
    assert " school:class (Intercept)" in text and "groups:  school:class, 80; school, 20" in text
    csv = tmp_path / "d.csv"
    d.to_csv(csv, index=False)
    r = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | school/class)", "--data", str(csv),
                                  "--style", "sas"])
    assert r.exit_code == 0 and "class(school)" in r.output
    r = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | school/class)", "--data", str(csv),
                                  "--effects"])
    assert r.exit_code == 0 and "school:class: share of the variance" in r.output
    out = tmp_path / "two_level.txt"             # an lme4 output of the two-level model: a term missing
    out.write_text(mlmgen.fit("y ~ x + (1 | school)", d).summary("lme4"))
    r = CliRunner().invoke(cli, ["diff", "--formula", "y ~ x + (1 | school/class)", "--data", str(csv),
                                  str(out)])
    assert r.exit_code == 1 and "no random term school:class" in r.output


# ------------------------------------------------------------------ against R

R_FIT = r'''
suppressMessages({library(lmerTest); library(pbkrtest)})
d <- %(data)s
write.csv(d, "%(csv)s", row.names = FALSE)
tighten <- function(m) update(m, start = getME(m, "theta"),
  control = lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
                        optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-13, xtol_rel = 0, maxeval = 100000)))
m <- tighten(lmer(%(formula)s, data = d, REML = TRUE))
s <- summary(m)$coefficients
kr <- summary(m, ddf = "Kenward-Roger")$coefficients
vc <- as.data.frame(VarCorr(m))
cat("REML", sprintf("%%.12g", REMLcrit(m)), "\n")
for (i in seq_len(nrow(s))) cat("FIX", rownames(s)[i], sprintf("%%.12g", s[i, 1:3]), sprintf("%%.12g", kr[i, 2:3]), "\n")
for (i in seq_len(nrow(vc))) cat("VC", vc$grp[i], sprintf("%%.12g", vc$vcov[i]), "\n")
'''


def r_reference(data: str, formula: str, tmp_path) -> tuple[pd.DataFrame, dict]:
    csv = tmp_path / "d.csv"
    out = run_r(R_FIT % {"data": data, "csv": csv.as_posix(), "formula": formula})
    ref: dict = {"fixed": {}, "vc": {}}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "REML":
            ref["reml"] = float(f[1])
        elif f and f[0] == "FIX":
            ref["fixed"][f[1]] = [float(x) for x in f[2:]]
        elif f and f[0] == "VC":
            ref["vc"][f[1]] = float(f[2])
    return pd.read_csv(csv), ref


def check_against_r(fit_s, fit_kr, ref, groups: dict[str, str]):
    assert float(fit_s.result.neg2ll.value) == pytest.approx(ref["reml"], abs=1e-4)
    for fe, fk in zip(fit_s.result.fixed, fit_kr.result.fixed):
        est, se, df, se_kr, df_kr = ref["fixed"]["(Intercept)" if fe.term == "Intercept" else fe.term]
        assert fe.estimate.value == pytest.approx(est, rel=5e-5)
        assert fe.se.value == pytest.approx(se, rel=5e-5)
        assert fe.df.value == pytest.approx(df, rel=1e-3)                     # lmerTest Satterthwaite
        assert fk.df.value == pytest.approx(df_kr, rel=1e-4)                  # pbkrtest Kenward-Roger
        assert fk.se.value == pytest.approx(se_kr, rel=1e-4)
    got = {(c.group or "Residual"): c.estimate.value for c in fit_s.result.covariance}
    for ours, theirs in groups.items():
        assert got[ours] == pytest.approx(ref["vc"][theirs], rel=2e-4), ours


@pytest.mark.r
def test_pastes_nested_against_lmertest(tmp_path):
    d, ref = r_reference("lme4::Pastes", "strength ~ 1 + (1 | batch/cask)", tmp_path)
    f = mlmgen.fit("strength ~ 1 + (1 | batch/cask)", d)
    fk = mlmgen.fit("strength ~ 1 + (1 | batch/cask)", d, ddf="kenward-roger")
    # lme4 names the nested term cask:batch (its a/b expansion); mlmgen batch:cask (outermost first)
    check_against_r(f, fk, ref, {"batch": "batch", "batch:cask": "cask:batch", "Residual": "Residual"})


@pytest.mark.r
def test_penicillin_crossed_against_lmertest(tmp_path):
    d, ref = r_reference("lme4::Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", tmp_path)
    f = mlmgen.fit("diameter ~ 1 + (1 | plate) + (1 | sample)", d)
    fk = mlmgen.fit("diameter ~ 1 + (1 | plate) + (1 | sample)", d, ddf="kenward-roger")
    check_against_r(f, fk, ref, {"plate": "plate", "sample": "sample", "Residual": "Residual"})


@pytest.mark.r
def test_rendered_r_program_fits_the_nested_model_with_reused_ids(tmp_path):
    """The model file's lme4 rendering, run in R on data whose class ids restart in every school, fits the
    nested model mlmgen fits (the id-reuse trap of issue 12): same REML criterion and variances."""
    d = reused_ids()
    csv = tmp_path / "reused.csv"
    d.to_csv(csv, index=False)
    m = loads_model(NESTED.replace('fixed = ["x"]', 'fixed = ["x"]\ndata = "d"'))
    f = mlmgen.fit(m, d)
    prog = mlmgen.render(m, "lme4")
    out = run_r(f'd <- read.csv("{csv.as_posix()}")\n' + prog +
                '\ncat("FITREML", sprintf("%.12g", REMLcrit(model)), "\\n")\n'
                'vc <- as.data.frame(VarCorr(model))\n'
                'for (i in seq_len(nrow(vc))) if (is.na(vc$var2[i])) cat("VC", vc$grp[i], vc$var1[i], '
                'sprintf("%.12g", vc$vcov[i]), "\\n")\n')
    reml = float(next(l.split()[1] for l in out.splitlines() if l.startswith("FITREML")))
    assert float(f.result.neg2ll.value) == pytest.approx(reml, abs=1e-3)
    vc = {(l.split()[1], l.split()[2]): float(l.split()[3]) for l in out.splitlines() if l.startswith("VC")}
    got = {(c.group or "Residual", c.param[4:-1]): c.estimate.value for c in f.result.covariance
           if c.param.startswith("var")}
    assert got[("school:class", "Intercept")] == pytest.approx(vc[("school:class", "(Intercept)")], rel=5e-3)
    assert got[("school", "x")] == pytest.approx(vc[("school", "x")], rel=5e-3)


def test_two_level_plots_refuse_several_terms(tmp_path):
    """plot, handout, equations and exercise handle several random terms (tests/test_plots_structure.py,
    test_handout_general.py, test_equations_general.py, test_exercise_general.py); the two-level plots refuse."""
    model = tmp_path / "m.toml"
    model.write_text(NESTED)
    csv = tmp_path / "d.csv"
    reused_ids().to_csv(csv, index=False)
    r = CliRunner().invoke(cli, ["plot", str(model), "--kind", "spaghetti", "--data", str(csv), "-o",
                                 str(tmp_path / "p.svg")])
    assert r.exit_code == 2 and "PL002" in r.output and "several random terms" in r.output
    r = CliRunner().invoke(cli, ["equations", str(model)])
    assert r.exit_code == 0 and "Level-3:" in r.output


def test_style_all_prints_every_package_and_ddf_refusal(tmp_path):
    csv = tmp_path / "d.csv"
    d = reused_ids()
    d.to_csv(csv, index=False)
    r = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | school/class)", "--data", str(csv),
                                 "--style", "all"])
    assert r.exit_code == 0 and "Random effects:" in r.output and "not printed" not in r.output
    assert all(f"===== {s} =====" in r.output for s in ("sas", "lme4", "stata", "spss"))
    with pytest.raises(MlmgenError) as e:
        mlmgen.fit("y ~ x + (1 | school/class)", d, ddf="containment")
    assert codes_of(e) == [("CL001", "ddf")]
    f = mlmgen.fit("y ~ x + (1 | school/class)", d, ddf="residual")
    assert f.result.fixed[1].df.value == pytest.approx(len(d) - 2)


R_SUMMARY = r'''
suppressMessages(library(lmerTest))
d <- read.csv("%(csv)s")
m <- lmer(%(formula)s, data = d, REML = %(reml)s)
m <- update(m, start = getME(m, "theta"),
  control = lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
                        optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-13, xtol_rel = 0, maxeval = 100000)))
print(summary(m))
'''


def block(text: str, start: str) -> list[str]:
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith(start))
    j = next(k for k in range(i, len(lines)) if lines[k].startswith("Number of obs"))
    return [l.rstrip() for l in lines[i:j + 1]]


@pytest.mark.r
@pytest.mark.parametrize("data, formula, reml", [
    ("lme4::Pastes", "strength ~ 1 + (1 | batch) + (1 | batch:cask)", "TRUE"),
    ("lme4::Pastes", "strength ~ 1 + (1 | batch) + (1 | batch:cask)", "FALSE"),
    ("lme4::Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", "TRUE"),
])
def test_lme4_printer_prints_varcorr_as_r(data, formula, reml, tmp_path):
    """The Random effects block (several groups ordered by levels, joint formatting, `groups:` line) and the
    criterion line as R prints summary() of the same model (lme4 refitted tightly from its own optimum)."""
    csv = tmp_path / "d.csv"
    run_r(f'write.csv({data}, "{csv.as_posix()}", row.names = FALSE)')
    r_text = run_r(R_SUMMARY % {"csv": csv.as_posix(), "formula": formula, "reml": reml})
    f = mlmgen.fit(formula, pd.read_csv(csv), method="reml" if reml == "TRUE" else "ml")
    ours = f.summary("lme4")
    assert block(ours, "Random effects:") == block(r_text, "Random effects:")
    crit = "REML criterion" if reml == "TRUE" else "     AIC"
    assert block(ours, crit)[:2] == block(r_text, crit)[:2]


def test_contrasts_in_the_general_path():
    m = loads_model(NESTED + '\n[[contrasts]]\nlabel = "x"\ncoefficients = { x = 1 }\n'
                    '[[contrasts]]\nlabel = "both"\nrows = [{ Intercept = 1 }, { x = 1 }]\n')
    f = mlmgen.fit(m, reused_ids())
    one, two = f.result.contrasts
    x = f.result.fixed[1]
    assert one.estimate.value == pytest.approx(x.estimate.value) and one.df.value == pytest.approx(x.df.value)
    assert two.num_df.value == 2 and two.den_df.value > 0
