"""Type III tests and LS-means with several random terms against lmerTest `anova(type = 3)` and emmeans (the R side
and tolerances of tests/test_type3_lsmeans_r.py: F 1e-4 relative, Satterthwaite den df 1e-3, Kenward-Roger df and
SEs 1e-4, LS-means 5e-5 of max(|estimate|, SE)).

Cases: mlmRev::ScotsSec, `attain ~ verbal + sex + social + (1 | primary) + (1 | second)` (3,435 pupils, 148
primary x 19 secondary schools, crossed; social has 4 levels), Satterthwaite only (pbkrtest's dense N x N
matrices do not finish on it); a seeded crossed simulation with a 3 x 2 factorial and an interaction,
`y ~ f * g + x + (1 | a) + (1 | b)` (480 rows), Satterthwaite and Kenward-Roger; nested: mlmRev::Chem97's first 15
LEAs, `score ~ gcsecnt * gender + (1 | lea/school)` (pupils in schools in LEAs), Satterthwaite and Kenward-Roger."""
from __future__ import annotations

import functools
import hashlib

import pandas as pd
import pytest

import mlmgen
from mlmgen.modelfile import loads_model
from rtools import require_r, run_r
from test_type3_lsmeans_r import CACHE, Case, key, r_code, rel

pytestmark = pytest.mark.r

CASES = [
    Case("scotssec_crossed", 'suppressMessages(library(mlmRev)); '
         'd <- ScotsSec[, c("attain", "verbal", "sex", "social", "primary", "second")]; '
         'd$social <- factor(d$social)',
         "attain ~ verbal + sex + social + (1|primary) + (1|second)",
         'outcome = "attain"\nfixed = ["verbal", "sex", "social"]\n'
         '[[random]]\ngroup = "primary"\n[[random]]\ngroup = "second"\n'
         '[categorical]\nsex = { levels = ["M", "F"] }\nsocial = {}\n', ("social", "sex")),
    Case("crossed_factorial", '''set.seed(1212); n <- 480; nA <- 48; nB <- 12
a <- sample(nA, n, TRUE); b <- sample(nB, n, TRUE)
f <- factor(sample(c("f1", "f2", "f3"), n, TRUE)); g <- factor(sample(c("lo", "hi"), n, TRUE), levels = c("lo", "hi"))
x <- rnorm(n)
y <- 1 + 0.4 * (f == "f2") + 0.2 * (g == "hi") + 0.5 * (f == "f3") * (g == "hi") + 0.3 * x +
     rnorm(nA, sd = 0.8)[a] + rnorm(nB, sd = 0.5)[b] + rnorm(n)
d <- data.frame(y, f, g, x, a = factor(a), b = factor(b))''',
         "y ~ f*g + x + (1|a) + (1|b)",
         'outcome = "y"\nfixed = ["f", "g", "f:g", "x"]\n'
         '[[random]]\ngroup = "a"\n[[random]]\ngroup = "b"\n'
         '[categorical]\nf = {}\ng = { levels = ["lo", "hi"] }\n', ("f", "g", "f:g")),
    Case("chem97_nested", 'suppressMessages(library(mlmRev)); '
         'd <- droplevels(Chem97[Chem97$lea %in% levels(Chem97$lea)[1:15], '
         'c("score", "gcsecnt", "gender", "lea", "school")])',
         "score ~ gcsecnt*gender + (1|lea/school)",
         'outcome = "score"\nfixed = ["gcsecnt", "gender", "gcsecnt:gender"]\n'
         '[[random]]\ngroup = "lea"\n[[random]]\ngroup = "lea/school"\n'
         '[categorical]\ngender = { levels = ["M", "F"] }\n', ("gender",)),
]
KR = {"crossed_factorial", "chem97_nested"}


def r_code_for(case: Case, csv) -> str:
    code = r_code(case, csv)
    if case.tag not in KR:        # Satterthwaite only
        code = code.replace('for (ddf in c("Satterthwaite", "Kenward-Roger"))', 'for (ddf in c("Satterthwaite"))')
    return code


