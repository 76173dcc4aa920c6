"""Type III tests and LS-means against real R: lmerTest `anova(m, type = 3)` and emmeans (`summary(...,
infer = TRUE)`, `pairs(..., adjust = "none")`), with ddf Satterthwaite and Kenward-Roger (emmeans' `lmer.df`).

One Rscript run per case (cached in the temp directory by a hash of its code) writes the data set it fitted
and long-format results; the model file here declares the same categoricals (levels from the data, R's order,
first level the reference) and `lsmeans`. Tolerances as tests/test_engine_vs_r.py: F within 1e-4 relative,
Satterthwaite den df within 1e-3 relative, Kenward-Roger df and SEs within 1e-4 relative, LS-means within
5e-5 of max(|estimate|, SE), their SEs within 5e-5 relative (1e-4 under KR), CIs within 1e-3 of the SE.
"""
from __future__ import annotations

import functools
import hashlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import mlmgen
from mlmgen.modelfile import loads_model
from rtools import require_r, run_r

pytestmark = pytest.mark.r

CACHE = Path(tempfile.gettempdir()) / "mlmgen-test-data" / "type3"


@dataclass(frozen=True)
class Case:
    tag: str
    data_r: str              # R code making data frame `d` (factors as factors)
    formula: str             # lme4 formula fitted in R
    model: str               # the same model as a model file (without lsmeans)
    lsmeans: tuple[str, ...]  # terms, `a` or `a:b`


EXAM = 'suppressMessages(library(mlmRev)); d <- Exam[, c("normexam","standLRT","sex","schgend","vr","school")]'
CASES = [
    Case("bdf", 'suppressMessages(library(mlmRev)); '
         'd <- bdf[, c("langPOST","IQ.verb","sex","Minority","denomina","schoolNR")]',
         "langPOST ~ IQ.verb + sex + Minority + denomina + (1|schoolNR)",
         'outcome = "langPOST"\ncluster = "schoolNR"\nfixed = ["IQ.verb", "sex", "Minority", "denomina"]\n'
         '[categorical]\nsex = {}\nMinority = {}\ndenomina = {}\n', ("denomina", "sex", "Minority")),
    Case("exam", EXAM, "normexam ~ standLRT*sex + schgend + vr + (1|school)",
         'outcome = "normexam"\ncluster = "school"\nfixed = ["standLRT", "sex", "standLRT:sex", "schgend", "vr"]\n'
         '[categorical]\nsex = {}\nschgend = { levels = ["mixed", "boys", "girls"] }\nvr = {}\n',   # R's factor order
         ("vr", "sex", "schgend")),
    Case("sleep", 'suppressMessages(library(lme4)); d <- sleepstudy; d$Days <- factor(d$Days)',
         "Reaction ~ Days + (1|Subject)",
         'outcome = "Reaction"\ncluster = "Subject"\nfixed = ["Days"]\n[categorical]\nDays = {}\n', ("Days",)),
    Case("unbalanced", '''set.seed(2026); n <- 240; g <- rep(1:30, each = 8)
a <- factor(sample(c("a1","a2","a3"), n, TRUE)); b <- factor(sample(c("u","v"), n, TRUE)); x <- rnorm(n, 2)
y <- 1 + 0.5*(a=="a2") + 0.3*(b=="v") + 0.8*(a=="a3")*(b=="v") + 0.4*x + rnorm(30)[g] + rnorm(n)
d <- data.frame(y, a, b, x, g)[runif(n) > 0.3, ]''',
         "y ~ a*b + x + (1|g)",
         'outcome = "y"\ncluster = "g"\nfixed = ["a", "b", "a:b", "x"]\n[categorical]\na = {}\nb = {}\n',
         ("a", "b", "a:b")),
    Case("unbalanced_slopes", '''set.seed(2026); n <- 240; g <- rep(1:30, each = 8)
a <- factor(sample(c("a1","a2","a3"), n, TRUE)); x <- rnorm(n, 2)
y <- 1 + 0.5*(a=="a2") + (0.4 + 0.3*(a=="a3"))*x + rnorm(30)[g] + rnorm(n)
d <- data.frame(y, a, x, g)[runif(n) > 0.3, ]''',
         "y ~ a*x + (1|g)",
         'outcome = "y"\ncluster = "g"\nfixed = ["a", "x", "a:x"]\n[categorical]\na = {}\n', ("a",)),
    Case("exam_slope", EXAM, "normexam ~ standLRT + sex + (1 + sex|school)",
         'outcome = "normexam"\ncluster = "school"\nfixed = ["standLRT", "sex"]\n[random]\n'
         'effects = ["Intercept", "sex"]\n[categorical]\nsex = {}\n', ("sex",)),
]


