"""Stata `mixed` syntax as people write it."""
from __future__ import annotations

from mlmgen.diagnostics import Severity
from mlmgen.dialects.stata.syntax import parse_syntax, sniff


def codes(ps, sev=None):
    return [d.code for d in ps.diagnostics if sev is None or d.severity == sev]


def test_defaults_are_ml_independent_and_no_df():
    ps = parse_syntax("mixed y c.x || g: x")
    m = ps.model
    assert (m.method, m.random.covariance, m.ddf) == ("ml", "vc", "none")
    assert m.random.effects == ("Intercept", "x")
    assert ps.explicit == {"method": False, "covariance": False, "ddf": False}


def test_factorial_operators_comments_and_continuation():
    ps = parse_syntax("""use "C:/data/Example.dta", clear
* a comment line
/* block */ quietly mixed y c.x##c.z c.x#c.x /// continued
    , noconstant || school: x, noconstant cov(un) reml dfm(kr) // trailing
lincom 2*c.x - _b[c.x#c.z], small // slope difference
test (c.x = c.z) (c.x#c.x = 0)
test c.x c.z
""", "s.do")
    m = ps.model
    assert m is not None, [d.format() for d in ps.diagnostics]
    assert codes(ps, Severity.ERROR) == [] and codes(ps, Severity.WARNING) == []
    assert [t.name for t in m.fixed] == ["x", "z", "x:z", "x:x"]
    assert not m.intercept and m.random.effects == ("x",)
    assert (m.method, m.ddf, m.data) == ("reml", "kenward-roger", "Example")
    assert ps.data == "C:/data/Example.dta"
    assert m.contrasts[0].label == "slope difference"
    assert m.contrasts[0].rows == ((("x", 2.0), ("x:z", -1.0)),)
    assert m.contrasts[1].rows == ((("x", 1.0), ("z", -1.0)), (("x:x", 1.0),))
    assert m.contrasts[2].rows == ((("x", 1.0),), (("z", 1.0),))
    assert ps.locations["fixed:x:z"].text == "c.x##c.z"
    assert ps.locations["method"].line == 4


def test_invalid_operator_is_sy002_and_kept_continuous():
    ps = parse_syntax("mixed y e.x c.z || g:, reml")
    [d] = [d for d in ps.diagnostics if d.code == "SY002"]
    assert (d.location.col, d.location.text) == (9, "e.")
    assert [t.name for t in ps.model.fixed] == ["x", "z"]


def test_unprefixed_interaction_is_factor_notation():
    # Stata: x#z is i.x#i.z, so x z x#z uses x and z both as continuous and as factors (SY004)
    ps = parse_syntax("mixed y x z x#z || g:, reml")
    d = next(d for d in ps.diagnostics if d.code == "SY004")
    assert d.severity == Severity.ERROR and "factor" in d.message
    assert [t.name for t in ps.model.fixed] == ["x", "z", "x:z"]
    ps = parse_syntax("mixed y i.x i.z x#z || g:, reml")
    assert not ps.diagnostics and [c.name for c in ps.model.categoricals] == ["x", "z"]


def test_unsupported_constructs_are_named():
    cases = {
        "mixed y i(1 2).grp c.x || g:": "i(1 2).",
        "mixed y ib(freq).grp c.x || g:": "ib(freq).",
        "mixed y c.x if x > 0 || g:": "`if` qualifier",
        "mixed y c.x [pw=w] || g:": "weights",
        # several levels are read (issue 12); what they cannot mean in mlmgen's model is still named
        "mixed y c.x || school: || class: || school:": "again after other levels",
        "mixed y c.x || _all: R.class x || g:": "_all: equation",
        "mixed y c.x || _all: R.class, covariance(unstructured) || g:": "other than identity",
        "mixed y c.x || g: R.class": "R.x after _all: only",
        "mixed y c.x || g: x, covariance(exchangeable)": "covariance(exchangeable)",
        "mixed y c.x || g:, reml dfmethod(anova)": "dfmethod(anova)",
        "mixed y c.x || g:, vce(robust)": "vce",
        "mixed y c.x || g:, residuals(ar 1, t(time))": "residuals",
        "mixed y L.x || g:": "time-series",
    }
    for text, piece in cases.items():
        ps = parse_syntax(text)
        msgs = " | ".join(d.message for d in ps.diagnostics if d.code == "SY004")
        assert piece in msgs, (text, msgs)


