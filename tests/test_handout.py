"""The handout's content and files, without a browser (tests/test_handout_browser.py opens them in Chromium).

* each package's output is mlmgen's printer of the fit that package reaches: SAS from the SAS emulation (its
  variances differ from the exact optimum on the demo data), the others from the exact fit;
* the programs are the rendered programs with the import step and data preparation;
* numbers that differ are flagged with the reason; interpretation lines carry the fit's numbers;
* the LRT between models of a sequence: REML refused (ES001) and the ML refit tested; not nested: ES002;
* the HTML is self-contained (no script, no external reference) and escapes text from model files;
* Markdown and LaTeX versions with their plot files; files written through mlmgen/files.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import mlmgen
from mlmgen.handout import build, handout_text, write_html
from mlmgen.dialects import DIALECTS
from mlmgen.handout.outputs import emulated_fit
from mlmgen.modelfile import load_model, loads_model
from mlmgen.render import render

ROOT = Path(__file__).resolve().parent.parent
EX = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}
DEMO = str(ROOT / "examples" / "demo_data.csv")


@pytest.fixture(scope="module")
def h2b():
    return build([(load_model(EX["2b"]), str(EX["2b"]))], DEMO, with_plots=False)


def test_programs_are_the_rendered_programs_with_import(h2b):
    s = h2b.sections[0]
    m = load_model(EX["2b"])
    assert [p.package for p in s.programs] == ["sas", "lme4", "stata", "spss"]
    for p in s.programs:
        assert p.text == render(m, p.package, data_prep=True, import_file=DEMO)
        assert DEMO in p.text


def test_each_package_prints_the_fit_it_reaches(h2b):
    s = h2b.sections[0]
    exact = mlmgen.fit(EX["2b"], DEMO)
    sas = mlmgen.fit(EX["2b"], DEMO, options={"sas_emulation": True})
    lme4 = mlmgen.fit(EX["2b"], DEMO, options={"lme4_emulation": True})
    assert s.outputs["sas"].text == sas.summary("sas")
    assert s.outputs["lme4"].text == lme4.summary("lme4")
    assert s.outputs["stata"].text == exact.summary("stata") and s.outputs["spss"].text == exact.summary("spss")
    # the emulated SAS iterate is not the optimum: its printed UN(1,1) differs from the exact variance
    v_sas = float(sas.result.cov_by_param()["var(Intercept)"].estimate.value)
    v_exact = float(exact.result.cov_by_param()["var(Intercept)"].estimate.value)
    assert f"{v_sas:.4f}" != f"{v_exact:.4f}"
    assert f"{v_sas:.4f}" in s.outputs["sas"].text and f"{v_exact:.4f}" in s.outputs["spss"].text
    # lme4's default stop is not the optimum either (and the footnote says which is shown)
    assert lme4.result.optimisation.message.startswith("lme4 1.1-31 emulation")
    assert s.outputs["lme4"].footnote == DIALECTS["lme4"].emulation_footnote
    assert "SAS emulation" in s.outputs["sas"].footnote


def test_lme4_column_falls_back_to_the_exact_optimum_without_nlopt(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "nlopt", None)
    assert emulated_fit(DIALECTS["lme4"], load_model(EX["2b"]), DEMO) is None
    h = build([(load_model(EX["2b"]), str(EX["2b"]))], DEMO, with_plots=False)
    assert h.sections[0].outputs["lme4"].footnote == DIALECTS["lme4"].exact_footnote
    assert h.sections[0].outputs["lme4"].text == mlmgen.fit(EX["2b"], DEMO).summary("lme4")


def test_differences_are_flagged_with_reasons(h2b):
    tables = {t.title: t for t in h2b.sections[0].tables}
    fs = tables["Fit statistics: one likelihood, four ways of counting"]
    aic = {row[0]: row[2] for row in fs.rows}
    assert aic["SAS PROC MIXED"] != aic["R lme4/lmerTest"] and fs.flagged
    assert "n = number of subjects" in fs.rows[0][-1]
    df = tables["Denominator degrees of freedom of the fixed effects"]
    assert df.flagged and "expected" in df.note                       # Stata's EIM Satterthwaite df
    var = tables["Variance components: where each optimizer stops"]
    assert 0 in var.flagged
    names = tables["Names: the same parameter in each package's output"]
    assert ["Intercept", "Intercept", "(Intercept)", "_cons", "Intercept"] in names.rows
    assert any(r[1] == "UN(2,1)" and r[3] == "cov(WCverb,_cons)" for r in names.rows)


def test_interpretation_lines_carry_the_fits_numbers(h2b):
    exact = mlmgen.fit(EX["2b"], DEMO)
    c = exact.result.contrasts[0]
    lines = h2b.sections[0].interpretation
    assert any(ln.startswith(f"L2 Contextual Effect of Verbal: {float(c.estimate.value):.4f}") and "contrast" in ln
               for ln in lines)
    fe = {f.term: float(f.estimate.value) for f in exact.result.fixed}
    assert any(f"{fe['CMverb10'] - fe['WCverb']:.4f}" in ln and "Cluster-mean centring" in ln for ln in lines)
    h4a = build([(load_model(EX["4a"]), str(EX["4a"]))], DEMO, with_plots=False)
    assert any(ln.startswith("Hybrid centring: verb10") for ln in h4a.sections[0].interpretation)


def test_lrt_between_models():
    h = build([(load_model(EX[k]), str(EX[k])) for k in ("2b", "2c", "4d", "4e")], DEMO, with_plots=False)
    by = {(t.smaller, t.larger): t for t in h.lrts}
    t = by[("2b", "2c")]
    assert t.code == "ES001" and "Refitted by ML" in t.text
    ml = mlmgen.api.compare(mlmgen.fit(EX["2b"], DEMO, method="ml"), mlmgen.fit(EX["2c"], DEMO, method="ml"))
    assert f"{ml.lr:.3f} on {ml.df} df" in t.text
    t = by[("4d", "4e")]
    assert t.code == "ES002" and "same model, parameterised differently" in t.text


def test_html_is_self_contained_and_escapes_model_text(tmp_path):
    text = EX["2b"].read_text().replace('title = "(2b) Random L1 cluster-MC within slope"',
                                        'title = "<script>alert(1)</script> & <img src=x>"')
    m = loads_model(text)
    page = write_html(build([(m, None)], DEMO, with_plots=False))
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    tags, links = _tags_and_links(page)
    assert links and all(x.startswith("#") for x in links)                    # only in-page links
    assert not {"script", "img", "link", "iframe", "object", "embed"} & tags
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)                  # only XML namespaces
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<math") > 5 and page.count('<pre><code class="language-') == 4


def _tags_and_links(page: str) -> tuple[set[str], list[str]]:
    from html.parser import HTMLParser

    class P(HTMLParser):
        tags: set = set()
        links: list = []

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.links += [v for k, v in attrs if k in ("src", "href", "xlink:href", "data") and v is not None]
    p = P()
    p.tags, p.links = set(), []
    p.feed(page)
    return p.tags, p.links


def test_markdown_and_latex(tmp_path):
    pytest.importorskip("matplotlib")
    from click.testing import CliRunner
    from mlmgen.cli import cli
    for fmt, ext in (("md", "svg"), ("tex", "png")):
        out = tmp_path / f"lab.{fmt}"
        res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", DEMO, "-o", str(out)])
        assert res.exit_code == 0, res.output
        text = out.read_text()
        for kind in ("spaghetti", "caterpillar", "variance"):
            plot = tmp_path / f"lab-2b-{kind}.{ext}"
            assert plot.exists() and plot.name in text
        if fmt == "md":
            assert "$$" in text and "```sas" in text and "| SAS PROC MIXED |" in text
        else:
            assert text.startswith("\\documentclass") and "\\begin{verbatim}" in text and "\\end{document}" in text


def test_cli_writes_through_files_rules(tmp_path):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    out = tmp_path / "lab.html"
    res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", DEMO, "-o", str(out), "--no-plots"])
    assert res.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", DEMO, "-o", str(out), "--no-plots"])
    assert res.exit_code == 2 and "WR002" in res.output
    res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", DEMO, "-o", DEMO, "--force"])
    assert res.exit_code == 2 and "WR003" in res.output
    res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", str(tmp_path / "none.csv"), "-o",
                                   str(tmp_path / "b.html")])
    assert res.exit_code == 2 and "IO001" in res.output and "Traceback" not in res.output


def test_handout_without_matplotlib_warns_pl001(tmp_path, monkeypatch):
    import sys
    from click.testing import CliRunner
    from mlmgen.cli import cli
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    out = tmp_path / "lab.html"
    res = CliRunner().invoke(cli, ["handout", str(EX["2b"]), "--data", DEMO, "-o", str(out)])
    assert res.exit_code == 0 and "PL001" in res.stderr
    assert "Plots need matplotlib" in out.read_text()


def test_handout_text_formats_agree():
    h = build([(load_model(EX["2b"]), str(EX["2b"]))], DEMO, fmt="md", with_plots=False)
    md = handout_text(h, "md", "lab")
    assert md.count("```") == 16                      # 4 programs + 4 outputs



def test_a_package_that_cannot_express_the_model(tmp_path):
    m = loads_model(EX["2b"].read_text().replace('ddf = "Satterthwaite"', 'ddf = "Residual"'))
    s = build([(m, None)], DEMO, with_plots=False).sections[0]
    r = next(p for p in s.programs if p.package == "lme4")
    assert r.text is None and r.problem.startswith("RN001")
    assert s.outputs["lme4"].text.startswith("(nothing: RN001")
    assert all(p.text for p in s.programs if p.package != "lme4")
