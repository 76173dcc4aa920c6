#!/usr/bin/env bash
# Install headless Chromium and poppler-utils (pdfinfo) from Debian packages (run as root), for the handout
# browser tests (tests/test_handout_browser.py, marker `browser`). Without them those tests skip and say why.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
  echo "chromium and pdfinfo are already installed"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium poppler-utils fonts-dejavu-core
