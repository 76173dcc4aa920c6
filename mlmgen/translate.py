"""Translate mixed-model syntax between packages: parse the source, render the model in each target.

    text --parse_syntax(source package)--> Model --render(target)--> text

Never a different model that looks complete: when the source has constructs the model lacks (SY004
warnings and errors, error-level diagnostics: `dropped_constructs`), nothing is written (TR003) unless
`partial` is asked for, and then each output begins with a comment block, in the target's comment syntax
(`Dialect.comment`), listing every dropped construct with its source line. The source's diagnostics travel
with the result.

A df method the target cannot write: when the source left it to its package's default (SAS containment,
Stata z tests), the closest method the target has is used and said (PT003, and in the comment block;
`ddfchoice`); when the source wrote it, RN001 (or `ddf=` / `--ddf METHOD` chooses). Other settings the
source left to its package default are written explicitly in every target (the renderers never lean on a
default), so a Stata snippet without `reml` becomes `METHOD=ML` in SAS (TR001).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .diagnostics import Diagnostic, Fix, Location, MlmgenError, Severity
from .dialects import (DIALECTS, ParsedSyntax, dialect_for_extension, get_dialect, guess_dialect,
                       package_choices)


@dataclass
class Translation:
    """The result of `translate`: the source as read, one text per target that could be written, and
    every diagnostic. `dropped`: what of the source is not in the model (see `dropped_constructs`);
    `refused`: True when something was dropped and `partial` was not asked for (then `outputs` is empty);
    `ddf_choices`: target -> the df method written in place of the source's (`ddfchoice`)."""

    source: ParsedSyntax
    outputs: dict[str, str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    dropped: list[Diagnostic] = field(default_factory=list)
    refused: bool = False
    ddf_choices: dict[str, str] = field(default_factory=dict)

    @property
    def failed_targets(self) -> list[str]:
        return [d for d in self.requested if d not in self.outputs]


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
                                     f"{package_choices('|', aliases=False)}", Severity.ERROR, Location(file=path, field="--from")))
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


def dropped_constructs(ps: ParsedSyntax) -> list[Diagnostic]:
    """What of the source is not in (or means something else in) the model read from it.

    Every SY004 at warning or error level (a construct beyond the model: CLASS predictors, REPEATED,
    `i.` factors, crossed or third-level terms, WHERE/BY/`if`, weights, other covariance structures, ...),
    every error-level diagnostic (a piece that could not be read, an operator the package lacks, a setting
    the package refuses, a text column used as a number), and what a reader marks as dropped
    (`extra["dropped"]`, e.g. a random effect written twice, which the package fits twice). SY004 at info
    level (statements outside the model command, such as a DATA step or `summarize`) is not a reduction."""
    marked = ps.extra.get("dropped", [])
    out = []
    for d in ps.diagnostics:
        if d in out:
            continue
        if (d.code == "SY004" and d.severity != Severity.INFO) or d.severity == Severity.ERROR or d in marked:
            out.append(d)
    return out


def reduced_notice(dropped: list[Diagnostic], file: str | None, partial: bool) -> Diagnostic:
    """TR003: the summary of a refusal (or, with --partial, of what the written model lacks)."""
    n = len(dropped)
    where = Location(file=file, line=dropped[0].location.line or 1, col=dropped[0].location.col or 1) \
        if dropped else Location(file=file)
    what = f"{n} construct{'s' if n != 1 else ''} of the source {'are' if n != 1 else 'is'} not in the model mlmgen read"
    if partial:
        return Diagnostic("TR003", f"{what}: the reduced model was written (--partial), with them listed in a "
                          f"comment at its top", Severity.WARNING, where)
    return Diagnostic("TR003", f"{what} (listed above): nothing was written, because the result would be a "
                      f"different model that looks complete", Severity.ERROR, where,
                      Fix("fix or remove those constructs, or give --partial to write the reduced model with "
                          "them listed at its top"))


