"""Shared pieces of the four syntax readers: positions, comment masking, tokens, and the model builder.

Positions: every reader works on a *masked* copy of the input that has exactly the same length as the
original, with comments (and Stata's `///` continuations) overwritten by spaces. Newlines inside comments
are kept, so a character offset means the same place in both texts and `Source.loc(start, end)` gives the
1-based line:column of the original text (and the original text itself, comments included, when a piece
spans one).

`SyntaxBuilder` collects what a reader finds (outcome, cluster, fixed terms, random effects, settings,
contrasts), each with its `Location`, and turns it into a `ParsedSyntax`: a validated `Model` when one can
be built, every problem as a coded `Diagnostic`, and `explicit[...]` saying which settings were written.
Identifiers of case-insensitive packages (SAS, SPSS) are mapped to the spelling first used.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from .categorical import Categorical
from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .intercepts import CANONICAL, is_intercept
from .model import Contrast, Model, RandomPart, RandomTerm, Term, validate
from .residual import Residual


# ------------------------------------------------------------------------------------------- positions

class Source:
    """The original text and a way from character offsets to `Location`s (1-based line and column)."""

    def __init__(self, text: str, file: str | None = None):
        self.text = text
        self.file = file
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def linecol(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def loc(self, start: int, end: int | None = None) -> Location:
        end = start if end is None else max(end, start)
        line, col = self.linecol(start)
        eline, ecol = self.linecol(end)
        return Location(file=self.file, line=line, col=col, end_line=eline, end_col=ecol,
                        text=self.text[start:end] or None)

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self._starts):
            return ""
        s = self._starts[line - 1]
        e = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        return self.text[s:e]


def blank(chars: list[str], start: int, end: int, keep_newlines: bool = True) -> None:
    """Overwrite chars[start:end] with spaces (newlines kept unless `keep_newlines` is False)."""
    for i in range(start, min(end, len(chars))):
        if chars[i] != "\n" or not keep_newlines:
            chars[i] = " "


@dataclass
class Comment:
    start: int
    end: int
    text: str          # the comment's content without its markers, stripped


# ---------------------------------------------------------------------------------------------- tokens

@dataclass
class Token:
    kind: str      # "name", "num", "str", "op", "nl"
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(masked: str, pattern: re.Pattern, start: int = 0, end: int | None = None,
             newlines: bool = False) -> tuple[list[Token], list[tuple[int, int]]]:
    """Tokens of masked[start:end] by `pattern` (named groups = kinds; group `ws` skipped).

    Returns the tokens and the spans of characters no group matched (each reported by the caller as SY001)."""
    end = len(masked) if end is None else end
    toks: list[Token] = []
    bad: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        m = pattern.match(masked, pos, end)
        if m is None or m.end() == pos:
            j = pos + 1
            while j < end and not masked[j].isspace() and (pattern.match(masked, j, end) is None):
                j += 1
            bad.append((pos, j))
            pos = j
            continue
        kind = m.lastgroup
        if kind == "ws":
            if newlines and "\n" in m.group():
                toks.append(Token("nl", "\n", m.start(), m.end()))
        else:
            toks.append(Token(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return toks, bad


NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def to_number(text: str) -> float | None:
    """A plain decimal number (sign allowed), else None."""
    t = text.replace(" ", "")
    return float(t) if NUMBER_RE.fullmatch(t) else None


# ----------------------------------------------------------------------------------------- the builder

@dataclass
class ParsedSyntax:
    """A package's syntax read back: the model (None if unreadable), diagnostics, and where things are.

    `locations` keys: "outcome", "cluster", "data", "method", "covariance", "ddf", "fixed:<key>" (key = sorted
    factors joined by ':'), "random:Intercept", "random:<slope>", "contrast:<label>", "command" (the whole
    model statement). `explicit` says which settings were written rather than left to the package default:
    keys "method", "covariance", "ddf". `data` is the data-set name as written (case kept)."""

    dialect: str
    text: str
    file: str | None = None
    model: Model | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    locations: dict[str, Location] = field(default_factory=dict)
    explicit: dict[str, bool] = field(default_factory=dict)
    data: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # variables the program itself creates before the model (SAS DATA step `x = ...;`, Stata generate/egen/
    # encode ..., gen()/rename, SPSS COMPUTE/RECODE INTO/AUTORECODE INTO, R `d$x <- ...`): not needed in the data
    created: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(d.severity.value == "error" and d.code in ("SY001",)
                                                  for d in self.diagnostics)


class SyntaxBuilder:
    """Collects one snippet's model pieces with locations and produces a `ParsedSyntax`.

    `facts` is the package's `Facts` (dialects/<pkg>/facts.py): its name, case rule and defaults.
    `method`, `covariance` and `ddf` start at the package's defaults; a reader calls `set_setting(key, value,
    start, end)` when the text writes a setting, which records its location and marks it explicit."""

    def __init__(self, facts, text: str, file: str | None):
        self.dialect = facts.name
        self.src = Source(text, file)
        self.case_sensitive = facts.case_sensitive
        method, covariance, ddf = facts.default_method, facts.default_covariance, facts.default_ddf
        self.diagnostics: list[Diagnostic] = []
        self.locations: dict[str, Location] = {}
        self.explicit = {"method": False, "covariance": False, "ddf": False}
        self.outcome: str | None = None
        self.cluster: str | None = None
        self.fixed: list[Term] = []
        self._fixed_keys: set[str] = set()      # duplicate checks in constant time (a model line may be huge)
        self.intercept = True
        self.r_intercept = False
        self.slopes: list[str] = []
        self._slope_keys: set[str] = set()
        self.more_random: list = []               # random terms beyond the first (RandomTerm)
        self.covariance = covariance
        self.method = method
        self.ddf = ddf
        self.contrasts: list[tuple[Contrast, Location]] = []
        self._contrast_labels: set[str] = set()
        self.data_written: str | None = None
        self.data_member: str | None = None
        self.name: str | None = None
        self.extra: dict = {}
        self._spelling: dict[str, str] = {}
        self.fatal = False
        # categorical declarations (CLASS, i., BY, factor()), by case key; the model keeps those of predictors
        self.default_reference = facts.default_reference_rule
        self.default_coding = "treatment"            # R's options(contrasts =) changes it
        self.categoricals: dict[str, Categorical] = {}
        self.lsmeans: list[tuple[Term, Location]] = []   # least-squares means asked for (SAS LSMEANS, ...)
        self.indicators: dict[str, tuple[str, str]] = {}  # data preparation: name = (var == level)
        self.lsmeans_of_numbers_run = False              # R's emmeans() also averages over a number (SAS stops)
        self.residual = Residual()                       # a residual structure (SAS REPEATED), read by a dialect
        self.created: dict[str, str] = {}                # variables the program creates (`ParsedSyntax.created`)

    # ---- names
    def ident(self, name: str) -> str:
        """The spelling to keep: as written (R, Stata); the first spelling used (SAS, SPSS)."""
        if self.case_sensitive:
            return name
        return self._spelling.setdefault(name.upper(), name)

    # ---- diagnostics
    def diag(self, code: str, message: str, start: int, end: int, severity: Severity = Severity.ERROR,
             fix: Fix | None = None) -> Diagnostic:
        d = Diagnostic(code, message, severity, self.src.loc(start, end), fix)
        self.diagnostics.append(d)
        if code == "SY001" and severity == Severity.ERROR:
            self.fatal = True
        return d

    def dropped(self, d: Diagnostic) -> None:
        """Mark `d` as dropping part of the source although it is not SY004 (`ParsedSyntax.extra["dropped"]`;
        translate and parse then refuse to write the model without --partial)."""
        self.extra.setdefault("dropped", []).append(d)

    def unsupported(self, what: str, start: int, end: int, severity: Severity = Severity.ERROR,
                    fix: str | None = None) -> None:
        """SY004: valid in the package but not representable in mlmgen's model (named, never dropped)."""
        self.diag("SY004", f"{what} is beyond what mlmgen's model describes and was not read", start, end, severity,
                  Fix(fix) if fix else None)

    def second_model(self, what: str, start: int, end: int, severity: Severity = Severity.WARNING) -> None:
        """SY004 for a second model command: one snippet is one model, the first one is read."""
        self.diag("SY004", f"a second {what}: mlmgen reads one model per snippet (the first); this one was not "
                  f"read", start, end, severity, Fix("put each model in its own file"))

    def not_read(self, what: str, start: int, end: int) -> None:
        """SY004 at INFO level: a statement outside the mixed-model command that mlmgen does not read."""
        self.diag("SY004", f"{what} is not part of the mixed-model command and was not read", start, end,
                  Severity.INFO)

    def loc(self, start: int, end: int) -> Location:
        return self.src.loc(start, end)

    # ---- model pieces
    def set_outcome(self, name: str, start: int, end: int) -> None:
        self.outcome = self.ident(name)
        self.locations["outcome"] = self.loc(start, end)

    def set_cluster(self, name: str, start: int, end: int) -> bool:
        name = self.ident(name)
        if self.cluster is not None and self._k(self.cluster) != self._k(name):
            self.unsupported(f"a second grouping variable ({name}, besides {self.cluster}): crossed or "
                             f"three-level random effects", start, end)
            return False
        if self.cluster is None:
            self.cluster = name
            self.locations["cluster"] = self.loc(start, end)
        return True

    def add_random_term(self, term, start: int, end: int) -> None:
        """A random term beyond the first (`model.RandomTerm`: another grouping factor, or a nested path)."""
        t = RandomTerm(tuple(self.ident(g) for g in term.group), term.intercept,
                       tuple(self.ident(v) for v in term.slopes), term.covariance)
        self.more_random.append(t)
        self.locations[f"random[{len(self.more_random)}]"] = self.loc(start, end)

    def _k(self, name: str) -> str:
        return name if self.case_sensitive else name.upper()

    def add_created(self, name: str) -> None:
        """A variable the program creates (a data step assignment, Stata generate/encode, SPSS COMPUTE, R
        `d$x <-`): `ParsedSyntax.created`, so a data-column check does not ask the data file for it."""
        self.created.setdefault(self._k(name), self.ident(name))

    def add_fixed(self, factors: tuple[str, ...] | list[str], start: int, end: int) -> Term | None:
        term = Term(tuple(self.ident(f) for f in factors))
        key = ":".join(sorted(self._k(f) for f in term.factors))
        if key in self._fixed_keys:
            self.diag("SY001", f"the fixed term {term.name} is listed twice", start, end, Severity.WARNING,
                      Fix("remove the repeated term"))
            return None
        self._fixed_keys.add(key)
        self.fixed.append(term)
        self.locations[f"fixed:{':'.join(term.key)}"] = self.loc(start, end)
        return term

    def add_random(self, name: str | None, start: int, end: int) -> None:
        """A random effect: `None` = the intercept, else a slope on variable `name`."""
        if name is None:
            if self.r_intercept:             # as for a slope: the package fits a variance for each (was silent)
                self.dropped(self.diag("SY001", "the random intercept is listed twice (the package fits a "
                                       "separate variance for each; mlmgen reads one)", start, end,
                                       Severity.WARNING, Fix("write the random intercept once")))
                return
            self.r_intercept = True
            self.locations.setdefault("random:Intercept", self.loc(start, end))
            return
        name = self.ident(name)
        if self._k(name) in self._slope_keys:
            self.dropped(self.diag("SY001", f"the random slope of {name} is listed twice (the package fits a "
                                   f"separate variance for each; mlmgen reads one)", start, end, Severity.WARNING))
            return
        self._slope_keys.add(self._k(name))
        self.slopes.append(name)
        self.locations[f"random:{name}"] = self.loc(start, end)

    def declare_categorical(self, name: str, start: int, end: int, *, levels=None, reference: str | None = None,
                            coding: str | None = None) -> Categorical:
        """A categorical declaration (SAS CLASS, Stata i., SPSS BY, R factor()). A later declaration of the same
        variable refines the earlier one (R: `factor()`, then `relevel()`, then `contrasts<-`): `None` keeps
        what was declared (at first: levels from the data, the package's default reference, treatment coding).
        A reference the syntax names is recorded in `extra["reference_written"]` (names)."""
        name = self.ident(name)
        k = self._k(name)
        old = self.categoricals.get(k) or Categorical(name, None, self.default_reference, self.default_coding)
        c = Categorical(old.name, tuple(levels) if levels is not None else old.levels,
                        old.reference if reference is None else reference, coding or old.coding)
        self.categoricals[k] = c
        self.locations.setdefault(f"categorical:{old.name}", self.loc(start, end))
        if reference is not None:
            self.extra.setdefault("reference_written", set()).add(old.name)
        return c

    def is_categorical(self, name: str) -> bool:
        return self._k(name) in self.categoricals

    def used_categoricals(self) -> tuple[Categorical, ...]:
        """The declarations of variables the model uses as predictors (fixed or random slope), in declaration
        order; a declared cluster, outcome or unused variable (SAS `CLASS school;`) is not a predictor. The
        residual's repeated and GROUP= variables keep their declaration too (SAS `CLASS AVISIT; MODEL FEV1 = ;
        REPEATED AVISIT / ...`): it fixes the order of the visits, which index R."""
        used = {self._k(f) for t in self.fixed for f in t.factors} | {self._k(v) for v in self.slopes}
        used |= {self._k(v) for v in self.residual.variables}
        skip = {self._k(v) for v in (self.cluster, self.outcome) if v is not None}
        return tuple(c for k, c in self.categoricals.items() if k in used and k not in skip)

    def add_indicator(self, name: str, var: str, level: str) -> None:
        """Data preparation computing `name = (var == level)` (an indicator column), as mlmgen writes the random
        slope of a categorical for packages whose random part takes no factors."""
        self.indicators[self._k(name)] = (self.ident(var), level)

    def _indicator_slopes(self) -> None:
        """Random slopes that are the indicator columns of a categorical's non-reference levels, with a random
        intercept, are the random slope of that categorical (R's `(1 + x | g)` codes it by its contrasts:
        `Model.random_columns`); its levels are then those levels and the reference. Any other set of
        indicators stays numeric slopes (an info says why it was not read as the categorical)."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for s in self.slopes:
            ind = self.indicators.get(self._k(s))
            if ind is not None:
                groups.setdefault(self._k(ind[0]), []).append((s, ind[1]))
        for vk, items in groups.items():
            c = self.categoricals.get(vk)
            ref = c.reference_level if c is not None else None
            lv = [lvl for _, lvl in items]
            if c is None or ref is None or not self.r_intercept or ref in lv or len(set(lv)) != len(lv) or \
                    (c.levels is not None and set(c.non_reference()) != set(lv)) or c.coding != "treatment":
                continue
            if c.levels is None:
                self.categoricals[vk] = Categorical(c.name, tuple(lv) + (ref,), c.reference, c.coding)
            first = self.slopes.index(items[0][0])
            names = {s for s, _ in items}
            loc = self.locations.get(f"random:{items[0][0]}")
            self.slopes = [s for s in self.slopes[:first] if s not in names] + [c.name] + \
                [s for s in self.slopes[first:] if s not in names]
            self._slope_keys = {self._k(s) for s in self.slopes}
            for s in names:
                self.locations.pop(f"random:{s}", None)
            if loc is not None:
                self.locations[f"random:{c.name}"] = loc

    def add_lsmeans(self, factors, start: int, end: int) -> None:
        """Least-squares means of a term (SAS LSMEANS, SPSS /EMMEANS TABLES, R emmeans()); checked against
        the model in `finish` (a term of categoricals in the fixed part)."""
        term = Term(tuple(self.ident(f) for f in factors))
        if all(t.key != term.key for t, _ in self.lsmeans):
            self.lsmeans.append((term, self.loc(start, end)))

    def _lsmeans_kept(self) -> tuple[Term, ...]:
        """The LS-means terms the model can carry; SY001 for one that is not a fixed term of categorical
        predictors (the package stops there: SAS "effect not in model", "only CLASS effects")."""
        keys = {tuple(sorted(self._k(f) for f in t.factors)): t for t in self.fixed}
        cats = {self._k(c.name) for c in self.used_categoricals()}
        kept = []
        for t, loc in self.lsmeans:
            k = tuple(sorted(self._k(f) for f in t.factors))
            if k not in keys:
                why = f"{t.name} is not a fixed term of the model"
            elif any(self._k(f) not in cats for f in t.factors):
                why = f"{t.name} has a predictor that is not categorical"
                if self.lsmeans_of_numbers_run:
                    self.diagnostics.append(Diagnostic(
                        "SY004", f"least-squares means of {t.name} ({why}) are beyond mlmgen's two-level model and "
                        f"were not read", Severity.WARNING, loc))
                    continue
            else:
                kept.append(keys[k])
                continue
            self.diagnostics.append(Diagnostic("SY001", f"least-squares means of {t.name}: {why}", Severity.ERROR,
                                               loc))
        return tuple(kept)

    def set_setting(self, key: str, value: str, start: int, end: int) -> None:
        """key: method | covariance | ddf (value already normalised)."""
        setattr(self, key, value)
        self.explicit[key] = True
        self.locations[key] = self.loc(start, end)

    def set_data(self, written: str, member: str, start: int, end: int) -> None:
        self.data_written, self.data_member = written, member
        self.locations["data"] = self.loc(start, end)

    def add_contrast(self, label: str, rows: list[list[tuple[str, float]]], start: int, end: int) -> None:
        rows_t = tuple(tuple((_term_name(self, t), float(c)) for t, c in row) for row in rows)
        base, k = label, 2
        while label in self._contrast_labels:          # a set: 10,000 /TEST lines stay linear
            label = f"{base} ({k})"
            k += 1
        self._contrast_labels.add(label)
        self.contrasts.append((Contrast(label, rows_t), self.loc(start, end)))
        self.locations[f"contrast:{label}"] = self.loc(start, end)

    def set_command(self, start: int, end: int) -> None:
        self.locations["command"] = self.loc(start, end)

    # ---- result
    def finish(self, own_context=None):
        """The `ParsedSyntax`; `own_context` is the package renderer's `context(model)`, used to report the
        settings the snippet's own package refuses (see `_own_package_refusals`)."""
        ps = ParsedSyntax(self.dialect, self.src.text, self.src.file, None, self.diagnostics, self.locations,
                          self.explicit, self.data_written, self.extra, tuple(self.created.values()))
        cmd = self.locations.get("command")
        where = cmd or Location(file=self.src.file, line=1, col=1)
        if self.outcome is None or self.cluster is None:
            if not any(d.severity == Severity.ERROR for d in self.diagnostics):
                what = "no outcome" if self.outcome is None else "no random effects with a grouping variable"
                self.diagnostics.append(Diagnostic("SY001", f"cannot read a two-level mixed model: {what}",
                                                   Severity.ERROR, where))
            return ps
        if not self.r_intercept and not self.slopes and self.residual.independent:
            self.diagnostics.append(Diagnostic("SY001", "the random part has no effects", Severity.ERROR, where))
            return ps
        self._drop_cluster_predictors()
        self._indicator_slopes()
        cov = self.covariance
        contrasts = [c for c, _ in self.contrasts]
        base = dict(outcome=self.outcome, cluster=self.cluster, fixed=tuple(self.fixed), intercept=self.intercept,
                    random=RandomPart(self.r_intercept, tuple(self.slopes), cov), method=self.method,
                    ddf=self.ddf, data=self.data_member, name=self.name, categoricals=self.used_categoricals(),
                    lsmeans=self._lsmeans_kept(), more_random=tuple(self.more_random), residual=self.residual)
        try:
            ps.model = validate(Model(contrasts=tuple(contrasts), **base), self.src.file)
            self._own_package_refusals(ps, own_context)
            return ps
        except MlmgenError as e:
            first = list(e.diagnostics)
        bad_contrasts = {d.location.field for d in first if (d.location.field or "").startswith("contr")}
        # a data-set or object name mlmgen cannot carry (e.g. `GET FILE='my data.sav'`) is reported and
        # left out of the model; the model itself is still read
        for fld in ("data", "name"):
            for d in first:
                if d.location.field == fld:
                    base[fld] = None
                    self.diagnostics.append(Diagnostic(d.code, d.message + " (not kept in the model)",
                                                       Severity.WARNING, self.locations.get(fld, where)))
        other = [d for d in first if not (d.location.field or "").startswith("contr")
                 and d.location.field not in ("data", "name")]
        for k, (c, loc) in enumerate(self.contrasts):
            if f"contrasts[{k}]" in bad_contrasts:
                for d in first:
                    if d.location.field == f"contrasts[{k}]":
                        self.diagnostics.append(Diagnostic(d.code, d.message + " (contrast not kept)",
                                                           Severity.ERROR, loc))
        kept = tuple(c for k, (c, _) in enumerate(self.contrasts) if f"contrasts[{k}]" not in bad_contrasts)
        if not other:
            try:
                ps.model = validate(Model(contrasts=kept, **base), self.src.file)
                return ps
            except MlmgenError as e2:
                other = e2.diagnostics
        for d in other:
            loc = self._field_location(d.location.field) or where
            self.diagnostics.append(Diagnostic(d.code, d.message, Severity.ERROR, loc))
        return ps

    def _drop_cluster_predictors(self) -> None:
        """SY004 for each fixed term with the cluster variable (Stata's `i.school` beside `|| school:`, SAS
        `CLASS school; MODEL y = school`): the package fits it, but its effects are the random effects in a
        two-level model; the term is left out of the model, named, so nothing reads it as complete."""
        k = self._k(self.cluster)
        keep = []
        for t in self.fixed:
            if any(self._k(f) == k for f in t.factors):
                loc = self.locations.pop(f"fixed:{':'.join(t.key)}", None)
                self.diagnostics.append(Diagnostic(
                    "SY004", f"the cluster variable {self.cluster} as a fixed predictor ({t.name}) is beyond mlmgen's "
                    f"two-level model and was not read (its effects are the random effects)", Severity.ERROR,
                    loc or self.locations.get("cluster") or Location(file=self.src.file, line=1, col=1)))
            else:
                keep.append(t)
        self.fixed = keep

    def _own_package_refusals(self, ps, own_context) -> None:
        """RN001 when the snippet's own package refuses the settings it writes (lmerTest: Kenward-Roger with
        REML=FALSE; Stata: dfmethod(satterthwaite|kroger) with ML): the command stops with an error there.
        The package's renderer knows these rules; names and labels are the reader's business."""
        if own_context is None:
            return
        try:
            own_context(ps.model)
        except MlmgenError as e:
            for d in e.diagnostics:
                if d.code != "RN001":
                    continue
                where = self._field_location(d.location.field) or self.locations.get("command")
                self.diagnostics.append(Diagnostic(
                    "RN001", d.message + " (the snippet stops with an error in its own package)", Severity.ERROR,
                    where or Location(file=self.src.file, line=1, col=1), d.fix))
        except (NotImplementedError, KeyError, TypeError, ValueError, IndexError):
            pass        # what the renderer cannot do is reported by render/translate, not by the reader

    def _field_location(self, fld: str | None) -> Location | None:
        if not fld:
            return None
        m = re.fullmatch(r"fixed\[(\d+)\]", fld)
        if m and int(m.group(1)) < len(self.fixed):
            return self.locations.get(f"fixed:{':'.join(self.fixed[int(m.group(1))].key)}")
        m = re.fullmatch(r"random\[(\d+)\]", fld)
        if m and int(m.group(1)) < len(self.slopes):
            return self.locations.get(f"random:{self.slopes[int(m.group(1))]}")
        m = re.fullmatch(r"categorical\.([^.]+)(?:\..*)?", fld)
        if m:
            return self.locations.get(f"categorical:{m.group(1)}")
        return self.locations.get(fld.split(".")[0])


def _term_name(b: SyntaxBuilder, text: str) -> str:
    if is_intercept(text):
        return CANONICAL
    return Term(tuple(b.ident(f) for f in Term.parse(text).factors)).name


def split_top(tokens: list[Token], seps: set[str]) -> list[list[Token]]:
    """Split a token list at separator operators that are not inside parentheses."""
    out, cur, depth = [], [], 0
    for t in tokens:
        if t.kind == "op" and t.text in "([{":
            depth += 1
        elif t.kind == "op" and t.text in ")]}":
            depth -= 1
        if depth == 0 and t.kind == "op" and t.text in seps:
            out.append(cur)
            cur = []
            continue
        cur.append(t)
    out.append(cur)
    return out


def prefix_match(word: str, choices: dict[str, int]) -> str | None:
    """The choice `word` abbreviates: any prefix at least `min_len` letters long (choices: name -> min_len)."""
    w = word.lower()
    for full, min_len in choices.items():
        if len(w) >= min_len and full.startswith(w):
            return full
    return None
