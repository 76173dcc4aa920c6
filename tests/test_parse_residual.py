"""Residual structures read by the Stata and SPSS readers (and SAS's REPEATED / SUBJECT= without TYPE=):
mlmgen's own renderings of an MMRM read back as the model file's [residual], `same` on the renderings,
translate Stata -> SAS, and the structures a reader cannot map exactly refused (SY004) with the reason.
Checked against mlmgen's own renderings only (no Stata or SPSS here)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.dialects.sas.syntax import parse_syntax as parse_sas
from mlmgen.dialects.spss.syntax import parse_syntax as parse_spss
from mlmgen.dialects.stata.syntax import parse_syntax as parse_stata
from mlmgen.modelfile import loads_model
from mlmgen.render import render
from mlmgen.residual import Residual
from mlmgen.translate import translate

MMRM = '''outcome = "y"
fixed = ["arm", "visit", "arm*visit"]
ddf = "Satterthwaite"
lsmeans = ["arm*visit"]
[categorical]
visit = { levels = ["W1", "W2", "W4"] }
arm = { levels = ["PBO", "TRT"] }
[residual]
type = "UN"
repeated = "visit"
subject = "id"
'''


def model(kind="UN", extra=""):
    return loads_model(MMRM.replace('type = "UN"', f'type = "{kind}"') + extra)


def sy004(ps):
    return [d.message for d in ps.diagnostics if d.code == "SY004" and d.severity.name == "ERROR"]


@pytest.mark.parametrize("kind, extra", [("UN", ""), ("CS", ""), ("AR(1)", ""), ("TOEP", ""),
                                         ("AR(1)", 'group = "arm"\n'), ("UN", 'group = "arm"\n')])
def test_stata_rendering_read_back(kind, extra):
    m = model(kind, extra)
    ps = parse_stata(render(m, "stata"))
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == m.residual and ps.model.random.effects == ()
    assert ps.model.lsmeans == m.lsmeans          # margins arm#visit is one term (was read as the Intercept)


def test_stata_exponential_and_plain_time():
    sp = loads_model(MMRM.replace('type = "UN"', 'type = "SP(POW)"').replace('repeated = "visit"',
                                                                            'repeated = "week"'))
    ps = parse_stata(render(sp, "stata"))
    assert ps.model is not None and ps.model.residual == Residual("SP(POW)", "week", "id", None)
    # unstructured and exchangeable do not depend on the order: any t() variable is the repeated variable
    ps = parse_stata("mixed y i.visit || id:, noconstant residuals(exchangeable, t(visit)) reml")
    assert ps.model.residual == Residual("CS", "visit", "id", None)
    ps = parse_stata("mixed y i.visit || id:, noconstant res(un, t(visit)) reml")
    assert ps.model.residual == Residual("UN", "visit", "id", None)
    # an egen position (sorted values) keeps AR(1) exact
    ps = parse_stata("egen p = group(visit)\nmixed y i.visit || id:, noconstant residuals(ar 1, t(p)) reml")
    assert ps.model.residual == Residual("AR1", "visit", "id", None)


@pytest.mark.parametrize("text, what", [
    ("mixed y i.visit || id:, noconstant residuals(ar 1, t(visit))", "differences of visit's values"),
    ("mixed y i.visit || id:, noconstant residuals(ar 2, t(visit))", "ar 2"),
    ("mixed y i.visit || id:, noconstant residuals(unstructured)", "without t()"),
    ("mixed y i.visit || id:, noconstant residuals(banded 1, t(visit))", "banded"),
    ("egen p = group(visit)\nmixed y i.visit || id:, noconstant residuals(toeplitz 1, t(p))", "toeplitz 1"),
    ("generate p = .\nreplace p = 1 if visit == 2\nreplace p = 2 if visit == 1\n"
     "mixed y i.visit || id:, noconstant residuals(ar 1, t(p))", "not its level order"),
])
def test_stata_refusals(text, what):
    ps = parse_stata(text)
    assert ps.model is None
    assert any(what in m for m in sy004(ps)), sy004(ps)


@pytest.mark.parametrize("kind", ["UN", "CS", "CSH", "AR(1)", "ARH(1)", "TOEP", "TOEPH"])
def test_spss_rendering_read_back(kind):
    m = model(kind)
    ps = parse_spss(render(m, "spss"))
    assert ps.model is not None, [d.message for d in ps.diagnostics]
    assert ps.model.residual == m.residual and ps.model.random.effects == ()


@pytest.mark.parametrize("covtype, what", [(None, "DIAG"), ("FA1", "FA1")])
def test_spss_refusals(covtype, what):
    cov = f" COVTYPE({covtype})" if covtype else ""
    ps = parse_spss(f"MIXED y BY visit\n  /FIXED = visit\n  /REPEATED = visit | SUBJECT(id){cov}.")
    assert ps.model is None
    assert any(what in m for m in sy004(ps)), sy004(ps)


def test_spss_id_is_the_independent_residual():
    ps = parse_spss("MIXED y BY visit\n  /FIXED = visit\n  /RANDOM = INTERCEPT | SUBJECT(id)\n"
                    "  /REPEATED = visit | SUBJECT(id) COVTYPE(ID).")
    assert ps.model is not None and ps.model.residual.independent
    assert any(d.code == "SY001" and "independent residual" in d.message for d in ps.diagnostics)


def test_sas_repeated_subject_only_is_the_independent_residual():
    ps = parse_sas("proc mixed; class id; model y = x; random intercept / subject=id; repeated / subject=id r; run;")
    assert ps.model is not None and ps.model.residual.independent and ps.model.random.intercept
    assert any(d.code == "SY001" and d.severity.name == "WARNING" and "independent residual" in d.message
               for d in ps.diagnostics)
    assert not sy004(ps)
    # with TYPE= or an effect it is still a structure (or refused), not the independent residual
    assert sy004(parse_sas("proc mixed; class id; model y = x; repeated / subject=id type=un; run;"))


def test_same_on_the_renderings(tmp_path):
    """SAS, Stata and SPSS renderings of one MMRM are the same model; a different structure is not. (R's
    rendering is a gls() call, which the lme4 reader does not read.)"""
    files = []
    for lang, ext in (("sas", "sas"), ("stata", "do"), ("spss", "sps")):
        f = tmp_path / f"mmrm.{ext}"
        f.write_text(render(model("UN"), lang))
        files.append(str(f))
    res = CliRunner().invoke(cli, ["same", *files])
    assert res.exit_code == 0 and "SAME MODEL" in res.stdout and "residual: TYPE=UN over visit" in res.stdout
    other = tmp_path / "cs.do"
    other.write_text(render(model("CS"), "stata"))
    res = CliRunner().invoke(cli, ["same", files[0], str(other)])
    assert res.exit_code != 0 and "SAME MODEL" not in res.stdout


def test_translate_stata_to_sas():
    out = translate(render(model("AR(1)", 'group = "arm"\n'), "stata"), to="sas", source="stata")
    text = out if isinstance(out, str) else str(out)
    # AR(1) depends on the order: SAS would put the REF= level W1 last, so REPEATED runs over the position
    assert "REPEATED visit_mlmpos / SUBJECT=id TYPE=AR(1) GROUP=arm" in text, text
    assert 'visit_mlmpos = 1*(visit = "W1") + 2*(visit = "W2") + 3*(visit = "W4");' in text


# ---- SPSS AR1, ARH1, TP, TPH (SAS AR(1), ARH(1), TOEP, TOEPH): read and rendered where SPSS's order is known


@pytest.mark.parametrize("kind, covtype", [("AR(1)", "AR1"), ("ARH(1)", "ARH1"), ("TOEP", "TP"), ("TOEPH", "TPH")])
def test_spss_order_dependent_types_use_the_position(kind, covtype):
    """The order-dependent types run over visit_mlmpos, the position in the model's level order (SPSS sorts the
    repeated levels by value; visit_r puts the reference last): read back, the model's visit order is that one."""
    text = render(model(kind), "spss")
    assert 'RECODE visit ("W1"=1) ("W2"=2) ("W4"=3) (ELSE=SYSMIS) INTO visit_mlmpos.' in text
    assert f"/REPEATED = visit_mlmpos | SUBJECT(id) COVTYPE({covtype})" in text
    assert "visit_mlmpos" not in text.split("/FIXED")[1].split("/REPEATED")[0]
    ps = parse_spss(text)
    assert ps.model.categorical_map["visit"].levels == ("W1", "W2", "W4")
    assert ps.model.categorical_map["visit"].reference_level == "W1"


