"""`mlmgen equations`: the lecture's own equations for its seven models (tests/lecture_equations.py,
transcribed with line numbers) compared term by term with mlmgen's LaTeX and text output; golden files of
the four formats; valid MathML; estimates substituted from a fit; refusals (EQ001)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from lecture_equations import G_MATRIX, G_MATRIX_LINE, HYBRID_RANDOM, HYBRID_RANDOM_LINE, LECTURE
from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.equations import FORMATS, NOTATIONS, document, equations, structure_of
from mlmgen.equations.render_latex import latex
from mlmgen.modelfile import load_model

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "examples" / "demo_data.csv"
EXAMPLES = {p.stem: p for p in sorted((ROOT / "examples").glob("*.toml"))}
GOLDEN = ROOT / "tests" / "golden" / "equations"
SEEDS = [ROOT.parent / "shared" / "seed" / "000_d8b5e92b5fc50a7a.txt",
         ROOT.parent.parent / "shared" / "seed" / "000_d8b5e92b5fc50a7a.txt"]
LECTURE_NAMES = {"Lang": "langpost", "Verbal": "verbal", "MixGrd": "mixgrd", "HW": "homework"}


# ------------------------------------------------------------------------------------------ normalising

def norm_latex(s: str) -> str:
    """LaTeX of the lecture or of mlmgen, reduced to a comparable string: labels, \\text, alignment, braces
    and spaces removed; the lecture's display names mapped to the data's variable names."""
    s = re.sub(r"\*\*[^*]*\*\*", "", s).replace("$", "")
    s = re.sub(r"\\rightarrow.*$", "", s)
    s = re.sub(r"\\mathbf\{L[12]:\}", "", s)
    s = re.sub(r"\\text\{\s*L[12]:\s*\}", "", s)
    s = re.sub(r"\\text\{([^}]*)\}", r"\1", s)
    s = re.sub(r"^\s*(Level-[12]:|Composite:|CMC:)", "", s)
    for junk in (r"\begin{aligned}", r"\end{aligned}", r"\quad", "\\\\", "&"):
        s = s.replace(junk, "")
    for lect, ours in LECTURE_NAMES.items():
        s = re.sub(rf"(?<![A-Za-z]){lect}(?![A-Za-z])", ours, s)
    return re.sub(r"[{}\s]", "", s)


def norm_text(s: str) -> str:
    """mlmgen's text format in the same reduced form."""
    s = s.replace("γ_", "\\gamma_").replace("β_", "\\beta_")
    s = re.sub(r"mean\(([^()]+)\)_c", r"\\overline\1_c", s)
    return re.sub(r"\s", "", s)


def terms(rhs: str) -> list[str]:
    """Top-level + terms (the symbolic equations have no top-level minus)."""
    out, depth, cur = [], 0, ""
    for ch in rhs:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "+" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [t for t in out if t]


TERM = re.compile(r"^(?:\\gamma_(?P<ga>\d)(?P<gb>\d)|\\beta_(?P<b>\d)c|U_(?P<u>\d)c|(?P<e>e_pc))(?P<rest>.*)$")


def parse_terms(rhs: str) -> list[tuple]:
    out = []
    for t in terms(rhs):
        m = TERM.match(t)
        assert m, f"cannot read the term {t!r}"
        if m["ga"]:
            out.append(("gamma", int(m["ga"]), int(m["gb"]), m["rest"]))
        elif m["b"]:
            out.append(("beta", int(m["b"]), m["rest"]))
        elif m["u"]:
            out.append(("U", int(m["u"]), m["rest"]))
        else:
            out.append(("e", m["rest"]))
    return out


def equations_of(normalised: str) -> dict[str, list[tuple]]:
    out = {}
    for eq in normalised.split(";"):
        lhs, rhs = eq.split("=", 1)
        out[lhs] = parse_terms(rhs)
    return out


