"""The linter: coded rules over parsed mixed-model syntax, with variable roles and a reference model.

    lint(parsed_list, data=None, reference_model=None) -> list[Diagnostic]

`parsed_list` holds `ParsedSyntax` objects (one per snippet; any of the four packages, or a model file
read with `parsed_from_model`). Parser diagnostics (SY001-SY005) are passed through. Each rule is one
function in a `rules_*.py` module, registered with `@rule(code, severity)`; its docstring is the user
documentation (sections What it finds / Why it matters / Example / Fix), printed by `mlmgen rules
--explain CODE`. Snippet rules see one snippet at a time; group rules see all snippets together (stray
predictors against the other snippets, inconsistent data names and df methods, REML LRTs).

Roles (see `roles.py`) come from `data` (a DataFrame or a CSV path: exact), the model files' variable definitions,
or low-confidence naming hints, in that order of preference. A finding that relies on naming hints is
never an error and says so.
"""
from __future__ import annotations

import re
from typing import Iterable

from ..diagnostics import Diagnostic, Location, Severity
from ..lexing import ParsedSyntax
from ..model import Model
from . import rules_model, rules_portability, rules_random, rules_syntax  # noqa: F401  (they register their rules)
from .registry import DOC_SECTIONS, PACKAGES, RULES, Finding, LintContext, Rule, parser_rule, rule  # noqa: F401
from .roles import Roles, roles_from_data, roles_from_model, roles_from_names

def build_roles(snippets: list[ParsedSyntax], data=None, reference_model: Model | None = None) -> Roles:
    """Roles from data (exact) > model-file definitions > naming hints, for every variable the snippets use."""
    names: list[str] = []
    models = [p.model for p in snippets if p.model is not None] + ([reference_model] if reference_model else [])
    for m in models:
        names += list(m.predictors)
    cluster = next((m.cluster for m in models), None)
    roles = Roles({}, cluster)
    for m in models:
        if m.variables:
            roles = roles.merged_with(roles_from_model(m)) if roles.roles else roles_from_model(m)
    if data is not None and cluster is not None:
        from .roles import add_derived
        df = data
        for m in models:
            df = add_derived(df, m)
        if cluster in df.columns:
            roles = roles_from_data(df, cluster, names).merged_with(roles)
    hints = roles_from_names(names, cluster)
    return roles.merged_with(hints) if roles.roles else hints


def lint_findings(parsed_list: list[ParsedSyntax], data=None, reference_model: Model | None = None,
                  reference_file: str | None = None, roles: Roles | None = None,
                  select: Iterable[str] | None = None, data_file: str | None = None) -> list[Finding]:
    """Every finding (diagnostic + edit), sorted by file, line, column, code."""
    parsed_list = list(parsed_list)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        import pandas as pd
        data_file = data_file or str(data)
        data = pd.read_csv(data)
    if roles is None:
        roles = build_roles(parsed_list, data, reference_model)
    ctx = LintContext(parsed_list, roles, reference_model, reference_file)
    for i, p in enumerate(parsed_list):
        for d in p.diagnostics:
            ctx.findings.append(Finding(d if d.location.file else _with_file(d, p.file), i, None))
    if data is not None:
        for d in data_problems(parsed_list, data, reference_model, data_file):
            ctx.findings.append(Finding(d))
    wanted = set(select) if select is not None else None
    for code, r in RULES.items():
        if r.check is None or (wanted is not None and code not in wanted):
            continue
        ctx._current = code
        if r.scope == "group":
            r.check(ctx)
        else:
            for _, p in ctx.models:
                r.check(p, ctx)
    seen: set = set()
    out = []
    for f in ctx.findings:
        k = (f.diagnostic.code, f.diagnostic.message, f.diagnostic.location)
        if k not in seen:
            seen.add(k)
            out.append(f)
    out.sort(key=lambda f: (f.diagnostic.location.file or "", f.diagnostic.location.line or 0,
                            f.diagnostic.location.col or 0, f.diagnostic.code))
    return out


def data_problems(parsed_list: list[ParsedSyntax], data, reference_model: Model | None = None,
                  data_file: str | None = None) -> list[Diagnostic]:
    """DA002 when the data lack the cluster variable or a predictor: roles for those come from weaker sources."""
    from .roles import add_derived
    models = [p.model for p in parsed_list if p.model is not None] + ([reference_model] if reference_model else [])
    df = data
    for m in models:
        df = add_derived(df, m)
    out = []
    missing_cluster = sorted({m.cluster for m in models if m.cluster not in df.columns})
    for c in missing_cluster:
        out.append(Diagnostic("DA002", f"the cluster variable {c} is not in the data: roles cannot be computed "
                                       f"from the data", Severity.WARNING, Location(file=data_file, field=c)))
    if not missing_cluster:
        import pandas as pd
        text = sorted({v for m in models for v in m.predictors if v in df.columns
                       and (not pd.api.types.is_numeric_dtype(df[v]) or pd.api.types.is_bool_dtype(df[v]))})
        if text:
            out.append(Diagnostic("DA003", f"not numeric in the data: {', '.join(text)}; their roles (and those of "
                                           f"variables derived from them) come from the model file or naming hints, "
                                           f"if at all", Severity.WARNING, Location(file=data_file, field=text[0])))
        missing = sorted({v for m in models for v in m.predictors if v not in df.columns})
        if missing:
            out.append(Diagnostic("DA002", f"not in the data: {', '.join(missing)}; their roles come from the model "
                                           f"file or naming hints, if at all", Severity.WARNING,
                                  Location(file=data_file, field=missing[0])))
    return out


def _with_file(d: Diagnostic, file: str | None) -> Diagnostic:
    from dataclasses import replace
    return replace(d, location=replace(d.location, file=file))


def lint(parsed_list: list[ParsedSyntax], data=None, reference_model: Model | None = None,
         reference_file: str | None = None, roles: Roles | None = None) -> list[Diagnostic]:
    """The diagnostics for the snippets (parser diagnostics passed through, then every rule)."""
    return [f.diagnostic for f in lint_findings(parsed_list, data, reference_model, reference_file, roles)]


def parsed_from_model(model: Model, file: str | None = None, text: str | None = None) -> ParsedSyntax:
    """A model file as a 'snippet' (dialect "model"): every setting explicit, locations from the TOML lines."""
    locs: dict[str, Location] = {}
    lines = (text or "").splitlines()

    def find(word: str, key: str, after: str | None = None) -> None:
        pat = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(word)}(?![A-Za-z0-9_.])")
        for n, line in enumerate(lines, 1):
            if after and not line.lstrip().startswith(after):
                continue
            m = pat.search(line)
            if m:
                locs[key] = Location(file, n, m.start() + 1, text=word)
                return

    for t in model.fixed:
        for spelled in ("*".join(t.factors), ":".join(t.factors), "*".join(reversed(t.factors))):
            find(spelled, "fixed:" + ":".join(t.key), "fixed")
            if "fixed:" + ":".join(t.key) in locs:
                break
    for s in model.random.slopes:
        find(s, "random:" + s, "effects")
    find("fixed", "command")
    for k in ("method", "ddf", "data"):
        find(k, k)
    find("covariance", "covariance")
    return ParsedSyntax("model", text or "", file, model, [], locs,
                        {"method": True, "covariance": True, "ddf": True}, model.data)


def rule_codes() -> list[str]:
    return sorted(RULES)


__all__ = ["RULES", "Rule", "rule", "lint", "lint_findings", "build_roles", "parsed_from_model", "Finding",
           "LintContext", "rule_codes", "PACKAGES", "DOC_SECTIONS"]
