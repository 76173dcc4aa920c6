"""The readers never hand over a different model as if it were the same (issue 9 items 2-3, issue 16 item 1):
constructed cases, each labelled; the real published snippets are in test_corpus_snippets.py."""
from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.dialects import DIALECTS
from mlmgen.lint import lint
from mlmgen.predictortypes import check_types
from mlmgen.samemodel import compare_parsed
from mlmgen.translate import dropped_constructs, parse_text, translate


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def codes(ps):
    return [d.code for d in ps.diagnostics]


# ------------------------------------------------------------------ valid syntax that was SY001

def test_sas_quoted_physical_path_in_data():
    # constructed (no published example was found): SAS 9 accepts a quoted path as the data set
    ps = parse_text('proc mixed data="c:\\hsb\\hsb12.sas7bdat" covtest; class school;\n'
                    'model mathach = ses / solution ddfm=bw; random intercept / subject=school; run;', "sas")
    assert ps.model is not None and "SY001" not in codes(ps)
    assert ps.model.data == "hsb12" and ps.data == "c:\\hsb\\hsb12.sas7bdat"
    ps = parse_text("proc mixed data='/home/u1/my data.sas7bdat'; class g; model y = x; random int / sub=g; run;",
                    "sas")
    assert ps.model is not None and not [d for d in ps.diagnostics if d.code == "SY001"]


def test_stata_trailing_comma_after_options():
    ps = parse_text("mixed y c.x || id: x, variance mle covariance(unstructured),", "stata")
    assert ps.model is not None and not ps.diagnostics
    assert ps.model.method == "ml" and ps.model.random.covariance == "un"
    ps = parse_text("mixed y c.x, || id: x, reml, , covariance(un)", "stata")   # an empty option list between
    assert any(d.code == "SY001" for d in ps.diagnostics)                        # two commas is still wrong


def test_r_trailing_comma_in_a_call():
    ps = parse_text("m <- lmer(y ~ x + (1 | g), data = d, )\nsummary(m, ddf = 'Kenward-Roger', )", "lme4")
    assert ps.model is not None and not [d for d in ps.diagnostics if d.severity.value != "info"]
    assert ps.model.ddf == "kenward-roger"
    ps = parse_text("m <- lmer(y ~ x + (1 | g), , data = d)", "lme4")          # an empty argument inside is not
    assert "SY001" in codes(ps)


# ------------------------------------------------------------------ Stata: xtmixed is REML

@pytest.mark.parametrize("text,method", [
    ("xtmixed y x || g:", "reml"), ("xtmixed y x || g: , mle", "ml"), ("xtmixed y x || g: , reml", "reml"),
    ("mixed y x || g:", "ml"), ("quietly xtmixed y x || g: x, cov(un)", "reml")])
def test_xtmixed_default_is_reml_and_mixed_ml(text, method):
    assert parse_text(text, "stata").model.method == method


def test_pt002_names_the_command_and_version_rule():
    for text, words in (("xtmixed y x || g:", ["xtmixed", "REML", "Stata 12 and earlier"]),
                        ("mixed y x || g:", ["Stata's mixed: ML", "since Stata 13"])):
        ps = parse_text(text, "stata", "a.do")
        found = [d for d in lint([ps]) if d.code == "PT002"]
        assert found and all(w in found[0].message for w in words), found
        assert found[0].severity.value == "warning"


def test_translate_of_xtmixed_writes_reml():
    tr = translate("xtmixed y x || g:", "sas", "stata")
    assert "METHOD=REML" in tr.outputs["sas"]


def test_options_of_a_rejected_third_level_are_still_read():
    # a second level is read since issue 12 (b within a); the options after it still set the fit
    ps = parse_text("xtmixed y x || a:, || b:, ml var", "stata")
    assert ps.model.method == "ml" and "SY004" not in codes(ps)
    assert [t.group for t in ps.model.random_terms] == [("a",), ("a", "b")]
    # a level that cannot be read (a level again after others): SY004, and its options are still read
    ps = parse_text("xtmixed y x || a:, || b:, || a:, ml var", "stata")
    assert ps.model.method == "ml" and "SY004" in codes(ps)


