"""Read SPSS MIXED output into a FitResult: pivot tables exported as text (tab-separated or aligned with
spaces) or as CSV, or copied from the Viewer.

Tables read (title cell, footnote markers such as `(a)` or a trailing `a` ignored):

* Information Criteria: `-2 Restricted Log Likelihood` (REML) or `-2 Log Likelihood` (ML), `Akaike's
  Information Criterion (AIC)`, `Hurvich and Tsai's Criterion (AICC)`, `Bozdogan's Criterion (CAIC)`,
  `Schwarz's Bayesian Criterion (BIC)`;
* Estimates of Fixed Effects: `Parameter Estimate Std. Error df t Sig. [95% CI Lower Upper]`; interaction
  labels `mixgrd * verb10`;
* Estimates of Covariance Parameters: `Residual`, then per RANDOM block `Intercept + WCverb [subject =
  schoolID]` with `UN (1,1)`, `UN (2,1)`, `UN (2,2)` (the block label names the effects in RANDOM order) or
  `<effect> [subject = g]` with `Variance` (COVTYPE(VC)); columns `Estimate Std. Error Wald Z Sig. [CI]`;
* factor parameters `[sex=F]`, `[sex=F] * x` (factor_names.py) read as `sex[F]`, `sex[F]:x`; the redundant
  `0b` row (SPSS's reference, the last category) recorded in extra["base_levels"], not read as a coefficient;
* Type III Tests of Fixed Effects -> `type3`; /EMMEANS "Estimates" -> `lsmeans`, "Pairwise Comparisons" ->
  `lsmean_diffs`;
* Contrast Estimates (from /TEST): `L1 Estimate [Test Value  Difference] Std. Error df t Sig. [CI]`;
* Test Results (the /TEST F test): `<label> Numerator df  Denominator df  F  Sig.`.

SPSS prints `.000` for p < .0005 and drops leading zeros (`-.221`); both keep their printed precision.
"""
from __future__ import annotations

import csv
import io
import re

from ...mapping import canonical_term, effect_name, un_param
from ...outputtext import split_at, two_models, looks_like_csv, number, unreadable
from ...results import ContrastResult, CovParam, FitResult, FixedEffect, LSMeanDiff, LSMeanRow, Type3Row, Value
from . import repeated_output
from .factor_names import read_parameter

_TITLES = {"information criteria": "ic", "estimates of fixed effects": "fixed",
           "estimates of covariance parameters": "cov", "contrast estimates": "contrast",
           "type iii tests of fixed effects": "tests3", "model dimension": "dim", "test results": "ftest",
           "random effect covariance structure (g)": "g", "estimates": "emm", "pairwise comparisons": "pairs"}
_IC = [(r"^-2 restricted log likelihood", "neg2ll", "reml"), (r"^-2 log likelihood", "neg2ll", "ml"),
       (r"\(aicc\)", "AICC", None), (r"\(aic\)", "AIC", None), (r"\(caic\)", "CAIC", None), (r"\(bic\)", "BIC", None)]


def _cells(text: str) -> list[tuple[int, list[str]]]:
    out = []
    is_csv = looks_like_csv(text) or _csv_export(text)
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            out.append((n, []))
            continue
        if is_csv:
            cells = next(csv.reader(io.StringIO(line)))
        elif "\t" in line:
            cells = line.split("\t")
        else:
            cells = re.split(r"\s{2,}", line.strip())
        out.append((n, [c.strip() for c in cells]))
    return out


