#!/usr/bin/env bash
# buf lint of protos/, and buf breaking against the previous commit — both offline (pinned buf in
# tools/buf; no buf schema registry). The imports come from NuGet packages (versions from
# Directory.Packages.props): each checked tree is laid out in a temp dir as buf.yaml plus one module
# protos/ holding ours and copies of the packages' google/ and buf/ folders, which are excluded from
# the checks. google/protobuf/* are built into buf.
#   scripts/buf-check.sh            lint, then breaking against HEAD~1 (BUF_AGAINST overrides the ref)
#   scripts/buf-check.sh lint       lint only
# Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
what="${1:-all}"

[[ -x tools/buf/node_modules/.bin/buf ]] || npm ci --prefix tools/buf --no-audit --no-fund
buf="$root/tools/buf/node_modules/.bin/buf"

version() { sed -n "s|.*Include=\"$1\" Version=\"\([^\"]*\)\".*|\1|p" Directory.Packages.props; }
nuget="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
googleapis="${nuget%/}/google.api.commonprotos/$(version Google.Api.CommonProtos)/content/protos"
protovalidate="${nuget%/}/protovalidate/$(version ProtoValidate)/content/proto"
[[ -d "$googleapis" && -d "$protovalidate" ]] || dotnet restore Missions.Grpc.sln

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# lay_out <source dir holding buf.yaml and protos/> <target dir>
lay_out() {
  mkdir -p "$2/protos"
  cp "$1/buf.yaml" "$2/buf.yaml"
  cp -R "$1"/protos/. "$2/protos/"
  cp -R "$googleapis/google" "$2/protos/google"
  cp -R "$protovalidate/buf" "$2/protos/buf"
}
excludes=(--exclude-path protos/google --exclude-path protos/buf)

lay_out "$root" "$work/current"
(cd "$work/current" && "$buf" lint "${excludes[@]}")
echo "buf lint: clean"
[[ "$what" == "lint" ]] && exit 0

against="${BUF_AGAINST:-HEAD~1}"
if ! git rev-parse --verify --quiet "$against^{commit}" >/dev/null; then
  if [[ "$(git rev-parse --is-shallow-repository)" == "true" ]]; then
    git fetch --quiet --deepen=1 || true
  fi
fi
if ! git rev-parse --verify --quiet "$against^{commit}" >/dev/null; then
  echo "buf breaking: no commit '$against' to compare with (first commit?): nothing to check"
  exit 0
fi
mkdir -p "$work/previous-tree"
git archive "$against" -- buf.yaml protos | tar -x -C "$work/previous-tree"
if [[ ! -d "$work/previous-tree/protos" ]]; then
  echo "buf breaking: $against has no protos/: nothing to check"
  exit 0
fi
lay_out "$work/previous-tree" "$work/previous"
# No --exclude-path here: buf would apply it to the --against input relative to this directory. The
# imported google/ and buf/ files are the same copies on both sides, so they cannot differ.
(cd "$work/current" && "$buf" breaking --against "$work/previous")
echo "buf breaking: no breaking change against $against ($(git rev-parse --short "$against"))"
