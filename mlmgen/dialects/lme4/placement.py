"""Where `lint --fix` writes in R: `+`-separated terms, `(1 | g)` random terms, REML= in the lmer() call and
ddf= in `summary(m)` (see lint/placement.py for the shared rules)."""
from __future__ import annotations

import re

from ..base import PlacementStyle


class LME4Placement(PlacementStyle):
    contrasts_positional = True

    def remove(self, pl, s, e, code):
        """One `+` on either side goes with the item; a lone item becomes `1` (`(x | g)` -> `(1 | g)`)."""
        t = pl.text
        a = s
        while a > 0 and t[a - 1] in " \t\n":
            a -= 1
        if a > 0 and t[a - 1] == "+":
            a -= 1
            while a > 0 and t[a - 1] in " \t":
                a -= 1
            return pl.edit(a, e, "", code)
        b = e
        while b < len(t) and t[b] in " \t\n":
            b += 1
        if b < len(t) and t[b] == "+":
            b += 1
            while b < len(t) and t[b] in " \t":
                b += 1
            return pl.edit(s, b, "", code)
        return pl.edit(s, e, "1", code)              # `(x | g)` -> `(1 | g)`; `y ~ x` -> `y ~ 1`

    def after(self, pl, pos, item, code):
        spaced = pl.text[pos:pos + 2].startswith(" +") or pl.text[max(0, pos - 2):pos].endswith("+ ")
        return pl.edit(pos, pos, f" + {item}" if spaced else f"+{item}", code)

    def first_term(self, pl, item, code):
        s, e = pl.need("outcome", "the outcome")
        i = pl.masked.find("~", e)
        if i < 0:
            raise pl.refuse("no '~' after the outcome")
        return pl.edit(i + 1, i + 1, f" {item} +", code)

    def first_slope(self, pl, name, s, e, code):
        bar = pl.masked.find("|", s, e)                   # (1 | g): before the bar
        if bar < 0:
            raise pl.refuse("the random term has no '|'")
        j = bar
        while pl.masked[j - 1] in " \t":
            j -= 1
        return pl.edit(j, j, f" + {name}", code)

    def setting(self, pl, key, edit, text, written, code):
        if key == "covariance":
            s, e = pl.need("covariance", "the random term")
            piece = pl.masked[s:e]
            want = "||" if edit.covariance.lower() != "un" else "|"
            m = re.search(r"\|\|?", piece)
            if not m or piece.count("|") > 2:
                raise pl.refuse("the random term's bar is not written as one | or ||")
            return [pl.edit(s + m.start(), s + m.end(), want, code)]
        value = text.split("=", 1)[1]                   # REML=TRUE -> TRUE; ddf="Kenward-Roger" -> "..."
        if written:
            s, e = pl.span(key)
            return [pl.edit(s, e, value, code)]
        if key == "method":
            cs, ce = pl.need("command", "the lmer() call")
            j = ce - 1
            if pl.masked[j] != ")":
                raise pl.refuse("the lmer() call does not end with ')'")
            while pl.masked[j - 1] in " \t\n":
                j -= 1
            return [pl.edit(j, j, f", {text}", code, late=True)]
        name = getattr(pl.p.model, "name", None)
        calls = list(re.finditer(rf"\bsummary\(\s*{re.escape(name)}\s*\)", pl.masked)) if name else []
        if len(calls) != 1:
            raise pl.refuse(f"there is no single `summary({name or 'm'})` call to write {text} in")
        j = calls[0].end() - 1
        return [pl.edit(j, j, f", {text}", code, late=True)]
