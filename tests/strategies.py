"""Hypothesis strategies for random `Model`s (shared: the engine and lint tests may import them).

`models()` draws two-level models with: 1-6 continuous predictors, main effects, two- and three-way
interactions and squares in random order, with or without the fixed intercept; 0-3 random slopes (with or
without the random intercept, at least one random effect), UN or VC covariance, REML or ML, every df
method, and 0-2 contrasts of 1-3 rows with coefficients such as 1, -1, 0.5, 2.25. Names are portable to
all four packages (no reserved words, no two names equal up to case). Labels use letters, digits, spaces
and punctuation that every package can carry in a string or a one-line comment.

`expressible(model, dialect)` says whether a package can express the model's settings at all (the
renderers refuse the rest with RN001): lmerTest has Satterthwaite and Kenward-Roger (REML only) and
prints lme4's t values for "none"; Stata has Satterthwaite and Kenward-Roger (REML only), residual, and
"none" (its default); SPSS has Satterthwaite, Kenward-Roger and residual; SAS has them all.
"""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

from mlmgen.model import DDF_METHODS, Contrast, Model, RandomPart, RandomTerm, Term, validate
from mlmgen.names import portable_everywhere

_FIRST = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"
_REST = _FIRST + "0123456789_"


@st.composite
def names(draw, n: int) -> list[str]:
    """`n` distinct portable names, distinct also when case is folded: `<base>v<i>` where base is a
    letter followed by letters, digits and `_` (the trailing `v<i>` makes them unique and keeps them
    clear of reserved words)."""
    out = []
    for i in range(n):
        base = draw(st.text(_FIRST, min_size=1, max_size=1)) + draw(st.text(_REST, min_size=0, max_size=6))
        out.append(f"{base}v{i}")
    assert all(portable_everywhere(x) for x in out), out
    return out


COEFS = st.sampled_from([1.0, -1.0, 0.5, -0.5, 2.0, 0.25, -2.25, 3.0, 10.0, 0.125, 1 / 3, -1e-05, 2.5e+20,
                         123456.789])
LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:()'\"=+"


@st.composite
def labels(draw) -> str:
    core = draw(st.text(LABEL_CHARS, min_size=1, max_size=30)).strip()
    return core if core and core[0].isalnum() else "L" + core


@st.composite
def models(draw, max_predictors: int = 6) -> Model:
    k = draw(st.integers(1, max_predictors))
    nm = draw(names(k + 2))
    outcome, cluster, preds = nm[0], nm[1], nm[2:]
    candidates: list[tuple[str, ...]] = [(p,) for p in preds]
    for i, a in enumerate(preds):
        candidates.append((a, a))
        for j in range(i + 1, len(preds)):
            candidates.append((a, preds[j]))
            for m in range(j + 1, len(preds)):
                candidates.append((a, preds[j], preds[m]))
    chosen = draw(st.lists(st.sampled_from(candidates), min_size=0, max_size=min(8, len(candidates)),
                           unique_by=lambda f: tuple(sorted(f))))
    # terms in a random order, the factors of each product in a random order
    fixed = tuple(Term(tuple(draw(st.permutations(list(f))))) for f in chosen)
    intercept = draw(st.booleans()) if fixed else True
    slopes = tuple(draw(st.lists(st.sampled_from(preds), min_size=0, max_size=min(3, len(preds)), unique=True)))
    r_int = draw(st.booleans()) if slopes else True
    cov = draw(st.sampled_from(["un", "vc"]))
    method = draw(st.sampled_from(["reml", "ml"]))
    ddf = draw(st.sampled_from(DDF_METHODS))
    fixed_names = (("Intercept",) if intercept else ()) + tuple(t.name for t in fixed)
    contrasts = []
    if fixed_names:
        n_con = draw(st.integers(0, 2))
        used_labels: set[str] = set()
        for _ in range(n_con):
            n_rows = draw(st.integers(1, 3))
            rows = []
            for _r in range(n_rows):
                terms = draw(st.lists(st.sampled_from(fixed_names), min_size=1, max_size=min(3, len(fixed_names)),
                                      unique=True))
                rows.append(tuple((t, draw(COEFS)) for t in terms))
            label = draw(labels())
            if label in used_labels:
                continue
            used_labels.add(label)
            contrasts.append(Contrast(label, tuple(rows)))
    data = draw(st.one_of(st.none(), names(1).map(lambda x: x[0])))
    return validate(Model(outcome=outcome, cluster=cluster, fixed=fixed, intercept=intercept,
                          random=RandomPart(r_int, slopes, cov), method=method, ddf=ddf,
                          contrasts=tuple(contrasts), data=data))


