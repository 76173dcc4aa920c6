"""The SAS, Stata and SPSS readers with several random terms (issue 12): each package's rendering of nested,
crossed and mixed designs reads back as the same model (intercepts, slopes, UN/VC per term); the hand-written
spellings of each package (SAS `SUBJECT=school*class`, `RANDOM item;`, Stata `_all: R.x`, SPSS `SUBJECT(class)`)
read as what the package fits; what mlmgen's model cannot hold is refused (SY004, located, exit 2 through the
CLI); `same` tells nested from crossed across packages; and the issue's done-when: with class ids reused across
schools, `lint --data` flags the crossed spellings (lme4 and SAS) and each package's rendering of the nested
model file is read back by `same` as the nested model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mlmgen
from mlmgen.cli import cli
from mlmgen.diagnostics import Severity
from mlmgen.dialects import get_dialect
from mlmgen.model import RandomTerm
from mlmgen.modelfile import loads_model
from mlmgen.samemodel import compare_models

PACKAGES = ("sas", "lme4", "stata", "spss")
EXT = {"sas": "sas", "lme4": "R", "stata": "do", "spss": "sps"}

HEAD = 'outcome = "y"\nfixed = ["x", "z"]\nmethod = "REML"\nddf = "Satterthwaite"\n'


def random_tables(*terms: tuple[str, list[str], str]) -> str:
    return "".join(f'\n[[random]]\ngroup = "{g}"\neffects = {effects!r}\ncovariance = "{cov}"\n'.replace("'", '"')
                   for g, effects, cov in terms)


DESIGNS = {
    "nested, slope UN at the top": random_tables(("school", ["Intercept", "x"], "UN"),
                                                  ("school/class", ["Intercept"], "VC")),
    "nested, slopes at both levels, VC and UN": random_tables(("school", ["Intercept", "x"], "VC"),
                                                              ("school/class", ["Intercept", "z"], "UN")),
    "three levels": random_tables(("district", ["Intercept"], "UN"), ("district/school", ["Intercept"], "UN"),
                                  ("district/school/class", ["Intercept", "x"], "UN")),
    "crossed intercepts": random_tables(("subject", ["Intercept", "x"], "UN"), ("item", ["Intercept"], "UN")),
    "nested chain and a crossed factor": random_tables(("school", ["Intercept"], "VC"),
                                                       ("school/class", ["Intercept"], "UN"),
                                                       ("rater", ["Intercept"], "UN")),
    "no intercept in the further term": random_tables(("school", ["Intercept"], "UN"),
                                                      ("school/class", ["x"], "UN")),
}
# Stata writes crossed terms only as random intercepts around one nested chain (`_all: R.item`)
NOT_STATA = {"crossed slopes": random_tables(("subject", ["Intercept", "x"], "UN"),
                                             ("item", ["Intercept", "x"], "VC"))}


def read(pkg: str, text: str):
    return get_dialect(pkg).parse_syntax(text, f"<{pkg}>")


def same_terms(a, b) -> bool:
    """The random terms, in order; with one effect UN and VC are one model (the covariance is not compared)."""
    key = lambda t: (t.group, t.intercept, t.slopes, t.covariance if t.q > 1 else "")   # noqa: E731
    return [key(t) for t in a.random_terms] == [key(t) for t in b.random_terms]


@pytest.mark.parametrize("pkg", PACKAGES)
@pytest.mark.parametrize("design", sorted(DESIGNS) + sorted(NOT_STATA))
def test_rendering_reads_back_as_the_same_model(pkg, design):
    text = HEAD + {**DESIGNS, **NOT_STATA}[design]
    model = loads_model(text)
    if pkg == "stata" and design in NOT_STATA:
        with pytest.raises(mlmgen.MlmgenError):
            mlmgen.render(model, pkg)
        return
    rendered = mlmgen.render(model, pkg)
    ps = read(pkg, rendered)
    problems = [d.format() for d in ps.diagnostics if d.severity != Severity.INFO]
    assert ps.model is not None and not problems, rendered + "\n".join(problems)
    assert same_terms(ps.model, model), (rendered, ps.model.random_terms)
    assert compare_models(model, ps.model, None, pkg).same
    assert ps.explicit["covariance"]
    # translation to every other package and back keeps the terms
    for other in PACKAGES:
        if other == "stata" and design in NOT_STATA:
            continue
        back = read(other, mlmgen.render(ps.model, other)).model
        assert back is not None and compare_models(ps.model, back, pkg, other).same, other


# ------------------------------------------------------------------ hand-written spellings

NESTED = [(("school",), True, (), ""), (("school", "class"), True, (), "")]


def terms_of(model) -> list[tuple]:
    return [(t.group, t.intercept, t.slopes, t.covariance if t.q > 1 else "") for t in model.random_terms]


@pytest.mark.parametrize("pkg, text, expected", [
    ("sas", "proc mixed; class school class; model y = x;\n random intercept / subject=school;\n"
            " random intercept / subject=class(school); run;", NESTED),
    ("sas", "proc mixed; class school class; model y = x;\n random int / sub=school;\n"
            " random int / sub=school*class; run;", NESTED),
    ("sas", "proc mixed; class school class; model y = x; random school class(school); run;", NESTED),
    # a CLASS variable among the effects under TYPE=VC: nested in the subject (one variance for its levels)
    ("sas", "proc mixed; class school class; model y = x; random intercept class / subject=school; run;", NESTED),
    ("sas", "proc mixed; class school class; model y = x; random class / subject=school type=vc;\n"
            " random int / subject=school; run;", [(("school",), True, (), ""), (("school", "class"), True, (), "")]),
    ("sas", "proc mixed; class school class; model y = x; random class(school) / subject=school; run;", None),
    ("sas", "proc mixed; class d s c; model y = x; random int / subject=d; random int / subject=s(d);\n"
            " random int x / subject=c(d s) type=un; run;",
     [(("d",), True, (), ""), (("d", "s"), True, (), ""), (("d", "s", "c"), True, ("x",), "un")]),
    ("sas", "proc mixed; class subject item; model y = x; random int x / subject=subject type=un;\n"
            " random item; run;", [(("subject",), True, ("x",), "un"), (("item",), True, (), "")]),
    ("sas", "proc mixed; class subject item; model y = x; random int / subject=subject;\n"
            " random int / subject=item; random x / subject=item; run;",
     [(("subject",), True, (), ""), (("item",), True, ("x",), "vc")]),
    # the cluster is the first term grouped by one factor, wherever it is written
    ("sas", "proc mixed; class school class; model y = x; random int / subject=class(school);\n"
            " random int x / subject=school type=un; run;",
     [(("school",), True, ("x",), "un"), (("school", "class"), True, (), "")]),
    ("stata", "mixed y x || school: || class:", NESTED),
    ("stata", "mixed y x || school: x, cov(un) || class: z, covariance(independent) reml",
     [(("school",), True, ("x",), "un"), (("school", "class"), True, ("z",), "vc")]),
    ("stata", "mixed y x || _all: R.item || subject:", [(("subject",), True, (), ""), (("item",), True, (), "")]),
    ("stata", "mixed y x || school: || _all: R.rater",
     [(("school",), True, (), ""), (("school", "rater"), True, (), "")]),
    ("stata", "mixed y x || a: || b: || c: x, noconstant",
     [(("a",), True, (), ""), (("a", "b"), True, (), ""), (("a", "b", "c"), False, ("x",), "")]),
    ("stata", "mixed y x || school: x, noconstant || school: || class:",
     [(("school",), True, ("x",), "vc"), (("school", "class"), True, (), "")]),
    ("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(school) COVTYPE(VC)\n"
             " /RANDOM = INTERCEPT | SUBJECT(school*class) COVTYPE(VC).", NESTED),
    # a BY factor among the effects under COVTYPE(VC): nested in the subject (one variance for its levels)
    ("spss", "MIXED y BY school class WITH x\n /FIXED = x\n /RANDOM = INTERCEPT class | SUBJECT(school).", NESTED),
    ("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT x | SUBJECT(subject) COVTYPE(UN)\n"
             " /RANDOM = INTERCEPT | SUBJECT(item).",
     [(("subject",), True, ("x",), "un"), (("item",), True, (), "")]),
])
def test_each_packages_spellings(pkg, text, expected):
    ps = read(pkg, text)
    if expected is None:
        assert ps.model is None or any(d.code == "SY004" for d in ps.diagnostics)
        return
    assert ps.model is not None, [d.format() for d in ps.diagnostics]
    assert not [d for d in ps.diagnostics if d.severity == Severity.ERROR], [d.format() for d in ps.diagnostics]
    assert terms_of(ps.model) == expected


def test_stata_noconstant_is_per_level():
    m = read("stata", "mixed y x || a: || b: x, noconstant cov(un)").model
    assert [(t.group, t.intercept, t.slopes) for t in m.random_terms] == [(("a",), True, ()),
                                                                         (("a", "b"), False, ("x",))]


def test_locations_of_further_terms():
    ps = read("sas", "proc mixed; class s c;\nmodel y = x;\nrandom int / subject=s;\nrandom int / subject=c(s);\nrun;")
    assert ps.locations["cluster"].line == 3 and ps.locations["random[1]"].line == 4
    ps = read("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(s)\n /RANDOM = INTERCEPT | "
                      "SUBJECT(s*c) COVTYPE(UN).")
    # the "covariance" location is the first term's: not written there, so none (the further term's COVTYPE
    # is located with its term)
    assert ps.locations["random[1]"].line == 4 and "covariance" not in ps.locations
    ps = read("stata", "mixed y x || s: x, cov(un) ///\n  || c:, cov(ind)")
    assert ps.locations["covariance"].line == 1 and ps.locations["random[1]"].line == 2


# ------------------------------------------------------------------ refusals

REFUSED = [
    ("sas", "proc mixed; class s c; model y = x;\nrandom int / subject=c(s);\nrun;", 2, "grouped only by nested"),
    ("sas", "proc mixed; class s c sex; model y = x;\nrandom int / subject=s;\nrandom int sex / subject=c(s) type=un;"
            "\nrun;", 3, "categorical random slope of sex"),
    # TYPE=VC: a CLASS variable's levels within each center share one variance: the center x trt cells, with
    # trt a fixed factor (the random treatment-by-center interaction): not a model mlmgen holds
    ("sas", "proc mixed; class center trt; model y = trt;\nrandom int trt / subject=center;\nrun;", 2,
     "cells of a fixed factor"),
    ("sas", "proc mixed; class s c; model y = x;\nrandom int / subject=s;\nrandom int x / subject=c(s) type=un;\n"
            "random z / subject=c(s);\nrun;", 3, "block-diagonal"),
    ("sas", "proc mixed; class s c; model y = x;\nrandom int / subject=s;\nrandom int / subject=c(s;\nrun;", 3,
     "SUBJECT="),
    ("stata", "mixed y x || school: || class: || school:", 1, "again after other levels"),
    ("stata", "mixed y x ///\n || _all: R.item x || subject:", 2, "_all: equation"),
    ("stata", "mixed y x ///\n || subject: R.item", 2, "R.x after _all: only"),
    ("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(school*class).", 3, "grouped only by nested"),
    ("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(s)\n /RANDOM = INTERCEPT | SUBJECT(s c).", 4,
     "joined by *"),
]


@pytest.mark.parametrize("pkg, text, line, piece", REFUSED)
def test_what_the_model_cannot_hold_is_refused_with_its_place(pkg, text, line, piece, tmp_path):
    ps = read(pkg, text)
    sy = [d for d in ps.diagnostics if d.code == "SY004" and piece in d.message]
    assert sy and sy[0].severity == Severity.ERROR and sy[0].location.line == line, \
        [d.format() for d in ps.diagnostics]
    src = tmp_path / f"m.{EXT[pkg]}"
    src.write_text(text)
    for args in (["parse", str(src)], ["translate", str(src), "--to", "lme4"]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2 and "Traceback" not in r.output and r.stdout == "", r.output
        assert f"m.{EXT[pkg]}:{line}:" in r.stderr and "SY004" in r.stderr


def test_residual_structure_with_several_terms_is_refused_by_the_model():
    ps = read("sas", "proc mixed; class s c t; model y = x;\nrandom int / subject=s;\nrandom int / subject=c(s);\n"
                     "repeated t / subject=s type=ar(1);\nrun;")
    assert ps.model is None and any(d.severity == Severity.ERROR for d in ps.diagnostics)


# ------------------------------------------------------------------ same: nested against crossed

@pytest.mark.parametrize("a_pkg, a, b_pkg, b, same", [
    ("sas", "proc mixed; class school class; model y = x; random int / subject=school;\n"
            " random int / subject=class(school); run;",
     "lme4", "m <- lmer(y ~ x + (1 | school) + (1 | class), data = d)", False),
    ("sas", "proc mixed; class school class; model y = x; random int / subject=school;\n"
            " random int / subject=class(school); run;",
     "lme4", "m <- lmer(y ~ x + (1 | school/class), data = d)", True),
    ("stata", "mixed y x || school: || class:, reml",
     "spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(school)\n /RANDOM = INTERCEPT | SUBJECT(class).",
     False),
    ("stata", "mixed y x || school: || class:, reml",
     "spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(school)\n"
             " /RANDOM = INTERCEPT | SUBJECT(school*class).", True),
    ("stata", "mixed y x || _all: R.item || subject:, reml",
     "sas", "proc mixed; class subject item; model y = x; random int / subject=item;\n"
            " random int / subject=subject; run;", True),
    ("sas", "proc mixed; class school class; model y = x; random int / subject=school;\n"
            " random int / subject=school*class; run;",
     "sas", "proc mixed; class school class; model y = x; random school class(school); run;", True),
])
def test_same_tells_nested_from_crossed_across_packages(a_pkg, a, b_pkg, b, same):
    # the packages' df and method defaults differ (PT002/PT003's business): set alike, the random part compared
    ma, mb = (read(p, t).model.with_(method="reml", ddf="satterthwaite", data=None) for p, t in ((a_pkg, a), (b_pkg, b)))
    cmp = compare_models(ma, mb, a_pkg, b_pkg)
    assert cmp.same is same, cmp.format()
    if not same:
        assert any(d.aspect == "random" and "class" in d.message for d in cmp.differences), cmp.format()


# ------------------------------------------------------------------ done when (issue 12)

def reused_class_ids(seed: int = 3) -> pd.DataFrame:
    """12 schools x 3 classes x 5 pupils; class ids 1, 2, 3 again in every school."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(1, 13):
        u = rng.normal(0, 1)
        for c in (1, 2, 3):
            v = rng.normal(0, 0.6)
            for _ in range(5):
                x = rng.normal()
                rows.append({"school": s, "class": c, "x": x, "y": 2 + 0.4 * x + u + v + rng.normal()})
    return pd.DataFrame(rows)


