"""The `mlmgen` command: a thin click group. Exit codes: 0 ok, 1 findings/differences, 2 bad input.

Each subcommand lives in its own module (mlmgen/commands/<name>.py) and is imported when it is run (or when
--help lists them), so `mlmgen fit` does not import the readers, the linter or the diff machinery. There is no
import cycle behind this: the command modules import mlmgen, never the other way round.
"""
from __future__ import annotations

import importlib
import sys

import click

# subcommand -> (module under mlmgen.commands, click command object in it)
COMMANDS = {
    "render": ("render", "render_cmd"), "parse": ("parse", "parse_cmd"), "translate": ("translate", "translate_cmd"),
    "same": ("same", "same_cmd"), "lint": ("lint", "lint_cmd"), "rules": ("rules", "rules_cmd"),
    "fit": ("fit", "fit_cmd"), "diff": ("diff", "diff_cmd"), "demo": ("demo", "demo_cmd"),
    "equations": ("equations", "equations_cmd"), "exercise": ("exercise", "exercise_cmd"),
    "plot": ("plot", "plot_cmd"), "handout": ("handout", "handout_cmd"),
}


class _Group(click.Group):
    """Click's own command-line errors (unknown option, bad choice, missing argument, a directory given as a
    file) carry mlmgen's code CL001 like every other bad input (exit code 2). Subcommands are loaded on use."""

    def list_commands(self, ctx):
        return sorted(set(COMMANDS) | set(super().list_commands(ctx)))

    def get_command(self, ctx, name):
        if name in COMMANDS and name not in self.commands:
            module, attr = COMMANDS[name]
            self.add_command(getattr(importlib.import_module(f".commands.{module}", __package__), attr), name)
        return super().get_command(ctx, name)

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