def _csv_export(text: str) -> bool:
    """SPSS CSV exports start with a title line without commas; most lines have commas, empty cells `,,`."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or any("\t" in ln for ln in lines):
        return False
    with_commas = sum(1 for ln in lines if "," in ln)
    return with_commas >= 0.5 * len(lines) and any(",," in ln or ln.startswith('"') for ln in lines)


def _num(cell: str) -> Value | None:
    c = cell.strip()
    v = number(c)
    if v is None and re.fullmatch(r"-?[\d.,]+([a-z]|\*)", c):
        v = number(c[:-1])          # footnote marker glued to a number (`.000b`, `0b`, `-1.646*`)
    return v


def _title(cells: list[str]) -> str | None:
    if not cells:
        return None
    first = next((c for c in cells if c), "")
    key = re.sub(r"\s*(\([a-z]\)|[a-z])$", "", first.strip()).lower()
    if key in _TITLES:
        return _TITLES[key]
    key2 = first.strip().lower()
    for t, kind in _TITLES.items():
        if key2.startswith(t) and (len(key2) <= len(t) + 3 or key2[len(t):].lstrip().startswith(":")):
            return kind
    return None


def parse_output(text: str, file: str | None = None) -> FitResult:
    rows = _cells(text)
    res = FitResult(source="spss", file=file)
    table = None
    table_label = None
    header_text = ""
    block_effects: list[str] = []
    found = 0
    for n, cells in rows:
        if not cells:
            continue
        kind = _title(cells)
        if kind:
            table, header_text, block_effects = kind, "", []
            first = next((c for c in cells if c), "")
            table_label = first.split(":", 1)[1].strip() if ":" in first else None
            found += kind in ("ic", "fixed", "cov", "contrast", "ftest")
            continue
        nonempty = [c for c in cells if c]
        if not nonempty or table is None:
            continue
        if re.match(r"^[a-z]\.\s", nonempty[0]) or nonempty[0].startswith("The information criteria"):
            continue                                   # footnotes
        nums_at = [k for k, c in enumerate(nonempty) if _num(c) is not None]
        if not nums_at:
            header_text += " " + " ".join(nonempty)
            continue
        labels = nonempty[:nums_at[0]]
        values = [_num(c) for c in nonempty[nums_at[0]:]]
        if table == "ic":
            if len(values) != 1 or not labels:
                raise _not_a_row("Information Criteria", "a criterion and its value", file, n, cells)
            _ic_row(" ".join(labels), values[0], res)
        elif table == "fixed":
            _fixed_row(labels, values, header_text, res, file, n)
        elif table == "cov":
            block_effects = _cov_row(labels, values, header_text, res, block_effects, file, n)
        elif table == "contrast":
            _contrast_row(labels, values, header_text, res, table_label)
        elif table == "tests3":
            _type3_row(labels, values, res, file, n, cells)
        elif table == "emm":
            _emm_row(labels, values, header_text, res, file, n, cells)
        elif table == "pairs":
            _pairs_row(labels, values, header_text, res, file, n, cells)
        elif table == "ftest" and len(values) >= 4:
            num, den, f, p = values[:4]
            label = " ".join(labels) or table_label or f"F test {len(res.contrasts) + 1}"
            if table_label and re.fullmatch(r"L\d+|Contrast", label):
                label = table_label
            res.contrasts.append(ContrastResult(label=label, num_df=num, den_df=den, f=f, p=p))
    if not found:
        raise unreadable("no SPSS MIXED table found (looked for Information Criteria, Estimates of Fixed "
                         "Effects, Estimates of Covariance Parameters, Contrast Estimates)", file, code="OU002",
                         fix="export the pivot tables with their titles (File > Export, text or CSV)")
    res.extra.pop("pairs_i", None)
    if repeated_output.finish(res):
        return res
    _group_by_subject(res)
    if any(c.name.startswith("UN(") for c in res.covariance):
        res.covariance_structure = "un"
    elif any(c.name not in ("Residual",) for c in res.covariance):
        res.covariance_structure = "vc"
    return res


def _ic_row(label: str, v: Value, res: FitResult) -> None:
    low = label.lower().strip()
    for pat, key, method in _IC:
        if re.search(pat, low):
            if key == "neg2ll":
                res.neg2ll = v
                res.method = method
            else:
                res.fit.setdefault("spss", {})[key] = v
            return


def _value_columns(header: str, base: list[str]) -> list[str]:
    cols = list(base)
    if re.search(r"confidence interval|lower bound", header, re.I):
        cols += ["lower", "upper"]
    return cols


def _not_a_row(table: str, what: str, file, n, cells) -> Exception:
    """OU001: a line under a table's title that is not one of its rows (another table's row after damage,
    a row that lost or gained a cell): never read into this table."""
    return unreadable(f"this line is not a row of the {table} table above it ({what})", file, n,
                      "  ".join(c for c in cells if c), code="OU001", fix="export the table unchanged")


_NOT_A_TERM = re.compile(r"residual|un\s*\(|variance|.*\[\s*subject\s*=", re.I)


def _fixed_row(labels, values, header, res: FitResult, file, n) -> None:
    cols = _value_columns(header, ["estimate", "se", "df", "t", "p"])
    if not re.search(r"estimate", header, re.I) or len(values) != len(cols) or len(labels) != 1 \
            or _NOT_A_TERM.match(labels[0]):
        raise _not_a_row("Estimates of Fixed Effects", f"a parameter under the header and {len(cols)} values: "
                         f"{', '.join(cols)}", file, n, labels + [v.printed if v else "." for v in values])
    d = dict(zip(cols, values))
    if not labels or d.get("estimate") is None:
        raise unreadable("fixed-effect row without a parameter name or estimate", file, n)
    factor = read_parameter(labels[0])
    if factor is not None:
        est, se = d["estimate"], d.get("se")
        if est.value == 0 and (se is None or se.value == 0) and d.get("t") is None:   # `0b`: redundant
            res.extra.setdefault("base_rows", []).append(factor[0])
            if len(factor[1]) == 1 and "*" not in labels[0]:
                res.extra.setdefault("base_levels", {}).update(factor[1])
            return
        res.fixed.append(FixedEffect(term=factor[0], estimate=est, se=se, df=d.get("df"), t=d.get("t"),
                                     p=d.get("p"), lower=d.get("lower"), upper=d.get("upper")))
        return
    res.fixed.append(FixedEffect(term=canonical_term(labels[0]), estimate=d["estimate"], se=d.get("se"),
                                 df=d.get("df"), t=d.get("t"), p=d.get("p"), lower=d.get("lower"),
                                 upper=d.get("upper"), aliased=d.get("se") is None and d["estimate"].value == 0))


def _type3_row(labels, values, res: FitResult, file, n, cells) -> None:
    """Type III Tests of Fixed Effects: Source, Numerator df, Denominator df, F, Sig."""
    if len(labels) != 1 or len(values) != 4 or any(v is None for v in values):
        raise _not_a_row("Type III Tests of Fixed Effects", "a source and 4 values: numerator df, denominator df, "
                         "F, Sig.", file, n, cells)
    res.type3.append(Type3Row(canonical_term(labels[0]), *values))


def _factors_of(header: str, before: str) -> list[str]:
    """The factor names an EMMEANS table's header lists before its first statistic column."""
    head = re.split(before, header, maxsplit=1)[0]
    return [re.sub(r"^\((I|J)\)\s*", "", w) for w in head.split() if w not in ("(I)", "(J)", "*")]