CROSSED_SPELLINGS = {
    "lme4": "m <- lmer(y ~ x + (1 | school) + (1 | class), data = d, REML = TRUE)\n"
            "summary(m, ddf = \"Satterthwaite\")\n",
    "sas": "PROC MIXED DATA=d METHOD=REML;\n  CLASS school class;\n  MODEL y = x / SOLUTION DDFM=SATTERTHWAITE;\n"
           "  RANDOM INTERCEPT / SUBJECT=school;\n  RANDOM INTERCEPT / SUBJECT=class;\nRUN;\n",
}

NESTED_FILE = ('outcome = "y"\nfixed = ["x"]\ndata = "d"\nmethod = "REML"\nddf = "Satterthwaite"\n'
               '[[random]]\ngroup = "school"\neffects = ["Intercept"]\n'
               '[[random]]\ngroup = "school/class"\neffects = ["Intercept"]\n')


def test_done_when_reused_ids_are_linted_and_the_nested_renderings_read_back(tmp_path):
    csv = tmp_path / "d.csv"
    reused_class_ids().to_csv(csv, index=False)
    for pkg, text in CROSSED_SPELLINGS.items():
        src = tmp_path / f"crossed.{EXT[pkg]}"
        src.write_text(text)
        r = CliRunner().invoke(cli, ["lint", str(src), "--data", str(csv)])
        assert "Traceback" not in r.output
        assert "warning ST001" in r.output and "class ids repeat across school units" in r.output, r.output
        assert {"lme4": "(1 | school/class)", "sas": "SUBJECT=class(school)"}[pkg] in r.output
    model_file = tmp_path / "nested.toml"
    model_file.write_text(NESTED_FILE)
    for pkg in PACKAGES:
        r = CliRunner().invoke(cli, ["render", str(model_file), "--to", pkg])
        assert r.exit_code == 0, r.output
        out = tmp_path / f"nested.{EXT[pkg]}"
        out.write_text(r.stdout)
        same = CliRunner().invoke(cli, ["same", str(model_file), str(out)])
        assert same.exit_code == 0 and "SAME MODEL" in same.stdout, (pkg, same.output)
        assert "(Intercept | school:class)" in same.stdout
        # and the lint of the rendering has no id-reuse finding: it writes the nesting
        lint = CliRunner().invoke(cli, ["lint", str(out), "--data", str(csv)])
        assert "ST001" not in lint.output, (pkg, lint.output)
        # against the crossed spellings: a different model, named
        for cpkg in CROSSED_SPELLINGS:
            diff = CliRunner().invoke(cli, ["same", str(out), str(tmp_path / f"crossed.{EXT[cpkg]}")])
            assert diff.exit_code == 1 and "random terms besides the first" in diff.stdout, diff.output
            assert "school:class" in diff.stdout and "(Intercept | class)" in diff.stdout


