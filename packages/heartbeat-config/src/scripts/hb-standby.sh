#!/bin/sh
# Heartbeat 3: this server hands every resource it holds to its peer (hb_standby all).
# Debian ships hb_standby under /usr/share/heartbeat; older builds under /usr/lib/heartbeat.
for d in /usr/share/heartbeat /usr/lib/heartbeat; do
  if [ -x "$d/hb_standby" ]; then
    exec "$d/hb_standby" all
  fi
done
echo "hb_standby not found in /usr/share/heartbeat or /usr/lib/heartbeat: is heartbeat installed?" >&2
exit 1
