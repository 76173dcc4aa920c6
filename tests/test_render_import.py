"""The data-import step (`render --import FILE`, model-file `import = "..."`).

* each package's statement for each kind of file, creating the data set under the model's data name;
* hostile paths: quotes, backslashes, macro characters and line breaks can never end the string and run code
  (written escaped, or refused with NM002), in all four packages;
* IM001 for an unknown file kind, IM002 when SPSS needs the CSV's columns and the file is unreadable;
* the R program, from the import line onward, runs for real on mlmRev::bdf written to CSV here, and its fixed
  effects equal mlmgen's own fit of the same file to 1e-4 of a standard error (lme4's default optimizer stops
  a little short of the optimum), all seven lecture models in one Rscript run.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import mlmgen
from mlmgen.diagnostics import MlmgenError
from mlmgen.modelfile import dumps_model, load_model, loads_model
from mlmgen.render import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {p.name.split("_")[0]: p for p in sorted((ROOT / "examples").glob("*.toml"))}
M2B = EXAMPLES["2b"]


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "lab data.csv"
    p.write_text((ROOT / "examples" / "demo_data.csv").read_text())
    return p


def _codes(exc) -> set[str]:
    return {d.code for d in exc.value.diagnostics}


def test_csv_import_in_each_package(csv_file):
    m = load_model(M2B)
    p = str(csv_file)
    sas = render(m, "sas", import_file=p)
    assert f'PROC IMPORT DATAFILE="{p}" DBMS=CSV OUT=work.Example REPLACE;' in sas
    assert "GETNAMES=YES;" in sas
    assert sas.index("PROC IMPORT") < sas.index("PROC MIXED")
    r = render(m, "lme4", import_file=p)
    assert f'Example = read.csv("{p}")' in r
    assert r.index("read.csv") < r.index(" = lmer(")
    st = render(m, "stata", import_file=p)
    assert f'import delimited using `"{p}"\', clear case(preserve)' in st
    sp = render(m, "spss", import_file=p)
    assert f'/FILE="{p}"' in sp and "GET DATA /TYPE=TXT" in sp and "DATASET NAME Example." in sp
    # every column of the file, in file order, numbers as F formats
    cols = re.findall(r"^    (\w+) (F16\.8|A\d+)\.?$", sp, re.M)
    assert [c for c, _ in cols] == ["schoolID", "langpost", "verbal", "homework", "mixgrd"]


@pytest.mark.parametrize("ext,sas,r,stata,spss", [
    (".sas7bdat", 'SET "{p}";', 'haven::read_sas("{p}")', 'import sas using `"{p}"\', clear', 'GET SAS DATA="{p}".'),
    (".dta", "DBMS=DTA OUT=work.Example", 'haven::read_dta("{p}")', 'use `"{p}"\', clear', 'GET STATA FILE="{p}".'),
    (".sav", "DBMS=SAV OUT=work.Example", 'haven::read_sav("{p}")', 'import spss using `"{p}"\', clear',
     'GET FILE="{p}".'),
])
def test_other_file_kinds(ext, sas, r, stata, spss):
    m = load_model(M2B)
    p = f"/data/lab{ext}"
    assert sas.format(p=p) in render(m, "sas", import_file=p)
    assert r.format(p=p) in render(m, "lme4", import_file=p)
    assert "Example = as.data.frame(haven::zap_labels(" in render(m, "lme4", import_file=p)
    assert stata.format(p=p) in render(m, "stata", import_file=p)
    assert spss.format(p=p) in render(m, "spss", import_file=p)


def test_model_file_field_round_trip_and_render(csv_file):
    text = M2B.read_text().replace('data = "Example"', f'data = "Example"\nimport = "{csv_file}"')
    m = loads_model(text)
    assert m.import_file == str(csv_file)
    assert 'read.csv("' in render(m, "lme4")
    assert loads_model(dumps_model(m)).import_file == str(csv_file)
    assert m == load_model(M2B)            # where the data come from is not part of the model


def test_unknown_kind_is_im001():
    with pytest.raises(MlmgenError) as e:
        render(load_model(M2B), "sas", import_file="data.xlsx")
    assert _codes(e) == {"IM001"}


def test_spss_needs_the_csv(tmp_path):
    with pytest.raises(MlmgenError) as e:
        render(load_model(M2B), "spss", import_file=str(tmp_path / "absent.csv"))
    assert _codes(e) == {"IM002"}
    # the other three packages do not need the file
    for pkg in ("sas", "lme4", "stata"):
        assert "absent.csv" in render(load_model(M2B), pkg, import_file=str(tmp_path / "absent.csv"))


def test_spss_refuses_a_column_name_that_would_be_syntax(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("schoolID,langpost,x. DELETE VARIABLES ALL\n1,2,3\n")
    with pytest.raises(MlmgenError) as e:
        render(load_model(M2B), "spss", import_file=str(p))
    assert _codes(e) == {"PT005"}


def test_text_columns_get_a_formats(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("schoolID,langpost,verbal,homework,mixgrd\nabc,1,2,3,0\nabcdefg,1,NA,3,1\n")
    sp = render(load_model(M2B), "spss", import_file=str(p))
    assert "    schoolID A7" in sp and "    verbal F16.8" in sp


HOSTILE = {
    "sas": ['/d/a"b.csv', "/d/50%&x.csv", "/d/a*/b.csv"],
    "lme4": ['C:\\data\\a"b.csv', '/d/");system("id");(".csv'],
    "stata": ['/d/a"b.csv', "/d/a//b.csv"],
    "spss": ['/d/a"b.sav', "/d/x'. y.sav"],
}


@pytest.mark.parametrize("pkg", list(HOSTILE))
def test_hostile_paths_stay_inside_their_string(pkg):
    """The written path, read back as that package's string literal, is exactly the path."""
    for path in HOSTILE[pkg]:
        if pkg == "spss" and path.endswith(".csv"):
            continue
        text = render(load_model(M2B), pkg, import_file=path)
        line = next(ln for ln in text.splitlines() if any(k in ln for k in ("DATAFILE=", "read.csv", "read_sas",
                                                                             "delimited", "GET FILE", "SET ")))
        assert _unquote(line, pkg) == path, (pkg, line)


