"""Data taken as written (issue 16 item 5): cluster ids as text, only documented missing-value markers (and
`--na-values`), per-marker counts in the report, coded errors for unusable columns, spreadsheet-safe BLUP CSV,
no raw NumPy/pandas warnings."""
from __future__ import annotations

import csv
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from mlmgen.csvout import csv_text, escape_cell
from mlmgen.data import prepare, read_data
from mlmgen.datafiles import data_info
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model

MODEL = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["x"]\n[random]\neffects = ["Intercept"]\n')


def rows(ids, n=4, seed=1):
    rng = np.random.default_rng(seed)
    out = []
    for k, g in enumerate(ids):
        for i in range(n):
            x = round(float(rng.normal()), 4)
            out.append((g, x, round(10 + k + 2 * x + float(rng.normal()), 4)))
    return out


def write(tmp_path, body_rows, name="d.csv", header="g,x,y"):
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in body_rows) + "\n")
    return p


def fit_json(*args):
    res = CliRunner().invoke(cli, ["fit", *map(str, args), "--style", "json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def test_cluster_ids_01_and_1_are_different_clusters(tmp_path):
    p = write(tmp_path, rows(["01", "1", "02", "2", "3"]))
    f = read_data(p)
    assert list(f["g"].unique()) == ["01", "1", "02", "2", "3"]
    out, rep = prepare(MODEL, f, str(p))
    assert out["g"].nunique() == 5
    res = fit_json("--formula", "y ~ x + (1 | g)", "--data", p)
    assert res.exit_code == 0 and json.loads(res.stdout)["n_clusters"] == 5, res.output


def test_canonical_integer_ids_stay_numbers():
    f = pd.read_csv(io.StringIO("g,x\n1,2\n10,3\n2,4\n"))
    assert f["g"].dtype.kind == "i"


@pytest.mark.parametrize("token", ["None", "null", "N/A", "nan", "NaN", "n/a", "NULL", "#N/A"])
def test_pandas_default_na_words_are_data_not_missing(tmp_path, token):
    """Cluster ids `None`, `null`, `N/A`, `nan` are clusters (pandas would have dropped them as missing)."""
    p = write(tmp_path, rows(["a", token, "b"]))
    out, rep = prepare(MODEL, read_data(p), str(p))
    assert rep.rows_used == rep.rows_read == 12 and token in set(out["g"])


@pytest.mark.parametrize("token", ["None", "nan", "null"])
def test_such_words_in_a_predictor_are_not_numbers(tmp_path, token):
    r = rows(["a", "b", "c"])
    r[1] = (r[1][0], token, r[1][2])
    p = write(tmp_path, r)
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, read_data(p), str(p))
    d = e.value.diagnostics[0]
    assert d.code == "DA003" and repr(token) in d.message and "--na-values" in d.fix.title


def test_documented_markers_and_per_marker_counts(tmp_path):
    r = rows(["a", "b", "c", "d"])
    r[0] = (r[0][0], ".", r[0][2])
    r[5] = (r[5][0], "NA", r[5][2])
    r[6] = (r[6][0], r[6][1], "NA")
    r[9] = (r[9][0], "", r[9][2])
    p = write(tmp_path, r)
    out, rep = prepare(MODEL, read_data(p), str(p))
    assert rep.rows_used == 12 and rep.missing_by_marker == {".": 1, "NA": 2, "(empty)": 1}
    da004 = [d for d in rep.diagnostics if d.code == "DA004"][0]
    assert "rows per missing-value marker: '.' 1, 'NA' 2, (empty) 1" in da004.message
    assert "'.' 1, 'NA' 2" in rep.describe()


def test_na_values_option_replaces_the_markers(tmp_path):
    r = rows(["a", "b", "c", "d"])
    r[0] = (r[0][0], "-99", r[0][2])
    r[5] = (r[5][0], "NA", r[5][2])
    p = write(tmp_path, r)
    f = read_data(p, na_values="-99")
    assert np.isnan(f["x"].iloc[0]) and data_info(f).na_values == ("-99",)
    with pytest.raises(MlmgenError) as e:         # NA is no longer a marker: a text value in a predictor
        prepare(MODEL, f, str(p))
    assert e.value.diagnostics[0].code == "DA003"
    res = fit_json("--formula", "y ~ x + (1 | g)", "--data", p, "--na-values", "-99,NA")
    assert res.exit_code == 0 and json.loads(res.stdout)["n_obs"] == 14, res.output
    assert "'-99' 1, 'NA' 1" in res.stderr
    res = fit_json("--formula", "y ~ x + (1 | g)", "--data", p)        # default markers: -99 is a number
    assert res.exit_code == 0 and json.loads(res.stdout)["n_obs"] == 15 and "'NA' 1" in res.stderr


def test_duplicate_column_names_are_DA006(tmp_path):
    p = write(tmp_path, rows(["a", "b", "c"]), header="g,x,x")
    with pytest.raises(MlmgenError) as e:
        read_data(p)
    assert e.value.diagnostics[0].code == "DA006" and "'x'" in e.value.diagnostics[0].message
    frame = pd.DataFrame(rows(["a", "b", "c"]), columns=["g", "x", "y"])
    frame.columns = ["g", "x", "x"]
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, frame)
    assert e.value.diagnostics[0].code == "DA006"
    res = CliRunner().invoke(cli, ["fit", "--formula", "x ~ 1 + (1 | g)", "--data", str(p)])
    assert res.exit_code == 2 and "DA006" in res.output and "Traceback" not in res.output


