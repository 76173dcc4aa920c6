"""The whole catalogue of exercise mistakes: the lecture's (mistakes.py: two-level models) and those of several
random terms and residual structures (mistakes_structure.py), looked up by slug, alias or code."""
from __future__ import annotations

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from .mistakes import MISTAKES as LECTURE_MISTAKES
from .mistakes import Mistake
from .mistakes_structure import STRUCTURE_MISTAKES

MISTAKES: dict[str, Mistake] = {**LECTURE_MISTAKES, **STRUCTURE_MISTAKES}


def mistake_named(name: str) -> Mistake:
    """A mistake by slug, alias or lint code (MS002, smushed-fixed-slope, smushed-slope, id-reuse-trap, ST001)."""
    n = name.strip()
    for m in MISTAKES.values():
        if n.lower() in (m.slug, *m.aliases) or (m.code and n.upper() == m.code):
            return m
    raise MlmgenError(Diagnostic("CL001", f"no mistake {name!r}; choose from "
                                 f"{', '.join(f'{m.slug} ({m.code})' if m.code else m.slug for m in MISTAKES.values())}",
                                 Severity.ERROR, Location(field="--mistakes")))
