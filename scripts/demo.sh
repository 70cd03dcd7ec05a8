#!/usr/bin/env bash
# The built-in default cluster: the lab's two-node PostgreSQL/Pacemaker cluster on shared
# storage. Today this validates it and renders every host's files into ./out/lab-render;
# the lab and deploy issues extend it to hosts that really run.
set -euo pipefail
cd "$(dirname "$0")/.."
fixture=packages/cli/test/fixtures/lab-two-node-pg-pacemaker-shared/cluster.yaml
mkdir -p out
cp "$fixture" out/oar-ha.yaml
oar_ha() { node apps/installer/dist/oar-ha.js "$@"; }
oar_ha validate out/oar-ha.yaml
oar_ha render out/oar-ha.yaml --out out/lab-render --force
echo
echo "Rendered files per host:"
find out/lab-render -type f ! -name oar-ha-render.json | sort | sed 's|^out/lab-render/|  |'
