#!/usr/bin/env bash
# The README's first command: from a fresh clone to a running lab ready for `oar-ha apply`.
# The lab is two HA servers, a frontend and an admin host as Linux namespaces on this
# machine, each with its own sshd; its cluster file is written to /mnt/oar-ha-lab/oar-ha.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
oar_ha() { node apps/installer/dist/oar-ha.js "$@"; }
oar_ha lab up "$@"
oar_ha validate /mnt/oar-ha-lab/oar-ha.yaml
oar_ha render /mnt/oar-ha-lab/oar-ha.yaml --out /mnt/oar-ha-lab/render --force
oar_ha lab status
echo
echo "The lab is up. Try:  ssh -F /mnt/oar-ha-lab/admin/ssh_config srv-a"
echo "                     node apps/installer/dist/oar-ha.js lab crash srv-b"
echo "Tear it down with:   node apps/installer/dist/oar-ha.js lab down"
