"""SAS PROC MIXED's R-side (REPEATED) tables in printed output, read into the FitResult that mlmgen's fit of a
model with a residual structure gives (engine/repeated_model.py).

* Covariance Parameter Estimates of a REPEATED fit: `UN(i,j)`, `CS`, `AR(1)`, `TOEP(k)`, `Var(k)`, `CSH`,
  `ARH(1)`, `TOEPH(k)`, `SP(POW)`, `Variance` (the homogeneous variance with GROUP=), `Residual`, with a
  `Subject` column and, with GROUP=, a `Group` column (`ARMCD PBO`). Their `param` is mlmgen's
  `residual:<name>` (`residual:AR(1) [ARMCD PBO]` with a group); a random intercept next to them is
  `G:Intercept`, as `repeated_model.assemble` names them.
* "Estimated R Matrix for USUBJID PT1" and "Estimated R Correlation Matrix for USUBJID PT1": `Row  Col1 ... Colk`
  (no Effect column; the title may be broken over two or three lines, or missing on a continuation page) ->
  `extra["r_matrices"]`: [{"subject", "correlation", "rows"}] in the order printed.
* Model Information: `Covariance Structure` (a title broken over two lines, `Heterogeneous` /
  `Autoregressive`, is joined) -> `extra["sas_structure"]` (SAS TYPE= name; `extra["residual_structure"]` of
  an R-side listing); `Group Effect`;
  `Fixed Effects SE Method` names the Kenward-Roger variant: `Kenward-Roger` is DDFM=KR (`kr_sas`),
  `Prasad-Rao-Jeske-Kackar-Harville` with Kenward-Roger df is DDFM=KR(FIRSTORDER) (`kr_sas_firstorder`)
  -> `extra["kr_variant"]`; Dimensions `Columns in Z` -> `extra["ncolz"]`.

A listing is R-side when it prints an R matrix, has no Z columns (`Columns in Z  0`), names an R-side structure
in Model Information, or has a covariance parameter only REPEATED has (`AR(1)`, `Var(2)`, ...).

Checked against real listings: the mmrm repository's PROC MIXED output (reference_outputs/sas/mmrm: UN, CS,
AR(1), TOEP, ARH(1) with DDFM=KR and KR(FIRSTORDER); AR(1), ARH(1) and GROUP= AR(1) with Satterthwaite; UN
full MMRM), and mlmgen's own `--style sas` printout. CSH, TOEPH, SP(POW) names: from SAS's documentation only.
"""
from __future__ import annotations

import re

from ...outputtext import Lines, number, peel_numbers, split_cells, strip_markup, unreadable
from ...results import FitResult
from .facts import FACTS

# covariance-parameter names only REPEATED (R-side) structures have
R_ONLY = re.compile(r"(AR\(1\)|ARH\(1\)|TOEPH?\(\d+\)|Var\(\d+\)|CSH|SP\(POW\)|Variance)", re.I)
STRUCTURE_BY_TITLE = {v.lower(): k for k, v in FACTS.repeated_structure_titles.items()}


def is_r_matrix_header(line: str) -> bool:
    """`Row  Col1 ... Colk` with no Effect/Subject column between: SAS's R (or RCORR) matrix."""
    cells = [c for c in (split_cells(line) if "\t" in line else line.split()) if c.strip()]
    return (len(cells) >= 2 and cells[0].lower() == "row"
            and [c.lower() for c in cells[1:]] == [f"col{n}" for n in range(1, len(cells))])


def _title_above(L: Lines, i: int) -> str:
    """The text of the title lines above the header at line i (up to four non-blank lines, stopping at a
    table row or another table's end), joined with single spaces."""
    parts: list[str] = []
    k = i - 1
    while k >= 0 and len(parts) < 4:
        t = strip_markup(L[k])[0].strip()
        if not t:
            if parts:
                break
            k -= 1
            continue
        if re.match(r"[-\d.]", t):
            break                                   # a number row of the table above: no title here
        if re.search(r"The SAS System|The Mixed Procedure", t):
            break
        parts.insert(0, t)
        k -= 1
    return " ".join(" ".join(parts).split())


def read_r_matrix(L: Lines, i: int, res: FitResult) -> int:
    """One R or RCORR matrix under the header at line i (module docstring). Every row is `n v1 ... vk` with n
    counting from 1 and k the header's columns, else OU001 at the row."""
    k = len([c for c in L[i].split() if c.strip()]) - 1
    title = _title_above(L, i)
    m = re.search(r"Estimated\s+R\s+(Correlation\s+)?Matrix(?:\s+for\s+(.+))?$", title, re.I)
    if title and re.search(r"estimated|matrix", title, re.I) and m is None:
        raise unreadable("the title above this Row/Col table is not 'Estimated R [Correlation] Matrix [for ...]'",
                         L.file, i, title, code="OU001", fix="copy the table with its title unchanged")
    rows: list[list] = []
    j = i + 1
    last = i
    while j < len(L):
        raw = L[j]
        if not raw.strip():
            if not rows:
                j += 1
                continue
            break
        toks = [t for t in (split_cells(raw) if "\t" in raw else raw.split()) if t.strip()]
        label, nums = peel_numbers(toks, count=k, drop_stars=False)
        if not nums or (not label and len(nums) == len(toks) and len(toks) == k + 1 and
                        toks[0].isdigit()):
            label, nums = toks[:1], toks[1:]
        if len(nums) != k or len(label) != 1 or not label[0].isdigit() or int(label[0]) != len(rows) + 1 \
                or any(number(n) is None for n in nums):
            if rows and not re.match(r"\s*\d", raw):
                break                               # the next table's title
            raise unreadable(f"this line is not row {len(rows) + 1} of the R matrix above it (a row number and "
                             f"{k} values)", L.file, j + 1, raw.strip(), code="OU001",
                             fix="copy the table unchanged with its header")
        rows.append([number(n) for n in nums])
        last = j
        j += 1
    if len(rows) != k:
        raise unreadable(f"the R matrix above has {len(rows)} rows for {k} columns", L.file, last + 1,
                         L[last].strip(), code="OU001", fix="copy the whole matrix")
    # a continuation page prints the table without its title: no subject, a correlation if its diagonal is 1
    correlation = bool(m and m.group(1)) if m else all(r[n].value == 1.0 for n, r in enumerate(rows))
    subject = " ".join(m.group(2).split()) if m and m.group(2) else None
    res.extra.setdefault("r_matrices", []).append({"subject": subject, "correlation": correlation, "rows": rows})
    return last + 1


