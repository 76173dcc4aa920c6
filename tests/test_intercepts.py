"""The intercept's spellings come from one source, the packages' declarations (mlmgen/intercepts.py)."""
from __future__ import annotations

import ast
from pathlib import Path

from mlmgen import intercepts
from mlmgen.dialects import DIALECTS
from mlmgen.mapping import canonical_term, effect_name
from mlmgen.results import canonical_param

ROOT = Path(__file__).resolve().parent.parent / "mlmgen"

# modules another change is reshaping (issue 11 item 1, the model core): they still carry their own copy
NOT_YET: set[str] = set()


def test_the_spellings_are_the_packages_declarations():
    declared = {d.printed_intercept.lower() for d in DIALECTS.values()} | {"intercept"}
    assert intercepts.intercept_spellings(printed_only=True) == declared
    syntax = {s.lower() for d in DIALECTS.values() for s in d.intercept_spellings}
    assert intercepts.intercept_spellings() == declared | syntax
    assert {"(intercept)", "_cons", "intercept"} <= declared and "int" in syntax


def test_shared_readers_use_them():
    for name in ("_cons", "(Intercept)", "INTERCEPT", " Int "):
        assert canonical_term(name) == "Intercept" and effect_name(name) == "Intercept"
        assert canonical_param(f"cov(x,{name})") == "cov(Intercept,x)"
    assert not intercepts.is_printed_intercept("int") and intercepts.is_intercept("int")
    assert canonical_term("constant") == "constant"       # no package names its intercept so


def test_a_package_added_to_the_registry_counts(monkeypatch):
    class Toy(type(DIALECTS["sas"])):
        printed_intercept = "_const"
        intercept_spellings = ("ONE",)
    monkeypatch.setitem(DIALECTS, "toy", Toy())
    assert intercepts.is_printed_intercept("_CONST") and intercepts.is_intercept("one")
    assert effect_name("_const") == "Intercept"


def test_no_other_shared_module_spells_the_intercept():
    """Outside the dialects, the package printers and NOT_YET, no string constant is a package's intercept
    spelling other than mlmgen's own `Intercept` (a tuple such as ("intercept", "_cons") is a copy)."""
    spellings = intercepts.intercept_spellings() - {"intercept"}
    found = []
    for p in sorted(ROOT.rglob("*.py")):
        rel = p.relative_to(ROOT)
        if rel.parts[0] == "dialects" and len(rel.parts) > 2 or rel.as_posix() in NOT_YET:
            continue
        if rel.parts[0] == "report" and p.stem in DIALECTS:
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip().lower() in spellings:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
    assert not found, found
