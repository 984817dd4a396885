#!/usr/bin/env bash
# Installs Chromium from the distribution's packages when it is absent, for the run console's browser tests
# (tests/console, driven by puppeteer-core, which downloads no browser). Called by .ci/run and by the test itself.
set -euo pipefail

for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [[ -x "$candidate" ]]; then
    echo "Chromium: $candidate (already installed)"
    exit 0
  fi
done
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_ready "Chromium (or set CHROMIUM to its path)"
apt_install chromium fonts-dejavu-core
echo "Chromium: /usr/bin/chromium (installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
