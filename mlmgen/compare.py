"""Diff FitResults: one row per printed number, with a verdict and, where known, the reason.

Verdicts (diagnostic codes):

* DF003 agrees: |a - b| <= h(a) + h(b) + 1e-9 max(|a|, |b|), where h is half a unit in the last printed
  digit (0 for mlmgen's full-precision values; the propagated rounding error for converted values such as
  lme4 covariances from SD and correlation). A printed bound (`<.0001`, `<2e-16`) agrees with any value
  below it.
* DF002 differs for a known reason, named in words, from the catalogue of package conventions
  (package-conventions.md): ML vs REML; independent vs unstructured random effects (both also settings,
  below); a different df method (declared, recognised from the printed df by output_settings.py, or without
  data from whole-number / N - p df: `df_rule_from_printed`); observed vs expected information (Stata's
  dfmethod() default); the likelihood bound (likelihood_bound.py); an emulated stopping rule (`Emulation`);
  information criteria counted differently (each package's AIC/BIC recomputed from its -2LL with its rule);
  SAS's stop before the exact optimum (engine.md 4.4), only when reproduced by a SAS-emulation refit.
* lmerTest's Satterthwaite df come from numerical derivatives: a df within 1e-5 (relative) of mlmgen's
  analytic df is DF002 (measured: at most 1e-6 on the lecture models). Other lme4 numbers within 1e-3 (relative;
  estimates relative to their SE) of mlmgen's stay DF001 with a note on lme4's optimizer tolerance and how to check it.
* DF001 differs, unexplained (or explained by a difference in the model itself: a random slope or fixed
  term missing from the output). Any DF001 makes `mlmgen diff` exit 1.
* DF004 not comparable: the number is on one side only.

Two kinds of reasons are kept apart (`Comparison.settings` against `Comparison.context`):

* settings (`SETTINGS`): the output is not of the model described: ML vs REML, another df method, independent
  vs unstructured G, another data set (N, clusters), random or fixed terms missing or extra. Each is a
  `Setting`; any one not accepted (`accept=`, `mlmgen diff --accept`) makes the diff exit 1 whatever the
  rows say. `mlmgen diff MODEL --data` refits the model under the settings the output shows and passes that
  refit as the reference, so the rows say whether the numbers are otherwise right. A different data set
  never explains a number (its rows stay DF001).
* conventions: same model, numerical or printing convention (SAS's early stop and other emulated stopping
  rules, the likelihood bound of likelihood_bound.py, lmerTest's numerical df, rounding, information
  criteria counted by each package's rule, Stata's expected information): DF002, exit 0.

`tolerance` (relative, `--tolerance`) widens the agreement rule for full-precision exports:
|a - b| <= h(a) + h(b) + max(tolerance, 1e-9) max(|a|, |b|).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

from .dialects import DIALECTS
from .mapping import names_match, resolve_term, term_key
from .results import FitResult, Value, canonical_param
from .compare_groups import compare_terms, compare_units, group_context

FOLDING = {name for name, d in DIALECTS.items() if not d.case_sensitive}
TITLES = {"mlmgen": "mlmgen", **{name: d.output_name for name, d in DIALECTS.items()}}
DF_NAMES = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "residual",
            "between-within": "between-within", "containment": "containment", "none": "none (z tests)"}


@dataclass
class Row:
    section: str                 # fixed | covariance | fit | contrast | info
    parameter: str
    statistic: str
    reference: Value | None
    other: Value | None
    code: str
    reason: str | None = None

    @property
    def difference(self) -> float | None:
        if self.reference is None or self.other is None:
            return None
        return self.other.value - self.reference.value

    @property
    def tolerance(self) -> float | None:
        if self.reference is None or self.other is None:
            return None
        return _tol(self.reference, self.other)

    def to_dict(self) -> dict:
        def v(x):
            return None if x is None else {"value": _finite(x.value), "printed": x.printed,
                                           "half_unit": _finite(x.half_unit)}
        return {"section": self.section, "parameter": self.parameter, "statistic": self.statistic,
                "reference": v(self.reference), "other": v(self.other), "difference": _finite(self.difference),
                "tolerance": _finite(self.tolerance), "code": self.code, "reason": self.reason}


# context kinds that say the output is of another model, and the --accept name of each
SETTINGS = {"method": "method", "ddf": "ddf", "structure": "covariance", "data": "data",
            "model-random": "random", "model-fixed": "fixed"}
ACCEPT_NAMES = ("method", "ddf", "covariance", "data", "random", "fixed")
ACCEPT_ALIASES = {"n": "data", "clusters": "data", "structure": "covariance", "g": "covariance",
                  "df": "ddf", "dfmethod": "ddf", "ddfm": "ddf", "reml": "method", "ml": "method"}


@dataclass
class Setting:
    """A way in which the output is not of the model described (kind a): exit 1 unless accepted."""
    name: str            # method | ddf | covariance | data | random | fixed (the --accept name)
    reason: str
    accepted: bool = False
    refitted: bool = False   # the rows are compared against a refit under the output's setting

    def to_dict(self) -> dict:
        return {"setting": self.name, "reason": self.reason, "accepted": self.accepted, "refitted": self.refitted}


@dataclass
class Emulation:
    """A package's own stopping rule reproduced by mlmgen (SAS's early stop; lme4's default BOBYQA run, see
    commands/diff.py package_emulation, from the package's facts): a differing number that the emulated fit reproduces is DF002 with `reason`."""
    source: str                                  # the package whose output it explains
    refit: Callable[[], FitResult]
    reason: str
    not_reproduced: str | None = None            # said on rows it does not reproduce
    # explain(cmp, recompare): marks the rows itself instead of `_apply_emulation` (recompare(result) -> the
    # Comparison of the same output against `result`); lme4's default stop uses it (engine/lme4_emulation.py)
    explain: Callable[["Comparison", Callable[[FitResult], "Comparison"]], None] | None = None


