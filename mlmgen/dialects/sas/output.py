"""Read SAS PROC MIXED printed output (listing, tab-separated tables copied from the results viewer, ODS
CSV exports) into a FitResult.

Tables are recognised by their column headers, so a table copied without its title still reads:

* Covariance Parameter Estimates: `Cov Parm  Subject  Estimate [Standard Error  Z Value  Pr Z | Pr > Z]
  [Alpha  Lower  Upper]`; rows `UN(i,j) subject`, `<effect> subject` (TYPE=VC), `Residual`. A variance
  printed as 0 with missing (`.`) SE is marked as on the boundary.
* Solution for Fixed Effects: `Effect  Estimate  Standard Error  DF  t Value  Pr > |t|` (the lecture
  copies print `Pr >  t`); an aliased row prints 0 and `.`. With CLASS variables, a level column per variable
  (factor_names.py): rows read as canonical columns `sex[F]`, `x:sex[F]`; the reference level's zero row is
  recorded (extra["base_rows"], extra["base_levels"]), not read as a coefficient;
* Type 3 Tests of Fixed Effects -> `type3`; Least Squares Means / Differences of Least Squares Means (told
  apart from the Solution by their titles) -> `lsmeans` / `lsmean_diffs`.
* Estimates (ESTIMATE statements): `Label  Estimate  Standard Error  DF  t Value  Pr > |t|`.
* Contrasts: `Label  Num DF  Den DF  F Value  Pr > F`.
* Estimated G (Correlation) Matrix: `Row  Effect  Subject  Col1 ... Colq`; gives the random effects in
  RANDOM order, which names the UN(i,j) parameters.
* Fit Statistics (`-2 Res Log Likelihood` = REML, `-2 Log Likelihood` = ML, AIC, AICC, BIC; any case),
  the IC option's Information Criteria row, Model Information (estimation method, covariance structure,
  df method, subject effect), Dimensions / Number of Observations (subjects, observations used).

Rows struck through in a transcription (`<del>hw2</del>`) are kept out of the result and listed in
`notes` and `extra["struck"]`. Numbers keep their printed text (`0.08630`, `<.0001`, `177`).
"""
from __future__ import annotations

import re

from ...mapping import canonical_term, effect_name, un_param
from ...outputtext import (Lines, csv_blocks, looks_like_csv, number, peel_numbers, split_at, split_cells,
                        strip_markup, two_models, unreadable)
from ...results import CovParam, ContrastResult, FitResult, FixedEffect, LSMeanDiff, LSMeanRow, Type3Row, Value
from .factor_names import read_effect
from .rside_output import is_r_matrix_header, kr_variant, name_r_side, read_info, read_r_matrix

_DDF = {"containment": "containment", "between-within": "between-within", "residual": "residual",
        "satterthwaite": "satterthwaite", "kenward-roger": "kenward-roger", "kenwardroger": "kenward-roger",
        "kenward-roger2": "kenward-roger", "none": "none"}
_STRUCT = {"unstructured": "un", "variance components": "vc"}


def parse_output(text: str, file: str | None = None) -> FitResult:
    if looks_like_csv(text):
        return _parse_csv(text, file)
    L = Lines(text, file)
    res = FitResult(source="sas", file=file)
    struck: list[dict] = []
    found = 0
    i = 0
    title = ""
    while i < len(L):
        raw = L[i]
        line, _ = strip_markup(raw)
        low = line.lower()
        if low.strip() in _TITLES:
            title = low.strip()
        if re.match(r"\s*effect\b", low) and "f value" in low and re.search(r"pr\s*>\s*f", low) \
                and title == "tests of effect slices":      # LSMEANS / SLICE=: not compared, left out with a note
            i = _end_of_rows(L, i)
            res.notes.append("Tests of Effect Slices are not read (not compared)")
            title = ""
            continue
        if re.match(r"\s*effect\b", low) and "f value" in low and re.search(r"pr\s*>\s*f", low):
            i = read_type3(L, i, res)
            found += 1
            continue
        if re.match(r"\s*effect\b", low) and "estimate" in low and title in _LSMEANS_TITLES:
            i = read_lsmeans(L, i, res, diffs=title.startswith("differences"))
            found += 1
            title = ""
            continue
        if "estimate" in low and (re.search(r"\bcov\s*parm\b", low) or (    # `Cov` over `Parm` (ARH(1) listings)
                re.match(r"\s*parm\b", low) and i and strip_markup(L[i - 1])[0].strip().lower() == "cov")):
            i = _read_covparms(L, i, res)
            found += 1
            continue
        if re.match(r"\s*(effect|label)\b", low) and "estimate" in low and ("t value" in low or "df" in low):
            i = _read_estimates(L, i, res, struck, is_label=low.strip().startswith("label"))
            found += 1
            continue
        if re.match(r"\s*label\b", low) and "num df" in low and "f value" in low:
            i = _read_contrasts(L, i, res)
            found += 1
            continue
        if is_r_matrix_header(line):                    # REPEATED's R / RCORR (rside_output.py)
            i = read_r_matrix(L, i, res)
            found += 1
            continue
        if re.match(r"\s*row\b", low) and "col1" in low:
            i = _read_gmatrix(L, i, res, correlation=_is_correlation_matrix(L, i))
            found += 1
            continue
        if re.match(r"\s*neg2loglike\b", low) or (re.search(r"neg2loglike", low) and "parms" in low):
            i = _read_infocrit(L, i, res)
            found += 1
            continue
        if re.match(r"\s*iteration\s+evaluations\s+-2\s+(res\s+)?log\s+like\b", low):
            i = _read_iterations(L, i, res)
            continue
        if _read_fit_line(line, res):
            found += 1
        _read_info_line(line, res)
        read_info(line, L[i + 1] if i + 1 < len(L) else None, res)
        i += 1
    if found == 0:
        raise unreadable("no SAS PROC MIXED result table found (looked for the headers of Covariance "
                         "Parameter Estimates, Solution for Fixed Effects, Estimates, Fit Statistics)",
                         file, code="OU002",
                         fix="copy the tables with their header rows (Cov Parm ..., Effect Estimate ...)")
    _name_covparms(res)
    _class_level_information(L, res)
    _check_subjects(res, L)
    if kr_variant(res):
        res.extra["kr_variant"] = kr_variant(res)
    if struck:
        res.extra["struck"] = struck
        for s in struck:
            res.notes.append(f"line {s['line']}: struck-through row {s['term']} left out")
    return res


