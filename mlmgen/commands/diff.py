"""`mlmgen diff`: compare packages' printed output with mlmgen's fit, or with each other.

    mlmgen diff MODEL.toml --data FILE OUTPUT...        fit the model, diff every output against the fit
    mlmgen diff --formula "y ~ x + (1 + x | g)" --data FILE OUTPUT...
    mlmgen diff OUTPUT OUTPUT...                        no data: diff the outputs against the first one
    mlmgen diff --hybrid H.txt [--hybrid ...] --cmc C.txt [--cmc ...]
                                                        a hybrid and a cluster-MC table of the same model

Each output is read by its package's reader (sniffed, or --from). Verdicts: DF003 agrees within printed
precision, DF002 differs for a known reason (said in words), DF001 differs, DF004 not comparable; every
output's own numbers are checked for consistency too (DF005: t = est/SE, Z = est/SE, SAS Pr Z, G correlation).
Text for people, --format json for scripts. Exit 0 when everything agrees or is explained, 1 when any DF001
or DF005 or when an output is of another model than the one described (ML vs REML, another df method,
independent vs unstructured G, another data set, missing or extra terms; `--accept SETTING,...` accepts a
known, intended difference), 2 for bad input.

With a model and data, an output of another model is compared with a refit of the model under the settings
the output shows (output_settings.py), and each output gets the explanations mlmgen can compute for it:
the emulated stopping rule of its package (`package_emulation`, from the package's facts: SAS's early stop;
lme4's default optimizer run when mlmgen.engine.lme4_emulation provides it) and the likelihood bound
(likelihood_bound.py).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import click

from ..diagnostics import Diagnostic, Location, MlmgenError, Severity
from ..dialects import DIALECTS, package_choices
from . import handle_errors, load_model_or_formula

VERDICT = {"DF001": "DIFFERS", "DF002": "explained", "DF003": "agrees", "DF004": "n/a", "DF005": "INCONSISTENT"}


@click.command("diff")
@click.argument("args", nargs=-1, type=click.Path(dir_okay=False), metavar="[MODEL.toml] OUTPUT...")
@click.option("--formula", help="an lme4 formula instead of a model file")
@click.option("--data", type=click.Path(dir_okay=False), help="the data the outputs were computed from")
@click.option("--from", "package", help=f"read every OUTPUT as this package's output ({package_choices(aliases=False)})")
@click.option("--method", type=click.Choice(["reml", "ml"], case_sensitive=False), help="override the model's method")
@click.option("--ddf", help="override the model's df method")
@click.option("--na-values", "na_values", metavar="MARKERS",
              help="missing-value markers of a text data file, comma-separated (default: .,NA; empty fields are "
                   "always missing)")
@click.option("--hybrid", "hybrid", multiple=True, type=click.Path(dir_okay=False),
              help="tables of the hybrid parameterisation (with --cmc)")
@click.option("--cmc", "cmc", multiple=True, type=click.Path(dir_okay=False),
              help="tables of the cluster-mean-centred parameterisation (with --hybrid)")
@click.option("--l1", help="hybrid L1 predictor (constant-centred), e.g. verb10")
@click.option("--within", help="cluster-MC L1 predictor, e.g. WCverb")
@click.option("--mean", "mean", help="the cluster mean, e.g. CMverb10")
@click.option("--struck/--no-struck", default=False, help="also check rows struck through in a transcription")
@click.option("--merge", is_flag=True, help="the OUTPUT files are pieces of one output (e.g. SAS tables copied "
              "one by one): read them as one")
@click.option("--accept", "accept", multiple=True, metavar="SETTING[,SETTING]",
              help="accept a known, intended difference between the output and the model described: method, "
              "ddf, covariance, data, random, fixed (exit 0 when the numbers otherwise agree)")
@click.option("--tolerance", type=float, default=0.0, metavar="REL",
              help="relative tolerance added to printed precision (full-precision exports, e.g. 1e-7)")
@click.option("--only-differences", is_flag=True, help="print only rows that do not agree")
@click.option("--format", "fmt", default="text", type=click.Choice(["text", "json"]), show_default=True)
@handle_errors
def diff_cmd(args, formula, data, na_values, package, method, ddf, hybrid, cmc, l1, within, mean, struck, merge,
             accept, tolerance, only_differences, fmt):
    """Diff printed OUTPUT files against mlmgen's fit of MODEL (with --data) or against each other.

    \b
      mlmgen diff MODEL.toml --data FILE OUTPUT...    fit the model, diff every output against the fit
      mlmgen diff --formula "y ~ x + (1 + x | g)" --data FILE OUTPUT...
      mlmgen diff OUTPUT OUTPUT...                     no data: diff the outputs against the first one
      mlmgen diff --hybrid H.txt --cmc C.txt           one model in two parameterisations

    Each OUTPUT (SAS listing, R summary(), Stata log, SPSS tables) is read by its package's reader
    (recognised from the text, or --from). Verdicts: DF003 agrees within printed precision, DF002 differs
    for a known reason, DF001 differs, DF004 not comparable, DF005 an output's own numbers disagree.

    An output of another model than the one described (ML vs REML, another df method, independent vs
    unstructured G, another data set, missing or extra terms) exits 1 with the reason, its rows compared
    with a refit under the output's settings; --accept method,ddf,... accepts an intended difference.

    Exit codes: 0 everything agrees or is explained, 1 any DF001 or DF005 or an output of another model
    (not accepted), 2 bad input."""
    from ..compare import ACCEPT_NAMES, normalise_accept
    model_file, outputs = _split_args(args, formula, data, hybrid, cmc)
    try:
        accepted = normalise_accept(accept)
    except ValueError as exc:
        raise MlmgenError(Diagnostic("CL001", f"--accept {exc}: not a setting (use {', '.join(ACCEPT_NAMES)})",
                                     Severity.ERROR, Location(field="--accept")))
    if not (tolerance >= 0.0 and tolerance < 1.0):
        raise MlmgenError(Diagnostic("CL001", f"--tolerance {tolerance}: a relative tolerance in [0, 1)",
                                     Severity.ERROR, Location(field="--tolerance")))
    unused = [(name, "a model file or --formula") for name, v in (("--method", method), ("--ddf", ddf)) if v
              and not (model_file or formula)]
    unused += [(name, "--hybrid/--cmc") for name, v in (("--l1", l1), ("--within", within), ("--mean", mean))
               if v and not hybrid]
    unused += [("--na-values", "--data")] if na_values is not None and not data else []
    if unused:
        raise MlmgenError([Diagnostic("CL001", f"{name} is used only with {needs}; it would be ignored here",
                                      Severity.ERROR, Location(field=name)) for name, needs in unused])
    model = load_model_or_formula(model_file, formula, method, ddf) if (model_file or formula) else None
    if data and na_values is not None:
        from ..datafiles import DataPath
        data = DataPath(data, na_values)              # every refit below reads the data with these markers
    report = run_diff(model, data, outputs, package=package, hybrid=hybrid, cmc=cmc, l1=l1, within=within,
                      mean=mean, include_struck=struck, model_label=model_file or f'"{formula}"', merge=merge,
                      accept=accepted, tolerance=tolerance)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, default=_num))
    else:
        click.echo(report.text(only_differences=only_differences), nl=False)
    raise SystemExit(report.exit_code)


def _num(o):
    if isinstance(o, float):
        return None
    raise TypeError(type(o))


def _split_args(args, formula, data, hybrid, cmc):
    args = list(args)
    model_file = None
    if args and args[0].lower().endswith(".toml"):
        model_file = args.pop(0)
    if (model_file or formula) and not data:
        raise MlmgenError(Diagnostic("CL001", "a model needs --data FILE to be fitted (or leave the model out to "
                                     "compare outputs with each other)", Severity.ERROR, Location(field="--data")))
    if data and not (model_file or formula):
        raise MlmgenError(Diagnostic("CL001", "--data needs a model file or --formula", Severity.ERROR,
                                     Location(field="--data")))
    if bool(hybrid) != bool(cmc):
        raise MlmgenError(Diagnostic("CL001", "--hybrid and --cmc go together (tables of the same model in both "
                                     "parameterisations)", Severity.ERROR, Location(field="--hybrid/--cmc")))
    if not args and not hybrid:
        raise MlmgenError(Diagnostic("CL001", "give at least one OUTPUT file (or --hybrid/--cmc tables)",
                                     Severity.ERROR, Location(field="OUTPUT")))
    return model_file, args


# ------------------------------------------------------------------ running and reporting

class DiffReport:
    """Everything one `mlmgen diff` run found: comparisons, consistency findings, exit code."""

    def __init__(self, reference, comparisons, consistency, reference_label):
        self.reference = reference
        self.comparisons = comparisons
        self.consistency = consistency          # list of (file, [Finding])
        self.reference_label = reference_label

    @property
    def reference_stopped(self) -> bool:
        """mlmgen's own fit (the reference when a model is given) stopped without a verified optimum (EN001):
        its numbers are not estimates, so no difference can be blamed on the output, and the run exits 1."""
        r = self.reference
        return (r is not None and r.source == "mlmgen" and r.optimisation is not None
                and not r.optimisation.converged)

    @property
    def exit_code(self) -> int:
        if self.reference_stopped:
            return 1
        bad = any(c.blocking for c in self.comparisons)
        bad = bad or any(f.code == "DF005" for _, fs in self.consistency for f in fs)
        return 1 if bad else 0

    def diagnostics(self) -> list:
        """Every difference (DF001, DF002, DF004) and inconsistency (DF005) as a located Diagnostic."""
        from ..diagnostics import Diagnostic, Location, Severity
        out = []
        for c in self.comparisons:
            lines = _lines(c.other.file)
            out += [row_diagnostic(r, c.other.file, lines) for r in c.rows if r.code != "DF003"]
        for f, fs in self.consistency:
            out += [Diagnostic("DF005", x.message, Severity.WARNING, Location(file=x.source or f))
                    for x in fs if x.code == "DF005"]
        return out

    def to_dict(self) -> dict:
        return {"reference": self.reference_label,
                "diagnostics": [d.to_dict() for d in self.diagnostics()],
                "comparisons": [c.to_dict() for c in self.comparisons],
                "consistency": [{"file": f, "findings": [x.to_dict() for x in fs]} for f, fs in self.consistency],
                "exit_code": self.exit_code}

    def text(self, only_differences: bool = False) -> str:
        from ..compare import TITLES
        out = [f"reference: {self.reference_label}"]
        if self.reference_stopped:
            o = self.reference.optimisation
            out.append(f"   NOT AT AN OPTIMUM (EN001): mlmgen's fit stopped without a verified optimum (max|gradient| "
                       f"{o.gradient_norm:.3g}; {o.message}); its numbers are not estimates, so the differences "
                       "below may be mlmgen's, not the output's")
        if len(self.comparisons) > 1:
            out += _side_by_side(self.comparisons, only_differences)
        for c in self.comparisons:
            out.append("")
            part = c.other.extra.get("part")
            # an output read by a dialect's second reader (nlme, glmmTMB summaries) carries its own title
            title = _title(c.other, TITLES)
            out.append(f"== {title}: {c.other.file or '<output>'}"
                       + (f" (model {part[0]} of {part[1]})" if part else ""))
            for s in c.settings:
                if s.accepted:
                    out.append(f"   accepted (--accept {s.name}): {s.reason}")
                else:
                    out.append(f"   NOT THE MODEL DESCRIBED ({s.name}; exit 1, --accept {s.name} if intended): "
                               f"{s.reason}")
            if c.reference_label:
                out.append(f"   rows compared with: {c.reference_label}")
            shown = {s.reason for s in c.settings}
            for _, reason in c.context:
                if reason not in shown:
                    out.append(f"   note: {reason}")
            out += _table(c, only_differences)
            n = c.counts()
            out.append(f"   {n['DF003']} agree, {n['DF002']} differ for a known reason (DF002), "
                       f"{n['DF001']} differ (DF001), {n['DF004']} not comparable (DF004)")
        for f, fs in self.consistency:
            bad = [x for x in fs if x.code == "DF005"]
            shown = fs if not only_differences else bad
            if not fs:
                continue
            out.append("")
            out.append(f"== consistency: {f}  ({len(fs) - len(bad)} consistent, {len(bad)} inconsistent)")
            for x in shown:
                if x.code == "DF003" and x.check in ("t = estimate / SE", "p = two-sided t p(|t|, df)",
                                                     "Z = estimate / SE") and not only_differences:
                    continue            # routine arithmetic that holds: counted, not listed
                out.append(f"   {x.code} {VERDICT.get(x.code, x.code):12s} {x.message}")
        out.append("")
        other = [s for c in self.comparisons for s in c.setting_mismatches]
        if self.exit_code and other and not any(c.mismatches for c in self.comparisons):
            out.append("result: an output is of another model than the one described (exit 1; --accept "
                       + ",".join(sorted({s.name for s in other})) + " if that is intended)")
        elif self.reference_stopped:
            out.append("result: mlmgen's fit did not reach a verified optimum (EN001), nothing is confirmed (exit 1)")
        else:
            out.append("result: " + ("differences found (exit 1)" if self.exit_code else
                                     "everything agrees or is explained (exit 0)"))
        return "\n".join(out) + "\n"


def _title(res, titles) -> str:
    """How the diff names an output: its reader's own title (an output read by a dialect's second reader:
    nlme, glmmTMB summaries), else its package's."""
    return res.extra.get("reader_title") or titles.get(res.source, res.source)


