"""Factor rows, Type III and LS-means tables in the four package styles, both directions (issue 11 item 6).

A FitResult built here (numbers rounded from mlmgen's fit of reference_outputs/r/categorical/simulated_factors
with the LAST level as reference, as SAS and SPSS choose) is printed in each style; the text is kept as a
golden file (tests/golden/report/factors_sim.<style>.txt; --regen-golden) and read back by that package's
reader: the factor rows come back under canonical names, the reference level from the zero / base /
redundant row, and the Type III and LS-means rows. The R style is checked against real lmerTest output
(reference_outputs/r/categorical/simulated_factors.out) for the row names and table headers.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from mlmgen.dialects import DIALECTS
from mlmgen.modelfile import loads_model
from mlmgen.outputs import read_output
from mlmgen.report import format_fit
from mlmgen.reparameterise import read_factor_names
from mlmgen.results import CovParam, FitResult, FixedEffect, LSMeanDiff, LSMeanRow, Type3Row, Value

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "report"
REAL_R = ROOT / "reference_outputs" / "r" / "categorical" / "simulated_factors.out"

MODEL = '''outcome = "y"
cluster = "g"
fixed = ["sex", "arm", "x", "sex*x"]
[random]
effects = ["Intercept", "x"]
covariance = "UN"
[categorical]
sex = { levels = ["F", "M"], reference = "last" }
arm = { levels = ["ctl", "high", "low"], reference = "last" }
'''
FIXED = [("Intercept", 10.669656, 0.265522, 88.2374, 40.184, 1.2e-58),
         ("sex[F]", 1.106636, 0.191155, 270.9004, 5.789, 1.95e-08),
         ("arm[ctl]", -1.050980, 0.240573, 268.7151, -4.369, 1.79e-05),
         ("arm[high]", 0.594708, 0.232452, 272.7980, 2.558, 0.011055),
         ("x", 0.612528, 0.155736, 57.1257, 3.933, 0.000229),
         ("sex[F]:x", 0.772789, 0.183331, 257.0523, 4.215, 3.46e-05)]


def V(x):
    return Value(float(x))


def fit_result() -> FitResult:
    r = FitResult("mlmgen", "reml", "satterthwaite", 300, 30, Value(1177.2193),
                  [FixedEffect(t, *map(V, vals)) for t, *vals in FIXED],
                  [CovParam("UN(1,1)", "var(Intercept)", V(0.897968), V(0.302063)),
                   CovParam("UN(2,1)", "cov(Intercept,x)", V(-0.332348), V(0.157283)),
                   CovParam("UN(2,2)", "var(x)", V(0.260416), V(0.124202)),
                   CovParam("Residual", "var(Residual)", V(2.378509), V(0.216789))], "un", ["Intercept", "x"])
    r.type3 = [Type3Row("sex", V(1), V(270.9004), V(33.515), V(1.953e-08)),
               Type3Row("arm", V(2), V(268.929), V(26.623), V(2.824e-11)),
               Type3Row("x", V(1), V(29.631), V(60.273), V(1.262e-08)),
               Type3Row("sex:x", V(1), V(257.052), V(17.768), V(3.458e-05))]
    r.lsmeans = [LSMeanRow("arm", (lv,), V(e), V(se), V(df), V(e / se), V(1e-30), V(e - 2 * se), V(e + 2 * se))
                 for lv, e, se, df in (("ctl", 10.2345, 0.2361, 62.2), ("high", 11.8802, 0.2280, 55.6),
                                       ("low", 11.2855, 0.2403, 66.2))]
    r.lsmean_diffs = [LSMeanDiff("arm", ("ctl",), ("high",), V(-1.6457), V(0.2269), V(266.24), V(-7.252), V(4.46e-12)),
                      LSMeanDiff("arm", ("ctl",), ("low",), V(-1.0510), V(0.2406), V(268.72), V(-4.369), V(1.79e-05)),
                      LSMeanDiff("arm", ("high",), ("low",), V(0.5947), V(0.2325), V(272.80), V(2.558), V(0.0111))]
    r.extra.update({"cluster_size_min": 10, "cluster_size_avg": 10.0, "cluster_size_max": 10,
                    "max_cluster_size": 10, "first_cluster": 1})
    return r


def model():
    return loads_model(MODEL)


STYLES = ("sas", "lme4", "stata", "spss")


@pytest.mark.parametrize("style", STYLES)
def test_golden(style, regen_golden):
    text = format_fit(fit_result(), style, model=model())
    path = GOLDEN / f"factors_sim.{style}.txt"
    if regen_golden:
        path.write_text(text)
    assert path.exists(), f"golden file {path} is missing; run the tests with --regen-golden and review it"
    assert text == path.read_text()


@pytest.mark.parametrize("style", STYLES)
def test_printed_factor_rows_read_back(style):
    text = format_fit(fit_result(), style, model=model())
    out = read_output(text, package=style)
    read_factor_names(out, model(), DIALECTS[style].read_factor_column)
    assert {f.term for f in out.fixed} == {t for t, *_ in FIXED}
    est = {f.term: f.estimate.value for f in out.fixed}
    assert est["arm[ctl]"] == pytest.approx(-1.05098, abs=1e-3) and est["sex[F]:x"] == pytest.approx(0.7728, abs=1e-3)
    if style != "lme4":               # the zero / base / redundant row names the package's reference
        assert out.extra["base_levels"] == {"sex": "M", "arm": "low"}
    assert [t.term for t in out.type3] == ["sex", "arm", "x", "sex:x"]
    assert out.type3[1].num_df.value == 2 and out.type3[1].F.value == pytest.approx(26.62, abs=0.01)
    # (the order is each package's: R lists the releveled reference first, SAS and SPSS last)
    assert sorted(m.levels for m in out.lsmeans) == [("ctl",), ("high",), ("low",)]
    assert {m.levels: m.estimate.value for m in out.lsmeans}[("high",)] == pytest.approx(11.88, abs=0.05)
    assert {frozenset((d.levels_a, d.levels_b)) for d in out.lsmean_diffs} == {
        frozenset((("ctl",), ("high",))), frozenset((("ctl",), ("low",))), frozenset((("high",), ("low",)))}


def test_sas_layout_level_columns_and_zero_row():
    text = format_fit(fit_result(), "sas", model=model())
    lines = text.splitlines()
    head = next(ln for ln in lines if ln.startswith("Effect") and "Estimate" in ln)
    assert head.split()[:4] == ["Effect", "sex", "arm", "Estimate"]
    zero = next(ln for ln in lines if ln.split()[:2] == ["sex", "M"])
    assert zero.split()[2:] == ["0", ".", ".", ".", "."]
    assert any(ln.split()[:2] == ["sex*x", "F"] for ln in lines)
    assert "Type 3 Tests of Fixed Effects" in text and "Differences of Least Squares Means" in text


def test_stata_layout_header_level_rows_and_base():
    text = format_fit(fit_result(), "stata", model=model())
    assert "         sex |\n          F  |" in text
    assert "          M  |          0  (base)" in text
    assert "     sex#c.x |" in text


def test_spss_layout_redundant_row_and_footnote():
    text = format_fit(fit_result(), "spss", model=model())
    assert any(ln.split()[:3] == ["[sex=M]", "0b", "0"] for ln in text.splitlines())
    assert "[sex=F] * x" in text
    assert "b. This parameter is set to zero because it is redundant." in text


def test_r_style_names_and_tables_match_real_lmertest_output():
    """Row names and table headers as lmerTest and emmeans print them (real output produced here)."""
    real = REAL_R.read_text()
    ours = format_fit(fit_result(), "lme4", model=model())
    for piece in ("Type III Analysis of Variance Table with Satterthwaite's method",
                  "       Sum Sq Mean Sq NumDF", " arm  emmean    SE   df lower.CL upper.CL",
                  " contrast   estimate    SE  df t.ratio p.value"):
        assert piece in real and piece in ours, piece
    # R pastes variable and level: the names mlmgen prints for its own reference are R's spelling
    assert "sexF:x" in ours and "sexM:x" in real


@pytest.mark.parametrize("case, cats", [("simulated_factors", 'sex = {}\narm = {}'),
                                        ("bdf_factors", 'sex = {}\nMinority = {}\ndenomina = {}')])
def test_emmeans_tables_print_as_real_emmeans_output(case, cats):
    """R's own numbers (read from the real output) printed by mlmgen's emmeans printer give R's text, line for
    line, from the emmeans table to the end of the file."""
    from mlmgen.report.lme4 import _emmeans
    path = ROOT / "reference_outputs" / "r" / "categorical" / f"{case}.out"
    real = path.read_text()
    out = read_output(real, str(path), "lme4")
    fixed = {"simulated_factors": '["sex", "arm", "x", "sex*x"]',
             "bdf_factors": '["IQ.verb", "sex", "Minority", "denomina"]'}[case]
    m = loads_model(f'outcome = "y"\ncluster = "g"\nfixed = {fixed}\n[random]\neffects = ["Intercept"]\n'
                    f'[categorical]\n{cats}\n')
    levels = {"sex": ("F", "M") if case.startswith("sim") else ("0", "1"), "arm": ("ctl", "high", "low"),
              "Minority": ("N", "Y"), "denomina": ("1", "2", "3", "4")}
    m = m.with_levels({c.name: levels[c.name] for c in m.categoricals})
    ours = "\n".join(_emmeans(out, m)).strip("\n")
    start = real.index(real.split(" emmean ")[0].rsplit("\n", 1)[-1] + " emmean ")
    theirs = real[start:].rstrip("\n")
    assert ours.splitlines() == theirs.splitlines()


@pytest.mark.r
def test_type3_table_prints_as_lmertest_prints_it(tmp_path):
    """R's full-precision Type III numbers printed by mlmgen's printer give lmerTest's text, line for line
    (Sum Sq = F sigma^2 NumDF, Mean Sq = F sigma^2, as lmerTest defines them for these tests)."""
    import csv
    from rtools import run_r
    from mlmgen.report.lme4 import _type3
    data = ROOT / "reference_outputs" / "r" / "categorical" / "simulated_factors.csv"
    out_csv = tmp_path / "a.csv"
    text = run_r(f'''suppressMessages({{library(lme4); library(lmerTest)}})
d <- read.csv("{data.as_posix()}")
m <- lmer(y ~ sex + arm + x + sex:x + (1 + x | g), data = d)
for (ddf in c("Satterthwaite", "Kenward-Roger")) print(anova(m, type = 3, ddf = ddf))
a <- anova(m, type = 3)
write.csv(data.frame(term = rownames(a), num = a$NumDF, den = a$DenDF, F = a[["F value"]], p = a[["Pr(>F)"]],
                     s2 = sigma(m)^2), "{out_csv.as_posix()}", row.names = FALSE)
''')
    rows = list(csv.DictReader(out_csv.open()))
    r = FitResult("mlmgen", "reml", "satterthwaite",
                  covariance=[CovParam("Residual", "var(Residual)", V(float(rows[0]["s2"])))])
    r.type3 = [Type3Row(x["term"], V(x["num"]), V(x["den"]), V(x["F"]), V(x["p"])) for x in rows]
    ours = [ln for ln in _type3(r) if ln]
    theirs = text.strip("\n").splitlines()[:len(ours)]
    assert ours == theirs


@pytest.mark.r
def test_r_fixed_effects_block_with_factor_rows_prints_as_lmertest(tmp_path):
    """lmerTest's coefficients at full precision, named by mlmgen's canonical columns (sex[M], sex[M]:x),
    printed by mlmgen's lme4 printer: R's `Fixed effects:` block line for line (names sexM, armhigh, sexM:x)."""
    import csv
    from rtools import run_r
    from mlmgen.report.lme4 import _fixed
    data = ROOT / "reference_outputs" / "r" / "categorical" / "simulated_factors.csv"
    out_csv = tmp_path / "c.csv"
    text = run_r(f'''suppressMessages({{library(lme4); library(lmerTest)}})
d <- read.csv("{data.as_posix()}")
m <- lmer(y ~ sex + arm + x + sex:x + (1 + x | g), data = d)
s <- coef(summary(m))
print(s[0, , drop = FALSE]); cat("FIXED\\n"); printCoefmat(s, digits = 4)
write.csv(data.frame(s), "{out_csv.as_posix()}")
''')
    canon = {"(Intercept)": "Intercept", "sexM": "sex[M]", "armhigh": "arm[high]", "armlow": "arm[low]",
             "x": "x", "sexM:x": "sex[M]:x"}
    rows = list(csv.reader(out_csv.open()))[1:]
    r = FitResult("mlmgen", "reml", "satterthwaite",
                  fixed=[FixedEffect(canon[n], *(V(float(v)) for v in vals)) for n, *vals in rows])
    ours = _fixed(r)[1:]
    theirs = text.split("FIXED\n", 1)[1].strip("\n").splitlines()
    assert ours[:len(rows) + 1] == theirs[:len(rows) + 1]
