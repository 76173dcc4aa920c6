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

An edit that has no place (a fix that would also have to change a contrast, an R model without
`summary(m)` for the df method) is not made: `Refusal` says why (FX001).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Severity
from ..dialects.lme4.statements import mask as lme4_mask
from ..dialects.sas.statements import mask as sas_mask
from ..dialects.spss.syntax import mask as spss_mask
from ..dialects.stata.syntax import mask as stata_mask
from ..lexing import Source
from ..model import Term
from .fixes import (AddSlope, AddTerm, RemoveSlope, RemoveTerm, SetCovariance, SetData, SetDdf, SetMethod,
                    SwapSlope, term_text)
from .textedits import TextEdit


MASKS = {"sas": sas_mask, "lme4": lme4_mask, "stata": stata_mask, "spss": spss_mask}


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
        self.masked: str = MASKS[self.dialect](self.text)[0] if self.dialect in MASKS else self.text
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

    # ---------------------------------------------------------------- edits
    def remove(self, s: int, e: int, code: str) -> TextEdit:
        """Delete [s, e) with one separator: R `+` on either side, else the blanks before it (or after it when it
        starts a line)."""
        t = self.text
        if self.dialect == "lme4":
            a = s
            while a > 0 and t[a - 1] in " \t\n":
                a -= 1
            if a > 0 and t[a - 1] == "+":
                a -= 1
                while a > 0 and t[a - 1] in " \t":
                    a -= 1
                return TextEdit(a, e, "", code)
            b = e
            while b < len(t) and t[b] in " \t\n":
                b += 1
            if b < len(t) and t[b] == "+":
                b += 1
                while b < len(t) and t[b] in " \t":
                    b += 1
                return TextEdit(s, b, "", code)
            return TextEdit(s, e, "1", code)              # `(x | g)` -> `(1 | g)`; `y ~ x` -> `y ~ 1`
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
        """Insert `item` after the list element ending at `pos` (R: ` + item`, matching the spacing used)."""
        if self.dialect == "lme4":
            spaced = self.text[pos:pos + 2].startswith(" +") or self.text[max(0, pos - 2):pos].endswith("+ ")
            return TextEdit(pos, pos, f" + {item}" if spaced else f"+{item}", code)
        return TextEdit(pos, pos, " " + item, code)

    def spss_declare(self, names: list[str], code: str) -> list[TextEdit]:
        """SPSS: variables new to the MIXED line are added to its WITH list (MIXED y BY g WITH x1 x2)."""
        if self.dialect != "spss":
            return []
        cs, ce = self.need("command", "the MIXED command")
        head_end = self.masked.find("/", cs, ce)
        head_end = ce if head_end < 0 else head_end
        head = self.masked[cs:head_end]
        words = {w.lower() for w in re.findall(r"[A-Za-z_@#$][\w.@#$]*", head)}
        new = [n for n in dict.fromkeys(names) if n.lower() not in words and n.lower() not in self.declared]
        if not new:
            return []
        self.declared.update(n.lower() for n in new)
        m_with = re.search(r"(?i)\bWITH\b", head)
        if m_with:
            m_by = re.search(r"(?i)\bBY\b", head[m_with.end():])
            end = cs + m_with.end() + (m_by.start() if m_by else len(head) - m_with.end())
        else:
            end = head_end
        while end > cs and self.masked[end - 1] in " \t\n":
            end -= 1
        return [TextEdit(end, end, (" " if m_with else " WITH ") + " ".join(new), code)]

    # ---------------------------------------------------------------- model edits
    def term_edits_keep_contrasts(self, model) -> None:
        """Refusal when adding or removing a fixed term would change what a contrast means: R's contest()
        vectors are positional (one coefficient per fixed effect, in order), and a contrast mlmgen could
        not read (MF005) may refer to the term."""
        unread = [d for d in self.p.diagnostics if d.code == "MF005"]
        if unread:
            raise Refusal(f"the contrast at line {unread[0].location.line} was not read; changing the fixed "
                          f"terms could change what it tests: fix it by hand")
        if self.dialect == "lme4" and model.contrasts:
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
            return out + self.spss_declare(list(edit.factors), code)
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
            return [TextEdit(s + i, s + i + len(edit.old), edit.new, code)] + self.spss_declare([edit.new], code)
        if isinstance(edit, AddSlope):
            if edit.name in model.random.slopes:
                return []
            return [self._add_slope(edit.name, model, code)] + self.spss_declare([edit.name], code)
        if isinstance(edit, SetMethod):
            return self._setting("method", edit, code)
        if isinstance(edit, SetCovariance):
            return self._setting("covariance", edit, code)
        if isinstance(edit, SetDdf):
            return self._setting("ddf", edit, code)
        if isinstance(edit, SetData):
            s, e = self.need("data", "the data-set name")
            piece = self.text[s:e]
            i = piece.rfind(".") + 1 if d == "sas" else 0     # SAS: keep the library (work.Example)
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
        s, e = self.need("outcome", "the outcome")
        if self.dialect == "stata":
            return TextEdit(e, e, " " + item, code)
        if self.dialect == "spss":
            cs, ce = self.need("command", "the MIXED command")
            m = re.search(r"(?i)/\s*FIXED\s*=", self.masked[cs:ce])
            if not m:
                raise Refusal("the MIXED command has no /FIXED subcommand to add the term to")
            p = cs + m.end()
            return TextEdit(p, p, " " + item, code)
        op = "~" if self.dialect == "lme4" else "="
        i = self.masked.find(op, e)
        if i < 0:
            raise Refusal(f"no '{op}' after the outcome")
        if self.dialect == "lme4":
            return TextEdit(i + 1, i + 1, f" {item} +", code)
        return TextEdit(i + 1, i + 1, " " + item, code)

    def _add_slope(self, name: str, model, code: str) -> TextEdit:
        keys = [self.random_key(s) for s in model.random.slopes]
        spans = sorted(self.span(k) for k in keys if self.span(k))
        if spans:
            return self.after(spans[-1][1], name, code)
        s, e = self.need("random:Intercept", "the random intercept")
        if self.dialect == "lme4":                          # (1 | g): before the bar
            bar = self.masked.find("|", s, e)
            if bar < 0:
                raise Refusal("the random term has no '|'")
            j = bar
            while self.masked[j - 1] in " \t":
                j -= 1
            return TextEdit(j, j, f" + {name}", code)
        if self.dialect == "stata":                          # || g: -> || g: x
            colon = self.masked.find(":", e)
            if colon < 0 or self.masked[e:colon].strip():
                raise Refusal("no ':' after the grouping variable")
            return TextEdit(colon + 1, colon + 1, " " + name, code)
        return TextEdit(e, e, " " + name, code)

    # ---------------------------------------------------------------- settings
    def _setting(self, key: str, edit, code: str) -> list[TextEdit]:
        d = self.dialect
        written = self.p.explicit.get(key) and self.span(key)
        text = edit.describe(d)
        if d == "lme4":
            if key == "covariance":
                s, e = self.need("covariance", "the random term")
                piece = self.masked[s:e]
                want = "||" if edit.covariance.lower() != "un" else "|"
                m = re.search(r"\|\|?", piece)
                if not m or piece.count("|") > 2:
                    raise Refusal("the random term's bar is not written as one | or ||")
                return [TextEdit(s + m.start(), s + m.end(), want, code)]
            value = text.split("=", 1)[1]                   # REML=TRUE -> TRUE; ddf="Kenward-Roger" -> "..."
            if written:
                s, e = self.span(key)
                return [TextEdit(s, e, value, code)]
            if key == "method":
                cs, ce = self.need("command", "the lmer() call")
                j = ce - 1
                if self.masked[j] != ")":
                    raise Refusal("the lmer() call does not end with ')'")
                while self.masked[j - 1] in " \t\n":
                    j -= 1
                return [TextEdit(j, j, f", {text}", code, late=True)]
            if key == "ddf":
                name = getattr(self.p.model, "name", None)
                calls = list(re.finditer(rf"\bsummary\(\s*{re.escape(name)}\s*\)", self.masked)) if name else []
                if len(calls) != 1:
                    raise Refusal(f"there is no single `summary({name or 'm'})` call to write {text} in")
                j = calls[0].end() - 1
                return [TextEdit(j, j, f", {text}", code, late=True)]
        if key == "ddf" and text == edit.ddf:                  # no spelling in this package (lme4 residual)
            raise Refusal(f"{d} has no way to write the df method {edit.ddf}")
        if d == "stata" and key == "ddf" and edit.ddf == "none":     # Stata's default: no dfmethod() at all
            if written:
                s, e = self.span(key)
                return [self.remove(s, e, code)]
            return []
        if d == "spss":
            text = text.lstrip("/").strip()
            if key == "ddf":
                text = text.split("=", 1)[1].strip()          # DFMETHOD(...)
        if written:
            s, e = self.span(key)
            return [TextEdit(s, e, text, code)]
        if d == "sas":
            if key == "method":
                cs, ce = self.need("command", "the PROC MIXED statement")
                j = self.statement_end(cs)
                return [TextEdit(j, j, " " + text, code, late=True)]
            anchor = self.need("outcome", "the MODEL statement")[0] if key == "ddf" else \
                self.need(self._first_random(), "the RANDOM statement")[0]
            return [self._sas_option(anchor, text, code)]
        if d == "stata":
            cs, ce = self.need("command", "the mixed command")
            last = self.masked.rfind("||", cs, ce)
            has_comma = "," in self.masked[max(cs, last):ce] or ce in self.opened
            self.opened.add(ce)
            return [TextEdit(ce, ce, (" " if has_comma else ", ") + text, code, late=True)]
        if d == "spss":
            cs, ce = self.need("command", "the MIXED command")
            if key == "covariance":
                s, _ = self.need(self._first_random(), "the /RANDOM subcommand")
                nxt = self.masked.find("/", s, ce)
                j = (ce - 1 if self.masked[ce - 1] == "." else ce) if nxt < 0 else nxt
                while self.masked[j - 1] in " \t\n":
                    j -= 1
                return [TextEdit(j, j, " " + text, code, late=True)]
            if key == "ddf":
                m = re.search(r"(?i)/\s*CRITERIA\s*=", self.masked[cs:ce])
                if m:
                    return [TextEdit(cs + m.end(), cs + m.end(), " " + text, code)]
                text = "/CRITERIA = " + text
            else:
                text = "/" + text
            return [self._spss_subcommand(cs, ce, text, code)]
        raise Refusal(f"mlmgen does not know where {key} is written in {d}")

    def _spss_subcommand(self, cs: int, ce: int, text: str, code: str) -> TextEdit:
        """A new SPSS subcommand, written before the first one (in its line's indentation), so it never meets
        an option added at the end of the last subcommand."""
        slash = self.masked.find("/", cs, ce)
        if slash < 0:
            j = ce - 1 if self.masked[ce - 1] == "." else ce
            return TextEdit(j, j, " " + text, code, late=True)
        line_start = self.text.rfind("\n", 0, slash) + 1
        indent = self.text[line_start:slash]
        return TextEdit(slash, slash, text + ("\n" + indent if not indent.strip() else " "), code)

    def _first_random(self) -> str:
        keys = [k for k in self.p.locations if k.startswith("random:")]
        if not keys:
            raise Refusal("mlmgen does not know where the random effects are written")
        return min(keys, key=lambda k: self.span(k) or (0, 0))

    def _sas_option(self, anchor: int, option: str, code: str) -> TextEdit:
        """An option of the SAS statement containing `anchor`: after its `/`, or ` / option` before the `;`."""
        end = self.statement_end(anchor)
        slash = self.masked.find("/", anchor, end)
        if slash >= 0:
            return TextEdit(slash + 1, slash + 1, " " + option, code)
        j = end
        while self.masked[j - 1] in " \t\n":
            j -= 1
        opened = j in self.opened
        self.opened.add(j)
        return TextEdit(j, j, (" " if opened else " / ") + option, code, late=True)

    # ---------------------------------------------------------------- reader fixes
    def reader_fix(self, diag) -> list[TextEdit]:
        """A reader's fix: a located replacement (Stata `e.` -> `c.`), or SAS GCORR moved to RANDOM."""
        fix = diag.fix
        if fix is not None and fix.replacement is not None and fix.location is not None \
                and fix.location.line and fix.location.end_line:
            s = self.offset(fix.location.line, fix.location.col)
            e = self.offset(fix.location.end_line, fix.location.end_col)
            return [TextEdit(s, e, fix.replacement, diag.code)]
        if diag.code == "SY005" and self.dialect == "sas" and diag.location.text:
            s = self.offset(diag.location.line, diag.location.col)
            e = s + len(diag.location.text)
            return [self.remove(s, e, diag.code),
                    self._sas_option(self.need(self._first_random(), "the RANDOM statement")[0],
                                     diag.location.text, diag.code)]
        return []


def fixes_a_reader_can_make(diag) -> bool:
    """A reader's diagnostic whose fix `Placer.reader_fix` makes (not info-level notes)."""
    if diag.severity == Severity.INFO or diag.fix is None:
        return False
    located = diag.fix.replacement is not None and diag.fix.location is not None
    return located or diag.code == "SY005"
