"""The categorical tables of R output: lmerTest's `anova(m, type = 3)` and emmeans' `emmeans()` / `pairs()`.

Read as printed by lmerTest 3.1 and emmeans 1.8 (real output in reference_outputs/r/categorical/):

    Type III Analysis of Variance Table with Satterthwaite's method
           Sum Sq Mean Sq NumDF   DenDF F value    Pr(>F)
    arm   126.644  63.322     2 268.929  26.623 2.824e-11 ***

     arm  emmean    SE   df lower.CL upper.CL
     ctl    10.2 0.236 62.2     9.76     10.7

     contrast   estimate    SE  df t.ratio p.value
     ctl - high   -1.646 0.227 266  -7.252  <.0001

Type III rows go to `FitResult.type3` (the table whose df method is the summary's, else the first; every
table by method in `extra["type3_tables"]`); emmeans rows to `lsmeans` (term = the factor columns joined by
`:`, levels as printed) and `pairs()` rows to `lsmean_diffs` (levels split at ` - `). `emmeans` prints the
mean with R's significant-digit rounding, so its printed precision is what the diff allows. Its df are
rounded twice (emmeans' print method rounds df to 2 decimals, then formats the column to the table's
significant digits: df 61.6537 -> 61.65 -> `61.6`), so a df printed with fewer than 2 decimals is uncertain
by its half unit plus 0.005 (`_twice_rounded_df`).
"""
from __future__ import annotations

import re

from ...mapping import canonical_term
from ...outputtext import Lines, join_bounds, number, unreadable
from ...results import FitResult, LSMeanDiff, LSMeanRow, Type3Row, Value

TYPE3_TITLE = re.compile(r"\s*Type III Analysis of Variance Table(?: with (Satterthwaite|Kenward-Roger)'s method)?")
_TYPE3_HEADER = re.compile(r"\s*Sum Sq\s+Mean Sq\s+NumDF\s+DenDF\s+F value\s+Pr\(>F\)\s*$")
EMMEANS_HEADER = re.compile(r"^\s*(?P<factors>(?:[A-Za-z.][\w.]*\s+)+)emmean\s+SE\s+df\s+(lower|asymp\.L)\.?CL\s+"
                            r"(upper|asymp\.U)\.?CL\s*$")
PAIRS_HEADER = re.compile(r"^\s*contrast\s+estimate\s+SE\s+df\s+(?P<stat>[tz])\.ratio\s+p\.value\s*$")
_STARS = re.compile(r"\*{1,3}|\.")
_METHODS = {"Satterthwaite": "satterthwaite", "Kenward-Roger": "kenward-roger"}


def _cells(line: str, n: int) -> tuple[list[str], list[str]] | None:
    toks = join_bounds(line).split()
    while toks and _STARS.fullmatch(toks[-1]):
        toks.pop()
    if len(toks) <= n:
        return None
    return toks[:-n], toks[-n:]


def read_type3(L: Lines, i: int, res: FitResult) -> int:
    """The table under a `Type III Analysis of Variance Table` title (line i); returns the line after it."""
    m = TYPE3_TITLE.match(L[i])
    method = _METHODS.get(m.group(1) or "", None)
    j = i + 1
    if j >= len(L) or not _TYPE3_HEADER.match(L[j]):
        raise unreadable("expected the header 'Sum Sq Mean Sq NumDF DenDF F value Pr(>F)' under the Type III "
                         "title", L.file, j + 1, L[j].strip() if j < len(L) else "", code="OU001")
    rows = []
    j += 1
    while j < len(L) and L[j].strip() and not L[j].strip().startswith(("---", "Signif.")):
        got = _cells(L[j], 6)
        vals = None if got is None else [number(c) for c in got[1]]
        if got is None or len(got[0]) != 1 or any(v is None for v in vals):
            raise unreadable("a row of the Type III table does not have its 6 columns (Sum Sq, Mean Sq, NumDF, "
                             "DenDF, F value, Pr(>F))", L.file, j + 1, L[j].strip(), code="OU001")
        rows.append(Type3Row(canonical_term(got[0][0]), vals[2], vals[3], vals[4], vals[5]))
        j += 1
    tables = res.extra.setdefault("type3_tables", {})
    tables[method or "unnamed"] = rows
    if not res.type3 or (method is not None and method == res.ddf):
        res.type3 = rows
        res.extra["type3_ddf"] = method
    return j


def read_emmeans(L: Lines, i: int, res: FitResult) -> int:
    """An `emmeans()` table (header at line i): one LSMeanRow per level combination."""
    header = L[i]
    head = EMMEANS_HEADER.match(header)
    factors = head.group("factors").split()
    asymptotic = head.group(2) == "asymp.L"          # lmer.df = "asymptotic": df printed as Inf
    term = ":".join(factors)
    # emmeans left-aligns each factor's column under its name, so a level with a space (`mid 50%`, from
    # mlmRev::Exam) is the text from its factor's column to the next one's
    starts = [m.start() for m in re.finditer(r"\S+", header)][:len(factors)]
    j = i + 1
    while j < len(L) and L[j].strip():
        toks = L[j].split()
        levels = _level_cells(L[j], starts, len(toks) - 5) if len(toks) >= len(factors) + 5 else None
        bad_df = len(toks) >= 5 and (number(toks[-3]) is None if toks[-3] != "Inf" else not asymptotic)
        if levels is None or bad_df or any(_cell(t, c) is None for c, t in enumerate(toks[-5:]) if c != 2):
            raise unreadable(f"a row of the emmeans table does not have its {len(factors)} level(s) and 5 numbers "
                             f"(emmean, SE, df, lower, upper)", L.file, j + 1, L[j].strip(), code="OU001")
        v = [_cell(t, c) for c, t in enumerate(toks[-5:])]
        v[2] = None if v[2] is None else _twice_rounded_df(v[2])
        res.lsmeans.append(LSMeanRow(term, levels, v[0], v[1], v[2], lower=v[3], upper=v[4]))
        j += 1
    res.extra["emmeans_term"] = term
    res.extra["emmeans_levels"] = {r.levels for r in res.lsmeans if r.term == term}
    return j


