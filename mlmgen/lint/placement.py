"""Where a fix goes in the user's text: each model edit (`mlmgen.lint.fixes`) becomes one span edit.

The readers locate every piece of the model (`ParsedSyntax.locations`: each fixed term, each random effect,
the settings, the model command); a fix edits only there:

* remove a term or random slope: its text and one separator (`+` in R, else the blank before it); a lone R
  random slope `(x | g)` becomes `(1 | g)` (the intercept lme4 fits anyway);
* add a term or slope: after the last one, in the package's spelling (`+ a:b` in R, ` c.a#c.b` in Stata);
  SPSS also declares a new variable on the MIXED line's WITH list;
* swap a random slope: the name is replaced where it stands;
* a setting written in the file (METHOD=, REML=, covariance(), COVTYPE(), DDFM=, ddf=, dfmethod(),
  DFMETHOD()): its value is replaced; a setting left to the default is written where the package takes it
  (SAS: PROC MIXED, MODEL or RANDOM options; R: an argument of the lmer() call, `ddf=` of `summary(m)`;
  Stata: an option after the comma; SPSS: a /METHOD or /CRITERIA subcommand before the first subcommand,
  COVTYPE() at the end of /RANDOM); several options at one place open one option list (`, ml covariance(un)`);
* delimiters (`;`, `/`, `|`, `)`, `,`) are searched in the reader's masked text, so nothing is taken from or
  written into a comment;
* a reader's own fix with a located replacement (Stata `e.hw2` -> `c.hw2`), and SAS `GCORR` moved from
  MODEL to the RANDOM options;
* a model file (TOML): see `mlmgen.lint.tomledits` (the value of the changed key only).

Each package's part of these rules is its `PlacementStyle` (`mlmgen/dialects/<pkg>/placement.py`), called with
this placer; what most packages share stays here.

An edit that has no place (a fix that would also have to change a contrast, an R model without
`summary(m)` for the df method) is not made: `Refusal` says why (FX001).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Severity
from ..dialects import DIALECTS
from ..dialects.base import PlacementStyle
from ..lexing import Source
from ..model import Term
from .fixes import (AddSlope, AddTerm, RemoveSlope, RemoveTerm, SetCovariance, SetData, SetDdf, SetMethod,
                    SwapSlope, term_text)
from .textedits import TextEdit



class Refusal(Exception):
    """An edit that cannot be placed in the text; the message says why."""


@dataclass
class Placer:
    """Span edits for one parsed snippet (`p`: a `ParsedSyntax`)."""

    p: object

    def __post_init__(self):
        self.text: str = self.p.text
        self.src = Source(self.text)
        self.dialect: str = self.p.dialect
        # the reader's masked copy (comments blanked, same length): delimiters are searched there, so a `;`,
        # `/` or `)` inside a comment is never taken for syntax and nothing is inserted into a comment
        dialect = DIALECTS.get(self.dialect)
        self.masked: str = dialect.mask(self.text) if dialect else self.text
        # the package's own rules of where things go (dialects/<pkg>/placement.py)
        self.style: PlacementStyle = dialect.placement if dialect else PlacementStyle()
        self.opened: set[int] = set()      # where this placer already opened an option list (`, ` or ` / `)
        self.declared: set[str] = set()    # SPSS variables this placer added to the WITH list

    # ---------------------------------------------------------------- positions
    def offset(self, line: int, col: int) -> int:
        return self.src._starts[line - 1] + col - 1

    def span(self, key: str) -> tuple[int, int] | None:
        loc = self.p.locations.get(key)
        if loc is None or loc.line is None or loc.col is None:
            return None
        s = self.offset(loc.line, loc.col)
        e = self.offset(loc.end_line, loc.end_col) if loc.end_line else s + len(loc.text or "")
        return s, e

    def need(self, key: str, what: str) -> tuple[int, int]:
        sp = self.span(key)
        if sp is None:
            raise Refusal(f"mlmgen does not know where {what} is written")
        return sp

    def fixed_spans(self) -> list[tuple[int, int]]:
        return sorted(self.span(k) for k in self.p.locations if k.startswith("fixed:") and self.span(k))

    def random_key(self, name: str) -> str:
        """The location key of random slope `name` (case-folded for SAS and SPSS)."""
        for k in self.p.locations:
            if k.startswith("random:") and k[7:].lower() == name.lower():
                return k
        return "random:" + name

    def statement_end(self, start: int, stop: str = ";") -> int:
        """Offset of the first `stop` character at or after `start` (SAS statements end with `;`)."""
        i = self.masked.find(stop, start)
        if i < 0:
            raise Refusal(f"no '{stop}' ends the statement")
        return i

    # ---------------------------------------------------------------- for the package styles
    def edit(self, s: int, e: int, text: str, code: str, late: bool = False) -> TextEdit:
        return TextEdit(s, e, text, code, late=late)

    def refuse(self, why: str) -> Refusal:
        return Refusal(why)

    # ---------------------------------------------------------------- edits
    def remove(self, s: int, e: int, code: str) -> TextEdit:
        """Delete [s, e) with one separator: the package's (R: `+` on either side), else the blanks before it (or
        after it when it starts a line)."""
        t = self.text
        own = self.style.remove(self, s, e, code)
        if own is not None:
            return own
        a = s
        while a > 0 and t[a - 1] in " \t":
            a -= 1
        if a < s and a > 0 and t[a - 1] != "\n":
            return TextEdit(a, e, "", code)
        b = e
        while b < len(t) and t[b] in " \t":
            b += 1
        return TextEdit(s, b, "", code)

    def after(self, pos: int, item: str, code: str) -> TextEdit:
        """Insert `item` after the list element ending at `pos` (the package's way, else ` item`)."""
        own = self.style.after(self, pos, item, code)
        return own if own is not None else TextEdit(pos, pos, " " + item, code)

    def declare(self, names: list[str], code: str) -> list[TextEdit]:
        """Edits declaring variables new to the command, where the package needs that (SPSS WITH list)."""
        return self.style.declare(self, names, code)

    # ---------------------------------------------------------------- model edits
    def term_edits_keep_contrasts(self, model) -> None:
        """Refusal when adding or removing a fixed term would change what a contrast means: R's contest()
        vectors are positional (one coefficient per fixed effect, in order), and a contrast mlmgen could
        not read (MF005) may refer to the term."""
        unread = [d for d in self.p.diagnostics if d.code == "MF005"]
        if unread:
            raise Refusal(f"the contrast at line {unread[0].location.line} was not read; changing the fixed "
                          f"terms could change what it tests: fix it by hand")
        if self.style.contrasts_positional and model.contrasts:
            raise Refusal("R contrasts (contest) give one coefficient per fixed effect in order; adding or "
                          "removing a term would shift them: fix the term and the contrasts by hand")

    def place(self, edit, code: str, model) -> list[TextEdit]:
        d = self.dialect
        if isinstance(edit, (RemoveTerm, AddTerm)) and not (isinstance(edit, AddTerm) and any(
                t.key == Term(edit.factors).key for t in model.fixed)):
            self.term_edits_keep_contrasts(model)
        if isinstance(edit, RemoveTerm):
            key = "fixed:" + ":".join(Term(edit.factors).key)
            if any(Term.parse(n).key == Term(edit.factors).key for c in model.contrasts for row in c.rows
                   for n, _ in row):
                raise Refusal(f"a contrast uses {Term(edit.factors).name}: remove the term and the contrast by hand")
            s, e = self.need(self._key_ci(key), f"the term {Term(edit.factors).name}")
            return [self.remove(s, e, code)]
        if isinstance(edit, AddTerm):
            if any(t.key == Term(edit.factors).key for t in model.fixed):
                return []
            spans = self.fixed_spans()
            item = term_text(edit.factors, d)
            if spans:
                out = [self.after(spans[-1][1], item, code)]
            else:
                out = [self._first_term(item, code)]
            return out + self.declare(list(edit.factors), code)
        if isinstance(edit, RemoveSlope):
            s, e = self.need(self.random_key(edit.name), f"the random slope of {edit.name}")
            return [self.remove(s, e, code)]
        if isinstance(edit, SwapSlope):
            if edit.new in model.random.slopes:
                return self.place(RemoveSlope(edit.old), code, model)
            s, e = self.need(self.random_key(edit.old), f"the random slope of {edit.old}")
            piece = self.text[s:e]
            i = piece.lower().rfind(edit.old.lower())
            if i < 0:
                raise Refusal(f"the random slope of {edit.old} is not written as its name")
            return [TextEdit(s + i, s + i + len(edit.old), edit.new, code)] + self.declare([edit.new], code)
        if isinstance(edit, AddSlope):
            if edit.name in model.random.slopes:
                return []
            return [self._add_slope(edit.name, model, code)] + self.declare([edit.name], code)
        if isinstance(edit, SetMethod):
            return self._setting("method", edit, code)
        if isinstance(edit, SetCovariance):
            return self._setting("covariance", edit, code)
        if isinstance(edit, SetDdf):
            return self._setting("ddf", edit, code)
        if isinstance(edit, SetData):
            s, e = self.need("data", "the data-set name")
            piece = self.text[s:e]
            i = self.style.data_name_start(piece)            # SAS: keep the library (work.Example)
            quote = piece[i] if piece[i:i + 1] in "\"'" else ""
            return [TextEdit(s + i + len(quote), e - len(quote), edit.name, code)]
        raise Refusal(f"no text edit for {type(edit).__name__}")

    def _key_ci(self, key: str) -> str:
        if key in self.p.locations:
            return key
        for k in self.p.locations:
            if k.lower() == key.lower():
                return k
        return key

    def _first_term(self, item: str, code: str) -> TextEdit:
        """The first fixed term: after `y =` (SAS), `y ~` (R), `mixed y` (Stata), `/FIXED =` (SPSS)."""
        own = self.style.first_term(self, item, code)
        if own is not None:
            return own
        s, e = self.need("outcome", "the outcome")
        i = self.masked.find("=", e)
        if i < 0:
            raise Refusal("no '=' after the outcome")
        return TextEdit(i + 1, i + 1, " " + item, code)

    def _add_slope(self, name: str, model, code: str) -> TextEdit:
        keys = [self.random_key(s) for s in model.random.slopes]
        spans = sorted(self.span(k) for k in keys if self.span(k))
        if spans:
            return self.after(spans[-1][1], name, code)
        s, e = self.need("random:Intercept", "the random intercept")
        own = self.style.first_slope(self, name, s, e, code)
        return own if own is not None else TextEdit(e, e, " " + name, code)

    # ---------------------------------------------------------------- settings
    def _setting(self, key: str, edit, code: str) -> list[TextEdit]:
        d = self.dialect
        written = self.p.explicit.get(key) and self.span(key)
        text = edit.describe(d)
        return self.style.setting(self, key, edit, text, written, code)

    def check_spelled(self, key: str, edit, text: str) -> None:
        """Refusal when the package has no spelling of the df method (`describe` gave the method back)."""
        if key == "ddf" and text == edit.ddf:
            raise Refusal(f"{self.dialect} has no way to write the df method {edit.ddf}")

    def first_random(self) -> str:
        return self._first_random()

    def _first_random(self) -> str:
        keys = [k for k in self.p.locations if k.startswith("random:")]
        if not keys:
            raise Refusal("mlmgen does not know where the random effects are written")
        return min(keys, key=lambda k: self.span(k) or (0, 0))

    # ---------------------------------------------------------------- reader fixes
    def reader_fix(self, diag) -> list[TextEdit]:
        """A reader's fix: a located replacement (Stata `e.` -> `c.`), or SAS GCORR moved to RANDOM."""
        fix = diag.fix
        if fix is not None and fix.replacement is not None and fix.location is not None \
                and fix.location.line and fix.location.end_line:
            s = self.offset(fix.location.line, fix.location.col)
            e = self.offset(fix.location.end_line, fix.location.end_col)
            return [TextEdit(s, e, fix.replacement, diag.code)]
        return self.style.reader_fix(self, diag)


def fixes_a_reader_can_make(diag) -> bool:
    """A reader's diagnostic whose fix `Placer.reader_fix` makes (not info-level notes)."""
    if diag.severity == Severity.INFO or diag.fix is None:
        return False
    located = diag.fix.replacement is not None and diag.fix.location is not None
    return located or diag.code == "SY005"
