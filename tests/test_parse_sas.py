"""SAS PROC MIXED syntax as people write it: case, comments, abbreviations, defaults, unsupported parts."""
from __future__ import annotations

from mlmgen.diagnostics import Severity
from mlmgen.dialects.sas.syntax import parse_syntax, sniff


def codes(ps, severity=None):
    return [d.code for d in ps.diagnostics if severity is None or d.severity == severity]


def test_lower_case_free_form_comments_and_abbreviations():
    ps = parse_syntax("""
/* a block comment; with a semicolon */
proc mixed data=Example method=ml covtest;  * statement comment with = and / ;
  class schoolid;
  model langpost = x   z
        x*z x*x
        / s ddfm=kr cl;
  random int x / sub=schoolID type=un g gcorr;   /* SUBJECT spelled differently: same variable */
  estimate 'slope at z=1' x 1 x*z 1 / cl;
  contrast 'joint' x 1, x*z 1;
run;
""", "a.sas")
    m = ps.model
    assert m is not None, [d.format() for d in ps.diagnostics]
    assert codes(ps) == []
    assert (m.outcome, m.cluster, m.method, m.ddf, m.data) == ("langpost", "schoolid", "ml", "kenward-roger",
                                                              "Example")
    assert [t.name for t in m.fixed] == ["x", "z", "x:z", "x:x"]
    assert m.random.effects == ("Intercept", "x") and m.random.covariance == "un"
    assert [c.label for c in m.contrasts] == ["slope at z=1", "joint"]
    assert m.contrasts[0].rows == ((("x", 1.0), ("x:z", 1.0)),)
    assert m.contrasts[1].rows == ((("x", 1.0),), (("x:z", 1.0),))
    assert ps.explicit == {"method": True, "covariance": True, "ddf": True}
    assert ps.locations["ddf"].text == "ddfm=kr" and ps.locations["ddf"].line == 7


def test_defaults_are_the_package_defaults_and_marked_implicit():
    ps = parse_syntax("PROC MIXED DATA=d; CLASS g; MODEL y = x; RANDOM INTERCEPT x / SUBJECT=g; RUN;")
    m = ps.model
    assert (m.method, m.random.covariance, m.ddf) == ("reml", "vc", "containment")
    assert ps.explicit == {"method": False, "covariance": False, "ddf": False}


def test_ddfm_spellings():
    for text, want in [("Satterth", "satterthwaite"), ("SATTERTHWAITE", "satterthwaite"), ("sat", "satterthwaite"),
                       ("KR", "kenward-roger"), ("KenwardRoger", "kenward-roger"), ("BW", "between-within"),
                       ("betwithin", "between-within"), ("CONTAIN", "containment"), ("res", "residual"),
                       ("residual", "residual"), ("none", "none")]:
        ps = parse_syntax(f"proc mixed; class g; model y = x / ddfm={text}; random int / subject=g; run;")
        assert ps.model.ddf == want, text
    ps = parse_syntax("proc mixed; class g; model y = x / ddfm=fast; random int / subject=g; run;")
    assert "SY001" in codes(ps)


def test_bar_operator_noint_divisor_and_vc_blocks():
    ps = parse_syntax("""proc mixed; class g;
      model y = a|b / noint solution;
      random int / subject=g;
      random a / subject=g;
      estimate 'half' a 1 b 1 / divisor=2;
    run;""")
    m = ps.model
    assert [t.name for t in m.fixed] == ["a", "b", "a:b"] and not m.intercept
    assert m.random.effects == ("Intercept", "a") and m.random.covariance == "vc"
    assert m.contrasts[0].rows == ((("a", 0.5), ("b", 0.5)),)


def test_random_class_effect_without_subject():
    ps = parse_syntax("proc mixed; class school; model y = x; random school x*school; run;")
    m = ps.model
    assert m.cluster == "school" and m.random.effects == ("Intercept", "x")


def test_unsupported_constructs_are_named_with_their_place():
    ps = parse_syntax("""proc mixed data=d method=mivque0 empirical;
  class g t;
  model y = x t / solution ddfm=sat;
  random int x / subject=g type=ar(1);
  repeated / subject=g type=cs;
  weight w;
run;""", "u.sas")
    sy4 = [d for d in ps.diagnostics if d.code == "SY004"]
    what = " | ".join(d.message for d in sy4)
    for piece in ("METHOD=mivque0", "EMPIRICAL", "TYPE=ar(1)", "REPEATED", "WEIGHT"):
        assert piece.lower() in what.lower(), (piece, what)
    rep = next(d for d in sy4 if "REPEATED" in d.message)
    assert rep.location.line == 5 and rep.location.col == 3 and rep.location.file == "u.sas"
    assert ps.model is not None            # the rest is still read
    assert [c.name for c in ps.model.categoricals] == ["t"]      # CLASS t used in MODEL: categorical


