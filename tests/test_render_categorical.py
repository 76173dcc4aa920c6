"""Categorical predictors render with the same parameterisation in all four packages (issue 11, item 3).

The lecture's model 2b (examples/2b_cluster_mc_random_slope.toml) with `sex` (text, reference "F") and
`denomina` (school denomination, numeric codes 1-4, reference 3: neither the first nor the last level) added,
plus `sex*WCverb` (categorical x continuous) and LS-means of both. The demo data (examples/demo_data.csv, our
own simulation) has no sex or denomination, so `with_categoricals` derives them here deterministically
(seeded) and adds their effects to the outcome.

* Golden files of the four renderings (`tests/golden/render_categorical/`, `--regen-golden`).
* Marked r: the rendered R program RUNS in real R on that data (read from CSV by the rendered import step,
  with mlmgen's data preparation) and lme4's fixed effects and SEs equal `mlmgen.fit` of the same model
  column by column (to 1e-6; SEs to 1e-5, Kenward-Roger's adjusted SEs from pbkrtest::vcovAdj as lmerTest
  prints them; the rendered fit is refitted by `update()` with a tight optimizer tolerance
  first, since lme4's default stop is ~1e-5 short of the optimum: the model, data and coding are the
  rendered program's) (R's names mapped to mlmgen's by their (variable, level) parts); the same for a random
  slope of sex and for sum coding (R only: the other packages refuse sum coding). The Type III table and the
  emmeans calls must run too.
* Without declared levels and without --data, nothing is guessed: each package states the rule in its own
  words (SAS REF=FIRST, R levels sorted in code-point order, Stata ib(first)., SPSS AUTORECODE /DESCENDING)
  or refuses with RN001.

SAS, Stata and SPSS cannot be run here: their renderings are checked against their documentation only (see
the dialects' facts.py, section "categorical").
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model
from mlmgen.render import render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "render_categorical"
EXT = {"sas": "sas", "lme4": "R", "stata": "do", "spss": "sps"}
BASE = (ROOT / "examples" / "2b_cluster_mc_random_slope.toml").read_text(encoding="utf-8")
FIXED_2B = 'fixed = ["hw2", "mixgrd", "CMverb10", "WCverb"]'

CATEGORICAL = '''
[categorical]
sex = { levels = ["M", "F"], reference = "F" }
denomina = { levels = ["1", "2", "3", "4"], reference = "3" }
'''


def model_text(fixed_extra: str = ', "sex", "denomina", "sex*WCverb"', lsmeans: str = '["denomina", "sex"]',
               categorical: str = CATEGORICAL, random: str | None = None) -> str:
    text = BASE.replace(FIXED_2B, FIXED_2B[:-1] + fixed_extra + "]\n" + f"lsmeans = {lsmeans}")
    if random is not None:
        text = text.replace('effects = ["Intercept", "WCverb"]', f"effects = {random}")
    return text + categorical


def with_categoricals(seed: int = 20261205) -> pd.DataFrame:
    """The demo data with `sex` (M/F per pupil) and `denomina` (1-4 per school) added, and their effects
    (F +1.5; denomination 2 +0.8, 3 -0.6, 4 +1.7; F x WCverb +0.3) added to langpost."""
    d = pd.read_csv(ROOT / "examples" / "demo_data.csv")
    rng = np.random.default_rng(seed)
    d["sex"] = np.where(rng.random(len(d)) < 0.5, "F", "M")
    schools = np.sort(d["schoolID"].unique())
    den = dict(zip(schools, rng.integers(1, 5, size=len(schools))))
    d["denomina"] = d["schoolID"].map(den).astype(int)
    wc = d["verbal"] - d.groupby("schoolID")["verbal"].transform("mean")
    female = (d["sex"] == "F").to_numpy(float)
    d["langpost"] = (d["langpost"] + 1.5 * female + d["denomina"].map({1: 0.0, 2: 0.8, 3: -0.6, 4: 1.7})
                     + 0.3 * female * wc).round(2)
    return d


CASES = {
    "2b_sex_denomina": model_text(),
    "2b_sex_random_slope": model_text(', "sex", "denomina"', '["sex"]', random='["Intercept", "sex"]'),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dialect", sorted(EXT))
def test_golden(case, dialect, regen_golden):
    text = render(loads_model(CASES[case]), dialect, data_prep=True)
    path = GOLDEN / f"{case}.{EXT[dialect]}"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_reference_is_stated_in_every_package():
    m = loads_model(CASES["2b_sex_denomina"])
    sas, r, stata, spss = (render(m, d, data_prep=True) for d in ("sas", "lme4", "stata", "spss"))
    assert 'CLASS schoolID sex(REF="F") denomina(REF="3");' in sas
    assert "LSMEANS denomina / DIFF CL;" in sas
    assert 'Example$sex = relevel(Example$sex, ref = "F")' in r
    assert 'Example$denomina = factor(Example$denomina, levels = c("1", "2", "3", "4"))' in r
    assert 'anova(name, type = 3, ddf = "Satterthwaite")' in r
    assert ('emmeans::emmeans(name, pairwise ~ denomina, lmer.df = "satterthwaite", adjust = "none", '
            'cov.keep = character(0), lmerTest.limit = Inf)') in r
    # Stata: F is the 2nd declared level, so encode gives it code 2
    assert "label define" in stata and "2 `\"F\"'" in stata and "noextend" in stata
    assert "ib2.sex ib3.denomina ib2.sex#c.WCverb" in stata
    assert "contrast sex denomina sex#c.WCverb, small" in stata
    assert "pwcompare denomina, effects small" in stata
    # SPSS: the reference is recoded as the last category
    assert 'RECODE sex ("M"=1) ("F"=2) (ELSE=SYSMIS) INTO sex_r.' in spss
    assert "RECODE denomina (1=1) (2=2) (4=3) (3=4) (ELSE=SYSMIS) INTO denomina_r." in spss
    assert "MIXED langpost BY schoolID sex_r denomina_r WITH" in spss
    assert "/EMMEANS = TABLES(denomina_r) COMPARE(denomina_r) ADJ(LSD)" in spss


def test_random_slope_of_a_categorical_is_its_contrast_column():
    """(1 + sex | g) in R; SAS, Stata and SPSS get the numeric column of sex[M] (treatment, reference F)."""
    m = loads_model(CASES["2b_sex_random_slope"])
    assert "(1+sex|schoolID)" in render(m, "lme4").replace(" ", "")
    sas = render(m, "sas")
    assert "IF MISSING(sex) THEN sex_M = .; ELSE sex_M = (sex = \"M\");" in sas
    assert "RANDOM INTERCEPT sex_M /" in sas
    stata = render(m, "stata")
    assert "generate double sex_M = (sex == 1) if !missing(sex)" in stata and "|| schoolID: sex_M," in stata
    spss = render(m, "spss")
    assert 'COMPUTE sex_M = (sex = "M").' in spss and "/RANDOM = INTERCEPT sex_M |" in spss


# ------------------------------------------------------------------ no levels, no data: never a guess

RULES = '''
[categorical]
sex = {{ reference = "{ref}" }}
denomina = {{ reference = "{ref}" }}
'''


def test_rule_first_without_levels_is_stated_by_each_package():
    m = loads_model(model_text(categorical=RULES.format(ref="first")))
    sas, r, stata, spss = (render(m, d) for d in ("sas", "lme4", "stata", "spss"))
    assert "sex(REF=FIRST) denomina(REF=FIRST)" in sas
    assert 'Example$sex = factor(Example$sex, levels = sort(unique(Example$sex), method = "radix"))' in r
    assert "relevel" not in r
    assert "ib(first).sex ib(first).denomina" in stata and "encode sex, generate(" in stata
    assert "AUTORECODE VARIABLES=sex /INTO sex_r /DESCENDING." in spss


def test_rule_last_without_levels_is_stated_by_each_package():
    m = loads_model(model_text(categorical=RULES.format(ref="last")))
    sas, r, stata, spss = (render(m, d) for d in ("sas", "lme4", "stata", "spss"))
    assert "sex(REF=LAST) denomina(REF=LAST)" in sas
    assert "Example$sex = relevel(Example$sex, ref = nlevels(Example$sex))" in r
    assert "ib(last).sex ib(last).denomina" in stata
    assert "MIXED langpost BY schoolID sex denomina WITH" in spss and "AUTORECODE" not in spss
    assert "reference the last level = SPSS's last category" in spss


def test_a_reference_level_without_levels_is_stated_by_each_package():
    m = loads_model(model_text(fixed_extra=', "sex"', lsmeans='["sex"]',
                               categorical='[categorical]\nsex = { reference = "F" }\n'))
    assert 'sex(REF="F")' in render(m, "sas")
    assert 'relevel(Example$sex, ref = "F")' in render(m, "lme4")
    stata = render(m, "stata")
    assert "label define" in stata and "1 `\"F\"'" in stata and "ib1.sex" in stata
    spss = render(m, "spss")
    assert "AUTORECODE VARIABLES=sex /INTO sex_r.\nIF (sex = \"F\") sex_r = 999999." in spss
    assert 'ADD VALUE LABELS sex_r 999999 "F".' in spss and "BY schoolID sex_r WITH" in spss


def test_random_slope_of_a_categorical_without_levels_is_refused_where_columns_are_computed():
    m = loads_model(model_text(fixed_extra=', "sex"', lsmeans='["sex"]', random='["Intercept", "sex"]',
                               categorical='[categorical]\nsex = {}\n'))
    assert "(1+sex|schoolID)" in render(m, "lme4").replace(" ", "")
    for d in ("sas", "stata", "spss"):
        with pytest.raises(MlmgenError) as e:
            render(m, d)
        assert e.value.diagnostics[0].code == "MF006"


def test_sum_coding_in_r_and_refused_elsewhere():
    m = loads_model(CASES["2b_sex_denomina"].replace('reference = "3" }', 'reference = "3", coding = "sum" }'))
    r = render(m, "lme4")
    assert 'Example$denomina = factor(Example$denomina, levels = c("1", "2", "4", "3"))' in r
    assert "contrasts(Example$denomina) = contr.sum(nlevels(Example$denomina))" in r
    for d in ("sas", "stata", "spss"):
        with pytest.raises(MlmgenError) as e:
            render(m, d)
        assert {x.code for x in e.value.diagnostics} == {"RN001"}
        assert any(x.location.field == "categorical.denomina.coding" for x in e.value.diagnostics)


def test_stata_refuses_non_integer_codes():
    m = loads_model(model_text(fixed_extra=', "sex"', lsmeans='["sex"]',
                               categorical='[categorical]\nsex = { levels = ["0.5", "1.5"] }\n'))
    with pytest.raises(MlmgenError) as e:
        render(m, "stata")
    assert e.value.diagnostics[0].code == "RN001" and "non-negative integer" in e.value.diagnostics[0].message


def test_lsmeans_of_an_interaction():
    """All pairs of cells in SAS, R and Stata; SPSS compares each factor within the levels of the other (one
    /EMMEANS per factor) and says in a comment which differences it does not print."""
    m = loads_model(R_CASES["2b_sex_by_denomina"])
    assert "ib2.sex#ib3.denomina" in render(m, "stata")
    assert "pwcompare sex#denomina, effects small" in render(m, "stata")
    assert "LSMEANS sex*denomina / DIFF CL;" in render(m, "sas")
    assert "pairwise ~ sex:denomina" in render(m, "lme4")
    spss = render(m, "spss")
    assert "/EMMEANS = TABLES(sex_r*denomina_r) COMPARE(sex_r) ADJ(LSD)" in spss
    assert "/EMMEANS = TABLES(sex_r*denomina_r) COMPARE(denomina_r) ADJ(LSD)" in spss
    assert "are not printed by SPSS" in spss


def test_contrast_of_a_category():
    """A contrast naming a coefficient of a category: R and Stata address it by column; SAS and SPSS refuse."""
    m = loads_model(CASES["2b_sex_denomina"] + '\n[[contrasts]]\nlabel = "den 2 - den 4"\n'
                    'coefficients = { "denomina[2]" = 1, "denomina[4]" = -1 }\n')
    assert "lincom 2.denomina*1 + 4.denomina*-1, small" in render(m, "stata")
    r = render(m, "lme4")
    # fixef order: (Intercept) hw2 mixgrd CMverb10 WCverb sexM denomina1 denomina2 denomina4 WCverb:sexM
    assert "L=c(0,0,0,0,0,0,0,1,-1,0)" in r
    for d in ("sas", "spss"):
        with pytest.raises(MlmgenError) as e:
            render(m, d)
        assert e.value.diagnostics[0].location.field == "contrasts[1]"


def test_render_cli_with_data_writes_the_data_levels(tmp_path):
    """`render --data`: undeclared levels come from the data, so each package gets the explicit levels."""
    from click.testing import CliRunner
    from mlmgen.cli import cli as main
    data = tmp_path / "d.csv"
    with_categoricals().to_csv(data, index=False)
    model = tmp_path / "m.toml"
    model.write_text(model_text(categorical="[categorical]\nsex = {}\ndenomina = { reference = \"last\" }\n"),
                     encoding="utf-8")
    without = CliRunner().invoke(main, ["render", str(model), "--to", "sas"])
    assert without.exit_code == 0 and "sex(REF=FIRST) denomina(REF=LAST)" in without.output
    res = CliRunner().invoke(main, ["render", str(model), "--to", "all", "--data", str(data)])
    assert res.exit_code == 0, res.output
    assert 'sex(REF="F") denomina(REF="4")' in res.output
    assert 'factor(Example$sex, levels = c("F", "M"))' in res.output
    assert "ib1.sex ib4.denomina" in res.output


# ------------------------------------------------------------------ the rendered R code runs

def _r_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


R_CASES = {
    "2b_sex_denomina": CASES["2b_sex_denomina"],
    "2b_sex_random_slope": CASES["2b_sex_random_slope"],
    "2b_sum_coding": CASES["2b_sex_denomina"].replace('reference = "3" }', 'reference = "3", coding = "sum" }'),
    "2b_sex_by_denomina": model_text(', "sex", "denomina", "sex*denomina"', '["sex*denomina"]'),
    # no levels declared: the rules (first, last) as the R code states them, Kenward-Roger df
    "2b_rules_kr": model_text(categorical='[categorical]\nsex = {}\ndenomina = { reference = "last" }\n').replace(
        'ddf = "Satterthwaite"', 'ddf = "Kenward-Roger"'),
}


@pytest.fixture(scope="module")
def r_run(tmp_path_factory):
    from rtools import require_r, run_r
    require_r()
    tmp = tmp_path_factory.mktemp("render_categorical")
    data = tmp / "lecture_categorical.csv"
    with_categoricals().to_csv(data, index=False)
    parts = ["suppressMessages(library(lmerTest))\n"]
    for case, text in R_CASES.items():
        code = render(loads_model(text), "lme4", data_prep=True, import_file=data.as_posix())
        f = tmp / f"{case}.R"
        f.write_text(code, encoding="utf-8")
        parts.append(f'''
cat("@@BEGIN {case}\\n")
source({_r_string(f.as_posix())}, echo = FALSE, print.eval = TRUE)
cat("@@END {case}\\n")
tight <- update(name, control = lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
  optCtrl = list(xtol_abs = 1e-13, ftol_abs = 1e-13, xtol_rel = 0, maxeval = 100000)))
stopifnot(identical(names(lme4::fixef(tight)), names(lme4::fixef(name))))
fe <- lme4::fixef(tight)
se <- sqrt(diag(as.matrix({"pbkrtest::vcovAdj(tight)" if case.endswith("_kr") else "vcov(tight)"})))
for (i in seq_along(fe)) cat(sprintf("COEF {case} %s %.17g %.17g\\n", names(fe)[i], fe[i], se[i]))
''')
    return data, run_r("".join(parts), timeout=600)


def _canonical(r_name: str, cats: dict) -> frozenset:
    """R's coefficient name as the set of its (variable, level) parts: `WCverb:sexM` -> {(WCverb, None),
    (sex, M)}; sum coding names columns by position (`denomina1`: the first non-reference level)."""
    if r_name == "(Intercept)":
        return frozenset()
    parts = []
    for piece in r_name.split(":"):
        for name, c in cats.items():
            if piece.startswith(name) and piece != name:
                rest = piece[len(name):]
                if c.coding == "sum":
                    rest = c.non_reference()[int(rest) - 1]
                assert rest in c.levels, (r_name, rest)
                parts.append((name, rest))
                break
        else:
            parts.append((piece, None))
    return frozenset(parts)


@pytest.mark.r
@pytest.mark.parametrize("case", sorted(R_CASES))
def test_rendered_r_equals_mlmgen_fit(r_run, case):
    import mlmgen
    data, out = r_run
    printed = out.split(f"@@BEGIN {case}\n", 1)[1].split(f"@@END {case}\n", 1)[0]
    method = "Kenward-Roger" if case.endswith("_kr") else "Satterthwaite"
    assert f"Type III Analysis of Variance Table with {method}'s method" in printed
    assert "$contrasts" in printed and "estimate" in printed              # emmeans' pairwise differences
    # covariates at their means (SAS, Stata, SPSS): the 0/1 mixgrd is not averaged over as a factor
    assert not re.search(r"averaged over the levels of: .*mixgrd", printed)
    fit = mlmgen.fit(loads_model(R_CASES[case]), str(data))
    cats = fit.model.categorical_map
    ours = {frozenset(c.parts): row for c, row in zip(fit.model.fixed_columns(), fit.result.fixed)}
    rows = [ln.split() for ln in out.splitlines() if ln.startswith(f"COEF {case} ")]
    assert len(rows) == len(ours) >= 9
    for _, _, name, est, se in rows:
        row = ours[_canonical(name, cats)]
        assert float(est) == pytest.approx(row.estimate.value, rel=1e-6, abs=1e-6), name
        assert float(se) == pytest.approx(row.se.value, rel=1e-5), name


@pytest.mark.r
def test_rendered_r_contrast_matches_its_columns(r_run):
    """2b's contrast CMverb10 - WCverb: the L vector skips the categorical columns correctly."""
    _, out = r_run
    printed = out.split("@@BEGIN 2b_sex_denomina\n", 1)[1]
    assert re.search(r"Estimate\s+Std\. Error\s+df\s+t value", printed)