# ------------------------------------------------------------------ R: summary wrappers, later anova, update()

@pytest.mark.parametrize("call", ['print(summary(m, ddf="Kenward-Roger"))', '(summary(m, ddf="Kenward-Roger"))',
                                  'anova(m, ddf="Kenward-Roger")', 'invisible(print(summary(m, ddf = "KR")))'
                                  .replace('"KR"', '"Kenward-Roger"'), 's <- summary(m, ddf="Kenward-Roger")'])
def test_summary_wrappers_are_read(call):
    ps = parse_text("m <- lmer(y ~ x + (1 | g), data = d)\n" + call, "lme4")
    assert ps.model.ddf == "kenward-roger", ps.diagnostics


def test_a_later_anova_ddf_does_not_change_the_model_and_is_said():
    for first in ("summary(m)", 'summary(m, ddf = "Satterthwaite")', "anova(m)"):
        ps = parse_text(f'm <- lmer(y ~ x + (1 | g), data = d)\n{first}\nanova(m, ddf = "lme4")', "lme4")
        assert ps.model.ddf == "satterthwaite"
        pt = [d for d in ps.diagnostics if d.code == "PT003"]
        assert len(pt) == 1 and pt[0].location.line == 3 and pt[0].severity.value == "warning"
    # a likelihood-ratio anova of two models involves no df method
    ps = parse_text('m <- lmer(y ~ x + (1 | g), data = d)\nm0 <- lmer(y ~ 1 + (1 | g), data = d)\n'
                    'anova(m0, m)', "lme4")
    assert ps.model.ddf == "satterthwaite" and "PT003" not in codes(ps)


def test_update_in_place_changes_the_model():
    ps = parse_text("m <- lmer(y ~ x + w + (1 + x | g), data = d)\nm <- update(m, REML = FALSE)\n"
                    "m <- update(m, . ~ . - w + z)", "lme4")
    m = ps.model
    assert m.method == "ml" and [t.name for t in m.fixed] == ["x", "z"] and m.random.effects == ("Intercept", "x")
    assert not [d for d in ps.diagnostics if d.severity.value != "info"]
    assert ps.locations["method"].line == 2


def test_update_to_a_new_name_is_a_second_model_and_same_says_so(tmp_path):
    r = "m <- lmer(y ~ x + (1 | g), data = d)\nm2 <- update(m, REML = FALSE)\nsummary(m2)\n"
    ps = parse_text(r, "lme4", "a.R")
    sy = [d for d in ps.diagnostics if d.code == "SY004"]
    assert len(sy) == 1 and sy[0].severity.value == "warning" and "REML = FALSE" in sy[0].message
    assert ps.model.method == "reml"
    stata = parse_text("mixed y x || g:, reml", "stata", "b.do")
    cmp = compare_parsed([("a.R", ps), ("b.do", stata)])
    assert not cmp.same and any(d.aspect == "syntax" and "update" in d.message for d in cmp.differences)
    ml = parse_text("m <- lmer(y ~ x + (1 | g), data = d)\nm <- update(m, REML = FALSE)", "lme4", "c.R")
    cmp = compare_parsed([("c.R", ml), ("d.do", parse_text("mixed y x || g:, mle", "stata", "d.do"))])
    assert not any(d.aspect == "method" for d in cmp.differences)      # today: REML vs ML (was a false difference)


