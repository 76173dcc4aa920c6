"""Reading data files and preparing them for a model: formats, diagnostics, derived variables, deletion."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlmgen.data import DataReport, prepare, read_data
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import loads_model

MODEL = loads_model('''
outcome = "y"
cluster = "g"
fixed = ["xc", "xm", "xw", "zs"]
[random]
effects = ["Intercept", "xw"]
covariance = "UN"
[variables]
xc = "x - 10"
xm = "mean(x) by g - 10"
xw = "x - mean(x) by g"
zs = "z - mean(z)"
''')


def frame():
    return pd.DataFrame({"g": [1, 1, 1, 2, 2, 3, 3, 3],
                         "x": [9.0, 11.0, np.nan, 4.0, 6.0, 1.0, 2.0, 3.0],
                         "z": [1.0, 2, 3, 4, 5, 6, 7, 8],
                         "y": [1.0, np.nan, 3.0, 4.0, 5.0, 6.5, 7.0, 9.0]})


def codes(excinfo):
    return [d.code for d in excinfo.value.diagnostics]


def test_derived_variables_use_all_rows_with_the_source_before_deletion():
    out, rep = prepare(MODEL, frame())
    # cluster 1: mean(x) over the two non-missing x = 10, even though row 2's y is missing
    assert rep.rows_read == 8 and rep.rows_used == 6
    assert rep.missing_by_variable == {"y": 1, "g": 0, "xc": 1, "xm": 0, "xw": 1, "zs": 0}
    r0 = out.iloc[0]
    assert r0["xc"] == -1.0 and r0["xm"] == 0.0 and r0["xw"] == -1.0
    # grand mean of z over all 8 rows = 4.5
    assert out["zs"].tolist() == [1 - 4.5, 4 - 4.5, 5 - 4.5, 6 - 4.5, 7 - 4.5, 8 - 4.5]
    assert set(rep.derived) == {"xc", "xm", "xw", "zs"}
    assert [d.code for d in rep.diagnostics] == ["DA004"]
    assert "2 of 8 rows" in rep.diagnostics[0].message and "y: 1" in rep.diagnostics[0].message


def test_cluster_mean_defined_on_rows_where_source_is_missing():
    # a row with missing x still gets its cluster's mean (a level-2 value), like SAS PROC MEANS merged back
    m = MODEL.with_(fixed=MODEL.fixed[1:2], random=MODEL.random.__class__(True, (), "un"))
    out, rep = prepare(m, frame().assign(y=1.0 + np.arange(8)))
    assert rep.rows_used == 8
    assert out["xm"].iloc[2] == 0.0


def test_missing_column_suggests_case_fix():
    f = frame().rename(columns={"x": "X"})
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f, "d.csv")
    d = e.value.diagnostics[0]
    assert d.code == "DA002" and d.location.field == "x" and d.location.file == "d.csv"
    assert d.fix.replacement == "X"


def test_non_numeric_predictor_is_DA003_with_example():
    f = frame().astype({"z": object})
    f.loc[3, "z"] = "high"
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f)
    assert codes(e) == ["DA003"] and "'high'" in e.value.diagnostics[0].message


def test_numeric_text_and_factor_columns_are_converted():
    f = frame()
    f["z"] = f["z"].astype(str)
    f["g"] = f["g"].astype("category")
    out, _ = prepare(MODEL, f)
    assert out["zs"].dtype == np.float64


def test_text_cluster_ids_are_allowed():
    f = frame()
    f["g"] = f["g"].map({1: "a", 2: "b", 3: "c"})
    out, rep = prepare(MODEL, f)
    assert rep.rows_used == 6


def test_degenerate_data():
    f = frame()
    f["g"] = 1
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f)
    assert codes(e) == ["DA005"]
    f = frame()
    f["y"] = 2.0
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f)
    assert codes(e) == ["DA005"] and "constant" in e.value.diagnostics[0].message
    f = frame()
    f["y"] = np.nan
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f)
    assert codes(e) == ["DA005"]


def test_infinite_values_are_refused():
    f = frame()
    f.loc[0, "z"] = np.inf
    with pytest.raises(MlmgenError) as e:
        prepare(MODEL, f)
    assert codes(e) == ["DA003"]


@pytest.mark.parametrize("sep", [",", ";", "\t", " "])
def test_read_text_formats(tmp_path, sep):
    p = tmp_path / ("d.csv" if sep in ",;" else "d.dat")
    frame().to_csv(p, sep=sep, index=False, na_rep="NA" if sep == " " else "")
    got = read_data(p)
    pd.testing.assert_frame_equal(got, frame(), check_dtype=False)


def test_read_sas_style_missing_dot(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("g,x,y\n1,.,2\n1,3,4\n")
    got = read_data(p)
    assert np.isnan(got["x"].iloc[0])


def test_read_shared_whitespace_dat():
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mlbook2_r.dat"
    if not path.exists():
        pytest.skip("shared data not present")
    d = read_data(path)
    assert d.shape == (3758, 11) and "langPOST" in d.columns


def test_read_stata(tmp_path):
    p = tmp_path / "d.dta"
    frame().to_stata(p, write_index=False)
    got = read_data(p)
    np.testing.assert_allclose(got["y"].to_numpy(), frame()["y"].to_numpy())


def test_read_spss_when_available(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    p = tmp_path / "d.sav"
    pyreadstat.write_sav(frame(), str(p))
    got = read_data(p)
    np.testing.assert_allclose(got["x"].to_numpy(), frame()["x"].to_numpy())


def test_read_sas_transport(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    p = tmp_path / "d.xpt"
    pyreadstat.write_xport(frame(), str(p), file_format_version=5)   # pandas reads XPORT v5
    got = read_data(p)
    np.testing.assert_allclose(got["z"].to_numpy(), frame()["z"].to_numpy())
    assert np.isnan(got["x"].iloc[2])


def test_spss_file_with_value_labels_keeps_codes(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    p = tmp_path / "d.sav"
    f = frame()
    pyreadstat.write_sav(f, str(p), variable_value_labels={"g": {1: "school one", 2: "two", 3: "three"}})
    out, rep = prepare(MODEL, read_data(p), str(p))
    assert rep.rows_used == 6 and sorted(out["g"].unique()) == [1, 2, 3]


@pytest.mark.parametrize("name", ["d.sav", "d.dta", "d.sas7bdat", "d.xpt"])
def test_package_files_without_pyreadstat_say_how_to_install(tmp_path, monkeypatch, name):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "pyreadstat":
            raise ImportError("no")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake)
    p = tmp_path / name
    p.write_bytes(b"$FL2 not really")
    with pytest.raises(MlmgenError) as e:
        read_data(p)
    assert codes(e) == ["DA001"] and "mlmgen[files]" in e.value.diagnostics[0].message


@pytest.mark.parametrize("name,content,expect", [
    ("bad.sas7bdat", b"not a sas file at all" * 10, "cannot read"),
    ("bad.dta", b"garbage", "cannot read"),
    ("d.xlsx", b"x", "extension"),
    ("empty.csv", b"", "empty"),
])
def test_unreadable_files_are_DA001(tmp_path, name, content, expect):
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(MlmgenError) as e:
        read_data(p)
    d = e.value.diagnostics[0]
    assert d.code == "DA001" and expect in d.message and d.location.file == str(p)


def test_report_describe():
    rep = DataReport("d.csv", 10, 8, {"y": 2, "x": 1})
    assert rep.describe() == "d.csv: 10 rows read, 8 used, 2 deleted listwise (missing: 2 y, 1 x)"