def locate(row, file: str | None, lines: list[str]):
    """Where the output printed this number: the first line holding its printed text (as a whole token) and
    every piece of the parameter's name, else some piece, else just the text. A `Location` or None."""
    from ..diagnostics import Location
    v = row.other
    if v is None or v.printed is None or not lines:
        return None
    text = v.printed.lstrip("<>")
    # the parameter's pieces: `Sex[Female]` -> Sex, Female (R prints SexFemale); the number as a whole token,
    # so a Type III DenDF `25.011` is not found inside a fixed-effect df `25.01129`
    names = [n.strip() for n in re.split(r"[():,\[\]]", row.parameter)
             if n.strip() and n.strip() not in ("var", "cov")]
    token = re.compile(rf"(?<![\w.]){re.escape(text)}(?![\w.])")
    every, some, hit = None, None, None           # a line naming every piece, then any piece, then the number
    for k, ln in enumerate(lines):
        m = token.search(ln)
        if m is None:
            continue
        here = Location(file=file, line=k + 1, col=m.start() + 1, text=text)
        if row.section in ("fit", "info"):
            return here
        found = [n.lower()[:8] in ln.lower() for n in names]
        if found and all(found):
            every = every or here
        elif any(found):
            some = some or here
        hit = hit or here
    return every or some or hit


