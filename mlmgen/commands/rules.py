"""`mlmgen rules [--explain CODE] [--format text|json]`: the lint rule catalogue, or one rule's documentation."""
from __future__ import annotations

import json

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from . import handle_errors


@click.command("rules")
@click.option("--explain", "code", metavar="CODE", help="print the documentation of one rule (e.g. RE001)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def rules_cmd(code, fmt):
    """List the lint rules (code, name, severity, summary), or explain one."""
    from ..lint import DOC_SECTIONS, RULES, rule_codes
    codes = rule_codes()
    if code:
        key = code.strip().upper()
        if key not in RULES:
            raise MlmgenError(Diagnostic("CL001", f"no rule {code!r}; `mlmgen rules` lists them ({', '.join(codes)})",
                                         Severity.ERROR, Location(field="--explain")))
        r = RULES[key]
        if fmt == "json":
            click.echo(json.dumps({"code": r.code, "name": r.name, "severity": r.severity.value,
                                   "severities": {k.value: v for k, v in r.severities.items()},
                                   "reported_by": "parser" if r.scope == "parser" else "linter",
                                   "summary": r.summary,
                                   **{s.lower().replace(" ", "_"): r.section(s) for s in DOC_SECTIONS}}, indent=2))
            return
        click.echo(f"{r.code} {r.name} ({r.severity_text}{', reported by the parsers' if r.scope == 'parser' else ''})")
        click.echo(f"  {r.summary}")
        click.echo("")
        click.echo("Severity:")
        for sev, when in r.severities.items():
            click.echo(f"  {sev.value}: {when}")
        for s in DOC_SECTIONS:
            click.echo("")
            click.echo(f"{s}:")
            for line in r.section(s).splitlines():
                click.echo(f"  {line}" if line.strip() else "")
        return
    if fmt == "json":
        click.echo(json.dumps([{"code": c, "name": RULES[c].name, "severity": RULES[c].severity.value,
                                "severities": {k.value: v for k, v in RULES[c].severities.items()},
                                "summary": RULES[c].summary} for c in codes], indent=2))
        return
    width = max(len(RULES[c].name) for c in codes)
    for c in codes:
        r = RULES[c]
        click.echo(f"{c}  {r.name:<{width}}  {r.severity_text:<13}  {r.summary}")
