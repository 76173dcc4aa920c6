"""Read SPSS MIXED syntax into a `Model`, with locations.

Read: `MIXED y [BY factors] [WITH covariates]` and the subcommands `/FIXED = effects [| NOINT SSTYPE(n)]`,
`/RANDOM = INTERCEPT x | SUBJECT(id) COVTYPE(type)` (several RANDOM subcommands with one SUBJECT() =
independent blocks; another SUBJECT() is another random term, COVTYPE each: `SUBJECT(school*class)` the
(school, class) pairs, nested, `SUBJECT(class)` a factor of its own; a BY factor g among the effects under
COVTYPE(VC) is g nested in the subject, one variance for its levels; dialects/random_blocks.py),
`/METHOD = REML|ML`, `/CRITERIA = DFMETHOD(...)` (with or without a space before the parenthesis),
`/PRINT`, `/TEST[(0)] [=] ['label'] effect coef ... [; row ...] [DIVISOR=n]`; `GET FILE=` / `DATASET
ACTIVATE` for the data-set name. A command ends with a period at the end of a line or at a blank line;
`* ... .` and `COMMENT ... .` comment commands and `/* ... */` comments (to the end of the line when not
closed); keywords and names are case-insensitive (later spellings map to the first one used).

Defaults when not written (SPSS Statistics): METHOD REML, COVTYPE(VC), DFMETHOD(SATTERTHWAITE).
Effects must be declared after BY/WITH (SY003 otherwise). BY factors used as predictors (fixed, or a random
slope) are categorical predictors with SPSS's reference, the last level (levels in ascending order; MIXED has
no option to change it); WITH covariates are continuous. /REPEATED is read in repeated_syntax.py; /REGWGT, nested effects and other covariance types are SY004. COVTYPE(DIAG) is read as VC:
for continuous random effects both give independent effects with their own variances.

/TEST is read in contrasts.py; RECODE/AUTORECODE ... INTO a factor and COMPUTE of an indicator column (how
mlmgen renders a categorical's reference and random slope) in factors.py.
"""
from __future__ import annotations

import re

from ...diagnostics import Fix, Severity
from . import render
from .facts import FACTS
from ...lexing import Comment, SyntaxBuilder, Token, blank, split_top, tokenize
from .created import record_created
from .contrasts import _ContrastReader
from .repeated_syntax import apply_visit_order, read_repeated
from .factors import autorecode, compute_indicator, recode, reference_code
from ..random_blocks import Block, assemble

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^'\n]|'')*'|"(?:[^"\n]|"")*")
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z@#$][A-Za-z0-9_.@#$]*(?<!\.))
  | (?P<op>[/=|()*,;+\-.])
