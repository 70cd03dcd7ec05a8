#!/bin/sh
# DRBD metadata on the backing device, once, and only on a device that holds nothing: no
# filesystem or other signature, no DRBD metadata, a first MiB of zeros. Records whether the
# whole device reads as zeros (then, both sides empty, the initial full sync can be skipped).
# An interrupted run (the "creating" marker, written first) is finished, not refused.
# Variables: RES DEV STATE; CHECK=1 only tells (exit 0: done and valid, 1: not), changing nothing.
# Exit: 0 done (or already done), 4 a signature found, 5 data found, 1 create-md failed.
set -eu
: "${RES:?}" "${DEV:?}" "${STATE:?}"
# The SSH client may die (a killed apply): finish the work rather than half of it. drbdadm
# create-md whose stderr is a dead channel exits 0 without writing anything (drbd-utils 9.22).
trap '' HUP PIPE
done_marker="$STATE/drbd-$RES.md"
creating="$STATE/drbd-$RES.md.creating"

# Valid metadata: the resource is attached (its metadata was read), or drbdmeta reads it.
md_ok() {
  disk=$(drbdadm dstate "$RES" 2>/dev/null | cut -d/ -f1) || disk=""
  case "$disk" in "" | Diskless | Unconfigured) drbdadm dump-md "$RES" >/dev/null 2>&1 ;; *) return 0 ;; esac
}

if [ "${CHECK:-}" = 1 ]; then
  if [ -e "$done_marker" ] && md_ok; then exit 0; else exit 1; fi
fi
mkdir -p "$STATE"
# One at a time: a re-run waits for a run its killed predecessor left going.
exec 9>"$STATE/drbd-$RES.lock"
flock -w 1800 9 || { echo "another run holds $STATE/drbd-$RES.lock" >&2; exit 1; }

if [ -e "$done_marker" ]; then
  md_ok && exit 0
  # Recorded as created, yet nothing valid on the device: this device is ours (it was found
  # empty before the first attempt), so the metadata is written again.
  mv "$done_marker" "$creating"
fi
if [ ! -e "$creating" ]; then
  sig=$(blkid -p -s TYPE -o value "$DEV" 2>/dev/null | head -1 || true)
  if [ -n "$sig" ]; then
    echo "$DEV holds a $sig signature" >&2
    exit 4
  fi
  if ! head -c 1048576 "$DEV" | cmp -s - /dev/zero -n 1048576; then
    echo "$DEV holds data (its first MiB is not zeros)" >&2
    exit 5
  fi
  size=$(blockdev --getsize64 "$DEV" 2>/dev/null || stat -L -c %s "$DEV")
  if cmp -s -n "$size" "$DEV" /dev/zero; then empty=yes; else empty=no; fi
  echo "empty=$empty" > "$creating"
  sync
fi
modprobe drbd
err="$STATE/drbd-$RES.md.err"
if ! drbdadm -- --force create-md "$RES" </dev/null >/dev/null 2>"$err"; then
  cat "$err" >&2
  exit 1
fi
# Trust what reads back, not the exit code.
if ! md_ok; then
  echo "drbdadm create-md $RES reported success, but $DEV holds no valid DRBD metadata" >&2
  exit 1
fi
rm -f "$err"
mv "$creating" "$done_marker"
sync
