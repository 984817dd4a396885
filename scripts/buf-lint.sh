#!/usr/bin/env bash
# Lints protos/ with buf (pinned in tools/buf), offline: no buf schema registry.
# The imports come from NuGet packages (versions from Directory.Packages.props):
# a temp dir gets buf.yaml and one module protos/ holding ours plus the packages'
# google/ and buf/ folders (all symlinked); those two are excluded from the lint.
# google/protobuf/* are built into buf. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[[ -x tools/buf/node_modules/.bin/buf ]] || npm ci --prefix tools/buf --no-audit --no-fund
buf="$root/tools/buf/node_modules/.bin/buf"

version() { sed -n "s|.*Include=\"$1\" Version=\"\([^\"]*\)\".*|\1|p" Directory.Packages.props; }
nuget="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
googleapis="${nuget%/}/google.api.commonprotos/$(version Google.Api.CommonProtos)/content/protos"
protovalidate="${nuget%/}/protovalidate/$(version ProtoValidate)/content/proto"
[[ -d "$googleapis" && -d "$protovalidate" ]] || dotnet restore Missions.Grpc.sln

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/protos"
ln -s "$root/buf.yaml" "$work/buf.yaml"
ln -s "$root"/protos/* "$work/protos/"
ln -s "$googleapis/google" "$work/protos/google"
ln -s "$protovalidate/buf" "$work/protos/buf"

cd "$work"
"$buf" lint --exclude-path protos/google --exclude-path protos/buf "$@"
