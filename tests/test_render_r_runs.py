"""The rendered R code really runs: all seven lecture models, with mlmgen's data preparation, in real R.

Data: `mlmRev::bdf` with the lecture's raw variable names (tests/rtools.py `BDF_EXAMPLE_R`); the rendered
data-preparation code creates hw2, verb10, CMverb10 and WCverb. Reference: a direct lme4 fit of the same
model written by hand below, on variables computed independently here (tapply + indexing, not ave()).
Fixed effects and their standard errors must agree to 1e-8 (relative), the fixed-effect names must be
identical (the rendered formula lists the terms in R's own order), the lmerTest summary must say it used
Satterthwaite df, and 2b's contest1D estimate must equal CMverb10 - WCverb.

bdf is not the lecture's data set, so the lecture's SAS numbers are not expected here. One Rscript run
covers all seven models.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlmgen.modelfile import load_model, loads_model
from mlmgen.render import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}

RE = "(1 + WCverb | schoolID)"
DIRECT = {   # the lecture's R formulas, corrected (no hw2 in 4a-5b), written by hand
    "2b": f"langpost ~ 1 + hw2 + mixgrd + CMverb10 + WCverb + {RE}",
    "2c": f"langpost ~ 1 + hw2 + mixgrd + CMverb10 + WCverb + hw2:WCverb + mixgrd:WCverb + CMverb10:WCverb + {RE}",
    "4a": f"langpost ~ 1 + mixgrd + CMverb10 + verb10 + {RE}",
    "4d": f"langpost ~ 1 + mixgrd + CMverb10 + verb10 + mixgrd:verb10 + mixgrd:CMverb10 + {RE}",
    "4e": f"langpost ~ 1 + mixgrd + CMverb10 + WCverb + mixgrd:WCverb + mixgrd:CMverb10 + {RE}",
    "5a": (f"langpost ~ 1 + mixgrd + CMverb10 + verb10 + I(CMverb10^2) + mixgrd:verb10 + mixgrd:CMverb10"
           f" + CMverb10:verb10 + {RE}"),
    "5b": (f"langpost ~ 1 + mixgrd + CMverb10 + WCverb + I(CMverb10^2) + mixgrd:WCverb + mixgrd:CMverb10"
           f" + CMverb10:WCverb + {RE}"),
}

HAND_VARIABLES = r'''
D <- Example0
cm <- tapply(D$verbal, D$schoolID, function(v) mean(v, na.rm = TRUE))
D$hw2 <- D$homework - 2
D$verb10 <- D$verbal - 10
D$CMverb10 <- as.numeric(cm[as.character(D$schoolID)]) - 10
D$WCverb <- D$verbal - as.numeric(cm[as.character(D$schoolID)])
'''


def _r_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def build_script(tmp: Path) -> str:  # noqa: C901
    from rtools import BDF_EXAMPLE_R
    parts = [BDF_EXAMPLE_R, "Example0 <- Example\n", "suppressMessages(library(lmerTest))\n",
             "out <- function(tag, ex, fe, se) for (i in seq_along(fe)) cat(sprintf('%s %s %s %.17g %.17g\\n', "
             "tag, ex, names(fe)[i], fe[i], se[i]))\n"]
    for ex, path in EXAMPLES.items():
        code = render(load_model(path), "lme4", data_prep=True)
        f = tmp / f"{ex}.R"
        f.write_text(code, encoding="utf-8")
        parts.append(f'''
cat("@@BEGIN {ex}\\n")
Example <- Example0
source({_r_string(f.as_posix())}, echo = FALSE, print.eval = TRUE)
cat("@@END {ex}\\n")
out("RENDERED", "{ex}", lme4::fixef(name), sqrt(diag(as.matrix(vcov(name)))))
{HAND_VARIABLES}
direct <- lme4::lmer({DIRECT[ex]}, data = D, REML = TRUE)
out("DIRECT", "{ex}", lme4::fixef(direct), sqrt(diag(as.matrix(vcov(direct)))))
''')
    # contrasts on terms R reorders: L=c(...) must follow fixef() order
    m = loads_model(EXAMPLES["5b"].read_text(encoding="utf-8") + CONTRAST_CHECK)
    code = render(m, "lme4", data_prep=True)
    calls = [ln.split(" # ")[0] for ln in code.splitlines() if ln.startswith(("contest1D(", "contestMD("))]
    f = tmp / "5b_contrasts.R"
    f.write_text(code, encoding="utf-8")
    parts.append(f"""
