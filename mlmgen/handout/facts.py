"""What a handout says in words: the model described, the numbers that differ between packages and why, the
lecture's interpretation lines, and the likelihood-ratio tests between the models of a lab sequence.

Every sentence is built from the Model, the fits and the package facts mlmgen already holds, read through
the registry (names from each dialect's `printed_term`, `printed_intercept`, `printed_covariance`,
`printed_residual`; counting rules of the information criteria from `engine.criteria`; the df a package prints
from its `printed_df_extra`, e.g. Stata's expected-information Satterthwaite df; the early stops from the
emulated fits of the packages that have an `emulation`). This module names no package.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import MlmgenError
from ..dialects import DIALECTS
from ..model import Model

DDF_WORDS = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger", "residual": "residual",
             "between-within": "between-within", "containment": "containment", "none": "none (large-sample z)"}


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    flagged: set[int] = field(default_factory=set)      # rows whose values differ across packages


# ------------------------------------------------------------------ the model in words

def _variable_words(model: Model) -> dict[str, str]:
    out = {}
    for v in model.variables:
        c = v.constant
        shift = "" if c == 0 else (f" minus {c:g}" if c > 0 else f" plus {-c:g}")
        if v.kind == "shift":
            out[v.name] = f"{v.source}{shift} (centred at a constant: keeps all of {v.source}'s variation)"
        elif v.kind == "cluster_mean":
            out[v.name] = f"the {v.cluster} mean of {v.source}{shift} (level 2: between-cluster differences in {v.source})"
        elif v.kind == "cluster_centered":
            out[v.name] = (f"{v.source} minus its {v.cluster} mean (cluster-mean-centred: level-1 within-cluster "
                           f"variation only)")
        else:
            out[v.name] = f"{v.source} minus its grand mean"
    return out


def model_in_words(model: Model) -> list[str]:
    """Sentences describing the model: outcome, clusters, each fixed term, the random part, the settings."""
    words = _variable_words(model)
    lines = [f"Outcome {model.outcome} for units nested in clusters {model.cluster}."]
    if model.intercept:
        lines.append("Fixed intercept: the expected outcome when every predictor is 0.")
    for t in model.fixed:
        if len(t.factors) == 1:
            lines.append(f"Fixed slope of {t.name}" + (f" = {words[t.name]}." if t.name in words else "."))
        elif len(set(t.factors)) == 1:
            lines.append(f"Fixed quadratic effect {t.name} ({t.factors[0]} squared).")
        else:
            lines.append(f"Fixed interaction {t.name}: how the slope of {t.factors[0]} changes per unit of "
                         f"{' and '.join(t.factors[1:])} (and vice versa).")
    eff = []
    if model.random.intercept:
        eff.append(f"a random intercept (each {model.cluster} has its own mean, U0)")
    eff += [f"a random slope of {s} (each {model.cluster} has its own {s} slope, U{k + 1})"
            for k, s in enumerate(model.random.slopes)]
    cov = ("their variances and covariances all estimated (unstructured)" if model.random.covariance == "un"
           else "variances only (independent random effects)")
    lines.append("Random part: " + "; ".join(eff) + f"; {cov}." if eff else "No random effects.")
    lines.append(f"Estimated by {model.method.upper()}, denominator df by {DDF_WORDS[model.ddf]}.")
    return lines


# ------------------------------------------------------------------ names

def term_names(model: Model) -> Table:
    """Each parameter's name in each package's output (its dialect's `printed_*` facts)."""
    dialects = list(DIALECTS.values())
    rows = [["Intercept"] + [d.printed_intercept for d in dialects]] if model.intercept else []
    for t in model.fixed:
        rows.append([t.name] + [d.printed_term(t.factors) for d in dialects])
    eff = list(model.random.effects)
    un = model.random.covariance == "un"

    def shown(d, effect):
        return d.printed_intercept if effect == "Intercept" else effect

    for i, a in enumerate(eff):
        for j in range(i + 1):
            if i != j and not un:
                continue
            b = eff[j]
            if i == j:
                label = f"variance of {'the random intercept' if a == 'Intercept' else 'the random slope of ' + a}"
            else:
                label = f"covariance of {b} and {a} random effects"
            rows.append([label] + [d.printed_covariance(i, j, shown(d, a), shown(d, b), model.cluster, un)
                                   for d in dialects])
    rows.append(["residual variance"] + [d.printed_residual for d in dialects])
    return Table("Names: the same parameter in each package's output",
                 ["parameter"] + [d.column_heading or d.title for d in dialects], rows,
                 "SAS and SPSS fold the case of names; R and Stata do not. lme4 prints standard deviations and "
                 "correlations beside the variances; SPSS prints covariances (its G matrix), SAS and Stata "
                 "print correlations only on request (GCORR, estat recovariance, correlation).")


# ------------------------------------------------------------------ numbers that differ

def _fmt(x, nd: int = 4) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    return f"{v:.{nd}f}"


def _val(v) -> float | None:
    return None if v is None else float(v.value)


def fit_statistics(outputs) -> Table:
    """-2LL, AIC, BIC as each package prints them, with d and n and the counting rule (engine/criteria.py)."""
    rows = []
    for pkg, out in outputs.items():
        r = out.fit.result
        st = r.fit.get(pkg, {})
        rule = r.extra.get("fit_rules", {}).get(pkg, "")
        rows.append([pkg_title(pkg), _fmt(_val(st.get("-2LL")), 3), _fmt(_val(st.get("AIC")), 3),
                     _fmt(_val(st.get("BIC")), 3), f"{_fmt(_val(st.get('d')), 0)} / {_fmt(_val(st.get('n')), 0)}",
                     rule or DIALECTS[pkg].fit_statistics_label])
    aics = {row[2] for row in rows}
    return Table("Fit statistics: one likelihood, four ways of counting",
                 ["package", "-2LL", "AIC", "BIC", "d / n", "why"], rows,
                 "The -2 log-likelihood is the same quantity everywhere (SAS's differs in the last digits when "
                 "it stops early); AIC and BIC differ because the packages count the parameters d and the "
                 "sample size n differently. Compare models only within one package.",
                 set(range(len(rows))) if len(aics) > 1 else set())


def pkg_title(pkg: str) -> str:
    from ..names import DIALECT_TITLES
    return DIALECT_TITLES[pkg]


def _printed_df(result, term: str, extra: str) -> float | None:
    """The df the package prints for `term`: its own Satterthwaite df kept in `result.extra[extra]` (Stata's
    expected-information df), else the fit's."""
    eim = result.extra.get(extra) if extra and result.ddf == "satterthwaite" else None
    if eim and term in eim:
        return float(eim[term]["df"])
    fe = next((f for f in result.fixed if f.term == term), None)
    return _val(fe.df) if fe else None


def _exact(outputs):
    """The exact fit: the one printed for the first package without an emulation of its optimizer."""
    return next(o for pkg, o in outputs.items() if not DIALECTS[pkg].emulation).fit.result


def _fixed(result, term: str):
    return next((f for f in result.fixed if f.term == term), None)


def df_table(outputs) -> Table:
    """Each fixed effect's denominator df as each package prints it (Stata: its expected-information df)."""
    exact = _exact(outputs)
    rows, flagged = [], set()
    for k, fe in enumerate(exact.fixed):
        vals = [_printed_df(outputs[pkg].fit.result, fe.term, d.printed_df_extra) for pkg, d in DIALECTS.items()]
        rows.append([fe.term] + [_fmt(v, 2) for v in vals])
        if len({_fmt(v, 2) for v in vals}) > 1:
            flagged.add(k)
    note = ("SAS, lmerTest and SPSS compute Satterthwaite df from the observed information at their estimates "
            "(SAS's and lme4's differ slightly because their optimizers stop early). Stata's "
            "dfmethod(satterthwaite) uses the expected information by default, so its df differ; "
            "dfmethod(satterthwaite, oim) gives the others' df."
            if exact.ddf == "satterthwaite" else
            f"All four packages are asked for {DDF_WORDS.get(exact.ddf or '', exact.ddf)} df; they differ only "
            "where an optimizer stops early.")
    return Table("Denominator degrees of freedom of the fixed effects",
                 ["term"] + [d.df_heading or d.title for d in DIALECTS.values()], rows, note, flagged)


def variance_table(outputs) -> Table:
    """The variance components where SAS and lme4 stop, against the exact optimum."""
    exact = _exact(outputs)
    emulated = [pkg for pkg, d in DIALECTS.items() if d.emulation]
    by = {pkg: outputs[pkg].fit.result.cov_by_param() for pkg in emulated}
    rows, flagged = [], set()
    for k, c in enumerate(exact.covariance):
        vals = [_fmt(_val(by[pkg][c.param].estimate) if c.param in by[pkg] else None) for pkg in emulated]
        rows.append([c.param] + vals + [_fmt(_val(c.estimate))])
        if len(set(vals + [rows[-1][-1]])) > 1:
            flagged.add(k)
    return Table("Variance components: where each optimizer stops",
                 ["parameter"] + [DIALECTS[pkg].emulation_heading or DIALECTS[pkg].title for pkg in emulated] +
                 [f"exact optimum ({', '.join(d.short_name for d in DIALECTS.values() if not d.emulation)})"],
                 rows, "SAS PROC MIXED ends its Newton-Raphson iterations once the relative Hessian criterion is "
                 "below 1e-8, an iterate just before the optimum; lme4's default optimizer (BOBYQA) stops when "
                 "its steps become small. Variances can differ in the third or fourth digit, and the fixed "
                 "effects and df that depend on them in their last digits. (Without the `nlopt` package the lme4 "
                 "column shows the exact optimum: see its footnote.)", flagged)


# ------------------------------------------------------------------ interpretation

def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "< .0001" if p < 1e-4 else f"= {p:.4f}"


def interpretation_lines(fit) -> list[str]:
    """The lecture's readings where they apply: contextual effects (as the contrast CMx - WCx in a
    cluster-mean-centred model, or directly as the CMx slope in a hybrid model), the random-slope 95% range,
    and the quadratic heterogeneity of variance a random slope implies."""
    from ..engine.effects import random_effect_ranges
    model, r = fit.model, fit.result
    defs = {v.name: v for v in model.variables}
    fixed = {f.term: f for f in r.fixed}
    lines = []
    for c in r.contrasts:
        est, se, df = _val(c.estimate), _val(c.se), _val(c.df)
        if est is None:
            continue
        text = f"{c.label}: {est:.4f} (SE {se:.4f}, df {df:.1f}, p {_p(_val(c.p))})" if se is not None else \
            f"{c.label}: {est:.4f}"
        if "contextual" in c.label.lower():
            text += (": the contextual effect is a contrast of the between-cluster and the within-cluster slope, the "
                     "extra difference in the outcome per unit higher cluster mean, controlling for the unit's own value")
        lines.append(text)
    for name, v in defs.items():
        if v.kind != "cluster_mean" or name not in fixed:
            continue
        partners = [w for w, d in defs.items() if d.source == v.source and w in fixed and w != name]
        for w in partners:
            kind = defs[w].kind
            if kind == "shift":
                f = fixed[name]
                lines.append(f"Hybrid centring: {w} is constant-centred, so the slope of {name} "
                             f"({_val(f.estimate):.4f}, p {_p(_val(f.p))}) is the L2 contextual effect of "
                             f"{v.source} directly; the between-cluster slope is {name} + {w} = "
                             f"{_val(f.estimate) + _val(fixed[w].estimate):.4f}.")
            elif kind == "cluster_centered":
                b, wv = _val(fixed[name].estimate), _val(fixed[w].estimate)
                lines.append(f"Cluster-mean centring: {name} ({b:.4f}) is the between-cluster slope of {v.source} "
                             f"and {w} ({wv:.4f}) the within-cluster slope; the L2 contextual effect is their "
                             f"difference {name} - {w} = {b - wv:.4f}.")
    for rng in random_effect_ranges(r):
        if rng.effect == "Intercept":
            continue
        lines.append(f"Random slope of {rng.effect}: 95% of {model.cluster} slopes lie between {rng.lower:.4f} and "
                     f"{rng.upper:.4f} (fixed slope {0 if rng.fixed is None else rng.fixed:.4f} +/- 1.96 x SD "
                     f"{rng.sd:.4f}).")
        lines.append(f"Because of the random slope, the outcome's variance is quadratic in {rng.effect}: "
                     f"Var({model.outcome}) = tau0^2 + 2 {rng.effect} tau01 + {rng.effect}^2 tau1^2 + sigma^2 "
                     f"(the variance plot).")
    return lines


# ------------------------------------------------------------------ likelihood-ratio tests

@dataclass
class LRTLine:
    smaller: str
    larger: str
    text: str
    code: str | None = None       # ES001 / ES002 when the REML test is refused


def lrt_lines(labelled_fits, refit_ml) -> list[LRTLine]:
    """The LRT between consecutive models of the sequence: REML when their fixed parts are the same; when REML
    is refused (ES001) the ML refits are compared, as lme4's anova() does; not nested: ES002, said so."""
    from ..engine.effects import likelihood_ratio
    out = []
    for (na, fa), (nb, fb) in zip(labelled_fits, labelled_fits[1:]):
        try:
            t = likelihood_ratio(fa.result, fb.result, (na, nb))
            out.append(LRTLine(na, nb, _lrt_text(t)))
            continue
        except MlmgenError as e:
            d = e.diagnostics[0]
            if d.code != "ES001":
                out.append(LRTLine(na, nb, f"{d.code}: {d.message}.", d.code))
                continue
            refused = d
        ma, mb = refit_ml(fa).result, refit_ml(fb).result
        try:
            t = likelihood_ratio(ma, mb, (na, nb))
            out.append(LRTLine(na, nb, f"{refused.code}: the REML test is refused ({refused.message}). "
                                       f"Refitted by ML: {_lrt_text(t)}", refused.code))
        except MlmgenError as e:
            d = e.diagnostics[0]
            text = f"{d.code}: {d.message}; no likelihood-ratio test."
            if _n_params(ma) == _n_params(mb) and abs(float(ma.neg2ll.value) - float(mb.neg2ll.value)) < 1e-6:
                text += (f" Both have the same ML -2LL ({float(ma.neg2ll.value):.3f}) with the same number of "
                         "parameters: they are the same model, parameterised differently.")
            out.append(LRTLine(na, nb, text, d.code))
    return out


def _n_params(r) -> int:
    return sum(1 for f in r.fixed if not f.aliased) + len(r.covariance)


def _lrt_text(t) -> str:
    p = t.p_mixture if t.p_mixture is not None else t.p_naive
    how = f"50:50 mixture {t.mixture}" if t.mixture else f"chi2({t.df})"
    return (f"{t.method.upper()} -2 delta LL = {t.lr:.3f} on {t.df} df, p {_p(p)} ({how}; {t.smaller} within "
            f"{t.larger}).")
