#!/usr/bin/env bash
# Runs README.md's examples (scripts/check-readme.mjs says how), after installing what they use: jq and openssl
# (Debian packages, when absent), the Telnyx SDK for the JavaScript example (tests/sdk) and the pinned buf CLI
# (tools/buf). Needs ports 5080, 5081, 5443, 8080 and 8081 free, as the README's commands use them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
for tool in jq openssl; do command -v "$tool" > /dev/null || missing+=("$tool"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "== installing ${missing[*]} (Debian packages) =="
  sudo=""; [[ $EUID -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
[[ -d tests/sdk/node_modules/telnyx ]] || npm ci --prefix tests/sdk --no-audit --no-fund
[[ -x tools/buf/node_modules/.bin/buf ]] || npm ci --prefix tools/buf --no-audit --no-fund
node scripts/check-readme.mjs