def same_up_to_level2_numbering(lecture: dict, ours: dict, mapping: dict) -> None:
    """Every lecture equation is ours term by term; gamma_ab's level-1 index a must be equal and its level-2
    index b may be renumbered (the lecture keeps gamma_01 for a predictor it dropped), consistently."""
    for lhs, lterms in lecture.items():
        assert lhs in ours, f"{lhs} missing; ours: {list(ours)}"
        oterms = ours[lhs]
        assert len(lterms) == len(oterms), (lhs, lterms, oterms)
        for lt, ot in zip(lterms, oterms):
            assert lt[0] == ot[0], (lhs, lt, ot)
            if lt[0] == "gamma":
                assert (lt[1], lt[3]) == (ot[1], ot[3]), (lhs, lt, ot)
                assert mapping.setdefault(lt[2], ot[2]) == ot[2], f"inconsistent renumbering at {lt} vs {ot}"
            else:
                assert lt == ot, (lhs, lt, ot)
    vals = [mapping[k] for k in sorted(mapping)]
    assert vals == sorted(vals) and len(set(vals)) == len(vals), f"renumbering not order-preserving: {mapping}"


def our_sections(model_stem: str, fmt: str, data=DATA) -> dict[str, str]:
    """Normalised equations of each section, from the LaTeX trees or from the text output."""
    if fmt == "latex":
        doc = document(EXAMPLES[model_stem], "lecture", data=data)
        return {s.title: ";".join(norm_latex(latex(e)) for e in s.equations) for s in doc.sections}
    out, title = {}, None
    for line in equations(EXAMPLES[model_stem], "lecture", "text", data=data).splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            title = line[:-1]
        elif line.startswith("  ") and not line.startswith("  -") and title:
            if line.startswith("   ") and title == "Composite":      # continuation line of the aligned composite
                out[title] += norm_text(line)
            else:
                out[title] = (out[title] + ";" if title in out else "") + norm_text(line)
    return out


# ------------------------------------------------------------------------------------------ the lecture

@pytest.mark.parametrize("fmt", ["latex", "text"])
@pytest.mark.parametrize("model_stem", sorted(LECTURE))
@pytest.mark.parametrize("with_data", [True, False], ids=["levels-from-data", "levels-from-model-file"])
def test_lecture_equations_term_by_term(model_stem, fmt, with_data):
    ours = our_sections(model_stem, fmt, DATA if with_data else None)
    spec = LECTURE[model_stem]
    mapping: dict = {}
    if "level1_terms" in spec:                                   # 5b: only its level-1 term is written out
        ours_l1 = parse_terms(ours["Level-1"].split("=", 1)[1])
        for _, text in spec["level1_terms"]:
            for t in parse_terms(norm_latex(text)):
                assert t in ours_l1, (t, ours_l1)
        return
    assert equations_of(ours["Level-1"]) == equations_of(";".join(norm_latex(t) for _, t in spec["level1"]))
    same_up_to_level2_numbering(equations_of(";".join(norm_latex(t) for _, t in spec["level2"])),
                                equations_of(ours["Level-2"]), mapping)
    for _, text in spec.get("composite", []):
        same_up_to_level2_numbering(equations_of(norm_latex(text)), equations_of(ours["Composite"]), mapping)


def test_transcription_matches_the_seed_file():
    seed = next((p for p in SEEDS if p.exists()), None)
    if seed is None:
        pytest.skip("the lecture (shared/seed/000_d8b5e92b5fc50a7a.txt) is not next to this checkout")
    lines = seed.read_text(encoding="utf-8").split("\n")
    for spec in LECTURE.values():
        for entries in spec.values():
            for n, text in entries:
                assert lines[n - 1].rstrip() == text, n
    assert G_MATRIX in lines[G_MATRIX_LINE - 1]
    assert lines[HYBRID_RANDOM_LINE - 1].rstrip() == HYBRID_RANDOM


