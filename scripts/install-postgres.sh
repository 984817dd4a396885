#!/usr/bin/env bash
# Installs PostgreSQL from the distribution's packages when it is absent, so that `dotnet test` also runs the suite on
# PostgreSQL (tests/Missions.Grpc.Tests.Postgres). The tests never use the packaged server: each run starts a private
# cluster (initdb in a temporary folder, a free loopback port, as the `postgres` user) and stops it at the end.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; then
  echo "PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1) (already installed)"
  exit 0
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt.sh"
apt_ready "PostgreSQL 15+ (initdb, pg_ctl)"
# The package's own cluster is not wanted: keep the installer from starting services (no init system here anyway).
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d > /dev/null
  "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt_install postgresql
echo "PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1) (installed)"
