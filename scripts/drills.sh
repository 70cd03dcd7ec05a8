#!/usr/bin/env bash
# The full drill matrix on the namespace lab (slow: about an hour with the default runs).
# Writes docs/drills/<setup>.md (+ .json, .svg) from real runs on this machine.
# RUNS (default 20) applies to F01, S01, S02; the other scenarios run OTHER_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
oar_ha() { node apps/installer/dist/oar-ha.js "$@"; }
RUNS=${RUNS:-20}
OTHER_RUNS=${OTHER_RUNS:-3}
root=/mnt/oar-ha-lab-drills
mkdir -p docs/drills
rc=0
while read -r name opts; do
  oar_ha lab down --root "$root" >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  oar_ha lab up --root "$root" --skip-install $opts
  oar_ha apply "$root/oar-ha.yaml" --yes
  oar_ha drill "$root/oar-ha.yaml" --scenario F01,S01,S02 --runs "$RUNS" --report "docs/drills/$name-main.md" || rc=1
  oar_ha drill "$root/oar-ha.yaml" --scenario F02,F03,N01,N02,N04,N05,S03,S04,S05,S07 --runs "$OTHER_RUNS" --report "docs/drills/$name-other.md" || rc=1
done <<'MATRIX'
two-node-postgresql-pacemaker
two-node-mariadb-heartbeat --manager heartbeat --db mariadb
four-node-mariadb-pacemaker --servers 4 --db mariadb
MATRIX
oar_ha lab down --root "$root"
exit "$rc"
