"""Do several snippets (any mix of packages) describe the same model? List every difference.

Compared, in this order: outcome, cluster, fixed intercept, fixed terms (by term key: `x:z` = `z*x`),
random effects, further random terms (several grouping factors: grouping, effects, covariance), categorical
predictors (a variable categorical in one snippet and continuous in another is
a different model; declared level sets that differ are a different model; a different reference level or
coding is the same model in another parameterisation, reported with how the coefficients map, not as a
model difference), covariance structure of the random effects (only where there are two or more effects:
with one effect UN and VC are the same model), estimation method, df method, contrasts (by their
coefficients; rows of a joint test in any order; zero coefficients ignored), data-set name (only among
snippets that name one), syntax errors the package itself would stop at (a snippet that does not run
is not the same model: the lecture's Stata `e.hw2`), and constructs the reader dropped (SY004 warnings and
errors: a weight, a second model such as R's `m2 <- update(m, REML = FALSE)`; the snippet then fits more
than the model compared). R's `m <- update(m, REML = FALSE)` and `update(m, . ~ . + z)` change the model
read (see the R reader).

Names: SAS and SPSS fold case, R and Stata do not. Two spellings that differ only in case are the same
name when every snippet involved is SAS/SPSS; when an R or Stata snippet is involved the case difference
is reported (it is an error there), e.g. the lecture's 4a where R says `data=example` and SAS `Example`.

Differences are `material` (the snippets fit different models or one of them fails) or not (a contrast
label spelled differently, a setting written in one snippet and left to an equal package default in
another). `Comparison.same` is True when no material difference is found.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .categorical import FIRST, LAST, Categorical
from .diagnostics import Severity
from .dialects import DIALECTS
from .model import Model, RandomPart, RandomTerm

CASE_SENSITIVE = {name: d.case_sensitive for name, d in DIALECTS.items()}
TITLES = {**{name: d.language for name, d in DIALECTS.items()}, None: "model"}


def _case_folding_languages() -> str:
    """`SAS and SPSS`: the languages that ignore the case of names."""
    langs = [d.language for d in DIALECTS.values() if not d.case_sensitive]
    return ", ".join(langs[:-1]) + " and " + langs[-1] if len(langs) > 1 else "".join(langs)


@dataclass
class Snippet:
    """One thing to compare: a label (file name), its package, the model, and what the parser saw."""

    label: str
    dialect: str | None
    model: Model | None
    data: str | None = None                 # data-set name as written (None = not named)
    explicit: dict = field(default_factory=dict)
    diagnostics: list = field(default_factory=list)
    reference_written: frozenset | None = None  # categoricals whose reference the snippet names (None: unknown)

    @staticmethod
    def from_parsed(label: str, ps) -> "Snippet":
        data = ps.data if ps.data is not None else (ps.model.data if ps.model is not None else None)
        if ps.model is not None and ps.model.data is not None:
            data = ps.model.data      # compare member names (SAS work.Example -> Example)
        return Snippet(label, ps.dialect, ps.model, data, dict(ps.explicit), list(ps.diagnostics),
                       frozenset(ps.extra.get("reference_written", ())))

    @property
    def case_sensitive(self) -> bool:
        return CASE_SENSITIVE.get(self.dialect, True)

    @property
    def title(self) -> str:
        return f"{self.label} ({TITLES.get(self.dialect, self.dialect)})" if self.dialect else self.label


@dataclass
class Difference:
    aspect: str          # outcome cluster intercept fixed random covariance method ddf contrast data syntax
    message: str
    material: bool = True

    def __str__(self) -> str:
        return f"{self.aspect}: {self.message}" + ("" if self.material else " (not a model difference)")


@dataclass
class Comparison:
    snippets: list[Snippet]
    differences: list[Difference]
    agreements: list[str]

    @property
    def same(self) -> bool:
        return not any(d.material for d in self.differences)

    def agreement_heading(self) -> str:
        """`In all 5:`, or `In the 4 read (not read: b.sas):` when a snippet has no model: agreements are among
        the snippets whose model was read."""
        unread = [s.label for s in self.snippets if s.model is None]
        read = len(self.snippets) - len(unread)
        if not unread:
            return f"In all {read}:"
        return f"In the {read} read (not read: {', '.join(unread)}):"

    def format(self) -> str:
        n = len(self.snippets)
        out = [f"Compared {n} snippets: " + "; ".join(s.title for s in self.snippets)]
        mat = [d for d in self.differences if d.material]
        out.append("SAME MODEL" if self.same else f"DIFFERENT: {len(mat)} difference{'s' if len(mat) != 1 else ''}")
        for d in self.differences:
            out.append(f"  - {d}")
        if self.agreements:
            out.append(self.agreement_heading())
            out.extend(f"  {a}" for a in self.agreements)
        return "\n".join(out)


def _names(snips: list[Snippet], values: list[str | None], what: str, aspect: str,
           diffs: list[Difference]) -> str | None:
    """Compare one name across snippets (None = not given). Returns the agreed name or None."""
    given = [(s, v) for s, v in zip(snips, values) if v is not None]
    if not given:
        return None
    exact = {v for _, v in given}
    folded = {v.upper() for _, v in given}
    if len(exact) == 1:
        return given[0][1]
    groups: dict[str, list[str]] = {}
    for s, v in given:
        groups.setdefault(v, []).append(s.label)
    listing = "; ".join(f"{v!r} in {', '.join(ls)}" for v, ls in groups.items())
    if len(folded) == 1:
        sensitive = [s for s, _ in given if s.case_sensitive]
        if sensitive:
            diffs.append(Difference(aspect, f"{what} spelled differently: {listing} (case matters in "
                                    f"{', '.join(sorted({TITLES[s.dialect] for s in sensitive}))})"))
            return None
        else:
            diffs.append(Difference(aspect, f"{what} spelled differently: {listing} (same name in "
                                    f"{_case_folding_languages()}, which ignore case)", material=False))
        return given[0][1]
    diffs.append(Difference(aspect, f"{what} differs: {listing}"))
    return None


def _fold(s: Snippet, name: str) -> str:
    return name.upper()


def compare(snips: list[Snippet]) -> Comparison:
    """Every difference among the snippets' models (see module docstring)."""
    diffs: list[Difference] = []
    agree: list[str] = []
    for s in snips:
        for d in s.diagnostics:
            if d.severity == Severity.ERROR and d.code in ("SY001", "SY002", "SY003", "SY004", "RN001") or \
                    d.code == "SY004" and d.severity == Severity.WARNING:
                loc = d.location
                where = f"{loc.line}:{loc.col}" if loc.line else ""
                txt = f" ({loc.text!r})" if loc.text and len(loc.text) < 60 and loc.text not in d.message else ""
                diffs.append(Difference("syntax", f"{s.label} {where}: {d.code} {d.message}{txt}"))
    ok = [s for s in snips if s.model is not None]
    for s in snips:
        if s.model is None:
            diffs.append(Difference("syntax", f"{s.label}: no model could be read"))
    if len(ok) < 1:
        return Comparison(snips, diffs, agree)
    ms = _align_first_terms([s.model for s in ok])

    out = _names(ok, [m.outcome for m in ms], "the outcome", "outcome", diffs)
    if out:
        agree.append(f"outcome: {out}")
    cl = _names(ok, [m.cluster for m in ms], "the cluster (subject) variable", "cluster", diffs)
    if cl:
        agree.append(f"cluster: {cl}")

    ints = {m.intercept for m in ms}
    if len(ints) > 1:
        diffs.append(Difference("intercept", "fixed intercept: " + "; ".join(
            f"{'yes' if m.intercept else 'no (removed)'} in {s.label}" for s, m in zip(ok, ms))))

    _term_sets(ok, [[t.factors for t in m.fixed] for m in ms], "fixed term", "fixed", diffs, agree,
               "fixed terms")
    _term_sets(ok, [[("Intercept",)] * m.random.intercept + [(v,) for v in m.random.slopes] for m in ms],
               "random effect", "random", diffs, agree, "random effects")

    _more_random(ok, ms, diffs, agree)
    _categoricals(ok, ms, diffs, agree)

    multi = [(s, m) for s, m in zip(ok, ms) if m.random.q > 1]
    covs = {m.random.covariance for _, m in multi}
    if len(covs) > 1:
        diffs.append(Difference("covariance", "covariance of the random effects: " + "; ".join(
            f"{_cov(m.random.covariance)}{_dflt(s, 'covariance')} in {s.label}" for s, m in multi)))
    elif covs:
        agree.append(f"covariance: {_cov(covs.pop())}")
    _residuals(ok, ms, diffs, agree)
    _setting(ok, ms, "method", {"reml": "REML", "ml": "ML"}, diffs, agree)
    _setting(ok, ms, "ddf", {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger",
                             "residual": "residual", "between-within": "between-within",
                             "containment": "containment", "none": "none (large-sample z)"}, diffs, agree)
    _contrasts(ok, ms, diffs, agree)
    _lsmeans(ok, ms, diffs, agree)
    named = [s for s in ok if s.data is not None]
    if named:
        dn = _names(named, [s.data for s in named], "the data set", "data", diffs)
        if dn:
            agree.append(f"data set: {dn}" + ("" if len(named) == len(ok) else
                                              f" (named in {len(named)} of {len(ok)})"))
    return Comparison(snips, diffs, agree)