def test_complex_and_non_scalar_columns_are_DA006():
    frame = pd.DataFrame(rows(["a", "b", "c"]), columns=["g", "x", "y"])
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, frame.assign(x=frame["x"] + 1j))
    assert e.value.diagnostics[0].code == "DA006" and "complex" in e.value.diagnostics[0].message
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, frame.assign(x=[[1, 2]] * len(frame)))
    assert e.value.diagnostics[0].code == "DA006"
    text_complex = frame.assign(x=frame["x"].astype(str) + "+1j")
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, text_complex)
    assert e.value.diagnostics[0].code == "DA003"           # text that is not a number: never truncated


def test_no_raw_numpy_warnings_from_data_handling(tmp_path):
    m = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["xc"]\n[random]\neffects = ["Intercept"]\n'
                    '[variables]\nxc = "x - mean(x) by g"\n')
    r = rows(["a", "b", "c"])
    r[0] = (r[0][0], 1.7e308, r[0][2])
    r[1] = (r[1][0], 1.7e308, r[1][2])          # their sum overflows: the cluster mean is infinite
    p = write(tmp_path, r)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(MlmgenError) as e:
            prepare(m, read_data(p), str(p))
    assert e.value.diagnostics[0].code in ("DA003", "DA005")
    res = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | g)", "--data", str(p)])
    assert "Warning" not in res.output and "RuntimeWarning" not in res.output


@pytest.mark.parametrize("value,escaped", [("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
                                          ("@SUM(A1)", "'@SUM(A1)"), ("-5", "'-5"), ("a=b", "a=b"), (-0.5, -0.5)])
def test_escape_cell(value, escaped):
    assert escape_cell(value) == escaped


def test_blup_csv_escapes_formula_like_ids(tmp_path):
    p = write(tmp_path, rows(["=HYPERLINK(\"x\")", "+1", "@a", "-b", "plain", "-7"], n=5))
    out = tmp_path / "blups.csv"
    res = CliRunner().invoke(cli, ["fit", "--formula", "y ~ x + (1 | g)", "--data", str(p), "--blups", str(out)])
    assert res.exit_code == 0, res.output
    got = list(csv.reader(io.StringIO(out.read_text())))
    ids = [r[0] for r in got[1:]]
    assert sorted(ids) == sorted(["'=HYPERLINK(\"x\")", "'+1", "'@a", "'-b", "plain", "'-7"])
    assert all(not i.startswith(("=", "+", "@")) for i in ids)
    assert any(float(r[1]) < 0 for r in got[1:])          # negative BLUPs are numbers, not escaped
    assert csv_text(pd.DataFrame({"=x": [1]})).startswith("'=x")


def test_ids_with_leading_zeros_stay_text_when_some_are_missing(tmp_path):
    r = rows(["01", "1", "02", "2"])
    r[3] = (".", r[3][1], r[3][2])
    p = write(tmp_path, r)
    f = read_data(p)
    assert f["g"].dropna().unique().tolist() == ["01", "1", "02", "2"] and f["g"].isna().sum() == 1
    assert data_info(f).marker_counts("g") == {".": 1}
    _, rep = prepare(MODEL, f, str(p))
    assert rep.rows_used == 15 and rep.missing_by_marker == {".": 1}
