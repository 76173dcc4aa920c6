#!/usr/bin/env bash
# Regenerates the R reference outputs (run by hand, never by tests): each CASE.R -> CASE.out (stdout).
set -euo pipefail
cd "$(dirname "$0")"
for f in [0-9]*.R hsb82*.R rendered_*.R; do
  [ -e "$f" ] || continue
  Rscript --vanilla "$f" > "${f%.R}.out" 2> "${f%.R}.err" || { echo "failed: $f"; cat "${f%.R}.err"; }
  [ -s "${f%.R}.err" ] || rm -f "${f%.R}.err"
done
