#!/bin/sh
# DRBD metadata on the backing device, once, and only on a device that holds nothing: no
# filesystem or other signature, no DRBD metadata, a first MiB of zeros. Records whether the
# whole device reads as zeros (then, both sides empty, the initial full sync can be skipped).
# An interrupted run (the "creating" marker, written first) is finished, not refused.
# Variables: RES DEV STATE
# Exit: 0 done (or already done), 4 a signature found, 5 data found.
set -eu
: "${RES:?}" "${DEV:?}" "${STATE:?}"
done_marker="$STATE/drbd-$RES.md"
creating="$STATE/drbd-$RES.md.creating"
[ -e "$done_marker" ] && exit 0
mkdir -p "$STATE"
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
  size=$(blockdev --getsize64 "$DEV")
  if cmp -s -n "$size" "$DEV" /dev/zero; then empty=yes; else empty=no; fi
  echo "empty=$empty" > "$creating"
  sync
fi
modprobe drbd
drbdadm -- --force create-md "$RES" </dev/null >/dev/null
mv "$creating" "$done_marker"
sync