def test_nested_fit_distinguishes_the_readings():
    """The two readings fit different models on reused ids (mlmgen's engine): the SAS crossed spelling pools
    class 1 of every school (3 classes), the nested one keeps 36."""
    d = reused_class_ids()
    crossed = read("sas", CROSSED_SPELLINGS["sas"]).model
    nested = loads_model(NESTED_FILE)
    fc, fn = mlmgen.fit(crossed, d), mlmgen.fit(nested, d)
    levels = lambda f: {t["name"]: t["levels"] for t in f.result.extra["random_terms"]}   # noqa: E731
    assert levels(fc) == {"school": 12, "class": 3} and levels(fn) == {"school": 12, "school:class": 36}
    assert float(fc.result.neg2ll.value) != pytest.approx(float(fn.result.neg2ll.value))
    assert RandomTerm(("school", "class")) in nested.more_random


def test_same_ignores_which_crossed_factor_is_written_first_only():
    from mlmgen.formula import model_from_formula
    a = model_from_formula("y ~ x + (1 | item) + (1 + x | subject)")
    b = model_from_formula("y ~ x + (1 + x | subject) + (1 | item)")
    assert a.cluster == "item" and b.cluster == "subject" and compare_models(a, b).same
    # the slope stays with its factor: moving it to the other factor is a different model
    c = model_from_formula("y ~ x + (1 + x | item) + (1 | subject)")
    assert not compare_models(a, c).same and not compare_models(b, c).same
    d = model_from_formula("y ~ x + (1 + x | subject) + (1 | subject:item)")
    assert not compare_models(b, d).same


