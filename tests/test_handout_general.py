"""Handouts of models with several random terms (a Pastes-like nested design, a three-level model, a crossed
design) and of an MMRM (residual structure): equations level by level, the four programs side by side, the
package outputs where mlmgen's printers print them (the printer capability `several_random_terms`,
report/common.py; `RESIDUAL_STYLES` for R-side fits) and a coded reason where they do not, the tables, the
interpretation lines and the plots. HTML, Markdown and LaTeX; one browser check (marker `browser`)."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

import teaching_models as tm
from mlmgen.cli import cli
from mlmgen.dialects import DIALECTS, RESIDUAL_STYLES
from mlmgen.handout import build, write_html
from mlmgen.modelfile import load_model
from mlmgen.report import printer


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handouts")
    return {name: tm.write(name, folder) for name in tm.MODELS}


@pytest.fixture(scope="module")
def handouts(files):
    out = {}
    for name, (model, data) in files.items():
        out[name] = build([(load_model(str(model)), str(model))], str(data), with_plots=True)
    return out


def _printed(name: str, pkg: str) -> bool:
    if name == "mmrm":
        return pkg in RESIDUAL_STYLES
    return printer(pkg).several_random_terms


@pytest.mark.parametrize("name", list(tm.MODELS))
def test_every_package_panel_is_printed_or_says_why(handouts, name):
    sec = handouts[name].sections[0]
    assert list(sec.outputs) == list(DIALECTS)
    for pkg, o in sec.outputs.items():
        refused = o.text.startswith("(not printed")
        if name == "mmrm" and pkg in RESIDUAL_STYLES and pkg != "sas":
            # these printers print pure MMRMs, and refuse (RN001) what their package does not print (nlme: KR df)
            assert (refused and o.text.startswith("(not printed: RN001")) or len(o.text) > 300, (pkg, o.text[:80])
        elif _printed(name, pkg):
            assert not refused and len(o.text) > 300, pkg
        else:
            code = "RN001" if name == "mmrm" else "CL001"
            assert o.text.startswith(f"(not printed: {code}"), (pkg, o.text[:80])
    assert any(_printed(name, p) for p in DIALECTS)     # lme4 prints several terms, SAS prints R-side fits


@pytest.mark.parametrize("name", list(tm.MODELS))
def test_programs_side_by_side(handouts, name, files):
    sec = handouts[name].sections[0]
    assert [p.package for p in sec.programs] == list(DIALECTS)
    data = str(files[name][1])
    for p in sec.programs:
        assert (p.text is not None and data in p.text) or (p.problem and re.match(r"[A-Z]{2}\d{3}", p.problem)), p
    lme4 = next(p for p in sec.programs if p.package == "lme4")
    if name == "pastes":
        assert "(1|batch)+(1|batch:cask)" in lme4.text.replace(" ", "")
    sas = next(p for p in sec.programs if p.package == "sas")
    if name == "pastes":
        assert "SUBJECT=cask(batch)" in sas.text
    if name == "mmrm":
        assert "REPEATED visit / SUBJECT=id TYPE=UN" in sas.text


def test_nested_handout_equations_tables_interpretation_plots(handouts):
    sec = handouts["pastes"].sections[0]
    assert "Level-3" in sec.equations and "<math" in sec.equations
    assert any("batch/cask" in w and "restart" in w for w in sec.words)
    titles = [t.title for t in sec.tables]
    assert titles == ["Fit statistics: one likelihood, four ways of counting", "Fixed effects and their denominator df",
                      "Covariance parameters (exact optimum)"]
    cov = sec.tables[2].rows
    assert [r[0] for r in cov] == ["batch", "batch:cask", "Residual"]
    icc = {r["term"]: r for r in sec.fit.engine.icc()}
    assert f"{100 * icc['batch']['share']:.1f}%" in sec.interpretation[0]
    assert f"correlate {icc['batch:cask']['icc']:.3f}" in sec.interpretation[1]
    if sec.plots:
        assert [p.kind for p in sec.plots] == ["caterpillar", "partition"]


def test_crossed_handout_says_crossed(handouts):
    sec = handouts["crossed"].sections[0]
    assert any("crossed" in w for w in sec.words)
    assert "classification" in sec.equations


def test_mmrm_handout(handouts):
    sec = handouts["mmrm"].sections[0]
    assert "TYPE=UN" in sec.equations
    assert any("TYPE=UN over visit within each id" in w for w in sec.words)
    R = sec.fit.result.extra["R_correlation"][0]
    assert f"the first and last (W1, W8) {R[0][3]:.3f}" in sec.interpretation[0]
    cov = sec.tables[2].rows
    assert cov[0][:2] == ["R (residual)", "UN(1,1)"] and len(cov) == 10
    if sec.plots:
        assert [p.kind for p in sec.plots] == ["rcorr", "lag"]


def test_html_is_self_contained(handouts):
    for name, h in handouts.items():
        page = write_html(h)
        assert not re.search(r'(src|href)="(https?:|data:)', page) and "<link" not in page
        assert not re.search(r"url\((?!#)", page)                    # only in-page references (SVG clip paths)
        assert "<script" not in page and "<img" not in page
        assert page.count('<section class="model"') == 1
        assert page.count('<div class="panel output"') == 4


@pytest.mark.parametrize("fmt,ext", [("md", "svg"), ("tex", "png")])
def test_cli_markdown_and_latex_with_plot_files(files, tmp_path, fmt, ext):
    pytest.importorskip("matplotlib")
    for name in ("pastes", "mmrm"):
        model, data = files[name]
        out = tmp_path / f"{name}.{fmt}"
        r = CliRunner().invoke(cli, ["handout", str(model), "--data", str(data), "-o", str(out)])
        assert r.exit_code == 0, r.output
        text = out.read_text()
        kinds = ("caterpillar", "partition") if name == "pastes" else ("rcorr", "lag")
        for k in kinds:
            assert (tmp_path / f"{name}-{name}-{k}.{ext}").exists()
            assert f"{name}-{name}-{k}.{ext}" in text
        unprintable = [pkg for pkg in DIALECTS if not _printed(name, pkg)]
        if unprintable:
            assert "not printed" in text, unprintable


def test_equations_that_cannot_be_written_leave_a_coded_note(tmp_path):
    """A categorical predictor in a model with several random terms: the equations are EQ001; the handout is
    written with the reason in their place (HTML, Markdown, LaTeX)."""
    d = tm.three()
    d["sex"] = ["F" if k % 2 else "M" for k in range(len(d))]
    csv = tmp_path / "d.csv"
    d.to_csv(csv, index=False)
    model = tmp_path / "cat.toml"
    model.write_text('outcome = "y"\nfixed = ["sex"]\n[categorical]\nsex = { levels = ["M", "F"] }\n'
                     '[[random]]\ngroup = "school"\neffects = ["Intercept"]\n'
                     '[[random]]\ngroup = "school/cls"\neffects = ["Intercept"]\n')
    for fmt in ("html", "md", "tex"):
        h = build([(load_model(str(model)), str(model))], str(csv), fmt=fmt, with_plots=False)
        eq = h.sections[0].equations
        assert "Equations not written: EQ001" in eq and "categorical" in eq, fmt
        assert "<p class=" in eq if fmt == "html" else "<p" not in eq


def test_lab_sequence_nested_then_crossed_reading(files, tmp_path):
    """The id-reuse lesson as a lab: the nested model, then the same data read as crossed (class ids pooled)."""
    model, data = files["three"]
    crossed = tmp_path / "crossed_reading.toml"
    crossed.write_text(tm.MODELS["three"].replace('group = "school/cls"', 'group = "cls"'))
    h = build([(load_model(str(model)), str(model)), (load_model(str(crossed)), str(crossed))], str(data),
              with_plots=False)
    assert len(h.sections) == 2 and len(h.lrts) == 1
    assert "crossed" in " ".join(h.sections[1].words)


@pytest.mark.browser
def test_browser_lays_out_the_general_handouts(handouts, tmp_path):
    from browser import require_chromium, watch_load
    require_chromium()
    facts = {"maths": "[...document.querySelectorAll('.equations math')].map(m => {const r = m.getBoundingClientRect(); "
                      "return r.width > 20 && r.height > 8;})",
             "outputs": "[...document.querySelectorAll('.output pre samp')].map(c => c.textContent.length)",
             "plots": "[...document.querySelectorAll('figure svg')].map(f => f.getBoundingClientRect().width)"}
    for name in ("pastes", "mmrm"):
        page = tmp_path / f"{name}.html"
        page.write_text(write_html(handouts[name]), encoding="utf-8")
        seen = watch_load(page, expressions=facts)
        assert seen["exceptions"] == [] and seen["console"] == [] and seen["requests"] == [], seen
        v = seen["values"]
        assert len(v["maths"]) >= 5 and all(v["maths"]), name
        assert len(v["outputs"]) == 4 and max(v["outputs"]) > 500, name
        if handouts[name].sections[0].plots:
            assert len(v["plots"]) == 2 and min(v["plots"]) > 200, name


# ------------------------------------------------------------------ against R

@pytest.mark.r
def test_handout_of_real_pastes_runs_in_r_and_its_lme4_panel_matches(tmp_path):
    """lme4::Pastes (casks a, b, c in every batch): the handout's R program, run as it stands in R, fits the
    nested model, and the variances it gets are the ones the handout's lme4 panel prints (4 significant digits)."""
    from rtools import run_r
    csv = tmp_path / "Pastes.csv"
    run_r(f'd <- lme4::Pastes; write.csv(d[, c("strength", "batch", "cask")], "{csv.as_posix()}", row.names = FALSE)')
    model = tmp_path / "pastes.toml"
    model.write_text(tm.MODELS["pastes"])
    h = build([(load_model(str(model)), str(model))], str(csv), with_plots=False)
    sec = h.sections[0]
    program = next(p for p in sec.programs if p.package == "lme4").text
    out = run_r(program + '\nvc <- as.data.frame(VarCorr(model))\n'
                'for (i in seq_len(nrow(vc))) cat("VC", vc$grp[i], sprintf("%.4f", vc$vcov[i]), "\\n")\n'
                'cat("NGRPS", names(ngrps(model)), ngrps(model), "\\n")\n', cwd=str(tmp_path))
    vc = {f[1]: f[2] for f in (ln.split() for ln in out.splitlines()) if f and f[0] == "VC"}
    assert set(vc) == {"batch", "batch:cask", "Residual"}
    assert "NGRPS batch:cask batch 30 10" in out                  # 30 casks: the nested reading of a, b, c
    panel = sec.outputs["lme4"].text
    for grp, v in vc.items():
        row = next(ln for ln in panel.splitlines() if ln.split() and ln.split()[0] == grp)
        assert float(row.split()[-2]) == pytest.approx(float(v), rel=6e-4, abs=6e-5), (grp, row, v)   # 4 digits
    exact = {(c.group or "Residual"): float(c.estimate.value) for c in sec.fit.result.covariance}
    for grp, v in vc.items():
        assert exact[grp] == pytest.approx(float(v), abs=1e-4)


