"""The handout's R panel is what R prints: each lecture model's rendered R program (import line onward) run
for real by Rscript on the demo data, its printed `summary()` compared line by line with the handout's lme4
panel (mlmgen's lme4 printer of its lme4 default-optimizer emulation).

Compared: from "REML criterion at convergence" to the end of "Correlation of Fixed Effects" (the header lines
before it wrap the formula at a width R decides, and the contest1D label is a comment R does not echo), each
line with trailing blanks removed, and the contest1D result row. Measured on the demo data: every line of
six models identical; in 5a two df differ by one unit in the last printed digit (57.31768 vs 57.31767,
82.20965 vs 82.20964), allowed here.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlmgen.handout import build
from mlmgen.modelfile import load_model
from mlmgen.render import render

ROOT = Path(__file__).resolve().parent.parent
EX = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}


def _block(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("REML criterion at convergence"))
    corr = next(i for i, ln in enumerate(lines) if ln.startswith("Correlation of Fixed Effects"))
    end = next((i for i in range(corr + 1, len(lines)) if not lines[i].strip() or lines[i].startswith(("#", "  "))),
               len(lines))
    return lines[start:end]


def _last_digit_apart(a: str, b: str) -> bool:
    """Same line but for numbers one unit apart in their last printed digit (the emulated stop and lme4's agree
    to about 1e-7 relative; a df printed with 7 significant digits can land on either side of a rounding)."""
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb) or len(a) != len(b):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        decimals = len(x.split(".")[1]) if "." in x else 0
        if "." not in y or len(y.split(".")[1]) != decimals or abs(fx - fy) > 1.5 * 10 ** -decimals:
            return False
    return True


@pytest.mark.r
@pytest.mark.parametrize("ex", list(EX))
def test_r_panel_is_what_r_prints(ex, tmp_path):
    pytest.importorskip("nlopt", reason="the lme4 panel is the lme4 emulation, which needs nlopt")
    from rtools import run_r
    data = tmp_path / "demo_data.csv"
    shutil.copy(ROOT / "examples" / "demo_data.csv", data)
    model = load_model(EX[ex])
    program = tmp_path / f"{ex}.R"
    program.write_text(render(model, "lme4", data_prep=True, import_file=str(data)), encoding="utf-8")
    printed = run_r(f"source('{program.as_posix()}', echo = FALSE, print.eval = TRUE)\n")
    panel = build([(model, str(EX[ex]))], str(data), with_plots=False).sections[0].outputs["lme4"].text
    r_lines, ours = _block(printed), _block(panel)
    assert len(r_lines) == len(ours)
    for a, b in zip(r_lines, ours):
        assert a == b or _last_digit_apart(a, b), (a, b)
    if model.contrasts:
        row = [ln.rstrip() for ln in printed.splitlines() if ln.startswith("1 ")]
        assert row and row[-1] in [ln.rstrip() for ln in panel.splitlines()]
