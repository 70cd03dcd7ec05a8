#!/bin/sh
# oar-ha's service monitor for Heartbeat 3 (haresources mode), installed by oar-ha apply as
# /usr/lib/oar-ha/hb-monitor and started by Heartbeat itself (a `respawn root` line in ha.cf):
# it lives and dies with Heartbeat, and Heartbeat restarts it if it dies.
#
# Heartbeat's haresources mode watches servers, not services: a database or an Almighty that
# crashed (or hangs) on a live server stays down. On the server that holds the group (its VIP
# is here), every INTERVAL seconds this script checks each service with the same health check
# the Pacemaker agents use (a query through the database's socket; a live main Almighty that
# accepts connections), each bounded by TIMEOUT seconds. A failed service is restarted in place
# through the resource scripts Heartbeat itself uses; when more than MAX_RESTARTS failures
# fall within WINDOW seconds, the whole group is handed to the peer (hb_standby).
#
# It never acts on the passive server, while Heartbeat moves resources (a takeover, a standby),
# while Heartbeat does not answer, or while the pause file exists. Each decision goes to
# syslog and to Heartbeat's log; the state (role, restarts in the window, last action) is in
# STATE_DIR/hb-monitor.state for `oar-ha status`. Each look holds a lock that oar-ha's own
# restarts (apply) and `oar-ha cleanup` take too.
#
# The settings come from /etc/oar-ha/hb-monitor.conf (rendered by oar-ha, see there), or the
# file named by OAR_HA_HB_MONITOR_CONF, read again before each look.

CONF=${OAR_HA_HB_MONITOR_CONF:-/etc/oar-ha/hb-monitor.conf}
if ! [ -r "$CONF" ]; then
  echo "oar-ha-hb-monitor: cannot read $CONF (written by oar-ha apply)" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$CONF"
: "${INTERVAL:?} ${TIMEOUT:?} ${MAX_RESTARTS:?} ${WINDOW:?} ${VIP:?} ${PEER:?} ${SERVICES:?}"
: "${DB_SCRIPT:=} ${OAR_SCRIPT:=} ${HB_STANDBY:?} ${HA_LOG:?} ${STATE_DIR:?} ${CYCLES:=0}"

TAG=oar-ha-hb-monitor
STATE=$STATE_DIR/hb-monitor.state
FAILURES=$STATE_DIR/hb-monitor.failures
HANDED=$STATE_DIR/hb-monitor.handed
PAUSE=$STATE_DIR/hb-monitor.pause
LOCK=$STATE_DIR/hb-monitor.lock

mkdir -p "$STATE_DIR"
: >> "$FAILURES"
role=starting
last=none
total=0

# LEVEL MESSAGE: syslog (daemon facility, as Heartbeat logs) and Heartbeat's own log file,
# in Heartbeat's words for the level (info, WARN, ERROR).
log() {
  logger -t "$TAG" -p "daemon.$1" -- "$2" 2>/dev/null
  case "$1" in warning) word=WARN ;; err) word=ERROR ;; *) word=info ;; esac
  printf '%s[%s]: %s %s: %s\n' "$TAG" "$$" "$(date +%Y/%m/%d_%H:%M:%S)" "$word" "$2" >> "$HA_LOG" 2>/dev/null
  return 0
}

# Failures still inside the window (one "EPOCH SERVICE" line each); older ones are forgotten.
# No program runs while there is none (the usual case: a look at rest forks little).
recent_failures() {
  [ -s "$FAILURES" ] || { echo 0; return; }
  awk -v since=$(($(date +%s) - WINDOW)) '$1 >= since' "$FAILURES" > "$FAILURES.tmp" && mv "$FAILURES.tmp" "$FAILURES"
  wc -l < "$FAILURES" | tr -d ' '
}

# The state for `oar-ha status`, rewritten when it changes and at least every 30 s (its
# `updated` tells status the monitor still looks).
written=""
written_at=0
write_state() {
  state="pid=$$
role=$role
restarts=$(recent_failures)
total=$total
window=$WINDOW
max_restarts=$MAX_RESTARTS
last=$last"
  now=$(date +%s)
  [ "$state" = "$written" ] && [ $((now - written_at)) -lt 30 ] && return 0
  printf '%s\nupdated=%s\n' "$state" "$now" > "$STATE.tmp" && mv "$STATE.tmp" "$STATE"
  written=$state
  written_at=$now
}

# The VIP on one of this server's interfaces (one program: ip filters by address itself).
holds_group() { [ -n "$(ip -o -4 addr show to "$VIP/32" 2>/dev/null)" ]; }

# Heartbeat is moving resources: its own view says so, or one of its movers runs.
in_transition() {
  [ "$(cl_status rscstatus 2>/dev/null)" = transition ] && return 0
  pgrep -f 'heartbeat/(ResourceManager|hb_standby|hb_takeover|mach_down|req_resource)' >/dev/null
}