def row_diagnostic(row, file, lines):
    """A DF001/DF002/DF004 row as a Diagnostic pointing at the printed number."""
    from ..diagnostics import Diagnostic, Fix, Location, Severity
    sev = Severity.ERROR if row.code == "DF001" else Severity.INFO
    msg = (f"{row.section} {row.parameter} {row.statistic}: {_fmt(row.other)} in the output, "
           f"{_fmt(row.reference)} in the reference")
    if row.difference is not None:
        msg += f" (difference {row.difference:.3g}, printed precision allows {row.tolerance:.2g})"
    if row.reason:
        msg += f": {row.reason}"
    fix = Fix(row.reason[row.reason.index("refit"):]) if row.reason and "refit" in row.reason else None
    return Diagnostic(row.code, msg, sev, locate(row, file, lines) or Location(file=file), fix)


MARK = {"DF003": "=", "DF002": "~", "DF001": "!", "DF004": "?"}


def _side_by_side(comparisons, only_differences: bool) -> list[str]:
    """One row per number, one column per output: the printed value and a mark (= agrees, ~ explained,
    ! differs, ? not comparable)."""
    from ..compare import TITLES
    keys: list[tuple] = []
    cells: dict[tuple, dict[int, object]] = {}
    ref_vals: dict[tuple, object] = {}
    for k, c in enumerate(comparisons):
        for r in c.rows:
            key = (r.section, r.parameter, r.statistic)
            if key not in cells:
                keys.append(key)
                cells[key] = {}
            cells[key][k] = r
            if r.reference is not None:
                ref_vals.setdefault(key, r.reference)
    ref_name = TITLES.get(comparisons[0].reference.source, comparisons[0].reference.source)
    names = [f"{_title(c.other, TITLES)} #{k + 1}" for k, c in enumerate(comparisons)]
    out = ["", "== side by side (= agrees, ~ differs for a known reason, ! differs, ? not comparable)",
           f"   {'parameter':30s} {'stat':8s} {ref_name[:14]:>14s} " + " ".join(f"{n[:16]:>16s}" for n in names)]
    for key in keys:
        row = cells[key]
        if only_differences and all(r.code == "DF003" for r in row.values()):
            continue
        vals = []
        for k in range(len(comparisons)):
            r = row.get(k)
            vals.append(f"{(_fmt(r.other) + ' ' + MARK[r.code]) if r else '':>16s}")
        out.append(f"   {key[1][:30]:30s} {key[2]:8s} {_fmt(ref_vals.get(key)):>14s} " + " ".join(vals))
    for k, c in enumerate(comparisons):
        out.append(f"   #{k + 1}: {c.other.file}")
    return out


