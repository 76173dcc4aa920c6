"""Model files (TOML) and dicts <-> `Model`.

    name    = "name"                      # optional: object name (R) / model name
    title   = "Example 2b"                # optional: printed as a comment
    data    = "Example"                   # optional: data set name
    import  = "example.csv"               # optional: the programs read this file first (.csv .sas7bdat .dta .sav)
    outcome = "langpost"
    cluster = "schoolID"
    intercept = true                      # optional, default true
    fixed   = ["hw2", "mixgrd", "CMverb10", "WCverb", "mixgrd*WCverb", "CMverb10*CMverb10"]
    method  = "REML"                      # REML | ML
    ddf     = "Satterthwaite"             # Satterthwaite | Kenward-Roger | Residual | Between-Within | Containment | None

    [random]
    effects    = ["Intercept", "WCverb"]  # "Intercept" (any case) for the random intercept
    covariance = "UN"                     # UN (unstructured) | VC (independent)

    # several grouping factors instead: one [[random]] table per random term (then `cluster` may be left out:
    # it is the first term's group, which must be one variable)
    [[random]]
    group   = "school"
    effects = ["Intercept"]
    [[random]]
    group   = "school/class"              # class within school: the units are the (school, class) pairs
    effects = ["Intercept"]               # ("school:class" means the same; "item" a crossed factor)

    [variables]                           # derived variables (see mlmgen.variables)
    hw2      = "homework - 2"
    CMverb10 = "mean(verbal) by schoolID - 10"
    WCverb   = "verbal - mean(verbal) by schoolID"

    [categorical]                         # categorical predictors (see mlmgen.categorical)
    sex      = { levels = ["M", "F"], reference = "M" }   # levels in order; reference: a level, "first", "last"
    denomina = { reference = "last", coding = "sum" }     # levels from the data; coding: treatment | sum
    # (or `categorical = ["sex", "denomina"]`: levels from the data, the first level the reference, as R)

    [residual]                            # optional: a REPEATED (R-side) structure (see mlmgen.residual)
    type     = "UN"                       # UN | CS | AR(1) | TOEP | CSH | ARH(1) | TOEPH | SP(POW) | ID (default)
    repeated = "visit"                    # orders each subject's visits by value (its levels), never by row
    subject  = "id"                       # = cluster (cluster may then be left out); group = "arm" for GROUP=
    # with [residual] and no [random] the model has no random effects (a pure MMRM, SAS: no RANDOM statement)

    [[contrasts]]
    label = "L2 Contextual Effect of Verbal"
    coefficients = { CMverb10 = 1, WCverb = -1 }    # or rows = [{...}, {...}] for a joint F test

In `fixed`, `a*b` and `a:b` both mean the product term only (no main effects are added).
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .diagnostics import Diagnostic, Location, MlmgenError, Severity
from .intercepts import is_intercept
from .model import (MAX_ORDER, Contrast, Model, RandomPart, RandomTerm, Term, normalise_covariance, normalise_ddf, normalise_method,
                    validate)
from .categorical import FIRST, LAST, Categorical, level_text
from .residual import Residual, canonical_residual_structure
from .variables import VariableDef, fmt_number, parse_definition

TOP_KEYS = {"name", "title", "data", "import", "outcome", "cluster", "intercept", "fixed", "method", "ddf", "random",
            "variables", "categorical", "lsmeans", "contrasts", "residual"}
RESIDUAL_KEYS = ("type", "repeated", "subject", "group")
CATEGORICAL_KEYS = ("levels", "reference", "coding")


def _err(msg: str, fld: str, file: str | None, code: str = "MF002", line: int | None = None) -> Diagnostic:
    return Diagnostic(code, msg, Severity.ERROR, Location(file=file, field=fld, line=line))


def load_model(path: str | Path) -> Model:
    """Read a TOML model file; MF001 when unreadable, MF002-MF005 naming the field otherwise."""
    from .diagnostics import read_text_file
    p = Path(path)
    text = read_text_file(p, "MF001", "model file")
    return loads_model(text, str(p))


def loads_model(text: str, file: str | None = None) -> Model:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        loc = Location(file=file, line=int(m.group(1)) if m else None, col=int(m.group(2)) if m else None)
        raise MlmgenError(Diagnostic("MF001", f"not a valid TOML model file: {exc}", Severity.ERROR, loc))
    except RecursionError:
        raise MlmgenError(Diagnostic("MF001", "not a model file: arrays or tables nested too deeply to read",
                                     Severity.ERROR, Location(file=file))) from None
    return model_from_dict(data, file, text)


def _line_of(text: str | None, key: str) -> int | None:
    if not text:
        return None
    pat = re.compile(rf"^\s*(\[+\s*)?\"?{re.escape(key)}\"?\s*(=|\])", re.M)
    m = pat.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def model_from_dict(data: dict, file: str | None = None, text: str | None = None) -> Model:
    """Build and validate a Model from a parsed TOML/JSON dict, collecting every field problem."""
    problems: list[Diagnostic] = []

    def err(msg: str, fld: str, code: str = "MF002") -> None:
        problems.append(_err(msg, fld, file, code, _line_of(text, fld.split(".")[-1].split("[")[0])))

    if not isinstance(data, dict):
        raise MlmgenError(_err("a model description must be a table of fields", "<top>", file, "MF001"))
    for k in data:
        if k not in TOP_KEYS:
            err(f"unknown field {k!r} (fields: {', '.join(sorted(TOP_KEYS))})", k)

    def get_str(key: str, required: bool) -> str | None:
        v = data.get(key)
        if v is None:
            if required:
                err(f"missing required field {key!r}", key)
            return None
        if not isinstance(v, str):
            err(f"{key} must be a string (got {type(v).__name__})", key)
            return None
        return v

    residual = _residual(data.get("residual"), err)
    outcome = get_str("outcome", True)
    # an MMRM file may give the subject in [residual] only: it is the cluster
    # (the subject as written, also when [residual] has another error: that error alone is reported)
    raw_residual = data.get("residual")
    subject = residual.subject or (raw_residual.get("subject") if isinstance(raw_residual, dict)
                                   and isinstance(raw_residual.get("subject"), str) else None)
    cluster = get_str("cluster", not isinstance(data.get("random"), list) and subject is None)
    if cluster is None and subject is not None and not isinstance(data.get("random"), list):
        cluster = subject
    name = get_str("name", False)
    title = get_str("title", False)
    dataname = get_str("data", False)
    import_file = get_str("import", False)
    if import_file is not None and not import_file.strip():
        err("import must name a data file (got an empty string)", "import")

    intercept = data.get("intercept", True)
    if not isinstance(intercept, bool):
        err("intercept must be true or false", "intercept")
        intercept = True

    fixed_raw = data.get("fixed", [])
    fixed: list[Term] = []
    if not isinstance(fixed_raw, list) or not all(isinstance(t, str) for t in fixed_raw):
        err("fixed must be a list of term strings such as [\"x\", \"z\", \"x*z\"]", "fixed")
    else:
        for i, t in enumerate(fixed_raw):
            power = re.search(r"\^\s*(\d+)", t)
            if power and int(power.group(1)) > MAX_ORDER:
                err(f"fixed[{i}]: {t!r}: the power {int(power.group(1))} is too high (at most {MAX_ORDER})", "fixed")
                continue
            term = Term.parse(t)
            if term.name in ("1",) or t.strip().lower() in ("intercept", "1"):
                err("fixed lists terms besides the intercept; use intercept = true/false", "fixed")
                continue
            fixed.append(term)

    method = normalise_method(data.get("method", "REML"))
    if method is None:
        err(f"method must be REML or ML (got {data.get('method')!r})", "method")
        method = "reml"
    ddf = normalise_ddf(data.get("ddf", "Satterthwaite"))
    if ddf is None:
        err(f"ddf must be Satterthwaite, Kenward-Roger, Residual, Between-Within, Containment or None "
            f"(got {data.get('ddf')!r})", "ddf")
        ddf = "satterthwaite"

    random = RandomPart(intercept=True, slopes=(), covariance="un")
    more_random: list[RandomTerm] = []
    # without [random], a model with a residual structure has no random effects (SAS: REPEATED, no RANDOM)
    no_random = {"effects": [], "covariance": "UN"} if not residual.independent else None
    rnd = data.get("random", no_random or {"effects": ["Intercept"], "covariance": "UN"})
    if isinstance(rnd, list):
        terms = _random_terms(rnd, err)
        if terms:
            first, more_random = terms[0], terms[1:]
            if len(first.group) != 1:
                err(f"random[0].group: the first random term's group must be one variable (the cluster), not "
                    f"{first.path_text}; list the outermost factor first", "random[0].group")
            elif cluster is not None and cluster != first.group[0]:
                err(f"cluster: {cluster} is not the first random term's group ({first.group[0]}); leave cluster out "
                    f"or list its term first", "cluster")
            else:
                cluster = first.group[0]
            random = first.part
    elif not isinstance(rnd, dict):
        err("random must be a table with effects = [...] and covariance = \"UN\" or \"VC\" (or an array of "
            "tables [[random]] with group = \"...\" for several grouping factors)", "random")
    else:
        random = _random_part(rnd, "random", err) or random

    variables: list[VariableDef] = []
    vars_raw = data.get("variables", {})
    if not isinstance(vars_raw, dict):
        err("variables must be a table of name = \"expression\"", "variables", "MF004")
    else:
        for vname, expr in vars_raw.items():
            label = None
            if isinstance(expr, dict):
                for k in expr:
                    if k not in ("expr", "label"):
                        err(f"variables.{vname}: unknown field {k!r} (fields: expr, label)", f"variables.{vname}",
                            "MF004")
                label = expr.get("label")
                if label is not None and not isinstance(label, str):
                    err(f"variables.{vname}: label must be a string", f"variables.{vname}", "MF004")
                    label = None
                expr = expr.get("expr")
            try:
                v = parse_definition(vname, expr, file)
                variables.append(VariableDef(v.name, v.kind, v.source, v.constant, v.cluster, label))
            except MlmgenError as e:
                problems.extend(e.diagnostics)

    categoricals = _categoricals(data.get("categorical", {}), err)
    ls_raw = data.get("lsmeans", [])
    lsmeans: list[Term] = []
    if not isinstance(ls_raw, list) or not all(isinstance(t, str) for t in ls_raw):
        err("lsmeans must be a list of terms of categorical predictors, such as [\"sex\", \"sex*group\"]",
            "lsmeans", "MF006")
    else:
        lsmeans = [Term.parse(t) for t in ls_raw]

    contrasts: list[Contrast] = []
    c_raw = data.get("contrasts", [])
    if not isinstance(c_raw, list):
        err("contrasts must be an array of tables ([[contrasts]])", "contrasts", "MF005")
        c_raw = []
    for k, c in enumerate(c_raw):
        fld = f"contrasts[{k}]"
        if not isinstance(c, dict):
            err(f"{fld} must be a table with label and coefficients", fld, "MF005")
            continue
        for key in c:
            if key not in ("label", "coefficients", "rows"):
                err(f"{fld}: unknown field {key!r} (fields: label, coefficients, rows)", fld, "MF005")
        if "coefficients" in c and "rows" in c:
            err(f"{fld}: give coefficients (one row) or rows (several), not both", fld, "MF005")
        label = c.get("label")
        rows_raw = c.get("rows")
        if rows_raw is None and "coefficients" in c:
            rows_raw = [c["coefficients"]]
        if not isinstance(label, str):
            err(f"{fld}: label must be a string", fld, "MF005")
            continue
        if not isinstance(rows_raw, list) or not all(isinstance(r, dict) for r in rows_raw):
            err(f"{fld}: coefficients must be a table {{term = coefficient}} (or rows = [{{...}}, ...])",
                fld, "MF005")
            continue
        rows = []
        for r in rows_raw:
            row = []
            for term, coef in r.items():
                if isinstance(coef, bool) or not isinstance(coef, (int, float)):
                    err(f"{fld}: coefficient of {term} must be a number", fld, "MF005")
                    continue
                row.append((_canonical_term(term), float(coef)))
            rows.append(tuple(row))
        contrasts.append(Contrast(label, tuple(rows)))

    if problems:
        raise MlmgenError(problems)
    model = Model(outcome=outcome, cluster=cluster, fixed=tuple(fixed), intercept=intercept, random=random,
                  method=method, ddf=ddf, contrasts=tuple(contrasts), variables=tuple(variables),
                  categoricals=tuple(categoricals), lsmeans=tuple(lsmeans), more_random=tuple(more_random),
                  data=dataname, name=name, title=title, import_file=import_file, residual=residual)
    return validate(model, file)


def _random_part(rnd: dict, fld: str, err, extra_keys: tuple[str, ...] = ()) -> RandomPart | None:
    """A `[random]` table's effects and covariance (MF002 naming `fld`)."""
    keys = (*extra_keys, "effects", "covariance")
    for k in rnd:
        if k not in keys:
            err(f"unknown field {fld}.{k} (fields: {', '.join(keys)})", f"{fld}.{k}")
    effects = rnd.get("effects", ["Intercept"])
    cov = normalise_covariance(rnd.get("covariance", "UN")) if isinstance(rnd.get("covariance", "UN"), str) else None
    if cov is None:
        err(f"{fld}.covariance must be UN or VC (got {rnd.get('covariance')!r})", f"{fld}.covariance")
        cov = "un"
    if not isinstance(effects, list) or not all(isinstance(e, str) for e in effects):
        err(f"{fld}.effects must be a list of names, \"Intercept\" for the random intercept", f"{fld}.effects")
        return None
    has_int = any(_names_intercept(e) for e in effects)
    slopes = tuple(e.strip() for e in effects if not _names_intercept(e))
    return RandomPart(intercept=has_int, slopes=slopes, covariance=cov)


