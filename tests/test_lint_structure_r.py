"""ST001 (id-reuse trap) against real R on lme4::Pastes and lme4::Penicillin.

* Pastes: cask ids a, b, c restart in every batch. lme4's `(1 | batch) + (1 | cask)` makes 3 cask units and
  `(1 | batch/cask)` 30, and the REML criteria differ: the crossed spelling is another model. ST001 flags the
  crossed spelling with the data and names `(1 | batch/cask)`; the nested spelling passes.
* Penicillin: plate x sample is a real crossed design (one row per cell): ST001 stays silent.
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from mlmgen.cli import cli
from rtools import run_r

pytestmark = pytest.mark.r


def _lint(tmp_path, program: str, csv: str) -> str:
    f = tmp_path / "m.R"
    f.write_text(program, encoding="utf-8")
    out = CliRunner().invoke(cli, ["lint", str(f), "--data", str(tmp_path / csv)], catch_exceptions=False)
    return out.output


def test_pastes_crossed_spelling_is_another_model_and_is_flagged(tmp_path):
    out = run_r(f'''
suppressMessages(library(lme4))
write.csv(Pastes, "{tmp_path / 'pastes.csv'}", row.names = FALSE)
a <- lmer(strength ~ 1 + (1 | batch) + (1 | cask), Pastes)
b <- lmer(strength ~ 1 + (1 | batch/cask), Pastes)
cat(ngrps(a)[["cask"]], ngrps(b)[["cask:batch"]], REMLcrit(a), REMLcrit(b), "\\n")
''').split()
    crossed_units, nested_units, crit_crossed, crit_nested = int(out[0]), int(out[1]), float(out[2]), float(out[3])
    assert (crossed_units, nested_units) == (3, 30)
    assert abs(crit_crossed - crit_nested) > 1.0          # measured: 301.47 vs 246.99
    bad = _lint(tmp_path, "m <- lmer(strength ~ 1 + (1 | batch) + (1 | cask), data = Pastes, REML = TRUE)\n",
                "pastes.csv")
    assert "warning ST001" in bad and "(1 | batch/cask)" in bad
    ok = _lint(tmp_path, "m <- lmer(strength ~ 1 + (1 | batch/cask), data = Pastes, REML = TRUE)\n", "pastes.csv")
    assert "ST001" not in ok


def test_penicillin_is_crossed_and_passes(tmp_path):
    run_r(f'suppressMessages(library(lme4)); write.csv(Penicillin, "{tmp_path / "pen.csv"}", row.names = FALSE)')
    out = _lint(tmp_path, "m <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = Penicillin, REML = TRUE)\n",
                "pen.csv")
    assert "ST001" not in out
