#!/bin/sh
# The DRBD backing store exists: an LVM logical volume made in the site's volume group, or an
# image file attached to its fixed loop device (and re-attached at boot by oar-ha's unit).
# A partition is the site's own: nothing to make. Safe to re-run.
# Variables: KIND SIZE; lvm: VG LV; loop: FILE LOOP LOOP_MINOR UNIT
set -eu
: "${KIND:?}"
# A killed apply must not leave half of this done: finish it even when the SSH client is gone.
trap '' HUP PIPE
case "$KIND" in
  lvm)
    : "${VG:?}" "${LV:?}" "${SIZE:?}"
    lvs "$VG/$LV" >/dev/null 2>&1 || lvcreate -q -y --wipesignatures y -n "$LV" -L "$SIZE" "$VG"
    lvchange -q -ay "$VG/$LV"
    ;;
  loop)
    : "${FILE:?}" "${LOOP:?}" "${LOOP_MINOR:?}" "${SIZE:?}" "${UNIT:?}"
    mkdir -p "$(dirname "$FILE")"
    # A sparse file: it reads as zeros, so both servers' images start identical.
    [ -e "$FILE" ] || truncate -s "$SIZE" "$FILE"
    [ -b "$LOOP" ] || mknod "$LOOP" b 7 "$LOOP_MINOR"
    losetup "$LOOP" 2>/dev/null | grep -qF "($FILE)" || losetup "$LOOP" "$FILE"
    if [ -d /run/systemd/system ]; then
      systemctl daemon-reload
      systemctl enable --quiet "$UNIT"
    fi
    ;;
  partition) ;;
  *) echo "unknown backing kind $KIND" >&2; exit 2 ;;
esac
