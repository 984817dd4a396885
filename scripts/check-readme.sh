#!/usr/bin/env bash
# Runs README.md's examples (scripts/check-readme.mjs says how), after installing what they use: jq (Debian
# package, when absent) and the Telnyx SDK for the JavaScript example (tests/sdk). Needs ports 5080, 5081, 8080
# and 8081 free, as the README's commands use them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v jq > /dev/null; then
  echo "== installing jq (Debian package) =="
  if [[ $EUID -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq jq > /dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq jq > /dev/null; fi
fi
[[ -d tests/sdk/node_modules/telnyx ]] || npm ci --prefix tests/sdk --no-audit --no-fund
node scripts/check-readme.mjs