def structure_from_title(title: str) -> str | None:
    """SAS's Model Information title (`Heterogeneous Autoregressive`) -> its TYPE= name (`ARH(1)`)."""
    return STRUCTURE_BY_TITLE.get(" ".join(title.lower().split()))


def read_info(line: str, next_line: str | None, res: FitResult) -> None:
    """The R-side lines of Model Information / Dimensions (module docstring)."""
    low = line.strip().lower()
    m = re.match(r"covariance structures?\s+(.+?)\s*$", low)
    if m:
        title = m.group(1)
        if next_line is not None and structure_from_title(title) is None:
            cont = strip_markup(next_line)[0].strip()
            if cont and len(cont.split()) <= 3 and not re.search(r"\s{2,}", cont):
                title = f"{title} {cont.lower()}"
        kind = structure_from_title(title)
        if kind is not None:
            res.extra["sas_structure"] = kind       # of G or R: R-side only when is_r_side says so
        return
    m = re.match(r"fixed effects se method\s+(.+?)\s*$", low)
    if m:
        res.extra["se_method"] = "kenward-roger" if m.group(1).startswith("kenward") else \
            "prasad-rao" if m.group(1).startswith("prasad") else m.group(1)
        return
    m = re.match(r"group effects?\s+(\S+)", low)
    if m:
        res.extra["group_effect"] = line.strip().split()[-1]
        return
    m = re.match(r"columns in z(?: per subject)?\s+(\d+)\s*$", low)
    if m:
        res.extra["ncolz"] = int(m.group(1))


def kr_variant(res: FitResult) -> str | None:
    """DDFM=KR (`kr_sas`) or DDFM=KR(FIRSTORDER) (`kr_sas_firstorder`) from the SE method SAS names."""
    if res.ddf != "kenward-roger":
        return None
    return {"kenward-roger": "kr_sas", "prasad-rao": "kr_sas_firstorder"}.get(res.extra.get("se_method"))


def is_r_side(res: FitResult) -> bool:
    names = [c.name for c in res.covariance]
    return bool(res.extra.get("r_matrices") or res.extra.get("ncolz") == 0
                or res.extra.get("sas_structure") not in (None, "UN", "CS", "VC")
                or any(R_ONLY.fullmatch(n) for n in names))


def name_r_side(res: FitResult) -> bool:
    """Give an R-side listing's covariance parameters mlmgen's params (`residual:UN(2,1)`, `residual:AR(1)
    [ARMCD PBO]`, `G:Intercept`) and `extra` what a repeated fit holds (`covparm_groups`, `R_matrix`,
    `R_correlation` of the first subject printed). True when the listing is R-side."""
    if not res.covariance or not is_r_side(res):
        return False
    z = res.extra.get("ncolz")
    read_groups = res.extra.pop("covparm_groups_read", None) or [""] * len(res.covariance)
    groups = []
    g_params = 0
    for idx, (c, group) in enumerate(zip(res.covariance, read_groups)):
        if R_ONLY.fullmatch(c.name) or c.name in ("Residual", "CS"):
            r_side = True
        elif re.fullmatch(r"UN\(\d+,\d+\)", c.name):
            r_side = not z or idx >= _g_count(z)         # G's UN(i,j) come first
        else:
            r_side = False                               # a RANDOM effect's variance (`Intercept`)
        kind = "residual" if r_side else "G"
        g_params += kind == "G"
        c.param = f"{kind}:{c.name}" + (f" [{group}]" if group else "")
        groups.append(group or "")
    res.extra["covparm_groups"] = groups
    if res.extra.get("sas_structure"):
        res.extra["residual_structure"] = res.extra["sas_structure"]
    res.random_effects = ["Intercept"] if g_params == 1 and res.covariance[0].name == "Intercept" else []
    res.covariance_structure = None
    first = [m for m in res.extra.get("r_matrices", []) if m["subject"] is not None]
    for m in first[:2]:
        key = "R_correlation_printed" if m["correlation"] else "R_matrix_printed"
        if key not in res.extra and m["subject"] == first[0]["subject"]:
            res.extra[key] = m["rows"]
            res.extra["r_subject"] = m["subject"]
    return True


def _g_count(ncolz: int) -> int:
    """G's parameters for q Z columns printed as UN(i,j) (q = 1: one variance)."""
    return ncolz * (ncolz + 1) // 2