def _lines(file: str | None) -> list[str]:
    if not file or " + " in file:
        return []
    try:
        return Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _fmt(v) -> str:
    if v is None:
        return "-"
    if v.printed is not None:
        return v.printed
    x = v.value
    if x != x:
        return "nan"
    return f"{x:.6g}" if v.error is not None else f"{x:.8g}"


def _table(c, only_differences: bool) -> list[str]:
    from ..compare import TITLES
    ref_name = TITLES.get(c.reference.source, c.reference.source)
    oth_name = _title(c.other, TITLES)
    rows = [r for r in c.rows if not (only_differences and r.code == "DF003")]
    if not rows:
        return []
    head = (f"   {'section':10s} {'parameter':28s} {'stat':8s} {ref_name[:14]:>14s} {oth_name[:14]:>14s} "
            f"{'difference':>11s}  verdict")
    out = [head]
    reasons: list[str] = []
    for r in rows:
        d = r.difference
        ds = "-" if d is None else f"{d:.3g}"
        note = ""
        if r.reason:
            if r.reason not in reasons:
                reasons.append(r.reason)
            note = f" [{reasons.index(r.reason) + 1}]"
        out.append(f"   {r.section:10s} {r.parameter[:28]:28s} {r.statistic:8s} {_fmt(r.reference):>14s} "
                   f"{_fmt(r.other):>14s} {ds:>11s}  {VERDICT[r.code]} ({r.code}){note}")
    for k, text in enumerate(reasons, 1):
        out.append(f"   [{k}] {text}")
    lines = _lines(c.other.file)
    for r in rows:
        if r.code == "DF001":
            loc = locate(r, c.other.file, lines)
            if loc is not None:
                out.append(f"   {loc}: {r.code} {r.parameter} {r.statistic} printed as {r.other.printed}")
    return out