def test_level_kind_numeric_only_for_numbers_as_mlmgen_writes_them():
    from mlmgen.categorical import Categorical
    from mlmgen.dialects.coding import NUMERIC, TEXT, level_kind
    assert level_kind(Categorical("x", ("1", "2", "10"))) == NUMERIC
    assert level_kind(Categorical("x", ("0.5", "1.5"))) == NUMERIC
    assert level_kind(Categorical("x", ("01", "02"))) == TEXT        # text codes keep their zeros
    assert level_kind(Categorical("x", ("M", "F"))) == TEXT
    assert level_kind(Categorical("x")) is None
    m = loads_model(model_text(fixed_extra=', "sex"', lsmeans='["sex"]',
                               categorical='[categorical]\nsex = { levels = ["01", "02"], reference = "02" }\n'))
    assert "encode sex" in render(m, "stata") and "ib2.sex" in render(m, "stata")
    assert 'RECODE sex ("01"=1) ("02"=2)' in render(m, "spss")


def test_type3_and_lsmeans_follow_the_df_method():
    kr = loads_model(CASES["2b_sex_denomina"].replace('ddf = "Satterthwaite"', 'ddf = "Kenward-Roger"'))
    r = render(kr, "lme4")
    assert 'anova(name, type = 3, ddf = "Kenward-Roger")' in r and 'lmer.df = "kenward-roger"' in r
    assert "DDFM=KenwardRoger" in render(kr, "sas") and "DFMETHOD(KENWARDROGER)" in render(kr, "spss")
    assert "contrast sex denomina sex#c.WCverb, small" in render(kr, "stata")
    z = loads_model(CASES["2b_sex_denomina"].replace('ddf = "Satterthwaite"', 'ddf = "None"'))
    assert 'lmer.df = "asymptotic"' in render(z, "lme4")
    stata = render(z, "stata")
    assert "contrast sex denomina sex#c.WCverb //" in stata and "pwcompare sex, effects //" in stata


def test_r_contrast_vector_with_a_square_and_a_categorical():
    """`CMverb10^2` and `CMverb10` are different columns (a multiset of parts, not a set)."""
    text = model_text(fixed_extra=', "CMverb10*CMverb10", "sex"', lsmeans='["sex"]') + (
        '\n[[contrasts]]\nlabel = "square"\ncoefficients = { "CMverb10^2" = 1 }\n')
    r = render(loads_model(text), "lme4")
    # fixef: (Intercept) hw2 mixgrd CMverb10 WCverb I(CMverb10^2) sexM
    assert 'L=c(0,0,0,0,0,1,0)) # square' in r
    assert 'L=c(0,0,0,1,-1,0,0)) # L2 Contextual Effect of Verbal' in r


def test_r_contrast_vector_by_name_while_levels_are_unknown():
    m = loads_model(model_text(categorical='[categorical]\nsex = {}\ndenomina = {}\n'))
    r = render(m, "lme4")
    assert ('L=replace(numeric(length(lme4::fixef(name))), match(c("CMverb10", "WCverb"), '
            'names(lme4::fixef(name))), c(1, -1))') in r
