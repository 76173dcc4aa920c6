#!/usr/bin/env bash
# Set up a virtual environment (.venv) and run the main job on the built-in default: `mlmgen demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
status=0
.venv/bin/mlmgen demo "$@" || status=$?
echo "" >&2
echo "mlmgen is installed in .venv (not on your PATH): run .venv/bin/mlmgen --help, or" >&2
echo "'source .venv/bin/activate' and then mlmgen ... (see the README's tour)" >&2
exit $status