# ------------------------------------------------------------------ table readers (text)

def _header_and_rows(L: Lines, i: int):
    """Yield (line index, cells/tokens, struck) for the rows under the header at line i, until a blank
    line or a line without numbers."""
    j = i + 1
    while j < len(L):
        raw = L[j]
        if not raw.strip():
            if j == i + 1:
                j += 1
                continue
            break
        line, struck = strip_markup(raw)
        toks = split_cells(line) if "\t" in line else line.split()   # tab copies keep empty cells
        _, nums = peel_numbers([t for t in toks if t != ""], drop_stars=False)
        if not nums:
            break
        if "\t" not in line:
            toks = _listing_cells(line, toks, len(nums))
        yield j, toks, struck
        j += 1
    return


_CLASS_HEADER = re.compile(r"\s*Class\s+Levels\s+Values\s*", re.I)
_CLASS_ROW = re.compile(r"\s*([A-Za-z_][\w.]*)\s+(\d+)\s+(\S.*?)\s*")


def _class_level_information(L: Lines, res: FitResult) -> None:
    """The Class Level Information table (`AVISIT  4  VIS2 VIS3 VIS4 VIS1`; values wrap onto indented lines):
    each CLASS variable's values as printed, in SAS's order, kept as text in extra["class_values"] (a level
    may hold spaces, so the text is matched against known levels later: repeated_numbering.py). The first
    table only (SAS repeats it on a new page)."""
    for i in range(len(L)):
        if not _CLASS_HEADER.fullmatch(strip_markup(L[i])[0]):
            continue
        values: dict[str, str] = {}
        current = None
        for j in range(i + 1, len(L)):
            line = strip_markup(L[j])[0]
            if not line.strip():
                if values:
                    break
                continue
            if re.search(r"The SAS System|The Mixed Procedure", line):      # the next page's header
                break
            m = _CLASS_ROW.fullmatch(line)
            if m:
                current = m.group(1)
                values[current] = m.group(3)
            elif current is not None:            # the values of the variable above, wrapped
                values[current] += " " + line.strip()
            else:
                break
        if values:
            res.extra["class_values"] = values
        return


def _listing_cells(line: str, toks: list[str], n_numbers: int) -> list[str]:
    """A listing row's tokens with a label cell of several words kept whole: SAS pads its columns, so the cells
    of the label part are separated by 2 or more spaces, and a formatted level with single spaces inside is
    one cell (`RACE   Black or African American   1.5305 ...`: the level `Black or African American`, as the
    mmrm repository's real listing sas_log_reml.txt prints it). The numbers stay whitespace tokens. A row
    with no run of 2 spaces (a listing copied through a web page, single spaces) is left as tokens."""
    n_label = len(toks) - n_numbers
    if n_label <= 1 or not re.search(r"\S\s{2,}\S", line.strip()):
        return toks             # one label token, or a copy with single spaces (a web page): tokens as they are
    spans = [m.span() for m in re.finditer(r"\S+", line)]
    label = line[spans[0][0]:spans[n_label - 1][1]]
    cells = [c for c in re.split(r"\s{2,}", label) if c]
    if len(cells) == n_label:
        return toks
    return cells + toks[n_label:]


def _end_of_rows(L: Lines, i: int) -> int:
    last = i
    for j, _, _ in _header_and_rows(L, i):
        last = j
    return last + 1


def _columns(header: str, kind: str) -> list[str]:
    h = header.lower()
    has_cl = "lower" in h and "upper" in h
    if kind == "cov":
        cols = ["estimate"]
        if "error" in h or "value" in h or "pr" in h.split("estimate", 1)[-1]:
            cols += ["se", "z", "p"]
    else:
        cols = ["estimate", "se", "df", "t", "p"]
    if has_cl:
        cols += ["alpha", "lower", "upper"]
    return cols


def _split_row(toks: list[str], ncols: int) -> tuple[list[str], list[Value | None], list[str]]:
    """(label tokens, values, printed texts): numbers peeled from the right, at most `ncols`."""
    label_toks, nums = peel_numbers([c for c in toks if c != ""], count=ncols, drop_stars=False)
    vals = [number(n) for n in nums]
    return label_toks, vals, nums


