#!/usr/bin/env bash
# The full drill matrix on the namespace lab (slow: hours with the default runs).
# Writes docs/drills/<setup>-main.md and -other.md (+ .json, .svg) from real runs on this machine.
#   RUNS (default 20)       runs of F01, S01, S02 per setup
#   OTHER_RUNS (default 3)  runs of every other scenario
#   ONLY="name ..."         run only these setups (names below)
# The no-witness setup runs F01 only: it is the measured case against the default witness.
set -euo pipefail
cd "$(dirname "$0")/.."
oar_ha() { node apps/installer/dist/oar-ha.js "$@"; }
RUNS=${RUNS:-20}
OTHER_RUNS=${OTHER_RUNS:-3}
ONLY=${ONLY:-}
root=/mnt/oar-ha-lab-drills
mkdir -p docs/drills
rc=0
while read -r name main other opts; do
  if [ -n "$ONLY" ] && ! printf ' %s ' "$ONLY" | grep -q " $name "; then continue; fi
  oar_ha lab down --root "$root" >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  oar_ha lab up --root "$root" --skip-install $opts
  oar_ha apply "$root/oar-ha.yaml" --yes
  oar_ha drill "$root/oar-ha.yaml" --scenario "$main" --runs "$RUNS" --report "docs/drills/$name-main.md" || rc=1
  if [ "$other" != "-" ] && [ "$OTHER_RUNS" -gt 0 ]; then
    oar_ha drill "$root/oar-ha.yaml" --scenario "$other" --runs "$OTHER_RUNS" --report "docs/drills/$name-other.md" || rc=1
  fi
done <<'MATRIX'
two-node-postgresql-pacemaker F01,S01,S02 F02,F03,N01,N02,N04,N05,S03,S04,S05,S07
two-node-postgresql-pacemaker-no-witness F01 - --no-witness
two-node-mariadb-heartbeat F01 F02,F03,N04,N05,S04 --manager heartbeat --db mariadb
four-node-mariadb-pacemaker F01,S01,S02 F02,F03,N01,N02,N04,N05,S03,S04,S05,S07 --servers 4 --db mariadb
MATRIX
oar_ha lab down --root "$root"
exit "$rc"
