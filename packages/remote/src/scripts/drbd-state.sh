#!/bin/sh
# Read-only: DRBD resource $RES on this server, as key=value lines (unconfigured: role=none).
# Variables: RES
set -u
: "${RES:?}"
if ! role=$(drbdadm role "$RES" 2>/dev/null); then
  echo "role=none"
  exit 0
fi
echo "role=$role"
echo "cstate=$(drbdadm cstate "$RES" 2>/dev/null)"
echo "dstate=$(drbdadm dstate "$RES" 2>/dev/null)"
minor=$(drbdadm sh-minor "$RES" 2>/dev/null)
# DRBD 8.4's /proc/drbd: the resource's block (its line and the next ones up to the next minor).
block=$(awk -v m="$minor:" '$1 == m { on = 1; print; next } on && /^ *[0-9]+:/ { on = 0 } on { print }' /proc/drbd 2>/dev/null)
echo "oos_kib=$(printf '%s\n' "$block" | sed -n 's/.* oos:\([0-9]*\).*/\1/p' | head -1)"
echo "sync=$(printf '%s\n' "$block" | sed -n "s/.*sync'ed: *\([0-9.]*\)%.*/\1/p" | head -1)"
echo "verify=$(printf '%s\n' "$block" | sed -n 's/.*verified: *\([0-9.]*\)%.*/\1/p' | head -1)"
echo "finish=$(printf '%s\n' "$block" | sed -n 's/.*finish: \([0-9:]*\).*/\1/p' | head -1)"
if dmesg 2>/dev/null | grep -q "block drbd$minor: Split-Brain detected but unresolved"; then echo "splitbrain=unresolved"; fi
