"""Where `lint --fix` writes in SAS: options of PROC MIXED, MODEL (`/ DDFM=`) or RANDOM (`/ TYPE=`); the data
set's library is kept; GCORR written on MODEL moves to RANDOM (see lint/placement.py for the shared rules)."""
from __future__ import annotations

from ..base import PlacementStyle


class SASPlacement(PlacementStyle):
    def data_name_start(self, piece):
        return piece.rfind(".") + 1                      # keep the library (work.Example)

    def setting(self, pl, key, edit, text, written, code):
        pl.check_spelled(key, edit, text)
        if written:
            s, e = pl.span(key)
            return [pl.edit(s, e, text, code)]
        if key == "method":
            cs, ce = pl.need("command", "the PROC MIXED statement")
            j = pl.statement_end(cs)
            return [pl.edit(j, j, " " + text, code, late=True)]
        anchor = pl.need("outcome", "the MODEL statement")[0] if key == "ddf" else \
            pl.need(pl.first_random(), "the RANDOM statement")[0]
        return [self.option(pl, anchor, text, code)]

    def option(self, pl, anchor, option, code):
        """An option of the SAS statement containing `anchor`: after its `/`, or ` / option` before the `;`."""
        end = pl.statement_end(anchor)
        slash = pl.masked.find("/", anchor, end)
        if slash >= 0:
            return pl.edit(slash + 1, slash + 1, " " + option, code)
        j = end
        while pl.masked[j - 1] in " \t\n":
            j -= 1
        opened = j in pl.opened
        pl.opened.add(j)
        return pl.edit(j, j, (" " if opened else " / ") + option, code, late=True)

    def reader_fix(self, pl, diag):
        if diag.code == "SY005" and diag.location.text:      # GCORR on MODEL: moved to the RANDOM options
            s = pl.offset(diag.location.line, diag.location.col)
            e = s + len(diag.location.text)
            return [pl.remove(s, e, diag.code),
                    self.option(pl, pl.need(pl.first_random(), "the RANDOM statement")[0], diag.location.text,
                                diag.code)]
        return []
