#!/usr/bin/env bash
# A longer differential run against live pydantic than CI's (800 cases): scripts/pydantic-live.sh [cases] [seed].
# A CsCheck seed is 12+ characters of its alphabet (e.g. 0pydanticLive3); the same seed gives the same requests.
# Needs python3 with pydantic 2 and PyYAML. Prints the summary and every difference beyond the listed departures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYDANTIC_LIVE_CASES="${1:-20000}" PYDANTIC_LIVE_SEED="${2:-0pydanticLive3}" dotnet test tests/Missions.Grpc.Tests \
  --filter "FullyQualifiedName~PydanticDifferentialTests.A_fresh_batch_answers_as_live_pydantic_does" \
  --logger "console;verbosity=detailed" | grep -vE "^\s*$|^\s*(info|warn|dbug):"
