"""Lint rule cases: one file per rule code in tests/lint_cases/<CODE>.toml, each case expanded into a test.

A case gives the input, and `findings`, the number of findings of the file's code it must produce (0 for a
passing case), or `min_findings` (at least that many; for the readers' SY codes, whose exact count is theirs). Inputs (one of):
    package + syntax        one snippet in a package's syntax
    snippets = [{package, syntax}, ...]   several snippets linted together
    formula                 an lme4 formula (everything else written explicitly: REML, Satterthwaite)
    model                   a TOML model file, linted as a file
Optional: `reference` (TOML text of the reference model, as --model), `roles` ({name = "L2" | "L1-both" |
"L1-within" | "mean(x)" | "within(x)"}: roles declared for the case), `data = "lecture"` (roles computed from
simulated data with the lecture's variables), `csv` (the data as CSV text, read as `--data` reads a file) with
optional `value_labels` ({column = {"1" = "label", ...}}: as a labelled .dta/.sav file gives them) and
`text_columns` (columns kept as text), `severity` and `fix` (the severity and fix replacement of the first finding), `message` (a substring of the first
finding's message), `as_package` with `model` (the model file's model as if a package's reader had read it:
for rules whose package facts matter, before that reader reads the construct), `xfail` (the reason: an
end-to-end case that needs a reader not yet merged; expected to fail, not strictly).

Every failing case whose finding carries a mechanical fix is also checked the other way: the corrected model
(rendered in the same package and parsed back, or applied directly) no longer has the finding; a fix written
into the text of a program no model was read from (`RawTextFix`, SAS REPEATED without its effect) is checked by
what `lint --fix` writes.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mlmgen.dialects import get_dialect
from mlmgen.dialects.base import ParsedSyntax
from mlmgen.formula import model_from_formula
from mlmgen.lint import build_roles, lint_findings, parsed_from_model
from mlmgen.lint.apply import plan_fixes
from mlmgen.lint.fixes import RawTextFix, apply_edits
from mlmgen.lint.textedits import apply_edits_to_text
from mlmgen.lint.roles import roles_declared
from mlmgen.modelfile import loads_model

CASES_DIR = Path(__file__).parent / "lint_cases"
EXT = {"sas": "sas", "lme4": "R", "stata": "do", "spss": "sps"}


def load_case_files() -> dict[str, dict]:
    return {p.stem: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(CASES_DIR.glob("*.toml"))}


def _cases():
    for code, spec in load_case_files().items():
        for i, case in enumerate(spec.get("cases", [])):
            marks = [pytest.mark.xfail(strict=False, reason=case["xfail"])] if case.get("xfail") else []
            yield pytest.param(code, case, id=f"{code}-{i}-{case.get('name', '')[:50]}", marks=marks)


def _parse(package: str, text: str, name: str) -> ParsedSyntax:
    """Every package has a reader: one that fails to import is a failure, not a skip."""
    return get_dialect(package).parse_syntax(text, f"{name}.{EXT[package]}")


def build_inputs(case: dict) -> tuple[list[ParsedSyntax], object, object]:
    if "syntax" in case:
        parsed = [_parse(case["package"], case["syntax"], "case")]
    elif "snippets" in case:
        parsed = [_parse(s["package"], s["syntax"], f"case{i}") for i, s in enumerate(case["snippets"])]
    elif "formula" in case:
        m = model_from_formula(case["formula"], data="Example", name="m")
        parsed = [ParsedSyntax("lme4", case["formula"], "case.R", m,
                               explicit={"method": True, "covariance": True, "ddf": True}, data="Example")]
    elif "model" in case and "as_package" in case:
        pkg = case["as_package"]
        m = loads_model(case["model"], "case.toml")
        parsed = [ParsedSyntax(pkg, case.get("program", ""), f"case.{EXT[pkg]}", m,
                               explicit={"method": True, "covariance": True, "ddf": True}, data=m.data)]
    elif "model" in case:
        parsed = [parsed_from_model(loads_model(case["model"], "case.toml"), "case.toml", case["model"])]
    else:
        raise AssertionError(f"case {case.get('name')!r} has no input")
    reference = loads_model(case["reference"], "reference.toml") if "reference" in case else None
    data = None
    if case.get("data") == "lecture":
        from test_roles import simulate_lecture_data
        data = simulate_lecture_data(seed=7)
    elif "csv" in case:
        data = csv_data(case["csv"], case.get("value_labels"), case.get("text_columns", ()))
    return parsed, reference, data


def csv_data(text: str, value_labels: dict | None = None, text_columns=()):
    """The case's CSV text as `lint --data` reads a file, with value labels attached as a labelled package
    file's reader attaches them; `text_columns` stay text even when they hold numbers (a package file's
    character variable: '1', '2', '10')."""
    import io

    import pandas as pd

    from mlmgen.datafiles import DataInfo
    frame = pd.read_csv(io.StringIO(text.strip() + "\n"), dtype={c: str for c in text_columns})
    if value_labels:
        info = DataInfo(value_labels={col: {float(k): v for k, v in labs.items()}
                                      for col, labs in value_labels.items()})
        frame.attrs["mlmgen"] = info
    return frame


def run_case(case: dict):
    parsed, reference, data = build_inputs(case)
    roles = None
    if "roles" in case:
        cluster = next((p.model.cluster for p in parsed if p.model), None)
        roles = roles_declared(case["roles"], cluster)
        if data is not None:
            roles = build_roles(parsed, data, reference).merged_with(roles)
    findings = lint_findings(parsed, data, reference, "reference.toml" if reference else None, roles)
    return parsed, reference, data, roles, findings


@pytest.mark.parametrize("code,case", list(_cases()))
def test_lint_case(code, case):
    parsed, reference, data, roles, findings = run_case(case)
    mine = [f for f in findings if f.diagnostic.code == code]
    shown = "\n".join(f.diagnostic.format() for f in findings)
    if "min_findings" in case:       # for reader codes whose exact count is the reader's business
        assert len(mine) >= case["min_findings"], f"{case['name']}: expected >= {case['min_findings']} x {code}:\n{shown}"
    else:
        assert len(mine) == case["findings"], f"{case['name']}: expected {case['findings']} x {code}, got:\n{shown}"
    if not mine:
        return
    first = mine[0].diagnostic
    if "severity" in case:
        assert first.severity.value == case["severity"], shown
    if "fix" in case:
        assert first.fix is not None and first.fix.replacement == case["fix"], shown
    if "message" in case:
        assert case["message"] in first.message, shown
    assert first.location.file, "every finding names its file"
    # mechanical fixes remove the finding
    edits: dict[int, list] = {}
    for f in findings:
        if f.edit is not None and f.snippet is not None:
            edits.setdefault(f.snippet, []).append(f.edit)
    if not any(f.edit is not None for f in mine):
        return
    if all(isinstance(f.edit, RawTextFix) for f in mine if f.edit is not None):
        # a fix written into the text of a program no model was read from: only the text check applies
        if "syntax" in case and any(f.diagnostic.severity.value != "info" for f in mine if f.edit is not None):
            check_text_fix(code, parsed, findings, data, reference, roles)
        return
    fixed = []
    for i, p in enumerate(parsed):
        if i in edits and p.model is not None:
            m = apply_edits(p.model, edits[i])
            p = ParsedSyntax(p.dialect, p.text, p.file, m, [], p.locations, {k: True for k in p.explicit}, m.data)
        fixed.append(p)
    again = lint_findings(fixed, data, reference, "reference.toml" if reference else None, roles)
    left = [f.diagnostic.format() for f in again if f.diagnostic.code == code]
    assert not left, "\n".join(left)
    if ("syntax" in case or "model" in case) and any(f.diagnostic.severity.value != "info" for f in mine
                                                     if f.edit is not None):
        check_text_fix(code, parsed, findings, data, reference, roles)


def check_text_fix(code, parsed, findings, data, reference, roles):
    """What `lint --fix` writes (span edits of the case's text, `mlmgen.lint.apply.plan_fixes`) reads back
    without the finding (cases written as a file: syntax or a model file; formulas have no text to edit)."""
    plans, refusals = plan_fixes(parsed, findings)
    assert not refusals, [d.message for d in refusals]
    fixed = []
    for p in parsed:
        if p.file in plans:
            text = apply_edits_to_text(p.text, plans[p.file][0])
            p = (parsed_from_model(loads_model(text, p.file), p.file, text) if p.dialect == "model"
                 else get_dialect(p.dialect).parse_syntax(text, p.file))
        fixed.append(p)
    again = lint_findings(fixed, data, reference, "reference.toml" if reference else None, roles)
    left = [f.diagnostic.format() for f in again if f.diagnostic.code == code and f.diagnostic.severity.value != "info"]
    assert not left, "\n".join(left) + "\n" + "\n".join(p.text for p in fixed)


def test_every_case_file_names_its_code():
    for code, spec in load_case_files().items():
        assert spec.get("code") == code, f"{code}.toml says code = {spec.get('code')!r}"