def r_code(case: Case, csv: Path) -> str:
    specs = ", ".join(f"~ {t.replace(':', ' * ')}" for t in case.lsmeans)
    return f'''suppressMessages({{library(lmerTest); library(emmeans)}})
emm_options(lmerTest.limit = 1e6, pbkrtest.limit = 1e6)
{case.data_r}
write.csv(d, "{csv.as_posix()}", row.names = FALSE)
m <- lmer({case.formula}, data = d)
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)
specs <- list({specs})
for (ddf in c("Satterthwaite", "Kenward-Roger")) {{
  a <- anova(m, type = 3, ddf = ddf)
  add(kind = "type3", ddf = ddf, term = rownames(a), i = NA, j = NA, levels = "", estimate = a[["F value"]],
      se = NA, df = a$DenDF, numdf = a$NumDF, lower = NA, upper = NA)
  for (spec in specs) {{
    facs <- all.vars(spec)
    term <- paste(facs, collapse = ":")
    em <- emmeans(m, spec, lmer.df = tolower(ddf))
    s <- as.data.frame(summary(em, infer = TRUE))
    lev <- apply(s[, facs, drop = FALSE], 1, function(r) paste(trimws(as.character(r)), collapse = "|"))
    add(kind = "lsmean", ddf = ddf, term = term, i = seq_len(nrow(s)), j = NA, levels = lev, estimate = s$emmean,
        se = s$SE, df = s$df, numdf = NA, lower = s$lower.CL, upper = s$upper.CL)
    p <- as.data.frame(pairs(em, adjust = "none"))
    ij <- do.call(rbind, lapply(seq_len(nrow(s) - 1), function(i) cbind(i, (i + 1):nrow(s))))
    add(kind = "diff", ddf = ddf, term = term, i = ij[, 1], j = ij[, 2], levels = "", estimate = p$estimate,
        se = p$SE, df = p$df, numdf = NA, lower = NA, upper = NA)
  }}
}}
write.csv(do.call(rbind, rows), stdout(), row.names = FALSE)
'''


@functools.lru_cache(maxsize=None)
def r_results(tag: str) -> tuple[pd.DataFrame, Path]:
    case = next(c for c in CASES if c.tag == tag)
    require_r()
    CACHE.mkdir(parents=True, exist_ok=True)
    csv = CACHE / f"{tag}.csv"
    code = r_code(case, csv)
    key = hashlib.sha1(code.encode()).hexdigest()[:16]
    out = CACHE / f"{tag}-{key}.out.csv"
    if not (out.exists() and csv.exists()):
        check = run_r('cat(requireNamespace("emmeans", quietly = TRUE))')
        if "TRUE" not in check:
            pytest.skip("R package emmeans missing (Debian r-cran-emmeans; scripts/install-r.sh)")
        text = run_r(code)
        out.write_text(text)
    return pd.read_csv(out, dtype={"levels": str, "term": str}), csv


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def key(term: str) -> tuple[str, ...]:
    return tuple(sorted(term.split(":")))


