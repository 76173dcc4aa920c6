"""Planning `mlmgen lint --fix`: which findings' fixes are made, as span edits of each file's text.

Only findings that carry a fix and are warnings or errors trigger one (an info-level note alone never
changes a file). A file is not fixed (FX001, with the reason) when its reader says it holds something about
the model that the model read lacks (`not_represented`), when a fix has no place in the text
(`placement.Refusal`), when two fixes change the same text, or when the edited text would not read back as
exactly the fixed model (the last safety net: every edit is checked by reading the result again). A file no
model was read from is fixed only by fixes written straight into its text (`fixes.RawTextFix`, for a construct
the reader refuses), and only when the edited text then reads as a model without a reader error.
"""
from __future__ import annotations

from dataclasses import replace

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects import get_dialect
from ..modelfile import loads_model, model_to_dict
from .fixes import RawTextFix, SetCovariance, SetDdf, SetMethod, apply_edits, edit_rank
from .placement import Placer, Refusal, fixes_a_reader_can_make
from .textedits import EditConflict, TextEdit, apply_edits_to_text
from .tomledits import toml_value_edits


# a setting left to the package default is written even when the fix keeps its value (PT001: Stata's implicit
# independent covariance made explicit)
SETTING_OF = {SetMethod: "method", SetCovariance: "covariance", SetDdf: "ddf"}


def refusal(message: str, location: Location) -> Diagnostic:
    return Diagnostic("FX001", message, Severity.ERROR, location)


def not_represented(d: Diagnostic, command: Location | None, marked: list | tuple = ()) -> bool:
    """A reader diagnostic saying the file holds something about the model that the model read lacks, so a fix
    computed from that model could contradict the file: an unreadable model (SY001 error); anything not read
    (SY004 warning or error, or what the reader marks as dropped in `extra["dropped"]`) in or after the model
    command (SAS REPEATED or WEIGHT, a Stata `if` qualifier, a second model); an R `update()` call not read
    (SY004 at any level: `update(m, REML = FALSE)` refits by ML, `update(m, . ~ . + z)` adds z).
    Statements before the model command that mlmgen does not read (data loading, recodes, missing-value
    declarations, subsetting) are kept byte for byte and do not block a fix; nor do errors a fix removes
    (Stata `e.hw2`, SY002; a df method Stata refuses for ML, RN001)."""
    if d.code == "SY001" and d.severity == Severity.ERROR:
        return True
    if d.code == "SY004" and ((d.location.text or "").lstrip().startswith("update(") or "update()" in d.message):
        return True
    if not ((d.code == "SY004" and d.severity != Severity.INFO) or d in marked):
        return False
    if command is None or command.line is None or d.location.line is None:
        return True
    return (d.location.line, d.location.col or 0) >= (command.line, command.col or 0)


