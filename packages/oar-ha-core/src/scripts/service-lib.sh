#!/bin/sh
# oar-ha's service helpers, put in front of a host script by withServiceLib (@oar-ha/core).
# One place for "systemd or sysvinit": a server may run either (a container or a lab host has
# no systemd). Boot-time start is what oar-ha turns off for every daemon the cluster manager
# owns, and back on at uninstall.

# True when systemd is PID 1.
svc_systemd() { [ -d /run/systemd/system ]; }

# True when SERVICE starts at boot (a sysvinit rc link, or enabled in systemd).
svc_boot_enabled() {
  ls /etc/rc[2345].d/S*"$1" >/dev/null 2>&1 || { svc_systemd && systemctl is-enabled --quiet "$1" 2>/dev/null; }
}

# SERVICE... start at boot (rc links, and the systemd unit when systemd runs).
svc_boot_enable() {
  for _svc in "$@"; do
    update-rc.d "$_svc" enable >/dev/null 2>&1 || true
    if svc_systemd; then systemctl enable --quiet "$_svc"; fi
  done
}

# SERVICE... no longer start at boot; never fails (a service that is not installed stays so).
svc_boot_disable() {
  for _svc in "$@"; do
    update-rc.d "$_svc" disable >/dev/null 2>&1 || true
    if svc_systemd; then systemctl disable --quiet "$_svc" || true; fi
  done
}

# Until the script exits, package installs start no daemon (policy-rc.d says no): only the
# cluster manager starts them. A policy-rc.d that was already there is left as it is.
svc_deny_start_on_install() {
  [ -e /usr/sbin/policy-rc.d ] && return 0
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
}

# Debian packages installed without recommends, non-interactive, no daemon started by them.
svc_apt_install() {
  svc_deny_start_on_install
  DEBIAN_FRONTEND=noninteractive
  export DEBIAN_FRONTEND
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "$@"
}
