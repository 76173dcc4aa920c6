"""ST004 against real lme4: a random slope of class size over classes (size constant within every class) is
flagged with the data, and lme4 cannot fit it cleanly (it fails to converge or goes singular), while the same
data with the slope removed (the fix) fit without a warning."""
from __future__ import annotations

import pandas as pd
import pytest

from mlmgen.dialects import get_dialect
from mlmgen.lint import lint

from rtools import run_r

SIMULATE_R = '''suppressMessages(library(lme4))
set.seed(4)
d <- expand.grid(pupil = 1:8, class = 1:4, school = 1:30)
unit <- as.integer(interaction(d$class, d$school, drop = TRUE))
d$size <- round(runif(120, 15, 30))[unit]
d$x <- rnorm(nrow(d))
d$y <- 1 + 0.5 * d$x + 0.05 * d$size + rnorm(30)[d$school] + rnorm(120, sd = 0.7)[unit] + rnorm(nrow(d))
write.csv(d, "%s", row.names = FALSE)
fit <- function(f) { m <- lmer(f, data = d, REML = TRUE)
  c(isSingular(m), length(m@optinfo$conv$lme4$messages) > 0) }
cat(fit(%s), fit(%s), "\\n")
'''
WITH_SLOPE = "y ~ x + size + (1 | school) + (1 + size | school:class)"
FIXED = "y ~ x + size + (1 | school) + (1 | school:class)"


@pytest.mark.r
def test_slope_of_a_class_variable_over_classes(tmp_path):
    path = tmp_path / "classes.csv"
    out = run_r(SIMULATE_R % (path, WITH_SLOPE, FIXED)).split()
    singular, warned, singular_fixed, warned_fixed = (v == "TRUE" for v in out)
    assert singular or warned                       # lme4 cannot fit the unidentified slope cleanly
    assert not (singular_fixed or warned_fixed)     # the fixed model fits
    data = pd.read_csv(path)
    lme4 = get_dialect("lme4")
    found = [d for d in lint([lme4.parse_syntax(f"m <- lmer({WITH_SLOPE}, data = d, REML = TRUE)\n", "m.R")],
                             data=data) if d.code == "ST004"]
    assert len(found) == 1 and found[0].severity.value == "error" and "120 units" in found[0].message
    clean = [d for d in lint([lme4.parse_syntax(f"m <- lmer({FIXED}, data = d, REML = TRUE)\n", "m.R")],
                             data=data) if d.code == "ST004"]
    assert clean == []