def plan_fixes(parsed, findings) -> tuple[dict[str, tuple[list[TextEdit], list[str]]], list[Diagnostic]]:
    """For every file with fixes: (the span edits of the text read, the codes fixed), and FX001 for each fix
    that could not be made. Only the findings that carry a fix trigger it (warnings and errors: an
    info-level note alone never changes a file); each fix is a span edit of the original text
    (`mlmgen.lint.placement`); the edited text must read back as exactly the fixed model, else nothing is
    written."""
    out: dict[str, tuple[list[TextEdit], list[str]]] = {}
    refusals: list[Diagnostic] = []
    for i, p in enumerate(parsed):
        mine = [f for f in findings if f.snippet == i and f.diagnostic.severity != Severity.INFO]
        raw = [f for f in mine if isinstance(f.edit, RawTextFix)]
        mine = [f for f in mine if not isinstance(f.edit, RawTextFix)]
        if raw and p.model is None and p.file and p.file != "-":
            planned = plan_raw_fixes(p, raw, refusals)
            if planned:
                out[p.file] = planned
            continue
        model_fixes = [f for f in mine if f.edit is not None]
        reader_fixes = [f.diagnostic for f in mine if f.edit is None and fixes_a_reader_can_make(f.diagnostic)]
        if not (model_fixes or reader_fixes) or p.model is None or not p.file or p.file == "-":
            continue
        where = Location(file=p.file)
        blockers = [d for d in p.diagnostics
                    if not_represented(d, p.locations.get("command"), p.extra.get("dropped", ()))]
        if blockers:
            d = blockers[0]
            refusals.append(refusal(
                f"not fixed: {d.code} at {d.location.line}:{d.location.col} says the file holds what mlmgen "
                f"did not read into the model ({d.message}); a fix computed without it could change what the "
                f"file means: fix it by hand", replace(d.location, file=p.file)))
            continue
        edits, applied, codes = [], [], []
        settings_seen: set[str] = set()
        settings_written: set[str] = set()
        try:
            if p.dialect == "model":
                new_model = apply_edits(p.model, [f.edit for f in model_fixes])
                edits = toml_value_edits(p.text, model_to_dict(p.model), model_to_dict(new_model),
                                         ",".join(sorted({f.diagnostic.code for f in model_fixes})))
                applied = [f.edit for f in model_fixes]
                codes = [f.diagnostic.code for f in model_fixes]
            else:
                placer = Placer(p)
                for f in sorted(model_fixes, key=lambda f: edit_rank(f.edit)):      # as apply_edits does
                    current = apply_edits(p.model, applied)
                    setting = SETTING_OF.get(type(f.edit))
                    if (f.edit.apply(current) == current and (setting is None or p.explicit.get(setting))) \
                            or setting in settings_seen:
                        applied.append(f.edit)                 # made already by another fix (a slope removed
                        codes.append(f.diagnostic.code)        # and swapped, a term or setting written twice)
                        continue
                    if setting:
                        settings_seen.add(setting)
                    try:
                        placed = placer.place(f.edit, f.diagnostic.code, current)
                        edits += placed
                        if setting and placed:
                            settings_written.add(setting)
                        applied.append(f.edit)
                        codes.append(f.diagnostic.code)
                    except Refusal as exc:
                        refusals.append(refusal(f"not fixed ({f.diagnostic.code}): {exc}", f.diagnostic.location))
                removed = [(e.start, e.end) for e in edits if e.end > e.start]
                for d in reader_fixes:
                    try:
                        fix_edits = placer.reader_fix(d)
                    except Refusal as exc:
                        refusals.append(refusal(f"not fixed ({d.code}): {exc}", d.location))
                        continue
                    # a reader's fix inside text another fix removes (Stata `e.hw2` of a stray hw2) is moot
                    edits += [e for e in fix_edits if not any(a <= e.start and e.end <= b for a, b in removed)]
                    codes.append(d.code)
            if not edits:
                continue
            new_text = apply_edits_to_text(p.text, edits)
        except (Refusal, EditConflict) as exc:
            refusals.append(refusal(f"not fixed: {exc}", where))
            continue
        expected = apply_edits(p.model, applied)
        again = read_back(new_text, p)
        # each setting written must read back as written (not inside a comment); a covariance structure means
        # something only with two or more random effects (a reader may not mark it for one)
        written = settings_written - ({"covariance"} if len(expected.random.effects) < 2 else set())
        if again is None or not same_model(again.model, expected) or \
                not all(again.explicit.get(k) for k in written):
            refusals.append(refusal("not fixed: the edited file would not read back as the fixed model (mlmgen "
                                     "could not place the edits safely); fix it by hand", where))
            continue
        out[p.file] = (edits, codes)
    return out, refusals


def plan_raw_fixes(p, raw, refusals: list) -> tuple[list[TextEdit], list[str]] | None:
    """The span edits of the fixes written straight into the text of a file no model was read from (RawTextFix):
    made only when the edited text reads back as a model without a reader error; else FX001 for each."""
    edits = [TextEdit(f.edit.start, f.edit.end, f.edit.text, f.diagnostic.code) for f in raw]
    try:
        new_text = apply_edits_to_text(p.text, edits)
    except EditConflict as exc:
        refusals.append(refusal(f"not fixed: {exc}", Location(file=p.file)))
        return None
    again = read_back(new_text, p)
    errors = [] if again is None else [d for d in again.diagnostics if d.severity == Severity.ERROR]
    if again is None or again.model is None or errors:
        why = f" ({errors[0].code}: {errors[0].message})" if errors else ""
        for f in raw:
            refusals.append(refusal(f"not fixed ({f.diagnostic.code}): the edited file would not read as a model"
                                    f"{why}; fix it by hand", f.diagnostic.location))
        return None
    return edits, [f.diagnostic.code for f in raw]


def same_model(a, b) -> bool:
    """Equal models, the order of the fixed terms and random slopes aside (R's formula reader lists main effects
    before interactions, wherever they are written)."""
    if a is None or b is None:
        return a is b

    def norm(m):
        return replace(m, fixed=tuple(sorted(m.fixed, key=lambda t: t.key)),
                       random=replace(m.random, slopes=tuple(sorted(m.random.slopes))))
    return norm(a) == norm(b)


def read_back(text: str, p):
    """`text` read as `p` was read (same package, same file name): a `ParsedSyntax`, None if unreadable."""
    from . import parsed_from_model
    try:
        if p.dialect == "model":
            return parsed_from_model(loads_model(text, p.file), p.file, text)
        return get_dialect(p.dialect).parse_syntax(text, p.file)
    except MlmgenError:
        return None
