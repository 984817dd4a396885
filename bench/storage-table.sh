#!/usr/bin/env bash
# The storage table in one command: installs wrk, h2load and PostgreSQL's binaries when absent, builds the benchmarks
# in Release, and measures the same operations on LiteDB and on PostgreSQL (a private cluster; one replica, then two);
# writes bench/STORAGE.md. Options are passed through: --seconds 8 --warm-up 4 --connections 32 --missions 20000.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench/install-tools.sh
scripts/install-postgres.sh

dotnet build -c Release bench/Missions.Grpc.Bench -v q -nologo
dotnet bench/Missions.Grpc.Bench/bin/Release/net10.0/Missions.Grpc.Bench.dll storage --results bench/STORAGE.md "$@"