def _read_covparms(L: Lines, i: int, res: FitResult) -> int:
    above = L[i - 1].lower() if i else ""        # listings print `Standard  Z` on the line above the header
    cols = _columns(strip_markup(L[i])[0] + (" error" if "standard" in above else ""), "cov")
    n_label = _label_columns(L[i], "cov")
    group_at = _group_column(L[i])
    last = i
    rows: list[tuple[CovParam, str | None]] = []
    for j, toks, struck in _header_and_rows(L, i):
        last = j
        label_toks, vals, nums = _split_row(toks, len(cols))
        group = None
        if group_at is not None:        # GROUP=: `ARMCD PBO` (effect and level) in the Group column
            label_toks, group = _split_group(L[j], label_toks, group_at)
        # (the Subject column names the subject effect: a number there is a value that lost its column)
        _check_row(L, j, label_toks, vals, cols, n_label - (group_at is not None), "Covariance Parameter Estimates",
                   numeric_labels=False)
        d = dict(zip(cols, vals))
        label = label_toks[0]
        subject = " ".join(label_toks[1:]) or None
        res.extra.setdefault("covparm_groups_read", []).append(group or "")
        est = d.get("estimate")
        if est is None:
            raise unreadable(f"covariance parameter {label} has no estimate", L.file, j + 1, L[j].strip())
        cp = CovParam(name=_norm_un(label), param=label, estimate=est, se=d.get("se"), z=d.get("z"),
                      p=d.get("p"), lower=d.get("lower"), upper=d.get("upper"),
                      boundary=(est.value == 0 and d.get("se") is None and "se" in cols))
        if subject:
            res.extra.setdefault("subject", subject)
        rows.append((cp, subject, j))
        res.covariance.append(cp)
    _group_by_subject(res, rows, L)
    return last + 1


def _group_by_subject(res: FitResult, rows: list, L: Lines) -> None:
    """Several RANDOM statements print one Subject per row (`Intercept  SSCHOOL`, `UN(1,1)  class(school)`):
    with more than one subject, each row's `group` is its SUBJECT= as lme4 names the grouping (`school:class`
    for `class(school)`, outermost first). Checked on a real listing (Hox ch. 7, two crossed statements)."""
    terms = [(cp, subject, j) for cp, subject, j in rows if subject and cp.name.lower() != "residual"]
    subjects = [subject for _, subject, _ in terms]
    if len(set(subjects)) < 2:
        return
    # each statement's rows together, and an unstructured statement's rows the whole UN(i,j) triangle in
    # SAS's order: a Subject that changes inside them is a damaged row, never a term of its own
    blocks: list[list] = []
    for row in terms:
        if blocks and blocks[-1][0][1] == row[1]:
            blocks[-1].append(row)
        else:
            blocks.append([row])
    seen = set()
    for block in blocks:
        labels = [cp.name for cp, _, _ in block]
        un = [lab for lab in labels if lab.startswith("UN(")]
        q = int(round(((8 * len(labels) + 1) ** 0.5 - 1) / 2))
        triangle = [f"UN({i + 1},{k + 1})" for i in range(q) for k in range(i + 1)]
        if block[0][1] in seen or (un and labels != triangle):
            raise unreadable(f"the Subject column changes inside the rows of one RANDOM statement ({block[0][1]}); "
                             f"each statement's parameters are printed together, UN(1,1) first", L.file,
                             block[0][2] + 1, L[block[0][2]].strip(), code="OU001",
                             fix="copy the table unchanged with its header")
        seen.add(block[0][1])
    for cp, subject, _ in terms:
        cp.group = sas_subject_group(subject)
    res.extra["subjects"] = list(dict.fromkeys(subjects))


def _check_subjects(res: FitResult, L: Lines) -> None:
    """Model Information's `Subject Effects` (several RANDOM statements: `SSCHOOL, PSCHOOL`) must name the
    subjects of the Covariance Parameter Estimates rows: a row whose Subject was lost or changed would read
    as another model (one term instead of two), so a disagreement is OU001."""
    listed = res.extra.get("subject_effects") or []
    rows = {sas_subject_group(s).lower() for s in res.extra.get("subjects") or []} or \
        {sas_subject_group(s).lower() for s in [res.extra.get("subject")] if s and res.covariance}
    if len(listed) < 2 and len(rows) < 2:
        return
    if {sas_subject_group(s).lower() for s in listed} != rows:
        line = next((k for k in range(len(L)) if L[k].strip() == res.extra.get("subject_effects_line")), 0)
        raise unreadable(f"Model Information lists the subject effects {', '.join(listed) or '(none)'}, the Covariance "
                         f"Parameter Estimates rows name {', '.join(sorted(rows)) or '(none)'}", L.file, line + 1,
                         L[line].strip() if L else "", code="OU001", fix="copy the listing unchanged")


