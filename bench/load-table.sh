#!/usr/bin/env bash
# The load table in one command: installs wrk and h2load (Debian packages wrk, nghttp2-client) when absent, builds the
# benchmarks in Release (the service and the peer with them), runs the table and writes bench/RESULTS.md.
# Options are passed through: --seconds 10 --warm-up 6 --connections 32 --missions 100000.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench/install-tools.sh

dotnet build -c Release bench/Missions.Grpc.Bench -v q -nologo
dotnet bench/Missions.Grpc.Bench/bin/Release/net10.0/Missions.Grpc.Bench.dll table --results bench/RESULTS.md "$@"
