"""Where `lint --fix` writes in Stata: options after the command's comma (one option list), `|| g: x` for a
first slope; ddf none is Stata's default, written as no dfmethod() (see lint/placement.py)."""
from __future__ import annotations

from ..base import PlacementStyle


class StataPlacement(PlacementStyle):
    def first_term(self, pl, item, code):
        s, e = pl.need("outcome", "the outcome")
        return pl.edit(e, e, " " + item, code)

    def first_slope(self, pl, name, s, e, code):
        colon = pl.masked.find(":", e)                   # || g: -> || g: x
        if colon < 0 or pl.masked[e:colon].strip():
            raise pl.refuse("no ':' after the grouping variable")
        return pl.edit(colon + 1, colon + 1, " " + name, code)

    def setting(self, pl, key, edit, text, written, code):
        pl.check_spelled(key, edit, text)
        if key == "ddf" and edit.ddf == "none":          # Stata's default: no dfmethod() at all
            if written:
                s, e = pl.span(key)
                return [pl.remove(s, e, code)]
            return []
        if written:
            s, e = pl.span(key)
            return [pl.edit(s, e, text, code)]
        cs, ce = pl.need("command", "the mixed command")
        last = pl.masked.rfind("||", cs, ce)
        has_comma = "," in pl.masked[max(cs, last):ce] or ce in pl.opened
        pl.opened.add(ce)
        return [pl.edit(ce, ce, (" " if has_comma else ", ") + text, code, late=True)]