# ------------------------------------------------------------------ against R (lme4::Pastes: cask ids restart)

@pytest.mark.r
def test_sas_stata_spss_readings_of_pastes_fit_what_lme4_fits_for_the_same_words(tmp_path):
    """lme4::Pastes has cask ids a, b, c in every batch. Each package's crossed spelling, read by mlmgen and fitted
    by its engine, gives lme4's REML criterion for `(1 | batch) + (1 | cask)`; each nested spelling gives lme4's
    for `(1 | batch/cask)` (lme4 run here; SAS, Stata and SPSS are not available, their readings are the
    manuals')."""
    from rtools import run_r
    csv = tmp_path / "pastes.csv"
    out = run_r(f'''
suppressMessages(library(lme4))
write.csv(Pastes, "{csv.as_posix()}", row.names = FALSE)
cat("CROSSED", sprintf("%.10g", REMLcrit(lmer(strength ~ 1 + (1 | batch) + (1 | cask), Pastes))), "\\n")
cat("NESTED", sprintf("%.10g", REMLcrit(lmer(strength ~ 1 + (1 | batch/cask), Pastes))), "\\n")
''')
    ref = {l.split()[0]: float(l.split()[1]) for l in out.splitlines() if l.split()[:1] in (["CROSSED"], ["NESTED"])}
    d = pd.read_csv(csv)
    spellings = {
        "CROSSED": [("sas", "proc mixed; class batch cask; model strength = ; random int / subject=batch;\n"
                            " random int / subject=cask; run;"),
                    ("stata", "mixed strength || _all: R.cask || batch:, reml"),
                    ("spss", "MIXED strength BY batch cask\n /FIXED = | SSTYPE(3)\n /RANDOM = INTERCEPT | SUBJECT(batch)\n"
                             " /RANDOM = INTERCEPT | SUBJECT(cask).")],
        "NESTED": [("sas", "proc mixed; class batch cask; model strength = ; random int / subject=batch;\n"
                           " random int / subject=cask(batch); run;"),
                   ("sas", "proc mixed; class batch cask; model strength = ; random intercept cask / subject=batch; run;"),
                   ("stata", "mixed strength || batch: || cask:, reml"),
                   ("spss", "MIXED strength BY batch cask\n /FIXED = | SSTYPE(3)\n /RANDOM = INTERCEPT | SUBJECT(batch)\n"
                            " /RANDOM = INTERCEPT | SUBJECT(batch*cask).")],
    }
    for reading, cases in spellings.items():
        for pkg, text in cases:
            ps = read(pkg, text)
            assert ps.model is not None, [x.format() for x in ps.diagnostics]
            fit = mlmgen.fit(ps.model.with_(method="reml", ddf="satterthwaite"), d)
            assert float(fit.result.neg2ll.value) == pytest.approx(ref[reading], abs=1e-4), (reading, pkg, text)
    assert ref["CROSSED"] != pytest.approx(ref["NESTED"], abs=1e-3)
