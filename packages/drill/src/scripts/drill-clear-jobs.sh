#!/bin/sh
# oar-ha drill: deletes the drill user's leftover jobs (an earlier drill's queue).
# Variables: DRILL_USER (a normal OAR user).
: "${DRILL_USER:?}"
ids=$(timeout 30 oarstat -u "$DRILL_USER" 2>/dev/null | awk 'NR>2 && $1 ~ /^[0-9]+$/ {print $1}' | tr '\n' ' ')
if [ -n "$ids" ]; then
  timeout 60 su - "$DRILL_USER" -c "oardel $ids" >/dev/null 2>&1
fi
true