@dataclass
class Comparison:
    reference: FitResult
    other: FitResult
    rows: list[Row] = field(default_factory=list)
    context: list[tuple[str, str]] = field(default_factory=list)   # (kind, reason in words)
    settings: list[Setting] = field(default_factory=list)
    reference_label: str | None = None           # e.g. "mlmgen refit under the output's settings (ML)"
    tolerance: float = 0.0                       # relative (--tolerance)
    bound: object = None                         # likelihood_bound.LikelihoodBound for this output

    def counts(self) -> dict[str, int]:
        out = {"DF001": 0, "DF002": 0, "DF003": 0, "DF004": 0}
        for r in self.rows:
            out[r.code] += 1
        return out

    @property
    def mismatches(self) -> list[Row]:
        return [r for r in self.rows if r.code == "DF001"]

    @property
    def setting_mismatches(self) -> list[Setting]:
        """Settings in which the output is not of the model described and that were not accepted."""
        return [s for s in self.settings if not s.accepted]

    @property
    def blocking(self) -> bool:
        """Exit 1: a number differs (DF001) or the output is of another model (a setting not accepted)."""
        return bool(self.mismatches or self.setting_mismatches)

    def to_dict(self) -> dict:
        return {"reference": {"source": self.reference.source, "file": self.reference.file,
                              "label": self.reference_label},
                "other": {"source": self.other.source, "file": self.other.file,
                          "part": self.other.extra.get("part")},
                "settings": [x.to_dict() for x in self.settings],
                "context": [{"kind": k, "reason": r} for k, r in self.context],
                "counts": self.counts(), "rows": [r.to_dict() for r in self.rows]}


