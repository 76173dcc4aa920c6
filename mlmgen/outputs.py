"""Reading printed output: which package printed it (each package's `output_signs` in its facts), and the
dispatch to that dialect's `parse_output`.

Every number read from printed output becomes a `Value` that keeps the text it was printed as, so a diff
knows its printed precision (`Value.half_unit`); the table-reading tools the readers share (`number`,
`Lines`, `csv_blocks`, ...) are in `outputtext.py` and re-exported here.

`read_output(text, file)` sniffs the package (`sniff_output`) and calls that dialect's `parse_output`.
"""
from __future__ import annotations

import re
from pathlib import Path

from .diagnostics import check_input_file
from .dialects import DIALECTS, get_dialect, package_choices
from .outputtext import (MISSING, Lines, check_decimal_point, count, csv_blocks, is_number, join_bounds,
                         looks_like_csv, number, peel_numbers, split_at, split_cells, strip_markup, two_models,
                         unreadable)
from .results import FitResult

__all__ = ["MISSING", "Lines", "check_decimal_point", "count", "csv_blocks", "is_number", "join_bounds",
           "looks_like_csv", "number", "peel_numbers", "split_at", "split_cells", "strip_markup", "two_models",
           "unreadable", "sniff_output", "guess_output_package", "read_output", "read_output_file",
           "read_output_parts"]


def sniff_output(text: str) -> dict[str, int]:
    """How many signature patterns of each package's printed output (`Facts.output_signs`) occur in `text`."""
    out = {}
    for pkg, d in DIALECTS.items():
        out[pkg] = sum(1 for p in d.output_signs if re.search(p, text, re.M))
    return out


def guess_output_package(text: str) -> str | None:
    scores = sniff_output(text)
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        return None
    tied = [k for k, v in scores.items() if v == scores[best]]
    return best if len(tied) == 1 else None


def read_output(text: str, file: str | None = None, package: str | None = None) -> FitResult:
    """Read one package's printed output (package sniffed unless given) into a FitResult."""
    check_decimal_point(text, file)
    pkg = package or guess_output_package(text)
    if pkg is None:
        raise unreadable("cannot tell which package printed this output (no table titles or headers of "
                         f"{package_choices()} found)", file, code="OU001",
                         fix="copy the whole output including table titles, or name the package with --from")
    dialect = get_dialect(pkg)
    res = dialect.parse_output(text, file)
    if not (res.fixed or res.covariance or res.contrasts or res.fit or res.neg2ll is not None or res.gcorr
            or res.n_obs is not None or res.n_clusters is not None or res.random_effects
            or res.covariance_structure or res.ddf):    # (a --merge piece may hold only Model Information)
        # a title and nothing under it: "everything agrees" would be a verdict about nothing
        raise unreadable(f"no {dialect.title} result rows found (a table title without its rows?)", file,
                         code="OU002", fix="copy the tables with their header and number rows")
    return res


def read_output_file(path: str | Path, package: str | None = None) -> FitResult:
    p = Path(path)
    check_input_file(p, "output file")
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise unreadable(f"cannot read output file: {exc.__class__.__name__}: {exc}", str(p))
    return read_output(text, str(p), package)


def read_output_parts(path: str | Path, package: str | None = None) -> list[FitResult]:
    """Read an output file that may hold several models (two lme4 summaries, two SAS runs, two Stata
    estimations): each model is read on its own, with extra["part"] = (k, n); a file that holds several
    models but cannot be split is OU001, never read as one."""
    p = Path(path)
    check_input_file(p, "output file")
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise unreadable(f"cannot read output file: {exc.__class__.__name__}: {exc}", str(p))
    check_decimal_point(text, str(p))
    pkg = package or guess_output_package(text)
    pieces = [text]
    if pkg in DIALECTS and not looks_like_csv(text):
        pieces = DIALECTS[pkg].split_output(text, str(p)) or [text]
    if len(pieces) == 1:
        return [read_output(text, str(p), package)]
    out = []
    for k, piece in enumerate(pieces, 1):
        res = read_output(piece, str(p), pkg)
        res.extra["part"] = (k, len(pieces))
        out.append(res)
    return out
