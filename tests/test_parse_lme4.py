"""R lme4/lmerTest syntax as people write it."""
from __future__ import annotations
import pytest

from mlmgen.dialects.lme4.syntax import parse_syntax, sniff


def codes(ps):
    return [d.code for d in ps.diagnostics]


def test_positional_formula_arrow_assignment_and_comments():
    ps = parse_syntax("""library(lmerTest)
# fit the model
m1 <- lmer(y ~ x * z + I(x^2) +   # squares
             (x | school), d, REML = FALSE)
summary(m1, ddf = "Kenward-Roger")
contest1D(m1, c(0, 1, 0, 0, -1))  # x minus x:z
""", "m.R")
    m = ps.model
    assert m is not None, [d.format() for d in ps.diagnostics]
    assert [t.name for t in m.fixed] == ["x", "z", "x:x", "x:z"]        # R's order: by degree
    assert m.random.effects == ("Intercept", "x") and m.random.covariance == "un"
    assert (m.method, m.ddf, m.data, m.name) == ("ml", "kenward-roger", "d", "m1")
    assert m.contrasts[0].label == "x minus x:z"
    assert m.contrasts[0].rows == ((("x", 1.0), ("x:z", -1.0)),)
    assert ps.locations["fixed:x:z"].text == "x * z"
    assert ps.locations["method"].text == "FALSE"


def test_defaults_and_no_summary():
    ps = parse_syntax("fit = lmer(y ~ 1 + x + (1 | g), data = dat)")
    m = ps.model
    assert (m.method, m.ddf) == ("reml", "satterthwaite")
    assert ps.explicit == {"method": False, "covariance": True, "ddf": False}


def test_double_bar_zero_intercept_and_named_formula():
    ps = parse_syntax("f <- y ~ 0 + x + z + (0 + x + z || g)\nm <- lmerTest::lmer(f, data = d, REML = TRUE)\n"
                      "anova(m, ddf = \"lme4\")")
    m = ps.model
    assert not m.intercept and m.random.effects == ("x", "z") and m.random.covariance == "vc"
    assert m.ddf == "none"


def test_contestmd_rbind_and_matrix():
    base = "m = lmer(y ~ x + z + (1|g), data=d)\n"
    a = parse_syntax(base + "contestMD(m, L = rbind(c(0, 1, 0), c(0, 0, 1)))  # both\n")
    b = parse_syntax(base + "contestMD(m, L = matrix(c(0, 1, 0, 0, 0, 1), nrow = 2, byrow = TRUE))  # both\n")
    assert a.model.contrasts == b.model.contrasts
    assert a.model.contrasts[0].rows == ((("x", 1.0),), (("z", 1.0),))
    c = parse_syntax(base + "contest1D(m, L = c(0, 1/2, -0.5))\n")
    assert c.model.contrasts[0].rows == ((("x", 0.5), ("z", -0.5)),)
    assert c.model.contrasts[0].label            # a label is made up when no comment gives one


def test_wrong_length_l_is_reported_at_l():
    ps = parse_syntax("m = lmer(y ~ x + (1|g), data=d)\ncontest1D(m, L=c(0, 1, 0))\n", "w.R")
    d = next(d for d in ps.diagnostics if d.code == "MF005")
    assert d.location.line == 2 and d.location.text == "c(0, 1, 0)"
    assert ps.model is not None and not ps.model.contrasts


def test_unsupported_parts_are_named():
    ps = parse_syntax("m <- lmer(y ~ x + (1 | school) + (1 | class), data = d, weights = w)")
    msgs = " | ".join(d.message for d in ps.diagnostics if d.code == "SY004")
    assert "lmer(weights" in msgs
    # two grouping factors are read as two random terms (issue 12), not refused
    assert ps.model is not None and [t.name for t in ps.model.random_terms] == ["school", "class"]
    ps = parse_syntax("m <- lmer(y ~ log(x) + (1 | g), data = d)")
    d = next(d for d in ps.diagnostics if d.code == "SY004")
    assert d.location.text == "log(x)"
    ps = parse_syntax("m <- lmer(y ~ x + (1 | school/class), data = d)")
    assert "SY004" not in codes(ps) and [t.group for t in ps.model.random_terms] == [("school",), ("school", "class")]
    ps = parse_syntax("m <- lmer(y ~ x + (1 | school:class), data = d)")     # no single-factor term
    assert "SY004" in codes(ps)
    ps = parse_syntax("m <- glmer(y ~ x + (1 | g), data = d, family = binomial)")
    assert "SY004" in codes(ps) and ps.model is None