def _finite(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _tol(a: Value, b: Value, rel: float = 0.0) -> float:
    return a.half_unit + b.half_unit + max(rel, 1e-9) * max(abs(a.value), abs(b.value)) + 1e-12


def agrees(a: Value, b: Value, rel: float = 0.0) -> bool:
    """Printed-precision agreement (module docstring), bounds included; `rel` is --tolerance."""
    if a.bound == "<" and b.bound == "<":
        return True
    if a.bound == "<":
        return b.value < a.value + _tol(a, b, rel)
    if b.bound == "<":
        return a.value < b.value + _tol(a, b, rel)
    return abs(a.value - b.value) <= _tol(a, b, rel)


# ------------------------------------------------------------------ context: what differs by design

def _described(ref: FitResult, r: str) -> str:
    """How the reference is named in a reason: the model the user described, or another output."""
    return "you described" if ref.source == "mlmgen" else f"the {r} output has"


def _context(ref: FitResult, oth: FitResult, model_effects: list[str] | None) -> list[tuple[str, str]]:
    out = []
    o, r = TITLES.get(oth.source, oth.source), TITLES.get(ref.source, ref.source)
    you = _described(ref, r)
    if ref.method and oth.method and ref.method != oth.method:
        out.append(("method", f"ML vs REML: this {o} output was fitted by {oth.method.upper()}; {you} "
                              f"{ref.method.upper()} (variances, standard errors and -2LL differ by design)"))
    diffs = []
    if ref.n_obs and oth.n_obs and ref.n_obs != oth.n_obs:
        diffs.append(f"N {oth.n_obs} vs {ref.n_obs}")
    if ref.n_clusters and oth.n_clusters and ref.n_clusters != oth.n_clusters and not (
            ref.several_random_terms or oth.several_random_terms) and \
            subjects_read_reason(ref, oth) is None:      # several terms: units per term
        diffs.append(f"clusters {oth.n_clusters} vs {ref.n_clusters}")
    if diffs:
        out.append(("data", f"a different data set ({', '.join(diffs)}): this {o} output was computed from "
                            f"other data, so its numbers cannot be checked against "
                            f"{'your data' if ref.source == 'mlmgen' else 'the ' + r + ' output'}"))
    re_ref = [e for e in (model_effects or ref.random_effects)]
    re_oth = list(oth.random_effects)
    fold = ref.source in FOLDING or oth.source in FOLDING
    if re_ref and re_oth:
        missing = [e for e in re_ref if not any(names_match(x, e, fold) for x in re_oth)]
        extra = [x for x in re_oth if not any(names_match(x, e, fold) for e in re_ref)]
        if missing or extra:
            parts = ([f"no random {'slope' if m != 'Intercept' else 'intercept'} for {m}" for m in missing]
                     + [f"an extra random effect {x}" for x in extra])
            out.append(("model-random", f"a different random part: the {o} output has {', '.join(parts)}"
                                        f"{'; you described ' + ' + '.join(re_ref) if ref.source == 'mlmgen' else ''}"))
    if (ref.covariance_structure == "un" and oth.covariance_structure == "vc" and len(re_oth) > 1
            and not any(k == "model-random" for k, _ in out)):
        why = DIALECTS[oth.source].independent_note if oth.source in DIALECTS else ""
        out.append(("structure", f"independent vs unstructured random effects: {o} estimated no covariance"
                                 f"{' (' + why + ')' if why else ''}; {you} an unstructured G"))
    if (ref.covariance_structure == "vc" and oth.covariance_structure == "un" and len(re_oth) > 1
            and not any(k == "model-random" for k, _ in out)):
        out.append(("structure", f"unstructured vs independent random effects: {o} estimated the covariance "
                                 f"of the random effects{_unstructured_note(oth.source)}"
                                 f"; {you} independent effects"))
    for a, b in ((oth, ref), (ref, oth)):
        if a.ddf is None and b.ddf in ("satterthwaite", "kenward-roger") and "ddf_recognised" not in a.extra:
            rule = df_rule_from_printed(a)
            if rule:
                who, other = TITLES.get(a.source, a.source), TITLES.get(b.source, b.source)
                out.append(("ddf", f"a different df method: the {who} df are {rule}; the {other} df are "
                                   f"{DF_NAMES[b.ddf]}" if b.source != "mlmgen" or a is ref else
                                   f"a different df method: the {who} df are {rule}; {you} {DF_NAMES[b.ddf]}"))
    if ref.ddf and oth.ddf and ref.ddf != oth.ddf:
        shown = oth.extra.get("ddf_recognised") or (f"{o} printed z tests (normal p, no df)" if oth.ddf == "none"
                                                    else f"{o} {DF_NAMES.get(oth.ddf, oth.ddf)} df")
        out.append(("ddf", f"a different df method: {shown}; {you} {DF_NAMES.get(ref.ddf, ref.ddf)}"))
    for st, other in ((oth, ref), (ref, oth)):       # a package whose df use the expected information
        note = DIALECTS[st.source].expected_information_note if st.source in DIALECTS else ""
        if (note and other.source != st.source and st.ddf in ("satterthwaite", "kenward-roger")
                and st.extra.get("information") != "oim"):
            out.append(("information", note))
            break
    for res_, who in ((oth, o), (ref, r)):
        warn = res_.extra.get("convergence_warnings")
        if warn:
            out.append(("converge", f"{who} warned that it did not converge ({warn[0]}): its numbers are near, "
                                    f"not at, the optimum"))
    if "kenward-roger" in (ref.ddf, oth.ddf) and ref.ddf != oth.ddf:
        out.append(("kr-se", "Kenward-Roger adjusts the standard errors as well as the df"))
    out += _rside_context(ref, oth)
    residual = _residual_structure_context(ref, oth, o, you)
    if residual:
        out.append(("structure", residual))
    return out


def _residual_structure(res: FitResult) -> str | None:
    """The residual (R-side) structure a fit or output shows, canonical (`UN`, `AR1`, ...); None for none."""
    from .residual import canonical_residual_structure
    return canonical_residual_structure(res.extra.get("residual_structure"))


def _residual_structure_context(ref: FitResult, oth: FitResult, o: str, you: str) -> str | None:
    """A residual structure other than the one described (a CS model against a UN listing): another model, a
    covariance setting (exit 1 unless `--accept covariance`; diff refits under the output's structure)."""
    a, b = _residual_structure(ref), _residual_structure(oth)
    if a is None or b is None or a == b:
        return None
    shown = oth.extra.get("residual_structure")
    return (f"a different residual structure: this {o} output is TYPE={shown}; {you} "
            f"TYPE={ref.extra.get('residual_structure')}")


def _rside_context(ref: FitResult, oth: FitResult) -> list[tuple[str, str]]:
    """Two outputs of an R-side model whose standard errors are computed differently: SAS's two Kenward-Roger
    variants (DDFM=KR and KR(FIRSTORDER), read from its Fixed Effects SE Method: a df setting, the SE rows
    explained), or glmmTMB's SEs with the covariance parameters' uncertainty against model-based ones."""
    out = []
    va, vb = ref.extra.get("kr_variant"), oth.extra.get("kr_variant")
    if va and vb and va != vb:
        out.append(("ddf", f"a different Kenward-Roger variant: {va} vs {vb} (SAS DDFM=KR vs KR(FIRSTORDER), named "
                           "by its Fixed Effects SE Method)"))
        out.append(("kr-se", f"{va} and {vb} adjust the standard errors differently (the second-derivative term)"))
    ka, kb = ref.extra.get("se_kind"), oth.extra.get("se_kind")
    if (ka == "glmmTMB") != (kb == "glmmTMB") and (ref.source != "mlmgen" and oth.source != "mlmgen"):
        out.append(("kr-se", "glmmTMB's REML standard errors include the covariance parameters' uncertainty "
                             "(C + J W J'); the other output's are model-based"))
    return out


def subjects_read_reason(ref: FitResult, oth: FitResult) -> str | None:
    """SAS's Dimensions count every subject of the rows read for a REPEATED fit, also one without a used
    observation (rside_fit.py): the reason when one side's cluster count is the other's subjects read."""
    for a, b in ((ref, oth), (oth, ref)):
        n = a.extra.get("subjects_read")
        facts = DIALECTS.get(b.source)
        if n is not None and facts is not None and facts.counts_subjects_read and b.n_clusters == n \
                and a.n_clusters != n:
            return (f"{TITLES[b.source]}'s subject count includes every subject of the rows read ({n}), also the "
                    f"{n - a.n_clusters} without a used observation; {a.n_clusters} subjects have one")
    return None


def _unstructured_note(source: str) -> str:
    """` (the default of (1 + x | g))` when the package estimates the covariance by default."""
    note = DIALECTS[source].unstructured_note if source in DIALECTS else ""
    return f" ({note})" if note else ""


def df_rule_from_printed(res: FitResult) -> str | None:
    """The df rule an output's printed df show without data (it names no df method): every df N - p is the
    residual rule; whole-number df (two or more) are a df rule (containment, between-within or residual), not
    Satterthwaite or Kenward-Roger, which give fractional df. None when the df say nothing."""
    dfs = [f.df for f in res.fixed if f.df is not None]
    whole_note = DIALECTS[res.source].whole_df_note if res.source in DIALECTS else ""
    if len(dfs) < 2 and not (dfs and whole_note):
        return None
    if res.n_obs and all(abs(d.value - (res.n_obs - len(res.fixed))) < 0.5 for d in dfs):
        return f"residual df (N - p = {res.n_obs - len(res.fixed)})"
    if all(abs(d.value - round(d.value)) < 1e-9 and (d.printed is None or "." not in d.printed) for d in dfs):
        if whole_note:
            return whole_note
        return "whole numbers: a df rule (containment, between-within or residual), not Satterthwaite"
    return None


_MODEL_KINDS = {"model-random", "model-fixed", "data"}     # explain nothing: the rows stay DF001
_ALL_KINDS = {"method", "structure"}


def _explain(section: str, stat: str, ctx: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(code, reason) for a differing number, from the context; None if nothing explains it. Another random
    or fixed part, or another data set, explains nothing (DF001 with the reason); ML vs REML and independent
    vs unstructured G explain every number (DF002; the Setting still makes the diff exit 1 unless accepted);
    a df method only df and p (and SE, t with Kenward-Roger)."""
    model = [r for k, r in ctx if k in _MODEL_KINDS]
    if model:
        return "DF001", "; ".join(model)
    reasons = [r for k, r in ctx if k in _ALL_KINDS]
    if section in ("fixed", "contrast", "type3", "lsmeans", "lsmean diff"):
        stat = "df" if stat == "den_df" else ("t" if stat == "F" else stat)
        if stat in ("df", "p", "t") or stat == "se":
            reasons += [r for k, r in ctx if k == "ddf" and stat in ("df", "p")]
            reasons += [r for k, r in ctx if k == "information" and stat in ("df", "p")]
            reasons += [r for k, r in ctx if k == "kr-se" and stat in ("se", "t", "p")]
    return ("DF002", "; ".join(reasons)) if reasons else None


# ------------------------------------------------------------------ the diff

def normalise_accept(names) -> set[str]:
    """--accept values (comma- or space-separated) as setting names; unknown names raise ValueError."""
    out = set()
    for item in names or ():
        for n in re.split(r"[,\s]+", str(item).strip().lower()):
            if not n:
                continue
            n = ACCEPT_ALIASES.get(n, n)
            if n not in ACCEPT_NAMES:
                raise ValueError(n)
            out.add(n)
    return out


def compare(ref: FitResult, oth: FitResult, *, model_effects: list[str] | None = None,
            emulated_refit: Callable[[], FitResult] | None = None, emulations: list[Emulation] | None = None,
            settings: list[Setting] | None = None, accept: set[str] | None = None, tolerance: float = 0.0,
            bound=None, reference_label: str | None = None, parameterisation: str | None = None,
            reexpressed: set[str] | None = None) -> Comparison:
    """Diff `oth` (a package's printed output) against `ref` (mlmgen's fit, a refit of it under the output's
    settings, or another output).

    settings: ways the output differs from the model described that the caller already resolved by refitting
    (`ref` is then that refit); accept: setting names the user accepts (exit 0); tolerance: relative
    tolerance for full-precision exports; bound: a `likelihood_bound.LikelihoodBound` for this output;
    emulations: the packages' stopping rules reproduced by mlmgen; emulated_refit: the model refitted with the
    stopping rule of the output's package (`emulation(oth.source, emulated_refit)`: SAS's early stop);
    parameterisation: the reason `ref` was re-expressed in the output's reference levels or coding
    (reparameterise.py; same model, so it is context, not a setting), `reexpressed` the fixed columns whose
    meaning changed: their agreeing rows carry the reason. With several random terms on either side the
    covariance parameters are compared term by term (compare_groups.py)."""
    cmp = Comparison(ref, oth, tolerance=tolerance, bound=bound, reference_label=reference_label)
    ctx = _context(ref, oth, model_effects)
    several = ref.several_random_terms or oth.several_random_terms
    if several:                # the two-level random-part context reads the first term only: per term instead
        ctx = [x for x in ctx if x[0] not in ("model-random", "structure")]
        ctx += group_context(ref, oth, TITLES.get(oth.source, oth.source),
                             _described(ref, TITLES.get(ref.source, ref.source)))
    if parameterisation:
        ctx.append(("parameterisation", parameterisation))
    fold = ref.source in FOLDING or oth.source in FOLDING
    # fixed part: terms matched across spellings (and case, for SAS/SPSS)
    ref_terms = [f.term for f in ref.fixed]
    matched = {}
    extra_terms = []
    for f in oth.fixed:
        t = resolve_term(f.term, ref_terms, fold)
        if t is None:
            extra_terms.append(f.term)
        else:
            matched[t] = f
    missing_terms = [t for t in ref_terms if t not in matched]
    if (extra_terms or missing_terms) and ref.fixed and oth.fixed:
        bits = [f"extra {t}" for t in extra_terms] + [f"no {t}" for t in missing_terms]
        you = "; you described " + " + ".join(ref_terms) if ref.source == "mlmgen" else ""
        ctx.append(("model-fixed", f"a different fixed part: the output has {', '.join(bits)}{you}"))
    cmp.context = ctx
    accept = accept or set()
    found = list(settings or [])
    for k, reason in ctx:
        if k in SETTINGS and not any(x.name == SETTINGS[k] and x.reason == reason for x in found):
            found.append(Setting(SETTINGS[k], reason))
    for x in found:
        x.accepted = x.name in accept
    cmp.settings = found
    for f in ref.fixed:
        g = matched.get(f.term)
        if g is None:
            if oth.fixed:
                cmp.rows.append(Row("fixed", f.term, "estimate", f.estimate, None, "DF001",
                                    f"not in this output: {next(r for k, r in ctx if k == 'model-fixed')}"))
            continue
        scale = f.se.value if f.se is not None else 0.0
        for stat in ("estimate", "se", "df", "t"):
            _add(cmp, "fixed", f.term, stat, getattr(f, stat), getattr(g, stat), ctx, scale)
        _add(cmp, "fixed", f.term, "p", f.p, g.p, ctx, alternative=_p_at_printed_df(cmp, "fixed", f.term, f, g))
    for t in (extra_terms if ref.fixed else []):
        g = next(x for x in oth.fixed if x.term == t)
        cmp.rows.append(Row("fixed", t, "estimate", None, g.estimate, "DF001",
                            "in the output but not in the reference model"))
    if parameterisation:
        for r in cmp.rows:
            if r.section == "fixed" and r.parameter in (reexpressed or ()) and r.reason is None:
                r.reason = parameterisation
    _compare_df_range(cmp, ref, oth, ctx)
    if several:
        compare_terms(cmp, ref, oth, ctx, _add, _explain, Row)
    else:
        _compare_cov(cmp, ref, oth, ctx, fold)
    _compare_fit(cmp, ref, oth, ctx)
    if several:
        compare_units(cmp, ref, oth, ctx, Row)
    _compare_contrasts(cmp, ref, oth, ctx)
    _compare_categorical_tables(cmp, ref, oth, ctx, fold)
    _compare_r_matrices(cmp, ref, oth, ctx)
    emus = list(emulations or [])
    if emulated_refit is not None:
        emus.append(emulation(oth.source, emulated_refit))
    emus = [e for e in emus if e.source == oth.source]
    for e in emus:
        if e.explain is not None:          # the package's own rule for marking rows (lme4: spread of runs)
            e.explain(cmp, lambda res: compare(res, oth, model_effects=model_effects, tolerance=tolerance))
        else:
            _apply_emulation(cmp, e)
    _uniform_df_noise(cmp)               # after the emulations: rows they explain are not df noise
    if not any(e.source == oth.source for e in emus):
        _flag_early_stop_candidates(cmp)
    return cmp


def _p_at_printed_df(cmp: Comparison, section: str, name: str, a, b):
    """The reference's p recomputed at the output's printed df: when the df row agrees or is explained (by
    lmerTest's numerical df or the likelihood bound), the p row must follow it, never 'differ' because of the
    same df noise. (Value, reason) or None."""
    from scipy import stats as st
    df_row = next((r for r in reversed(cmp.rows) if r.section == section and r.parameter == name
                   and r.statistic == "df"), None)
    if df_row is None or df_row.code not in ("DF002", "DF003") or a.t is None or b.df is None:
        return None
    if df_row.code == "DF002" and df_row.reason and any(k in df_row.reason for k in ("df method", "information")):
        return None                       # a real df difference: the p row is explained by the same reason
    p = 2.0 * float(st.t.sf(abs(a.t.value), b.df.value))
    why = (f"p follows the printed df {b.df.printed}: "
           + (df_row.reason or "the df agree within their printing") if df_row.code == "DF002" else
           f"p follows the printed df {b.df.printed}, which agrees")
    return Value(p), why


def _add(cmp: Comparison, section: str, name: str, stat: str, a: Value | None, b: Value | None, ctx,
         scale: float = 0.0, alternative=None) -> None:
    if a is None or b is None:
        return
    if agrees(a, b, cmp.tolerance):
        cmp.rows.append(Row(section, name, stat, a, b, "DF003"))
        return
    exp = _explain(section, stat, ctx)
    if exp is None and alternative is not None and agrees(alternative[0], b, cmp.tolerance):
        exp = ("DF002", alternative[1])
    if exp is None:
        conv = [r for k, r in ctx if k == "converge"]
        if conv and abs(a.value - b.value) <= 1e-3 * max(abs(a.value), abs(b.value), 1e-3):
            exp = ("DF002", conv[0])
    two_sided, note = _package_note(cmp, "variance_p_two_sided_note")
    if exp is None and section == "covariance" and stat == "p" and is_variance_row(name) and \
            two_sided is not None and cmp.reference.source != cmp.other.source:
        sp, other = (b, a) if two_sided is cmp.other else (a, b)
        if agrees(sp, Value(min(1.0, 2 * other.value), None, None, 2 * other.half_unit)):
            exp = ("DF002", note)
    if exp is None and cmp.bound is not None:
        from .results import canonical_param
        key = (section, canonical_param(name) if section == "covariance" else name, stat)
        B = cmp.bound.bounds.get(key)
        if B is not None and abs(a.value - b.value) <= _tol(a, b, cmp.tolerance) + B:
            exp = ("DF002", cmp.bound.reason(B))
    if exp is None:
        exp = _numerical(cmp, section, stat, a, b, scale if stat == "estimate" else 0.0)
    if exp:
        cmp.rows.append(Row(section, name, stat, a, b, exp[0], exp[1]))
    else:
        cmp.rows.append(Row(section, name, stat, a, b, "DF001"))


def is_variance_row(name: str) -> bool:
    """A covariance row that is a variance: `var(x)`, or a REPEATED fit's `UN(j,j)`, `Var(j)`, `Residual`,
    `Variance` (with its GROUP= level), `Intercept`."""
    return name.startswith("var(") or re.fullmatch(r"(UN\((\d+),\2\)|Var\(\d+\)|Residual|Variance|Intercept)"
                                                    r"( \[.*\])?", name) is not None


def _package_note(cmp: Comparison, attr: str) -> tuple[FitResult | None, str]:
    """(the side, its note) for the first of the output and the reference whose package's facts set the note
    `attr` (a numerical or printing convention of that package, e.g. `numerical_df_note`); (None, "")."""
    for side in (cmp.other, cmp.reference):
        note = getattr(DIALECTS[side.source], attr) if side.source in DIALECTS else ""
        if note:
            return side, note
    return None, ""


def _numerical(cmp: Comparison, section: str, stat: str, a: Value, b: Value, scale: float = 0.0):
    """Differences at the level of a package's numerical accuracy (module docstring; its facts'
    `numerical_df_note` and `optimizer_note`): df are explained (DF002); other numbers keep DF001 with a note
    saying how to check."""
    numeric, df_note = _package_note(cmp, "numerical_df_note")
    _, optimizer = _package_note(cmp, "optimizer_note")
    if numeric is None and not optimizer:
        return None
    rel = abs(a.value - b.value) / max(abs(a.value), abs(b.value), 1e-12)
    rel_scaled = abs(a.value - b.value) / max(abs(a.value), abs(b.value), scale, 1e-12)   # estimates: vs SE
    if (numeric is not None and section in ("fixed", "contrast", "type3", "lsmeans", "lsmean diff")
            and stat in ("df", "den_df") and rel < 1e-5
            and numeric.ddf == "satterthwaite" and cmp.reference.ddf == cmp.other.ddf):
        return "DF002", df_note
    if optimizer and rel_scaled < 1e-3 and section in ("fixed", "covariance", "contrast", "fit", "type3", "lsmeans",
                                                       "lsmean diff"):
        return "DF001", optimizer
    return None


def _uniform_df_noise(cmp: Comparison) -> None:
    """The same df noise is never explained in one row and left differing in the next: when some small df
    differences (< 1e-3 relative) of an output are explained as a package's numerical df (its facts'
    `numerical_df_note`) and others exceed that precision, all of them (and the p rows that followed them) get
    one verdict, DF001 with the reason (`numerical_df_mixed_note`)."""
    numeric, df_note = _package_note(cmp, "numerical_df_note")
    if numeric is None:
        return
    facts = DIALECTS[numeric.source]
    small = [r for r in cmp.rows if r.statistic == "df" and r.reference is not None and r.other is not None
             and r.code in ("DF001", "DF002") and (r.reason in (None, df_note, facts.optimizer_note or None))
             and abs(r.other.value - r.reference.value) <= 1e-3 * max(abs(r.reference.value), 1e-12)]
    if not any(r.reason == df_note for r in small) or all(r.reason == df_note for r in small):
        return
    worst = max(abs(r.other.value - r.reference.value) / max(abs(r.reference.value), 1e-12) for r in small)
    why = facts.numerical_df_mixed_note.format(worst=worst)
    names = set()
    for r in small:
        r.code, r.reason = "DF001", why
        names.add((r.section, r.parameter))
    for r in cmp.rows:
        if r.statistic == "p" and (r.section, r.parameter) in names and r.reason and \
                r.reason.startswith("p follows the printed df"):
            r.code, r.reason = "DF001", why


def _compare_df_range(cmp: Comparison, ref: FitResult, oth: FitResult, ctx) -> None:
    """Stata prints only the smallest and largest df of the fixed effects (header `DF: min/max`)."""
    dfs = [f.df for f in ref.fixed if f.df is not None]
    if not dfs or not any(k in oth.extra for k in ("df_min", "df_max")) or any(f.df for f in oth.fixed):
        return
    lo, hi = min(dfs, key=lambda v: v.value), max(dfs, key=lambda v: v.value)
    if oth.extra.get("df_min") is not None:
        _add(cmp, "fixed", "(smallest df)", "df", lo, oth.extra["df_min"], ctx)
    if oth.extra.get("df_max") is not None:
        _add(cmp, "fixed", "(largest df)", "df", hi, oth.extra["df_max"], ctx)


def _resolve_param(param: str, effects: list[str], fold: bool) -> str:
    m = re.fullmatch(r"(var|cov)\((.*)\)", param)
    if not m:
        return param
    names = []
    for n in m.group(2).split(","):
        n = n.strip()
        hit = next((e for e in effects if names_match(n, e, fold)), n)
        names.append(hit)
    return canonical_param(f"{m.group(1)}({','.join(names)})")


def _compare_cov(cmp: Comparison, ref: FitResult, oth: FitResult, ctx, fold: bool) -> None:
    if not ref.covariance:
        return
    effects = list(ref.random_effects) + ["Intercept", "Residual"]
    ref_by = {canonical_param(c.param): c for c in ref.covariance}
    ref_by_label = {c.name.upper(): c for c in ref.covariance}
    seen = set()
    for c in oth.covariance:
        p = _resolve_param(c.param, effects, fold)
        r = ref_by.get(p)
        if r is None and re.fullmatch(r"UN\(\d+,\d+\)", c.name) and not c.param.startswith(("var(", "cov(")):
            r = ref_by_label.get(c.name.upper())      # no effect names printed: match SAS labels
        if r is None:
            exp = _explain("covariance", "estimate", ctx)
            cmp.rows.append(Row("covariance", p, "estimate", None, c.estimate, exp[0] if exp else "DF001",
                                exp[1] if exp else "in the output but not in the reference"))
            continue
        seen.add(id(r))
        for stat in ("estimate", "se", "z", "p"):
            _add(cmp, "covariance", _label(r), stat, getattr(r, stat), getattr(c, stat), ctx)
    for r in ref.covariance:
        if id(r) in seen or not oth.covariance:
            continue
        exp = _explain("covariance", "estimate", ctx)
        if r.param.startswith("cov(") and any(k == "structure" for k, _ in ctx):
            exp = ("DF002", next(v for k, v in ctx if k == "structure"))
        cmp.rows.append(Row("covariance", _label(r), "estimate", r.estimate, None,
                            exp[0] if exp else "DF004", exp[1] if exp else "not in this output"))


def _label(c) -> str:
    """The row name of a covariance parameter: `var(x)`/`cov(x,y)`, SAS's label (`UN(2,1)`), or for a REPEATED
    fit's `residual:AR(1) [ARMCD PBO]` / `G:Intercept` the label with its GROUP= level (`AR(1) [ARMCD PBO]`)."""
    if c.param.startswith(("var(", "cov(")):
        return c.param
    if c.param.startswith(("residual:", "G:")):
        return c.param.split(":", 1)[1]
    return c.name