def parse_group(text: str) -> tuple[str, ...]:
    """A grouping path as the model file writes it: `item`, `school/class` or `school:class` (class within
    school; outermost first)."""
    return tuple(p.strip() for p in re.split(r"[/:]", text))


def _random_terms(raw: list, err) -> list[RandomTerm]:
    """`[[random]]` tables: group = "school" | "school/class", effects, covariance."""
    out: list[RandomTerm] = []
    for k, rnd in enumerate(raw):
        fld = f"random[{k}]"
        if not isinstance(rnd, dict):
            err(f"{fld} must be a table with group, effects and covariance", fld)
            continue
        group = rnd.get("group")
        if not isinstance(group, str) or not group.strip():
            err(f"{fld}.group: each [[random]] table needs group = \"factor\" (or \"outer/inner\" for a nested "
                f"factor)", f"{fld}.group")
            continue
        part = _random_part(rnd, fld, err, ("group",))
        if part is not None:
            out.append(RandomTerm(parse_group(group), part.intercept, part.slopes, part.covariance))
    if not out and not raw:
        err("random: an empty [[random]] array; give at least one random term", "random")
    return out


def _residual(raw, err) -> Residual:
    """`[residual]`: type = "UN" (SAS TYPE= spellings: AR(1), TOEP, ...; "ID" = independent), repeated, subject,
    group (MF008 naming the field; the rules are in `model._residual_problems`)."""
    if raw is None:
        return Residual()
    if not isinstance(raw, dict):
        err("residual must be a table: type = \"UN\", repeated = \"visit\", subject = \"id\"", "residual", "MF008")
        return Residual()
    for k in raw:
        if k not in RESIDUAL_KEYS:
            err(f"unknown field residual.{k} (fields: {', '.join(RESIDUAL_KEYS)})", f"residual.{k}", "MF008")
    for k in ("repeated", "subject", "group"):
        if k in raw and not isinstance(raw[k], str):
            err(f"residual.{k} must be a variable name (a string)", f"residual.{k}", "MF008")
    kind = canonical_residual_structure(raw.get("type", "ID"))
    if kind is None:
        err(f"residual.type: unknown structure {raw.get('type')!r}; one of UN, CS, AR(1), TOEP, CSH, ARH(1), TOEPH, "
            f"SP(POW), ID", "residual.type", "MF008")
        return Residual()
    text = {k: raw[k] if isinstance(raw.get(k), str) else None for k in ("repeated", "subject", "group")}
    return Residual(kind, text["repeated"], text["subject"], text["group"])