def run_diff(model, data, outputs, *, package=None, hybrid=(), cmc=(), l1=None, within=None, mean=None,
             include_struck=False, model_label: str | None = None, merge: bool = False,
             accept: set[str] | None = None, tolerance: float = 0.0) -> DiffReport:
    """Read the outputs (a file holding several models is split into them), fit the model when there is
    one, compare, check consistency."""
    from ..compare import compare
    from ..consistency import check_output, check_reparameterisation
    from ..consistency import merge as merge_results
    from ..outputs import read_output_file, read_output_parts
    results = [r for p in outputs for r in read_output_parts(p, package)]
    if merge and len(results) > 1:
        results = [merge_results(results)]
    consistency = [(_part_label(r), check_output(r, include_struck)) for r in results]
    comparisons = []
    reference = None
    label = ""
    if model is not None:
        fit = _fit(model, data)
        reference = fit.result
        reference.source = "mlmgen"
        units = (", ".join(f"{t['levels']} {t['name']}" for t in reference.extra.get("random_terms") or [])
                 if reference.several_random_terms else f"{reference.n_clusters} clusters")
        label = (f"mlmgen fit of {model_label or model.outcome} ({reference.method.upper() if reference.method else '?'}, "
                 f"{reference.ddf}; N {reference.n_obs}, {units}) on {data}")
        for r in results:
            comparisons.append(compare_with_model(model, data, fit, r, accept=accept, tolerance=tolerance))
    elif results:
        reference = results[0]
        label = f"{_part_label(reference)} ({reference.source}); the other outputs are compared with it"
        for r in results[1:]:
            comparisons.append(_compare_outputs(reference, r, accept=accept, tolerance=tolerance))
    if hybrid:
        h = merge_results([read_output_file(p, package) for p in hybrid])
        c = merge_results([read_output_file(p, package) for p in cmc])
        consistency.append((f"hybrid {' + '.join(hybrid)} vs cluster-MC {' + '.join(cmc)}",
                            check_reparameterisation(h, c, l1, within, mean, include_struck)))
        label = label or "hybrid and cluster-MC tables of the same model (no data)"
    return DiffReport(reference, comparisons, consistency, label)


def _compare_outputs(a, b, *, accept=None, tolerance: float = 0.0):
    """Two outputs without a model: factor names read with the levels they show; when their reference levels
    differ, the coefficients that change meaning are listed as not comparable (DF004) with the reason
    (reparameterise.align_outputs), everything else is compared."""
    from ..compare import Row, compare
    from ..dialects import DIALECTS
    from ..reparameterise import align_outputs

    def reader(res):
        d = DIALECTS.get(res.source)
        return d.read_factor_column if d is not None else (lambda name, levels: name)
    aligned = align_outputs(a, b, reader(a), reader(b))
    if aligned is None:
        return compare(a, b, accept=accept, tolerance=tolerance)
    a2, b2, reason, taken = aligned
    cmp = compare(a2, b2, accept=accept, tolerance=tolerance, parameterisation=reason or None)
    cmp.reference, cmp.other = a, b
    for name, fa, fb in taken:
        cmp.rows.append(Row("fixed", name, "estimate", fa.estimate if fa else None, fb.estimate if fb else None,
                            "DF004", reason))
    return cmp


