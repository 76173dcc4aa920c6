"""Meta-tests of the rule catalogue: every lint code has a rule, documentation in the fixed shape and a case file
with passing and failing cases; plus the CLI contract of `mlmgen lint` and `mlmgen rules` (formats, exit codes)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.diagnostics import CODES
from mlmgen.lint import DOC_SECTIONS, RULES, rule_codes
from test_lint_cases import load_case_files

ROOT = Path(__file__).resolve().parent.parent
LINT_PREFIXES = ("SY", "MS", "RE", "PT", "CA", "ST")
NOT_LINT = {"ES002": "reported by the effect-size calculations, not by the linter"}


def lint_codes() -> list[str]:
    return sorted(c for c in CODES if c.startswith(LINT_PREFIXES) or (c.startswith("ES") and c not in NOT_LINT))


def test_every_lint_code_has_a_rule():
    missing = [c for c in lint_codes() if c not in rule_codes()]
    assert not missing, f"codes without a rule or parser documentation: {missing}"
    assert set(rule_codes()) <= set(CODES)


@pytest.mark.parametrize("code", lint_codes())
def test_rule_documentation_has_the_fixed_shape(code):
    r = RULES[code]
    assert r.summary and r.summary.endswith("."), f"{code}: the first line is a one-sentence summary"
    for s in DOC_SECTIONS:
        assert len(r.section(s)) > 20, f"{code}: section {s!r} missing or empty"
    positions = [r.doc.index(f"{s}:") for s in DOC_SECTIONS]
    assert positions == sorted(positions), f"{code}: sections out of order"


@pytest.mark.parametrize("code", lint_codes())
def test_every_code_has_passing_and_failing_cases(code):
    files = load_case_files()
    assert code in files, f"tests/lint_cases/{code}.toml is missing"
    cases = files[code]["cases"]
    assert any(c.get("findings") == 0 for c in cases), f"{code}: no passing case"
    assert any(c.get("findings", 0) > 0 or c.get("min_findings", 0) > 0 for c in cases), f"{code}: no failing case"
    assert all(c.get("name") for c in cases), f"{code}: every case needs a name"


def test_case_files_only_for_known_codes():
    unknown = set(load_case_files()) - set(lint_codes())
    assert not unknown


def test_docs_list_every_rule():
    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    for c in lint_codes():
        assert re.search(rf"\b{c}\b", doc), f"docs/lint.md does not mention {c}"


# ---------------------------------------------------------------------------------------------- CLI

def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_rules_lists_the_catalogue_and_explains_one():
    out = run("rules")
    assert out.exit_code == 0
    for c in lint_codes():
        assert re.search(rf"^{c}\s+{RULES[c].name}\s+", out.output, re.M)
    ex = run("rules", "--explain", "re001")
    assert ex.exit_code == 0
    for s in DOC_SECTIONS:
        assert f"{s}:" in ex.output
    assert "RE001 smushed-random-slope (warning)" in ex.output
    js = json.loads(run("rules", "--explain", "MS003", "--format", "json").output)
    assert js["code"] == "MS003" and js["why_it_matters"] and js["fix"]
    assert len(json.loads(run("rules", "--format", "json").output)) == len(rule_codes())


def test_rules_unknown_code_exit_2():
    out = run("rules", "--explain", "XX999")
    assert out.exit_code == 2 and "CL001" in out.output


def test_lint_exit_codes_and_formats(tmp_path):
    clean = tmp_path / "clean.R"
    clean.write_text('m = lmer(data=Example, REML=TRUE, formula=langpost ~ 1 + WCverb + (1 + WCverb | schoolID))\n'
                     'summary(m, ddf="Satterthwaite")\n')
    res = run("lint", str(clean))
    assert res.exit_code == 0 and "no findings" in res.output
    assert json.loads(run("lint", str(clean), "--format", "json").output) == []

    warn = tmp_path / "warn.do"
    # (dfmethod(residual): Satterthwaite would be RN001 here, Stata allows it with reml only)
    warn.write_text("mixed langpost c.WCverb || schoolID: WCverb, dfmethod(residual)\n")
    res = run("lint", str(warn))
    assert res.exit_code == 0                           # warnings only
    assert re.search(r"^.*warn\.do:1:1: warning PT002 \[implicit-estimation-method\] ", res.output, re.M)
    assert "  = help: state the estimation method: `reml`" in res.output

    err = tmp_path / "err.sas"
    err.write_text("PROC MIXED DATA=Example METHOD=REML; CLASS schoolID;\n"
                   "  MODEL langpost = hw2 WCverb / SOLUTION DDFM=SATTERTHWAITE;\n"
                   "  RANDOM INTERCEPT WCverb / TYPE=UN SUBJECT=schoolID;\nRUN;\n")
    ref = tmp_path / "m.toml"
    ref.write_text('outcome = "langpost"\ncluster = "schoolID"\nfixed = ["WCverb"]\n'
                   '[random]\neffects = ["Intercept", "WCverb"]\n')
    res = run("lint", str(err), "--model", str(ref), "--format", "json")
    assert res.exit_code == 1
    (d,) = json.loads(res.output)
    assert (d["code"], d["severity"], d["line"], d["column"]) == ("MS001", "error", 2, 20)
    assert d["file"] == str(err) and d["fix"] == {"title": "remove the stray term", "replacement": "hw2"}


def test_lint_unreadable_input_exit_2(tmp_path):
    assert run("lint", str(tmp_path / "missing.sas")).exit_code == 2
    bad_model = tmp_path / "bad.toml"
    bad_model.write_text("outcome = \n")
    ok = tmp_path / "ok.R"
    ok.write_text("m = lmer(langpost ~ 1 + x + (1 | g), data = d, REML = TRUE)\n")
    res = run("lint", str(ok), "--model", str(bad_model))
    assert res.exit_code == 2 and "MF001" in res.output
    bad_data = tmp_path / "bad.csv"
    bad_data.write_bytes(b"\x00\x01\x02")
    res = run("lint", str(ok), "--data", str(tmp_path / "nope.csv"))
    assert res.exit_code == 2 and "IO001" in res.output and "no such file" in res.output
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    res = run("lint", str(unknown))
    assert res.exit_code == 2 and "CL001" in res.output and "Traceback" not in res.output


def test_lint_fix_writes_same_package(tmp_path):
    f = tmp_path / "v.do"
    f.write_text("mixed langpost c.mixgrd c.CMverb10 c.WCverb || schoolID: WCverb, dfmethod(satterthwaite)\n")
    res = run("lint", str(f), "--fix")
    # the options are added to the command as written (issue 16: it was re-rendered as a whole)
    assert f.read_text() == ("mixed langpost c.mixgrd c.CMverb10 c.WCverb || schoolID: WCverb, "
                             "dfmethod(satterthwaite) reml covariance(un)\n")
    assert res.exit_code == 0 and res.output.rstrip().endswith("no findings"), res.output
    assert not re.search(r"(warning|error) PT00[12]", res.output)


def test_data_without_the_cluster_or_a_predictor_is_reported(tmp_path):
    f = tmp_path / "m.R"
    f.write_text('m = lmer(data=d, REML=TRUE, formula=langpost ~ 1 + verb10 + (1 | schoolID))\n'
                 'summary(m, ddf="Satterthwaite")\n')
    d = tmp_path / "d.csv"
    d.write_text("school,langpost,verb10\n1,2,3\n1,3,4\n")
    res = run("lint", str(f), "--data", str(d), "--format", "json")
    out = json.loads(res.output)
    assert [(x["code"], x["severity"], x["file"]) for x in out] == [("DA002", "error", str(f))]
    assert "schoolID" in out[0]["message"] and out[0]["fix"]["replacement"] == "school" and res.exit_code == 1
    d.write_text("schoolID,langpost\n1,2\n1,3\n2,5\n")
    out = json.loads(run("lint", str(f), "--data", str(d), "--format", "json").output)
    assert [x["code"] for x in out] == ["DA002"] and "verb10" in out[0]["message"]


def test_select_and_ignore():
    sas = str(ROOT / "reference_outputs" / "lecture" / "syntax" / "4a_sas.sas")
    model = str(ROOT / "examples" / "4a_hybrid_fixed_main_effects.toml")
    all_codes = {d["code"] for d in json.loads(run("lint", sas, "--model", model, "--format", "json").output)}
    assert all_codes == {"MS001", "SY005"}
    res = run("lint", sas, "--model", model, "--format", "json", "--ignore", "sy005")
    assert {d["code"] for d in json.loads(res.output)} == {"MS001"} and res.exit_code == 1
    res = run("lint", sas, "--model", model, "--format", "json", "--select", "SY")
    assert {d["code"] for d in json.loads(res.output)} == {"SY005"} and res.exit_code == 0


def test_library_lint_accepts_a_csv_path(tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).parent))
    from test_roles import simulate_lecture_data
    from mlmgen.dialects.base import ParsedSyntax
    from mlmgen.formula import model_from_formula
    from mlmgen.lint import lint
    csv = tmp_path / "d.csv"
    simulate_lecture_data(seed=3).to_csv(csv, index=False)
    m = model_from_formula("langpost ~ 1 + mixgrd + CMverb10 + verb10 + (1 + verb10 | schoolID)")
    p = ParsedSyntax("lme4", "", "x.R", m, explicit={"method": True, "covariance": True, "ddf": True})
    assert [d.code for d in lint([p], data=csv)] == ["RE001"]
    assert [d.code for d in lint([p], data=str(csv))] == ["RE001"]
    (hint,) = lint([p])             # no data: CMverb10 and verb10 share a stem, a low-confidence naming hint
    assert hint.code == "RE001" and "low confidence" in hint.message and hint.source.startswith("roles from naming")
    m2 = model_from_formula("langpost ~ 1 + z + v + (1 + v | schoolID)")
    p2 = ParsedSyntax("lme4", "", "y.R", m2, explicit={"method": True, "covariance": True, "ddf": True})
    assert lint([p2]) == []         # no data, no model file, no telling names: silent
