"""The lint rule registry: `@rule` / `parser_rule` register rules, `LintContext` is what a rule sees and
`report`s into. Rule modules (`rules_*.py`) import this module; `lint/__init__.py` imports them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..diagnostics import CODES, SEVERITIES, Diagnostic, Fix, Location, Severity, code_severity
from ..dialects import DIALECTS
from ..lexing import ParsedSyntax
from ..model import Model
from .roles import Roles

PACKAGES = tuple(DIALECTS)                 # the packages whose snippets the portability rules check
DOC_SECTIONS = ("What it finds", "Why it matters", "Example", "Fix")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    scope: str                    # "snippet", "group", or "parser" (reported by the parsers, documented here)
    check: Callable | None
    doc: str

    @property
    def name(self) -> str:
        return CODES[self.code]

    @property
    def severities(self) -> dict[Severity, str]:
        """Every severity a finding of this code can have, with when (`diagnostics.SEVERITIES`)."""
        return dict(SEVERITIES[self.code])

    @property
    def severity_text(self) -> str:
        """`error` or, when findings may differ, `error/warning`."""
        return "/".join(s.value for s in self.severities)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip()

    def section(self, title: str) -> str:
        """The text of one documentation section (empty when missing)."""
        m = re.search(rf"^\s*{re.escape(title)}:\s*\n(.*?)(?=^\s*(?:{'|'.join(DOC_SECTIONS)}):\s*$|\Z)",
                      self.doc, re.S | re.M)
        return _dedent(m.group(1)) if m else ""


def _dedent(text: str) -> str:
    import textwrap
    return textwrap.dedent(text).strip("\n")


RULES: dict[str, Rule] = {}


def _catalogue_severity(code: str, severity: str) -> Severity:
    """The code's severity from `diagnostics.SEVERITIES` (the one source of truth); the severity a rule module
    writes in its decorator must be the same, so that the two can never drift apart."""
    declared = code_severity(code)
    if declared is None:
        raise ValueError(f"rule code {code} has no entry in diagnostics.SEVERITIES")
    if Severity(severity) != declared:
        raise ValueError(f"rule {code} is registered as {severity} but diagnostics.SEVERITIES says {declared.value}")
    return declared


def rule(code: str, severity: str = "warning", scope: str = "snippet"):
    """Register a rule function under a code from `diagnostics.CODES` (codes never change meaning)."""
    def deco(fn):
        if code not in CODES:
            raise ValueError(f"rule code {code} is not in diagnostics.CODES")
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, _catalogue_severity(code, severity), scope, fn, fn.__doc__ or "")
        return fn
    return deco


def parser_rule(code: str, severity: str, doc: str) -> None:
    """Document a code the parsers report (the linter passes their diagnostics through)."""
    if code in CODES and code not in RULES:
        RULES[code] = Rule(code, _catalogue_severity(code, severity), "parser", None, doc)


@dataclass
class Finding:
    """A diagnostic plus the mechanical model edit that fixes it (None when the fix needs judgement)."""

    diagnostic: Diagnostic
    snippet: int | None = None
    edit: Any = None


@dataclass
class LintContext:
    snippets: list[ParsedSyntax]
    roles: Roles
    reference: Model | None = None
    reference_file: str | None = None
    findings: list[Finding] = field(default_factory=list)
    data: Any = None              # the data (a DataFrame) when given: rules that read values (CA001-CA006)
    _current: str | None = None

    # ----------------------------------------------------------------- helpers for rules
    @property
    def models(self) -> list[tuple[int, ParsedSyntax]]:
        return [(i, p) for i, p in enumerate(self.snippets) if p.model is not None]

    def location(self, p: ParsedSyntax, *keys: str) -> Location:
        """The location of the first key found in `p.locations`, else the command, else the file."""
        for k in keys + ("command",):
            if k and k in p.locations:
                loc = p.locations[k]
                return loc if loc.file else Location(p.file, loc.line, loc.col, loc.end_line, loc.end_col,
                                                     loc.text, loc.field)
        return Location(file=p.file)

    def report(self, p: ParsedSyntax, message: str, *, keys: Iterable[str] = (), fix: str | None = None,
               edit: Any = None, roles_used: Iterable[str] = (), severity: str | Severity | None = None,
               source: str | None = None, code: str | None = None, location: Location | None = None,
               replacement: str | None = None) -> None:
        code = code or self._current
        rule_ = RULES[code]
        sev = Severity(severity) if severity is not None else rule_.severity
        roles_used = list(roles_used)
        src = source if source is not None else (self.roles.describe(roles_used) or None)
        if roles_used and "naming hint" in self.roles.sources(roles_used):
            if sev == Severity.ERROR:
                sev = Severity.WARNING
            message += " [roles from naming hints: low confidence]"
        fix_obj = None
        if fix is not None or edit is not None:
            title = fix or "apply the fix"
            # (a replacement without an edit is text to write that is not a model edit: `lint --fix` does not make it)
            rep = edit.describe(p.dialect) if edit is not None else replacement
            if rep and title.endswith(" " + rep):          # the help line prints the replacement itself
                title = title[: -len(rep) - 1]
            fix_obj = Fix(title, rep)
        idx = self.snippets.index(p) if p in self.snippets else None
        diag = Diagnostic(code, message, sev, location or self.location(p, *keys), fix_obj, src)
        self.findings.append(Finding(diag, idx, edit))

    def reference_label(self) -> str:
        return f"the model file {self.reference_file}" if self.reference_file else "the reference model"
