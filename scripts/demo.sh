#!/usr/bin/env bash
# The README's first command: from a fresh clone to a running, proven HA OAR cluster.
# The lab is two HA servers, a frontend and an admin host as Linux namespaces on this machine,
# each with its own sshd; oar-ha deploys onto it over SSH exactly as onto real servers, checks
# it, then breaks it on purpose (a server crash, a kill -9 of Almighty) and measures.
set -euo pipefail
cd "$(dirname "$0")/.."
oar_ha() { node apps/installer/dist/oar-ha.js "$@"; }
lab=/mnt/oar-ha-lab
oar_ha lab up "$@"
oar_ha validate "$lab/oar-ha.yaml"
oar_ha apply "$lab/oar-ha.yaml" --yes
oar_ha status "$lab/oar-ha.yaml"
oar_ha drill "$lab/oar-ha.yaml" --scenario F01,S01 --report "$lab/drill.md"
echo
echo "A two-server HA OAR cluster runs in the lab (report of the drill: $lab/drill.md). Try:"
echo "  node apps/installer/dist/oar-ha.js status $lab/oar-ha.yaml"
echo "  node apps/installer/dist/oar-ha.js switchover $lab/oar-ha.yaml"
echo "  ssh -F $lab/admin/ssh_config front 'oarstat'"
echo "Tear it down with:  node apps/installer/dist/oar-ha.js lab down"
