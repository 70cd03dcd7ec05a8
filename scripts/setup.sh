#!/usr/bin/env bash
# Installs what oar-ha's build and tests need on a Debian 12 machine, then builds.
# Idempotent and quick when everything is already there. Run as root (or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the real tools the tests hand generated files to.
PACKAGES=(
  drbd-utils                                   # drbdadm -c FILE dump
  pacemaker pacemaker-cli-utils crmsh          # crm_verify, cibadmin, crm configure load
  corosync corosync-qdevice corosync-qnetd     # corosync -t
  heartbeat cluster-glue resource-agents       # Heartbeat 3, OCF agents (IPaddr2, Filesystem, pgsql, mysql)
  fence-agents sbd                             # fence_ipmilan, fence_virsh, fence_sbd
  postgresql mariadb-server                    # postgres -C, pg_hba check, mariadbd --help --verbose
  openssh-server openssh-client iproute2 util-linux procps   # namespaces (unshare, ip), sshd per lab host
  tini nftables kmod chrony                    # the lab: PID 1 of each host, fault injection, modprobe for agents, time server for VMs
  oar-server oar-server-pgsql oar-server-mysql oar-node oar-user oar-user-pgsql oar-user-mysql   # OAR 2.5.9
  krb5-kdc krb5-admin-server krb5-user         # Kerberos (lab KDC)
  apache2 libapache2-mod-auth-gssapi oar-restful-api curl   # the OAR API behind Apache with GSSAPI (kerberos HTTP)
  logrotate                                    # logrotate -d on the log-sync rules
  shellcheck                                   # every host-side script is checked
  sysbench fio iperf3                          # oar-ha bench: its host scripts run here with the real tools
  lintian man-db                               # the Debian package: lintian checks it, man renders its page
  chromium                                     # the status page tested in a real browser (puppeteer-core drives it)
)
# Real DRBD in the lab (lab up --drbd: the DRBD smoke in npm test, npm run test:drbd): qemu VMs,
# their image built by debootstrap, a data disk partitioned by sfdisk, their clocks kept by chrony.
PACKAGES+=(qemu-system-x86 qemu-utils debootstrap fdisk chrony)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "oar-ha setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "  fix: run this script as root (sudo bash scripts/setup.sh)" >&2
    exit 1
  fi
  echo "oar-ha setup: installing ${missing[*]}" >&2
  # Daemons are started by the tests or the lab, never at package install time.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  trap '[ "$own_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages, from the lockfile; skipped when node_modules is current.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

export TURBO_TELEMETRY_DISABLED=1
npx turbo run build --output-logs=errors-only