def test_second_subject_is_a_second_grouping_factor():
    """Issue 12: a second RANDOM statement with another SUBJECT= is a further random term (here crossed:
    SUBJECT=c alone makes one subject per c id); the old refusal (SY004) is gone."""
    ps = parse_syntax("proc mixed; class s c; model y = x; random int / subject=s; random int / subject=c; run;")
    assert not [d for d in ps.diagnostics if d.code == "SY004"]
    assert [(t.group, t.covariance) for t in ps.model.random_terms] == [(("s",), "vc"), (("c",), "vc")]
    assert ps.locations["random[1]"].line == 1


def test_nested_subject_and_other_steps():
    ps = parse_syntax("""data two; set one; x2 = x*x; run;
proc means data=two; var x; run;
proc mixed data=two; class s c; model y = x; random int / subject=c(s); run;""")
    msgs = [d.message for d in ps.diagnostics]
    assert any("DATA step" in m for m in msgs) and any("PROC means" in m for m in msgs)
    # only a nested subject: the model has no cluster (a term grouped by one factor), refused with the reason
    assert any("grouped only by nested" in m and "(c within s)" in m for m in msgs)


def test_unparsable_text_gives_coded_diagnostics_not_exceptions():
    for text in ["", "proc mixed", "proc mixed; model = ; run;", "proc mixed; class g; model y = x*; random; run;",
                 "proc mixed; estimate 'x' x; run;", "proc mixed; estimate x 1; run;", "'unclosed", "proc mixed ;;;;;",
                 "proc mixed; model y = x / ddfm=; random int / subject=; run;", "%macro m; %mend;"]:
        ps = parse_syntax(text, "f.sas")
        assert ps.model is None
        assert "SY001" in codes(ps), text
        for d in ps.diagnostics:
            assert d.location.file == "f.sas"


def test_subject_not_in_class_is_a_warning_as_rules_lists_it():
    """SY003's severities are the catalogue's (diagnostics.SEVERITIES): an error where the package refuses the
    command (SPSS), a warning for SAS's SUBJECT= outside CLASS (valid when the data are sorted by it)."""
    ps = parse_syntax("proc mixed; model y = x; random int / subject=g; run;")
    d = next(d for d in ps.diagnostics if d.code == "SY003")
    assert d.severity == Severity.WARNING and d.location.text == "g"


def test_sniff():
    assert sniff("proc mixed data=x;") > 0.9
    assert sniff("mixed y x || g:") == 0


def test_quotes_inside_comments_and_comment_markers_inside_strings():
    ps = parse_syntax("title 'it''s /* not a comment */'; proc mixed data=d; class g; * don't;\n"
                      "model y = x; /* it's */ random intercept x / subject=g type=un(1);\n"
                      "estimate 'a /* b */ ; c' x 1; run;")
    assert [d.code for d in ps.diagnostics] == []
    assert ps.model.random.covariance == "vc" and ps.model.contrasts[0].label == "a /* b */ ; c"


def test_realistic_files_several_steps_no_class_nested_random():
    ps = parse_syntax("""/* two fits of the same data */
proc mixed data=lib.scores;
model score = sex age grp wk / ddfm=kenwardroger solution;
random intercept wk /  subject=id  type=un v=1 vcorr=1;
run;
proc mixed data=lib.scores;
model score = sex age grp wk / ddfm=kenwardroger solution;
random intercept wk /  subject=id  v=1 vcorr=1;
run;""")
    assert ps.model.data == "scores" and ps.model.random.covariance == "un"
    assert [d.code for d in ps.diagnostics] == ["SY003", "SY004"]
    assert "a second PROC MIXED step" in ps.diagnostics[1].message and ps.diagnostics[1].location.line == 6
    ps = parse_syntax("proc mixed cl covtest;\n  class operator parts;\n  model measurement=operator;\n"
                      "  random parts(operator);\nrun;")
    assert ps.model is None and [d.code for d in ps.diagnostics] == ["SY004"]     # CLASS operator is read


def test_subsetting_is_named():
    ps = parse_syntax("proc mixed data=d(where=(grade>1)); class g; model y = x; random int / subject=g; "
                      "where x > 0; run;")
    assert ps.model.data == "d"
    assert [(d.code, d.location.text) for d in ps.diagnostics] == [("SY004", "(where=(grade>1))"),
                                                                  ("SY004", "where x > 0;")]


def test_a_nested_effect_in_model_is_refused_not_dropped():
    """MODEL's effect list is read by RANDOM's parser; `x(g)` there is a fixed effect mlmgen does not describe."""
    ps = parse_syntax("proc mixed; class g; model y = z x(g) / solution; random int / subject=g; run;")
    refused = [d for d in ps.diagnostics if d.code == "SY004" and "nested effect x(g)" in d.message]
    assert refused and refused[0].severity == Severity.ERROR