def _categoricals(raw, err) -> list[Categorical]:
    """`categorical = ["a", "b"]` or a table {name = {levels, reference, coding}} (MF006 naming the field).

    A level may be written as text or a number (`1` and `"1"` are the same level). `reference` is a level, or
    "first" / "last" (a rule, resolved against the levels) unless a declared level is spelled so."""
    if isinstance(raw, list):
        if not all(isinstance(n, str) for n in raw):
            err("categorical must list variable names, or be a table of name = {levels, reference, coding}",
                "categorical", "MF006")
            return []
        return [Categorical(n.strip()) for n in raw]
    if not isinstance(raw, dict):
        err("categorical must be a table of name = {levels, reference, coding}", "categorical", "MF006")
        return []
    out = []
    for name, spec in raw.items():
        fld = f"categorical.{name}"
        if not isinstance(spec, dict):
            err(f"{fld} must be a table {{levels = [...], reference = \"...\", coding = \"treatment\"}} "
                f"(or {{}} for levels from the data)", fld, "MF006")
            continue
        for k in spec:
            if k not in CATEGORICAL_KEYS:
                err(f"{fld}: unknown field {k!r} (fields: {', '.join(CATEGORICAL_KEYS)})", fld, "MF006")
        levels = spec.get("levels")
        if levels is not None:
            if not isinstance(levels, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                       for v in levels):
                err(f"{fld}.levels must be a list of level values (text or numbers)", f"{fld}.levels", "MF006")
                levels = None
            else:
                levels = tuple(level_text(v) for v in levels)
        ref = spec.get("reference", "first")
        if isinstance(ref, bool) or not isinstance(ref, (str, int, float)):
            err(f"{fld}.reference must be a level, \"first\" or \"last\"", f"{fld}.reference", "MF006")
            ref = "first"
        ref = level_text(ref)
        if ref.lower() in ("first", "last") and not (levels and ref in levels):
            ref = FIRST if ref.lower() == "first" else LAST
        coding = spec.get("coding", "treatment")
        if not isinstance(coding, str):
            err(f"{fld}.coding must be \"treatment\" or \"sum\"", f"{fld}.coding", "MF006")
            coding = "treatment"
        coding = {"contr.treatment": "treatment", "dummy": "treatment", "effect": "sum", "effects": "sum",
                  "contr.sum": "sum", "deviation": "sum"}.get(coding.strip().lower(), coding.strip().lower())
        out.append(Categorical(name, levels, ref, coding))
    return out


