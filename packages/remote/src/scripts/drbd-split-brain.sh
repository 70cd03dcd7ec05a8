#!/bin/sh
# oar-ha split-brain: one side of a DRBD split brain, shown or brought back.
# Set by oar-ha in front of this script:
#   ACTION   show     what this side holds: data generations, the database's newest OAR rows if it runs here
#            discard  (the side given up) Secondary, then reconnect throwing its changes away: it resyncs from the peer
#            connect  (the side kept) reconnect if StandAlone
#            down     (the side given up, Pacemaker) the resource down again: Pacemaker starts it when the node leaves standby
#            hb-stop | hb-start   Heartbeat on this server (the side given up, Heartbeat)
#   RES      the DRBD resource
#   ENGINE DB PORT MP   (show) the database engine, OAR's database name, its port, the mount point
set -eu

show() {
  echo "gi=$(drbdadm get-gi "$RES" 2>/dev/null || true)"
  if ! mountpoint -q "$MP" 2>/dev/null; then
    echo "db=not-mounted"
    return 0
  fi
  jobs_sql="SELECT job_id, state, submission_time FROM jobs ORDER BY job_id DESC LIMIT 5"
  events_sql="SELECT event_id, type, date FROM event_logs ORDER BY event_id DESC LIMIT 5"
  if [ "$ENGINE" = postgresql ]; then
    q() { runuser -u postgres -- psql -XAtq -F ' ' -p "$PORT" -d "$DB" -c "$1" 2>/dev/null; }
  else
    q() { mysql --defaults-file=/etc/mysql/debian.cnf -N -B "$DB" -e "$1" 2>/dev/null || mysql -N -B "$DB" -e "$1" 2>/dev/null; }
  fi
  if ! rows=$(q "$jobs_sql"); then
    echo "db=not-running"
    return 0
  fi
  echo "db=running"
  printf '%s\n' "$rows" | sed '/^$/d; s/^/job=/' | tr '\t' ' '
  q "$events_sql" | sed '/^$/d; s/^/event=/' | tr '\t' ' '
}

case "$ACTION" in
  show) show ;;
  discard)
    drbdadm up "$RES" 2>/dev/null || true
    if ! drbdadm secondary "$RES"; then
      echo "$RES is still in use here (mounted, or the database runs on it): stop the cluster's services on this server first" >&2
      exit 3
    fi
    drbdadm disconnect "$RES" 2>/dev/null || true
    drbdadm connect --discard-my-data "$RES"
    ;;
  connect)
    if [ "$(drbdadm cstate "$RES")" = StandAlone ]; then drbdadm connect "$RES"; fi
    ;;
  down) drbdadm down "$RES" ;;
  hb-stop)
    if [ -d /run/systemd/system ]; then systemctl stop heartbeat; else /etc/init.d/heartbeat stop; fi >/dev/null 2>&1
    i=0
    while pgrep -f '^heartbeat: master' >/dev/null; do
      i=$((i + 1)); [ "$i" -lt 180 ] || { echo "heartbeat did not stop" >&2; exit 1; }
      sleep 0.5
    done
    ;;
  hb-start)
    # Heartbeat locks its memory: raise the limit (dash, Debian's sh, has ulimit -l).
    # shellcheck disable=SC3045
    if [ -d /run/systemd/system ]; then systemctl start heartbeat; else ulimit -l unlimited 2>/dev/null || true; /etc/init.d/heartbeat start; fi </dev/null >/dev/null 2>&1
    ;;
  *) echo "unknown ACTION $ACTION" >&2; exit 2 ;;
esac
