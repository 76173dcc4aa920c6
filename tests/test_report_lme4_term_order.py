"""The lme4 printer lists fixed effects in the order R prints them (mlmgen/dialects/lme4/terms.py).

R's terms() sorts a formula's terms by degree (`I(x^2)` is one variable, so it comes before the interactions)
and names an interaction's columns by the order its variables first appear in the formula. The rendered R
program writes the model's terms sorted by degree; the printer prints what R prints for that formula, while
the Model and FitResult keep the model file's order (contrasts, the other printers).

Offline: the rule on formulas whose columns were read from R 4.2 here (`colnames(model.matrix(fo, d))`), and the
printer on a fit of a 5a-like model. With R (`-m r`): the rendered R programs of lecture models 5a and 5b run on
mlmRev::bdf, and mlmgen's printed fixed-effects rows (and correlation rows) come in R's order with R's names.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from mlmgen.dialects.lme4.terms import degree_order, r_columns
from mlmgen.modelfile import load_model
from mlmgen.render import render
from mlmgen.report import rfmt

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}


def _terms(text: str) -> list[tuple[str, ...]]:
    """`a + a:b + I(a^2)` -> [("a",), ("a", "b"), ("a", "a")]."""
    out = []
    for t in text.split("+"):
        fs: list[str] = []
        for f in t.strip().split(":"):
            if f.startswith("I("):
                v, k = f[2:-1].split("^")
                fs += [v] * int(k)
            else:
                fs.append(f)
        out.append(tuple(fs))
    return out


def _r_names(text: str) -> list[str]:
    return [name for _, name in r_columns(_terms(text))]


# written formula (fixed part) -> colnames(model.matrix()) without (Intercept), as R 4.2 printed them here
R_MEASURED = {
    "a + a:b + b + I(a^2)": ["a", "b", "I(a^2)", "a:b"],
    "b:a + a + b": ["a", "b", "b:a"],
    "a:b + b + a": ["b", "a", "a:b"],
    "I(a^2):b + a:b + c + a:b:c + I(a^2)": ["c", "I(a^2)", "I(a^2):b", "b:a", "b:a:c"],
    "a + b:a + I(b^2) + b": ["a", "I(b^2)", "b", "a:b"],
    "a + a:b + I(a^2):b + b": ["a", "b", "a:b", "b:I(a^2)"],
}


def test_main_effects_and_squares_come_before_interactions():
    assert _r_names("x + x:z + z + I(x^2)") == ["x", "z", "I(x^2)", "x:z"]


@pytest.mark.parametrize("formula", list(R_MEASURED))
def test_rule_reproduces_rs_columns(formula):
    assert _r_names(formula) == R_MEASURED[formula]


def test_a_term_written_twice_is_one_column():
    assert _r_names("a:b + a + b:a") == ["a", "a:b"]


def test_degree_order_is_stable_within_a_degree():
    assert degree_order(_terms("c:d + x + a:b + I(x^2) + a:b:c + z")) == [1, 3, 5, 0, 2, 4]


def test_rendered_formula_lists_terms_in_rs_order():
    code = render(load_model(EXAMPLES["5a"]), "lme4")
    assert "+I(CMverb10^2)+mixgrd:verb10+" in code.replace(" ", "")


def _fixed_names(text: str) -> list[str]:
    """Row names of the Fixed effects table (up to the blank line that ends it)."""
    block = text.split("Fixed effects:\n", 1)[1].split("\n\n", 1)[0].split("\n")
    return [ln.split()[0] for ln in block[1:] if ln and not ln.startswith(("---", "Signif", "#"))]


def _corr_names(text: str) -> list[str]:
    if "Correlation of Fixed Effects:" not in text:
        return []
    block = text.split("Correlation of Fixed Effects:\n", 1)[1].split("\n\n", 1)[0].split("\n")
    return [ln.split()[0] for ln in block[1:] if ln.strip() and not ln.startswith(("optimizer", "boundary",
                                                                                   "Model failed"))]


def _sim_5a():
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(30), 12)
    verbal = rng.normal(10, 2, g.size) + rng.normal(0, 1, 30)[g]
    mix = (rng.random(30) < 0.4).astype(float)[g]
    y = 40 + 2 * verbal + mix + rng.normal(0, 2, 30)[g] + rng.normal(0, 4, g.size)
    return pd.DataFrame({"schoolID": g, "langpost": y, "verbal": verbal, "mixgrd": mix})


def test_printer_prints_rs_order_and_keeps_the_fits_order():
    from mlmgen.api import fit
    model = load_model(EXAMPLES["5a"])
    f = fit(model, _sim_5a())
    terms = [fe.term for fe in f.result.fixed]
    assert terms.index("CMverb10:CMverb10") > terms.index("mixgrd:verb10")      # the model file's order kept
    text = f.summary("lme4")
    expected = ["(Intercept)", "mixgrd", "CMverb10", "verb10", "I(CMverb10^2)", "mixgrd:verb10",
                "mixgrd:CMverb10", "CMverb10:verb10"]
    assert _fixed_names(text) == expected
    assert _corr_names(text) == [rfmt.abbreviate(n, 11) for n in expected[1:]]
    # the estimate printed on the I(CMverb10^2) row is the square's
    row = [ln for ln in text.splitlines() if ln.startswith("I(CMverb10^2)")][0]
    sq = f.result.fixed[terms.index("CMverb10:CMverb10")].estimate.value
    assert abs(float(row.split()[1]) - sq) <= 1e-3 * max(1.0, abs(sq))


def _r_summaries(tmp: Path) -> str:
    from rtools import BDF_EXAMPLE_R, run_r
    parts = [BDF_EXAMPLE_R, "Example0 <- Example\nsuppressMessages(library(lmerTest))\n"]
    for ex in ("5a", "5b"):
        f = tmp / f"{ex}.R"
        f.write_text(render(load_model(EXAMPLES[ex]), "lme4", data_prep=True), encoding="utf-8")
        parts.append(f'cat("@@BEGIN {ex}\\n")\nExample <- Example0\n'
                     f'source("{f.as_posix()}", echo = FALSE, print.eval = TRUE)\ncat("@@END {ex}\\n")\n'
                     f'write.csv(Example0, "{(tmp / "bdf.csv").as_posix()}", row.names = FALSE)\n')
    return run_r("".join(parts), timeout=600)


@pytest.fixture(scope="module")
def r_printed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("termorder")
    out = _r_summaries(tmp)
    return {ex: out.split(f"@@BEGIN {ex}\n", 1)[1].split(f"@@END {ex}\n", 1)[0] for ex in ("5a", "5b")}, tmp


@pytest.mark.r
@pytest.mark.parametrize("ex", ["5a", "5b"])
def test_printed_rows_in_rs_order_for_the_rendered_program(r_printed, ex):
    from mlmgen.api import fit
    printed, tmp = r_printed
    ours = fit(load_model(EXAMPLES[ex]), str(tmp / "bdf.csv")).summary("lme4")
    r_rows = _fixed_names(printed[ex])
    assert len(r_rows) == 8 and r_rows.index("I(CMverb10^2)") < r_rows.index("mixgrd:CMverb10")
    assert _fixed_names(ours) == r_rows
    assert _corr_names(ours) == _corr_names(printed[ex])
    # the Formula line is the rendered formula, as R printed it
    r_formula = printed[ex].split("Formula:", 1)[1].split("\n   Data:", 1)[0]
    o_formula = ours.split("Formula:", 1)[1].split("\n   Data:", 1)[0]
    assert o_formula.splitlines() == r_formula.splitlines()