def test_harmless_options_and_commands_are_silent():
    ps = parse_syntax("mixed y c.x || g: x, cov(unstructured) reml dfmethod(satterthwaite, oim) dftable(pvalue) "
                      "nolog variance noretable\nestat recovariance, relevel(g) correlation\nestat ic")
    assert ps.diagnostics == []
    assert ps.extra["dfmethod_suboption"] == "oim"


def test_unparsable():
    for text in ["", "mixed", "mixed y c.x", "mixed y c.x || :", "mixed y c.x# || g:", "mixed y c.x || g:, cov(zz)",
                 "mixed || g:", "lincom c.x + +", "mixed y c.x || g: x, dfmethod(nope)"]:
        ps = parse_syntax(text, "u.do")
        assert ps.model is None or "SY001" in codes(ps), text
        assert all(d.location.file == "u.do" for d in ps.diagnostics)


def test_sniff():
    assert sniff("mixed y c.x || g: x, reml") > 0.9
    assert sniff("MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT | SUBJECT(g).") < 0.9


def test_comment_rules():
    ps = parse_syntax('mixed y c.x /* nested /* block */ still */ c.z || g:, reml // a "quote\n'
                      'lincom c.x - c.z // label with /* inside\n'
                      '* whole-line comment with || and "quote\n'
                      'lincom c.x // second')
    assert [d.code for d in ps.diagnostics] == []
    assert [t.name for t in ps.model.fixed] == ["x", "z"]
    assert [c.label for c in ps.model.contrasts] == ["label with /* inside", "second"]


def test_grouped_notation_is_named():
    ps = parse_syntax("mixed y c.(x z) || g:")
    [d] = ps.diagnostics
    assert d.code == "SY004" and d.location.text == "c.(x z)"


import pytest  # noqa: E402

LINCOMS = [
    ("lincom -c.x + 2*c.z", [[("x", -1.0), ("z", 2.0)]]),
    ("lincom c.x*-1", [[("x", -1.0)]]),
    ("lincom c.x*1 + c.z*-0.5 + c.x#c.z*2", [[("x", 1.0), ("z", -0.5), ("x:z", 2.0)]]),
    ("lincom _cons + c.x", [[("Intercept", 1.0), ("x", 1.0)]]),
    ("lincom 2*c.x*3", [[("x", 6.0)]]),
    ("lincom - - c.x", [[("x", 1.0)]]),
    ("lincom _b[x] + _b[c.x#c.z]", [[("x", 1.0), ("x:z", 1.0)]]),
    ("test c.x = -c.z", [[("x", 1.0), ("z", 1.0)]]),
    ("test c.x#c.z c.x", [[("x:z", 1.0)], [("x", 1.0)]]),
    ("test (c.x*1 + c.z*-0.5 = 0) (c.x#c.z*1 = 0), small", [[("x", 1.0), ("z", -0.5)], [("x:z", 1.0)]]),
    ("test (_cons*1 = 0)", [[("Intercept", 1.0)]]),
    ("lincom c.x c.z", "SY001"),
    ("lincom c.x*c.z", "SY001"),
    ("lincom c.x +", "SY001"),
    ("lincom 0.5*(c.x + c.z)", "SY001"),
    ("lincom c.x + 1", "SY004"),
    ("test c.x = 2", "SY004"),
    ("lincom c.x - c.x", "MF005"),
]


@pytest.mark.parametrize("line,want", LINCOMS)
def test_lincom_and_test_expressions(line, want):
    ps = parse_syntax("mixed y c.x c.z c.x#c.z, || g:, reml\n" + line)
    if isinstance(want, str):
        assert [d.code for d in ps.diagnostics] == [want] and not ps.model.contrasts
    else:
        assert ps.diagnostics == []
        assert [list(map(list, c.rows)) for c in ps.model.contrasts][0] == [[tuple(p) for p in r] for r in want]


def test_any_covariance_structure_is_fine_with_one_random_effect():
    ps = parse_syntax("mixed y c.x || g:, covariance(identity) reml")
    assert ps.diagnostics == [] and ps.explicit["covariance"]
    ps = parse_syntax("mixed y c.x || g: x, covariance(exchangeable) reml")
    assert [d.code for d in ps.diagnostics] == ["SY004"]


def test_keep_if_is_named():
    ps = parse_syntax("preserve\nkeep if grade > 1\nmixed y x || g:\nrestore")
    assert [(d.code, d.location.line) for d in ps.diagnostics] == [("SY004", 2)]