@pytest.mark.parametrize("text,where", [
    ("m <- lmer(y ~ x + (1 | g), data = d)\nm <- update(m, weights = w)", "weights"),
    ("m <- lmer(y ~ x + (1 | g), data = d)\nm <- update(m, y ~ x + (1 | g))", "formula"),
    ("m <- lmer(y ~ x + (1 | g), data = d)\nm <- update(m, subset = x > 0)", "subset"),
    ("m <- lmer(y ~ x + (1 | g), data = d)\nm <- update(m, newarg = 1)", "newarg"),
    ("m <- f(d)\nm <- update(m, REML = FALSE)", "did not read")])
def test_an_update_mlmgen_cannot_read_is_a_located_sy004(text, where):
    ps = parse_text(text, "lme4", "u.R")
    if where == "formula":                   # a full new formula is an ordinary update.formula: read
        assert ps.model is not None and not [d for d in ps.diagnostics if d.code == "SY004"]
        return
    bad = [d for d in ps.diagnostics if d.code == "SY004" and d.severity.value == "error"]
    assert bad and bad[0].location.line == 2 and bad[0].message.startswith("update()"), ps.diagnostics
    assert where in bad[0].message
    assert bad[0] in dropped_constructs(ps) or ps.model is None


# ------------------------------------------------------------------ refusal and --partial

@pytest.mark.parametrize("dialect,text,what", [
    ("sas", "proc mixed order=data; class g sex; model y = x sex; random int / sub=g; run;", "ORDER=DATA"),
    ("sas", "proc mixed; class g t; model y = x; random int / sub=g; repeated t / sub=g; run;", "REPEATED"),
    ("sas", "proc mixed; class g; where x > 0; model y = x; random int / sub=g; run;", "WHERE"),
    ("sas", "proc mixed; class g; by s; model y = x; random int / sub=g; run;", "BY"),
    ("sas", "proc mixed; class g; weight w; model y = x; random int / sub=g; run;", "WEIGHT"),
    ("stata", "mixed y ib(freq).sex x || g:", "ib(freq)."),
    ("stata", "mixed y x if x > 0 || g:", "if"),
    ("stata", "mixed y x [fw=w] || g:", "weights"),
    ("stata", "mixed y x || g: x, covariance(identity)", "identity"),
    ("stata", "mixed y x || a: || b: || a:", "again after other levels"),
    # two grouping factors are read (issue 12); a formula grouped only by an interaction is not
    ("lme4", "m <- lmer(y ~ x + (1 | a:b), data = d)", "interaction"),
    ("lme4", "m <- lmer(y ~ x + (1 | g), data = d, weights = w)", "weights"),
    ("spss", "MIXED y BY sex WITH x\n /FIXED = x sex\n /RANDOM = INTERCEPT | SUBJECT(g)\n /EMMEANS = TABLES(OVERALL).",
     "OVERALL"),
    ("spss", "MIXED y WITH x\n /FIXED = x\n /RANDOM = INTERCEPT | SUBJECT(g)\n /REPEATED = t | SUBJECT(g).",
     "REPEATED")])
def test_a_reduced_model_never_reaches_stdout(tmp_path, dialect, text, what):
    src = tmp_path / f"s{DIALECTS[dialect].extension}"
    src.write_text(text + "\n")
    res = run("translate", src, "--to", "all")
    assert res.exit_code == 2 and res.stdout == "" and what in res.stderr
    if "TR003" not in res.stderr:            # nothing could be read at all: --partial has nothing to write
        assert run("translate", src, "--to", "all", "--partial").stdout == ""
        return
    out = tmp_path / "out"
    res = run("translate", src, "--to", "all", "-o", out)
    assert res.exit_code == 2 and not out.exists()
    res = run("parse", src)
    assert res.exit_code == 2 and res.stdout == ""
    res = run("translate", src, "--to", "all", "--partial")
    assert res.exit_code == 1 and "NOT THE WHOLE MODEL" in res.stdout and what in res.stdout


