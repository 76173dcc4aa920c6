"""One source of truth for severities (issue 9 item 7): `diagnostics.SEVERITIES` gives every code that
`mlmgen rules` lists its severity (and, where findings differ, the other severities with when); the rule
registry, `mlmgen rules` and every printed diagnostic agree with it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.diagnostics import CODES, SEVERITIES, Diagnostic, Severity
from mlmgen.lint import RULES, lint_findings, rule_codes
from mlmgen.translate import parse_text

ROOT = Path(__file__).resolve().parent.parent


def rules_json() -> dict[str, dict]:
    res = CliRunner().invoke(cli, ["rules", "--format", "json"])
    assert res.exit_code == 0, res.output
    return {r["code"]: r for r in json.loads(res.output)}


def test_every_listed_code_has_one_catalogue_entry():
    codes = set(rule_codes())
    assert codes == set(SEVERITIES), codes ^ set(SEVERITIES)
    for code in codes:
        assert code in CODES
        assert RULES[code].severity == next(iter(SEVERITIES[code])), code
        assert all(isinstance(s, Severity) and when for s, when in SEVERITIES[code].items())


def test_rules_command_prints_the_catalogue():
    listed = rules_json()
    for code, entry in listed.items():
        assert entry["severity"] == next(iter(SEVERITIES[code])).value
        assert entry["severities"] == {s.value: w for s, w in SEVERITIES[code].items()}
    text = CliRunner().invoke(cli, ["rules"]).output
    for code in listed:
        line = next(x for x in text.splitlines() if x.startswith(code))
        assert "/".join(s.value for s in SEVERITIES[code]) in line.split()


def test_a_severity_not_in_the_catalogue_becomes_the_codes_severity():
    assert Diagnostic("SY002", "x", Severity.WARNING).severity == Severity.ERROR
    assert Diagnostic("SY001", "x", Severity.WARNING).severity == Severity.WARNING       # listed for SY001
    assert Diagnostic("RE003", "x", Severity.ERROR).severity == Severity.INFO
    assert Diagnostic("DA004", "x", Severity.WARNING).severity == Severity.WARNING       # not a rules code


def _corpus():
    """Every syntax file of the repository: the lecture's snippets and the lint case files' inputs."""
    import tomllib
    for f in sorted((ROOT / "reference_outputs" / "lecture" / "syntax").iterdir()):
        yield f.name, [parse_text(f.read_text(encoding="utf-8"), "auto", str(f))]
    from mlmgen.modelfile import load_model
    from mlmgen.render import render
    for m in sorted((ROOT / "examples").glob("*.toml")):          # rendered with data preparation
        for pkg in ("sas", "lme4", "stata", "spss"):
            yield f"{m.stem}-{pkg}", [parse_text(render(load_model(m), pkg, data_prep=True), pkg, f"{m.stem}.{pkg}")]
    for case_file in sorted((ROOT / "tests" / "lint_cases").glob("*.toml")):
        spec = tomllib.loads(case_file.read_text(encoding="utf-8"))
        for i, case in enumerate(spec.get("cases", [])):
            snippets = [case] if "syntax" in case else case.get("snippets", [])
            parsed = [parse_text(s["syntax"], s["package"], f"case{i}") for s in snippets]
            if parsed:
                yield f"{case_file.stem}-{i}", parsed


def test_code_asks_only_for_catalogued_severities(monkeypatch):
    """Without the normalisation (every severity allowed), the readers and rules ask for catalogued severities
    only."""
    import mlmgen.diagnostics as diagnostics
    declared = {c: set(v) for c, v in SEVERITIES.items()}
    monkeypatch.setattr(diagnostics, "SEVERITIES", {c: dict.fromkeys(Severity, "any") for c in SEVERITIES})
    asked = []
    for name, parsed in _corpus():
        asked += [(name, f.diagnostic) for f in lint_findings(parsed) if f.diagnostic.code in declared]
    odd = [(n, d.code, d.severity.value, d.message[:60]) for n, d in asked if d.severity not in declared[d.code]]
    assert not odd, odd


def test_lint_prints_every_code_with_a_severity_rules_lists():
    listed = rules_json()
    seen: dict[str, set[str]] = {}
    for name, parsed in _corpus():
        for f in lint_findings(parsed):
            d = f.diagnostic
            if d.code in listed:
                assert d.severity.value in listed[d.code]["severities"], (name, d.code, d.severity)
                seen.setdefault(d.code, set()).add(d.severity.value)
    # the corpus exercises the readers' codes and most rules (a check that can fail when a code goes silent)
    assert {"SY001", "SY002", "SY003", "SY004", "SY005", "MS001", "PT001", "PT002", "PT003"} <= set(seen), seen


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_sas_subject_not_in_class_is_printed_as_rules_lists_it(tmp_path, fmt):
    """The issue's case: SY003 was printed as a warning by lint and listed only as an error by `mlmgen rules`.
    The catalogue now lists both (an error where the package refuses the command, a warning for SAS's
    SUBJECT= outside CLASS, which SAS runs), and lint prints the severity listed for that case."""
    f = tmp_path / "m.sas"
    f.write_text("PROC MIXED DATA=d METHOD=REML;\n  MODEL y = x / SOLUTION DDFM=SATTERTHWAITE;\n"
                 "  RANDOM INTERCEPT / SUBJECT=g TYPE=UN;\nRUN;\n")
    res = CliRunner().invoke(cli, ["lint", str(f), "--format", fmt])
    listed = rules_json()["SY003"]["severities"]
    assert "SUBJECT=" in listed["warning"] and "error" in listed
    if fmt == "json":
        sy003 = [d for d in json.loads(res.stdout) if d["code"] == "SY003"]
        assert [d["severity"] for d in sy003] == ["warning"]
    else:
        assert "warning SY003" in res.output and "error SY003" not in res.output
    assert res.exit_code == 0


def test_readme_rule_table_shows_the_catalogue():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in SEVERITIES:
            table[cells[0]] = cells[2]
    assert set(table) == set(SEVERITIES)
    for code, sev in table.items():
        assert sev == "/".join(s.value for s in SEVERITIES[code]), code
