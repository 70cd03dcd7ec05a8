#!/bin/sh
# `oar-ha cleanup` on Heartbeat: forgets the failures the service monitor counts here, of the
# services named in SERVICES (space-separated monitor names: db, oar), under the monitor's
# lock (it rereads the file at each look). Prints each forgotten "EPOCH SERVICE" line.
# Variables: FAILURES LOCK SERVICES
set -u
: "${FAILURES:?} ${LOCK:?} ${SERVICES:?}"
[ -s "$FAILURES" ] || exit 0
exec 9> "$LOCK"
flock 9
rm -f "$FAILURES.keep"
awk -v services=" $SERVICES " -v keep="$FAILURES.keep" '
  $0 ~ /^[0-9]+ [a-z]+$/ && index(services, " " $2 " ") { print; next }
  { print > keep }
' "$FAILURES"
if [ -e "$FAILURES.keep" ]; then mv "$FAILURES.keep" "$FAILURES"; else : > "$FAILURES"; fi