def _part_label(res) -> str | None:
    part = res.extra.get("part")
    return f"{res.file} (model {part[0]} of {part[1]})" if part and res.file else res.file


def compare_with_model(model, data, fit, out, *, accept=None, tolerance: float = 0.0):
    """Compare one output with the model described: find the settings in which the output is of another
    model, refit under the output's settings where possible (method, df method, covariance structure, random
    or fixed terms the output lacks; the df method recognised from the printed df when the output does not
    name it), then compare with that refit, with the output package's emulations and the likelihood bound."""
    from dataclasses import replace

    from ..compare import Setting, compare
    from ..output_settings import output_model, recognise_ddf, recognised_reason
    model = fit.model           # with the categorical levels the data gave (a formula's factor(Days) has none)
    if model.is_multilevel:
        return _compare_several_terms(model, data, fit, out, accept=accept, tolerance=tolerance)
    from ..repeated_numbering import in_model_numbering
    out, numbering_note = in_model_numbering(model, out)     # SAS's REPEATED numbering (REF= level last)
    param = _parameterisation(fit, out)
    pre = compare(param.result(fit) if param else fit.result, out,
                  parameterisation=param.reason if param else None)
    target, resolved = output_model(model, out, pre.settings)
    use_model, use_fit = model, fit
    if target is not None:
        try:
            use_fit, use_model = _fit(target, data), target
        except MlmgenError:
            resolved = []
    if out.ddf is None and any(f.df is not None for f in out.fixed) and out.n_obs in (None, use_fit.result.n_obs):
        methods = recognise_ddf(use_fit, out)
        if methods and use_model.ddf not in methods:
            reason = recognised_reason(out, methods, model.ddf)
            try:
                use_model = use_model.with_(ddf=methods[0])
                use_fit = _fit(use_model, data)
                resolved.append(Setting("ddf", reason, refitted=True))
            except MlmgenError:
                pass
    variant_note = None
    if not use_model.residual.independent:           # SAS's KR variant of an R-side listing (rside_output.py)
        use_fit, variant_note = _kr_variant_refit(use_model, data, use_fit, out)
    changed = [s.name for s in resolved]
    label = None
    if changed:
        r = use_fit.result
        part = (f"R TYPE={use_model.residual.sas_type}" if not use_model.residual.independent else
                f"G {use_model.random.covariance}, random {' + '.join(use_model.random.effects)}")
        label = (f"mlmgen refit under the output's settings ({', '.join(dict.fromkeys(changed))}: "
                 f"{r.method.upper()}, {r.ddf}, {part})")
    ref = use_fit.result
    reexpressed = None
    if param is not None:
        param = param if use_fit is fit else _parameterisation(use_fit, out)   # a refit: its own model
        if param is not None:
            ref, reexpressed = param.result(use_fit), param.changed_columns()
    ref.source = "mlmgen"
    glmmtmb = out.extra.get("se_kind") == "glmmTMB" and not use_model.residual.independent
    if glmmtmb:                                     # glmmTMB's SEs and z tests (rside_fit.py)
        from ..rside_fit import glmmtmb_reference
        ref = glmmtmb_reference(use_fit, ref)
    as_output = param.result if param is not None else None       # emulated refits in the output's coding too
    variant = use_fit.result.extra.get("df_method") if variant_note else None
    emulations = [e for e in [package_emulation(out.source, use_model, data, as_output,
                                                {"repeated_df": variant} if variant else None)] if e is not None]
    facts = DIALECTS.get(out.source)
    if not use_model.residual.independent and not (facts is not None and facts.emulates_repeated_iterate):
        emulations = []           # an R-side fit emulates SAS's iterate only (rside_fit.py); nlme: the bound
    bound = None
    printed = out.extra.get("iteration_neg2ll") or out.neg2ll      # SAS's iteration history: 8 decimals
    if printed is not None and out.method == ref.method and out.n_obs in (None, ref.n_obs):
        from ..likelihood_bound import likelihood_bound
        ll = out.extra.get("loglik")
        how = (f"log likelihood {ll.printed}" if ll is not None and ll.printed else
               f"-2 log L {printed.printed} in its iteration history" if "iteration_neg2ll" in out.extra else None)
        if getattr(use_fit, "repeated_design", None) is not None:
            from ..likelihood_bound_repeated import likelihood_bound_repeated
            bound = likelihood_bound_repeated(use_fit, printed, out.source,
                                              None if facts is not None and facts.repeated_bound_reason else how)
        else:
            bound = likelihood_bound(use_fit, printed, how)
    # the random effects as columns (a categorical slope is `sex[1]`), in the output's coding when re-expressed
    effects = list(ref.random_effects) if use_model.has_categorical else list(use_model.random.effects)
    cmp = compare(ref, out, model_effects=effects, emulations=emulations,
                  settings=[replace(s) for s in resolved], accept=accept, tolerance=tolerance, bound=bound,
                  reference_label=label, parameterisation=param.reason if param else None,
                  reexpressed=reexpressed)
    if variant_note:
        cmp.context.append(("kr-variant", variant_note))
    if numbering_note:
        cmp.context.append(("numbering", numbering_note))
    if glmmtmb:
        from ..rside_fit import GLMMTMB_SE_NOTE
        cmp.context.append(("glmmtmb-se", GLMMTMB_SE_NOTE))
    return cmp