def test_spss_order_dependent_needs_declared_levels():
    m = model("AR(1)")
    undeclared = m.with_(categoricals=tuple(c.__class__(c.name, None, c.reference) if c.name == "visit" else c
                                            for c in m.categoricals))
    with pytest.raises(Exception) as e:
        render(undeclared, "spss")
    assert "levels declared" in str(e.value.diagnostics[0].message)


def test_spss_order_dependent_read_forms():
    # a plain BY factor: its levels are the sorted values, mlmgen's order for undeclared levels
    ps = parse_spss("MIXED y BY visit\n  /FIXED = visit\n  /REPEATED = visit | SUBJECT(id) COVTYPE(AR1).")
    assert ps.model is not None and ps.model.residual == Residual("AR1", "visit", "id", None)
    ps = parse_spss("MIXED y BY visit\n  /FIXED = visit\n  /REPEATED = visit | SUBJECT(id) COVTYPE(TPH).")
    assert ps.model.residual == Residual("TOEPH", "visit", "id", None)
    # an AUTORECODE'd factor with the reference moved last: SPSS's order is not one mlmgen holds
    ps = parse_spss('AUTORECODE VARIABLES=visit /INTO visit_r.\nIF (visit = "W1") visit_r = 999999.\n'
                    "MIXED y BY visit_r\n  /FIXED = visit_r\n  /REPEATED = visit_r | SUBJECT(id) COVTYPE(AR1).")
    assert ps.model is None and any("AUTORECODE" in m for m in sy004(ps))