@pytest.mark.parametrize("target", ["sas", "lme4", "stata", "spss"])
def test_the_note_block_is_a_comment_in_the_target_and_cannot_break_out(target):
    # constructed: dropped text holding each package's comment terminators, macro characters and a newline
    hostile = 'mixed y x if s == "*/ // /// $x `y\' ;" || g: x, covariance(un) reml dfmethod(kroger)'
    source = "stata" if target != "stata" else "sas"
    text = hostile if source == "stata" else (
        'proc mixed; class g; where s = "*/ // /// $x `y\' ;."; model y = x / ddfm=kr;\n'
        "random int x / sub=g type=un; run;")
    tr = translate(text, target, source, "h.txt", partial=True)
    out = tr.outputs[target]
    back = DIALECTS[target].parse_syntax(out, "back")
    assert back.model is not None, back.diagnostics
    assert back.model.fixed == tr.source.model.fixed and back.model.method == tr.source.model.method
    assert not [d for d in back.diagnostics if d.code == "SY001"]
    head = out.split("\n\n", 1)[0].splitlines()
    assert head and all(ln.startswith(DIALECTS[target].comment_open.strip()) for ln in head)
    assert all(ln.endswith(DIALECTS[target].comment_close.strip()) for ln in head)


def test_clean_sources_are_unchanged_and_exit_0(tmp_path):
    src = tmp_path / "ok.do"
    src.write_text("mixed y c.x || g: x, covariance(un) reml dfmethod(satterthwaite)\n")
    res = run("translate", src, "--to", "sas")
    assert res.exit_code == 0 and "mlmgen:" not in res.stdout and "PROC MIXED" in res.stdout.splitlines()[0]


# ------------------------------------------------------------------ df method: closest, --ddf

def test_sas_without_ddfm_translates_everywhere_with_the_choice_said():
    tr = translate("proc mixed; class g; model y = x w; random int x / sub=g type=un; run;", "all", "sas", "a.sas")
    assert not tr.failed_targets and tr.ddf_choices == {"lme4": "satterthwaite", "stata": "satterthwaite",
                                                        "spss": "satterthwaite"}
    for t, out in tr.outputs.items():
        head = " ".join(out.split("\n\n", 1)[0].split())
        assert "containment" in head and "Satterthwaite" in head and "standard errors are the same" in head
    pt = [d for d in tr.diagnostics if d.code == "PT003"]
    assert len(pt) == 3 and all(d.severity.value == "warning" for d in pt)


def test_ml_without_ddfm_to_stata_uses_residual():
    tr = translate("proc mixed method=ml; class g; model y = x; random int / sub=g; run;", "stata", "sas")
    assert tr.ddf_choices == {"stata": "residual"} and "dfmethod(residual)" in tr.outputs["stata"]


def test_stata_without_dfmethod_to_spss_uses_residual_and_sas_none():
    tr = translate("mixed y x || g:, reml", "all", "stata")
    assert tr.ddf_choices == {"spss": "residual"}
    assert "DDFM=NONE" in tr.outputs["sas"].upper() and "DFMETHOD(RESIDUAL)" in tr.outputs["spss"]


def test_ddf_option(tmp_path):
    src = tmp_path / "a.sas"
    src.write_text("proc mixed; class g; model y = x / ddfm=bw; random int / sub=g; run;\n")
    res = run("translate", src, "--to", "lme4")
    assert res.exit_code == 1 and "RN001" in res.stderr and "--ddf" in res.stderr    # written by the source
    res = run("translate", src, "--to", "lme4", "--ddf", "kenward-roger")
    assert res.exit_code == 0 and 'ddf="Kenward-Roger"' in res.stdout and "(--ddf)" in res.stdout
    res = run("translate", src, "--to", "lme4", "--ddf", "nonsense")
    assert res.exit_code == 2 and "CL001" in res.stderr


# ------------------------------------------------------------------ predictor types