KR_VARIANTS = {"kr_sas": "SAS's DDFM=KR (its Fixed Effects SE Method: Kenward-Roger) = mlmgen's kr_sas: observed "
                         "information, the second-derivative term in SAS's own covariance parameters",
               "kr_sas_firstorder": "SAS's DDFM=KR(FIRSTORDER) (its Fixed Effects SE Method: Prasad-Rao-Jeske-"
                                    "Kackar-Harville) = mlmgen's kr_sas_firstorder: observed information, no "
                                    "second-derivative term (= mmrm's Kenward-Roger-Linear)"}


def _kr_variant_refit(model, data, fit, out):
    """(fit, note): an R-side SAS listing with Kenward-Roger df names its variant (rside_output.kr_variant); the
    model's Kenward-Roger is DDFM=KR (kr_sas), so a KR(FIRSTORDER) listing is compared with a refit computing
    kr_sas_firstorder. The two give the same df and, for structures linear in SAS's parameters (UN, CS, TOEP),
    the same SEs; they differ for AR(1), ARH(1) (docs/repeated.md)."""
    variant = out.extra.get("kr_variant")
    if variant not in KR_VARIANTS or model.ddf != "kenward-roger":
        return fit, None
    if fit.result.extra.get("df_method") != variant:
        fit = _fit(model, data, options={"repeated_df": variant})
    linear = model.residual.structure in ("UN", "CS", "TOEP", "VC")
    return fit, (f"the Kenward-Roger of this listing is {KR_VARIANTS[variant]}; compared with it"
                 + ("; for TYPE=" + model.residual.sas_type + " (linear in its parameters) DDFM=KR and "
                    "KR(FIRSTORDER) give the same numbers" if linear else
                    "; for TYPE=" + model.residual.sas_type + " the two variants give different SEs, and this "
                    "listing's are " + variant))


def _compare_several_terms(model, data, fit, out, *, accept=None, tolerance: float = 0.0):
    """An output against a model with several random terms: covariance parameters term by term
    (compare_groups.py: a crossed reading of a nested term, or the reverse, is a different model unless the
    data give both the same units). An output of another method or df method is compared with mlmgen's refit
    under the output's method and df method (Satterthwaite, Kenward-Roger, residual or z df) and, when a
    term is read crossed where the model nests it (or the reverse), under the output's grouping
    (`compare_groups.regrouped_terms`): the rows then say whether the numbers are otherwise right, and the
    setting still exits 1 unless accepted (`--accept random`). Missing or extra terms are reported, not
    refitted. The packages' emulated stopping rules and
    the likelihood bound are two-level only and not used here."""
    from ..compare import Setting, compare
    from ..compare_groups import regrouped_terms
    from ..model import normalise_ddf
    pre = compare(fit.result, out)
    changes, resolved = {}, []
    terms = regrouped_terms(model, fit.result, out)      # the output's crossed/nested reading of a term
    if terms is not None and terms[0].group[:1] == terms[0].group:
        changes.update(cluster=terms[0].group[0], more_random=tuple(terms[1:]))
        resolved += [Setting("random", s.reason, refitted=True) for s in pre.settings if s.name == "random"]
    for s in pre.settings:
        if s.name == "method" and out.method in ("reml", "ml"):
            changes["method"] = out.method
            resolved.append(Setting("method", s.reason, refitted=True))
        elif s.name == "ddf" and out.ddf and normalise_ddf(out.ddf) in ("satterthwaite", "kenward-roger",
                                                                         "residual", "none"):
            changes["ddf"] = normalise_ddf(out.ddf)
            resolved.append(Setting("ddf", s.reason, refitted=True))
    use_fit, label = fit, None
    if changes:
        try:
            use_fit = _fit(model.with_(**changes), data)
            r = use_fit.result
            names = list(dict.fromkeys("random" if k in ("cluster", "more_random") else k for k in changes))
            label = (f"mlmgen refit under the output's settings ({', '.join(names)}: {r.method.upper()}, "
                     f"{r.ddf}, random terms {' + '.join(t.name for t in use_fit.model.random_terms)})")
        except MlmgenError:
            resolved = []
    ref = use_fit.result
    ref.source = "mlmgen"
    return compare(ref, out, settings=resolved, accept=accept, tolerance=tolerance, reference_label=label)