def _compare_fit(cmp: Comparison, ref: FitResult, oth: FitResult, ctx) -> None:
    if ref.neg2ll is not None and oth.neg2ll is not None:
        _add(cmp, "fit", "-2 log likelihood", "value", ref.neg2ll, oth.neg2ll, ctx)
    several = ref.several_random_terms or oth.several_random_terms    # units per term: compare_units
    for k in ("n_obs",) if several else ("n_obs", "n_clusters"):
        a, b = getattr(ref, k), getattr(oth, k)
        if a is not None and b is not None:
            va, vb = Value(float(a)), Value(float(b))
            code = "DF003" if a == b else "DF001"
            why = subjects_read_reason(ref, oth) if k == "n_clusters" and a != b else None
            cmp.rows.append(Row("info", k, "value", va, vb, "DF002" if why else code,
                                why or (None if a == b else next((r for kk, r in ctx if kk == "data"), None))))
    pkg = oth.source
    stats = oth.fit.get(pkg) or {}
    if not stats:
        return
    own = ref.fit.get(pkg) or {}
    for name, v in stats.items():
        if name in ("Parms", "logLik"):
            continue
        if name in own:                               # mlmgen computed this package's rule: compare directly
            a = own[name]
            if agrees(a, v, cmp.tolerance):
                cmp.rows.append(Row("fit", name, pkg, a, v, "DF003", f"computed with {TITLES[pkg]}'s counting rule"))
            else:
                exp = _explain("fit", name, ctx)
                cmp.rows.append(Row("fit", name, pkg, a, v, exp[0] if exp else "DF001", exp[1] if exp else None))
            continue
        ref_stats = ref.fit.get(ref.source) or {}
        a = ref_stats.get(name)
        if a is None or ref.neg2ll is None or oth.neg2ll is None:
            continue
        if agrees(a, v, cmp.tolerance):
            cmp.rows.append(Row("fit", name, pkg, a, v, "DF003"))
            continue
        pen_o, pen_r = v.value - oth.neg2ll.value, a.value - ref.neg2ll.value
        if agrees(ref.neg2ll, oth.neg2ll) and abs(pen_o - pen_r) > v.half_unit + a.half_unit + oth.neg2ll.half_unit:
            cmp.rows.append(Row("fit", name, pkg, a, v, "DF002",
                                f"information criteria counted differently: {TITLES[pkg]} adds {pen_o:.2f} to "
                                f"-2LL, {TITLES.get(ref.source, ref.source)} adds {pen_r:.2f} (the -2LL agree; "
                                f"each package counts parameters and n by its own rule)"))
        else:
            exp = _explain("fit", name, ctx)
            cmp.rows.append(Row("fit", name, pkg, a, v, exp[0] if exp else "DF001", exp[1] if exp else None))