def test_random_effects_as_the_lecture_writes_them():
    doc = document(EXAMPLES["2b_cluster_mc_random_slope"], "lecture", data=DATA)
    rand = [latex(e) for s in doc.sections if s.title == "Random effects" for e in s.equations]
    assert norm_latex(G_MATRIX) in [norm_latex(r.split("=", 1)[1]) for r in rand if r.startswith(r"\mathbf{G}")]
    assert norm_latex(r"e_{pc} \sim \mathrm{N}(0, \sigma_e^2)") in [norm_latex(r) for r in rand]
    # hybrid: the random slope is U_2c with tau_U2^2 and tau_U02 (line 588)
    doc = document(EXAMPLES["4a_hybrid_fixed_main_effects"], "lecture", data=DATA)
    g = next(latex(e) for s in doc.sections if s.title == "Random effects" for e in s.equations
             if latex(e).startswith(r"\mathbf{G}"))
    assert r"\tau_{U_{2}}^{2}" in g and r"\tau_{U_{02}}" in g
    assert "tau_{U_2}^2" in HYBRID_RANDOM and "tau_{U_02}" in HYBRID_RANDOM
    vc = document(load_model(EXAMPLES["2b_cluster_mc_random_slope"]).with_(
        random=load_model(EXAMPLES["2b_cluster_mc_random_slope"]).random.__class__(True, ("WCverb",), "vc")),
        "lecture", data=DATA)
    g = next(latex(e) for s in vc.sections if s.title == "Random effects" for e in s.equations
             if latex(e).startswith(r"\mathbf{G}"))
    assert r"\tau_{U_{0}}^{2} & 0 \\ 0 & \tau_{U_{1}}^{2}" in g


def test_levels_are_reported_and_assumptions_flagged():
    without = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text")
    assert "hw2: ASSUMED level 2" in without and "mixgrd: ASSUMED level 2" in without
    assert "CMverb10: level 2 (from model file" in without
    with_data = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", data=DATA)
    assert "ASSUMED" not in with_data and "mixgrd: level 2 (from data" in with_data
    declared = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", levels={"mixgrd": 1, "hw2": "2"})
    assert "mixgrd: level 1 (from declared)" in declared
    assert "β_1c(mixgrd_pc)" in declared and "β_2c(verbal_pc - mean(verbal)_c)" in declared   # its own slot


def test_data_level_overrides_an_assumption():
    """A raw predictor that varies within clusters in the data is level 1 even though nothing defines it."""
    import numpy as np
    import pandas as pd
    df = pd.read_csv(DATA)
    df["mixgrd"] = np.random.default_rng(1).normal(size=len(df))     # now varies within schools
    text = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", data=df)
    assert "mixgrd: level 1 (from data" in text and "(mixgrd_pc)" in text


# ------------------------------------------------------------------------------------------ goldens

GOLDEN_CASES = ([(m, "lecture", f) for m in EXAMPLES for f in FORMATS] +
                [(m, n, f) for m in ("2b_cluster_mc_random_slope", "4d_hybrid_unsmushed_cross_level")
                 for n in ("raudenbush-bryk", "matrix") for f in FORMATS])
EXT = {"latex": "tex", "markdown": "md", "text": "txt", "mathml": "html"}


@pytest.mark.parametrize("model_stem,notation,fmt", GOLDEN_CASES)
def test_golden(model_stem, notation, fmt, regen_golden):
    out = equations(EXAMPLES[model_stem], notation, fmt, data=DATA)
    path = GOLDEN / f"{model_stem}.{notation}.{EXT[fmt]}"
    if regen_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with --regen-golden"
    assert out == path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ MathML

MATHML_CORE = {"math", "mrow", "mi", "mn", "mo", "mtext", "msub", "msup", "msubsup", "mover", "munder",
               "mtable", "mtr", "mtd", "mspace", "mfrac", "msqrt"}