""", re.X)

_HARMLESS_CMDS = {"EXECUTE", "EXE", "USE", "SET", "TITLE", "SUBTITLE", "OUTPUT", "SHOW", "DISPLAY", "DESCRIPTIVES",
                  "FREQUENCIES", "LIST", "PRESERVE", "RESTORE", "FILE", "NEW", "CACHE", "OMS", "OMSEND"}
_SAMPLE_CMDS = {"FILTER", "SAMPLE", "N", "TEMPORARY"}
_COVTYPES_OTHER = {"AD1", "AR1", "ARH1", "ARMA11", "CS", "CSH", "CSR", "FA1", "FAH1", "HF", "ID", "TP", "TPH",
                   "UNR"}


def mask(text: str) -> tuple[str, list[Comment]]:
    """Blank `/* */` comments (an unclosed one ends at the end of its line)."""
    chars = list(text)
    comments: list[Comment] = []
    i, n, quote = 0, len(text), None
    while i < n:
        c = text[i]
        if quote:
            if c == quote or c == "\n":
                quote = None
            i += 1
            continue
        if c in "'\"":
            quote = c
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            eol = text.find("\n", i)
            eol = n if eol < 0 else eol
            j = eol if j < 0 or j > eol else j + 2
            comments.append(Comment(i, j, text[i + 2:j].replace("*/", "").strip()))
            blank(chars, i, j)
            i = j
            continue
        i += 1
    return "".join(chars), comments


def commands(masked: str) -> list[tuple[int, int, int | None]]:
    """(start, end, period offset) of each command: ends at a line-final period or a blank line."""
    out = []
    start = None
    pos = 0
    quote = None
    for line in masked.split("\n"):
        ls, pos = pos, pos + len(line) + 1
        if not line.strip():
            if start is not None:
                out.append((start, ls - 1, None))
                start = None
            continue
        if start is None:
            start = ls + (len(line) - len(line.lstrip()))
        for ch in line:
            if quote:
                quote = None if ch == quote else quote
            elif ch in "'\"":
                quote = ch
        quote = None
        stripped = line.rstrip()
        if stripped.endswith("."):
            p = ls + len(stripped) - 1
            out.append((start, p, p))
            start = None
    if start is not None:
        out.append((start, len(masked.rstrip()), None))
    return out


def parse_syntax(text: str, file: str | None = None):
    b = SyntaxBuilder(FACTS, text, file)
    masked, comments = mask(text)
    seen = False
    recodes: dict[str, tuple[str, tuple[str, ...]]] = {}
    for s, e, period in commands(masked):
        body = masked[s:e]
        word = re.match(r"[A-Za-z]+", body)
        kw = word.group().upper() if word else ""
        if body.startswith("*") or kw in ("COMMENT",) or (len(kw) >= 4 and "COMMENT".startswith(kw)):
            continue
        if not seen:
            record_created(b, kw, body)
        if kw == "MIXED":
            if seen:
                b.second_model("MIXED command", s, e)
                continue
            seen = True
            _Mixed(b, masked, s, e, period, recodes).read()
        elif kw == "COMPUTE" and not seen and compute_indicator(b, body):
            continue
        elif kw == "RECODE" and not seen:
            recode(b, body, s, recodes)
        elif kw == "AUTORECODE" and not seen:
            autorecode(b, body, s, recodes)
        elif kw == "IF" and not seen and reference_code(body, recodes):
            continue
        elif kw == "ADD" and re.match(r"(?i)ADD\s+VALUE\s+LABELS\b", body):
            continue
        elif kw in ("GET", "DATASET") and seen:
            b.not_read(f"the {kw} command after MIXED", s, e)
        elif kw == "GET":
            m = re.search(r"(?i)\bFILE\s*=\s*(['\"])(.*?)\1", body)
            if m:
                raw = m.group(2)
                member = re.sub(r"(?i)\.(sav|zsav|por)$", "", re.split(r"[\\/]", raw)[-1])
                b.set_data(raw, member, s + m.start(2), s + m.end(2))
        elif kw in _SAMPLE_CMDS or (kw == "SELECT" and re.match(r"(?i)SELECT\s+IF\b", body)) or \
                (kw == "SPLIT" and re.match(r"(?i)SPLIT\s+FILE\s+(BY|LAYERED|SEPARATE)", body)) or \
                (kw == "WEIGHT" and re.match(r"(?i)WEIGHT\s+BY\b", body)):
            b.unsupported(f"the {kw} command (it changes which cases, or how, the model uses)", s, e,
                          Severity.WARNING)
        elif kw == "DATASET":
            m = re.match(r"(?i)DATASET\s+(?:ACTIVATE|NAME)\s+([A-Za-z@#$][\w.@#$]*)", body)
            if m:
                b.set_data(m.group(1), b.ident(m.group(1)), s + m.start(1), s + m.end(1))
            else:
                b.not_read("this DATASET command", s, e)
        elif kw in _HARMLESS_CMDS:
            continue
        else:
            b.not_read(f"the {kw or body[:10]!s} command", s, e)
    if not seen:
        hidden = re.search(r"(?im)^[ \t]*MIXED\b", masked)
        if hidden:
            b.diag("SY001", "no MIXED command found: the MIXED command here is inside a comment command (a `*` "
                   "comment runs to a period at the end of a line)", hidden.start(), hidden.end(),
                   fix=Fix("end the comment line before it with a period"))
        else:
            b.diag("SY001", "no MIXED command found", 0, min(len(text), 1))
    return b.finish(render.context)


class _Mixed(_ContrastReader):
    def __init__(self, b: SyntaxBuilder, masked: str, start: int, end: int, period: int | None,
                 recodes: dict | None = None):
        self.b, self.masked, self.start, self.end, self.period = b, masked, start, end, period
        self.recodes = recodes or {}
        self.factors: dict[str, Token] = {}
        self.covariates: dict[str, Token] = {}
        self.randoms: list[Block] = []          # the /RANDOM subcommands' blocks (dialects/random_blocks.py)

    def read(self) -> None:
        b = self.b
        b.set_command(self.start, self.end + (1 if self.period is not None else 0))
        if self.period is None:
            b.diag("SY001", "the MIXED command does not end with a period", self.end - 1, self.end,
                   Severity.WARNING, Fix("end the command with '.'"))
        toks, bad = tokenize(self.masked, _TOKEN, self.start, self.end)
        for s, e in bad:
            b.diag("SY001", f"cannot read {self.masked[s:e]!r} as SPSS syntax", s, e)
        parts = split_top(toks, {"/"})
        head = parts[0][1:]
        self.variables(head)
        fixed_seen = False
        for sub in parts[1:]:
            if not sub:
                continue
            kw = sub[0].upper
            body = sub[1:]
            if kw == "TEST" or kw.startswith("TEST"):
                self.test(sub)
                continue
            if body and body[0].text == "=":
                body = body[1:]
            if kw == "FIXED":
                fixed_seen = True
                self.fixed(body, sub)
            elif kw == "RANDOM":
                self.random(body, sub)
            elif kw == "METHOD":
                v = "".join(t.text for t in body).upper()
                if v in ("REML", "ML"):
                    b.set_setting("method", v.lower(), sub[0].start, sub[-1].end)
                else:
                    b.diag("SY001", f"/METHOD = {v}: expected REML or ML", sub[0].start, sub[-1].end)
            elif kw == "CRITERIA":
                self.criteria(body)
            elif kw in ("PRINT", "SAVE", "OUTFILE", "MISSING", "PLOT"):
                continue
            elif kw == "REPEATED":
                read_repeated(self, body, sub, _keywords)
            elif kw == "REGWGT":
                b.unsupported("/REGWGT (a weighted fit)", sub[0].start, sub[-1].end)
            elif kw == "EMMEANS":
                self.emmeans(body, sub)
            else:
                b.diag("SY001", f"/{sub[0].text} is not a MIXED subcommand mlmgen knows", sub[0].start, sub[0].end)
        if not fixed_seen:
            b.diag("SY001", "no /FIXED subcommand: SPSS then fits the intercept only", self.start, self.end,
                   Severity.WARNING)
        apply_visit_order(self)
        self.close()

    def variables(self, toks: list[Token]) -> None:
        b = self.b
        if not toks or toks[0].kind != "name":
            b.diag("SY001", "MIXED needs the dependent variable first", self.start, self.end)
            return
        b.set_outcome(toks[0].text, toks[0].start, toks[0].end)
        target = None
        for t in toks[1:]:
            if t.kind == "name" and t.upper == "BY":
                target = self.factors
            elif t.kind == "name" and t.upper == "WITH":
                target = self.covariates
            elif t.kind == "name" and target is not None:
                target.setdefault(t.upper, t)
                b.ident(t.text)
            else:
                b.diag("SY001", f"unexpected {t.text!r} in the variable list (MIXED y BY factors WITH covariates)",
                       t.start, t.end)

    def effects(self, toks: list[Token], report: bool = True) -> list[tuple[list[Token], int, int]]:
        out, i = [], 0
        if not report:
            saved = self.b.diagnostics[:]
            try:
                return self.effects(toks)
            finally:
                self.b.diagnostics[:] = saved
        while i < len(toks):
            t = toks[i]
            if t.kind != "name":
                self.b.diag("SY001", f"expected an effect, found {t.text!r}", t.start, t.end)
                i += 1
                continue
            names, end = [t], t.end
            i += 1
            while i + 1 < len(toks) and toks[i].text == "*" and toks[i + 1].kind == "name":
                names.append(toks[i + 1])
                end = toks[i + 1].end
                i += 2
            if i < len(toks) and toks[i].text == "(":
                j = i
                while j < len(toks) and toks[j].text != ")":
                    j += 1
                end = toks[min(j, len(toks) - 1)].end
                self.b.unsupported(f"the nested effect {self.masked[t.start:end]}", t.start, end)
                i = j + 1
                continue
            out.append((names, t.start, end))
        return out

    def name(self, t: Token) -> str:
        """The variable a BY factor stands for: the source of a RECODE ... INTO it (mlmgen's own rendering
        recodes a factor so that its reference is the last category), else itself."""
        if t.upper in self.recodes and t.upper in self.factors:
            return self.recodes[t.upper][0]
        return t.text

    def declared(self, t: Token) -> bool:
        """Whether `t` is declared after BY (a factor: categorical, SPSS's reference the last level) or WITH
        (a covariate); SY003 otherwise. A variable listed after both is SY001 (SPSS stops)."""
        b = self.b
        if t.upper in self.factors and t.upper in self.covariates:
            b.diag("SY001", f"{t.text} is listed both after BY and after WITH", t.start, t.end)
            return False
        if t.upper in self.factors:
            f = self.factors[t.upper]
            if t.upper in self.recodes:
                source, levels, *ref = self.recodes[t.upper]
                b.declare_categorical(source, f.start, f.end, levels=levels, reference=ref[0] if ref else None)
            else:
                b.declare_categorical(f.text, f.start, f.end)
            return True
        if t.upper not in self.covariates:
            b.diag("SY003", f"{t.text} is used as an effect but not listed after WITH (or BY)", t.start, t.end,
                   Severity.ERROR, Fix(f"add {t.text} to the WITH list"))
        return True

    def fixed(self, body: list[Token], sub: list[Token]) -> None:
        b = self.b
        parts = split_top(body, {"|"})
        for names, s, e in self.effects(parts[0]):
            if len(names) == 1 and names[0].upper == "INTERCEPT":
                continue
            if not all([self.declared(n) for n in names]):
                continue
            b.add_fixed([self.name(n) for n in names], s, e)
        for t, args, s, e in _keywords(parts[1] if len(parts) > 1 else []):
            if t.upper == "NOINT":
                b.intercept = False
                b.locations["noint"] = b.loc(s, e)
            elif t.upper == "SSTYPE":
                continue
            else:
                b.unsupported(f"the FIXED option {t.text}", s, e, Severity.WARNING)

    def random(self, body: list[Token], sub: list[Token]) -> None:
        """One `/RANDOM = effects | SUBJECT(id) COVTYPE(type)` as a block of `dialects.random_blocks`:
        SUBJECT(school*class) makes the (school, class) pairs the units (nested whatever the class ids look
        like); SUBJECT(class) alone one unit per class id (crossed with school when the ids restart)."""
        b = self.b
        parts = split_top(body, {"|"})
        subject, cov, written, cov_at, covtype = None, "vc", False, None, "VC"
        for t, args, s, e in _keywords(parts[1] if len(parts) > 1 else []):
            kw = t.upper
            if kw == "SUBJECT":
                names = [a for a in args if a.kind == "name"]
                if not names or len(args) != 2 * len(names) - 1 or \
                        any(a.text != "*" for a in args[1::2]) or any(a.kind != "name" for a in args[::2]):
                    b.unsupported(f"SUBJECT({''.join(a.text for a in args)}) (SPSS takes variables joined by *)",
                                  s, e)
                    return
                subject = names
            elif kw == "COVTYPE":
                v = "".join(a.text for a in args).upper()
                written, cov_at, covtype = True, (s, e), v
                if v in ("UN", "VC", "DIAG"):
                    cov = "un" if v == "UN" else "vc"
                elif v in _COVTYPES_OTHER:
                    cov = ("other", v, s, e)      # decided once the effects are known (one effect: any type)
                else:
                    b.diag("SY001", f"COVTYPE({v}) is not an SPSS covariance type", s, e)
            elif kw == "SOLUTION":
                continue
            else:
                b.unsupported(f"the RANDOM option {t.text}", s, e, Severity.WARNING)
        if subject is None:
            b.unsupported("/RANDOM without SUBJECT()", sub[0].start, sub[-1].end,
                          fix="write /RANDOM = INTERCEPT x | SUBJECT(cluster) COVTYPE(UN)")
            return
        for t in subject:
            b.ident(t.text)
        n_effects = sum(1 for names, _s, _e in self.effects(parts[0], report=False) if len(names) == 1)
        if isinstance(cov, tuple):
            _, v, s, e = cov
            if n_effects > 1 or v not in ("ID", "CS", "CSR", "UNR", "CSH", "HF", "TP", "TPH"):
                b.unsupported(f"COVTYPE({v}) (mlmgen has UN and VC)", s, e, fix="use COVTYPE(UN) or COVTYPE(VC)")
                cov = "un"
            else:
                cov = "vc"            # one effect: the structure is a single variance whatever its name
        got: list[tuple[str | None, int, int]] = []
        nested: list[Block] = []
        path = tuple(t.text for t in subject)
        for names, s, e in self.effects(parts[0]):
            if len(names) == 1 and names[0].upper == "INTERCEPT":
                got.append((None, s, e))
            elif len(names) == 1 and names[0].upper in self.factors and names[0].upper not in self.covariates \
                    and covtype == "VC":
                # a BY factor g under COVTYPE(VC) (one variance per effect): g's levels within each subject share
                # one variance, the random intercept of g nested in the subject (as SAS's RANDOM g / SUBJECT=)
                nested.append(Block(path + (self.name(names[0]),), [(None, s, e)], "vc", written, sub[0].start,
                                    sub[-1].end, (s, e), cov_at))
            elif len(names) == 1:
                if self.declared(names[0]):
                    got.append((self.name(names[0]), s, e))
            else:
                b.unsupported(f"a random slope on the product {self.masked[s:e]}", s, e,
                              fix="compute the product variable first")
        if got or not nested:
            self.randoms.append(Block(path, got, cov, written, sub[0].start, sub[-1].end,
                                      (subject[0].start, subject[-1].end), cov_at))
        self.randoms.extend(nested)

    def close(self) -> None:
        b = self.b
        if not self.randoms:
            if not b.residual.independent:
                return
            if not any(d.code in ("SY004",) for d in b.diagnostics):
                b.diag("SY001", "no /RANDOM subcommand: mlmgen reads two-level models with random effects",
                       self.start, self.end)
            return
        assemble(b, self.randoms, "/RANDOM subcommand")

    def emmeans(self, body: list[Token], sub: list[Token]) -> None:
        """`/EMMEANS = TABLES(sex*den) [COMPARE(sex)] [ADJ(LSD)]`: estimated marginal means of a term of BY
        factors (the model's `lsmeans`, with pairwise differences). TABLES(OVERALL), a Bonferroni or Sidak
        adjustment and COMPARE of one factor within another are printed output beyond it (SY004 warnings)."""
        b = self.b
        for t, args, s, e in _keywords(body):
            kw = t.upper
            if kw == "TABLES":
                names = [a for a in args if a.kind == "name"]
                if len(names) == 1 and names[0].upper == "OVERALL":
                    b.unsupported("/EMMEANS = TABLES(OVERALL) (the estimated grand mean)", s, e, Severity.WARNING)
                elif names and all(a.kind == "name" or a.text == "*" for a in args):
                    b.add_lsmeans([self.name(a) for a in names], s, e)
                else:
                    b.diag("SY001", "TABLES() needs OVERALL or factors joined by *", s, e)
            elif kw == "COMPARE":
                continue
            elif kw == "ADJ" and "".join(a.text for a in args).upper() == "LSD":
                continue
            else:
                b.unsupported(f"the /EMMEANS keyword {self.masked[s:e]} (mlmgen's marginal means have unadjusted "
                              f"pairwise differences)", s, e, Severity.WARNING)

    def criteria(self, body: list[Token]) -> None:
        b = self.b
        for t, args, s, e in _keywords(body):
            if t.upper == "DFMETHOD":
                v = "".join(a.text for a in args).upper()
                m = {"SATTERTHWAITE": "satterthwaite", "KENWARDROGER": "kenward-roger", "RESIDUAL": "residual"}
                if v in m:
                    b.set_setting("ddf", m[v], s, e)
                else:
                    b.diag("SY001", f"DFMETHOD({v}): SPSS has SATTERTHWAITE, KENWARDROGER and RESIDUAL", s, e)


def _keywords(toks: list[Token]):
    """`KEY`, `KEY(args)` and `KEY (args)` items -> (key token, arg tokens, start, end)."""
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "name":
            i += 1
            continue
        args: list[Token] = []
        end = t.end
        j = i + 1
        if j < len(toks) and toks[j].text == "(":
            k = j + 1
            while k < len(toks) and toks[k].text != ")":
                args.append(toks[k])
                k += 1
            end = toks[min(k, len(toks) - 1)].end
            j = k + 1
        yield t, args, t.start, end
        i = j


def sniff(text: str) -> float:
    """How much `text` looks like SPSS MIXED syntax."""
    if re.search(r"(?im)^\s*MIXED\s+\S+", text) and re.search(r"(?i)/\s*(FIXED|RANDOM)\b", text):
        return 0.95
    score = 0.0
    if re.search(r"(?i)\bSUBJECT\s*\(", text):
        score += 0.4
    if re.search(r"(?i)\bCOVTYPE\s*\(", text):
        score += 0.4
    return min(score, 0.8)