def _compare_contrasts(cmp: Comparison, ref: FitResult, oth: FitResult, ctx) -> None:
    if not ref.contrasts or not oth.contrasts:
        return
    by_label = {c.label.strip().lower(): c for c in ref.contrasts}
    for k, c in enumerate(oth.contrasts):
        r = by_label.get(c.label.strip().lower())
        if r is None and len(oth.contrasts) == len(ref.contrasts):
            r = ref.contrasts[k]                      # unlabelled tests (contest1D, L1, lincom) in order
        if r is None:
            continue
        scale = r.se.value if r.se is not None else 0.0
        for stat in ("estimate", "se", "df", "t", "p", "f"):
            alt = _p_at_printed_df(cmp, "contrast", r.label, r, c) if stat == "p" else None
            _add(cmp, "contrast", r.label, stat, getattr(r, stat), getattr(c, stat), ctx, scale, alternative=alt)


def r_element(i: int, j: int, correlation: bool) -> str:
    """The row name of an element of SAS's R (RCORR) matrix: `R(2,1)`, `RCORR(2,1)`."""
    return ("RCORR({},{})" if correlation else "R({},{})").format(i, j)


def _r_of_first_subject(res: FitResult, correlation: bool):
    """(subject id, lower-triangle rows as Values) of the R (RCORR) matrix of a REPEATED fit's first subject:
    read from a listing (`R_matrix_printed`, rside_output.py) or mlmgen's fit (`R_matrix` over the visits the
    first subject has, `first_positions`)."""
    printed = res.extra.get("R_correlation_printed" if correlation else "R_matrix_printed")
    if printed is not None:
        subject = str(res.extra.get("r_subject") or "").split()
        return (subject[-1] if subject else None), printed
    R = res.extra.get("R_correlation" if correlation else "R_matrix")
    pos = res.extra.get("first_positions")
    if not R or pos is None or len(R) != 1:
        return None, None
    return str(res.extra.get("first_cluster")), [[Value(float(R[0][a][b])) for b in pos] for a in pos]