def sas_subject_group(subject: str) -> str:
    """SAS's SUBJECT= effect as lme4's grouping name: `school` -> school, `class(school)` -> school:class,
    `pupil(school class)` -> school:class:pupil, `school*class` -> school:class."""
    m = re.fullmatch(r"\s*([\w.]+)\s*\(\s*([^()]+?)\s*\)\s*", subject)
    if m:
        return ":".join(re.split(r"[\s*]+", m.group(2)) + [m.group(1)])
    return ":".join(p for p in re.split(r"[\s*]+", subject.strip()) if p)


def _group_column(header: str):
    """Where the Group column of a Covariance Parameter Estimates header is: its cell index (tab-separated
    copies) or its character offset (listings); None without one."""
    text = strip_markup(header)[0]
    if "\t" in text:
        cells = [c.strip().lower() for c in split_cells(text)]
        return ("cell", cells.index("group")) if "group" in cells else None
    m = re.search(r"\bGroup\b", text, re.I)
    return ("offset", m.start()) if m else None


def _split_group(line: str, label_toks: list[str], at) -> tuple[list[str], str | None]:
    """(the name and subject tokens, the group text) of a row whose header has a Group column."""
    kind, where = at
    text = strip_markup(line)[0]
    if kind == "cell":
        cells = split_cells(text)
        group = cells[where].strip() if where < len(cells) else ""
        rest = [c for k, c in enumerate(cells[:where]) if c.strip()]
        return (rest or label_toks[:1]), group or None
    starts = [m.start() for m in re.finditer(r"\S+", text)][:len(label_toks)]
    inside = [k for k, s0 in enumerate(starts) if s0 >= where - 1]
    if not inside:
        return label_toks, None
    return label_toks[:inside[0]], " ".join(label_toks[inside[0]:])


def _label_columns(header: str, kind: str) -> int:
    """How many label columns a header has before `Estimate` (`Cov Parm` is one; `Subject`, `Group`, and
    a fixed-effects table's CLASS variables are one each)."""
    before = re.split(r"\bestimate\b", strip_markup(header)[0], maxsplit=1, flags=re.I)[0]
    cells = split_cells(before) if "\t" in before else before.split()
    cells = [c for c in cells if c.strip()]
    if kind == "cov":
        return max(1, len([c for c in cells if c.lower() not in ("cov", "parm")]) + 1)
    return max(1, len(cells))


_NAME = re.compile(r"(UN|un|CSH|CS|AR|ARH|TOEPH|TOEP|Var)?\s*\(\s*\d+\s*(,\s*\d+\s*)?\)|SP\(POW\)|[A-Za-z_][\w.*:]*")


def _check_row(L: Lines, j: int, label_toks: list[str], vals: list, cols: list[str], n_label: int,
               table: str, numeric_labels: bool = True) -> None:
    """A row of a SAS table (the rows under its recognised header) has a name and exactly one value (or `.`)
    per column of the header; the name fills at most the header's label columns and starts with a name.
    Anything else (a Fit Statistics row, a row of another table, a row that lost a column) is OU001 at its
    line: never read into this table."""
    ok = (len(vals) == len(cols) and 1 <= len(label_toks) <= n_label
          and bool(_NAME.fullmatch(label_toks[0]))
          and (numeric_labels or not any(number(t) is not None for t in label_toks)))
    if not ok:
        raise unreadable(f"this line is not a row of the {table} table above it (a name and "
                         f"{len(cols)} values: {', '.join(cols)})", L.file, j + 1, L[j].strip(), code="OU001",
                         fix="copy the table unchanged with its header")


def _norm_un(label: str) -> str:
    m = re.fullmatch(r"(UN|un)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", label)
    return f"UN({m.group(2)},{m.group(3)})" if m else label


def _read_estimates(L: Lines, i: int, res: FitResult, struck_rows: list, is_label: bool) -> int:
    cols = _columns(L[i], "fixed")
    n_label = _label_columns(L[i], "fixed")
    classes = class_columns(L[i])
    last = i
    for j, toks, struck in _header_and_rows(L, i):
        last = j
        label_toks, vals, _ = _split_row(toks, len(cols))
        if is_label:    # ESTIMATE labels are free text: a label and one value per column
            if len(vals) != len(cols) or not label_toks:
                _check_row(L, j, [], vals, cols, 1, "Estimates")
        else:
            _check_row(L, j, [strip_markup(t)[0] for t in label_toks], vals, cols, n_label,
                       "Solution for Fixed Effects")
        d = dict(zip(cols, vals))
        label = " ".join(t for t in label_toks if t)
        if is_label:
            res.contrasts.append(ContrastResult(label=label, estimate=d.get("estimate"), se=d.get("se"),
                                                df=d.get("df"), t=d.get("t"), p=d.get("p"),
                                                lower=d.get("lower"), upper=d.get("upper")))
            continue
        est = d.get("estimate")
        if est is None:
            raise unreadable(f"fixed effect {label} has no estimate", L.file, j + 1, L[j].strip())
        term = canonical_term(label_toks[0]) if label_toks else label
        levels = {}
        if classes and len(label_toks) > 1:
            term, levels = read_effect(label_toks[0], [strip_markup(t)[0] for t in label_toks[1:]], classes)
        fe = FixedEffect(term=term, estimate=est, se=d.get("se"), df=d.get("df"), t=d.get("t"), p=d.get("p"),
                         lower=d.get("lower"), upper=d.get("upper"),
                         aliased=(est.value == 0 and d.get("se") is None))
        if levels and fe.aliased:          # the reference level's zero row: not a column of the fit
            res.extra.setdefault("base_rows", []).append(term)
            if len(levels) == 1 and "*" not in label_toks[0]:
                res.extra.setdefault("base_levels", {}).update(levels)
            continue
        if struck:
            struck_rows.append({"line": j + 1, "term": term, "estimate": est.value, "printed": est.printed,
                                "se": None if fe.se is None else fe.se.value,
                                "t": None if fe.t is None else fe.t.value, "row": fe})
            continue
        res.fixed.append(fe)
    return last + 1