def test_types_unknown_without_data_and_each_packages_rule_with_data():
    ps = parse_text("m <- lmer(y ~ sex + age + (1 | g), data = d)", "lme4")
    info = check_types(ps)
    assert len(info) == 1 and info[0].code == "TR002" and info[0].severity.value == "info"
    assert "give --data to check" in info[0].message and "sex, age" in info[0].message
    frame = pd.DataFrame({"y": [1.0, 2, 3], "sex": ["f", "m", "f"], "age": [1, 2, 3], "g": ["a", "a", "b"]})
    # R makes a character column a factor: categorical (DA007 info), added to the model read
    notes = check_types(ps, frame, "d.csv")
    assert [e.code for e in notes] == ["DA007"] and notes[0].severity.value == "info"
    assert "sex" in notes[0].message and notes[0].location.line == 1
    assert [(c.name, c.reference) for c in ps.model.categoricals] == [("sex", "(first)")]
    assert check_types(ps, frame) == []                      # declared now: nothing more to say
    # SAS stops at a character variable not in CLASS; Stata at a string variable; SPSS at a string covariate
    for text, dialect in [("proc mixed; class g; model y = sex age; random int / sub=g; run;", "sas"),
                          ("mixed y sex age || g:", "stata"),
                          ("MIXED y WITH sex age /FIXED = sex age /RANDOM = INTERCEPT | SUBJECT(g).", "spss")]:
        ps = parse_text(text, dialect)
        [e] = check_types(ps, frame)
        assert e.code == "DA003" and e.severity.value == "error" and "sex" in e.message, dialect
        assert {"sas": "CLASS", "stata": "i.", "spss": "BY"}[dialect] in e.fix.title
        assert ps.model.categoricals == ()
    frame["sex"] = pd.Categorical([0, 1, 0])
    assert [e.code for e in check_types(ps, frame)] == ["DA003"]
    frame["sex"] = [0, 1, 0]
    frame.attrs["value_labels"] = {"sex": {0: "female", 1: "male"}}     # as a loader keeping labels gives it
    [e] = check_types(ps, frame)            # SPSS fits a labelled covariate as a number: a warning
    assert "value labels" in e.message and e.severity.value == "warning"
    ps = parse_text("m <- lmer(y ~ sex + age + (1 | g), data = d)", "lme4")
    [e] = check_types(ps, frame)
    assert e.code == "DA007" and "as_factor" in e.message
    frame.attrs = {}
    frame["sex"] = ["0", "1", "0"]                                     # numbers stored as text are numbers
    ps = parse_text("m <- lmer(y ~ sex + age + (1 | g), data = d)", "lme4")
    assert check_types(ps, frame) == []
    frame = pd.DataFrame({"y": [1.0] * 4, "sex": ["1", "2", "3", "oops"], "age": [1] * 4, "g": ["a"] * 4})
    assert [e.code for e in check_types(ps, frame)] == ["DA003"]      # stray words in numbers: bad values
    ps = parse_text("m <- lmer(y ~ factor(sex) + age + (1 | g), data = d)", "lme4")
    assert "sex" not in check_types(ps)[0].message.split("continuous")[0]      # declared: not "unknown"


def test_sas_names_are_matched_without_case_in_the_data():
    ps = parse_text("proc mixed; class g; model y = SES; random int / sub=g; run;", "sas")
    frame = pd.DataFrame({"y": [1.0], "ses": ["low"], "g": [1]})
    assert [e.code for e in check_types(ps, frame)] == ["DA003"]


def test_parse_partial_header_is_valid_toml_even_with_control_characters(tmp_path):
    from mlmgen.modelfile import loads_model
    src = tmp_path / "c.do"
    src.write_text('mixed y x if s == "a\x7fb\x0bc" || g:, reml\n')
    res = run("parse", "--partial", src)
    assert res.exit_code == 1 and res.stdout.startswith("# mlmgen: NOT THE WHOLE MODEL")
    assert "\x7f" not in res.stdout and loads_model(res.stdout).outcome == "y"