def _compare_r_matrices(cmp: Comparison, ref: FitResult, oth: FitResult, ctx) -> None:
    """SAS's Estimated R (Correlation) Matrix of the first subject (section `R matrix`, `R(i,j)` and
    `RCORR(i,j)` for i >= j, numbered over the visits the subject has), when both sides show the same subject."""
    for corr in (False, True):
        sa, a = _r_of_first_subject(ref, corr)
        sb, b = _r_of_first_subject(oth, corr)
        if a is None or b is None or sa != sb or len(a) != len(b):
            continue
        for i in range(len(a)):
            for j in range(i if corr else i + 1):          # RCORR's unit diagonal is not compared
                _add(cmp, "R matrix", r_element(i + 1, j + 1, corr), "value", a[i][j], b[i][j], ctx)


def _compare_categorical_tables(cmp: Comparison, ref: FitResult, oth: FitResult, ctx, fold: bool) -> None:
    """Type III tests (section `type3`, by term), LS-means (`lsmeans`, by term and levels) and their
    differences (`lsmean diff`; a difference printed the other way round, b - a, is compared negated). These
    do not depend on the coding, so they are compared whatever the reference levels. Levels compare as
    text (case folded for SAS/SPSS)."""
    terms = [r.term for r in ref.type3]
    by_term = {r.term: r for r in ref.type3}
    for o in oth.type3:
        t = resolve_term(o.term, terms, fold)
        if t is None:
            continue
        r = by_term[t]
        for stat, a, b in (("num_df", r.num_df, o.num_df), ("den_df", r.den_df, o.den_df), ("F", r.F, o.F),
                           ("p", r.p, o.p)):
            _add(cmp, "type3", t, stat, a, b, ctx)

    def key(term, levels):
        lv = tuple(x.upper() for x in levels) if fold else tuple(levels)
        return term_key(term, fold), lv

    means = {key(r.term, r.levels): r for r in ref.lsmeans}
    for o in oth.lsmeans:
        r = means.get(key(o.term, o.levels))
        if r is None:
            continue
        name = f"{r.term} {' '.join(r.levels)}"
        for stat in ("estimate", "se", "df", "t", "p"):
            _add(cmp, "lsmeans", name, stat, getattr(r, stat), getattr(o, stat), ctx)
    diffs = {(key(r.term, r.levels_a), key(r.term, r.levels_b)[1]): r for r in ref.lsmean_diffs}
    for o in oth.lsmean_diffs:
        r = diffs.get((key(o.term, o.levels_a), key(o.term, o.levels_b)[1]))
        sign = 1.0
        if r is None:
            r = diffs.get((key(o.term, o.levels_b), key(o.term, o.levels_a)[1]))
            sign = -1.0
        if r is None:
            continue
        name = f"{r.term} {' '.join(o.levels_a)} - {' '.join(o.levels_b)}"
        for stat in ("estimate", "se", "df", "t", "p"):
            a = getattr(r, stat)
            if a is not None and sign < 0 and stat in ("estimate", "t"):
                a = Value(-a.value, a.printed, a.bound, a.error)
            _add(cmp, "lsmean diff", name, stat, a, getattr(o, stat), ctx)


