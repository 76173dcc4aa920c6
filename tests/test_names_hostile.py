"""Hostile names and labels: refused with a message naming the package and the rule, in every package.

Names are never mangled: a name a package cannot take is an error (PT005). Labels and titles are quoted
and escaped where the language has an escape, and refused (NM002) where it has none.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.diagnostics import MlmgenError
from mlmgen.model import Contrast, Model, RandomPart, Term
from mlmgen.modelfile import loads_model
from mlmgen.render import render

PKGS = ["sas", "lme4", "stata", "spss"]
TITLES = {"sas": "SAS PROC MIXED", "lme4": "R lme4/lmerTest", "stata": "Stata mixed", "spss": "SPSS MIXED"}

INJECTIONS = [
    'x"y',                                   # quote
    "x'y",
    "x;y",                                   # statement separator (SAS, R)
    "x\ny",                                  # newline
    "x//y",                                  # Stata comment
    "x*/y",                                  # end of a block comment
    'x); system("rm -rf ~"); (x',            # R command injection
    "x; shell rm -rf ~",                     # Stata shell escape
    "x` ls `",                               # Stata macro / shell quote
    "x y",
    "",
]


def raw_model(var: str, where: str = "fixed", **over) -> Model:
    """A Model built without validation, so that the renderers' own checks are what is tested."""
    fixed = (Term(("mixgrd",)), Term((var,))) if where == "fixed" else (Term(("mixgrd",)),)
    kw = dict(outcome=var if where == "outcome" else "langpost",
              cluster=var if where == "cluster" else "schoolID",
              fixed=fixed, random=RandomPart(True, (), "un"), data="Example")
    kw.update(over)
    return Model(**kw)


def problems(model: Model, pkg: str, data_prep: bool = False) -> list:
    with pytest.raises(MlmgenError) as e:
        render(model, pkg, data_prep=data_prep)
    return e.value.diagnostics


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("name", INJECTIONS, ids=[repr(n) for n in INJECTIONS])
@pytest.mark.parametrize("where", ["fixed", "outcome", "cluster"])
def test_injected_names_refused_by_every_renderer(name, where, pkg):
    diags = problems(raw_model(name, where), pkg)
    assert any(d.code == "PT005" and TITLES[pkg] in d.message and repr(name) in d.message for d in diags)


@pytest.mark.parametrize("name", INJECTIONS[:-1], ids=[repr(n) for n in INJECTIONS[:-1]])
def test_injected_names_refused_in_model_files(name):
    toml_name = name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    with pytest.raises(MlmgenError) as e:
        loads_model(f'outcome = "y"\ncluster = "g"\nfixed = ["{toml_name}"]\n', "m.toml")
    assert any(d.code == "MF002" and "fixed[0]" in d.message for d in e.value.diagnostics)


# name -> packages that must refuse it (and the words of the rule), the others must accept it
PER_PACKAGE = {
    "a_very_long_variable_name_of_40_chars_xx": {"sas": "at most 32", "stata": "at most 32"},
    "x.y": {"sas": "must match", "stata": "must match", "spss": "must match"},
    "_cons": {"stata": "reserved", "lme4": "must match", "spss": "must match"},
    "WITH": {"spss": "reserved"},
    "with": {"spss": "reserved", "stata": "reserved"},
    "function": {"lme4": "reserved"},
    "if": {"lme4": "reserved", "stata": "reserved"},
    "INTERCEPT": {"sas": "reserved", "spss": "reserved"},
    "_N_": {"sas": "reserved", "lme4": "must match", "spss": "must match"},
    "x$y": {"sas": "must match", "lme4": "must match", "stata": "must match"},
    "@x": {"sas": "must match", "lme4": "must match", "stata": "must match"},
    ".x": {"sas": "must match", "stata": "must match", "spss": "must match"},
    "...": {"sas": "must match", "stata": "must match", "spss": "must match", "lme4": "formula or argument"},
    "x_": {"spss": "must match"},
}


@pytest.mark.parametrize("name", list(PER_PACKAGE))
def test_package_rules(name):
    m = raw_model(name)
    for pkg in PKGS:
        rule = PER_PACKAGE[name].get(pkg)
        if rule is None:
            assert name in render(m, pkg), (name, pkg)
        else:
            msgs = [d.message for d in problems(m, pkg)]
            assert any(rule in msg and TITLES[pkg] in msg for msg in msgs), (name, pkg, msgs)


@pytest.mark.parametrize("pkg", ["sas", "spss"])
def test_case_insensitive_packages_refuse_names_differing_only_in_case(pkg):
    m = raw_model("MIXGRD")
    diags = problems(m, pkg)
    assert any("case-insensitive" in d.message for d in diags)
    assert "MIXGRD" in render(m, "lme4") and "c.MIXGRD" in render(m, "stata")


