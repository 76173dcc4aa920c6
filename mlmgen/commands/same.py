"""`mlmgen same` (being built; owned by the work on its issue)."""
from __future__ import annotations

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from . import handle_errors


@click.command("same", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1)
@handle_errors
def same_cmd(args):
    """(not available yet)"""
    raise MlmgenError(Diagnostic("CL001", "mlmgen same is not available yet", Severity.ERROR, Location()))
