"""What `mlmgen fit` imports, and what production code may import (issues 10 and 11).

* `mlmgen fit` imports neither scipy (p-values from mlmgen.distributions, mlmgen's own optimiser) nor the
  modules of the other subcommands: checked on sys.modules of a fresh interpreter after the command ran, not
  by timing.
* No production module imports the dense test oracle (mlmgen/engine/dense.py).
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


def test_production_code_does_not_import_the_dense_oracle():
    offenders = []
    for path in (ROOT / "mlmgen").rglob("*.py"):
        if path.name == "dense.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = (node.module or "")
                if mod.endswith("dense") or (mod.endswith("engine") and any(a.name == "dense" for a in node.names)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Import):
                if any(a.name.endswith("engine.dense") for a in node.names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


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