# ------------------------------------------------------------------ a package's early stop (SAS: engine.md 4.4)

def _early_stop_candidate(r: Row, cmp: Comparison) -> bool:
    if r.code != "DF001" or r.reference is None or r.other is None or r.reason is not None:
        return False
    if r.section not in ("fixed", "covariance", "contrast", "fit"):
        return False
    a, b = r.reference.value, r.other.value
    return abs(a - b) <= 2e-3 * max(abs(a), abs(b), 1e-8)


def _flag_early_stop_candidates(cmp: Comparison) -> None:
    """Small unexplained differences of an output whose package stops before the optimum (its facts'
    `early_stop_note`) when its emulated refit did not run: the note says so, unconfirmed."""
    facts = DIALECTS.get(cmp.other.source)
    if facts is None or not facts.early_stop_note:
        return
    for r in cmp.rows:
        if _early_stop_candidate(r, cmp):
            r.reason = facts.early_stop_note


def emulation(source: str, refit: Callable[[], FitResult]) -> Emulation:
    """The stopping rule of package `source` (its facts' `emulation`, e.g. SAS's early stop, engine.md 4.4) as
    an `Emulation`: `refit()` is the model refitted with that rule; the reasons are the package's facts."""
    facts = DIALECTS[source]
    return Emulation(source, refit, facts.emulation_reason, facts.emulation_not_reproduced or None)


