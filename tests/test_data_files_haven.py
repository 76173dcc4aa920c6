"""SAS, Stata and SPSS data files written by another program (R `haven`, generated here at test time) are read
right: column names, values, text ids as written, value labels, user-missing values (issue 9 item 7).

The known failure this guards: a `.sas7bdat` written by haven came back from pandas' reader with the columns
`boysch`/`girlsch` named `boys` and '' (mlmgen now reads these formats through pyreadstat)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.data import prepare, read_data
from mlmgen.datafiles import SYSTEM_MISSING, data_info
from mlmgen.modelfile import loads_model
from rtools import run_r

pytestmark = pytest.mark.r
pytest.importorskip("pyreadstat")

N_SCHOOLS = 12
WRITE = r'''
if (!requireNamespace("haven", quietly = TRUE)) { cat("NOHAVEN\n"); quit(status = 0) }
library(haven)
set.seed(5)
n <- 12 * 6
school <- sprintf(ifelse(rep(1:12, each = 6) %% 2 == 0, "%02d", "%d"), rep(c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6), each = 6))
boysch <- rep(rep(c(1, 0), 6), each = 6)
girlsch <- 1 - boysch
ses <- round(rnorm(n), 3)
y <- round(50 + 2 * ses + rep(rnorm(12, 0, 2), each = 6) + rnorm(n, 0, 3), 3)
y[c(3, 40)] <- NA
d <- data.frame(school = school, boysch = boysch, girlsch = girlsch, ses = ses, y = y, stringsAsFactors = FALSE)
sav <- d
sav$ses[7] <- 999
sav$ses[8] <- -95
sav$ses <- labelled_spss(sav$ses, labels = c("not asked" = 999), na_values = 999, na_range = c(-99, -90))
sav$boysch <- labelled(sav$boysch, labels = c("girls school" = 0, "boys school" = 1))
write_sav(sav, "d.sav")
dta <- d
dta$ses[7] <- tagged_na("a")
dta$boysch <- labelled(dta$boysch, labels = c("girls school" = 0, "boys school" = 1))
write_dta(dta, "d.dta")
suppressWarnings(write_sas(d, "d.sas7bdat"))
write_xpt(d, "d5.xpt", version = 5)
write_xpt(d, "d8.xpt", version = 8)
write.csv(d, "d.csv", row.names = FALSE, na = "NA")
cat("OK\n")
'''


@pytest.fixture(scope="module")
def haven_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("haven")
    out = run_r(WRITE, cwd=str(d))
    if "NOHAVEN" in out:
        pytest.skip("R package haven is not installed (Debian: r-cran-haven)")
    assert "OK" in out
    return d


@pytest.mark.parametrize("name", ["d.sav", "d.dta", "d.sas7bdat", "d5.xpt", "d8.xpt", "d.csv"])
def test_columns_values_and_text_ids_as_written(haven_files, name):
    f = read_data(haven_files / name)
    assert list(f.columns) == ["school", "boysch", "girlsch", "ses", "y"]
    ref = read_data(haven_files / "d.csv")
    # the text ids exactly as written: "01" and "1" are different schools, 12 in all
    assert [str(x) for x in f["school"]] == [str(x) for x in ref["school"]]
    assert f["school"].nunique() == N_SCHOOLS and {"1", "02"} <= set(map(str, f["school"]))
    np.testing.assert_array_equal(f["boysch"].to_numpy(float), ref["boysch"].to_numpy(float))
    np.testing.assert_array_equal(f["girlsch"].to_numpy(float), ref["girlsch"].to_numpy(float))
    y = f["y"].to_numpy(float)
    assert np.isnan(y[[2, 39]]).all() and np.allclose(np.delete(y, [2, 39]), np.delete(ref["y"].to_numpy(float), [2, 39]))


def test_spss_user_missing_values_and_labels(haven_files):
    f = read_data(haven_files / "d.sav")
    info = data_info(f)
    assert np.isnan(f["ses"].iloc[6]) and np.isnan(f["ses"].iloc[7])          # 999 and -95 (range -99..-90)
    assert sorted(info.user_missing["ses"]) == ["user-missing -99 thru -90", "user-missing 999"]
    assert info.marker_counts("ses") == {"user-missing 999": 1, "user-missing -99 thru -90": 1}
    assert info.value_labels["ses"] == {999.0: "not asked"}
    assert info.value_labels["boysch"] == {0.0: "girls school", 1.0: "boys school"}
    assert info.marker_counts("y") == {SYSTEM_MISSING: 2}


def test_stata_tagged_missing_and_labels(haven_files):
    f = read_data(haven_files / "d.dta")
    info = data_info(f)
    assert np.isnan(f["ses"].iloc[6]) and f["ses"].dtype.kind == "f"
    assert info.marker_counts("ses") == {".a": 1}
    assert info.value_labels["boysch"] == {0: "girls school", 1: "boys school"}


def test_fit_from_each_format_uses_the_same_rows(haven_files):
    model = loads_model('outcome = "y"\ncluster = "school"\nfixed = ["ses", "boysch"]\n'
                        '[random]\neffects = ["Intercept"]\n')
    used = {}
    for name in ("d.sav", "d.dta", "d.sas7bdat", "d5.xpt", "d.csv"):
        out, rep = prepare(model, read_data(haven_files / name), name)
        used[name] = (rep.rows_used, out["school"].nunique())
    assert used["d.csv"] == (70, 12) and used["d.sas7bdat"] == used["d5.xpt"] == used["d.csv"]
    assert used["d.sav"] == (68, 12) and used["d.dta"] == (69, 12)     # plus the user-missing ses rows
    res = CliRunner().invoke(cli, ["fit", "--formula", "y ~ ses + (1 | school)", "--data",
                                   str(haven_files / "d.sav"), "--style", "json"])
    assert res.exit_code == 0, res.output
    fit = json.loads(res.stdout)
    assert fit["n_obs"] == 68 and fit["n_clusters"] == 12 and math.isfinite(fit["fixed"][1]["estimate"])
    assert "user-missing 999 1" in res.output and "user-missing -99 thru -90 1" in res.output
    # ses's only value label is on its user-missing code 999: it labels no value, so ses stays numeric (it
    # was made a categorical with a level per value, a fit that could not converge)
    assert "DA007" not in res.output and [f["term"] for f in fit["fixed"]] == ["Intercept", "ses"]
