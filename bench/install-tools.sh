#!/usr/bin/env bash
# The load generators the tables use, from Debian packages when absent: wrk (HTTP/1.1) and h2load (nghttp2-client, gRPC over h2c).
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v h2load >/dev/null || missing+=(nghttp2-client)
if ((${#missing[@]})); then
  echo "== installing ${missing[*]} (apt-get)"
  sudo=""
  [[ $EUID -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
