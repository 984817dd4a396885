#!/usr/bin/env bash
# Lints the OpenAPI document the server serves with Redocly's recommended rules (npm @redocly/cli, pinned in
# tools/redocly): starts the built server (Development, a temporary data file, free ports), fetches
# /swagger/v1/swagger.json, runs `redocly lint`. Fails on any error; warnings are printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

npm ci --prefix tools/redocly --no-audit --no-fund > /dev/null
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2> /dev/null && wait "$server_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build src/Missions.Grpc -v q -nologo > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
url="http://127.0.0.1:$(free_port)"
ASPNETCORE_ENVIRONMENT=Development Storage__LiteDb__Path="$work/missions.db" \
  Kestrel__Endpoints__Rest__Url="$url" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$(free_port)" \
  dotnet run --project src/Missions.Grpc --no-build --no-launch-profile > "$work/server.log" 2>&1 &
server_pid=$!
for attempt in $(seq 1 120); do
  curl -sf "$url/healthz/ready" > /dev/null && break
  kill -0 "$server_pid" 2> /dev/null || { cat "$work/server.log"; echo "the server exited" >&2; exit 1; }
  [[ $attempt -lt 120 ]] || { cat "$work/server.log"; echo "the server was not ready in 60 s" >&2; exit 1; }
  sleep 0.5
done

curl -sf "$url/swagger/v1/swagger.json" -o "$work/openapi.json"
# Redocly prints a Node.js support notice on Node 20 (supported until its next major): not a lint result.
tools/redocly/node_modules/.bin/redocly lint "$work/openapi.json" --format stylish 2>&1 | grep -v '^\s*[║╔╚]' | sed '/^\s*$/d'