@pytest.mark.r
def test_mmrm_handout_r_program_fits_what_the_sas_panel_prints(files, tmp_path):
    """The MMRM handout's R program (nlme::gls with corSymm and varIdent), run in R as it stands: its REML
    log-likelihood and fixed effects are the exact fit's, which the SAS panel prints (-2 Res Log Likelihood)."""
    from rtools import run_r
    model, data = files["mmrm"]
    h = build([(load_model(str(model)), str(model))], str(data), with_plots=False)
    sec = h.sections[0]
    program = next(p for p in sec.programs if p.package == "lme4").text
    out = run_r(program + '\ncat("M2LL", sprintf("%.8f", -2 * as.numeric(logLik(model))), "\\n")\n'
                'cat("BETA", sprintf("%.8f", coef(model)), "\\n")\n', cwd=str(tmp_path))
    m2ll = float(next(ln.split()[1] for ln in out.splitlines() if ln.startswith("M2LL")))
    beta = [float(x) for x in next(ln for ln in out.splitlines() if ln.startswith("BETA")).split()[1:]]
    assert m2ll == pytest.approx(float(sec.fit.result.neg2ll.value), abs=1e-4)
    assert beta == pytest.approx([float(f.estimate.value) for f in sec.fit.result.fixed], abs=1e-5)
    sas = sec.outputs["sas"].text
    assert f"-2 Res Log Likelihood {m2ll:.1f}" in " ".join(sas.split())