_LSMEANS_TITLES = ("least squares means", "differences of least squares means")
_TITLES = _LSMEANS_TITLES + ("solution for fixed effects", "type 3 tests of fixed effects", "estimates",
                             "contrasts", "tests of effect slices")


def class_columns(header: str) -> list[str]:
    """The CLASS variables' level columns of a header: the cells between `Effect` and `Estimate`."""
    before = re.split(r"\bestimate\b", strip_markup(header)[0], maxsplit=1, flags=re.I)[0]
    cells = [c.strip() for c in (split_cells(before) if "\t" in before else before.split()) if c.strip()]
    return cells[1:] if cells and cells[0].lower() == "effect" else []


def read_type3(L: Lines, i: int, res: FitResult) -> int:
    """Type 3 Tests of Fixed Effects: Effect, Num DF, Den DF, F Value, Pr > F; with the CHISQ option also
    Chi-Square and Pr > ChiSq (`Num DF  Den DF  Chi-Square  F Value  Pr > ChiSq  Pr > F`, as in the mmrm
    repository's real listings), of which the F test is kept."""
    chisq = "chi-square" in strip_markup(L[i])[0].lower()
    cols = ["num_df", "den_df", "chisq", "f", "p_chisq", "p"] if chisq else ["num_df", "den_df", "f", "p"]
    last = i
    for j, toks, _ in _header_and_rows(L, i):
        last = j
        label_toks, vals, _ = _split_row(toks, len(cols))
        if len(vals) != len(cols) or len(label_toks) != 1 or vals[0] is None:
            _check_row(L, j, label_toks, vals, cols, 1, "Type 3 Tests of Fixed Effects")
        d = dict(zip(cols, vals))
        res.type3.append(Type3Row(canonical_term(label_toks[0]), d["num_df"], d["den_df"], d["f"], d["p"]))
    return last + 1


def read_lsmeans(L: Lines, i: int, res: FitResult, diffs: bool) -> int:
    """Least Squares Means / Differences of Least Squares Means: Effect, level columns (`_var` for the second
    level of a difference), Estimate, Standard Error, DF, t Value, Pr > |t| [Alpha Lower Upper] (the CL
    option's columns, as in the mmrm repository's real listings: read, the limits kept for LS-means)."""
    classes = class_columns(L[i])
    first = [c for c in classes if not c.startswith("_")]
    head = strip_markup(L[i])[0].lower()
    cols = ["estimate", "se", "df", "t", "p"] + (["alpha", "lower", "upper"] if "alpha" in head and "lower" in head
                                                 else [])
    last = i
    for j, toks, _ in _header_and_rows(L, i):
        last = j
        label_toks, vals, _ = _split_row(toks, len(cols))
        if len(vals) != len(cols) or not label_toks:
            _check_row(L, j, label_toks, vals, cols, 1 + len(classes), "Least Squares Means")
        limits = vals[6:]
        vals = vals[:5]
        effect, lv = label_toks[0], label_toks[1:]
        factors = [f.strip() for f in effect.split("*")]
        mine = [c for c in first if c.upper() in {f.upper() for f in factors}]
        k = len(mine)
        if len(lv) != (2 * k if diffs else k):
            raise unreadable(f"this LS-means row does not have one level per CLASS variable of {effect}",
                             L.file, j + 1, L[j].strip(), code="OU001")
        a = dict(zip(mine, lv[:k]))
        term = ":".join(c for c in factors)
        order = [next(c for c in mine if c.upper() == f.upper()) for f in factors if f.upper() in
                 {c.upper() for c in mine}]
        if diffs:
            b = dict(zip(mine, lv[k:]))
            res.lsmean_diffs.append(LSMeanDiff(term, tuple(a[c] for c in order), tuple(b[c] for c in order),
                                               *vals))
        else:
            res.lsmeans.append(LSMeanRow(term, tuple(a[c] for c in order), *vals, *limits))
    return last + 1


def _read_contrasts(L: Lines, i: int, res: FitResult) -> int:
    last = i
    for j, toks, _ in _header_and_rows(L, i):
        last = j
        label_toks, vals, _ = _split_row(toks, 4)
        if len(vals) != 4 or not label_toks:
            _check_row(L, j, [], vals, ["num_df", "den_df", "f", "p"], 1, "Contrasts")
        d = dict(zip(["num_df", "den_df", "f", "p"], vals))
        res.contrasts.append(ContrastResult(label=" ".join(label_toks), **d))
    return last + 1