def _align_first_terms(ms: list[Model]) -> list[Model]:
    """With several grouping factors, which single-factor term a snippet writes first is not part of the model
    (SAS `SUBJECT=item` before `SUBJECT=subject`, lme4 `(1 | item) + (1 | subject)`): a model whose cluster
    differs from the first model's, but which has a term grouped by that cluster (case folded) among its
    further terms, is compared with that term as its first one, so that only real differences are reported."""
    want = ms[0].cluster.upper()
    out = [ms[0]]
    for m in ms[1:]:
        k = next((i for i, t in enumerate(m.more_random) if len(t.group) == 1 and t.group[0].upper() == want),
                 None)
        if m.cluster.upper() == want or k is None or not m.residual.independent:
            out.append(m)
            continue
        t = m.more_random[k]
        old = RandomTerm((m.cluster,), m.random.intercept, m.random.slopes, m.random.covariance)
        more = (old,) + m.more_random[:k] + m.more_random[k + 1:]
        out.append(replace(m, cluster=t.group[0], random=RandomPart(t.intercept, t.slopes, t.covariance),
                           more_random=more))
    return out


def _more_random(ok, ms, diffs, agree) -> None:
    """Random terms beyond the first (several grouping factors): the same set of terms, each its grouping
    (an interaction or nested path order-free: `a:b` is `b:a`), effects and covariance (with one effect UN
    and VC are the same). A nested term `(1 | school:class)` and a crossed `(1 | class)` are different models
    whatever the ids look like."""
    def desc(t) -> str:
        cov = "" if t.q == 1 else (" independent" if t.covariance == "vc" else " unstructured")
        return f"({' + '.join(t.effects)} | {t.name}){cov}"

    def key(t) -> tuple:
        return (tuple(sorted(g.upper() for g in t.group)), tuple(sorted(e.upper() for e in t.effects)),
                t.covariance if t.q > 1 else "")
    sets = [frozenset(key(t) for t in m.more_random) for m in ms]
    if len(set(sets)) > 1:
        diffs.append(Difference("random", "random terms besides the first (grouping factors): " + "; ".join(
            f"{', '.join(desc(t) for t in m.more_random) or 'none'} in {s.label}" for s, m in zip(ok, ms))))
    elif sets[0]:
        agree.append("further random terms: " + ", ".join(desc(t) for t in ms[0].more_random))


