"""fev_data of the R package mmrm as its users have it: text factors (USUBJID `PT1`, AVISIT `VIS1`..`VIS4`, ARMCD
`PBO`/`TRT`, RACE, SEX), written to CSV by real R at test time from the repository's `data/fev_data.rda` (blob
checked by `repeated_r.fev_data`'s rules; nothing committed). Skips when the repository or R is missing."""
from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path

from repeated_r import FEV_DATA_BLOB, mmrm_repository
from rtools import run_r


@functools.lru_cache(maxsize=1)
def fev_text_csv() -> Path:
    import pytest
    repo = mmrm_repository()
    if repo is None:
        pytest.skip("fev_data needs a copy of github.com/openpharma/mmrm (set MLMGEN_MMRM_REPO to a checkout)")
    blob = subprocess.run(["git", "-C", repo, "cat-file", "blob", FEV_DATA_BLOB], capture_output=True)
    if blob.returncode != 0:
        pytest.skip(f"{repo} has no blob {FEV_DATA_BLOB} (data/fev_data.rda)")
    tmp = Path(tempfile.mkdtemp(prefix="mlmgen-fevtext-"))
    (tmp / "fev_data.rda").write_bytes(blob.stdout)
    run_r(f"load('{(tmp / 'fev_data.rda').as_posix()}'); d <- as.data.frame(fev_data)\n"
          "for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])\n"
          f"write.csv(d, '{(tmp / 'fev.csv').as_posix()}', row.names = FALSE, na = 'NA')\n")
    return tmp / "fev.csv"
