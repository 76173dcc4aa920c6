"""Render a Model in a package's syntax through its Jinja2 template.

The dialect's `context(model)` decides everything (names, order, options, escaped labels); templates
(`templates/<dialect>.j2`) only print. Before rendering, every name is checked against the package's
identifier rules (PT005) and every label against its quoting rules (NM002): nothing from a model file
reaches generated code unvalidated.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

from . import shipped
from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .dialects import DIALECTS, get_dialect
from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .model import Model


def templates_dir() -> Path:
    """The folder of the Jinja2 templates: the copy installed with the package, or the repository's templates/
    in a source tree (`mlmgen.shipped` explains the order)."""
    return shipped.templates_dir()


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(model: Model, dialect: str, data_prep: bool = False, import_file: str | None = None,
           form: str | None = None) -> str:
    """`import_file` (or the model file's `import`) adds the package's data-import step (mlmgen.dataimport).
    `form`: which of a package's forms to write for a residual structure (a dialect's `residual_forms`, the
    first its default; command line `--r-package`); ignored by a dialect that has no such form."""
    d = get_dialect(dialect)
    form = own_form(d, form)
    if model.is_multilevel and not d.several_random_terms:
        raise MlmgenError(several_terms_refusal(d, model))
    if not model.residual.independent:
        return render_residual(model, d, data_prep, import_file or model.import_file, form)
    if form is not None:
        d.refuse_form(model, form)
    ctx = d.context(model, data_prep, import_file or model.import_file)
    return environment().get_template(d.template).render(**ctx)


def several_terms_refusal(d, model: Model) -> Diagnostic:
    """RN001: a package whose renderer does not write several random terms yet; never a reduced model."""
    terms = ", ".join(f"({' + '.join(t.effects)} | {t.name})" for t in model.random_terms)
    able = ", ".join(x.title for x in DIALECTS.values() if x.several_random_terms)
    return Diagnostic("RN001", f"{d.title}: mlmgen does not write models with several random terms for this "
                      f"package yet ({terms}); it would have to drop one, so nothing is written",
                      Severity.ERROR, Location(field="random"),
                      Fix(f"render for {able}" if able else "fit it with mlmgen fit"))


def own_form(d, form: str | None) -> str | None:
    """`form` as dialect `d` spells it when it is one of d's `residual_forms` (case-insensitive), else None."""
    if form is None:
        return None
    return next((f for f in getattr(d, "residual_forms", ()) if f.lower() == str(form).strip().lower()), None)


def all_forms() -> tuple[str, ...]:
    """Every form some dialect writes (for `--r-package` and its check)."""
    return tuple(f for d in DIALECTS.values() for f in getattr(d, "residual_forms", ()))


def render_residual(model: Model, d, data_prep: bool, import_file: str | None, form: str | None = None) -> str:
    """A model with a residual structure: the dialect's `residual_context` -> (context, template), or RN001
    naming what is missing when the dialect has none."""
    make = getattr(d, "residual_context", None)
    if make is None:
        raise MlmgenError(Diagnostic(
            "RN001", f"{d.title}: rendering a residual structure (REPEATED TYPE={model.residual.sas_type}) is "
            f"not implemented by mlmgen for this package yet", Severity.ERROR, Location(field="residual")))
    ctx, template = make(model, data_prep, import_file, form) if form is not None else \
        make(model, data_prep, import_file)
    return environment().get_template(template).render(**ctx)


def render_all(model: Model, data_prep: bool = False, import_file: str | None = None,
               form: str | None = None) -> dict[str, str]:
    return {name: render(model, name, data_prep, import_file, form) for name in DIALECTS}