def header_lines(dropped: list[Diagnostic], source_dialect: str, file: str | None, notes: list[str]) -> list[str]:
    """The plain-text lines of the note block at the top of generated code (comment syntax added later)."""
    lines: list[str] = []
    if dropped:
        name = file if file and file != "-" else "the source"
        lines.append(f"mlmgen: NOT THE WHOLE MODEL of {name} ({DIALECTS[source_dialect].title}); written with "
                     f"--partial. Dropped or changed:")
        for d in dropped:
            line = f"line {d.location.line}" if d.location.line else "source"
            text = (d.location.text or "").strip().replace("\n", " ")
            quoted = f" [{text[:60]}{'...' if len(text) > 60 else ''}]" if text else ""
            lines.append(f"  {line}: {d.code} {d.message}{quoted}")
    for n in notes:
        lines.append(f"mlmgen: {n}")
    return lines


def with_header(text: str, dialect: str, lines: list[str]) -> str:
    """`text` preceded by `lines` as comments of `dialect` (`Dialect.comment`) and a blank line."""
    if not lines:
        return text
    import textwrap
    d = DIALECTS[dialect]
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        out.extend(d.comment(piece) for piece in textwrap.wrap(
            line, width=92, initial_indent="", subsequent_indent=indent + "    ", break_long_words=False,
            break_on_hyphens=False) or [""])
    return "\n".join(out) + "\n\n" + text


def translate(text: str, to: str | list[str] = "all", source: str = "auto", file: str | None = None,
              data_prep: bool = False, partial: bool = False, ddf: str | None = None,
              data=None, data_file: str | None = None, form: str | None = None) -> Translation:
    """Parse `text` and render its model for each target (`all` = the other packages).

    Refused (no outputs, `refused`) when the source has constructs the model lacks (`dropped_constructs`),
    unless `partial`: then each output begins with a comment block listing them. `ddf` (a df method) replaces
    the source's; otherwise, when the source leaves the df method to its package default and a target cannot
    write that default, the closest method the target has is used (`ddfchoice`), said in a comment at the top
    of that output and as PT003. `data` (a DataFrame) checks predictor types (`predictortypes`). `form`: which
    form a target with several writes for a residual structure (`render(form=)`, command line `--r-package`)."""
    from .model import normalise_ddf
    from .predictortypes import check_types
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
    types = check_types(ps, data, data_file)
    tr.diagnostics.extend(types)
    ps.diagnostics.extend(d for d in types if d.severity == Severity.ERROR)
    if data is not None and not any(d.severity == Severity.ERROR for d in types):
        # the declared categoricals' levels (the repeated variable's too: nlme's TOEP needs their number) as the
        # data have them, in R's factor() order, as `render --data` and `same --data` take them
        from .data import resolve_categoricals
        try:
            ps.model = resolve_categoricals(ps.model, data, data_file, undeclared=False)[0]
            DIALECTS[ps.dialect].settle_with_levels(ps)
            tr.diagnostics[:] = [d for d in tr.diagnostics if d in ps.diagnostics or d in types]
        except MlmgenError as e:
            tr.diagnostics.extend(e.diagnostics)
            ps.diagnostics.extend(e.diagnostics)
            return tr
    tr.dropped = dropped_constructs(ps)
    if tr.dropped:
        tr.diagnostics.append(reduced_notice(tr.dropped, file, partial))
        if not partial:
            tr.refused = True
            return tr
    tr.diagnostics.extend(defaults_made_explicit(ps))
    model = ps.model
    common_notes: list[str] = []
    if ddf is not None:
        chosen = normalise_ddf(ddf)
        if chosen is None:
            raise MlmgenError(Diagnostic(
                "CL001", f"--ddf must be satterthwaite, kenward-roger, residual, between-within, containment or "
                f"none (got {ddf!r})", Severity.ERROR, Location(field="--ddf")))
        if chosen != model.ddf:
            from .ddfchoice import WORDS
            how = "writes" if ps.explicit.get("ddf") else "leaves to its package default"
            common_notes.append(f"df method {WORDS[chosen]} (--ddf); the source {how} {WORDS[model.ddf]}. Only "
                                f"the df, p-values and confidence limits differ; estimates and SEs are the same.")
            model = model.with_(ddf=chosen)
    for t in targets:
        try:
            out, notes = _render_target(tr, model, t, data_prep, auto_ddf=ddf is None and not ps.explicit.get("ddf"),
                                        form=form)
        except MlmgenError as e:
            for d in e.diagnostics:          # a refusal points at the source's setting (or at the file)
                fld = (d.location.field or "").split(".")[0].split("[")[0]
                if d.location.file is None:
                    where = ps.locations.get(fld) or ps.locations.get("command") or Location(file=ps.file)
                    d = replace(d, location=replace(where, field=d.location.field))
                if d.code == "RN001" and fld == "ddf" and ddf is None:
                    d = replace(d, fix=Fix((d.fix.title + "; or " if d.fix else "") + "give --ddf METHOD to "
                                           "translate with another df method"))
                if d not in tr.diagnostics:
                    tr.diagnostics.append(d)
            continue
        lines = header_lines(tr.dropped, ps.dialect, file, common_notes + notes)
        tr.outputs[t] = with_header(out, t, lines)
    if tr.ddf_choices or ddf is not None:
        _amend_ddf_note(tr, ddf is not None)
    return tr