def _residual_text(r) -> str:
    if r.independent:
        return "independent (no REPEATED structure)"
    return (f"TYPE={r.sas_type} over {r.repeated}" + (f", GROUP={r.group}" if r.group else ""))


def _residuals(ok, ms, diffs, agree) -> None:
    """The residual structure (`Model.residual`): type, repeated variable and group, names compared without case."""
    keys = {(m.residual.structure, (m.residual.repeated or "").upper(), (m.residual.group or "").upper()) for m in ms}
    if len(keys) > 1:
        diffs.append(Difference("residual", "residual structure: " + "; ".join(
            f"{_residual_text(m.residual)} in {s.label}" for s, m in zip(ok, ms))))
    elif not ms[0].residual.independent:
        agree.append(f"residual: {_residual_text(ms[0].residual)}")
        _visit_orders(ok, ms, diffs)


# structures whose R depends on the order of the visits (a lag |i - j|); reversing the order keeps every lag
_ORDER_DEPENDENT = ("AR1", "ARH1", "TOEP", "TOEPH")


def _visit_orders(ok, ms, diffs) -> None:
    """For AR/Toeplitz structures: the order of the visits (the repeated variable's declared levels) must agree,
    up to reversal; snippets that leave the levels to the data are not compared."""
    if ms[0].residual.structure not in _ORDER_DEPENDENT:
        return
    orders = []
    for s, m in zip(ok, ms):
        c = m.categorical_map.get(m.residual.repeated) if m.residual.repeated else None
        if c is not None and c.levels is not None:
            orders.append((s, tuple(c.levels)))
    keys = {min(o, tuple(reversed(o))) for _, o in orders}
    if len(keys) > 1:
        diffs.append(Difference("residual", f"order of the visits of the {ms[0].residual.sas_type} structure: "
                                + "; ".join(f"{', '.join(o)} in {s.label}" for s, o in orders)))


