#!/usr/bin/env bash
# Server memory while many clients read the largest page the limits allow (1,000 missions of the largest size), against
# pages of 20 in the same run. Builds in Release, starts the server as its own process, writes bench/PAGE-MEMORY.md.
# Options are passed through: --clients 32 --seconds 15.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dotnet build -c Release bench/Missions.Grpc.Bench -v q -nologo
dotnet bench/Missions.Grpc.Bench/bin/Release/net10.0/Missions.Grpc.Bench.dll page-memory --results bench/PAGE-MEMORY.md "$@"