def _names_intercept(effect: str) -> bool:
    """A random effect written as the intercept: any package's spelling, or `1` as in a formula."""
    return is_intercept(effect) or effect.strip() == "1"


def _canonical_term(text: str) -> str:
    if is_intercept(text):
        return "Intercept"
    return Term.parse(text).name


# ------------------------------------------------------------------ writing

_TOML_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                       "\r": "\\r"}


def _q(s: str) -> str:
    """A TOML basic string: `"` and `\\` escaped, and every control character (C0 U+0000-U+001F, DEL U+007F and
    C1 U+0080-U+009F) written as `\\b \\t \\n \\f \\r` or `\\uXXXX`. TOML 1.0 forbids raw C0 controls (but tab)
    and DEL in basic strings; C1 controls are allowed but escaped too, so a model file shows them."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in _TOML_SHORT_ESCAPES:
            out.append(_TOML_SHORT_ESCAPES[ch])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z0-9_-]+", s) else _q(s)


def model_to_dict(model: Model) -> dict:
    d: dict = {}
    for k in ("name", "title", "data"):
        if getattr(model, k) is not None:
            d[k] = getattr(model, k)
    if model.import_file is not None:
        d["import"] = model.import_file
    d["outcome"] = model.outcome
    d["cluster"] = model.cluster
    if not model.intercept:
        d["intercept"] = False
    d["fixed"] = [t.name if t.order == 1 else "*".join(t.factors) for t in model.fixed]
    d["method"] = model.method.upper()
    d["ddf"] = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "Residual",
                "between-within": "Between-Within", "containment": "Containment", "none": "None"}[model.ddf]
    if model.more_random:
        d["random"] = [{"group": t.path_text, "effects": list(t.effects), "covariance": t.covariance.upper()}
                       for t in model.random_terms]
    else:
        d["random"] = {"effects": list(model.random.effects), "covariance": model.random.covariance.upper()}
    if model.variables:
        d["variables"] = {v.name: (v.expression if v.label is None else {"expr": v.expression, "label": v.label})
                          for v in model.variables}
    if model.categoricals:
        d["categorical"] = {}
        for c in model.categoricals:
            spec: dict = {}
            if c.levels is not None:
                spec["levels"] = list(c.levels)
            if c.reference != FIRST:
                spec["reference"] = "last" if c.reference == LAST else c.reference
            if c.coding != "treatment":
                spec["coding"] = c.coding
            d["categorical"][c.name] = spec
    if model.lsmeans:
        d["lsmeans"] = [t.name if t.order == 1 else "*".join(t.factors) for t in model.lsmeans]
    if not model.residual.independent:
        r = model.residual
        d["residual"] = {"type": r.sas_type, **{k: v for k, v in (("repeated", r.repeated),
                         ("subject", r.subject), ("group", r.group)) if v is not None}}
    if model.contrasts:
        d["contrasts"] = []
        for c in model.contrasts:
            rows = [{t: (int(x) if float(x).is_integer() else x) for t, x in row} for row in c.rows]
            d["contrasts"].append({"label": c.label, "coefficients": rows[0]} if len(rows) == 1
                                  else {"label": c.label, "rows": rows})
    return d


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return fmt_number(v) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return _q(v)
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_val(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def dumps_model(model: Model) -> str:
    """The model as a TOML model file (readable back with `loads_model`)."""
    d = model_to_dict(model)
    out = []
    for k in ("name", "title", "data", "import", "outcome", "cluster", "intercept", "fixed", "method", "ddf",
              "lsmeans"):
        if k in d:
            out.append(f"{k} = {_val(d[k])}")
    for r in (d["random"] if isinstance(d["random"], list) else [d["random"]]):
        out.append("")
        out.append("[[random]]" if "group" in r else "[random]")
        if "group" in r:
            out.append(f"group = {_val(r['group'])}")
        out.append(f"effects = {_val(r['effects'])}")
        out.append(f"covariance = {_val(r['covariance'])}")
    if "variables" in d:
        out.append("")
        out.append("[variables]")
        for k, v in d["variables"].items():
            out.append(f"{_key(k)} = {_val(v)}")
    if "categorical" in d:
        out.append("")
        out.append("[categorical]")
        for k, v in d["categorical"].items():
            out.append(f"{_key(k)} = {_val(v) if v else '{}'}")
    if "residual" in d:
        out.append("")
        out.append("[residual]")
        for k, v in d["residual"].items():
            out.append(f"{k} = {_val(v)}")
    for c in d.get("contrasts", []):
        out.append("")
        out.append("[[contrasts]]")
        out.append(f"label = {_val(c['label'])}")
        if "coefficients" in c:
            out.append(f"coefficients = {_val(c['coefficients'])}")
        else:
            out.append(f"rows = {_val(c['rows'])}")
    return "\n".join(out) + "\n"