class _Parameterisation:
    """The output's reference levels / coding when they differ from the model's (reparameterise.py)."""

    def __init__(self, model, out_model, reason):
        self.model, self.out_model, self.reason = model, out_model, reason

    def result(self, fit):
        from ..reparameterise import reexpress
        return reexpress(fit, self.model, self.out_model, self.reason)

    def changed_columns(self) -> set[str]:
        from ..reparameterise import changed_columns
        return changed_columns(self.model, self.out_model)


def _parameterisation(fit, out):
    """When the output's factor rows show other reference levels or another coding than the model's: the
    output's names read into canonical column names, and how to re-express the fit (None otherwise)."""
    from ..dialects import DIALECTS
    from .. import reparameterise as rp
    model = fit.model
    dialect = DIALECTS.get(out.source)
    if dialect is None or not model.has_categorical or not model.levels_known:
        return None
    rp.read_factor_names(out, model, dialect.read_factor_column, sum_numbered=dialect.sum_columns_numbered)
    om = rp.output_model(model, out, fold=not dialect.case_sensitive)
    if om is None:
        return None
    try:
        rp.coding_transform(model, om)
    except ValueError:
        return None
    return _Parameterisation(model, om, rp.describe(model, om, dialect.output_name or dialect.title))


def _fit(model, data, options: dict | None = None):
    try:
        from ..api import fit
        return fit(model, data, options=options)
    except ImportError as exc:            # the engine's assembly step is not in this build
        raise MlmgenError(Diagnostic(
            "CL001", f"mlmgen diff MODEL --data needs mlmgen's engine, which is not available in this build "
            f"({exc}); compare outputs with each other instead: mlmgen diff OUTPUT OUTPUT...",
            Severity.ERROR, Location(field="--data")))


def package_emulation(source: str, model, data, as_output=None, extra_options: dict | None = None):
    """The stopping rule of the output's package reproduced by mlmgen, as a `compare.Emulation` (None when its
    facts name no `emulation`, the mlmgen.fit option that reproduces it): a number the emulated refit
    reproduces is DF002 with the package's `emulation_reason`.

    A package whose stop depends on rounding (its facts' `emulation_perturbation`: lme4's default BOBYQA run
    through nloptr, engine/lme4_emulation.py) is refitted once and, for rows that run does not reproduce, with
    rounding-sized noise (the spread of the runs); without the `nlopt` package its rows keep the package's
    `optimizer_note` with the install hint. Otherwise (SAS's early stop, engine.md 4.4: MIVQUE0 start,
    Newton-Raphson, first iterate with relative Hessian criterion <= 1e-8) the refit is one definite run.
    `as_output` (Fit -> FitResult) re-expresses each refit in the output's coding when the diff does."""
    from ..api import fit as api_fit
    from ..compare import Emulation, emulation
    from ..engine.lme4_emulation import SPREAD_RUNS, combine_runs, explain_default_stop, nlopt_version

    facts = DIALECTS.get(source)
    if facts is None or not facts.emulation:
        return None

    def one(k=0):
        options = {facts.emulation: True, **(extra_options or {})}
        if facts.emulation_perturbation:
            options[facts.emulation_perturbation] = k
        f = api_fit(model, data, options=options)
        res = as_output(f) if as_output is not None else f.result
        res.source = "mlmgen"
        return res

    if not facts.emulation_perturbation:
        return emulation(source, one)

    def refit(spread=False):
        if nlopt_version() is None:
            return None
        return combine_runs([one(k) for k in range(SPREAD_RUNS + 1)]) if spread else one(0)

    def explain(cmp, recompare):
        explain_default_stop(cmp, refit, recompare, optimizer_note=facts.optimizer_note,
                             numerical_df_note=facts.numerical_df_note)

    return Emulation(source, refit, facts.emulation_reason, explain=explain)
