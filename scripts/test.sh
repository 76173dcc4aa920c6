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
exec .venv-test/bin/python -m pytest "$@"
