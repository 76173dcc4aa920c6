"""A declared level that never occurs in the data (`levels = ["M", "F", "Other"]`): mlmgen warns (DA009, field
`categorical.sex.levels`) and fits the model without the level, which is what R fits: lmer's model frame drops
unused levels silently, and lmerTest's Type III table tests sex on 1 df (checked against R below, also with the
unused level as the reference, where R's reference becomes the first level left). Refused (MF006): an unused
reference under sum coding."""
from __future__ import annotations

import io

import pandas as pd
import pytest

import mlmgen
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model

MODEL = """
outcome = "langpost"
cluster = "schoolID"
fixed = ["verbal", "sex"]
lsmeans = ["sex"]
method = "REML"
ddf = "Satterthwaite"
[random]
effects = ["Intercept"]
[categorical]
sex = {{ levels = {levels}, reference = "{reference}"{coding} }}
"""


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    from test_render_categorical import with_categoricals
    return with_categoricals()[["schoolID", "langpost", "verbal", "sex"]]


def model(levels='["M", "F", "Other"]', reference="M", coding=""):
    return loads_model(MODEL.format(levels=levels, reference=reference, coding=coding))


def test_unused_level_is_a_warning_and_the_fit_equals_the_fit_without_it(data):
    f = mlmgen.fit(model(), data)
    warn = [d for d in f.data_report.diagnostics if d.code == "DA009"]
    assert len(warn) == 1 and warn[0].location.field == "categorical.sex.levels" and "'Other'" in warn[0].message
    plain = mlmgen.fit(model('["M", "F"]'), data)
    assert not any(d.code == "DA009" for d in plain.data_report.diagnostics)
    t3 = {r.term: r for r in f.result.type3}
    assert t3["sex"].num_df.value == 1
    assert [a.term for a in f.result.type3] == [b.term for b in plain.result.type3]
    for a, b in zip(f.result.type3, plain.result.type3):
        assert (a.F.value, a.den_df.value) == pytest.approx((b.F.value, b.den_df.value), rel=1e-10)
    assert [m.levels for m in f.result.lsmeans] == [("M",), ("F",)]
    assert [fe.term for fe in f.result.fixed] == [fe.term for fe in plain.result.fixed]


def test_unused_reference_becomes_the_first_level_left(data):
    f = mlmgen.fit(model('["Other", "F", "M"]', "Other"), data)
    warn = [d for d in f.data_report.diagnostics if d.code == "DA009"]
    assert len(warn) == 1 and "the reference is now 'F'" in warn[0].message
    assert [fe.term for fe in f.result.fixed] == ["Intercept", "verbal", "sex[M]"]


def test_sum_coding_with_an_unused_other_level_is_fitted_without_it(data):
    f = mlmgen.fit(model(coding=', coding = "sum"', reference="F"), data)
    plain = mlmgen.fit(model('["M", "F"]', "F", ', coding = "sum"'), data)
    assert any(d.code == "DA009" for d in f.data_report.diagnostics)
    assert [fe.estimate.value for fe in f.result.fixed] == pytest.approx([fe.estimate.value for fe in plain.result.fixed])


def test_unused_reference_under_sum_coding_or_one_level_left_is_refused(data):
    for levels, reference, coding, why in (('["M", "F", "Other"]', "Other", ', coding = "sum"', "sum-coded"),
                                           ('["M", "Other", "None"]', "M", "", "fewer than two levels")):
        d0 = data[data.sex == "M"] if "None" in levels else data
        with pytest.raises(MlmgenError) as e:
            mlmgen.fit(model(levels, reference, coding), d0)
        d = e.value.diagnostics[0]
        assert d.code == "MF006" and d.location.field == "categorical.sex.levels" and why in d.message, d.message
        assert "'Other'" in d.message


@pytest.mark.r
@pytest.mark.parametrize("levels, reference, names", [
    ('["M", "F", "Other"]', "M", ["(Intercept)", "verbal", "sexF"]),
    ('["Other", "F", "M"]', "Other", ["(Intercept)", "verbal", "sexM"]),
])
def test_r_drops_the_unused_level_the_same_way(data, tmp_path, levels, reference, names):
    """R 4.2 / lme4 / lmerTest with the factor as the rendered program writes it (`factor(sex, levels =
    ...)`, `relevel(ref = ...)`): lmer says nothing, its fixef have no column for the unused level (with the
    unused reference: the first level left is the reference); fixef, Type III F, NumDF and DenDF are mlmgen's."""
    from rtools import run_r
    path = tmp_path / "d.csv"
    data.to_csv(path, index=False)
    out = run_r(f"""
suppressMessages(library(lmerTest))
d = read.csv("{path.as_posix()}")
d$sex = relevel(factor(d$sex, levels = c({levels[1:-1]})), ref = "{reference}")
msg = character(0)
m = withCallingHandlers(lmer(langpost ~ 1 + verbal + sex + (1 | schoolID), data = d, REML = TRUE),
                        message = function(e) {{ msg <<- c(msg, conditionMessage(e)); invokeRestart("muffleMessage") }})
cat("MSG", grepl("rank deficient so dropping 1 column", paste(msg, collapse = " ")), "\\n")
b = fixef(m); cat("FIX", names(b), "\\n"); cat("EST", format(b, digits = 15), "\\n")
a = anova(m, type = 3)
write.csv(data.frame(term = rownames(a), NumDF = a$NumDF, DenDF = a$DenDF, F = a[["F value"]]), stdout(),
          row.names = FALSE)
""")
    lines = out.splitlines()
    assert lines[0].split() == ["MSG", "FALSE"]          # no rank-deficiency message: the level is dropped
    assert lines[1].split() == ["FIX", *names]
    est = [float(x) for x in lines[2].split()[1:]]
    r3 = pd.read_csv(io.StringIO("\n".join(lines[3:])))
    f = mlmgen.fit(model(levels, reference), data)
    assert [fe.estimate.value for fe in f.result.fixed] == pytest.approx(est, rel=1e-6)
    got = {r.term: r for r in f.result.type3}
    assert list(r3.term) == ["verbal", "sex"]
    for _, row in r3.iterrows():
        g = got[row.term]
        assert g.num_df.value == row.NumDF
        assert g.F.value == pytest.approx(row.F, rel=1e-4)
        assert g.den_df.value == pytest.approx(row.DenDF, rel=1e-3)
