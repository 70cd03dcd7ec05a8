#!/bin/sh
# `oar-ha maintenance on|off` on Heartbeat: ON=1 pauses oar-ha's service monitor here (the pause
# file: it then restarts and moves nothing), ON=0 resumes it. Prints "changed" when it did.
# Variables: PAUSE ON
set -u
: "${PAUSE:?} ${ON:?}"
if [ "$ON" = 1 ]; then
  [ -e "$PAUSE" ] && exit 0
  mkdir -p "$(dirname "$PAUSE")" && : > "$PAUSE" && echo changed
else
  [ -e "$PAUSE" ] || exit 0
  rm -f "$PAUSE" && echo changed
fi