def _categoricals(ok, ms, diffs, agree) -> None:
    """Categorical predictors across snippets (module docstring). Names are matched without case, as the
    fixed terms are (a case difference is reported there)."""
    order: list[str] = []
    per: dict[str, dict[str, Categorical | None]] = {}
    for s, m in zip(ok, ms):
        cats = {c.name.upper(): c for c in m.categoricals}
        for v in m.predictors:
            k = v.upper()
            if k not in per:
                per[k] = {}
                order.append(k)
            per[k][s.label] = cats.get(k)
    agreed = []
    for k in order:
        have = per[k]
        name = next((c.name for c in have.values() if c is not None), k)
        cat = [lab for lab, c in have.items() if c is not None]
        if not cat:
            continue
        num = [lab for lab, c in have.items() if c is None]
        if num:
            diffs.append(Difference("categorical", f"{name} is categorical in {', '.join(cat)}; continuous in "
                                    f"{', '.join(num)} (a number fits one slope, a category a coefficient per level)"))
            continue
        cs = [(lab, have[lab]) for lab in cat]
        by_label = {s.label: s for s in ok}
        declared = {frozenset(c.levels) for _, c in cs if c.levels is not None}
        if len(declared) > 1:
            diffs.append(Difference("categorical", f"{name}: the levels differ: " + "; ".join(
                f"{', '.join(c.levels)} in {lab}" for lab, c in cs if c.levels is not None)))
            continue
        (la, a), rest = cs[0], cs[1:]
        changed = [(lb, b) for lb, b in rest if not _same_parameterisation(a, b)]
        if not changed:
            agreed.append(f"{name} ({_describe(a)})")
            continue
        for lb, b in changed:
            da, db = _describe(a, by_label[la]), _describe(b, by_label[lb])
            diffs.append(Difference("parameterisation", f"{name}: {da} in {la}; {db} in {lb}: "
                                    f"the same model in another parameterisation: {_mapping(name, la, a, lb, b)}",
                                    material=False))
        agreed.append(f"{name} (categorical; parameterisations differ)")
    if agreed:
        agree.append(f"categorical: {', '.join(agreed)}")


def _reference_key(c: Categorical) -> tuple[str, str]:
    """The reference as compared: the level when it is known, else the rule or level written."""
    ref = c.reference_level
    return ("level", ref) if ref is not None else ("rule", c.reference)


def _parameterisation(c: Categorical) -> tuple:
    return (_reference_key(c), c.coding)


def _same_parameterisation(a: Categorical, b: Categorical) -> bool:
    """Same coding and the same reference: the same level, or the same rule (first / last) whether or not
    one side knows the levels (R's rendering with levels from the data says `first (F)`, a model file `first`)."""
    if a.coding != b.coding:
        return False
    if a.reference in (FIRST, LAST) and a.reference == b.reference:
        return True
    return _parameterisation(a) == _parameterisation(b)


def _reference_text(c: Categorical) -> str:
    if c.reference == FIRST:
        return "the first level" + (f" ({c.levels[0]})" if c.levels else "")
    if c.reference == LAST:
        return "the last level" + (f" ({c.levels[-1]})" if c.levels else "")
    return f"level {c.reference!r}"