@pytest.mark.parametrize("ddf", ["satterthwaite", "kenward-roger"])
@pytest.mark.parametrize("tag", [c.tag for c in CASES])
def test_type3_and_lsmeans_equal_lmertest_and_emmeans(tag, ddf):
    ref, csv = r_results(tag)
    case = next(c for c in CASES if c.tag == tag)
    ls = ", ".join(f'"{t}"' for t in case.lsmeans)
    model = loads_model(f"lsmeans = [{ls}]\n" + case.model)
    res = mlmgen.fit(model, str(csv), ddf=ddf).result
    r_ddf = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}[ddf]
    ref = ref[ref["ddf"] == r_ddf]
    df_tol = 1e-3 if ddf == "satterthwaite" else 1e-4
    se_tol = 5e-5 if ddf == "satterthwaite" else 1e-4

    # Type III: one row per term, same F, NumDF and DenDF
    t3 = ref[ref["kind"] == "type3"]
    ours = {key(r.term): r for r in res.type3}
    assert set(ours) == {key(t) for t in t3["term"]}, (list(ours), list(t3["term"]))
    for _, row in t3.iterrows():
        r = ours[key(row["term"])]
        assert r.num_df.value == row["numdf"], (row["term"], r.num_df, row["numdf"])
        assert rel(r.F.value, row["estimate"]) < 1e-4, (row["term"], r.F.value, row["estimate"])
        assert rel(r.den_df.value, row["df"]) < df_tol, (row["term"], r.den_df.value, row["df"])

    # LS-means: same levels in the same order, estimate, SE, df, CI
    for term in case.lsmeans:
        want = ref[(ref["kind"] == "lsmean") & (ref["term"] == term)]
        got = [r for r in res.lsmeans if key(r.term) == key(term)]
        assert ["|".join(r.levels) for r in got] == list(want["levels"].astype(str)), term
        for r, (_, w) in zip(got, want.iterrows()):
            assert abs(r.estimate.value - w["estimate"]) <= 5e-5 * max(abs(w["estimate"]), w["se"]), (term, r, w)
            assert rel(r.se.value, w["se"]) < se_tol, (term, r.levels, r.se.value, w["se"])
            assert rel(r.df.value, w["df"]) < df_tol, (term, r.levels, r.df.value, w["df"])
            assert abs(r.lower.value - w["lower"]) < 1e-3 * w["se"] and abs(r.upper.value - w["upper"]) < 1e-3 * w["se"]
        # pairwise differences, a before b in the grid order (emmeans' pairs)
        want = ref[(ref["kind"] == "diff") & (ref["term"] == term)]
        got = [r for r in res.lsmean_diffs if key(r.term) == key(term)]
        levels = ["|".join(r.levels) for r in res.lsmeans if key(r.term) == key(term)]
        assert len(got) == len(want) == len(levels) * (len(levels) - 1) // 2
        for r, (_, w) in zip(got, want.iterrows()):
            assert ("|".join(r.levels_a), "|".join(r.levels_b)) == (levels[int(w["i"]) - 1], levels[int(w["j"]) - 1])
            assert abs(r.estimate.value - w["estimate"]) <= 5e-5 * max(abs(w["estimate"]), w["se"]), (term, r, w)
            assert rel(r.se.value, w["se"]) < se_tol, (term, r.se.value, w["se"])
            assert rel(r.df.value, w["df"]) < df_tol, (term, r.df.value, w["df"])


def test_non_hierarchical_slope_without_its_margin_is_the_mean_slope_not_lmertests_first_level():
    """`y ~ x + x:a` (no `a`): x:a is coded by contrasts (x is present). mlmgen's Type III of x:a is the equality
    of the slopes (as lmerTest's); of x the unweighted mean slope (engine/type3.py), where lmerTest tests the
    slope of the first level of a (its treatment-coded hypothesis, mapped to any coding): measured here."""
    ref, csv = r_results("unbalanced_slopes")
    out = run_r(f'''suppressMessages(library(lmerTest))
d <- read.csv("{csv.as_posix()}"); d$a <- factor(d$a)
m <- lmer(y ~ x + x:a + (1|g), data = d)
a <- anova(m, type = 3)
mean_slope <- contest1D(m, c(0, 1, 1/3, 1/3))
first_slope <- contest1D(m, c(0, 1, 0, 0))
write.csv(rbind(data.frame(term = rownames(a), F = a[["F value"]], df = a$DenDF, numdf = a$NumDF),
  data.frame(term = c("mean_slope", "first_slope"), F = c(mean_slope$`t value`, first_slope$`t value`)^2,
             df = c(mean_slope$df, first_slope$df), numdf = 1)), stdout(), row.names = FALSE)''')
    want = pd.read_csv(io.StringIO(out)).set_index("term")
    model = loads_model('outcome = "y"\ncluster = "g"\nfixed = ["x", "x:a"]\n[categorical]\na = {}\n')
    res = mlmgen.fit(model, str(csv)).result
    ours = {r.term: r for r in res.type3}
    for ours_term, r_row in (("x:a", "x:a"), ("x", "mean_slope")):
        r, w = ours[ours_term], want.loc[r_row]
        assert r.num_df.value == w["numdf"] and rel(r.F.value, w["F"]) < 1e-4 and rel(r.den_df.value, w["df"]) < 1e-3
    # lmerTest's anova row for x is the first level's slope, which is not mlmgen's hypothesis
    assert rel(want.loc["x", "F"], want.loc["first_slope", "F"]) < 1e-6
    assert rel(ours["x"].F.value, want.loc["x", "F"]) > 0.1