def _is_correlation_matrix(L: Lines, i: int) -> bool:
    """Which matrix the `Row Effect Subject Col1 ...` table at line i is: its title (`Estimated G Correlation
    Matrix` or `Estimated G Matrix`, on the lines just above) says; a title-like line above that is neither
    is OU001 (a damaged title must not turn correlations into covariances); without a title (a table copied
    without it), a correlation matrix is one whose diagonal is all 1."""
    for k in range(i - 1, max(-1, i - 3), -1):
        t = strip_markup(L[k])[0].strip()
        if not t:
            continue
        if re.fullmatch(r"Estimated\s+G\s+Correlation\s+Matrix", t, re.I):
            return True
        if re.fullmatch(r"Estimated\s+G\s+Matrix", t, re.I):
            return False
        if re.search(r"matrix|estimated|correlation", t, re.I):
            raise unreadable("the title above this Row/Col table is neither 'Estimated G Matrix' nor "
                             "'Estimated G Correlation Matrix'", L.file, k + 1, t, code="OU001",
                             fix="copy the table with its title unchanged")
        break
    _, q = _gmatrix_header(L, i)
    diagonal = []
    for n, (j, toks, _) in enumerate(_header_and_rows(L, i)):
        _, nums = peel_numbers([t for t in toks if t != ""], count=q, drop_stars=False)
        diagonal.append(number(nums[n]) if n < len(nums) else None)
    return bool(diagonal) and all(v is not None and v.value == 1.0 for v in diagonal)


def _gmatrix_header(L: Lines, i: int) -> tuple[int, int]:
    """(label columns, q) of a `Row Effect [Subject] Col1 ... Colq` header: Col1..Colq numbered in order and
    nothing after them, else OU001 (a clipped `Col` would make the last row's numbers shift)."""
    cells = [c for c in (split_cells(L[i]) if "\t" in L[i] else L[i].split()) if c.strip()]
    k = next((n for n, c in enumerate(cells) if re.fullmatch(r"col\d+", c.strip(), re.I)), len(cells))
    cols = [c.strip().lower() for c in cells[k:]]
    if not cols or cols != [f"col{n}" for n in range(1, len(cols) + 1)] or k < 2:
        raise unreadable("the header of this matrix is not 'Row Effect [Subject] Col1 ... Colq'", L.file, i + 1,
                         L[i].strip(), code="OU001", fix="copy the table unchanged with its header")
    return k, len(cols)


def _read_gmatrix(L: Lines, i: int, res: FitResult, correlation: bool) -> int:
    n_label, q = _gmatrix_header(L, i)
    effects: list[str] = []
    rows: list[list[float]] = []
    last = i
    for j, toks, _ in _header_and_rows(L, i):
        last = j
        toks = [t for t in toks if t != ""]
        label_toks, nums = peel_numbers(toks, count=q, drop_stars=False)
        if len(nums) != q or len(label_toks) != n_label or not label_toks[0].isdigit() \
                or int(label_toks[0]) != len(rows) + 1:
            raise unreadable(f"this line is not row {len(rows) + 1} of the matrix above it (a row number, an "
                             f"effect and {q} values)", L.file, j + 1, L[j].strip(), code="OU001",
                             fix="copy the table unchanged with its header")
        if len(label_toks) >= 2:
            effects.append(effect_name(label_toks[1]))
        elif label_toks:
            effects.append(effect_name(label_toks[-1]))
        rows.append([number(n) for n in nums])
    if effects:
        res.random_effects = effects
    floats = [[float("nan") if v is None else v.value for v in r] for r in rows]
    if correlation:
        res.gcorr = floats
    else:
        res.extra["g"] = floats
        res.extra["g_values"] = rows
    return last + 1


def _read_iterations(L: Lines, i: int, res: FitResult) -> int:
    """Iteration History (`Iteration  Evaluations  -2 Res Log Like  Criterion`): the last iterate's -2 log L,
    printed to 8 decimals, is kept as extra["iteration_neg2ll"] (the likelihood bound of diff uses it; the
    Fit Statistics print 1 decimal)."""
    last = None
    j = i + 1
    while j < len(L):
        toks = L[j].split()
        if not toks:
            if last is not None or j > i + 1:
                break
            j += 1
            continue
        if len(toks) < 3 or not toks[0].isdigit() or not toks[1].isdigit():
            break
        last = number(toks[2])
        j += 1
    if last is not None:
        res.extra["iteration_neg2ll"] = last
    return j


def _read_infocrit(L: Lines, i: int, res: FitResult) -> int:
    names = L[i].split()
    k = i + 1
    while k < len(L) and not L[k].strip() and k == i + 1:    # listings print a blank line under the header
        k += 1
    if k < len(L):
        toks = L[k].split()
        if not set(names) <= {"Neg2LogLike", "Parms", "AIC", "AICC", "HQIC", "BIC", "CAIC"} or \
                len(toks) != len(names) or any(number(t) is None and t != "." for t in toks):
            # (`.`: a missing criterion, e.g. HQIC = -2LL + 2d log log n of a single subject)
            raise unreadable("the Information Criteria row needs one number under each of its names", L.file,
                             k + 1, L[k].strip(), code="OU001", fix="copy the header and its row unchanged")
        vals = dict(zip(names, [number(n) for n in toks]))
        if vals.get("Neg2LogLike") is not None:
            res.neg2ll = vals["Neg2LogLike"]
        stats = res.fit.setdefault("sas", {})
        for name in ("AIC", "AICC", "HQIC", "BIC", "CAIC", "Parms"):
            if vals.get(name) is not None:
                stats[name] = vals[name]
    return k + 1