def _amend_ddf_note(tr: Translation, given: bool) -> None:
    """TR001 about the df method says where the written method is not the source's default."""
    from .ddfchoice import WORDS
    for i, d in enumerate(tr.diagnostics):
        if d.code == "TR001" and "denominator df method" in d.message:
            if given:
                extra = "; --ddf replaces it"
            else:
                extra = "; where the target cannot write it, the closest method it has: " + ", ".join(
                    f"{DIALECTS[t].title} {WORDS[m]}" for t, m in tr.ddf_choices.items()) + " (PT003)"
            tr.diagnostics[i] = replace(d, message=d.message.replace(" is written explicitly in the translation",
                                                                     " is written explicitly in the translation"
                                                                     + extra))


def _render_target(tr: Translation, model, target: str, data_prep: bool, auto_ddf: bool,
                   form: str | None = None) -> tuple[str, list[str]]:
    """Render `model` for `target`; when the df method is the source package's default and the target cannot
    write it, render with the closest method it has (PT003 warning, a note for the comment block)."""
    from .ddfchoice import CLOSEST, DIFFERS, WORDS, reason
    from .render import render
    try:
        return render(model, target, data_prep=data_prep, form=form), []
    except MlmgenError as e:
        if not auto_ddf or not any(d.code == "RN001" and (d.location.field or "") == "ddf" for d in e.diagnostics):
            raise
        first = e
    ps = tr.source
    for cand in CLOSEST.get(model.ddf, ()):
        try:
            out = render(model.with_(ddf=cand), target, data_prep=data_prep, form=form)
        except MlmgenError as e2:
            if any(d.code == "RN001" and (d.location.field or "") == "ddf" for d in e2.diagnostics):
                continue
            raise
        src, tgt = DIALECTS[ps.dialect].title, DIALECTS[target].title
        default = WORDS[model.ddf]
        note = (f"the {src} source writes no df method, so it uses {src}'s default, {default} df; {tgt} cannot "
                f"write that: this code uses {WORDS[cand]} df instead, the closest it has ({reason(model.ddf, cand)}). "
                f"{DIFFERS[0].upper()}{DIFFERS[1:]}. Give --ddf METHOD to choose another.")
        where = ps.locations.get("command") or Location(file=ps.file, line=1, col=1)
        tr.diagnostics.append(Diagnostic("PT003", f"{tgt} translation: {note}", Severity.WARNING, where,
                                         Fix("state the df method in the source, or give --ddf METHOD")))
        tr.ddf_choices[target] = cand
        return out, [note]
    raise first


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
            "TR001", f"the {DIALECTS[ps.dialect].title} snippet does not write the {what}; its package default, "
            f"{words[value]}, is written explicitly in the translation", Severity.INFO, where))
    return out


__all__ = ["Translation", "translate", "dropped_constructs", "header_lines", "with_header", "parse_text", "detect", "read_text", "defaults_made_explicit",
           "dialect_for_extension"]
