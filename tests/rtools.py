"""Running real R in tests: the executable reference (lme4, lmerTest, pbkrtest, mlmRev from Debian).

Tests that need R are marked `@pytest.mark.r` and call `require_r()` (or use the `r` fixture), which skips
with a clear reason when Rscript or one of the packages is missing. CI installs R (scripts/install-r.sh), so
there they run. Every entry point here (`require_r`, `run_r`, `r_dataset_csv`) first checks that the running
test carries the `r` marker and fails it otherwise (conftest.py records the running test in CURRENT_TEST),
so `pytest -m "not r"` never needs R and never skips for lack of it.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

R_PACKAGES = ("lme4", "lmerTest", "pbkrtest", "mlmRev")


@functools.lru_cache(maxsize=1)
def r_status() -> str | None:
    """None when R is usable, else the reason it is not."""
    exe = shutil.which("Rscript")
    if exe is None:
        return "Rscript not found (install R with scripts/install-r.sh: r-base-core r-cran-lme4 r-cran-lmertest r-cran-pbkrtest r-cran-mlmrev)"
    code = "for (p in c(%s)) if (!requireNamespace(p, quietly=TRUE)) cat('missing', p, '\\n')" % ",".join(
        f'"{p}"' for p in R_PACKAGES)
    try:
        out = subprocess.run([exe, "--vanilla", "-e", code], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"Rscript did not run: {e}"
    if "missing" in out.stdout:
        return f"R packages missing: {out.stdout.strip()} (install with scripts/install-r.sh)"
    return None


CURRENT_TEST = None     # the pytest item being set up or run (set by conftest.py)


def check_marked() -> None:
    """Fail the running test when it is not marked @pytest.mark.r (it would make `-m "not r"` need R)."""
    item = CURRENT_TEST
    if item is not None and item.get_closest_marker("r") is None:
        pytest.fail(f"{item.nodeid} runs R but is not marked @pytest.mark.r; mark it (pytest -m 'not r' must "
                    "run without R)", pytrace=False)


def require_r() -> None:
    check_marked()
    reason = r_status()
    if reason:
        pytest.skip(reason)


def run_r(code: str, timeout: int = 600, cwd: str | None = None) -> str:
    """Run R code with Rscript --vanilla; return stdout; fail the test with R's stderr on error."""
    require_r()
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as f:
        f.write(code)
        path = f.name
    try:
        out = subprocess.run(["Rscript", "--vanilla", path], capture_output=True, text=True, timeout=timeout,
                             cwd=cwd)
    finally:
        os.unlink(path)
    if out.returncode != 0:
        pytest.fail(f"R failed (exit {out.returncode}):\n{out.stderr[-4000:]}\n--- stdout ---\n{out.stdout[-2000:]}")
    return out.stdout


# The lecture's raw variables built from mlmRev::bdf (Snijders & Bosker's language data, 2,287 pupils in
# 131 schools): langpost = langPOST, verbal = IQ.verb, homework, mixgrd = mixedgra (0/1), schoolID = schoolNR.
BDF_EXAMPLE_R = r'''
suppressMessages(library(mlmRev))
Example <- data.frame(schoolID = as.integer(as.character(bdf$schoolNR)), langpost = bdf$langPOST,
                      verbal = bdf$IQ.verb, homework = bdf$homework,
                      mixgrd = as.numeric(as.character(bdf$mixedgra)))
'''


def r_dataset_csv(which: str) -> Path:
    """Write a public data set shipped with an R package to a cached CSV and return its path.

    which: "bdf_example" (the lecture's raw variables from mlmRev::bdf), "sleepstudy" (lme4),
    "hsb82" (mlmRev::Hsb82)."""
    require_r()
    return _r_dataset_csv(which)


@functools.lru_cache(maxsize=4)
def _r_dataset_csv(which: str) -> Path:
    require_r()
    cache = Path(tempfile.gettempdir()) / "mlmgen-test-data"
    cache.mkdir(exist_ok=True)
    path = cache / f"{which}.csv"
    if path.exists() and path.stat().st_size > 0:
        return path
    body = {
        "bdf_example": BDF_EXAMPLE_R + "d <- Example",
        "sleepstudy": "suppressMessages(library(lme4)); d <- sleepstudy; d$Subject <- as.integer(as.character(d$Subject))",
        "hsb82": "suppressMessages(library(mlmRev)); d <- Hsb82; d$school <- as.integer(as.character(d$school))",
    }[which]
    tmp = path.with_suffix(".tmp")
    run_r(body + f'\nwrite.csv(d, "{tmp.as_posix()}", row.names = FALSE)\n')
    tmp.replace(path)
    return path


LME4_DEFAULT = Path(__file__).resolve().parent.parent / "reference_outputs" / "r" / "lme4_default"


def lme4_default_csv(name: str) -> Path:
    """The data file `name` of a case in reference_outputs/r/lme4_default/: the simulated data sets drawn
    there (committed, no R needed) or an R package's data set as fitted (sleepstudy.csv, dyestuff.csv,
    hsb82.csv, bdf.csv: not committed; built once per machine by the directory's data_lme4_default.R into a
    cache and checked against its data_sha256.txt, so the test reads the very data the fits used)."""
    committed = LME4_DEFAULT / name
    if committed.exists():
        return committed
    require_r()
    return _lme4_default_csv(name)


def lme4_default_needs_r(name: str) -> bool:
    """Whether a case's data file is built in R at test time (tests using it carry the `r` marker)."""
    return not (LME4_DEFAULT / name).exists()


@functools.lru_cache(maxsize=8)
def _lme4_default_csv(name: str) -> Path:
    import hashlib
    sums = dict(line.split() for line in (LME4_DEFAULT / "data_sha256.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#"))
    if name not in sums:
        pytest.fail(f"{name} is neither committed in {LME4_DEFAULT} nor listed in its data_sha256.txt")
    cache = Path(tempfile.gettempdir()) / "mlmgen-test-data" / "lme4_default"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / name
    if not (path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sums[name]):
        tmp = Path(tempfile.mkdtemp(dir=cache))
        run_r(f'setwd("{LME4_DEFAULT.as_posix()}")\n'
              f'source("data_lme4_default.R")\n'
              f'd <- lme4_default_data()\n'
              f'for (k in names(d)) write.csv(d[[k]], file.path("{tmp.as_posix()}", paste0(k, ".csv")), '
              f'row.names = FALSE)\n')
        for f in tmp.iterdir():
            f.replace(cache / f.name)
        tmp.rmdir()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sums[name]:
        pytest.fail(f"{name} built by data_lme4_default.R is not the data the committed fits used (SHA-256 "
                    f"{digest[:12]}..., expected {sums[name][:12]}...): another version of the R package's data")
    return path
