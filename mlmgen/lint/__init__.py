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

from ..data import nearest_column
from ..diagnostics import Diagnostic, Fix, Location, Severity
from ..dialects import DIALECTS
from ..lexing import ParsedSyntax
from ..model import Model
from . import rules_categorical, rules_model, rules_portability, rules_random, rules_structure, rules_syntax  # noqa: F401  (they register their rules)
from . import rules_residual, rules_term_levels  # noqa: F401  (issues 12/13: ST004-ST010)
from .registry import DOC_SECTIONS, PACKAGES, RULES, Finding, LintContext, Rule, parser_rule, rule  # noqa: F401
from ..variables import raw_source
from .catdata import is_text
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
    ctx = LintContext(parsed_list, roles, reference_model, reference_file, data=data)
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
    """DA002 (error) for every outcome, cluster or predictor a snippet uses that is not a column of the data,
    with the nearest column as a did-you-mean (`Reacton` -> `Reaction`); DA003 (warning) for non-numeric
    predictor columns not declared categorical that are not text (numbers with stray words, booleans): an
    undeclared text column is left to the categorical rules (a factor in R and in a model file, CA005/CA004 in
    SAS, SPSS and Stata).

    A name is not an error when the model file (--model) defines it as a derived variable (it is computed from
    the data) or when the snippet's own program creates it (its reader's `ParsedSyntax.created`: a DATA step
    assignment, R `d$name <-`, Stata generate/egen/encode ..., gen(), SPSS COMPUTE/RECODE INTO); the created
    variable's definition is not read, so its roles come from the model file or naming hints."""
    import pandas as pd

    from .roles import add_derived
    models = [p.model for p in parsed_list if p.model is not None] + ([reference_model] if reference_model else [])
    df = data
    for m in models:
        df = add_derived(df, m)
    columns = [str(c) for c in df.columns]
    derived = {v.name: v for m in models for v in m.variables}
    out = []
    reported: set[str] = set()
    for p in parsed_list:
        m = p.model
        if m is None:
            continue
        for role, name in ([("outcome", m.outcome), ("cluster", m.cluster)]
                           + [("predictor", v) for v in m.predictors]):
            if name in derived:                 # computed from its raw source: that one must be in the data
                src = raw_source(name, derived)
                role, name = f"source of the derived variable {name}", src
            if name in df.columns or name in reported or _created_in_program(name, p):
                continue
            reported.add(name)
            close = nearest_column(name, columns)
            fix = Fix(f"did you mean {close!r}? (fix the spelling in the syntax or rename the column)", close) \
                if close else Fix(f"the data have: {', '.join(columns[:20])}{' ...' if len(columns) > 20 else ''}")
            out.append(Diagnostic(
                "DA002", f"not in the data: {name}; the {role} {name} is not a column of "
                f"{data_file or 'the data'}, so the package would stop with an unknown-variable error",
                Severity.ERROR, _variable_location(p, role, name, data_file), fix))
    missing_cluster = any(m.cluster not in df.columns for m in models)
    if not missing_cluster:
        # (a declared categorical may be text: CA004 reports it where the package needs numbers; an undeclared
        # text column is the categorical rules' too: R and a model file make it a factor (DA007), SAS, SPSS
        # and Stata refuse it (CA005/CA004, errors). What is left: numbers with stray words, booleans.)
        text = sorted({v for m in models for v in m.predictors if v in df.columns and v not in m.categorical_map
                       and (not pd.api.types.is_numeric_dtype(df[v]) or pd.api.types.is_bool_dtype(df[v]))
                       and not is_text(df[v])})
        if text:
            out.append(Diagnostic("DA003", f"not numeric in the data: {', '.join(text)}; their roles (and those of "
                                           f"variables derived from them) come from the model file or naming hints, "
                                           f"if at all", Severity.WARNING, Location(file=data_file, field=text[0])))
    return out


def _created_in_program(name: str, p: ParsedSyntax) -> bool:
    """True when the program creates `name` before the model, as its reader recorded (`ParsedSyntax.created`: a
    SAS DATA step `name = ...;`, R `d$name <-` / `mutate(d, name = ...)`, Stata generate/egen, `encode x,
    gen(name)`, rename, SPSS COMPUTE, RECODE/AUTORECODE ... INTO name): then the data file need not have it.
    Case as the package matches names (its facts' `case_sensitive`)."""
    if not p.created:
        return False
    facts = DIALECTS.get(p.dialect)
    if facts is not None and not facts.case_sensitive:
        return name.upper() in {c.upper() for c in p.created}
    return name in p.created


def _variable_location(p: ParsedSyntax, role: str, name: str, data_file: str | None) -> Location:
    keys = {"outcome": ["outcome"], "cluster": ["cluster"]}.get(role, [f"fixed:{name}", f"random:{name}"])
    keys += [k for k in p.locations if k.startswith("fixed:") and name in k.split(":")[1:]]
    for k in keys:
        loc = p.locations.get(k)
        if loc is not None and loc.line is not None:
            text = loc.text if loc.text == name else None
            col = loc.col
            if text is None and loc.text and name in loc.text and "\n" not in loc.text[:loc.text.index(name)]:
                col, text = (loc.col or 1) + loc.text.index(name), name
            from dataclasses import replace
            return replace(loc, file=loc.file or p.file, col=col, text=text, end_line=None, end_col=None,
                           field=name)
    return Location(file=data_file, field=name)


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
    for k, t in enumerate(model.more_random, start=1):      # `group = "school/class"` of the k-th extra term
        find(t.path_text, f"random[{k}]", "group")
    _find_categoricals(model, lines, file, locs)
    find("fixed", "command")
    for k in ("method", "ddf", "data"):
        find(k, k)
    find("covariance", "covariance")
    return ParsedSyntax("model", text or "", file, model, [], locs,
                        {"method": True, "covariance": True, "ddf": True}, model.data)


def _find_categoricals(model: Model, lines: list[str], file: str | None, locs: dict[str, Location]) -> None:
    """`categorical:NAME` locations of a model file: the key in its [categorical] table (`sex = {...}`), or the
    name in a top-level `categorical = ["sex"]` list."""
    table = False
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.split("#")[0].strip() in ("[categorical]",)
            if not table and stripped.startswith("[categorical."):
                name = stripped[len("[categorical."):].rstrip("]").strip().strip('"')
                locs.setdefault("categorical:" + name, Location(file, n, line.index("[") + 1, text=stripped))
            continue
        for c in model.categoricals:
            key = "categorical:" + c.name
            if key in locs:
                continue
            pat = re.compile(rf'^\s*"?{re.escape(c.name)}"?\s*=' if table else
                             rf'^\s*categorical\s*=.*?["\']({re.escape(c.name)})["\']')
            m = pat.search(line)
            if m:
                start = m.start(1) if m.lastindex else len(line) - len(line.lstrip())
                locs[key] = Location(file, n, start + 1, text=c.name)


def rule_codes() -> list[str]:
    return sorted(RULES)


__all__ = ["RULES", "Rule", "rule", "lint", "lint_findings", "build_roles", "parsed_from_model", "Finding",
           "LintContext", "rule_codes", "PACKAGES", "DOC_SECTIONS"]
