#!/bin/sh
# oar-ha bench: the scratch space on a DB server, set up and removed.
# Set by oar-ha in front of this script:
#   ACTION   probe | setup | cleanup
#   ENGINE   postgresql | mariadb (probe: the tools the benchmark needs on this server)
#   BASE     oar-ha's bench directory on the root filesystem (pids, the scratch image, the local mount)
#   KIND     lvm (a scratch LV in the volume group that holds DRBD's backing LV) | file (a loop image under BASE)
#   VG LV    the volume group and the scratch LV's name (KIND=lvm)
#   SIZE     the scratch filesystem's size (512M, 2G)
#   MP       the database filesystem's mount point (DRBD); the scratch directory there is MP/oar-ha-bench
# Everything it creates is under BASE, MP/oar-ha-bench or VG/LV (recorded in BASE/lv before it
# is created), so cleanup removes exactly that, and a run killed at any point is cleaned up by the next.
set -eu

LOCAL="$BASE/local"
IMG="$BASE/local.img"
DRBD_DIR="$MP/oar-ha-bench"
removed=""
note() { removed="$removed $1"; }

# A process bench started: its pid file under BASE/run, and its command line names BASE or DRBD_DIR.
stop_pid() {
  pidfile=$1
  pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
  rm -f "$pidfile"
  case "$pid" in '' | *[!0-9]*) return 0 ;; esac
  [ -r "/proc/$pid/cmdline" ] || return 0
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  case "$cmd" in *"$BASE"* | *"$DRBD_DIR"*) ;; *) return 0 ;; esac
  kill "$pid" 2>/dev/null || true
  i=0
  while [ -d "/proc/$pid" ] && [ "$i" -lt 30 ]; do sleep 1; i=$((i + 1)); done
  kill -9 "$pid" 2>/dev/null || true
  note "process:$pid"
}

# Anything else still working in the scratch space: a killed run's shell, its client (sysbench,
# pgbench, fio). Matched by the scratch paths in their command line; never this script.
stop_strays() {
  for pid in $(pgrep -f -- "$BASE/|$DRBD_DIR" 2>/dev/null || true); do
    [ "$pid" = "$$" ] && continue
    kill -9 "$pid" 2>/dev/null && note "process:$pid"
  done
  return 0
}

release_mount() {
  mountpoint -q "$LOCAL" 2>/dev/null || return 0
  i=0
  until umount "$LOCAL" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 10 ]; then
      command -v fuser >/dev/null 2>&1 && fuser -km "$LOCAL" >/dev/null 2>&1
      umount "$LOCAL" 2>/dev/null || umount -l "$LOCAL"
      break
    fi
    sleep 1
  done
  note "mount:$LOCAL"
}

cleanup() {
  if [ -d "$BASE/run" ]; then
    for f in "$BASE"/run/*.pid; do [ -e "$f" ] && stop_pid "$f"; done
  fi
  stop_strays
  release_mount
  if [ -f "$BASE/lv" ]; then
    if lvs "$VG/$LV" >/dev/null 2>&1; then lvremove -f -y "$VG/$LV" >/dev/null && note "lv:$VG/$LV"; fi
  fi
  for loop in $(losetup -n -O NAME -j "$IMG" 2>/dev/null); do losetup -d "$loop" && note "loop:$loop"; done
  if mountpoint -q "$MP" 2>/dev/null && [ -e "$DRBD_DIR" ]; then rm -rf "$DRBD_DIR" && note "dir:$DRBD_DIR"; fi
  if [ -e "$BASE" ]; then rm -rf "$BASE" && note "dir:$BASE"; fi
  echo "removed=${removed# }"
}

setup() {
  mountpoint -q "$MP" || { echo "the database filesystem $MP is not mounted on this server (it is not the DRBD Primary)" >&2; exit 3; }
  mkdir -p "$BASE/run"
  chmod 0755 "$BASE" "$BASE/run"
  if [ "$KIND" = lvm ]; then
    if lvs "$VG/$LV" >/dev/null 2>&1; then
      echo "a logical volume $VG/$LV exists that oar-ha bench did not create: rename or remove it" >&2
      exit 3
    fi
    : >"$BASE/lv"
    lvcreate -q -y -W y -Z y -L "$SIZE" -n "$LV" "$VG" >/dev/null
    dev="/dev/$VG/$LV"
  else
    truncate -s "$SIZE" "$IMG"
    dev=$(losetup -f --show "$IMG")
  fi
  mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev"
  mkdir -p "$LOCAL"
  mount "$dev" "$LOCAL"
  mkdir -p "$DRBD_DIR"
  echo "local=$LOCAL"
  echo "localdev=$dev"
  echo "drbd=$DRBD_DIR"
  echo "localfree_kib=$(df -Pk "$LOCAL" | awk 'NR == 2 { print $4 }')"
  echo "drbdfree_kib=$(df -Pk "$MP" | awk 'NR == 2 { print $4 }')"
}

probe() {
  missing=""
  tools="fio iperf3 mkfs.ext4 losetup"
  [ "$KIND" = lvm ] && tools="$tools lvcreate"
  if [ "$ENGINE" = postgresql ]; then tools="$tools pgbench"; else tools="$tools sysbench mariadb-install-db mariadbd"; fi
  for t in $tools; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
  echo "missing=${missing# }"
}

case "$ACTION" in
  probe) probe ;;
  setup) setup ;;
  cleanup) cleanup ;;
  *) echo "ACTION must be probe, setup or cleanup" >&2; exit 2 ;;
esac
