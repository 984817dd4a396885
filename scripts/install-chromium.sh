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
if ! command -v apt-get > /dev/null; then
  echo "Chromium is not installed and apt-get is not available: install Chromium yourself (or set CHROMIUM to its path)." >&2
  exit 1
fi
sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core > /dev/null
echo "Chromium: /usr/bin/chromium (installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"