def _emm_row(labels, values, header, res: FitResult, file, n, cells) -> None:
    """Estimates (/EMMEANS): the level(s), Mean, Std. Error, df, 95% CI lower and upper."""
    fs = _factors_of(header, r"\bMean\b")
    if not fs or len(labels) != len(fs) or len(values) != 5:
        raise _not_a_row("Estimates", f"{len(fs) or 'the'} level(s) and 5 values: mean, std. error, df, lower, "
                         f"upper", file, n, cells)
    res.lsmeans.append(LSMeanRow(":".join(fs), tuple(labels), values[0], values[1], values[2],
                                 lower=values[3], upper=values[4]))


def _pairs_row(labels, values, header, res: FitResult, file, n, cells) -> None:
    """Pairwise Comparisons: (I) level (only on the first row of its group), (J) level, Mean Difference
    (I-J), Std. Error, df, Sig., CI; each pair printed both ways, kept once."""
    fs = _factors_of(header, r"\bMean Difference\b")
    term = ":".join(dict.fromkeys(fs))
    if len(labels) == 2:
        res.extra["pairs_i"] = labels[0]
        i, j = labels
    elif len(labels) == 1 and res.extra.get("pairs_i"):
        i, j = res.extra["pairs_i"], labels[0]
    else:
        raise _not_a_row("Pairwise Comparisons", "(I) and (J) levels and the values", file, n, cells)
    if len(values) < 4:
        raise _not_a_row("Pairwise Comparisons", "a difference, std. error, df and Sig.", file, n, cells)
    if any(d.term == term and d.levels_a == (j,) and d.levels_b == (i,) for d in res.lsmean_diffs):
        return
    res.lsmean_diffs.append(LSMeanDiff(term, (i,), (j,), values[0], values[1], values[2], None, values[3]))


