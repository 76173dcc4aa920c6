"""Where `lint --fix` writes in SPSS: new variables on the MIXED line's WITH list, a first term after
`/FIXED =`, COVTYPE() at the end of /RANDOM, new subcommands before the first one (see lint/placement.py)."""
from __future__ import annotations

import re

from ..base import PlacementStyle


class SPSSPlacement(PlacementStyle):
    def declare(self, pl, names, code):
        """Variables new to the MIXED line are added to its WITH list (MIXED y BY g WITH x1 x2)."""
        cs, ce = pl.need("command", "the MIXED command")
        head_end = pl.masked.find("/", cs, ce)
        head_end = ce if head_end < 0 else head_end
        head = pl.masked[cs:head_end]
        words = {w.lower() for w in re.findall(r"[A-Za-z_@#$][\w.@#$]*", head)}
        new = [n for n in dict.fromkeys(names) if n.lower() not in words and n.lower() not in pl.declared]
        if not new:
            return []
        pl.declared.update(n.lower() for n in new)
        m_with = re.search(r"(?i)\bWITH\b", head)
        if m_with:
            m_by = re.search(r"(?i)\bBY\b", head[m_with.end():])
            end = cs + m_with.end() + (m_by.start() if m_by else len(head) - m_with.end())
        else:
            end = head_end
        while end > cs and pl.masked[end - 1] in " \t\n":
            end -= 1
        return [pl.edit(end, end, (" " if m_with else " WITH ") + " ".join(new), code)]

    def first_term(self, pl, item, code):
        cs, ce = pl.need("command", "the MIXED command")
        m = re.search(r"(?i)/\s*FIXED\s*=", pl.masked[cs:ce])
        if not m:
            raise pl.refuse("the MIXED command has no /FIXED subcommand to add the term to")
        p = cs + m.end()
        return pl.edit(p, p, " " + item, code)

    def setting(self, pl, key, edit, text, written, code):
        pl.check_spelled(key, edit, text)
        text = text.lstrip("/").strip()
        if key == "ddf":
            text = text.split("=", 1)[1].strip()          # DFMETHOD(...)
        if written:
            s, e = pl.span(key)
            return [pl.edit(s, e, text, code)]
        cs, ce = pl.need("command", "the MIXED command")
        if key == "covariance":
            s, _ = pl.need(pl.first_random(), "the /RANDOM subcommand")
            nxt = pl.masked.find("/", s, ce)
            j = (ce - 1 if pl.masked[ce - 1] == "." else ce) if nxt < 0 else nxt
            while pl.masked[j - 1] in " \t\n":
                j -= 1
            return [pl.edit(j, j, " " + text, code, late=True)]
        if key == "ddf":
            m = re.search(r"(?i)/\s*CRITERIA\s*=", pl.masked[cs:ce])
            if m:
                return [pl.edit(cs + m.end(), cs + m.end(), " " + text, code)]
            text = "/CRITERIA = " + text
        else:
            text = "/" + text
        return [self.subcommand(pl, cs, ce, text, code)]

    def subcommand(self, pl, cs, ce, text, code):
        """A new SPSS subcommand, written before the first one (in its line's indentation), so it never meets
        an option added at the end of the last subcommand."""
        slash = pl.masked.find("/", cs, ce)
        if slash < 0:
            j = ce - 1 if pl.masked[ce - 1] == "." else ce
            return pl.edit(j, j, " " + text, code, late=True)
        line_start = pl.text.rfind("\n", 0, slash) + 1
        indent = pl.text[line_start:slash]
        return pl.edit(slash, slash, text + ("\n" + indent if not indent.strip() else " "), code)
