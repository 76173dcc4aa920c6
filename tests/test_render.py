"""Rendering: byte-for-byte goldens of mlmgen's own output, and each model feature in each package.

Goldens live in tests/golden/render/ (`<example>.<ext>`, `<example>.prep.<ext>` with data preparation);
regenerate with `pytest --regen-golden` and review the diff.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from mlmgen.diagnostics import MlmgenError
from mlmgen.formula import model_from_formula
from mlmgen.modelfile import load_model, loads_model
from mlmgen.render import render, render_all

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "render"
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
EXT = {"sas": "sas", "lme4": "R", "stata": "do", "spss": "sps"}
PKGS = list(EXT)


@pytest.mark.parametrize("prep", [False, True], ids=["plain", "prep"])
@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem[:2] for p in EXAMPLES])
def test_golden(example, pkg, prep, regen_golden):
    text = render(load_model(example), pkg, data_prep=prep)
    path = GOLDEN / f"{example.stem}{'.prep' if prep else ''}.{EXT[pkg]}"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run pytest --regen-golden"
    assert text == path.read_text(encoding="utf-8")


def model(**over):
    base = dict(outcome="y", cluster="g", fixed=["x", "z", "x*z"], random={"effects": ["Intercept", "x"],
                                                                           "covariance": "UN"}, data="d")
    base.update(over)
    from mlmgen.modelfile import model_from_dict
    return model_from_dict(base)


def refused(m, pkg, code):
    with pytest.raises(MlmgenError) as e:
        render(m, pkg)
    codes = [d.code for d in e.value.diagnostics]
    assert code in codes, codes
    return e.value


# ------------------------------------------------------------------ covariance, method, intercepts

def test_variance_components_everywhere():
    out = render_all(model(random={"effects": ["Intercept", "x"], "covariance": "VC"}))
    assert "TYPE=VC SUBJECT=g" in out["sas"]
    assert "+(1+x||g))" in out["lme4"]
    assert "covariance(independent)" in out["stata"]
    assert "COVTYPE(VC) SUBJECT(g)" in out["spss"]
    # correlations are 0 by construction under VC: none is requested
    assert "GCORR" not in out["sas"] and "estat recovariance" not in out["stata"]
    assert "TESTCOV G" not in out["spss"] and "correlations already" not in out["lme4"]


def test_unstructured_everywhere():
    out = render_all(model())
    assert "TYPE=UN SUBJECT=g GCORR;" in out["sas"]
    assert "+(1+x|g))" in out["lme4"]
    assert "covariance(un)" in out["stata"] and "estat recovariance, relevel(g) correlation" in out["stata"]
    assert "COVTYPE(UN) SUBJECT(g)" in out["spss"] and "/PRINT = SOLUTION TESTCOV G" in out["spss"]


def test_ml_everywhere():
    m = model(method="ML")
    assert "METHOD=ML;" in render(m, "sas")
    assert "REML=FALSE" in render(m, "lme4")
    assert "/METHOD = ML" in render(m, "spss")
    refused(m, "stata", "RN001")            # Stata: Satterthwaite df need REML
    assert " mle dfmethod(residual) " in render(model(method="ML", ddf="Residual"), "stata")


def test_random_intercept_only():
    out = render_all(model(random={"effects": ["Intercept"], "covariance": "UN"}))
    assert "RANDOM INTERCEPT / TYPE=UN SUBJECT=g;" in out["sas"]
    assert "+(1|g))" in out["lme4"]
    assert "|| g:, ///" in out["stata"] and "estat recovariance" not in out["stata"]
    assert "/RANDOM = INTERCEPT | COVTYPE(UN) SUBJECT(g)" in out["spss"]
    assert "GCORR" not in out["sas"] and " G\n" not in out["spss"]


def test_no_random_intercept():
    out = render_all(model(random={"effects": ["x"], "covariance": "UN"}))
    assert "RANDOM x / TYPE=UN" in out["sas"]
    assert "+(0+x|g))" in out["lme4"]
    assert "|| g: x, ///\n  noconstant covariance(un)" in out["stata"]
    assert "/RANDOM = x | COVTYPE(UN)" in out["spss"]


def test_no_fixed_intercept():
    out = render_all(model(intercept=False))
    assert "/ NOINT SOLUTION" in out["sas"]
    assert "formula=y~0+x+z+x:z" in out["lme4"]
    assert "c.x#c.z, noconstant || g:" in out["stata"]
    assert "/FIXED = x z x*z | NOINT" in out["spss"]


def test_intercept_only_fixed_part():
    out = render_all(model(fixed=[]))
    assert "MODEL y = / SOLUTION DDFM=Satterthwaite;" in out["sas"]
    assert "formula=y~1+(1+x|g))" in out["lme4"]
    assert "mixed y, || g: x," in out["stata"]
    assert "/FIXED = | SSTYPE(3)" in out["spss"]
    assert "WITH x" in out["spss"]          # x is declared because the random part uses it


# ------------------------------------------------------------------ df methods

DF_EXPECT = {
    "satterthwaite": ("DDFM=Satterthwaite", 'ddf="Satterthwaite"', "dfmethod(satterthwaite)", "DFMETHOD(SATTERTHWAITE)"),
    "kenward-roger": ("DDFM=KenwardRoger", 'ddf="Kenward-Roger"', "dfmethod(kroger)", "DFMETHOD(KENWARDROGER)"),
    "residual": ("DDFM=Residual", None, "dfmethod(residual)", "DFMETHOD(RESIDUAL)"),
    "between-within": ("DDFM=BetWithin", None, None, None),
    "containment": ("DDFM=Contain", None, None, None),
    "none": ("DDFM=None", 'ddf="lme4"', None, None),
}


@pytest.mark.parametrize("ddf", list(DF_EXPECT))
def test_df_methods_written_or_refused(ddf):
    m = model(ddf=ddf)
    for pkg, want in zip(PKGS, DF_EXPECT[ddf]):
        if want is None and not (pkg == "stata" and ddf == "none"):
            err = refused(m, pkg, "RN001")
            assert ddf.split("-")[0] in str(err).lower() or "z tests" in str(err)
        elif want is not None:
            assert want in render(m, pkg), (pkg, ddf)


def test_df_none_is_explained_where_approximated():
    m = model(ddf="none", contrasts=[{"label": "x+z", "coefficients": {"x": 1, "z": 1}}])
    r = render(m, "lme4")
    assert 'summary(model, ddf="lme4")' in r and "# mlmgen: ddf = None" in r
    # contest1D has no z test: the contrast is a z test from fixef()/vcov(), never Satterthwaite's t
    assert "contest1D(" not in r.replace("contest1D()", "") and "z value" in r and "2 * pnorm(-abs(z))" in r
    joint = render(model(ddf="none", contrasts=[{"label": "both", "rows": [{"x": 1}, {"z": 1}]}]), "lme4")
    assert "contestMD(" not in joint and "Wald chi-square" in joint and "pchisq(W, nrow(L)" in joint
    s = render(m, "stata")
    assert "covariance(un) reml nolog\n" in s and "lincom c.x*1 + c.z*1 // x+z" in s and "* mlmgen: ddf = None" in s


def test_kenward_roger_with_ml_refused_in_r_and_stata():
    m = model(method="ML", ddf="KR")
    refused(m, "lme4", "RN001")
    refused(m, "stata", "RN001")
    assert "METHOD=ML" in render(m, "sas") and "DDFM=KenwardRoger" in render(m, "sas")
    assert "/* mlmgen: Kenward-Roger df with ML" in render(m, "sas")
    assert "* mlmgen: Kenward-Roger df with ML" in render(m, "spss")


# ------------------------------------------------------------------ terms and contrasts

def test_higher_order_terms():
    m = model(fixed=["x", "z", "w", "x*z*w", "x*x", "x*x*x", "x*x*z"])
    out = render_all(m)
    assert "x z w x*z*w x*x x*x*x x*x*z /" in out["sas"]
    assert "y~1+x+z+w+I(x^2)+I(x^3)+I(x^2):z+x:z:w+" in out["lme4"]
    assert "c.x#c.z#c.w c.x#c.x c.x#c.x#c.x c.x#c.x#c.z," in out["stata"]
    assert "/FIXED = x z w x*z*w x*x x*x*x x*x*z" in out["spss"]


def test_r_l_vector_follows_r_term_order():
    """x:z is written before I(x^2) in the model, but R puts I(x^2) (degree 1) first."""
    m = model(fixed=["x", "x*z", "x*x", "z"],
              contrasts=[{"label": "quad", "coefficients": {"x*x": 1, "x:z": 2}}])
    r = render(m, "lme4")
    assert "y~1+x+I(x^2)+z+x:z+" in r
    assert "L=c(0,0,1,0,2))" in r
    assert "ESTIMATE \"quad\" x*x 1 x*z 2;" in render(m, "sas")


def test_multi_row_contrast_and_intercept():
    m = model(contrasts=[{"label": "joint", "rows": [{"x": 1}, {"x:z": 1, "Intercept": 0.5}]}])
    out = render_all(m)
    assert 'CONTRAST "joint" x 1, x*z 1 INTERCEPT 0.5;' in out["sas"]
    assert 'contestMD(model, ddf="Satterthwaite", L=rbind(c(0,1,0,0), c(0.5,0,0,1))) # joint' in out["lme4"]
    assert "test (c.x*1 = 0) (c.x#c.z*1 + _cons*0.5 = 0), small // joint" in out["stata"]
    assert '/TEST = "joint" x 1; x*z 1 INTERCEPT 0.5.' in out["spss"]


def test_formula_input_renders():
    m = model_from_formula("langpost ~ 1 + mixgrd + CMverb10 + WCverb + (1 + WCverb | schoolID)")
    out = render_all(m)
    assert "PROC MIXED DATA=work.mydata" in out["sas"]
    assert "model = lmer(data=mydata, REML=TRUE," in out["lme4"]
    assert "formula=langpost~1+mixgrd+CMverb10+WCverb+(1+WCverb|schoolID))" in out["lme4"]


def test_long_term_lists_wrap_with_continuations():
    many = [f"x{i}" for i in range(30)]
    m = model(fixed=many, random={"effects": ["Intercept"], "covariance": "UN"})
    out = render_all(m)
    for pkg, text in out.items():
        assert max(len(line) for line in text.splitlines()) <= 100, pkg
    stata_mixed = out["stata"].split("mixed ", 1)[1]
    lines = stata_mixed.splitlines()
    assert all(line.endswith(" ///") for line in lines[:-1])   # a Stata command continues only with ///
    assert out["spss"].count(".\n") == 1 or out["spss"].rstrip().endswith(".")


# ------------------------------------------------------------------ data preparation

def test_data_prep_dependency_order_and_means():
    m = loads_model('''
outcome = "y"
cluster = "g"
data = "d"
fixed = ["xc", "mxc", "gx", "cm"]
[random]
effects = ["Intercept", "xc"]
[variables]
cm = "mean(x2) by g - 1"
x2 = "x - 2"
xc = "x - mean(x) by g"
mxc = "mean(x) by g"
gx = "x - mean(x)"
''')
    from mlmgen.dialects.common import temp_tag
    t = f"_mlm{temp_tag(m)}_m"          # the temporaries' prefix: tagged with this model
    sp_t = t[1:]
    sas = render(m, "sas", data_prep=True)
    # round 1: means of raw x (cluster and grand); round 2: the cluster mean of the derived x2
    assert sas.index(f"MEAN(x) AS {t}1") < sas.index("x2 = x - 2;") < sas.index(f"MEAN(x2) AS {t}3")
    assert "GROUP BY g" in sas and f"cm = {t}3 - 1;" in sas and f"gx = x - {t}2;" in sas
    r = render(m, "lme4", data_prep=True)
    assert "d$x2 = d$x - 2" in r
    assert r.index("d$x2 = d$x - 2") < r.index("d$cm = ave(d$x2, d$g, FUN=function(v) mean(v, na.rm=TRUE)) - 1")
    assert "d$gx = d$x - mean(d$x, na.rm=TRUE)" in r
    st = render(m, "stata", data_prep=True)
    assert f"egen double {t}1 = mean(x), by(g)" in st and f"egen double {t}2 = mean(x)\n" in st
    assert f"generate double xc = x - {t}1" in st and f"drop {t}1 {t}2" in st
    sp = render(m, "spss", data_prep=True)
    assert f"AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /BREAK=g /{sp_t}1 = MEAN(x)." in sp
    assert f"AGGREGATE /OUTFILE=* MODE=ADDVARIABLES /{sp_t}2 = MEAN(x)." in sp
    assert f"COMPUTE cm = {sp_t}3 - 1." in sp and f"DELETE VARIABLES {sp_t}3." in sp


def test_data_prep_only_for_variables_the_model_uses():
    m = load_model(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")
    assert "verb10" in {v.name for v in m.variables}
    for pkg in PKGS:
        text = render(m, pkg, data_prep=True)
        assert "verb10 =" not in text.replace("CMverb10 =", "") and "generate double verb10" not in text


def test_temporaries_never_collide_with_model_names(monkeypatch):
    import mlmgen.dialects.common as common
    monkeypatch.setattr(common, "temp_tag", lambda model: "abcd")
    m = loads_model('''
outcome = "y"
cluster = "g"
fixed = ["_mlmabcd_m1", "c"]
[variables]
c = "mean(_mlmabcd_m1) by g"
''')
    sas = render(m, "sas", data_prep=True)
    assert "MEAN(_mlmabcd_m1) AS _mlmabcd_m2" in sas


def test_temporaries_never_collide_with_data_columns_and_the_code_says_so(tmp_path):
    """Issue 16 item 5: with the data given (render --data), temporaries differ from its columns; without it
    they carry a tag computed from the model, and the generated code says why they cannot clash."""
    from click.testing import CliRunner

    from mlmgen.cli import cli
    from mlmgen.dialects.common import avoiding_columns, temp_tag
    m = load_model(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")
    t = f"_mlm{temp_tag(m)}_m"
    assert t != "_mlm_m" and len(t) == 10
    for pkg, comment in (("sas", "/* Temporary variables"), ("stata", "* Temporary variables"),
                         ("spss", "* Temporary variables")):
        text = render(m, pkg, data_prep=True)
        assert comment in text and "cannot clash with a column of your data" in text
        assert (t if pkg != "spss" else t[1:]) + "1" in text
    with avoiding_columns([t.upper() + "1", "other"]):
        st = render(m, "stata", data_prep=True)
    assert f"{t}1" not in st and f"egen double {t}2 = mean(verbal), by(schoolID)" in st
    data = tmp_path / "d.csv"
    data.write_text(f"schoolID,langpost,verbal,homework,mixgrd,{t}1\n1,2,3,4,0,9\n")
    res = CliRunner().invoke(cli, ["render", str(ROOT / "examples" / "2b_cluster_mc_random_slope.toml"),
                                   "--to", "stata", "--data-prep", "--data", str(data)])
    assert res.exit_code == 0 and f"capture drop {t}1\n" not in res.output and f"{t}2" in res.output, res.output
    assert render(m, "stata", data_prep=True) == render(m, "stata", data_prep=True)      # reproducible


def test_docs_model_file_example_is_the_2b_example():
    """The complete example in docs/model-file.md loads and renders like examples/2b."""
    import re
    text = (ROOT / "docs" / "model-file.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    m = loads_model(block, "docs/model-file.md")
    ref = load_model(ROOT / "examples" / "2b_cluster_mc_random_slope.toml")
    for pkg in PKGS:
        assert render(m, pkg) == render(ref, pkg)
    joint = loads_model(block + '\n[[contrasts]]\nlabel = "j"\nrows = [{ "mixgrd" = 1 }, { "CMverb10" = 1 }]\n')
    assert 'CONTRAST "j" mixgrd 1, CMverb10 1;' in render(joint, "sas")
