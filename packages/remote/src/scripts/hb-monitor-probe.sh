#!/bin/sh
# Read-only: oar-ha's Heartbeat service monitor on this server, for `oar-ha status`.
# Prints now=EPOCH, paused=yes when the pause file exists, the monitor's state file as it is,
# and alive=yes when the pid the state names is alive.
# Variables: STATE PAUSE
set -u
: "${STATE:?} ${PAUSE:?}"
echo "now=$(date +%s)"
[ -e "$PAUSE" ] && echo paused=yes
s=$(cat "$STATE" 2>/dev/null) || exit 0
printf '%s\n' "$s"
pid=$(printf '%s\n' "$s" | sed -n 's/^pid=//p')
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo alive=yes
exit 0