def _describe(c: Categorical, s: Snippet | None = None) -> str:
    """`treatment coding, reference level 'F'`; with the snippet, a reference it does not name is marked as
    its package's default (SAS's last level, R's first)."""
    coding = "treatment coding" if c.coding == "treatment" else "sum (effect) coding"
    role = "reference" if c.coding == "treatment" else "-1 row"
    default = ""
    if s is not None and s.reference_written is not None and s.dialect is not None and \
            c.name not in s.reference_written and c.coding == "treatment":
        default = f" ({TITLES.get(s.dialect, s.dialect)}'s default, not written)"
    return f"{coding}, {role} {_reference_text(c)}{default}"


def _level_symbol(c: Categorical) -> str:
    """How to name c's reference level inside a coefficient name: the level, or <first>/<last>."""
    return c.reference_level or {FIRST: "<first>", LAST: "<last>"}.get(c.reference, c.reference)


def _mapping(name: str, la: str, a: Categorical, lb: str, b: Categorical) -> str:
    """How a's coefficients of `name` are b's (symbolic): treatment coefficients are differences from the
    reference level's mean; sum coefficients differences from the unweighted mean of the level means."""
    ra, rb = _level_symbol(a), _level_symbol(b)
    same_ref = _reference_key(a) == _reference_key(b)
    unsure = ("" if a.levels is not None and b.levels is not None or a.reference not in (FIRST, LAST)
              and b.reference not in (FIRST, LAST) else
              " (the levels come from the data, so which level each rule picks is known only with --data)")
    tail = ("; coefficients of terms with " + name + " map the same way; fitted values, variances, the "
            "likelihood and the F test of " + name + " are equal")
    if a.coding == b.coding == "treatment":
        return (f"{la}'s {name}[l] = {lb}'s {name}[l] - {lb}'s {name}[{ra}] for each level l ({lb}'s "
                f"{name}[{rb}] = 0), so {la}'s {name}[{rb}] = -({lb}'s {name}[{ra}]); {la}'s Intercept = {lb}'s "
                f"Intercept + {lb}'s {name}[{ra}] (other predictors at 0 or their reference){unsure}{tail}")
    if a.coding == "sum" and b.coding == "sum":
        return (f"both are sum coding with different -1 rows ({ra} in {la}, {rb} in {lb}): each level's "
                f"coefficient is its mean minus the unweighted mean of the level means, {la}'s {name}[{rb}] = "
                f"-(sum of {la}'s other {name} coefficients); intercepts equal{unsure}{tail}")
    t_lab, t, s_lab = (lb, b, la) if a.coding == "sum" else (la, a, lb)
    rt = _level_symbol(t)
    return (f"{s_lab}'s {name}[l] = {t_lab}'s {name}[l] - m for each level l, where m is the mean over all levels "
            f"of {t_lab}'s {name}[.] ({t_lab}'s {name}[{rt}] = 0); {s_lab}'s Intercept = {t_lab}'s Intercept + m "
            f"(the unweighted mean of the level means){unsure}{tail}")


def _cov(c: str) -> str:
    return {"un": "UN (unstructured)", "vc": "VC (independent)"}[c]


def _dflt(s: Snippet, key: str) -> str:
    return " (package default, not written)" if s.explicit and not s.explicit.get(key, True) else ""


def _setting(ok, ms, key, names, diffs, agree) -> None:
    vals = {getattr(m, key) for m in ms}
    what = {"method": "estimation method", "ddf": "denominator df method"}[key]
    if len(vals) > 1:
        diffs.append(Difference(key, f"{what}: " + "; ".join(
            f"{names[getattr(m, key)]}{_dflt(s, key)} in {s.label}" for s, m in zip(ok, ms))))
    else:
        v = vals.pop()
        implicit = [s.label for s in ok if s.explicit and not s.explicit.get(key, True)]
        if implicit and len(implicit) < len(ok):
            diffs.append(Difference(key, f"{what} {names[v]} is written in some snippets and left to the "
                                    f"package default in {', '.join(implicit)}", material=False))
        agree.append(f"{what}: {names[v]}")