def _unquote(line: str, pkg: str) -> str:
    if pkg == "sas":
        m = re.search(r"""DATAFILE=("(?:[^"]|"")*"|'(?:[^']|'')*')""", line)
        q = m.group(1)
        return q[1:-1].replace(q[0] * 2, q[0])
    if pkg == "lme4":
        m = re.search(r'read\.csv\("((?:[^"\\]|\\.)*)"\)', line)
        return re.sub(r"\\(.)", r"\1", m.group(1))
    if pkg == "stata":
        m = re.search(r'`"(.*)"\'', line)
        return m.group(1)
    m = re.search(r'GET FILE="((?:[^"]|"")*)"\.', line)
    return m.group(1).replace('""', '"')


@pytest.mark.parametrize("pkg", ["sas", "lme4", "stata", "spss"])
@pytest.mark.parametrize("path", ["/d/a\nPROC DELETE;.sav", "/d/a\u2028b.sav"])
def test_line_breaks_in_a_path_are_refused(pkg, path):
    with pytest.raises(MlmgenError) as e:
        render(load_model(M2B), pkg, import_file=path)
    assert _codes(e) == {"NM002"}


def test_stata_refuses_macro_characters():
    for path in ("/d/$HOME.dta", "/d/`x'.dta"):
        with pytest.raises(MlmgenError) as e:
            render(load_model(M2B), "stata", import_file=path)
        assert _codes(e) == {"NM002"}


def test_cli_import(csv_file, tmp_path):
    from click.testing import CliRunner
    from mlmgen.cli import cli
    res = CliRunner().invoke(cli, ["render", str(M2B), "--to", "r", "--import", str(csv_file)])
    assert res.exit_code == 0 and f'read.csv("{csv_file}")' in res.output
    res = CliRunner().invoke(cli, ["render", str(M2B), "--to", "r", "--import", "x.xlsx"])
    assert res.exit_code == 2 and "IM001" in res.output


@pytest.mark.r
def test_r_program_runs_from_the_import_line(tmp_path):
    """bdf written to CSV here; each rendered R program is run whole (import, data preparation, lmer) by
    Rscript in a fresh session; fixed effects must equal mlmgen's fit of the same CSV."""
    from rtools import r_dataset_csv, run_r
    csv_path = r_dataset_csv("bdf_example")
    parts = []
    for ex, path in EXAMPLES.items():
        code = render(load_model(path), "lme4", data_prep=True, import_file=str(csv_path))
        assert code.index("read.csv(") < code.index(" = lmer(")
        f = tmp_path / f"{ex}.R"
        f.write_text(code, encoding="utf-8")
        parts.append(f"local({{ invisible(capture.output(source('{f.as_posix()}', local = TRUE, print.eval = TRUE)));"
                     f" fe <- lme4::fixef(name); cat(sprintf('FE {ex} %s %.17g\\n', names(fe), fe), sep='') }})")
    out = run_r("\n".join(parts) + "\n")
    got: dict[str, dict[str, float]] = {}
    for line in out.splitlines():
        if line.startswith("FE "):
            _, ex, name, value = line.split()
            got.setdefault(ex, {})[name] = float(value)
    assert set(got) == set(EXAMPLES)
    for ex, path in EXAMPLES.items():
        fit = mlmgen.fit(path, str(csv_path))
        r = got[ex]
        assert len(r) == len(fit.result.fixed)
        for fe in fit.result.fixed:
            rname = "(Intercept)" if fe.term == "Intercept" else _r_name(fe.term, r)
            # lme4's default optimizer stops a little short of the optimum mlmgen reaches (measured up to
            # 5e-6 relative on these models): equal to 1e-4 of a standard error, far below printed digits
            assert abs(r[rname] - float(fe.estimate.value)) <= 1e-4 * float(fe.se.value), \
                (ex, fe.term, r[rname], float(fe.estimate.value))


def _factors(name: str) -> list[str]:
    out = []
    for f in name.split(":"):
        m = re.fullmatch(r"I\((\w+)\^(\d+)\)", f)
        out += [m.group(1)] * int(m.group(2)) if m else [f]
    return sorted(out)


def _r_name(name: str, r: dict) -> str:
    matches = [k for k in r if _factors(k) == _factors(name)]
    assert len(matches) == 1, (name, list(r))
    return matches[0]
