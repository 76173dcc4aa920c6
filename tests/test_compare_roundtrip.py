"""mlmgen's own package-style printouts (`Fit.summary(style)`) read back by the output readers and diffed
against the fit they print: every number agrees to its printed digit, except the conventions those printers
reproduce on purpose (Stata's expected-information df, SPSS's two-sided Wald p). This checks readers and
printers against each other; it is NOT evidence that the readers understand real output (see the
test_output_*.py files for that)."""
from pathlib import Path

import pytest

import mlmgen
from mlmgen.compare import compare
from mlmgen.outputs import guess_output_package, read_output

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("[245]*.toml"))
ALLOWED = {"stata": ("observed vs expected information",), "spss": ("two-sided Wald p",)}


@pytest.fixture(scope="module")
def fits():
    from rtools import r_dataset_csv, require_r
    require_r()
    from mlmgen.api import fit
    csv = str(r_dataset_csv("bdf_example"))
    return {p.stem: fit(mlmgen.load_model(p), csv) for p in EXAMPLES}


@pytest.mark.r
@pytest.mark.parametrize("style", ["sas", "lme4", "stata", "spss"])
def test_printed_styles_read_back(fits, style):
    for key, f in fits.items():
        text = f.summary(style)
        assert guess_output_package(text) == style, key
        out = read_output(text, f"{key}.{style}")
        ref = f.result
        ref.source = "mlmgen"
        cmp = compare(ref, out)
        assert cmp.counts()["DF003"] >= 3 * len(f.model.fixed_names), key
        for r in cmp.rows:
            ok = r.code == "DF003" or (r.code == "DF002" and any(a in r.reason for a in ALLOWED.get(style, ())))
            assert ok, (key, style, r.section, r.parameter, r.statistic, r.code, r.reason)
