"""The repeated variable (and GROUP=) of a residual structure is an index, not a numeric predictor (trial finding):
`CLASS AVISIT; MODEL FEV1 = / ...; REPEATED AVISIT / SUBJECT=USUBJID TYPE=... R=1, 2, ..., 10 RCORR;`, as the
mmrm repository's SAS programs are written, is read (the value list `R=1, 2, 3` is SAS's printed-matrix option)
with AVISIT's CLASS declaration kept, and fitted from text visits (`VIS1`..`VIS4`) in the declared or R order.

The R-marked tests read the exact SAS programs behind the real PROC MIXED listings in reference_outputs/sas/mmrm
and fit them to fev_data (text factors, written by R at test time): -2 Res Log Like as SAS's iteration history."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlmgen
from mlmgen.dialects.sas.syntax import parse_syntax as parse_sas
from mlmgen.modelfile import loads_model

SAS = Path(__file__).resolve().parent.parent / "reference_outputs" / "sas" / "mmrm"


def _programs(text: str) -> list[str]:
    return re.findall(r"PROC MIXED.*?RUN;", text, flags=re.S | re.I)


def _errors(ps):
    return [d for d in ps.diagnostics if d.severity.value == "error"]


def test_value_list_options_read_as_printed_matrices():
    for prog in _programs((SAS / "sas_toep.sas").read_text()) + _programs((SAS / "sas_ar1.R").read_text()):
        ps = parse_sas(prog)
        assert not _errors(ps), [d.message for d in ps.diagnostics]
        m = ps.model
        assert m.residual.repeated == "AVISIT" and m.fixed == ()
        c = m.categorical_map["AVISIT"]                   # CLASS AVISIT(ref = 'VIS4') is kept: it orders the visits
        assert c.reference == "VIS4"
    ps = parse_sas("PROC MIXED; CLASS v id; MODEL y = ; REPEATED v / SUBJECT=id TYPE=UN R=1,3,5 RCORR=2, 4; RUN;")
    assert not _errors(ps) and ps.model.residual.structure == "UN"
    ps = parse_sas("PROC MIXED; CLASS v id; MODEL y = v; REPEATED v / SUBJECT=id TYPE=UN; LSMEANS v / PDIFF=ALL CL; "
                   "RUN;")
    assert not [d for d in ps.diagnostics if d.code == "SY004"], [d.message for d in ps.diagnostics]
    ps = parse_sas("PROC MIXED; CLASS v id g; MODEL y = ; REPEATED v / SUBJECT=id TYPE=CS GROUP=g; RUN;")
    assert set(ps.model.categorical_map) == {"v", "g"}


def _visits(seed=3, n=60, levels=("W1", "W2", "W4")):
    rng = np.random.default_rng(seed)
    sd = np.array([1.0, 2.0, 3.0])
    e = rng.normal(size=(n, 3)) * sd
    e[:, 1] += 0.5 * e[:, 0]
    rows = [{"id": f"S{i:02d}", "visit": levels[j], "vnum": j + 1, "y": 10 + j + e[i, j]}
            for i in range(n) for j in range(3) if not (j == 2 and i % 7 == 0)]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1).reset_index(drop=True)


MODEL = '''outcome = "y"
fixed = []
[residual]
type = "UN"
repeated = "{rep}"
subject = "id"
'''


def _un(fit) -> dict[str, float]:
    return {c.name: float(c.estimate) for c in fit.result.covariance}


def test_text_repeated_variable_not_a_predictor():
    d = _visits()
    text = mlmgen.fit(loads_model(MODEL.format(rep="visit")), d)
    num = mlmgen.fit(loads_model(MODEL.format(rep="vnum")), d)
    assert text.result.neg2ll.value == pytest.approx(num.result.neg2ll.value, abs=1e-8)
    a, b = _un(text), _un(num)
    for k in ("UN(1,1)", "UN(2,2)", "UN(3,3)", "UN(2,1)"):
        assert a[k] == pytest.approx(b[k], rel=1e-6, abs=2e-5)


def test_declared_levels_order_the_visits():
    d = _visits()
    declared = MODEL.format(rep="visit") + '[categorical]\nvisit = { levels = ["W4", "W2", "W1"] }\n'
    rev = mlmgen.fit(loads_model(declared), d)
    nat = mlmgen.fit(loads_model(MODEL.format(rep="visit")), d)
    r, n = _un(rev), _un(nat)
    assert rev.result.neg2ll.value == pytest.approx(nat.result.neg2ll.value, abs=1e-8)
    assert r["UN(1,1)"] == pytest.approx(n["UN(3,3)"], rel=1e-6, abs=2e-5)
    assert r["UN(3,2)"] == pytest.approx(n["UN(2,1)"], rel=1e-6, abs=2e-5)


@pytest.mark.r
@pytest.mark.parametrize("source, listing, index", [("sas_toep.sas", "sas_toep_reml_tables.md", 1),
                                                    ("sas_ar1.R", "sas_ar1_reml.txt", 1),
                                                    ("sas_ar1.R", "sas_group_ar1_reml.txt", 3)])
def test_mmrm_repository_programs_fit_as_sas(source, listing, index):
    from fev_text import fev_text_csv
    from test_repeated_sas_mmrm import iterations
    prog = _programs((SAS / source).read_text())[index]
    ps = parse_sas(prog)
    assert not _errors(ps), [d.message for d in ps.diagnostics]
    fit = mlmgen.fit(ps.model, str(fev_text_csv()))
    sas_f = float(iterations((SAS / listing).read_text())[-1][1])
    assert -5e-9 <= sas_f - fit.result.neg2ll.value < 2e-5, (sas_f, fit.result.neg2ll.value)
    assert fit.result.n_obs == 537


def _rows(text: str, title: str) -> list[tuple[str, ...]]:
    """(Effect, level cells...) of each row of the first table titled `title` (cells split at 2+ spaces)."""
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if l.strip() == title)
    out, started = [], False
    for l in lines[i + 1:]:
        cells = re.split(r"\s{2,}", l.strip())
        numeric = [k for k, c in enumerate(cells) if re.fullmatch(r"-?\d*\.?\d+|-?\d+\.\d*", c)]
        if not numeric or not re.match(r"[A-Za-z]", cells[0]):
            if started and not l.strip():
                break
            continue
        started = True
        out.append(tuple(cells[:numeric[0]]))
    return out


@pytest.mark.r
def test_sas_printer_rows_as_the_real_listing():
    """The full MMRM of sas.R (`CLASS RACE(ref='Asian') AVISIT(ref='VIS1') SEX(ref='Male') ARMCD(ref='PBO')`,
    `MODEL FEV1 = ARMCD AVISIT ARMCD*AVISIT RACE SEX`, `LSMEANS AVISIT*ARMCD`) parsed, fitted and printed
    `--style sas`: the Solution, Type 3 and LS-means rows in the listing's order and names - REF= levels last
    (VIS1 although it is AVISIT's first level), the crossed effect named and looped in CLASS order (AVISIT*ARMCD,
    VIS2 TRT, VIS2 PBO, ...: the trial saw ARMCD*AVISIT with TRT VIS2, TRT VIS3, ...)."""
    from fev_text import fev_text_csv
    from mlmgen.report import format_fit
    prog = _programs((SAS / "sas.R").read_text())[1]
    ps = parse_sas(prog)
    f = mlmgen.fit(ps.model, str(fev_text_csv()))
    ours = format_fit(f.result, "sas", model=f.model, data_report=f.data_report)
    listing = (SAS / "sas_log_reml.txt").read_text()
    for title in ("Solution for Fixed Effects", "Type 3 Tests of Fixed Effects", "Least Squares Means"):
        assert _rows(ours, title) == _rows(listing, title), title
    assert _rows(ours, "Least Squares Means")[:3] == [("AVISIT*ARMCD", "VIS2", "TRT"), ("AVISIT*ARMCD", "VIS2", "PBO"),
                                                      ("AVISIT*ARMCD", "VIS3", "TRT")]
