#!/usr/bin/env bash
# Smoke test of mlmgen as users install it: build the sdist and the wheel, install each into its own clean
# virtual environment (not editable), and run scripts/smoke_checks.py with each installed `mlmgen` from a
# temporary directory outside the checkout (so nothing can be found through the repository's own folders).
# Needs network access to the package registry (pip installs `build` and mlmgen's dependencies).
# Usage: bash scripts/smoke.sh            (exit 0 when both installs pass every check)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PY=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mlmgen-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# The source as committed plus any new files not ignored by git (no .venv, build/ or egg-info leftovers).
mkdir -p "$WORK/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
        [ -e "$f" ] && cp --parents -- "$f" "$WORK/src/"
    done
else                                  # not a git checkout: everything but environments and build leftovers
    tar -cf - --exclude='./.venv*' --exclude='./build' --exclude='./dist' --exclude='*.egg-info' \
        --exclude='__pycache__' . | tar -xf - -C "$WORK/src"
fi

"$PY" -m venv "$WORK/buildenv"
"$WORK/buildenv/bin/python" -m pip install --quiet --upgrade pip build
# build: the sdist from the source, then the wheel from the unpacked sdist (so the sdist must be complete)
"$WORK/buildenv/bin/python" -m build --outdir "$WORK/dist" "$WORK/src" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; echo "smoke: building the sdist and wheel failed" >&2; exit 1; }
SDIST=$(ls "$WORK"/dist/mlmgen-*.tar.gz)
WHEEL=$(ls "$WORK"/dist/mlmgen-*.whl)

status=0
for kind in wheel sdist; do
    artefact=$WHEEL; [ "$kind" = sdist ] && artefact=$SDIST
    echo "== smoke: $kind ($(basename "$artefact"))"
    "$PY" -m venv "$WORK/venv-$kind"
    "$WORK/venv-$kind/bin/python" -m pip install --quiet --upgrade pip
    "$WORK/venv-$kind/bin/python" -m pip install --quiet "$artefact"
    mkdir -p "$WORK/run-$kind"
    # inputs are copied next to the run directory; the installed package must supply everything else
    (cd "$WORK/run-$kind" && "$WORK/venv-$kind/bin/python" "$REPO/scripts/smoke_checks.py" \
        --mlmgen "$WORK/venv-$kind/bin/mlmgen" --inputs "$REPO") || status=1
done
if [ $status -eq 0 ]; then echo "smoke: wheel and sdist passed"; else echo "smoke: FAILED" >&2; fi
exit $status
