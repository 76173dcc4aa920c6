"""Translate mixed-model syntax between packages: parse the source, render the model in each target.

    text --parse_syntax(source package)--> Model --render(target)--> text

Nothing is dropped silently: the source's diagnostics (unsupported statements SY004, invalid operators
SY002, misplaced options SY005, ...) travel with the result, and a target that cannot express the model
(e.g. SPSS has no large-sample z tests, lmerTest has no containment df) gives its RN001 diagnostic instead
of text. Settings the source left to its package default are written explicitly in every target (the
renderers never lean on a default), so a Stata snippet without `reml` becomes `METHOD=ML` in SAS.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .dialects import DIALECTS, ParsedSyntax, dialect_for_extension, get_dialect, guess_dialect


@dataclass
class Translation:
    source: ParsedSyntax
    outputs: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed_targets(self) -> list[str]:
        return [d for d in self.requested if d not in self.outputs]

    requested: list[str] = field(default_factory=list)


def read_text(path: str) -> str:
    """The text of a syntax file ("-" = standard input); SY001 (exit 2 in the CLI) when unreadable."""
    import sys
    from .diagnostics import read_text_file
    if path != "-":
        return read_text_file(path, "SY001")
    try:
        return sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MlmgenError(Diagnostic("SY001", f"cannot read standard input: {exc.__class__.__name__}: {exc}",
                                     Severity.ERROR, Location(file=path)))


def detect(text: str, path: str | None, source: str = "auto") -> str:
    """The package of `text`: given, or guessed from its content and then its file extension."""
    if source and source.strip().lower() != "auto":
        return get_dialect(source).name
    name = guess_dialect(text, path)
    if name is None:
        raise MlmgenError(Diagnostic("CL001", "cannot tell which package this syntax is for; give --from "
                                     "sas|lme4|stata|spss", Severity.ERROR, Location(file=path, field="--from")))
    return name


def parse_text(text: str, source: str = "auto", file: str | None = None) -> ParsedSyntax:
    """Parse `text` in its package (auto-detected unless given). Never raises for bad syntax: problems
    are in `ParsedSyntax.diagnostics` (an unexpected internal error becomes SY001 with its class name)."""
    name = detect(text, file, source)
    try:
        return DIALECTS[name].parse_syntax(text, file)
    except MlmgenError as e:
        return ParsedSyntax(name, text, file, None, list(e.diagnostics))
    except (RecursionError, ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        # a reader bug must not become a traceback for the user; say so with a code and the place
        return ParsedSyntax(name, text, file, None, [Diagnostic(
            "SY001", f"mlmgen could not read this text ({exc.__class__.__name__}: {exc}); please report it",
            Severity.ERROR, Location(file=file, line=1, col=1))])


def translate(text: str, to: str | list[str] = "all", source: str = "auto", file: str | None = None,
              data_prep: bool = False) -> Translation:
    """Parse `text` and render its model for each target (`all` = the other packages)."""
    ps = parse_text(text, source, file)
    if isinstance(to, str):
        if to.strip().lower() == "all":
            targets = [d for d in DIALECTS if d != ps.dialect]
        else:
            targets = [get_dialect(t).name for t in to.split(",")]
    else:
        targets = [get_dialect(t).name for t in to]
    tr = Translation(ps, {}, list(ps.diagnostics), targets)
    if ps.model is None:
        return tr
    tr.diagnostics.extend(defaults_made_explicit(ps))
    from .render import render
    for t in targets:
        try:
            tr.outputs[t] = render(ps.model, t, data_prep=data_prep)
        except MlmgenError as e:
            for d in e.diagnostics:          # a refusal points at the source's setting (or at the file)
                if d.location.file is None:
                    fld = (d.location.field or "").split(".")[0].split("[")[0]
                    where = ps.locations.get(fld) or ps.locations.get("command") or Location(file=ps.file)
                    d = replace(d, location=replace(where, field=d.location.field))
                if d not in tr.diagnostics:
                    tr.diagnostics.append(d)
    return tr


_SETTING_WORDS = {
    "method": ("estimation method", {"reml": "REML", "ml": "ML"}),
    "covariance": ("random-effect covariance", {"un": "unstructured (UN)", "vc": "independent (VC)"}),
    "ddf": ("denominator df method", {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger",
                                      "residual": "residual", "between-within": "between-within",
                                      "containment": "containment", "none": "none (large-sample z tests)"}),
}


def defaults_made_explicit(ps: ParsedSyntax) -> list[Diagnostic]:
    """TR001 (info) for each setting the source left to its package's default: the translation writes the
    default's value explicitly, which is what the source ran with but may surprise a reader (Stata: ML)."""
    from .names import DIALECT_TITLES
    out = []
    model = ps.model
    where = ps.locations.get("command") or Location(file=ps.file, line=1, col=1)
    for key, (what, words) in _SETTING_WORDS.items():
        if ps.explicit.get(key, True):
            continue
        if key == "covariance" and model.random.q < 2:
            continue
        value = model.random.covariance if key == "covariance" else getattr(model, key)
        out.append(Diagnostic(
            "TR001", f"the {DIALECT_TITLES[ps.dialect]} snippet does not write the {what}; its package default, "
            f"{words[value]}, is written explicitly in the translation", Severity.INFO, where))
    return out


__all__ = ["Translation", "translate", "parse_text", "detect", "read_text", "defaults_made_explicit",
           "dialect_for_extension"]
