"""The same-model check across snippets, and the `mlmgen same` command."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.dialects import DIALECTS
from mlmgen.samemodel import compare_parsed
from strategies import EXAMPLE_IDS, PACKAGES, corrected, path, text


def parsed(example, dialect, fixed=False):
    src = corrected(example, dialect) if fixed else text(example, dialect)
    return (f"{example}_{dialect}", DIALECTS[dialect].parse_syntax(src, str(path(example, dialect))))


def test_lecture_4a_differences():
    cmp = compare_parsed([parsed("4a", d) for d in PACKAGES])
    assert not cmp.same
    material = [d for d in cmp.differences if d.material]
    assert {d.aspect for d in material} == {"data", "syntax"}
    data = next(d for d in material if d.aspect == "data")
    assert "'example' in 4a_lme4" in data.message and "'Example' in 4a_sas" in data.message
    assert "case matters in R" in data.message
    syn = next(d for d in material if d.aspect == "syntax")
    assert syn.message.startswith("4a_stata 1:16: SY002") and "e.hw2" in syn.message
    # all four include hw2: it is in the agreed fixed part, not a difference
    assert "fixed terms: hw2, mixgrd, CMverb10, verb10" in cmp.agreements
    out = cmp.format()
    assert "DIFFERENT: 2 differences" in out and "In all 4:" in out


@pytest.mark.parametrize("example", EXAMPLE_IDS)
def test_corrected_lecture_snippets_are_the_same_model(example):
    cmp = compare_parsed([parsed(example, d, fixed=True) for d in PACKAGES])
    assert cmp.same, cmp.format()
    # 2b's contrast labels differ in case only between SAS and the rest: listed, not material
    cosmetic = [d for d in cmp.differences if not d.material]
    assert bool(cosmetic) == (example == "2b")


def _ps(dialect, src):
    return DIALECTS[dialect].parse_syntax(src, f"x.{dialect}")


def test_every_aspect_is_listed():
    sas = _ps("sas", "proc mixed data=d method=ml; class g; model y = x z x*z / ddfm=kr; "
                     "random int x / subject=g type=un; estimate 'e' x 1 z -1; run;")
    r = _ps("lme4", "m = lmer(y ~ x + w + (1 + x || g), data = D, REML = TRUE)\nsummary(m, ddf='Satterthwaite')\n"
                    "contest1D(m, L=c(0, 1, 1)) # e")
    cmp = compare_parsed([("a.sas", sas), ("b.R", r)])
    aspects = {d.aspect for d in cmp.differences if d.material}
    assert aspects == {"fixed", "covariance", "method", "ddf", "contrast", "data"}
    msgs = "\n".join(d.message for d in cmp.differences)
    assert "fixed term z: in a.sas; not in b.R" in msgs
    assert "fixed term w: in b.R; not in a.sas" in msgs
    assert "fixed term x:z: in a.sas; not in b.R" in msgs
    assert "UN (unstructured) in a.sas" in msgs and "VC (independent) in b.R" in msgs
    assert "ML in a.sas" in msgs and "REML in b.R" in msgs
    assert "Kenward-Roger in a.sas" in msgs and "Satterthwaite in b.R" in msgs


def test_random_part_and_case_rules():
    a = _ps("sas", "proc mixed; class G; model Y = X; random int / subject=g; run;")
    b = _ps("spss", "MIXED y WITH x /FIXED = x /RANDOM = INTERCEPT x | SUBJECT(G) COVTYPE(VC).")
    cmp = compare_parsed([("a", a), ("b", b)])
    msgs = [d for d in cmp.differences if d.material]
    # and the df defaults differ: SAS containment, SPSS Satterthwaite (both left to the package)
    assert [d.aspect for d in msgs] == ["random", "ddf"]
    assert "random effect x: in b; not in a" in msgs[0].message
    assert "containment (package default, not written) in a" in msgs[1].message
    # case-only differences between SAS and SPSS are not differences; with Stata they are
    assert any("spelled differently" in d.message and not d.material for d in cmp.differences)
    c = _ps("stata", "mixed y x || G:, reml dfmethod(satterthwaite)")
    cmp2 = compare_parsed([("a", a), ("c", c)])
    assert any("spelled differently" in d.message and d.material and "Stata" in d.message
               for d in cmp2.differences)


def test_covariance_is_ignored_with_one_random_effect_and_defaults_noted():
    a = _ps("sas", "proc mixed method=reml; class g; model y = x / ddfm=satterth; random int / subject=g; run;")
    b = _ps("lme4", "m = lmer(y ~ x + (1 | g), data=d)")
    cmp = compare_parsed([("a", a), ("b", b)])
    assert cmp.same, cmp.format()
    assert any("package default" in d.message and not d.material for d in cmp.differences)


def test_cli_same_exit_codes(tmp_path):
    runner = CliRunner()
    files = [str(path("4a", d)) for d in PACKAGES]
    res = runner.invoke(cli, ["same", *files])
    assert res.exit_code == 1, res.output
    assert "DIFFERENT" in res.output and "example" in res.output
    fixed = []
    for d in PACKAGES:
        p = tmp_path / path("2c", d).name
        p.write_text(corrected("2c", d))
        fixed.append(str(p))
    res = runner.invoke(cli, ["same", "-q", *fixed])
    assert res.exit_code == 0, res.output
    assert "SAME MODEL" in res.output
    res = runner.invoke(cli, ["same", fixed[0], str(tmp_path / "missing.sas")])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["same", fixed[0]])
    assert res.exit_code == 2


def test_the_same_file_twice_is_the_same_model(tmp_path, monkeypatch):
    p = tmp_path / "a.sas"
    p.write_text(corrected("2c", PACKAGES[0]))
    monkeypatch.chdir(tmp_path)
    for args in ([str(p), str(p)], ["a.sas", "a.sas"]):
        res = CliRunner().invoke(cli, ["same", "-q", *args])
        assert res.exit_code == 0, res.output
        assert "SAME MODEL" in res.output
    assert "(#2)" in res.output


def test_cli_same_exit_2_when_a_snippet_has_no_model(tmp_path):
    bad = tmp_path / "bad.sas"
    bad.write_text("proc mixed; model = ; run;")
    res = CliRunner().invoke(cli, ["same", str(path("2b", "sas")), str(bad)])
    assert res.exit_code == 2 and "no model could be read" in res.output


def test_cli_same_with_a_model_file_as_reference(tmp_path):
    from strategies import EXAMPLES
    snip = tmp_path / "4d.sas"
    snip.write_text(corrected("4d", "sas"))
    res = CliRunner().invoke(cli, ["same", "-q", str(EXAMPLES["4d"]), str(snip)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["same", "-q", str(EXAMPLES["4d"]), str(path("4d", "sas"))])
    assert res.exit_code == 1 and "fixed term hw2: in 4d_sas.sas; not in 4d_hybrid" in res.output
