"""The `mlmgen` command: a thin click group. Exit codes: 0 ok, 1 findings/differences, 2 bad input."""
from __future__ import annotations

import sys

import click

from .commands.demo import demo_cmd
from .commands.diff import diff_cmd
from .commands.equations import equations_cmd
from .commands.fit import fit_cmd
from .commands.handout import handout_cmd
from .commands.lint import lint_cmd
from .commands.parse import parse_cmd
from .commands.plot import plot_cmd
from .commands.render import render_cmd
from .commands.rules import rules_cmd
from .commands.same import same_cmd
from .commands.translate import translate_cmd


class _Group(click.Group):
    """Click's own command-line errors (unknown option, bad choice, missing argument, a directory given as a
    file) carry mlmgen's code CL001 like every other bad input (exit code 2)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            plain = exc.format_message
            exc.format_message = lambda: f"CL001 [bad-command-line] {plain()}"
            raise


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlmgen")
def cli():
    """mlmgen: one two-level mixed model, four packages (SAS, R lme4/lmerTest, Stata, SPSS)."""


for _cmd in (render_cmd, parse_cmd, translate_cmd, same_cmd, lint_cmd, rules_cmd, fit_cmd, diff_cmd, demo_cmd):
    cli.add_command(_cmd)
cli.add_command(equations_cmd)
cli.add_command(plot_cmd)
cli.add_command(handout_cmd)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="mlmgen", standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # an internal error, not bad input: say so briefly, no traceback unless asked
        if "--debug" in sys.argv or __import__("os").environ.get("MLMGEN_DEBUG"):
            raise
        click.echo(f"mlmgen: internal error: {exc.__class__.__name__}: {exc} "
                   f"(set MLMGEN_DEBUG=1 for the traceback; please report it)", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
