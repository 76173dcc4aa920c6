"""Stata's `residuals()` block of the random-effects table (`Residual: Unstructured`, `var(e1)`, `cov(e1,e2)`;
`Residual: AR(1)` / `Exponential`: `rho`, `var(e)`; `Exchangeable`: `var(e)`, `cov(e)`; `Toeplitz(k)`: `rho1`...
`rhok`, `var(e)`) read into SAS's REPEATED parameters, as mlmgen's repeated fit names them
(report/stata_residual.py has the conversions the other way):

    UN(k,j) = cov(ej,ek), UN(j,j) = var(ej);  AR(1) / SP(POW) = rho, Residual = var(e);
    CS = cov(e), Residual = var(e) - cov(e);  TOEP(k+1) = rhok var(e), Residual = var(e)

A converted number carries the rounding of the printed numbers it comes from (`Value.error`); only a parameter
Stata prints as it is keeps its printed SE. [U] Checked against mlmgen's own Stata printout only (Stata was not
available, and no real log of `mixed, residuals()` was found): the labels and their order follow Stata's manual.
"""
from __future__ import annotations

import re

from ...outputtext import Lines, derived_value, unreadable
from ...results import CovParam, FitResult

TITLE = re.compile(r"Residual:\s*(Unstructured|Exchangeable|AR\(1\)|Exponential|Toeplitz\((\d+)\))\s*$")


def read_residual_rows(title: str, rows: list[tuple[str, dict, int]], res: FitResult, L: Lines) -> None:
    """rows: (label, {"estimate", "se", ...}, line index) under `Residual: <title>`."""
    m = TITLE.fullmatch(title.strip())
    kind = {"Unstructured": "UN", "Exchangeable": "CS", "AR(1)": "AR(1)", "Exponential": "SP(POW)"}.get(m.group(1),
                                                                                                     "TOEP")
    got = {lab: (d, j) for lab, d, j in rows}
    if len(got) != len(rows):
        raise unreadable("a residual parameter printed twice", L.file, rows[-1][2] + 1, code="OU001")
    cov: list[CovParam] = []

    def need(lab):
        if lab not in got or got[lab][0].get("estimate") is None:
            where = rows[-1][2] + 1 if rows else None
            raise unreadable(f"the Residual: {m.group(1)} block has no {lab} row", L.file, where, code="OU001",
                             fix="copy the random-effects table unchanged")
        return got[lab][0]

    def add(name, value, se=None):
        cov.append(CovParam(name=name, param=f"residual:{name}", estimate=value, se=se))
    if kind == "UN":
        labels = [lab for lab, _, _ in rows]
        T = len([x for x in labels if re.fullmatch(r"var\(e\d+\)", x)])
        want = [f"var(e{j})" for j in range(1, T + 1)] + [f"cov(e{j},e{k})" for j in range(1, T + 1)
                                                          for k in range(j + 1, T + 1)]
        if T == 0 or sorted(labels) != sorted(want):
            raise unreadable("the Residual: Unstructured block needs var(e1)..var(eT) and every cov(ej,ek)", L.file,
                             rows[0][2] + 1 if rows else None, code="OU001")
        for a in range(1, T + 1):
            for b in range(1, a + 1):
                d = need(f"var(e{a})" if a == b else f"cov(e{b},e{a})")
                add(f"UN({a},{b})", d["estimate"], d.get("se"))
    elif kind == "CS":
        if set(got) != {"var(e)", "cov(e)"}:
            raise unreadable("the Residual: Exchangeable block needs var(e) and cov(e)", L.file, rows[0][2] + 1
                             if rows else None, code="OU001")
        v, c = need("var(e)")["estimate"], need("cov(e)")
        add("CS", c["estimate"], c.get("se"))
        add("Residual", derived_value(lambda a, b: a - b, [v, c["estimate"]]))
    elif kind in ("AR(1)", "SP(POW)"):
        if set(got) != {"rho", "var(e)"}:
            raise unreadable(f"the Residual: {m.group(1)} block needs rho and var(e)", L.file, rows[0][2] + 1
                             if rows else None, code="OU001")
        add(kind, need("rho")["estimate"], need("rho").get("se"))
        add("Residual", need("var(e)")["estimate"], need("var(e)").get("se"))
    else:
        k = int(m.group(2))
        if set(got) != {f"rho{j}" for j in range(1, k + 1)} | {"var(e)"}:
            raise unreadable(f"the Residual: Toeplitz({k}) block needs rho1..rho{k} and var(e)", L.file,
                             rows[0][2] + 1 if rows else None, code="OU001")
        v = need("var(e)")
        for j in range(1, k + 1):
            add(f"TOEP({j + 1})", derived_value(lambda r, s: r * s, [need(f"rho{j}")["estimate"], v["estimate"]]))
        add("Residual", v["estimate"], v.get("se"))
    res.covariance.extend(cov)
    res.extra["residual_structure"] = kind
    res.extra["covparm_groups"] = [""] * len(res.covariance)
    res.random_effects = []
    res.covariance_structure = None