TOKENS = {"mi", "mn", "mo", "mtext"}
ALLOWED_ATTRS = {"display", "accent", "stretchy", "mathvariant", "style", "width", "height"}
ARITY = {"msub": 2, "msup": 2, "msubsup": 3, "mover": 2, "munder": 2, "mfrac": 2}
NS = "{http://www.w3.org/1998/Math/MathML}"


def _check_math(el) -> None:
    tag = el.tag.replace(NS, "")
    assert tag in MATHML_CORE, tag
    assert set(el.attrib) <= ALLOWED_ATTRS, el.attrib
    if tag in TOKENS:
        assert len(el) == 0 and (el.text or "").strip(), ET.tostring(el)
    if tag in ARITY:
        assert len(el) == ARITY[tag], ET.tostring(el)
    if tag == "mtable":
        assert all(c.tag.replace(NS, "") == "mtr" for c in el)
    if tag == "mtr":
        assert all(c.tag.replace(NS, "") == "mtd" for c in el)
    for c in el:
        _check_math(c)


@pytest.mark.parametrize("model_stem", sorted(EXAMPLES))
@pytest.mark.parametrize("notation", NOTATIONS)
def test_mathml_is_valid_presentation_mathml(model_stem, notation):
    html = equations(EXAMPLES[model_stem], notation, "mathml", data=DATA)
    root = ET.fromstring(html)                         # well-formed XML (so also well-formed in HTML)
    assert root.tag == "section" and "<script" not in html and "http" not in html.replace(NS[1:-1], "")
    maths = root.findall(f".//{NS}math")
    assert maths and all(m.get("display") == "block" for m in maths)
    for m in maths:
        _check_math(m)


def test_mathml_escapes_hostile_names():
    from mlmgen.model import Model, RandomPart, Term
    m = Model(outcome="y", cluster="g", fixed=(Term(("a$b",)),), random=RandomPart(True, ("x.1",), "un"))
    html = equations(m, fmt="mathml", levels={"a$b": 2})
    ET.fromstring(html)
    tex = equations(m, fmt="latex", levels={"a$b": 2})
    assert r"a\$b" in tex


# ------------------------------------------------------------------------------------------ estimates

def test_estimates_substituted_from_a_fit():
    import mlmgen
    fit = mlmgen.fit(str(EXAMPLES["2b_cluster_mc_random_slope"]), str(DATA))
    text = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", fit=fit)
    assert "ASSUMED" not in text                       # a Fit gives the levels from its data
    est = {fe.term: fe.estimate.value for fe in fit.result.fixed}
    cov = fit.result.cov_by_param()
    level2 = text.split("Level-2:")[1].split("Composite:")[0]
    assert f"β_0c = {est['Intercept']:.3f}" in level2
    sign = "-" if est["mixgrd"] < 0 else "+"
    assert f"{sign} {abs(est['mixgrd']):.3f}(mixgrd_c)" in level2
    assert f"β_1c = {est['WCverb']:.3f} + U_1c" in level2
    assert f"G = [{cov['var(Intercept)'].estimate.value:.3f}, {cov['cov(Intercept,WCverb)'].estimate.value:.3f};" in text
    assert f"e_pc ~ N(0, {cov['var(Residual)'].estimate.value:.3f})" in text
    # a FitResult alone substitutes the numbers too (levels then from the model file / assumptions)
    text2 = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", fit=fit.result)
    assert f"β_0c = {est['Intercept']:.3f}" in text2


# ------------------------------------------------------------------------------------------ refusals, CLI

def test_random_slope_on_a_level2_predictor_is_refused():
    m = load_model(EXAMPLES["2b_cluster_mc_random_slope"])
    m = m.with_(random=m.random.__class__(True, ("WCverb", "mixgrd"), "un"))
    with pytest.raises(MlmgenError) as e:
        equations(m, data=DATA)
    assert e.value.diagnostics[0].code == "EQ001" and "RE002" in e.value.diagnostics[0].message


