"""What `mlmgen fit` imports, and what production code may import (issues 10 and 11).

* `mlmgen fit` imports neither scipy (p-values from mlmgen.distributions, mlmgen's own optimiser) nor the
  modules of the other subcommands: checked on sys.modules of a fresh interpreter after the command ran, not
  by timing.
* No production module imports a test module: the dense oracle is tests/dense_oracle.py.
* The printers' extras are computed on first access: `mlmgen.fit` leaves them pending, and the printed output
  is the same as when they are forced first.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


PROBE = """
import sys
from mlmgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit as e:
    code = e.code
print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def imported_modules(args: list[str]) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True)
    line = [ln for ln in out.stderr.splitlines() if ln.startswith("MODULES ")]
    assert line, out.stderr[-2000:]
    return set(line[-1].split()[1:])


def test_mlmgen_fit_imports_no_scipy_and_no_other_subcommand():
    mods = imported_modules(["fit", "examples/2b_cluster_mc_random_slope.toml", "--data", "examples/demo_data.csv"])
    assert "mlmgen.engine.core" in mods and "mlmgen.commands.fit" in mods     # the listing works
    assert not [m for m in mods if m == "scipy" or m.startswith("scipy.")]
    others = {"mlmgen.commands." + c for c in ("render", "parse", "translate", "same", "lint", "rules", "diff", "demo")}
    assert not others & mods, others & mods


def imported_names(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a module, at the top or inside functions; `package` is
    the module's package (for relative imports). `from x import y` gives both `x` and `x.y`."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                src = ".".join(base + ([node.module] if node.module else []))
            else:
                src = node.module or ""
            out += [(node.lineno, src)] + [(node.lineno, f"{src}.{a.name}") for a in node.names]
    return out


def test_modules_that_only_tests_use_live_under_tests():
    """The dense oracle (tests/dense_oracle.py) and every other test helper live in tests/, and no production
    module imports one (by its name on the test path, or as `tests.<name>`), at the top or inside a function."""
    test_modules = {p.stem for p in (ROOT / "tests").glob("*.py")} | {"tests"}
    assert "dense_oracle" in test_modules and not (ROOT / "mlmgen" / "engine" / "dense.py").exists()
    offenders = []
    for path in sorted((ROOT / "mlmgen").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
        for line, name in imported_names(path, package):
            if name.split(".")[0] in test_modules:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not offenders, offenders


def test_the_import_scan_sees_function_level_and_relative_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    import dense_oracle\n    from . import core\n")
    assert ("mlmgen.engine.core" in [n for _, n in imported_names(f, "mlmgen.engine")]
            and (2, "dense_oracle") in imported_names(f, "mlmgen.engine"))


def test_printer_extras_are_computed_on_first_access():
    import mlmgen
    from mlmgen.api import LazyExtras
    f = mlmgen.fit(str(ROOT / "examples/2b_cluster_mc_random_slope.toml"), str(ROOT / "examples/demo_data.csv"))
    ex = f.result.extra
    assert isinstance(ex, LazyExtras) and "scaled_residuals" in ex._pending
    lazy_text = f.summary("lme4") + f.summary("stata")
    assert "scaled_residuals" not in ex._pending and "stata_eim" not in ex._pending
    g = mlmgen.fit(str(ROOT / "examples/2b_cluster_mc_random_slope.toml"), str(ROOT / "examples/demo_data.csv"))
    dict(g.result.extra.items())                                  # everything forced before printing
    assert g.summary("lme4") + g.summary("stata") == lazy_text
    q = ex["scaled_residuals"]
    assert len(q) == 5 and q[0] < q[2] < q[4] and abs(q[2]) < 0.5  # the median scaled residual is near 0
