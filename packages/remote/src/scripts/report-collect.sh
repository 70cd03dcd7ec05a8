#!/bin/sh
# Read-only: what a support request needs from this host, for `oar-ha report`. Writes nothing
# on the host: every part goes to stdout, each after a line "@@oar-ha-report@@ NAME" (NAME a
# relative file name in the bundle). The admin side redacts every secret before anything is
# written. Files that hold only secrets (keys, keytabs, BMC passwords) are never read.
# Variables: SINCE (minutes of logs), LINES (the most lines of each log file), STATE_DIR
set -u
: "${SINCE:?} ${LINES:?} ${STATE_DIR:?}"
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

part() { printf '@@oar-ha-report@@ %s\n' "$1"; }

# NAME COMMAND...: its output and exit code, bounded in time; nothing when it is not installed.
cmd() {
  name=$1
  shift
  command -v "$1" >/dev/null 2>&1 || return 0
  part "$name"
  timeout -k 5 30 "$@" 2>&1
  echo "(exit $?)"
}

# NAME FILE: the file, or its last LINES lines when it is a log.
show() {
  [ -r "$2" ] || return 0
  part "$1"
  case "$2" in
    /var/log/*) tail -n "$LINES" "$2" ;;
    *) cat "$2" ;;
  esac
}

cmd host/date date -u '+%Y-%m-%dT%H:%M:%SZ'
cmd host/uname uname -a
show host/os-release /etc/os-release
cmd host/uptime uptime
cmd host/df df -h
cmd host/ip-addr ip -o addr
cmd host/ps ps -eo pid,ppid,stat,etime,rss,args --sort=pid
cmd host/chrony chronyc tracking
cmd host/dpkg sh -c "dpkg-query -W -f='\${Package} \${Version}\n' pacemaker corosync corosync-qdevice heartbeat drbd-utils postgresql mariadb-server oar-server 2>/dev/null"
cmd host/dmesg sh -c "dmesg | tail -n $LINES"
if [ -d "$STATE_DIR" ]; then cmd oar-ha/state ls -la "$STATE_DIR"; fi
for f in /run/oar-ha/*.state /run/oar-ha/*.failures; do [ -e "$f" ] && show "oar-ha/run/$(basename "$f")" "$f"; done

# The cluster manager.
cmd pacemaker/crm_mon crm_mon -1 -r -f -A -n
cmd pacemaker/cib.xml cibadmin -Q
cmd corosync/quorumtool corosync-quorumtool -s
cmd corosync/cfgtool corosync-cfgtool -s
cmd corosync/qdevice corosync-qdevice-tool -s
show corosync/corosync.conf /etc/corosync/corosync.conf
cmd heartbeat/hbstatus cl_status hbstatus
cmd heartbeat/rscstatus cl_status rscstatus
show heartbeat/ha.cf /etc/ha.d/ha.cf
show heartbeat/haresources /etc/ha.d/haresources
show heartbeat/ha-log /var/log/ha-log

# DRBD.
show drbd/proc-drbd /proc/drbd
cmd drbd/drbdadm-dump drbdadm dump all
cmd drbd/drbdsetup-show drbdsetup show

# The database and OAR.
cmd db/pg_lsclusters pg_lsclusters
for f in /var/log/postgresql/*.log /var/log/mysql/error.log; do [ -e "$f" ] && show "db/$(basename "$f")" "$f"; done
show oar/oar.conf /etc/oar/oar.conf
show oar/oar.log /var/log/oar.log

# The system's logs of the window: the journal where systemd runs, else syslog.
if command -v journalctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  cmd journal/cluster journalctl --no-pager -o short-iso --since "-${SINCE}min" -u corosync -u pacemaker -u corosync-qdevice -u heartbeat -u drbd -u postgresql@* -u mariadb -u oar-server -u oar-ha-*
fi
for f in /var/log/syslog /var/log/messages /var/log/daemon.log; do [ -e "$f" ] && show "journal/$(basename "$f")" "$f"; done
exit 0