def test_unknown_model_features_are_refused_not_printed_wrong():
    """A Model field the equations do not know (a third level, a residual structure, ...) is refused."""
    import dataclasses
    from mlmgen.model import Model
    # (`residual` is now a real Model field, Model.residual; the hypothetical new field is `level3`)
    Grown = dataclasses.make_dataclass("Grown", [("level3", str, dataclasses.field(default="none"))],
                                       bases=(Model,), frozen=True)
    base = load_model(EXAMPLES["2b_cluster_mc_random_slope"])
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(Model)}
    assert "Level-1" in equations(Grown(**fields), fmt="text")                 # default value: fine
    with pytest.raises(MlmgenError) as e:
        equations(Grown(**fields, level3="school"), fmt="text")
    assert e.value.diagnostics[0].code == "EQ001" and "level3" in e.value.diagnostics[0].message
    from mlmgen.residual import Residual
    from mlmgen.model import RandomPart
    # a residual structure is written out now (tests/test_equations_general.py); an unknown field beside it is
    # still refused
    mmrm = base.with_(random=RandomPart(), residual=Residual("AR1", "visit", base.cluster))
    assert "TYPE=AR(1)" in equations(mmrm, fmt="text")
    fields = {f.name: getattr(mmrm, f.name) for f in dataclasses.fields(Model)}
    with pytest.raises(MlmgenError) as e:
        equations(Grown(**fields, level3="school"), fmt="text")
    assert e.value.diagnostics[0].code == "EQ001" and "level3" in e.value.diagnostics[0].message


def test_structure_places_terms_at_the_right_level():
    st = structure_of(EXAMPLES["5a_hybrid_intra_variable"], data=DATA)
    by_slot = {s.factors: [(g.slot, g.l2, g.term) for g in s.gammas] for s in st.slots}
    # the intra-variable interaction CMverb10*verb10 is a cross-level gamma in beta_1 (verb10's slot)
    assert ("CMverb10:verb10" in [t for _, _, t in by_slot[("verb10",)]])
    # the quadratic of the cluster mean and the L2 x L2 interaction are level-2 terms of beta_0
    assert {"CMverb10:CMverb10", "mixgrd:CMverb10"} <= {t for _, _, t in by_slot[()]} | {
        t.replace("CMverb10:mixgrd", "mixgrd:CMverb10") for _, _, t in by_slot[()]}
    assert [s.factors for s in st.random_slots] == [(), ("WCverb",)]


def test_cli(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["equations", str(EXAMPLES["4d_hybrid_unsmushed_cross_level"]), "--format", "latex",
                             "--data", str(DATA)])
    assert ok.exit_code == 0 and r"\gamma_{11}" in ok.output
    fit = runner.invoke(cli, ["equations", str(EXAMPLES["2b_cluster_mc_random_slope"]), "--fit", "--data", str(DATA)])
    assert fit.exit_code == 0 and "estimates substituted" in fit.output
    for args, code in ((["--level", "mixgrd"], "CL001"), (["--level", "mixgrd=3"], "CL001"),
                       (["--level", "nosuch=2"], "CL001"), (["--fit"], "CL001"), (["--notation", "x"], "CL001")):
        res = runner.invoke(cli, ["equations", str(EXAMPLES["2b_cluster_mc_random_slope"]), *args])
        assert res.exit_code == 2 and code in res.output and "Traceback" not in res.output, (args, res.output)
    res = runner.invoke(cli, ["equations", "--formula", "y ~ 1 + w + (1 + w | g)", "--level", "w=2"])
    assert res.exit_code == 2 and "EQ001" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    res = runner.invoke(cli, ["equations", str(EXAMPLES["2b_cluster_mc_random_slope"]), "--data", str(bad)])
    assert res.exit_code == 2 and "DA002" in res.output and "bad.csv" in res.output


