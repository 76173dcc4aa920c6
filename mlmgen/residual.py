"""The residual (R-side) covariance of a model: SAS's `REPEATED visit / SUBJECT=id TYPE=... [GROUP=g]`.

    y_i = X_i beta + Z_i u_i + e_i,   cov(e_i) = R(theta)[p_i, p_i]

R is the covariance of one subject's observations indexed by the repeated variable: row i's position p_i is
the index of its visit in ONE explicit order of the visits, so a missing visit leaves a gap instead of shifting
the later ones. The order (`visit_order`) is by value, never by data position: a categorical repeated
variable's declared (or data-resolved, R's `factor()` order) levels, or a numeric variable's distinct values
sorted. SP(POW) uses the repeated variable's numeric values as times.

`Residual(structure="VC")` (no repeated variable) is the independent residual of the two-level model, the
default. Structures (SAS names; `canonical_residual_structure` also reads the SAS/SPSS/Stata spellings):

    VC (ID)  UN  CS  AR1 (AR(1))  TOEP  CSH  ARH1 (ARH(1))  TOEPH  SP(POW)

The engine for them is `mlmgen.engine.repeated` (its `STRUCTURES` is this vocabulary; a test keeps the two
equal). A pure MMRM has no random effects: `Model.random` then has no effects and `Model.cluster` is the
subject (the model's cluster is always the residual's subject).
"""
from __future__ import annotations

from dataclasses import dataclass

RESIDUAL_STRUCTURES = ("VC", "UN", "CS", "AR1", "TOEP", "CSH", "ARH1", "TOEPH", "SP(POW)")
_ALIASES = {"ID": "VC", "INDEPENDENT": "VC", "AR(1)": "AR1", "ARH(1)": "ARH1", "SP_POW": "SP(POW)",
            "SPPOW": "SP(POW)", "TP": "TOEP", "TOEPLITZ": "TOEP", "US": "UN", "UNSTRUCTURED": "UN",
            "EXCHANGEABLE": "CS", "TPH": "TOEPH", "AR": "AR1", "AR 1": "AR1"}
# how the model file and the SAS TYPE= option print each structure
SAS_TYPE = {"VC": "VC", "UN": "UN", "CS": "CS", "AR1": "AR(1)", "TOEP": "TOEP", "CSH": "CSH", "ARH1": "ARH(1)",
            "TOEPH": "TOEPH", "SP(POW)": "SP(POW)"}


def canonical_residual_structure(name: object) -> str | None:
    """The canonical structure name for a spelling (`AR(1)`, `ar1`, `US`, `ID`), or None."""
    if not isinstance(name, str):
        return None
    key = " ".join(name.strip().upper().split())
    key = _ALIASES.get(key, key)
    return key if key in RESIDUAL_STRUCTURES else None


@dataclass(frozen=True)
class Residual:
    """`structure` (canonical), the repeated variable (`repeated`: visit or time), the `subject` whose
    observations share one R block (= the model's cluster), and an optional `group` (SAS GROUP=: a separate
    R per level)."""

    structure: str = "VC"
    repeated: str | None = None
    subject: str | None = None
    group: str | None = None

    @property
    def independent(self) -> bool:
        return self.structure == "VC" and self.repeated is None and self.group is None

    @property
    def sas_type(self) -> str:
        return SAS_TYPE.get(self.structure, self.structure)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(v for v in (self.repeated, self.group) if v is not None)


INDEPENDENT = Residual()


def visit_order(values, categorical=None) -> tuple:
    """The explicit order of the repeated variable's values: a categorical's levels as declared (or resolved
    from the data), otherwise the distinct non-missing values sorted by value."""
    if categorical is not None and categorical.levels is not None:
        return tuple(categorical.levels)
    seen = sorted({float(v) for v in values if v == v})
    return tuple(seen)
