"""Reading printed output: which package printed it (each package's `output_signs` in its facts), and the
dispatch to that dialect's `parse_output`.

Every number read from printed output becomes a `Value` that keeps the text it was printed as, so a diff
knows its printed precision (`Value.half_unit`); the table-reading tools the readers share (`number`,
`Lines`, `csv_blocks`, ...) are in `outputtext.py` and re-exported here.

`read_output(text, file)` sniffs the package (`sniff_output`) and calls that dialect's `parse_output`; text
holding several models is OU001 there, and `read_output_pieces` / `read_output_parts` read each model on its
own (the dialect's `split_output` cuts the text or refuses it). Readers read a table only under its
recognised header and refuse (OU001, at its line) a row that does not fit it.
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
           "read_output_parts", "read_output_pieces", "split_models"]


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
    """Read one package's printed output (package sniffed unless given) into a FitResult. Text holding
    several models is OU001 here (read it with `read_output_pieces`, which reads each model on its own):
    it is never read as one model."""
    check_decimal_point(text, file)
    pkg = package or guess_output_package(text)
    pieces = split_models(text, file, pkg)
    if len(pieces) > 1:
        starts = [len(p) - len(p.lstrip("\n")) for p in pieces]
        raise unreadable(f"this output holds {len(pieces)} models (starting at lines "
                         f"{', '.join(str(k + 1) for k in starts)}); read as one, the later model's numbers "
                         f"would replace the earlier one's", file, starts[1] + 1, code="OU001",
                         fix="diff reads each model of a file on its own; or put each model in its own file")
    return _read_one(text, file, pkg)


def _read_one(text: str, file: str | None, pkg: str | None) -> FitResult:
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


def _read_text(path: str | Path) -> tuple[str, str]:
    """(text, file name) of an output file: IO001 when it does not exist, OU001 when it cannot be read."""
    p = Path(path)
    check_input_file(p, "output file")
    try:
        return p.read_text(encoding="utf-8", errors="replace"), str(p)
    except OSError as exc:
        raise unreadable(f"cannot read output file: {exc.__class__.__name__}: {exc}", str(p))


def read_output_file(path: str | Path, package: str | None = None) -> FitResult:
    text, file = _read_text(path)
    return read_output(text, file, package)


def split_models(text: str, file: str | None, pkg: str | None) -> list[str]:
    """The text cut into one piece per model by the package's `split_output` (a file that holds several
    models but cannot be cut safely is OU001 there); [text] for one model, a CSV export or an unknown
    package."""
    if pkg not in DIALECTS or looks_like_csv(text):
        return [text]
    return DIALECTS[pkg].split_output(text, file) or [text]


def read_output_pieces(text: str, file: str | None = None, package: str | None = None) -> list[FitResult]:
    """Read output that may hold several models (two lme4 summaries, two SAS runs, two Stata estimations):
    each model is read on its own, with extra["part"] = (k, n) when there are several; a text that holds
    several models but cannot be split is OU001, never read as one."""
    check_decimal_point(text, file)
    pkg = package or guess_output_package(text)
    pieces = split_models(text, file, pkg)
    if len(pieces) == 1:
        return [_read_one(text, file, pkg)]
    out = []
    for k, piece in enumerate(pieces, 1):
        res = _read_one(piece, file, pkg)
        res.extra["part"] = (k, len(pieces))
        out.append(res)
    return out


def read_output_parts(path: str | Path, package: str | None = None) -> list[FitResult]:
    """`read_output_pieces` of a file."""
    text, file = _read_text(path)
    return read_output_pieces(text, file, package)