def test_grand_mean_centring_and_chained_definitions():
    from mlmgen.modelfile import loads_model
    m = loads_model('''
outcome = "y"
cluster = "g"
fixed = ["gx", "CMx", "z"]
[random]
effects = ["Intercept", "WCx"]
[variables]
x5 = "x - 5"
gx = "x5 - mean(x5)"
CMx = "mean(x) by g"
WCx = "x - mean(x) by g"
z = "w + 1.5"
''')
    text = equations(m, fmt="text")
    assert "β_1c(x_pc - 5 - mean(x5))" in text                 # chained: gx = x5 - grand mean, x5 = x - 5
    assert "gx_pc = x5_pc - mean(x5)" in text and "x5_pc = x_pc - 5" in text
    assert "mean(x5) = grand mean of x5 over all persons" in text
    assert "γ_02(w_c + 1.5)" in text and "z: ASSUMED level 2" in text
    assert "β_2c = U_2c" in text                                 # WCx: random slope only


# ------------------------------------------------------------------------------------------ Chromium

def _chromium() -> str | None:
    import shutil
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def test_chromium_lays_out_the_mathml(tmp_path):
    """Headless Chromium (MathML Core, no MathJax, no network) lays out every equation: each <math> is a block
    math box of non-zero size, each cluster-mean bar is as wide as the name under it, each matrix has
    brackets as tall as its rows. A test page with a measuring script (the fragment itself has no script)."""
    import subprocess
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine (CI installs it from Debian packages)")
    body = "".join(equations(EXAMPLES[m], n, "mathml", data=DATA) for m in EXAMPLES for n in NOTATIONS)
    script = """<script>
    const out = [];
    for (const m of document.querySelectorAll('math')) {
      const r = m.getBoundingClientRect(), d = getComputedStyle(m).display;
      if (!(r.width > 0 && r.height > 0) || d !== 'block math') out.push('math ' + d + ' ' + r.width);
    }
    for (const o of document.querySelectorAll('mover')) {
      const base = o.children[0].getBoundingClientRect(), bar = o.children[1].getBoundingClientRect();
      if (Math.abs(base.width - bar.width) > 1 || bar.bottom > base.top + 1) out.push('bar ' + o.textContent);
    }
    for (const t of document.querySelectorAll('mtable')) {
      const cells = t.querySelectorAll('mtd[style*=border-left]');
      if (cells.length && Math.abs(cells[0].getBoundingClientRect().top - t.getBoundingClientRect().top) > 1)
        out.push('bracket ' + t.textContent);
    }
    document.body.setAttribute('data-problems', out.length ? out.join(' | ') : 'none');
    document.body.setAttribute('data-maths', document.querySelectorAll('math').length);
    </script>"""
    page = tmp_path / "eq.html"
    page.write_text(f"<!doctype html><html><head><meta charset='utf-8'></head><body>{body}{script}</body></html>",
                    encoding="utf-8")
    res = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    m = re.search(r'data-problems="([^"]*)"', res.stdout)
    assert m, res.stderr[-2000:]
    assert m.group(1) == "none"
    assert int(re.search(r'data-maths="(\d+)"', res.stdout).group(1)) == body.count("<math ")


def test_contrasts_in_gamma_terms():
    """The lecture's contextual effect as a contrast of gammas: CMverb10 1, WCverb -1 -> gamma_03 - gamma_10
    (lecture line 137 for the generic model: (gamma_01 - gamma_10)); with a fit, its estimate."""
    import mlmgen
    text = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", data=DATA)
    assert "L2 Contextual Effect of Verbal = γ_03 - γ_10" in text
    fit = mlmgen.fit(str(EXAMPLES["2b_cluster_mc_random_slope"]), str(DATA))
    est = fit.result.contrasts[0].estimate.value
    text = equations(EXAMPLES["2b_cluster_mc_random_slope"], fmt="text", fit=fit)
    assert f"L2 Contextual Effect of Verbal = γ_03 - γ_10 = {est:.3f}" in text
