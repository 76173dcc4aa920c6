"""One "find the mistakes" exercise: a snippet in one package with mistakes injected, the model file and data
it ships with, and a separate answer key.

    build_exercise(model, package, mistakes, seed=0, data=None) -> Exercise

1. Roles of the variables come from the data (exact) and the model file's definitions, as `mlmgen lint`
   computes them (`lint.build_roles`).
2. Model mistakes edit the Model in the order given; the result is the shipped model file (the analysis as
   planned). The stray predictor is then added to the snippet's model only.
3. The snippet is rendered from that model (`mlmgen.render`), read back by the package's reader, and text
   mistakes edit it at the spans the reader located.
4. The final snippet is read back again; every predicted finding's location key gives its line and column.

Everything random (which variable, which term, where a stray predictor goes) comes from `random.Random(seed)`,
so the same seed gives the same exercise.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..data import read_data
from ..dialects import DIALECTS, get_dialect
from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..files import check_targets, write_atomic
from ..lint import RULES, build_roles
from ..lint.textedits import EditConflict, apply_edits_to_text
from ..model import Model, validate
from ..modelfile import dumps_model
from ..render import render
from ..samemodel import Snippet, compare
from .catalogue import mistake_named
from .mistakes import Context, Injection, Mistake, NotApplicable, why_not_package


@dataclass(frozen=True)
class Finding:
    code: str
    line: int | None
    col: int | None
    text: str | None


@dataclass
class Exercise:
    package: str
    snippet: str
    model: Model                    # the shipped model file's model (the analysis as planned)
    injections: list[Injection]
    findings: list[list[Finding]]   # per injection, the findings it must cause
    seed: int
    data_file: str | None = None
    extension: str = ""
    notes: list[str] = field(default_factory=list)
    same: list[str] | None = None   # `mlmgen same exercise.<ext> model.toml`: its differences (None: unreadable)

    @property
    def shows_same(self) -> bool:
        """The answer key cites `mlmgen same` (a mistake of several random terms or residual structures)."""
        return any(i.mistake.topic == "structure" for i in self.injections)

    @property
    def expected(self) -> list[tuple[str, int | None]]:
        """(code, line) of every finding the linter must report, sorted."""
        return sorted((f.code, f.line) for fs in self.findings for f in fs)

    @property
    def snippet_name(self) -> str:
        return f"exercise{self.extension}"


def _named(mk: Mistake) -> str:
    """`smushed-fixed-slope (MS002)`; a mistake no lint code names: its slug."""
    return f"{mk.slug} ({mk.code})" if mk.code else mk.slug


def _ex001(msg: str, fld: str = "--mistakes") -> MlmgenError:
    return MlmgenError(Diagnostic("EX001", msg, Severity.ERROR, Location(field=fld)))


def _roles(model: Model, data):
    return build_roles([], data, model)


def _data_frame(data):
    if data is None:
        return None, None
    if isinstance(data, pd.DataFrame):
        return data, None
    return read_data(data), str(data)


def build_exercise(model: Model, package: str, mistakes, seed: int = 0, data=None) -> Exercise:
    """The exercise (see module docstring); EX001 when a mistake cannot be injected, CL001 for unknown names."""
    dialect = get_dialect(package)
    pkg = dialect.name
    chosen: list[Mistake] = []
    for m in mistakes:
        mk = m if isinstance(m, Mistake) else mistake_named(m)
        if mk in chosen:
            raise MlmgenError(Diagnostic("CL001", f"--mistakes names {mk.slug} twice", Severity.ERROR,
                                         Location(field="--mistakes")))
        if pkg not in mk.packages:
            why = why_not_package(mk, pkg)
            raise _ex001(f"{_named(mk)} cannot be injected into {pkg} syntax: {why}")
        chosen.append(mk)
    if not chosen:
        raise MlmgenError(Diagnostic("CL001", "--mistakes needs at least one mistake", Severity.ERROR,
                                     Location(field="--mistakes")))
    frame, data_file = _data_frame(data)
    roles = _roles(model, frame)
    columns: tuple[str, ...] = ()
    if frame is not None:
        columns = tuple(c for c in frame.columns if c not in (model.outcome, model.cluster)
                        and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
    ctx = Context(model, roles, pkg, random.Random(seed), columns, frame=frame)
    injections: list[Injection] = []

    def run(mk: Mistake) -> None:
        before = [c.label for c in getattr(ctx.model, "contrasts", ())]
        try:
            inj = mk.inject(ctx)
        except NotApplicable as e:
            others = [i.mistake.slug for i in injections]
            tail = f" (with {', '.join(others)} already injected)" if others else ""
            raise _ex001(f"{_named(mk)} cannot be injected into this model{tail}: {e}") from None
        dropped = [lb for lb in before if lb not in {c.label for c in ctx.model.contrasts}]
        if dropped:
            inj.what += (f" (the contrast{'s' if len(dropped) > 1 else ''} {', '.join(repr(d) for d in dropped)} "
                         f"went with it: it names a term that is gone)")
        ctx.taken |= inj.touches
        injections.append(inj)

    for mk in (m for m in chosen if m.kind == "model"):
        run(mk)
    planned = validate(ctx.model)
    for mk in (m for m in chosen if m.kind in ("stray", "snippet")):
        run(mk)
    snippet_model = validate(ctx.model)
    try:
        text = render(snippet_model, pkg)
    except MlmgenError as e:
        raise _ex001(f"{pkg} cannot express the exercise's snippet: "
                     + "; ".join(f"{d.code}: {d.message}" for d in e.diagnostics)) from None
    ctx.text = text
    ctx.parsed = dialect.parse_syntax(text, file="exercise")
    unread = [d for d in ctx.parsed.diagnostics if d.severity.value == "error"]
    if ctx.parsed.model is None or unread:
        raise _ex001(f"mlmgen's {pkg} reader does not read this model back yet ("
                     + "; ".join(f"{d.code}: {d.message}" for d in unread[:2]) + "), so the exercise cannot be "
                     "checked; use another package")
    if ctx.parsed.diagnostics:              # notes of the rendering itself would be findings besides the mistakes
        raise _ex001(f"the {pkg} rendering of this model has notes of its own when read back ("
                     + "; ".join(f"{d.code}: {d.message}" for d in ctx.parsed.diagnostics[:2]) + "), so lint would "
                     "not report only the mistakes; use another package")
    ctx.model = ctx.parsed.model
    for mk in (m for m in chosen if m.kind == "text"):
        run(mk)
    if ctx.edits:
        try:
            text = apply_edits_to_text(text, ctx.edits)
        except EditConflict as e:
            raise _ex001(f"the text mistakes overlap in the snippet: {e}") from None
    final = dialect.parse_syntax(text, file="exercise")
    findings: list[list[Finding]] = []
    for inj in injections:
        fs = []
        for exp in inj.expected:
            if exp.key.startswith("at:"):          # a place the final reader does not locate (a statement it skips)
                line, col = (int(x) for x in exp.key[3:].split(":"))
                fs.append(Finding(exp.code, line, col, text.split("\n")[line - 1].strip()))
                continue
            loc = final.locations.get(exp.key) or final.locations.get("command")
            fs.append(Finding(exp.code, loc.line if loc else None, loc.col if loc else None,
                              loc.text if loc else None))
        findings.append(fs)
    ex = Exercise(pkg, text, planned, injections, findings, seed, data_file, DIALECTS[pkg].extension)
    if final.model is not None:
        cmp = compare([Snippet(ex.snippet_name, pkg, final.model, final.model.data),
                       Snippet("model.toml", None, planned, planned.data)])
        ex.same = [str(d) for d in cmp.differences if d.material and d.aspect not in ("data",)]
    return ex


# ---------------------------------------------------------------------------------------------- documents

def _where(f: Finding) -> str:
    return f"line {f.line}, column {f.col}" if f.line else "the model statement"


def answer_key(ex: Exercise, lint_command: str) -> str:
    """The answer key (markdown): what was injected, where, why it is wrong, the fix (from `rules --explain`)."""
    out = [f"# Answer key: {ex.snippet_name}", "",
           f"{len(ex.injections)} mistake(s) injected into {ex.package} syntax (seed {ex.seed}). "
           f"`{lint_command}` reports exactly these findings.", ""]
    for n, (inj, fs) in enumerate(zip(ex.injections, ex.findings), 1):
        m = inj.mistake
        out.append(f"## {n}. {m.code + ' ' if m.code else ''}{m.slug}: {m.title}")
        out.append("")
        if fs:
            first = fs[0]
            out += [f"- **Where:** {ex.snippet_name}:{first.line}:{first.col}" + (
                f" (`{first.text.splitlines()[0]}`)" if first.text else ""),
                f"- **What was injected:** {inj.what}.",
                f"- **Findings:** " + "; ".join(f"{f.code} at {f.line}:{f.col}" for f in fs)]
        else:
            out += [f"- **What was injected:** {inj.what}.",
                    "- **Findings:** none: no lint rule finds this mistake yet; `mlmgen same` shows it (below)."]
        if inj.consequence:
            out.append(f"- **Why more than one finding:** {inj.consequence}.")
        out.append(f"- **Fix here:** {inj.fix}.")
        rule = RULES.get(m.code)
        if m.explain:
            out += ["", "**Why it is wrong:**", "", _quote(m.explain[0]), "", "**The fix in general:**", "",
                    _quote(m.explain[1])]
        elif rule is not None:
            out += ["", f"**Why it is wrong** (`mlmgen rules --explain {m.code}`):", "", _quote(rule.section("Why it matters")),
                    "", "**The fix in general:**", "", _quote(rule.section("Fix"))]
        out.append("")
    if ex.shows_same:
        out += [f"## `mlmgen same {ex.snippet_name} model.toml`", ""]
        if ex.same is None:
            out.append(f"{ex.snippet_name} cannot be read as a model (the findings above), so it fits no model "
                       "that could equal model.toml's.")
        elif ex.same:
            out += [f"- {d}" for d in ex.same]
        else:
            out.append("SAME MODEL: the mistakes do not change what is fitted as the readers see it.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join("> " + ln if ln.strip() else ">" for ln in text.splitlines())


def instructions(ex: Exercise, data_name: str | None) -> str:
    n = len(ex.injections)
    lines = [f"# Exercise: find the mistakes in {ex.snippet_name}", "",
             f"{ex.snippet_name} ({ex.package}) should fit the model described in model.toml"
             + (f" to the data in {data_name}" if data_name else "") + f". It has {n} mistake(s) of the kinds the "
             f"lecture discusses (none of them stops the program with an error, except where the package itself "
             f"would).", "",
             "For each one: where is it, why does it give wrong or different numbers, and what is the fix?", "",
             "Check your answers with:", "", "```sh",
             lint_command(ex, data_name)] + ([f"mlmgen same {ex.snippet_name} model.toml"] if ex.shows_same else []) + [
             "```", "", "The equations of the planned model: "
             "`mlmgen equations model.toml" + (f" --data {data_name}`" if data_name else "`"), ""]
    return "\n".join(lines)


def lint_command(ex: Exercise, data_name: str | None) -> str:
    return f"mlmgen lint {ex.snippet_name} --model model.toml" + (f" --data {data_name}" if data_name else "")


def write_exercise(ex: Exercise, out_dir, *, force: bool = False, inputs=()) -> list[Path]:
    """Write exercise.<ext>, model.toml, the data (copied), exercise.md and answers.md through write_atomic."""
    out = Path(out_dir)
    data_name = Path(ex.data_file).name if ex.data_file else None
    files: dict[Path, str | bytes] = {
        out / ex.snippet_name: ex.snippet,
        out / "model.toml": dumps_model(ex.model),
        out / "exercise.md": instructions(ex, data_name),
        out / "answers.md": answer_key(ex, lint_command(ex, data_name)),
    }
    if ex.data_file:
        target = out / data_name
        same = target.exists() and target.resolve() == Path(ex.data_file).resolve()
        if not same:                       # shipped alongside unless -o is the data's own folder
            files[target] = Path(ex.data_file).read_bytes()
    check_targets(list(files), inputs=list(inputs) + ([ex.data_file] if ex.data_file else []), force=force,
                  option="-o")
    for path, content in files.items():
        write_atomic(path, content, inputs=list(inputs) + ([ex.data_file] if ex.data_file else []), force=force,
                     option="-o")
    return list(files)