_FIT = [(r"-2\s+res\s+log\s+likelihood", "neg2ll", "reml"), (r"-2\s+log\s+likelihood", "neg2ll", "ml"),
        (r"aicc\s*\(smaller is better\)", "AICC", None), (r"aic\s*\(smaller is better\)", "AIC", None),
        (r"hqic\s*\(smaller is better\)", "HQIC", None), (r"caic\s*\(smaller is better\)", "CAIC", None),
        (r"bic\s*\(smaller is better\)", "BIC", None)]


def _read_fit_line(line: str, res: FitResult) -> bool:
    low = line.lower().strip()
    for pat, key, method in _FIT:
        m = re.match(pat + r"\s+(\S+)\s*$", low)
        if m:
            v = number(line.split()[-1])
            if v is None:
                return False
            if key == "neg2ll":
                res.neg2ll = v
                res.method = res.method or method
            else:
                res.fit.setdefault("sas", {})[key] = v
            return True
    return False


_INFO = [(r"estimation method\s+(\S+)", "method"), (r"degrees of freedom method\s+(\S+)", "ddf"),
         (r"covariance structures?\s+(.+?)\s*$", "structure"), (r"subject effects?\s+(\S+)", "subject"),
         (r"dependent variable\s+(\S+)", "outcome"), (r"^\s*subjects\s+(\d+)\s*$", "subjects"),
         (r"observations used\s+(\d+)", "nobs"), (r"covariance parameters\s+(\d+)\s*$", "ncov"),
         (r"columns in x\s+(\d+)\s*$", "ncolx")]


def _read_info_line(line: str, res: FitResult) -> None:
    low = line.strip().lower()
    for pat, key in _INFO:
        m = re.search(pat, low)
        if not m:
            continue
        val = m.group(1)
        if key == "method" and val in ("reml", "ml"):
            res.method = val
        elif key == "ddf":
            res.ddf = _DDF.get(val.replace("_", "-"), val)
        elif key == "structure":
            res.covariance_structure = _STRUCT.get(val, res.covariance_structure)
        elif key == "subject":
            res.extra["subject"] = line.strip().split()[-1]
            listed = re.split(r"subject effects?", line.strip(), maxsplit=1, flags=re.I)[-1]
            res.extra["subject_effects"] = [x.strip() for x in listed.split(",") if x.strip()]
            res.extra["subject_effects_line"] = line.strip()
        elif key == "outcome":
            res.extra["outcome"] = line.strip().split()[-1]
        elif key == "subjects":
            res.n_clusters = int(val)
        elif key == "nobs":
            res.n_obs = int(val)
        elif key in ("ncov", "ncolx"):
            res.extra[key] = int(val)


def _name_covparms(res: FitResult) -> None:
    """Give UN(i,j) rows their canonical param names when the random effects are known (G/GCORR table);
    with only an Estimated G Matrix (no Covariance Parameter Estimates), take G's elements. An R-side
    (REPEATED) listing's parameters are named by rside_output.name_r_side."""
    if name_r_side(res):
        return
    effects = res.random_effects
    g = res.extra.pop("g_values", None)
    if g and not res.covariance and effects and len(g) == len(effects):
        for i in range(len(effects)):
            for j in range(i + 1):
                v = g[i][j] if j < len(g[i]) else None
                if v is not None:
                    res.covariance.append(CovParam(name=f"UN({i + 1},{j + 1})", param=un_param(i + 1, j + 1, effects),
                                                   estimate=v))
    labels = [c.name for c in res.covariance]
    if any(lab.startswith("UN(") for lab in labels):
        res.covariance_structure = res.covariance_structure or "un"
    elif res.covariance and res.covariance_structure is None and any(lab != "Residual" for lab in labels):
        res.covariance_structure = "vc"
    vc_effects = []
    for c in res.covariance:
        m = re.fullmatch(r"UN\((\d+),(\d+)\)", c.name)
        if m:
            p = un_param(int(m.group(1)), int(m.group(2)), effects) if effects else None
            c.param = p or c.name
        elif c.name.lower() == "residual":
            c.name, c.param = "Residual", "var(Residual)"
        else:
            e = effect_name(c.name)
            c.param = f"var({e})"
            vc_effects.append(e)
    if not effects and vc_effects:
        res.random_effects = vc_effects


# ------------------------------------------------------------------ ODS CSV exports

_CSV_COLS = {
    "covparm": "label", "covparameter": "label", "effect": "label", "label": "label", "descr": "descr",
    "description": "descr", "subject": "subject", "estimate": "estimate", "stderr": "se",
    "standarderror": "se", "zvalue": "z", "probz": "p", "prz": "p", "tvalue": "t", "probt": "p", "prt": "p",
    "df": "df", "alpha": "alpha", "lower": "lower", "upper": "upper", "value": "value", "numdf": "num_df",
    "dendf": "den_df", "fvalue": "f", "probf": "p", "prf": "p", "row": "row",
}


def _csv_key(h: str) -> str:
    return re.sub(r"[^a-z0-9]", "", h.lower())


