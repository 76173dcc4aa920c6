"""Mechanical fixes: small edits of a `Model` that a finding carries, applied by `mlmgen lint --fix`.

Each edit is a frozen dataclass with `apply(model) -> Model` and `describe(dialect)` (the text to add
or change, in the package's own spelling, shown after `help:`). `apply_edits` applies a list of edits
in order, skipping edits that no longer apply (a term already added by another finding).

`lint --fix` never re-renders a file: `mlmgen.lint.placement` turns each edit into a span edit of the
original text (remove one term, insert one option), so every other byte of the file is kept.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..dialects import DIALECTS
from ..model import Model, Term


def term_text(factors: tuple[str, ...], dialect: str | None) -> str:
    """A term as the package writes it (`Facts.term_text`); `a*b` for a model file."""
    d = DIALECTS.get(dialect or "")
    return d.term_text(factors) if d else "*".join(factors)


@dataclass(frozen=True)
class AddTerm:
    factors: tuple[str, ...]

    def apply(self, model: Model) -> Model:
        key = Term(self.factors).key
        if any(t.key == key for t in model.fixed):
            return model
        return replace(model, fixed=model.fixed + (Term(self.factors),))

    def describe(self, dialect: str | None) -> str:
        return term_text(self.factors, dialect)


@dataclass(frozen=True)
class RemoveTerm:
    factors: tuple[str, ...]

    def apply(self, model: Model) -> Model:
        key = Term(self.factors).key
        fixed = tuple(t for t in model.fixed if t.key != key)
        contrasts = tuple(c for c in model.contrasts
                          if not any(Term.parse(n).key == key for row in c.rows for n, _ in row))
        return replace(model, fixed=fixed, contrasts=contrasts)

    def describe(self, dialect: str | None) -> str:
        return term_text(self.factors, dialect)


@dataclass(frozen=True)
class RemoveSlope:
    name: str

    def apply(self, model: Model) -> Model:
        slopes = tuple(s for s in model.random.slopes if s != self.name)
        return replace(model, random=replace(model.random, slopes=slopes))

    def describe(self, dialect: str | None) -> str:
        return self.name


@dataclass(frozen=True)
class AddSlope:
    name: str

    def apply(self, model: Model) -> Model:
        if self.name in model.random.slopes:
            return model
        return replace(model, random=replace(model.random, slopes=model.random.slopes + (self.name,)))

    def describe(self, dialect: str | None) -> str:
        return self.name


@dataclass(frozen=True)
class SwapSlope:
    old: str
    new: str

    def apply(self, model: Model) -> Model:
        if self.new in model.random.slopes:
            return RemoveSlope(self.old).apply(model)
        slopes = tuple(self.new if s == self.old else s for s in model.random.slopes)
        return replace(model, random=replace(model.random, slopes=slopes))

    def describe(self, dialect: str | None) -> str:
        return self.new


@dataclass(frozen=True)
class SetMethod:
    method: str

    def apply(self, model: Model) -> Model:
        return replace(model, method=self.method)

    def describe(self, dialect: str | None) -> str:
        m = self.method.upper()
        d = DIALECTS.get(dialect or "")
        return (d.method_spelling if d else "{m}").format(m=m, m_low=m.lower(), tf="TRUE" if m == "REML" else "FALSE")


@dataclass(frozen=True)
class SetCovariance:
    covariance: str

    def apply(self, model: Model) -> Model:
        return replace(model, random=replace(model.random, covariance=self.covariance))

    def describe(self, dialect: str | None) -> str:
        c = self.covariance.upper()
        d = DIALECTS.get(dialect or "")
        return (d.covariance_spelling if d else "{c}").format(
            c=c, c_low="un" if c == "UN" else "independent", bar="|" if c == "UN" else "||")


@dataclass(frozen=True)
class SetDdf:
    ddf: str

    def apply(self, model: Model) -> Model:
        return replace(model, ddf=self.ddf)

    def describe(self, dialect: str | None) -> str:
        d = DIALECTS.get(dialect or "")
        return (d.ddf_spellings if d else {}).get(self.ddf, self.ddf)


@dataclass(frozen=True)
class SetData:
    name: str

    def apply(self, model: Model) -> Model:
        return replace(model, data=self.name)

    def describe(self, dialect: str | None) -> str:
        return self.name


Edit = AddTerm | RemoveTerm | AddSlope | RemoveSlope | SwapSlope | SetMethod | SetCovariance | SetDdf | SetData


def edit_rank(edit) -> int:
    """The order edits are made in: removals, then swaps, then additions and settings."""
    return {RemoveTerm: 0, RemoveSlope: 0, SwapSlope: 1}.get(type(edit), 2)


def apply_edits(model: Model, edits: list) -> Model:
    """The model with every edit applied in order (removals first, so an added term is not removed again)."""
    for e in sorted(edits, key=edit_rank):
        model = e.apply(model)
    from ..model import validate
    return validate(model)



@dataclass(frozen=True)
class RawTextFix:
    """A fix written straight into the program text, for a construct the reader refuses so that no model was
    read (SAS `REPEATED / SUBJECT=id TYPE=UN` gets its repeated effect). `lint --fix` makes it only when the
    edited text reads back as a model (`apply.plan_fixes`); it changes no Model."""

    start: int
    end: int
    text: str
    shown: str              # what the help line shows (the corrected statement or option)

    def apply(self, model: Model) -> Model:
        return model

    def describe(self, dialect: str | None) -> str:
        return self.shown
