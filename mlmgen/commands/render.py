"""`mlmgen render`: one model description -> syntax for SAS, R (lme4/lmerTest), Stata and SPSS."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from . import handle_errors, load_model_or_formula, write_files
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects import DIALECTS, get_dialect, package_choices
from ..render import all_forms


def _check_overrides(method: str | None, ddf: str | None) -> None:
    from ..model import DDF_METHODS, normalise_ddf, normalise_method
    problems = []
    if method and normalise_method(method) is None:
        problems.append(Diagnostic("CL001", f"--method must be REML or ML (got {method!r})", Severity.ERROR,
                                   Location(field="--method")))
    if ddf and normalise_ddf(ddf) is None:
        problems.append(Diagnostic("CL001", f"--ddf must be one of {', '.join(DDF_METHODS)} (got {ddf!r})",
                                   Severity.ERROR, Location(field="--ddf")))
    if problems:
        raise MlmgenError(problems)


def form_choices() -> str:
    return " | ".join(all_forms())


def check_form(form: str | None) -> None:
    """CL001 for a `--r-package` value no package writes."""
    if form is not None and form.strip().lower() not in {f.lower() for f in all_forms()}:
        raise MlmgenError(Diagnostic("CL001", f"--r-package must be one of {', '.join(all_forms())} (got {form!r})",
                                     Severity.ERROR, Location(field="--r-package")))


def render_packages(model, names: list[str], data_prep: bool, file: str | None,
                    import_file: str | None = None, form: str | None = None) -> dict[str, str]:
    """Render for every package in `names`; if any refuses, raise with the problems of all of them
    (each diagnostic located in the model file)."""
    from ..render import render
    texts, problems = {}, []
    for n in names:
        try:
            texts[n] = render(model, n, data_prep=data_prep, import_file=import_file, form=form)
        except MlmgenError as e:
            for d in e.diagnostics:
                if d.location.file is None and file:
                    d = replace(d, location=replace(d.location, file=file))
                if d not in problems:
                    problems.append(d)
    if problems:
        raise MlmgenError(problems)
    return texts


@click.command("render")
@click.argument("model_file", required=False, type=click.Path(dir_okay=False))
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--to", "to", default="all", show_default=True,
              help=f"{package_choices(' | ')} | all, or a comma list ({','.join(list(DIALECTS)[:2])})")
@click.option("--data-prep", is_flag=True, help="also write the code that creates the derived variables")
@click.option("--import", "import_file", metavar="FILE",
              help="start each program by reading FILE (.csv .sas7bdat .dta .sav) into the model's data set")
@click.option("--data", "data_file", type=click.Path(dir_okay=False),
              help="the data the code will run on: its temporary variables are checked against its columns")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False), help="write one file per package here")
@click.option("--force", is_flag=True, help="with -o: replace files that exist (never an input, never through a link)")
@click.option("--method", help="override: REML | ML")
@click.option("--ddf", help="override: satterthwaite | kenward-roger | residual | between-within | containment | none")
@click.option("--r-package", "form", metavar="FORM", help=f"{form_choices()}: the R form of a model with a "
              "residual structure (default: the first)")
@handle_errors
def render_cmd(model_file, formula, to, data_prep, import_file, data_file, output_dir, force, method, ddf, form):
    """Render MODEL_FILE (TOML) or --formula in one package's syntax or all four.

    With --import FILE (or `import = "FILE"` in the model file) each program starts by reading FILE into
    the model's data set, so it runs as it is.

    Categorical predictors: every program states the reference level. Levels not declared in the model file
    are taken from --data; without it each package is given the reference rule (first/last) in its own
    words, or refuses (RN001) where it cannot say it.

    With -o DIR, one file per package; an existing file is replaced only with --force, an input or a
    symbolic link never (WR002-WR004), and each file is written whole or not at all (WR001).

    Exit codes: 0 ok, 2 bad input (every problem is listed, for every package asked for) or a refused or
    failed write."""
    _check_overrides(method, ddf)
    check_form(form)
    model = load_model_or_formula(model_file, formula, method, ddf)
    wanted = [t.strip() for t in to.split(",") if t.strip()]
    if not wanted:
        raise MlmgenError(Diagnostic("CL001", f"--to needs a package: {package_choices()} or all",
                                     Severity.ERROR, Location(field="--to")))
    names = list(DIALECTS) if any(t.lower() == "all" for t in wanted) else \
        list(dict.fromkeys(get_dialect(t).name for t in wanted))
    from ..data import read_data, resolve_categoricals
    from ..dialects.common import avoiding_columns
    frame = read_data(data_file) if data_file else None
    columns = list(frame.columns) if frame is not None else []
    if frame is not None:
        # the categoricals' levels as the data has them (R's factor() order; an undeclared text column is
        # categorical), so every package is given the same explicit levels and reference
        model = resolve_categoricals(model, frame, data_file)[0]
    with avoiding_columns(columns):
        texts = render_packages(model, names, data_prep, model_file or ("--formula" if formula else None),
                                import_file, form)
    if output_dir:
        out = Path(output_dir)
        stem = Path(model_file).stem if model_file else "model"
        write_files({out / f"{stem}{DIALECTS[n].extension}": text for n, text in texts.items()},
                    inputs=[model_file] + ([data_file] if data_file else []), force=force)
        return
    for i, (n, text) in enumerate(texts.items()):
        if len(texts) > 1:
            if i:
                click.echo("")
            click.echo(banner(DIALECTS[n].title, n))
        click.echo(text, nl=not text.endswith("\n"))


def banner(title: str, dialect: str) -> str:
    """A header line written as a comment in that package's syntax."""
    return get_dialect(dialect).banner(title)