@functools.lru_cache(maxsize=None)
def r_results(tag: str):
    case = next(c for c in CASES if c.tag == tag)
    require_r()
    CACHE.mkdir(parents=True, exist_ok=True)
    csv = CACHE / f"{tag}.csv"
    code = r_code_for(case, csv)
    out = CACHE / f"{tag}-{hashlib.sha1(code.encode()).hexdigest()[:16]}.out.csv"
    if not (out.exists() and csv.exists()):
        if "TRUE" not in run_r('cat(requireNamespace("emmeans", quietly = TRUE))'):
            pytest.skip("R package emmeans missing (Debian r-cran-emmeans; scripts/install-r.sh)")
        out.write_text(run_r(code, timeout=1800))
    return pd.read_csv(out, dtype={"levels": str, "term": str}), csv


@pytest.mark.parametrize("tag,ddf", [("scotssec_crossed", "satterthwaite"), ("crossed_factorial", "satterthwaite"),
                                     ("crossed_factorial", "kenward-roger"), ("chem97_nested", "satterthwaite"),
                                     ("chem97_nested", "kenward-roger")])
def test_type3_and_lsmeans_with_several_terms_equal_lmertest_and_emmeans(tag, ddf):
    ref, csv = r_results(tag)
    case = next(c for c in CASES if c.tag == tag)
    ls = ", ".join(f'"{t}"' for t in case.lsmeans)
    model = loads_model(f"lsmeans = [{ls}]\n" + case.model)
    assert model.is_multilevel
    res = mlmgen.fit(model, str(csv), ddf=ddf).result
    assert not any("not computed" in n for n in res.notes), res.notes
    ref = ref[ref["ddf"] == {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}[ddf]]
    df_tol = 1e-3 if ddf == "satterthwaite" else 1e-4
    se_tol = 5e-5 if ddf == "satterthwaite" else 1e-4

    t3 = ref[ref["kind"] == "type3"]
    ours = {key(r.term): r for r in res.type3}
    assert set(ours) == {key(t) for t in t3["term"]}, (list(ours), list(t3["term"]))
    for _, row in t3.iterrows():
        r = ours[key(row["term"])]
        assert r.num_df.value == row["numdf"], (row["term"], r.num_df, row["numdf"])
        assert rel(r.F.value, row["estimate"]) < 1e-4, (row["term"], r.F.value, row["estimate"])
        assert rel(r.den_df.value, row["df"]) < df_tol, (row["term"], r.den_df.value, row["df"])

    for term in case.lsmeans:
        want = ref[(ref["kind"] == "lsmean") & (ref["term"] == term)]
        got = [r for r in res.lsmeans if key(r.term) == key(term)]
        assert ["|".join(r.levels) for r in got] == list(want["levels"].astype(str)), term
        for r, (_, w) in zip(got, want.iterrows()):
            assert abs(r.estimate.value - w["estimate"]) <= 5e-5 * max(abs(w["estimate"]), w["se"]), (term, r, w)
            assert rel(r.se.value, w["se"]) < se_tol, (term, r.levels, r.se.value, w["se"])
            assert rel(r.df.value, w["df"]) < df_tol, (term, r.levels, r.df.value, w["df"])
        want = ref[(ref["kind"] == "diff") & (ref["term"] == term)]
        got = [r for r in res.lsmean_diffs if key(r.term) == key(term)]
        assert len(got) == len(want)
        for r, (_, w) in zip(got, want.iterrows()):
            assert abs(r.estimate.value - w["estimate"]) <= 5e-5 * max(abs(w["estimate"]), w["se"]), (term, r, w)
            assert rel(r.se.value, w["se"]) < se_tol, (term, r.se.value, w["se"])
            assert rel(r.df.value, w["df"]) < df_tol, (term, r.df.value, w["df"])