Example <- Example0
invisible(capture.output(source({_r_string(f.as_posix())}, echo = FALSE, print.eval = TRUE)))
fe <- lme4::fixef(name)
r1 <- {calls[0]}
cat(sprintf("CONTRAST1 %.17g %.17g\\n", r1$Estimate, fe[["I(CMverb10^2)"]] + 2 * fe[["mixgrd:WCverb"]] - fe[["(Intercept)"]]))
r2 <- {calls[1]}
L <- rbind(replace(numeric(length(fe)), match(c("CMverb10:WCverb"), names(fe)), 1),
           replace(numeric(length(fe)), match(c("I(CMverb10^2)", "WCverb"), names(fe)), c(1, -1)))
ref2 <- lmerTest::contestMD(name, L = L, ddf = "Satterthwaite")
cat(sprintf("CONTRAST2 %.17g %.17g\\n", r2[["F value"]], ref2[["F value"]]))
""")
    return "".join(parts)


CONTRAST_CHECK = '''
[[contrasts]]
label = "quad + 2 mixgrd:WCverb - intercept"
coefficients = { "CMverb10*CMverb10" = 1, "mixgrd:WCverb" = 2, Intercept = -1 }

[[contrasts]]
label = "joint"
rows = [{ "WCverb:CMverb10" = 1 }, { "CMverb10^2" = 1, WCverb = -1 }]
'''


@pytest.fixture(scope="module")
def r_output(tmp_path_factory):
    from rtools import require_r, run_r
    require_r()
    return run_r(build_script(tmp_path_factory.mktemp("rendered_r")), timeout=600)


def _values(output: str, tag: str, ex: str) -> dict[str, tuple[float, float]]:
    rows = [ln.split() for ln in output.splitlines() if ln.startswith(f"{tag} {ex} ")]
    return {r[2]: (float(r[3]), float(r[4])) for r in rows}


def _printed(output: str, ex: str) -> str:
    return output.split(f"@@BEGIN {ex}\n", 1)[1].split(f"@@END {ex}\n", 1)[0]


@pytest.mark.r
@pytest.mark.parametrize("ex", list(DIRECT))
def test_rendered_r_matches_direct_lme4_fit(r_output, ex):
    got, ref = _values(r_output, "RENDERED", ex), _values(r_output, "DIRECT", ex)
    assert list(got) == list(ref) and len(got) >= 4
    for name, (est, se) in ref.items():
        assert got[name][0] == pytest.approx(est, rel=1e-8, abs=1e-10), name
        assert got[name][1] == pytest.approx(se, rel=1e-8), name
    printed = _printed(r_output, ex)
    assert "Linear mixed model fit by REML. t-tests use Satterthwaite's method" in printed
    assert "Number of obs:" in printed


@pytest.mark.r
def test_2b_contrast_is_cmverb10_minus_wcverb(r_output):
    fe = _values(r_output, "RENDERED", "2b")
    printed = _printed(r_output, "2b")
    m = re.search(r"Estimate\s+Std\. Error\s+df\s+t value\s+Pr\(>\|t\|\)\s*\n\s*1\s+(-?[\d.]+(?:e-?\d+)?)", printed)
    assert m, printed[-800:]
    assert float(m.group(1)) == pytest.approx(fe["CMverb10"][0] - fe["WCverb"][0], rel=1e-4)


@pytest.mark.r
def test_contrast_vectors_follow_fixef_order(r_output):
    """contest1D/contestMD on terms R reorders (I(CMverb10^2) before the interactions) test what was asked."""
    c1 = [ln.split() for ln in r_output.splitlines() if ln.startswith("CONTRAST1 ")][0]
    assert float(c1[1]) == pytest.approx(float(c1[2]), rel=1e-10)
    c2 = [ln.split() for ln in r_output.splitlines() if ln.startswith("CONTRAST2 ")][0]
    assert float(c2[1]) == pytest.approx(float(c2[2]), rel=1e-8)