script_of() {
  case "$1" in
    db) echo "$DB_SCRIPT" ;;
    oar) echo "$OAR_SCRIPT" ;;
  esac
}

# SERVICE: 0 when it answers within TIMEOUT; its complaint (one line) in $why otherwise.
check() {
  why=$(timeout -k 5 "$TIMEOUT" "$(script_of "$1")" monitor 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="no answer within $TIMEOUT s"
  why=$(printf '%s' "${why:-exit code $rc}" | tr '\n' ' ' | cut -c1-200)
  return 1
}

# SERVICE: stop it and what depends on it (the OAR server needs the database), start them again.
restart() {
  ok=0
  case "$1" in
    db)
      case " $SERVICES " in *" oar "*) "$OAR_SCRIPT" stop >/dev/null 2>&1 ;; esac
      "$DB_SCRIPT" stop >/dev/null 2>&1
      "$DB_SCRIPT" start >/dev/null 2>&1 || ok=1
      case " $SERVICES " in *" oar "*) [ "$ok" -eq 0 ] && { "$OAR_SCRIPT" start >/dev/null 2>&1 || ok=1; } ;; esac
      ;;
    oar)
      "$OAR_SCRIPT" stop >/dev/null 2>&1
      "$OAR_SCRIPT" start >/dev/null 2>&1 || ok=1
      ;;
  esac
  return "$ok"
}

# Hands every resource to the peer; 1 (and restarts in place instead) when that cannot help.
hand_over() {
  peer_state=$(cl_status nodestatus "$PEER" 2>/dev/null)
  if [ "$peer_state" != active ]; then
    log warning "$1 failed $n times within $WINDOW s, but $PEER is ${peer_state:-unknown}: nobody can take the group, restarting in place"
    return 1
  fi
  handed=$(cat "$HANDED" 2>/dev/null || echo 0)
  if [ $(( $(date +%s) - handed )) -lt "$WINDOW" ]; then
    log warning "$1 failed $n times within $WINDOW s, but this server handed the group over less than $WINDOW s ago and got it back: the services fail on both servers, restarting in place (look at the database and OAR logs)"
    return 1
  fi
  log err "$1 failed $n times within $WINDOW s (more than $MAX_RESTARTS restarts): handing the group to $PEER"
  date +%s > "$HANDED"
  last="$(date +%s) handover $1 to $PEER"
  role=handing-over
  write_state
  "$HB_STANDBY" >/dev/null 2>&1 || log err "hb_standby failed: the group stays here"
  # Heartbeat now stops the group here and starts it on the peer: wait for the VIP to leave,
  # without the lock (an apply's restart or a cleanup must not wait for a takeover), then
  # take it back for the end of this look.
  : > "$FAILURES"
  flock -u 9
  waited=0
  while holds_group && [ "$waited" -lt 300 ]; do sleep 2; waited=$((waited + 2)); done
  flock 9
  return 0
}

# One look at the services of the group held here: the first that fails is acted upon.
look() {
  for s in $SERVICES; do
    check "$s" && continue
    echo "$(date +%s) $s" >> "$FAILURES"
    total=$((total + 1))
    n=$(recent_failures)
    if [ "$n" -gt "$MAX_RESTARTS" ] && hand_over "$s"; then
      return
    fi
    log warning "$s failed ($why): restarting it here (failure $n within $WINDOW s; the group moves after $MAX_RESTARTS restarts)"
    if restart "$s"; then
      log notice "$s restarted"
      last="$(date +%s) restart $s: $why"
    else
      log err "$s did not start again: the next look counts one more failure"
      last="$(date +%s) restart $s failed: $why"
    fi
    return
  done
}

stop_now() {
  log info "stopping (pid $$)"
  rm -f "$STATE"
  exit 0
}
trap stop_now TERM INT

log info "started (pid $$): every $INTERVAL s, $SERVICES on the server holding $VIP; the group moves to $PEER after $MAX_RESTARTS restarts within $WINDOW s"
cycle=0
while :; do
  # Settings changed by oar-ha apply take effect at the next look.
  # shellcheck source=/dev/null
  [ -r "$CONF" ] && . "$CONF"
  # oar-ha's apply (a restart) and cleanup (the failure count) take the same lock: never both at once.
  exec 9> "$LOCK"
  flock 9
  # Cheapest first: the passive server (no VIP here) asks nothing else.
  if [ -e "$PAUSE" ]; then
    role=paused
  elif ! holds_group; then
    role=passive
  elif ! cl_status hbstatus >/dev/null 2>&1; then
    role=heartbeat-down
  elif in_transition; then
    role=transition
  else
    role=active
    look
  fi
  write_state
  flock -u 9
  exec 9>&-
  cycle=$((cycle + 1))
  if [ "$CYCLES" -gt 0 ] && [ "$cycle" -ge "$CYCLES" ]; then exit 0; fi
  # In the background, so that TERM ends the wait at once.
  sleep "$INTERVAL" &
  wait $!
done