def _cell(text: str, column: int):
    """A number of an emmeans/pairs row; the df column (2) may be `Inf`: emmeans' asymptotic df (z tests, as
    it prints above 3000 rows unless its limit is lifted), read as no df (so the df are not compared as a
    number; the z-based p-values then differ from a Satterthwaite/KR fit's, which diff reports)."""
    if column == 2 and text == "Inf":
        return None
    return number(text)


def _level_cells(line: str, starts: list[int], n_level_tokens: int) -> tuple[str, ...] | None:
    """The level texts of an emmeans row: the text before its 5 numbers, cut at the factors' column starts
    (one factor: all of it). None when a cell is empty."""
    body = line.rstrip()
    cut = body
    for _ in range(5):                                  # drop the 5 numbers from the right
        cut = cut.rstrip()
        cut = cut[:cut.rfind(" ") + 1] if " " in cut else ""
    cut = cut.rstrip()
    if len(starts) == 1:
        cells = [cut.strip()]
    else:
        bounds = starts[1:] + [len(cut)]
        cells = [cut[a:b].strip() if a < len(cut) else "" for a, b in zip(starts, bounds)]
        if sum(len(c.split()) for c in cells) != n_level_tokens:     # not aligned as expected: by words
            words = cut.split()
            cells = words if len(words) == len(starts) else []
    return tuple(cells) if cells and all(cells) else None


def read_pairs(L: Lines, i: int, res: FitResult) -> int:
    """A `pairs()` table (header at line i): one LSMeanDiff per `a - b` row, of the emmeans table printed
    before it (another table between them ends that pairing: `forget_emmeans`); each side must be a level
    combination of that table (a pairs() table whose own emmeans header was lost is OU001, never read as
    differences of the earlier table's factor)."""
    term = res.extra.get("emmeans_term")
    if term is None:
        raise unreadable("a pairs() table without the emmeans() table it compares (its factor names are "
                         "printed there)", L.file, i + 1, L[i].strip(), code="OU002",
                         fix="copy the emmeans() table with its pairs()")
    k = len(term.split(":"))
    # the level combinations of the emmeans table, as emmeans pastes them into a contrast (levels with spaces)
    known = {" ".join(m.levels): m.levels for m in res.lsmeans if m.term == term}
    j = i + 1
    while j < len(L) and L[j].strip():
        got = _cells(L[j], 5)
        label = " ".join(got[0]) if got else ""
        vals = None if got is None else [_cell(t, c + 1) for c, t in enumerate(got[1])]
        pair = _pair_sides(label, known, term, k)
        if got is None or pair is None or any(v is None for c, v in enumerate(vals) if c != 2):
            raise unreadable("a row of the pairs() table is not 'level - level' and 5 numbers (estimate, SE, df, "
                             "t.ratio, p.value)", L.file, j + 1, L[j].strip(), code="OU001")
        vals[2] = None if vals[2] is None else _twice_rounded_df(vals[2])
        listed = res.extra.get("emmeans_levels")
        if listed is not None and (pair[0] not in listed or pair[1] not in listed):
            raise unreadable(f"a row of the pairs() table compares levels that the emmeans() table of {term} "
                             f"above it does not have", L.file, j + 1, L[j].strip(), code="OU001",
                             fix="copy each emmeans() table with its pairs()")
        res.lsmean_diffs.append(LSMeanDiff(term, pair[0], pair[1], *vals))
        j += 1
    return j


def _pair_sides(label: str, known: dict[str, tuple[str, ...]], term: str, k: int):
    """(levels_a, levels_b) of a contrast label `a - b`: the split at a ' - ' whose both sides are level
    combinations of the emmeans table (levels may hold spaces or ' - '); else the single ' - ' with k words a
    side (factor names pasted to numeric-looking levels removed). None when neither reads."""
    factors = term.split(":")
    for m in re.finditer(r" - ", label):
        a, b = label[:m.start()], label[m.end():]
        if a in known and b in known:
            return known[a], known[b]
    sides = label.split(" - ")
    if len(sides) != 2 or any(len(s.split()) != k for s in sides):
        return None
    return tuple(tuple(_strip_factor(x, f) for x, f in zip(s.split(), factors)) for s in sides)


def _strip_factor(level: str, factor: str) -> str:
    """emmeans pastes the factor name to numeric-looking levels in contrasts (`denomina1 - denomina2`)."""
    return level[len(factor):] if level.startswith(factor) and len(level) > len(factor) else level


def forget_emmeans(res: FitResult) -> None:
    """Another table was read: a later pairs() table cannot belong to the last emmeans() table."""
    res.extra.pop("emmeans_term", None)
    res.extra.pop("emmeans_levels", None)


def _twice_rounded_df(df: Value) -> Value:
    """emmeans' df column: `round(df, 2)` and then the column's significant digits, so a df printed with fewer
    than 2 decimals is up to 0.005 further off than its last digit says (61.6537 -> 61.65 -> `61.6`)."""
    txt = (df.printed or "").lstrip("+-")
    decimals = len(txt.split(".")[1]) if "." in txt and "e" not in txt.lower() else 0
    if df.printed is None or df.error is not None or decimals >= 2:
        return df
    return Value(df.value, df.printed, df.bound, df.half_unit + 0.005)
