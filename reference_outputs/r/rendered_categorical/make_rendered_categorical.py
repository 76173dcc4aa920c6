"""Produce the real R evidence of this directory: mlmgen renders each model file here to R, Rscript runs it.

Run from the repository root (R 4.2 with lme4, lmerTest, emmeans, mlmRev; mlmgen installed):

    python reference_outputs/r/rendered_categorical/make_rendered_categorical.py [CASE ...]

(with CASE names, only those cases are produced again; without, all)

For each `<case>.toml` here: the data are written to a scratch directory (never committed): the lecture's demo
data with `sex` and `denomina` drawn by our own seeded code (`tests/test_render_categorical.with_categoricals`,
seed 20261205) for the `2b_*` cases, `mlmRev::bdf` and `lme4::sleepstudy` written by R for the others;
`mlmgen render <case>.toml --to lme4 --data-prep --import <data file>` (with `--data` for the R data sets, so
their levels are written out) gives `<case>.R` (kept here), and `Rscript --vanilla <case>.R`, run in the
scratch directory, prints `<case>.out` (kept here, stdout only; lmerTest's start-up messages go to stderr).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))

LECTURE = "lecture_categorical.csv"
R_DATA = {
    "bdf.csv": 'suppressMessages(library(mlmRev)); d <- bdf[, c("langPOST", "IQ.verb", "sex", "Minority", '
               '"denomina", "schoolNR")]',
    "sleepstudy.csv": "suppressMessages(library(lme4)); d <- sleepstudy; "
                      "d$Subject <- as.integer(as.character(d$Subject))",
}
DATA_OF = {"bdf_sex_minority_denomina": "bdf.csv", "sleepstudy_factor_days": "sleepstudy.csv"}


def data_file(case: str) -> str:
    return DATA_OF.get(case, LECTURE)


def write_data(where: Path) -> None:
    from test_render_categorical import with_categoricals
    with_categoricals().to_csv(where / LECTURE, index=False)
    for name, code in R_DATA.items():
        subprocess.run(["Rscript", "--vanilla", "-e", f'{code}; write.csv(d, "{name}", row.names = FALSE)'],
                       cwd=where, check=True)


def render(case: str) -> str:
    data = data_file(case)
    args = [str(Path(sys.executable).parent / "mlmgen"), "render", str(HERE / f"{case}.toml"), "--to", "lme4", "--data-prep",
            "--import", data]
    return args + (["--data", data] if data != LECTURE else [])


def main(cases: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_data(work)
        for model in sorted(HERE.glob("*.toml")):
            case = model.stem
            if cases and case not in cases:
                continue
            code = subprocess.run(render(case), cwd=work, check=True, capture_output=True, text=True).stdout
            (HERE / f"{case}.R").write_text(code, encoding="utf-8")
            (work / f"{case}.R").write_text(code, encoding="utf-8")
            out = subprocess.run(["Rscript", "--vanilla", f"{case}.R"], cwd=work, check=True, capture_output=True,
                                 text=True).stdout
            (HERE / f"{case}.out").write_text(out, encoding="utf-8")
            print(case, len(out.splitlines()), "lines")


if __name__ == "__main__":
    main(sys.argv[1:])
