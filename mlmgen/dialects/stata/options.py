"""Read the options of Stata `mixed` (after a comma in the fixed or a random-effects equation).

`noconstant`, `covariance()` (unstructured, independent; exchangeable/identity are the same model with one
effect), `reml`/`mle`, `dfmethod()` go to the builder; `residuals()` is read in residuals_syntax.py; `vce()`, weights and constraints are
SY004; display and iteration options (`_HARMLESS_OPTS`, minimal abbreviations) are harmless, any other
option is SY004 as a warning. Also the table of harmless commands around `mixed` (`_HARMLESS_CMDS`).
"""
from __future__ import annotations

from ...diagnostics import Severity
from ...lexing import Token, prefix_match
from .residuals_syntax import read_option

_HARMLESS_OPTS = {"nolog": 3, "log": 3, "variance": 3, "stddeviations": 3, "noretable": 5, "nofetable": 5,
                  "estmetric": 3, "noheader": 5, "nogroup": 4, "nostderr": 5, "nolrtest": 5, "level": 3,
                  "iterate": 4, "tolerance": 3, "ltolerance": 4, "nrtolerance": 4, "difficult": 4,
                  "technique": 4, "dftable": 3, "collinear": 4, "emiterate": 6, "emtolerance": 6, "emonly": 6,
                  "emlog": 5, "emdots": 5, "showtolerance": 5, "nonrtolerance": 5, "matlog": 6, "matsqrt": 6,
                  "cformat": 3, "pformat": 3, "sformat": 3, "nocnsreport": 5, "coeflegend": 5, "noomitted": 5,
                  "vsquish": 3, "noemptycells": 5, "baselevels": 5, "allbaselevels": 5, "nofvlabel": 5,
                  "fvwrap": 4, "fvwrapon": 4, "lrtest": 6, "trace": 5, "gradient": 4, "showstep": 5,
                  "hessian": 4, "shownrtolerance": 5}
_COV = {"unstructured": 2, "independent": 3, "exchangeable": 2, "identity": 2}
_DFM = {"residual": 3, "repeated": 3, "anova": 5, "satterthwaite": 3, "kroger": 2}
_DFM_MAP = {"residual": "residual", "satterthwaite": "satterthwaite", "kroger": "kenward-roger"}
_HARMLESS_CMDS = {"preserve", "restore", "estat", "display", "di", "summarize", "sum", "describe", "des", "set", "version", "log",
                  "estimates", "est", "predict", "margins", "list", "tabulate", "tab", "clear", "exit", "cd",
                  "pwd", "matrix", "mat", "ereturn", "return"}


class _OptionReader:
    """The options reader of `syntax._Reader` (mixed into it; it has `self.b`)."""

    def options(self, toks: list[Token], part: str) -> dict:
        """Options after a comma; model settings go to the builder. Returns covariance/noconstant."""
        b = self.b
        out: dict = {}
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.kind != "name":
                b.diag("SY001", f"expected an option, found {t.text!r}", t.start, t.end)
                i += 1
                continue
            arg: list[Token] = []
            end = t.end
            j = i + 1
            if j < len(toks) and toks[j].text == "(":
                depth = 0
                while j < len(toks):
                    depth += {"(": 1, ")": -1}.get(toks[j].text, 0)
                    if depth == 0:
                        break
                    if j > i + 1:
                        arg.append(toks[j])
                    j += 1
                end = toks[min(j, len(toks) - 1)].end
                j += 1
            i = j
            name = t.text.lower()
            atext = "".join(a.text for a in arg)
            if prefix_match(name, {"noconstant": 4}):
                if part == "fixed":
                    b.intercept = False
                    b.locations["noconstant"] = b.loc(t.start, end)
                else:
                    out["noconstant"] = True
            elif part == "random" and prefix_match(name, {"covariance": 3}):
                full = prefix_match(atext.lower(), _COV)
                if full in ("unstructured", "independent"):
                    out["covariance"] = "un" if full == "unstructured" else "vc"
                    out["covariance_at"] = (t.start, end)
                elif full:
                    # exchangeable/identity: the same model as any other structure with one effect,
                    # decided in random_eq once the effects are known
                    out["covariance"] = "other"
                    out["covariance_span"] = (t.start, end, atext)
                    out["covariance_at"] = (t.start, end)
                else:
                    b.diag("SY001", f"covariance({atext}) is not a Stata covariance structure", t.start, end)
            elif name in ("reml",):
                b.set_setting("method", "reml", t.start, end)
            elif name in ("mle", "ml"):
                b.set_setting("method", "ml", t.start, end)
            elif prefix_match(name, {"dfmethod": 3}):
                m = prefix_match(atext.split(",")[0].lower(), _DFM)
                if m in _DFM_MAP:
                    b.set_setting("ddf", _DFM_MAP[m], t.start, end)
                    if "," in atext:
                        b.extra["dfmethod_suboption"] = atext.split(",", 1)[1].strip()
                elif m:
                    b.unsupported(f"dfmethod({atext}) (Stata's own {m} df, with no counterpart in SAS, R or "
                                  f"SPSS)", t.start, end, fix="use satterthwaite, kroger or residual")
                else:
                    b.diag("SY001", f"dfmethod({atext}) is not a Stata df method", t.start, end)
            elif prefix_match(name, {"residuals": 3}):
                got = read_option(b, arg, t.start, end)
                if got is not None:
                    self.residual_option = got
            elif name in ("vce",) or prefix_match(name, {"pweight": 2, "fweight": 2,
                                                           "pwscale": 4, "constraints": 6}):
                b.unsupported(f"the option {t.text}({atext})" if arg else f"the option {t.text}", t.start, end)
            elif prefix_match(name, _HARMLESS_OPTS):
                continue
            else:
                b.unsupported(f"the option {t.text}", t.start, end, Severity.WARNING)
        return out
