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
cstate=$(drbdadm cstate "$RES" 2>/dev/null)
echo "cstate=$cstate"
echo "dstate=$(drbdadm dstate "$RES" 2>/dev/null)"
minor=$(drbdadm sh-minor "$RES" 2>/dev/null)
# DRBD 8.4's /proc/drbd: the resource's block (its line and the next ones up to the next minor).
block=$(awk -v m="$minor:" '$1 == m { on = 1; print; next } on && /^ *[0-9]+:/ { on = 0 } on { print }' /proc/drbd 2>/dev/null)
echo "oos_kib=$(printf '%s\n' "$block" | sed -n 's/.* oos:\([0-9]*\).*/\1/p' | head -1)"
echo "sync=$(printf '%s\n' "$block" | sed -n "s/.*sync'ed: *\([0-9.]*\)%.*/\1/p" | head -1)"
echo "verify=$(printf '%s\n' "$block" | sed -n 's/.*verified: *\([0-9.]*\)%.*/\1/p' | head -1)"
echo "finish=$(printf '%s\n' "$block" | sed -n 's/.*finish: \([0-9:]*\).*/\1/p' | head -1)"
# A split brain the kernel logged stays unresolved until the resource connects again: only the
# later of the two kinds of line counts (an old split brain, resolved since, is not reported).
last=$(dmesg 2>/dev/null | grep -E "block drbd$minor: Split-Brain detected but unresolved|(drbd $RES|block drbd$minor): .*conn\( [A-Za-z]+ -> Connected \)" | tail -1)
# A connected resource has none, whatever the log says.
case "$cstate:$last" in
  Connected:* | Sync*:* | PausedSync*:* | Verify*:*) ;;
  *Split-Brain*) echo "splitbrain=unresolved" ;;
esac