@pytest.mark.r
def test_handout_of_real_penicillin_crossed(tmp_path):
    """lme4::Penicillin (24 plates x 6 samples, crossed): the handout's R program fits the crossed model in R
    with the variances the lme4 panel prints; the equations are the classification notation."""
    from rtools import run_r
    csv = tmp_path / "Penicillin.csv"
    run_r(f'write.csv(lme4::Penicillin, "{csv.as_posix()}", row.names = FALSE)')
    model = tmp_path / "penicillin.toml"
    model.write_text(tm.MODELS["crossed"])
    sec = build([(load_model(str(model)), str(model))], str(csv), with_plots=False).sections[0]
    assert "plate(i)" in sec.equations and "sample(i)" in sec.equations
    program = next(p for p in sec.programs if p.package == "lme4").text
    out = run_r(program + '\nvc <- as.data.frame(VarCorr(model))\n'
                'for (i in seq_len(nrow(vc))) cat("VC", vc$grp[i], sprintf("%.6f", vc$vcov[i]), "\\n")\n',
                cwd=str(tmp_path))
    vc = {f[1]: float(f[2]) for f in (ln.split() for ln in out.splitlines()) if f and f[0] == "VC"}
    exact = {(c.group or "Residual"): float(c.estimate.value) for c in sec.fit.result.covariance}
    assert set(vc) == {"plate", "sample", "Residual"}
    for grp, v in vc.items():
        assert exact[grp] == pytest.approx(v, rel=2e-4), grp
        row = next(ln for ln in sec.outputs["lme4"].text.splitlines() if ln.split() and ln.split()[0] == grp)
        assert float(row.split()[-2]) == pytest.approx(v, rel=6e-4, abs=6e-5)