def expressible(model: Model, dialect: str) -> bool:
    """Can `dialect` express the model's method/df combination? (See the module docstring.)"""
    ddf, reml = model.ddf, model.method == "reml"
    if dialect == "sas":
        return True
    if dialect == "lme4":
        return ddf in ("satterthwaite", "none") or (ddf == "kenward-roger" and reml)
    if dialect == "stata":
        return ddf in ("residual", "none") or (ddf in ("satterthwaite", "kenward-roger") and reml)
    if dialect == "spss":
        return ddf in ("satterthwaite", "kenward-roger", "residual")
    raise ValueError(dialect)


# ------------------------------------------------------------------------------ lecture snippets
# The lecture's 28 snippets (reference_outputs/lecture/syntax, read only) and their corrected versions.
# Corrections are the lecture's own ("Oops! Predictor hw2 should not be included" in 4a, 4d, 4e, 5a, 5b,
# which also removes Stata's `e.hw2`) plus the 4a R snippet's `data=example` (every other snippet says
# `Example`). The example model files in examples/ hold the corrected models.

ROOT = Path(__file__).resolve().parent.parent
SYNTAX = ROOT / "reference_outputs" / "lecture" / "syntax"
EXAMPLES = {p.name[:2]: p for p in (ROOT / "examples").glob("[0-9][a-z]_*.toml")}
EXT = {"sas": "sas", "lme4": "R", "stata": "do", "spss": "sps"}
PACKAGES = list(EXT)
EXAMPLE_IDS = ["2b", "2c", "4a", "4d", "4e", "5a", "5b"]
OOPS = {"4a", "4d", "4e", "5a", "5b"}      # hw2 included by mistake


def path(example: str, dialect: str) -> Path:
    return SYNTAX / f"{example}_{dialect}.{EXT[dialect]}"


def text(example: str, dialect: str) -> str:
    return path(example, dialect).read_text(encoding="utf-8")


def corrected(example: str, dialect: str) -> str:
    """The snippet with the lecture's mistakes removed, everything else byte for byte."""
    t = text(example, dialect)
    if example in OOPS:
        pats = {"sas": [r"(MODEL langpost = )hw2 "], "lme4": [r"(\+)hw2\+"], "stata": [r"(mixed langpost )e\.hw2 "],
                "spss": [r"(WITH )hw2 ", r"(/FIXED\s*= )hw2 "]}[dialect]
        for p in pats:
            t, n = re.subn(p, r"\1", t)
            assert n == 1, (example, dialect, p)
        assert "hw2" not in t
    if (example, dialect) == ("4a", "lme4"):
        t = t.replace("data=example", "data=Example")
    return t


# ------------------------------------------------------------------ several random terms (issue 12)

GROUP_NAMES = ("unitA", "unitB", "unitC")     # cannot clash with `names()` (those end in v<digit>)


@st.composite
def several_terms_models(draw) -> Model:
    """A `models()` model with 1-2 further random terms: a nested chain (cluster/unitA[/unitB]), crossed
    factors (unitA, unitB beside the cluster) or both (cluster/unitA and unitB); each term with or without the
    intercept, 0-2 slopes drawn from the model's predictors, UN or VC."""
    base = draw(models())
    c = base.cluster
    design = draw(st.sampled_from(["nested", "nested3", "crossed", "crossed2", "mixed"]))
    paths = {"nested": [(c, "unitA")], "nested3": [(c, "unitA"), (c, "unitA", "unitB")],
             "crossed": [("unitA",)], "crossed2": [("unitA",), ("unitB",)],
             "mixed": [(c, "unitA"), ("unitB",)]}[design]
    preds = [p for p in base.predictors]
    terms = []
    for path in paths:
        slopes = tuple(draw(st.lists(st.sampled_from(preds), max_size=min(2, len(preds)), unique=True))) \
            if preds else ()
        intercept = draw(st.booleans()) if slopes else True
        terms.append(RandomTerm(path, intercept, slopes, draw(st.sampled_from(["un", "vc"]))))
    return validate(base.with_(more_random=tuple(terms)))


def stata_writes_terms(model: Model) -> bool:
    """Stata's renderer writes crossed terms only as random intercepts (`|| _all: R.x`) beside one nested chain."""
    return all(t.intercept and not t.slopes for t in model.more_random if len(t.group) == 1)
