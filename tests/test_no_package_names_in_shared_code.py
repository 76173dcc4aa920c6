"""No shared module names a package: each package's facts live in `mlmgen/dialects/<pkg>/` and shared code
reads them through the registry (`mlmgen/dialects/__init__.py`, the one place that lists the packages).

A shared module is any module outside `mlmgen/dialects/<pkg>/`, the registry and the per-package printers
`mlmgen/report/<pkg>.py`. The test reads every shared module's AST and fails on a string constant (outside
docstrings; f-string pieces included) equal, ignoring case, to a package's name or alias (`"sas"`, `"r"`,
`"lmertest"`, ...): that is how a package-specific branch (`if dialect == "stata"`), a table keyed by package
(`{"sas": ...}`) or a package-specific spelling starts.

ALLOWED: a constant that is not a package. PENDING (empty): modules whose package facts had not yet been moved
into the dialects, with how many such constants each held; the test fails when a module gains one.
"""
from __future__ import annotations

import ast
from pathlib import Path

from mlmgen.dialects import DIALECTS

ROOT = Path(__file__).resolve().parent.parent / "mlmgen"

# (module, constant): why it is not a package name
ALLOWED = {
    ("report/common.py", "r"): "column alignment letters ('l' left, 'r' right) in the table printer",
    ("equations/notation.py", "r"): "the level-1 residual r_ij of Raudenbush & Bryk's notation",
    ("equations/notation.py", "R"): "the residual covariance matrix R of V = ZGZ' + R",
    ("equations/multilevel.py", "r"): "the level-2 random effect r_0jk of Raudenbush & Bryk's three-level notation",
    ("equations/rside.py", "R"): "the residual covariance matrix R (R_i, R_jj') of a residual structure",
}

# module: constants still naming a package, with how many (the count may only go down). Empty since issue 11
# item 1 moved the last ones (diff's conventions, data-file formats, engine variants, printers) into the dialects;
# keep it empty: a new package fact goes into mlmgen/dialects/<pkg>/ from the start.
PENDING: dict[str, int] = {}


def package_words() -> set[str]:
    return {w.lower() for d in DIALECTS.values() for w in (d.name, *d.aliases)}


def shared_modules() -> list[Path]:
    out = []
    for p in sorted(ROOT.rglob("*.py")):
        rel = p.relative_to(ROOT).parts
        if rel[0] == "dialects" and (len(rel) > 2 or rel[1] == "__init__.py"):
            continue          # a package's own subpackage, and the registry
        if rel[0] == "report" and p.stem in DIALECTS:
            continue          # report/<pkg>.py: that package's printer
        out.append(p)
    return out


def package_constants(path: Path, words: set[str]) -> list[tuple[int, str]]:
    """(line, constant) for every non-docstring string constant equal (ignoring case) to a package word."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
            and n.value.strip().lower() in words]


def test_shared_modules_name_no_package():
    words = package_words()
    problems = []
    for p in shared_modules():
        rel = p.relative_to(ROOT).as_posix()
        hits = [(line, c) for line, c in package_constants(p, words) if (rel, c) not in ALLOWED]
        if rel in PENDING:
            if len(hits) > PENDING[rel]:
                problems.append(f"{rel}: {len(hits)} package names (was {PENDING[rel]}; move the new ones into "
                                f"the dialects' facts): " + ", ".join(f"line {ln} {c!r}" for ln, c in hits))
            continue
        problems += [f"{rel} line {ln}: {c!r} names a package; put the fact in mlmgen/dialects/<pkg>/ and read "
                     f"it through DIALECTS" for ln, c in hits]
    assert not problems, "\n".join(problems)


def test_pending_counts_are_not_stale():
    """A module in PENDING that has fewer package names than listed must have its count lowered (or be
    removed): the list only shrinks."""
    words = package_words()
    stale = []
    for rel, n in PENDING.items():
        p = ROOT / rel
        hits = [h for h in package_constants(p, words) if (rel, h[1]) not in ALLOWED] if p.exists() else []
        if len(hits) < n:
            stale.append(f"{rel}: {len(hits)} now, {n} listed")
    assert not stale, "lower these PENDING counts: " + "; ".join(stale)


def test_the_scan_finds_a_branch(tmp_path):
    f = tmp_path / "m.py"
    f.write_text('"""Doc naming sas is fine."""\ndef f(d):\n    if d == "stata":\n        return {"SAS": 1}\n'
                 '    return f"{d}" == "R"\n')
    assert sorted(c for _, c in package_constants(f, package_words())) == ["R", "SAS", "stata"]
