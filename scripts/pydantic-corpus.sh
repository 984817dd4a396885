#!/usr/bin/env bash
# Records tests/pydantic/corpus.jsonl again: the differential test's requests (generated from the contract with a
# fixed seed) and pydantic's answers to them (tests/pydantic/oracle.py). Needs python3 with pydantic 2 and PyYAML.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYDANTIC_CORPUS_WRITE=1 dotnet test tests/Missions.Grpc.Tests \
  --filter "FullyQualifiedName~PydanticDifferentialTests.Committed_corpus_is_what_the_generator_and_pydantic_give" \
  --logger "console;verbosity=normal"
wc -l tests/pydantic/corpus.jsonl
