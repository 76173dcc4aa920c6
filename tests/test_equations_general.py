"""`mlmgen equations` for models with several random terms (issue 12: nested levels in Raudenbush & Bryk's
notation, crossed classifications in Rasbash & Browne's) and residual structures (issue 13: R written out per
structure): golden files, the placement of each term at its level, estimates substituted, refusals."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import mlmgen
import teaching_models as tm
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.equations import document, equations
from mlmgen.equations.mathtree import Sym
from mlmgen.equations.render_text import text
from mlmgen.equations.rside import entry
from mlmgen.modelfile import load_model
from test_equations import _check_math

GOLDEN = Path(__file__).resolve().parent / "golden" / "equations_general"
EXT = {"latex": "tex", "text": "txt", "mathml": "html", "markdown": "md"}
CASES = [(m, n, f) for m in tm.MODELS for n, f in (("lecture", "text"), ("lecture", "latex"), ("matrix", "text"),
                                                   ("lecture", "mathml"))]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("general")
    return {name: tm.write(name, folder) for name in tm.MODELS}


@pytest.mark.parametrize("name,notation,fmt", CASES)
def test_golden(name, notation, fmt, files, regen_golden):
    model, data = files[name]
    out = equations(str(model), notation, fmt, data=str(data))
    path = GOLDEN / f"{name}.{notation}.{EXT[fmt]}"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with --regen-golden"
    assert out == path.read_text(encoding="utf-8")


def _section(doc, title):
    return next(s for s in doc.sections if s.title.startswith(title))


def test_three_levels_place_each_predictor_at_its_level(files):
    model, data = files["three"]
    doc = document(str(model), data=str(data))
    assert [s.title for s in doc.sections][:4] == ["Level-1", "Level-2", "Level-3", "Composite"]
    l1 = [text(e) for e in _section(doc, "Level-1").equations]
    l2 = [text(e) for e in _section(doc, "Level-2").equations]
    l3 = [text(e) for e in _section(doc, "Level-3").equations]
    assert l1 == ["y_ijk = π_0jk + π_1jk(x_ijk) + e_ijk"]
    # z is constant within classes (level 2): it predicts the class intercept; x's slope has no class effect
    assert l2 == ["π_0jk = β_00k + β_01k(z_jk) + r_0jk", "π_1jk = β_10k"]
    # w is a school variable (level 3); x*w is the cross-level interaction in the school equation of x's slope
    assert l3 == ["β_00k = γ_000 + γ_001(w_k) + u_00k", "β_01k = γ_010", "β_10k = γ_100 + γ_101(w_k) + u_10k"]
    rand = [text(e) for e in _section(doc, "Random effects").equations]
    assert "T_β = [τ_β00, τ_β01; τ_β01, τ_β11]" in rand and "r_0jk ~ N(0, τ_π00)" in rand


def test_without_data_levels_are_assumed_and_declared_levels_win(files):
    model, _ = files["three"]
    doc = document(str(model))
    notes = _section(doc, "Levels").notes
    assert all("ASSUMED level 1" in n for n in notes)
    doc = document(str(model), levels={"z": 2, "w": 3})
    assert "π_0jk = β_00k + β_01k(z_jk) + r_0jk" in [text(e) for e in _section(doc, "Level-2").equations]


def test_estimates_are_the_fits(files):
    model, data = files["three"]
    f = mlmgen.fit(str(model), str(data))
    out = equations(str(model), "lecture", "text", f, data=str(data))
    fixed = {fe.term: fe.estimate.value for fe in f.result.fixed}
    assert f"γ" not in out.split("Composite:")[1].split("Random effects:")[0]
    assert f"{fixed['w']:.3f}" in out and f"{fixed['x:w']:.3f}" in out
    cov = {(c.group, c.param): c.estimate.value for c in f.result.covariance}
    assert f"{cov[('school', 'cov(Intercept,x)')]:.3f}" in out
    assert f"r_0jk ~ N(0, {cov[('school:cls', 'var(Intercept)')]:.3f})" in out
    assert f"e_ijk ~ N(0, {cov[(None, 'var(Residual)')]:.3f})" in out


def test_slope_at_the_wrong_level_is_refused(files):
    model, data = files["three"]
    m = load_model(str(model))
    wrong = m.with_(more_random=(m.more_random[0].__class__(("school", "cls"), True, ("z",), "un"),))
    with pytest.raises(MlmgenError) as e:
        document(wrong, data=str(data))
    d = e.value.diagnostics[0]
    assert d.code == "EQ001" and "wrong level" in d.message and "z" in d.message


def test_crossed_classification_notation(files):
    model, data = files["crossed"]
    doc = document(str(model), data=str(data))
    assert [text(e) for e in _section(doc, "Composite").equations] == [
        "diameter_i = β_0 + u^(2)_0,plate(i) + u^(3)_0,sample(i) + e_i"]
    f = document("y ~ x + (1 | school) + (1 | cls)", data=tm.three())
    comp = text(_section(f, "Composite").equations[0])
    assert comp == "y_i = β_0 + β_1(x_i) + u^(2)_0,school(i) + u^(3)_0,cls(i) + e_i"


def test_nested_paths_of_the_formula_are_the_nested_notation():
    doc = document("strength ~ 1 + (1 | batch/cask)", data=tm.pastes())
    assert [s.title for s in doc.sections][:3] == ["Level-1", "Level-2", "Level-3"]
    assert text(_section(doc, "Composite").equations[0]) == "strength_ijk = γ_000 + u_00k + r_0jk + e_ijk"


@pytest.mark.parametrize("structure,j,k,expected", [
    ("UN", 3, 1, "σ_31"), ("CS", 2, 2, "σ_1 + σ²"), ("CS", 1, 2, "σ_1"), ("AR1", 1, 3, "σ² ρ²"),
    ("AR1", 4, 3, "σ² ρ"), ("TOEP", 1, 4, "σ_3"), ("CSH", 2, 4, "σ_2 σ_4 ρ"), ("ARH1", 1, 4, "σ_1 σ_4 ρ^3"),
    ("TOEPH", 2, 4, "σ_2 σ_4 ρ_2"), ("SP(POW)", 1, 2, "σ² ρ^d12"), ("VC", 1, 2, "0")])
def test_residual_structure_entries(structure, j, k, expected):
    assert text(entry(structure, j, k)) == expected


def test_mmrm_residual_sections_and_estimated_R(files):
    model, data = files["mmrm"]
    doc = document(str(model), data=str(data))
    assert [s.title for s in doc.sections] == ["Model", "Residual covariance R (TYPE=UN)", "Columns"]
    R = _section(doc, "Residual covariance")
    assert text(R.equations[0]) == "R_jj' = σ_jj'"
    assert "visits j = 1..4: visit = W1, W2, W4, W8" in R.notes
    f = mlmgen.fit(str(model), str(data))
    est = document(str(model), fit=f, data=str(data))
    shown = text(_section(est, "Residual covariance").equations[1])
    R0 = f.result.extra["R_matrix"][0]
    assert shown.startswith(f"R = [{R0[0][0]:.3f}, {R0[0][1]:.3f}")


def test_ar1_and_spatial_power_say_what_spacing_they_assume(files, tmp_path):
    model, data = files["mmrm"]
    ar1 = tmp_path / "ar1.toml"
    ar1.write_text(tm.MODELS["mmrm"].replace('"UN"', '"AR(1)"'))
    doc = document(str(ar1), data=str(data))
    R = _section(doc, "Residual covariance")
    assert text(R.equations[0]) == "R_jj' = σ² ρ^|j - j'|" and "equally spaced" in R.notes[0]
    sp = tmp_path / "sp.toml"
    sp.write_text(tm.MODELS["mmrm"].replace('"UN"', '"SP(POW)"').replace('repeated = "visit"', 'repeated = "week"'))
    R = _section(document(str(sp), data=str(data)), "Residual covariance")
    assert "week = 1, 2, 4, 8" in " ".join(R.notes)


@pytest.mark.parametrize("name", list(tm.MODELS))
def test_mathml_is_presentation_mathml(name, files):
    model, data = files[name]
    html = equations(str(model), "lecture", "mathml", data=str(data))
    for m in html.split("<math ")[1:]:
        el = ET.fromstring("<math " + m.split("</math>")[0] + "</math>")
        _check_math(el)


def test_cli_equations_several_terms_and_residual(files):
    model, data = files["pastes"]
    r = CliRunner().invoke(cli, ["equations", str(model), "--data", str(data), "--fit"])
    assert r.exit_code == 0 and "Level-3:" in r.output and "estimates substituted" in r.output
    model, data = files["mmrm"]
    r = CliRunner().invoke(cli, ["equations", str(model), "--format", "latex"])
    assert r.exit_code == 0 and "\\mathbf{R}" in r.output
    r = CliRunner().invoke(cli, ["equations", str(model), "--level", "arm=2"])
    assert r.exit_code == 2 and "CL001" in r.output


def test_more_levels_than_the_notation_has_letters_are_refused_or_matrix():
    with pytest.raises(MlmgenError) as e:
        document("y ~ x + (1 | a/b/c/d/e)")
    assert e.value.diagnostics[0].code == "EQ001" and "6 levels" in e.value.diagnostics[0].message
    doc = document("y ~ x + (1 | a/b/c/d/e)", notation="matrix")
    assert text(doc.sections[0].equations[0]) == "y = X β + Z_1 u_1 + Z_2 u_2 + Z_3 u_3 + Z_4 u_4 + Z_5 u_5 + e"
    five = document("y ~ x + (1 | a/b/c/d)")
    assert [s.title for s in five.sections][:5] == ["Level-1", "Level-2", "Level-3", "Level-4", "Level-5"]