def _cov_row(labels, values, header, res: FitResult, effects: list[str], file, n) -> list[str]:
    cols = _value_columns(header, ["estimate", "se", "z", "p"])
    if not re.search(r"estimate", header, re.I) or len(values) != len(cols):
        raise _not_a_row("Estimates of Covariance Parameters", f"a parameter under the header and {len(cols)} "
                         f"values: {', '.join(cols)}", file, n, labels + [v.printed if v else "." for v in values])
    d = dict(zip(cols, values))
    label = " ".join(labels)
    if repeated_output.starts_block(label) or effects == [repeated_output.MARK]:    # /REPEATED's rows
        if d.get("estimate") is None or not repeated_output.read_row(label, d, res):
            raise unreadable(f"unrecognised repeated-measures parameter row {label!r}", file, n, label,
                             code="OU002")
        return [repeated_output.MARK]
    m = re.match(r"(.+?)\s*\[\s*subject\s*=\s*([^\]]+)\]", label)
    stat = label
    if m:
        effects = [effect_name(e) for e in m.group(1).split("+")]
        res.extra["subject"] = m.group(2).strip()
        stat = label[m.end():].strip()
    if label.lower().startswith("residual"):
        res.covariance.append(CovParam(name="Residual", param="var(Residual)", estimate=d["estimate"],
                                       se=d.get("se"), z=d.get("z"), p=d.get("p"), lower=d.get("lower"),
                                       upper=d.get("upper")))
        return effects
    res.extra.setdefault("covparm_subject", []).append((len(res.covariance), res.extra.get("subject")))
    u = re.match(r"UN\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", stat)
    if u:
        i, j = int(u.group(1)), int(u.group(2))
        param = un_param(i, j, effects) or f"UN({i},{j})"
        res.covariance.append(CovParam(name=f"UN({i},{j})", param=param, estimate=d["estimate"], se=d.get("se"),
                                       z=d.get("z"), p=d.get("p"), lower=d.get("lower"), upper=d.get("upper")))
        if effects and not res.random_effects:
            res.random_effects = list(effects)
        return effects
    if re.match(r"variance", stat, re.I) and len(effects) == 1:
        e = effects[0]
        res.covariance.append(CovParam(name=e, param=f"var({e})", estimate=d["estimate"], se=d.get("se"),
                                       z=d.get("z"), p=d.get("p"), lower=d.get("lower"), upper=d.get("upper")))
        if e not in res.random_effects:
            res.random_effects.append(e)
        return effects
    raise unreadable(f"unrecognised covariance parameter row {label!r} (expected Residual, UN (i,j) or "
                     f"Variance under an '<effects> [subject = g]' label)", file, n, label, code="OU002")


def _group_by_subject(res: FitResult) -> None:
    """Several /RANDOM subcommands print one block per subject (`Intercept [subject = school]`, `Intercept
    [subject = school*class]`): with more than one subject, each parameter's `group` is its block's subject
    as lme4 names the grouping (`school:class`). Layout from SPSS's documentation of the table (each block
    labelled with its effects and subject), not from a real listing with several subjects."""
    rows = res.extra.pop("covparm_subject", [])
    subjects = [s for _, s in rows if s]
    if len(set(subjects)) < 2:
        return
    for k, subject in rows:
        if subject and k < len(res.covariance):
            res.covariance[k].group = ":".join(p.strip() for p in subject.split("*") if p.strip())
    res.extra["subjects"] = list(dict.fromkeys(subjects))
    res.random_effects = list(dict.fromkeys(e for c in res.covariance if c.group is not None
                                            for e in [c.param[4:-1]] if c.param.startswith("var(")))


def _contrast_row(labels, values, header, res: FitResult, table_label: str | None = None) -> None:
    if re.search(r"test value", header, re.I):
        cols = _value_columns(header, ["estimate", "test_value", "difference", "se", "df", "t", "p"])
    else:
        cols = _value_columns(header, ["estimate", "se", "df", "t", "p"])
    d = dict(zip(cols, values))
    label = " ".join(labels) or f"L{len(res.contrasts) + 1}"
    if table_label and re.fullmatch(r"L\d+", label):
        label = table_label
    res.contrasts.append(ContrastResult(label=label,
                                        estimate=d.get("estimate"), se=d.get("se"), df=d.get("df"), t=d.get("t"),
                                        p=d.get("p"), lower=d.get("lower"), upper=d.get("upper")))


def split_output(text: str, file: str | None = None) -> list[str] | None:
    """Several MIXED runs in one file: one piece per `Model Dimension` table; repeated result tables without
    those cannot be split: OU001."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    dims = [i for i, ln in enumerate(lines) if re.match(r"\s*Model Dimension", ln)]
    if len(dims) >= 2:
        return split_at(text, dims)
    for title in ("Estimates of Fixed Effects", "Estimates of Covariance Parameters"):
        hits = [i for i, ln in enumerate(lines) if ln.strip().startswith(title)]
        if len(hits) >= 2:
            raise two_models(file, f"'{title}' tables", hits)
    return None
