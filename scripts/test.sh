#!/usr/bin/env bash
# Set up a virtual environment (.venv-test) with the test extras and run the whole test suite.
# Tests that need R (Rscript with lme4, lmerTest, pbkrtest, mlmRev) skip with a reason when R is absent;
# scripts/install-r.sh installs it on Debian/Ubuntu (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv-test/bin/python ]; then "$PY" -m venv .venv-test; fi
.venv-test/bin/python -m pip install --quiet --upgrade pip
.venv-test/bin/python -m pip install --quiet -e ".[test]"
# the optional CHOLMOD backend (mlmgen[sparse]) builds against SuiteSparse's headers (Debian: libsuitesparse-dev,
# installed by scripts/install-r.sh); without them its tests skip with the reason
.venv-test/bin/python -m pip install --quiet -e ".[sparse]" >/dev/null 2>&1 || echo "mlmgen[sparse] not installed (no SuiteSparse headers): the CHOLMOD tests skip"
exec .venv-test/bin/python -m pytest "$@"