def _term_sets(ok, lists, what, aspect, diffs, agree, plural) -> None:
    keys: dict[tuple, dict[str, tuple]] = {}
    order: list[tuple] = []
    for s, terms in zip(ok, lists):
        for f in terms:
            k = tuple(sorted(x.upper() for x in f))
            if k not in keys:
                keys[k] = {}
                order.append(k)
            keys[k][s.label] = f
    common = []
    for k in order:
        have = keys[k]
        name = ":".join(next(iter(have.values())))
        if len(have) < len(ok):
            missing = [s.label for s in ok if s.label not in have]
            diffs.append(Difference(aspect, f"{what} {name}: in {', '.join(have)}; not in {', '.join(missing)}"))
            continue
        spellings = {tuple(sorted(v)) for v in have.values()}
        if len(spellings) > 1:
            sens = [s for s in ok if s.case_sensitive]
            listing = "; ".join(f"{':'.join(v)} in {lab}" for lab, v in have.items())
            diffs.append(Difference(aspect, f"{what} spelled differently: {listing}"
                                    + (f" (case matters in {', '.join(sorted({TITLES[s.dialect] for s in sens}))})"
                                       if sens else f" ({_case_folding_languages()} ignore case)"), material=bool(sens)))
        common.append(name)
    if common:
        agree.append(f"{plural}: {', '.join(common)}")
    elif not order:
        agree.append(f"{plural}: none")


def _row_key(row) -> tuple:
    return tuple(sorted((":".join(sorted(n.upper() for n in _factors(t))), round(float(c), 9))
                        for t, c in row if c != 0))


def _factors(term: str) -> tuple[str, ...]:
    from .model import Term
    return ("Intercept",) if term == "Intercept" else Term.parse(term).factors


def _contrasts(ok, ms, diffs, agree) -> None:
    sigs: dict[tuple, dict[str, str]] = {}
    descs: dict[tuple, str] = {}
    order = []
    for s, m in zip(ok, ms):
        for c in m.contrasts:
            k = tuple(sorted(_row_key(r) for r in c.rows))
            if k not in sigs:
                sigs[k] = {}
                order.append(k)
                descs[k] = "; ".join(" ".join(f"{t} {v:g}" for t, v in row if v != 0) for row in c.rows)
            sigs[k].setdefault(s.label, c.label)
    common = []
    for k in order:
        have = sigs[k]
        desc = descs[k]
        label = next(iter(have.values()))
        if len(have) < len(ok):
            missing = [s.label for s in ok if s.label not in have]
            diffs.append(Difference("contrast", f"contrast {label!r} ({desc}): in {', '.join(have)}; not in "
                                    f"{', '.join(missing)}"))
            continue
        labels = set(have.values())
        if len(labels) > 1:
            diffs.append(Difference("contrast", f"contrast ({desc}) labelled differently: " + "; ".join(
                f"{v!r} in {lab}" for lab, v in have.items()), material=False))
        common.append(f"{label!r} ({desc})")
    if common:
        agree.append(f"contrasts: {', '.join(common)}")


def _lsmeans(ok, ms, diffs, agree) -> None:
    """Least-squares means asked for: printed output, not the model (a difference, never material)."""
    have: dict[tuple, list[str]] = {}
    names: dict[tuple, str] = {}
    for s, m in zip(ok, ms):
        for t in m.lsmeans:
            k = tuple(sorted(f.upper() for f in t.factors))
            have.setdefault(k, []).append(s.label)
            names.setdefault(k, t.name)
    common = []
    for k, labels in have.items():
        if len(labels) < len(ok):
            missing = [s.label for s in ok if s.label not in labels]
            diffs.append(Difference("lsmeans", f"least-squares means of {names[k]}: asked for in {', '.join(labels)}; "
                                    f"not in {', '.join(missing)} (printed output only)", material=False))
        else:
            common.append(names[k])
    if common:
        agree.append(f"least-squares means: {', '.join(common)}")


def compare_models(a: Model, b: Model, dialect_a: str | None = None, dialect_b: str | None = None) -> Comparison:
    """Two models (e.g. a model and its rendering parsed back)."""
    return compare([Snippet("A", dialect_a, a, a.data), Snippet("B", dialect_b, b, b.data)])


def compare_parsed(items: list[tuple[str, object]]) -> Comparison:
    """`(label, ParsedSyntax)` pairs -> Comparison."""
    return compare([Snippet.from_parsed(label, ps) for label, ps in items])