def _numerical_noise_note(reason: str) -> bool:
    """Is `reason` one of the packages' notes on numerical accuracy (`optimizer_note`, or the verdict
    `numerical_df_mixed_note` gives)? An emulation may still explain such a row."""
    for d in DIALECTS.values():
        mixed = d.numerical_df_mixed_note.split("{", 1)[0]
        if (d.optimizer_note and reason == d.optimizer_note) or (mixed and reason.startswith(mixed)):
            return True
    return False


def _apply_emulation(cmp: Comparison, emu: Emulation) -> None:
    """Every unexplained difference is checked against the emulated fit: the emulation is a definite
    computation, so a number it reproduces is explained whatever the size of the difference. Rows whose
    reason is a model difference (another random or fixed part, another data set) are left alone."""
    cands = [r for r in cmp.rows if r.code == "DF001" and r.reference is not None and r.other is not None
             and r.section in ("fixed", "covariance", "contrast", "fit", "type3", "lsmeans", "lsmean diff",
                               "R matrix")
             and (r.reason is None or _numerical_noise_note(r.reason))]
    if not cands:
        return
    sub = compare(emu.refit(), cmp.other, tolerance=cmp.tolerance)
    ok = {(r.section, r.parameter, r.statistic) for r in sub.rows if r.code == "DF003"}
    for r in cands:
        if (r.section, r.parameter, r.statistic) in ok:
            r.code, r.reason = "DF002", emu.reason
        elif emu.not_reproduced and r.reason is None:
            r.reason = emu.not_reproduced
