"""R's abbreviate() as lme4 prints the Correlation of Fixed Effects (`abbreviate(rn, minlength = 6)` for the
columns, 11 for the rows, over the whole vector of names): mlmgen's `rfmt.abbreviate_all` against real R on
names like fixed-effect names (vowels, capitals, digits, `:`, `(Intercept)`, spaces, names that abbreviate
alike), and the trial's case: `schgendboys`, `schgendgirls` print as `schgndb schgndg`, not `schgnd` twice."""
from __future__ import annotations

import json
import random

import pytest

from mlmgen.report.rfmt import abbreviate_all

from rtools import run_r


def test_names_that_abbreviate_alike_stay_apart():
    names = ["(Intercept)", "standLRT", "schgendboys", "schgendgirls", "standLRT:schgendgirls"]
    assert abbreviate_all(names, 6) == ["(Intr)", "stnLRT", "schgndb", "schgndg", "stLRT:"]
    assert abbreviate_all(names, 11) == ["(Intercept)", "standLRT", "schgendboys", "schgendgrls", "stndLRT:sch"]


def _vectors(seed=20261205, k=150):
    rng = random.Random(seed)
    parts = ["school", "gender", "girls", "boys", "Intercept", "age", "ses", "LRT", "x", "treat", "visit", "VIS",
             "arm", "TRT", "mean", "centred", "eo", "ai", "Uu", "2", "10", "aeiou", "BMI"]
    out = []
    for _ in range(k):
        n = rng.randint(2, 7)
        vec = []
        for _ in range(n):
            w = "".join(rng.choice(parts) for _ in range(rng.randint(1, 3)))
            sep = rng.choice(["", "", ":", " ", "_", "."])
            if sep and rng.random() < 0.5:
                w = w + sep + "".join(rng.choice(parts) for _ in range(rng.randint(1, 2)))
            vec.append(w)
        if rng.random() < 0.3:
            vec.append(vec[0][:-1] + rng.choice("abxyz"))       # a near twin
        if rng.random() < 0.2:
            vec.insert(0, "(Intercept)")
        out.append(vec)
    return out


@pytest.mark.r
def test_abbreviate_matches_r():
    vectors = _vectors()
    lens = (4, 6, 11)
    code = "vs <- list(" + ",\n".join("c(" + ", ".join(json.dumps(n) for n in v) + ")" for v in vectors) + ")\n" + \
        "for (v in vs) for (m in c(" + ", ".join(map(str, lens)) + ")) cat(paste(unname(abbreviate(v, m)), " \
        "collapse = '\\t'), '\\n', sep = '')\n"
    lines = run_r(code).split("\n")
    k = 0
    for v in vectors:
        for m in lens:
            assert abbreviate_all(v, m) == lines[k].split("\t"), (v, m, lines[k])
            k += 1


def _correlation_names(text: str) -> tuple[list[str], list[str]]:
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if l.strip() == "Correlation of Fixed Effects:")
    header = lines[i + 1].split()
    rows = []
    for l in lines[i + 2:]:
        if not l.strip() or l.startswith(("optimizer", "boundary", "Model failed")):
            break
        rows.append(l.split()[0])
    return header, rows


@pytest.mark.r
def test_exam_correlation_header_as_lme4_prints_it(tmp_path):
    """mlmRev::Exam, `normexam ~ standLRT + sex + schgend + (standLRT | school)`: the Correlation of Fixed
    Effects names of mlmgen's lme4-style printout = those of R's summary(lmer(...))."""
    import mlmgen
    from mlmgen.modelfile import loads_model
    from mlmgen.report import format_fit
    csv = tmp_path / "exam.csv"
    r_out = run_r(
        "suppressMessages({library(mlmRev); library(lme4)})\n"
        f"write.csv(Exam[, c('school', 'normexam', 'standLRT', 'sex', 'schgend')], '{csv.as_posix()}', "
        "row.names = FALSE)\n"
        "m <- lmer(normexam ~ standLRT + sex + schgend + (standLRT | school), data = Exam, REML = TRUE)\n"
        "print(summary(m))\n")
    model = loads_model('outcome = "normexam"\ncluster = "school"\nfixed = ["standLRT", "sex", "schgend"]\n'
                        '[categorical]\nschgend = { levels = ["mixed", "boys", "girls"] }\n'
                        'sex = { levels = ["F", "M"] }\n[random]\neffects = ["Intercept", "standLRT"]\n'
                        'covariance = "UN"\n')
    f = mlmgen.fit(model, str(csv))
    ours = format_fit(f.result, "lme4", model=f.model, data_report=f.data_report)
    assert _correlation_names(ours) == _correlation_names(r_out)
    assert _correlation_names(ours)[0][-1] == "schgndb"        # was `schgnd` (abbreviated alone)