@pytest.mark.parametrize("pkg", PKGS)
def test_every_problem_is_listed_at_once(pkg):
    m = raw_model("x;y", outcome="a b", cluster="c'd")
    assert len([d for d in problems(m, pkg) if d.code == "PT005"]) >= 3


def test_data_and_object_names_are_checked():
    for pkg in PKGS:
        assert any(d.location.field == "data" for d in problems(raw_model("x", data='E; system("ls")'), pkg))
    assert any(d.location.field == "name" for d in problems(raw_model("x", name="f(); q"), "lme4"))
    assert "DATA=mylib.Example" in render(raw_model("x", data="mylib.Example"), "sas")
    assert any("librefs" in d.message for d in problems(raw_model("x", data="toolonglib.Example"), "sas"))


def test_derived_variable_sources_are_checked_with_data_prep():
    from mlmgen.variables import VariableDef
    m = raw_model("c", variables=(VariableDef("c", "cluster_mean", 'v"); system("x', 0.0, "schoolID"),))
    for pkg in PKGS:
        render(m, pkg)                                     # the source is not written without data prep
        assert any(d.code == "PT005" for d in problems(m, pkg, data_prep=True))


# ------------------------------------------------------------------ labels and titles

def with_label(label: str, title: str | None = None) -> Model:
    return Model(outcome="y", cluster="g", fixed=(Term(("x",)), Term(("z",))), random=RandomPart(True, ("x",)),
                 contrasts=(Contrast(label, ((("x", 1.0), ("z", -1.0)),)),), data="d", title=title)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("label", ["a\nb", "a\rb", "a\tb", "a\x00b", "a\u2028b", "a\x1bb"])
def test_line_breaks_and_control_characters_refused(label, pkg):
    diags = problems(with_label(label), pkg)
    assert any(d.code == "NM002" and TITLES[pkg] in d.message for d in diags)
    diags = problems(with_label("ok", title=label), pkg)
    assert any(d.code == "NM002" and "title" in d.message for d in diags)


def test_quotes_are_escaped_where_the_language_has_an_escape():
    label = 'He said "x"; it\'s ok'
    assert 'ESTIMATE "He said ""x""; it\'s ok" x 1 z -1;' in render(with_label(label), "sas")
    assert '/TEST = "He said ""x""; it\'s ok" x 1 z -1.' in render(with_label(label), "spss")
    assert f"# {label}\n" in render(with_label(label), "lme4")           # a comment runs to the line end
    assert f"// {label}\n" in render(with_label(label), "stata")


def test_sas_macro_triggers_use_single_quotes():
    out = render(with_label("R&D 100% 'x'"), "sas")
    assert "ESTIMATE 'R&D 100% ''x''' x 1 z -1;" in out


@pytest.mark.parametrize("label", ["$HOME", "a `b' c", "x /// y", "x // y", "x /* y", "x */ y"])
def test_stata_macro_and_comment_syntax_refused(label):
    diags = problems(with_label(label), "stata")
    assert any(d.code == "NM002" and "Stata mixed" in d.message for d in diags)


@pytest.mark.parametrize("pkg", ["sas", "spss"])
def test_comment_terminators_refused_in_titles(pkg):
    assert any(d.code == "NM002" for d in problems(with_label("ok", title="a */ PROC DELETE; /*"), pkg))


def test_r_injection_in_a_label_stays_inside_the_comment():
    label = '"); system("rm -rf ~"); ("'
    out = render(with_label(label), "lme4")
    line = [ln for ln in out.splitlines() if ln.startswith("contest1D")][0]
    assert line.endswith("# " + label)


# ------------------------------------------------------------------ CLI: exit 2, no traceback

def test_cli_refuses_hostile_model_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('outcome = "y"\ncluster = "g"\nfixed = ["a_very_long_variable_name_of_40_chars_xx"]\n'
                 '[[contrasts]]\nlabel = "$HOME"\ncoefficients = { a_very_long_variable_name_of_40_chars_xx = 1 }\n')
    res = CliRunner().invoke(cli, ["render", str(p), "--to", "stata"])
    assert res.exit_code == 2
    assert "PT005" in res.output and "NM002" in res.output and "Traceback" not in res.output
    ok = CliRunner().invoke(cli, ["render", str(p), "--to", "r"])
    # R has no name length limit and writes the label as a comment: the same file renders for R
    assert ok.exit_code == 0 and "# $HOME" in ok.output


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_non_finite_contrast_coefficients_refused(value, pkg):
    text = f'outcome = "y"\ncluster = "g"\nfixed = ["x"]\n[[contrasts]]\nlabel = "c"\ncoefficients = {{ x = {value} }}\n'
    try:
        m = loads_model(text)
    except MlmgenError as e:                        # the model file reader may refuse it already
        assert any(d.code == "MF005" for d in e.diagnostics)
        return
    assert any(d.code == "MF005" for d in problems(m, pkg))
