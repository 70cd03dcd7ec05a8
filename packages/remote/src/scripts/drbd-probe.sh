#!/bin/sh
# Read-only: what the DRBD backing store of resource $RES holds on this server, as key=value
# lines, for apply's preflight (oar-ha decides; this script changes nothing).
# Variables: RES KIND (partition|lvm|loop) DEV STATE; lvm: VG LV; loop: FILE
set -u
: "${RES:?}" "${KIND:?}" "${DEV:?}" "${STATE:?}"

# A metadata run of an earlier, killed apply may still be going on this server (its script
# survives the SSH session): wait for it (its lock, shared), so that the markers and the device
# are read in one consistent state. Opened read-only: no lock file is ever created here.
lock="$STATE/drbd-$RES.lock"
if [ -e "$lock" ]; then
  exec 9<"$lock"
  flock -s -w 1800 9 || { echo "a DRBD metadata run still holds $lock after 1800 s" >&2; exit 1; }
fi

if [ -e "$STATE/drbd-$RES.md" ]; then echo "md=ours"; elif [ -e "$STATE/drbd-$RES.md.creating" ]; then echo "md=creating"; else echo "md=none"; fi
if drbdadm role "$RES" >/dev/null 2>&1; then echo "up=yes"; else echo "up=no"; fi

# What to look into: the device, or for a loop file not attached yet, the file itself.
target="$DEV"
case "$KIND" in
  lvm)
    if vgs "$VG" >/dev/null 2>&1; then
      echo "vg=present"
      echo "vg_free=$(vgs --noheadings --units b --nosuffix -o vg_free "$VG" | tr -d ' ')"
    else
      echo "vg=missing"
    fi
    if lvs "$VG/$LV" >/dev/null 2>&1; then echo "lv=present"; else echo "lv=missing"; fi
    ;;
  loop)
    if [ -e "$FILE" ]; then
      echo "file=present"
      echo "file_size=$(stat -c %s "$FILE")"
      [ -b "$DEV" ] && losetup "$DEV" 2>/dev/null | grep -qF "($FILE)" || target="$FILE"
    else
      echo "file=missing"
      dir=$(dirname "$FILE")
      while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
      echo "dir_free=$(df -B1 --output=avail "$dir" | tail -1 | tr -d ' ')"
    fi
    ;;
esac

if [ -b "$target" ] || [ -f "$target" ]; then
  echo "device=present"
  echo "signature=$(blkid -p -s TYPE -o value "$target" 2>/dev/null | head -1)"
  if head -c 1048576 "$target" 2>/dev/null | cmp -s - /dev/zero -n 1048576 2>/dev/null; then
    echo "data=zero"
  else
    echo "data=nonzero"
  fi
else
  echo "device=missing"
fi