def test_sas_order_dependent_types_over_the_position():
    """SAS numbers REPEATED's levels in CLASS order with the REF= level last: for AR/Toeplitz types mlmgen writes the
    position in the model's order (a DATA step) and reads it back as the visit in that order; a plain CLASS visit
    with REF= is read with a warning (SAS's order then is not known to be the model's)."""
    for kind in ("AR(1)", "ARH(1)", "TOEP", "TOEPH"):
        m = model(kind)
        text = render(m, "sas")
        assert "REPEATED visit_mlmpos /" in text and "CLASS id visit(REF=\"W1\") arm(REF=\"PBO\") visit_mlmpos;" in text
        ps = parse_sas(text)
        assert ps.model is not None and ps.model.residual == m.residual
        assert ps.model.categorical_map["visit"].levels == ("W1", "W2", "W4")
        assert ps.model.categorical_map["visit"].reference_level == "W1"
    # the reference already last in SAS's order: no position needed
    last = loads_model(MMRM.replace('type = "UN"', 'type = "AR(1)"').replace(
        'visit = { levels = ["W1", "W2", "W4"] }', 'visit = { levels = ["W1", "W2", "W4"], reference = "W4" }'))
    assert "REPEATED visit / SUBJECT=id TYPE=AR(1)" in render(last, "sas")
    # UN does not depend on the order: the visit itself
    assert "REPEATED visit / SUBJECT=id TYPE=UN" in render(model("UN"), "sas")
    ps = parse_sas("proc mixed; class id visit(ref='W1'); model y = visit; repeated visit / subject=id type=ar(1); run;")
    assert ps.model is not None
    warned = [d for d in ps.diagnostics if d.code == "SY004" and d.severity.name == "WARNING"]
    assert warned and "REF= level moved last" in warned[0].message


def test_sas_order_dependent_with_unknown_levels():
    """Levels not declared: with SAS's default reference (the last value) SAS's order is the sorted values, as
    mlmgen's; with another REF= it is not known, and mlmgen refuses (RN002: it needs the levels) rather than
    write another AR(1)."""
    m = model("AR(1)")
    undeclared = m.with_(categoricals=tuple(c.__class__(c.name, None, c.reference) if c.name == "visit" else c
                                            for c in m.categoricals))
    with pytest.raises(Exception) as e:
        render(undeclared, "sas")
    assert e.value.diagnostics[0].code == "RN002" and "REF= level moved last" in e.value.diagnostics[0].message
    from mlmgen.categorical import LAST
    default = m.with_(categoricals=tuple(c.__class__(c.name, None, LAST) if c.name == "visit" else c
                                         for c in m.categoricals))
    assert "REPEATED visit / SUBJECT=id TYPE=AR(1)" in render(default, "sas")