def _parse_csv(text: str, file: str | None) -> FitResult:
    res = FitResult(source="sas", file=file)
    found = 0
    for block in csv_blocks(text):
        header_line, header = block[0]
        keys = [_csv_key(h) for h in header]
        roles = [_CSV_COLS.get(k, k) for k in keys]
        kind = _csv_kind(keys)
        if kind is None:
            continue
        found += 1
        for line_no, cells in block[1:]:
            row = dict(zip(roles, cells))
            raw = dict(zip(keys, cells))
            if kind == "covparms":
                lab = row.get("label", "")
                cp = CovParam(name=_norm_un(lab), param=lab, estimate=_need(row, "estimate", file, line_no),
                              se=number(row.get("se")), z=number(row.get("z")), p=number(row.get("p")),
                              lower=number(row.get("lower")), upper=number(row.get("upper")))
                cp.boundary = cp.estimate.value == 0 and cp.se is None and "se" in roles
                res.covariance.append(cp)
                if row.get("subject"):
                    res.extra.setdefault("subject", row["subject"])
            elif kind == "solutionf":
                est = _need(row, "estimate", file, line_no)
                res.fixed.append(FixedEffect(term=canonical_term(row["label"]), estimate=est,
                                             se=number(row.get("se")), df=number(row.get("df")),
                                             t=number(row.get("t")), p=number(row.get("p")),
                                             lower=number(row.get("lower")), upper=number(row.get("upper")),
                                             aliased=est.value == 0 and number(row.get("se")) is None))
            elif kind == "estimates":
                res.contrasts.append(ContrastResult(label=row["label"], estimate=number(row.get("estimate")),
                                                    se=number(row.get("se")), df=number(row.get("df")),
                                                    t=number(row.get("t")), p=number(row.get("p")),
                                                    lower=number(row.get("lower")), upper=number(row.get("upper"))))
            elif kind == "contrasts":
                res.contrasts.append(ContrastResult(label=row["label"], num_df=number(row.get("num_df")),
                                                    den_df=number(row.get("den_df")), f=number(row.get("f")),
                                                    p=number(row.get("p"))))
            elif kind == "fit":
                _read_fit_line(f"{row.get('descr', '')}  {row.get('value', '')}", res)
            elif kind == "info":
                _read_info_line(f"{row.get('descr', '')}  {row.get('value', '')}", res)
            elif kind == "infocrit":
                v = {k: number(c) for k, c in raw.items()}
                if v.get("neg2loglike") is not None:
                    res.neg2ll = v["neg2loglike"]
                for k in ("aic", "aicc", "hqic", "bic", "caic", "parms"):
                    if v.get(k) is not None:
                        res.fit.setdefault("sas", {})[k.upper() if k != "parms" else "Parms"] = v[k]
            elif kind == "gcorr":
                cols = [c for k, c in zip(keys, cells) if re.fullmatch(r"col\d+", k)]
                res.random_effects.append(effect_name(row.get("label", "")))
                res.gcorr = (res.gcorr or []) + [[number(c).value if number(c) else float("nan") for c in cols]]
    if not found:
        raise unreadable("no SAS ODS table recognised in this CSV (expected the columns of CovParms, "
                         "SolutionF, Estimates, FitStatistics, InfoCrit or GCorr)", file, 1, code="OU002")
    _name_covparms(res)
    return res


def _csv_kind(keys: list[str]) -> str | None:
    ks = set(keys)
    if "covparm" in ks:
        return "covparms"
    if "effect" in ks and "estimate" in ks and any(k.startswith("col") for k in ks):
        return "gcorr"
    if "effect" in ks and "estimate" in ks:
        return "solutionf"
    if "label" in ks and "estimate" in ks:
        return "estimates"
    if "label" in ks and "fvalue" in ks:
        return "contrasts"
    if "neg2loglike" in ks:
        return "infocrit"
    if "effect" in ks and any(re.fullmatch(r"col\d+", k) for k in ks):
        return "gcorr"
    if "descr" in ks and "value" in ks:
        return "fit"
    if ("descr" in ks or "description" in ks) and ks & {"value", "cvalue1"}:
        return "info"
    return None


def _need(row: dict, key: str, file: str | None, line: int) -> Value:
    v = number(row.get(key))
    if v is None:
        raise unreadable(f"missing or unreadable {key} ({row.get(key)!r})", file, line, str(row.get(key)))
    return v


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """Several PROC MIXED runs in one file: one piece per `Model Information` table (each run prints one),
    or, without those, per `Covariance Parameter Estimates` title. Two covariance-parameter tables that
    cannot be told apart so: OU001."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    info = [i for i, ln in enumerate(lines) if re.match(r"\s*Model Information\s*$", strip_markup(ln)[0], re.I)]
    if len(info) >= 2:
        return split_at(text, info)
    titles = [i for i, ln in enumerate(lines)
              if re.match(r"\s*Covariance Parameter Estimates\s*$", strip_markup(ln)[0], re.I)]
    if len(titles) >= 2 and not info:
        return split_at(text, titles)
    heads = [i for i, ln in enumerate(lines) if re.search(r"\bcov\s*parm\b", ln, re.I) and "estimate" in ln.lower()]
    if len(heads) >= 2:
        raise two_models(file, "Covariance Parameter Estimates tables", heads)
    return None
