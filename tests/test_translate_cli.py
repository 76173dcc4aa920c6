"""`mlmgen parse` and `mlmgen translate`: output, package guessing, diagnostics, exit codes."""
from __future__ import annotations

import json

from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.modelfile import loads_model
from mlmgen.translate import translate
from strategies import corrected, path


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_parse_prints_a_model_file_that_loads_back():
    res = run("parse", str(path("2b", "stata")))
    assert res.exit_code == 0, res.output
    model = loads_model(res.stdout)
    assert model.outcome == "langpost" and model.random.effects == ("Intercept", "WCverb")
    assert model.contrasts[0].label == "L2 Contextual effect of verbal"


def test_parse_refuses_a_changed_model_unless_partial():
    # the lecture's e.hw2 is not Stata: the model read (hw2 continuous) is not what the source says
    res = run("parse", str(path("4a", "stata")))
    assert res.exit_code == 2 and res.stdout == ""
    assert "SY002" in res.stderr and "4a_stata.do:1:16" in res.stderr and "^^" in res.stderr
    assert "TR003" in res.stderr and "--partial" in res.stderr
    res = run("parse", "--partial", str(path("4a", "stata")))
    assert res.exit_code == 1 and '"hw2"' in res.stdout
    head = res.stdout.splitlines()
    assert head[0].startswith("# mlmgen: NOT THE WHOLE MODEL") and head[1].startswith("#   line 1: SY002")
    assert loads_model(res.stdout).outcome == "langpost"        # still a model file that loads


def test_parse_json_has_locations_and_flags():
    res = run("parse", "--json", str(path("2b", "sas")))
    d = json.loads(res.stdout)
    assert d["dialect"] == "sas" and d["explicit"] == {"method": True, "covariance": True, "ddf": True}
    assert d["locations"]["ddf"]["text"] == "DDFM=Satterthwaite"
    assert d["data_as_written"] == "work.Example" and d["model"]["data"] == "Example"
    assert any(x["code"] == "SY005" for x in d["diagnostics"])


def test_parse_exit_2_for_unreadable_and_unparsable(tmp_path):
    assert run("parse", str(tmp_path / "nope.sas")).exit_code == 2
    bad = tmp_path / "bad.sas"
    bad.write_text("proc mixed; model = ; run;")
    res = run("parse", str(bad))
    assert res.exit_code == 2 and "SY001" in res.stderr and "Traceback" not in res.output
    binary = tmp_path / "bin.do"
    binary.write_bytes(b"\xff\xfe\x00mixed")
    assert run("parse", str(binary)).exit_code == 2
    unknown = tmp_path / "what.txt"
    unknown.write_text("hello world")
    res = run("parse", str(unknown))
    assert res.exit_code == 2 and "CL001" in res.stderr


def test_guess_by_extension_when_content_is_ambiguous(tmp_path):
    for ext, what in ((".R", "no lmer() call found"), (".do", "no mixed command found"),
                      (".sps", "no MIXED command found"), (".sas", "no PROC MIXED statement found")):
        p = tmp_path / f"m{ext}"
        p.write_text("x = 1\n")        # content says nothing: the extension decides
        res = run("parse", "--from", "auto", str(p))
        assert res.exit_code == 2 and what in res.stderr, (ext, res.stderr)


def test_translate_to_all_and_to_one(tmp_path):
    src = tmp_path / "2b.sas"
    src.write_text(corrected("2b", "sas"))
    res = run("translate", str(src), "--to", "all")
    assert res.exit_code == 0, res.output + res.stderr
    assert "lmer(" in res.stdout and "mixed langpost" in res.stdout and "MIXED langpost" in res.stdout
    assert "PROC MIXED" not in res.stdout                    # all = the other three
    res = run("translate", str(src), "--to", "stata", "-o", str(tmp_path / "out"))
    assert res.exit_code == 0 and (tmp_path / "out" / "2b.do").exists()


def test_translate_carries_source_problems_and_refusals():
    res = run("translate", str(path("4a", "stata")), "--to", "sas")
    assert res.exit_code == 2 and "SY002" in res.stderr and res.stdout == ""
    res = run("translate", "--partial", str(path("4a", "stata")), "--to", "sas")
    assert res.exit_code == 1 and "hw2" in res.stdout
    assert res.stdout.startswith("/* mlmgen: NOT THE WHOLE MODEL")
    # Stata's default df (none) cannot be written in SPSS: the closest it has (residual), said (PT003)
    tr = translate("mixed y c.x || g: x, reml covariance(un)", "spss", "stata", "t.do")
    assert "DFMETHOD(RESIDUAL)" in tr.outputs["spss"] and tr.ddf_choices == {"spss": "residual"}
    assert any(d.code == "PT003" for d in tr.diagnostics)
    # a df method the source writes is not replaced: RN001, no text (unless --ddf)
    tr = translate("mixed y c.x || g: x, reml covariance(un) dfmethod(residual)", "lme4", "stata", "t.do")
    assert "lme4" not in tr.outputs and any(d.code == "RN001" and "--ddf" in d.fix.title for d in tr.diagnostics)
    tr = translate("mixed y c.x || g: x, reml covariance(un) dfmethod(residual)", "lme4", "stata", "t.do",
                   ddf="satterthwaite")
    assert 'ddf="Satterthwaite"' in tr.outputs["lme4"] and "(--ddf)" in tr.outputs["lme4"]
    tr = translate("mixed y c.x || g: x, reml covariance(un)", "sas", "auto", "t.do")
    assert "DDFM=NONE" in tr.outputs["sas"].upper() and "METHOD=REML" in tr.outputs["sas"]


def test_translate_makes_stata_defaults_explicit():
    tr = translate("mixed y c.x || g: x", "sas", "stata")
    out = tr.outputs["sas"]
    assert "METHOD=ML" in out and "TYPE=VC" in out


def test_defaults_made_explicit_are_said():
    tr = translate("mixed y c.x || g: x", "sas", "stata", "d.do")
    notes = [d for d in tr.diagnostics if d.code == "TR001"]
    assert len(notes) == 3 and all(d.severity.value == "info" for d in notes)
    assert "does not write the estimation method; its package default, ML," in notes[0].message
    # nothing to say when everything is written (the lecture)
    tr = translate(corrected("2b", "sas"), "stata", "sas")
    assert not [d for d in tr.diagnostics if d.code == "TR001"]
    # one random effect: the covariance does not matter, so it is not mentioned
    tr = translate("mixed y c.x || g:, reml dfmethod(residual)", "sas", "stata")
    assert not [d for d in tr.diagnostics if d.code == "TR001"]