def test_other_statements_are_noted_not_dropped():
    ps = parse_syntax("d$x2 <- d$x^2\nm <- lmer(y ~ x2 + (1|g), data=d)\nplot(m)\nfoo(m)")
    infos = [d for d in ps.diagnostics if d.code == "SY004"]
    assert len(infos) == 2 and {d.location.line for d in infos} == {1, 4}


def test_unparsable_text():
    for text in ["", "lmer(", "m = lmer(y ~ , data=d)", "m = lmer(data=d)", "m = lmer(y ~ x + (1|), data=d)",
                 "m = lmer(y ~ x + (1|g), REML=maybe, data=d", ")", "m = lmer(y ~ x + (1|g), data=d))"]:
        ps = parse_syntax(text, "bad.R")
        assert ps.model is None or "SY001" in codes(ps), text
        assert all(d.code in ("SY001", "SY004", "MF003") for d in ps.diagnostics), text


def test_sniff():
    assert sniff("m <- lmer(y ~ x + (1|g))") > 0.9
    assert sniff("proc mixed;") == 0


def _random_formulas(n: int, seed: int = 7) -> list[str]:
    import random
    rnd = random.Random(seed)
    xs = ["x1", "x2", "x3", "x4"]
    out = []
    for _ in range(n):
        pieces = []
        for _k in range(rnd.randint(1, 6)):
            kind = rnd.random()
            a, b, c = rnd.sample(xs, 3)
            pieces.append(a if kind < 0.3 else f"{a}:{b}" if kind < 0.5 else f"{a}*{b}" if kind < 0.65
                          else f"I({a}^2)" if kind < 0.8 else f"{a}:{b}:{c}" if kind < 0.9 else f"{a}*{b}*{c}")
        rnd.shuffle(pieces)
        head = rnd.choice(["", "1 + ", "0 + "])
        out.append(f"y ~ {head}{' + '.join(pieces)} + (1 + x1 | g)")
    return out


@pytest.mark.r
def test_fixef_order_matches_r(r):
    """contest1D's L is in fixef() order: the parser's order equals R's model-matrix columns."""
    from rtools import run_r
    formulas = _random_formulas(60)
    code = "set.seed(1); d <- data.frame(y = rnorm(50), x1 = rnorm(50), x2 = rnorm(50), x3 = rnorm(50), " \
           "x4 = rnorm(50), g = rep(1:10, 5))\n"
    for f in formulas:
        code += f"cat(colnames(model.matrix(lme4::nobars({f}), d)), sep = ' '); cat('\\n')\n"
    r_cols = [line.split() for line in run_r(code).strip().split("\n")]
    assert len(r_cols) == len(formulas)
    for f, cols in zip(formulas, r_cols):
        ps = parse_syntax(f"m <- lmer({f}, data = d)")
        ours = []
        for name in ps.model.fixed_names:
            parts = name.split(":")
            if len(parts) > 1 and len(set(parts)) == 1:
                ours.append(f"I({parts[0]}^{len(parts)})")
            else:
                ours.append(name)
        # R names an interaction by the first appearance of its variables; compare as sets of factors
        norm = lambda n: ("(Intercept)",) if n in ("(Intercept)", "Intercept") else tuple(sorted(n.split(":")))
        assert [norm(n) for n in ours] == [norm(n) for n in cols], (f, ours, cols)


def test_contrast_coefficient_dividing_by_zero_is_sy001():
    """Found by the fuzz test: `c(1/0)` in contest1D raised ZeroDivisionError (an internal error)."""
    ps = parse_syntax("library(lmerTest)\nm <- lmer(y ~ x + (1 | g), data = d)\ncontest1D(m, c(0, 1/0))\n")
    d = [d for d in ps.diagnostics if d.code == "SY001" and "divides by zero" in d.message]
    assert len(d) == 1 and d[0].location.line == 3
