"""The one-parse CSV reader (`_read_csv_one_pass`) gives exactly what the careful two-pass reader gives.

Seeded random files mix what the checks on the bytes must notice: leading zeros, `+1`, `-0`, markers and empty
fields, words pandas would call missing, text ids, quoted fields, blanks around fields, CRLF, a BOM, a last line
without newline, blank lines, three separators. Each file is read with the one-pass reader allowed and with it
switched off; frame, dtypes, marker codes and text columns must agree, and the one-pass reader must really
have been used on the clean files (so a reader that always declines cannot pass)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlmgen import datafiles
from mlmgen.datafiles import data_info, read_data

ODD_INTS = ["01", "+1", "-0", "007", "-01"]
MARKERS = [".", "NA", ""]
WORDS = ["nan", "None", "null", "N/A"]


def random_file(rng: np.random.Generator, path, clean: bool) -> dict:
    """Write a random CSV; `clean`: none of the features that make the one-pass reader decline."""
    n = int(rng.integers(1, 40))
    sep = [",", ";", "\t"][int(rng.integers(3))]
    cols: dict[str, list[str]] = {}
    ids = [str(v) for v in rng.integers(-3, 30, n)]
    if not clean and rng.random() < 0.4:
        ids[int(rng.integers(n))] = ODD_INTS[int(rng.integers(len(ODD_INTS)))]
    if rng.random() < 0.3:
        ids[int(rng.integers(n))] = MARKERS[int(rng.integers(3))]
    cols["g"] = ids
    x = [f"{v:.3g}" for v in rng.normal(0, 10, n)]
    for _ in range(int(rng.integers(0, 4))):
        x[int(rng.integers(n))] = MARKERS[int(rng.integers(3))]
    if not clean and rng.random() < 0.2:
        x[int(rng.integers(n))] = WORDS[int(rng.integers(len(WORDS)))]
    cols["x"] = x
    cols["k"] = [str(v) for v in rng.integers(0, 2, n)]                 # a 0/1 column
    if rng.random() < 0.5:
        t = [f"s{v}" for v in rng.integers(0, 5, n)]
        if rng.random() < 0.5:
            t[int(rng.integers(n))] = WORDS[int(rng.integers(len(WORDS)))]
        if rng.random() < 0.3:
            t[int(rng.integers(n))] = MARKERS[int(rng.integers(3))]
        cols["t"] = t
    names = list(cols)
    if rng.random() < 0.5:                                               # decimals with missing and `01.5`
        d = [f"{v:.2f}" for v in rng.normal(5, 1, n)]
        d[int(rng.integers(n))] = "NA"
        if not clean and rng.random() < 0.5:
            d[int(rng.integers(n))] = "01.5"
        cols["d"] = d
        names.append("d")
    lines = [sep.join(names)] + [sep.join(cols[c][i] for c in names) for i in range(n)]
    if not clean:
        r = rng.random()
        if r < 0.15 and "t" in cols:                                    # a quoted text field
            i = int(rng.integers(n))
            lines[i + 1] = sep.join(f'"{cols[c][i]}"' if c == "t" else cols[c][i] for c in names)
        elif r < 0.3:
            i = int(rng.integers(1, n + 1))
            lines[i] = " " + lines[i]                                    # a blank before the first field
        elif r < 0.4:
            lines.insert(int(rng.integers(1, n + 1)), "")                # a blank line
    eol = "\r\n" if rng.random() < 0.3 else "\n"
    text = eol.join(lines) + (eol if rng.random() < 0.8 else "")
    data = text.encode("utf-8")
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return cols


def read_both(path, monkeypatch, id_columns=None):
    used = []
    real = datafiles._read_csv_one_pass

    def spy(*a, **k):
        out = real(*a, **k)
        used.append(out is not None)
        return out
    monkeypatch.setattr(datafiles, "_read_csv_one_pass", spy)
    fast = read_data(path, id_columns=id_columns)
    monkeypatch.setattr(datafiles, "_read_csv_one_pass", lambda *a, **k: None)
    careful = read_data(path, id_columns=id_columns)
    monkeypatch.setattr(datafiles, "_read_csv_one_pass", real)
    return fast, careful, bool(used and used[0])


def assert_same(fast, careful):
    pd.testing.assert_frame_equal(fast, careful, check_dtype=True)
    fi, ci = data_info(fast), data_info(careful)
    assert fi.text_columns == ci.text_columns
    assert fi.markers.keys() == ci.markers.keys()
    for c in fi.markers:
        assert fi.markers[c][0] == ci.markers[c][0], c
        np.testing.assert_array_equal(fi.markers[c][1], ci.markers[c][1])


@pytest.mark.parametrize("seed", range(150))
def test_one_pass_reader_equals_careful_reader(tmp_path, monkeypatch, seed):
    rng = np.random.default_rng(seed)
    p = tmp_path / "d.csv"
    random_file(rng, p, clean=seed % 3 == 0)
    fast, careful, _ = read_both(p, monkeypatch)
    assert_same(fast, careful)


def test_one_pass_reader_is_used_on_clean_files(tmp_path, monkeypatch):
    taken = 0
    for seed in range(40):
        p = tmp_path / f"d{seed}.csv"
        random_file(np.random.default_rng(1000 + seed), p, clean=True)
        fast, careful, used = read_both(p, monkeypatch)
        assert_same(fast, careful)
        taken += used
    assert taken >= 30, taken          # clean files decline only when e.g. an id is itself a marker


@pytest.mark.parametrize("body,why", [
    ("g,x\n01,1\n1,2\n", "leading zero"), ("g,x\n+1,1\n1,2\n", "plus"), ("g,x\n-0,1\n1,2\n", "minus zero"),
    ("g,x\n1,1\n\n2,2\n", "blank line"), ("g,x\n1, .\n2,2\n", "blank before a marker"),
    ("g,x\n1,2\n2\n", "a short line"), ('g,x\n"1",1\n2,2\n', "quoted integer"),
    ("g,x\n1,True\n2,False\n", "booleans"),
])
def test_doubtful_files_take_the_careful_path(tmp_path, monkeypatch, body, why):
    p = tmp_path / "d.csv"
    p.write_text(body)
    fast, careful, used = read_both(p, monkeypatch)
    assert not used, why
    assert_same(fast, careful)


def test_markers_counted_from_the_one_parse(tmp_path, monkeypatch):
    p = tmp_path / "d.csv"
    p.write_bytes(b"\xef\xbb\xbfg;x;y\r\n1;.;2\r\n2;NA;\r\n3;4;NA\r\n4;5;6")
    fast, careful, used = read_both(p, monkeypatch)
    assert used
    assert_same(fast, careful)
    info = data_info(fast)
    assert info.marker_counts("x") == {".": 1, "NA": 1} and info.marker_counts("y") == {"NA": 1, "(empty)": 1}


def test_id_columns_limit_the_spelling_check(tmp_path):
    """With the cluster named, `05` in another integer column is the number 5 (the model uses it as a number)."""
    p = tmp_path / "d.csv"
    p.write_text("g,k,y\n1,05,1.5\n2,5,2.5\n3,1,3.5\n")
    assert data_info(read_data(p)).text_columns == ["k"]
    f = read_data(p, id_columns=("g",))
    assert f["k"].tolist() == [5, 5, 1] and f["g"].tolist() == [1, 2, 3]
    f = read_data(p, id_columns=("k",))
    assert f["k"].tolist() == ["05", "5", "1"]


def test_header_shorter_than_the_rows_is_not_misread(tmp_path, monkeypatch):
    """pandas takes the first field as the row label when the header has one name fewer: no byte check may
    then attribute column 0's bytes to the first named column."""
    p = tmp_path / "d.csv"
    p.write_text("x,y\n01,1,2\n1,3,4\n")
    fast, careful, used = read_both(p, monkeypatch)
    assert not used
    assert_same(fast, careful)


def test_ids_that_turn_to_text_after_many_rows(tmp_path, monkeypatch):
    """pandas parses big files in chunks: ids that are numbers for 300,000 rows and then text come back as a
    mix of numbers and text, which takes the careful path (every id as written, text)."""
    n = 300_000
    lines = ["g,x"] + [f"{i % 1000},{i % 7}" for i in range(n)] + ["a1,5", "01,6"]
    p = tmp_path / "d.csv"
    p.write_text("\n".join(lines) + "\n")
    fast, careful, used = read_both(p, monkeypatch)
    assert not used
    assert_same(fast, careful)
    g = fast["g"]
    assert g.iloc[0] == "0" and g.iloc[-1] == "01" and g.iloc[-2] == "a1" and g.map(type).eq(str).all()
