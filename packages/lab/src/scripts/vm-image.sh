#!/bin/bash
# Builds the lab's VM base image (run on the machine, as root, by buildVmImage).
# Debian 12 minimal with its own kernel (DRBD 8.4 module), drbd-utils, sshd and every package
# the HA stack needs, pre-installed so that apply inside a VM never needs a mirror; the services
# the cluster manager starts are disabled, as on the namespace lab's hosts.
# Environment (all required): ROOTFS IMAGE KERNEL INITRD MIRROR SUITE BASE STACK SIZE SOURCES
#   BASE, STACK: space-separated package lists (debootstrap's, then apt-get's)
#   SOURCES: an apt sources file to use inside the image ("" for "$MIRROR $SUITE main")
#   SEED_UNIT, SEED_SCRIPT: the first-boot seed unit and script to install
set -euo pipefail
: "${ROOTFS:?}" "${IMAGE:?}" "${KERNEL:?}" "${INITRD:?}" "${MIRROR:?}" "${SUITE:?}" "${BASE:?}" "${STACK:?}" "${SIZE:?}" "${SEED_UNIT:?}" "${SEED_SCRIPT:?}"

cleanup() {
  umount "$ROOTFS/proc" 2>/dev/null || true
  umount "$ROOTFS/sys" 2>/dev/null || true
  umount "$ROOTFS/dev/pts" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$ROOTFS"
debootstrap --variant=minbase --include="${BASE// /,}" "$SUITE" "$ROOTFS" "$MIRROR"

if [ -n "${SOURCES:-}" ] && [ -e "$SOURCES" ]; then
  rm -f "$ROOTFS/etc/apt/sources.list"
  cp "$SOURCES" "$ROOTFS/etc/apt/sources.list.d/"
else
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$ROOTFS/etc/apt/sources.list"
fi
# Nothing starts at install time: only the cluster manager (or apply) starts services.
printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
mount -t proc proc "$ROOTFS/proc"
mount -t sysfs sys "$ROOTFS/sys"
mount -t devpts devpts "$ROOTFS/dev/pts"
export DEBIAN_FRONTEND=noninteractive
chroot "$ROOTFS" apt-get update -q
# shellcheck disable=SC2086 # STACK is a word list on purpose
chroot "$ROOTFS" apt-get install -y -q --no-install-recommends $STACK
chroot "$ROOTFS" apt-get clean
rm -f "$ROOTFS/usr/sbin/policy-rc.d"
cleanup

# Services a fresh server would start at boot and that oar-ha leaves to the cluster manager.
for s in postgresql mariadb mysql corosync pacemaker corosync-qdevice corosync-qnetd heartbeat drbd oar-server oar-node apache2 logrotate.timer e2scrub_reap; do
  chroot "$ROOTFS" systemctl disable --quiet "$s" 2>/dev/null || true
done
chroot "$ROOTFS" systemctl mask --quiet systemd-networkd-wait-online apt-daily.timer apt-daily-upgrade.timer man-db.timer
chroot "$ROOTFS" systemctl enable --quiet systemd-networkd ssh

# Each VM gets its identity (name, addresses, keys, /etc/hosts) from a seed disk at first boot.
install -m 755 "$SEED_SCRIPT" "$ROOTFS/usr/local/sbin/ohl-seed"
install -m 644 "$SEED_UNIT" "$ROOTFS/etc/systemd/system/ohl-seed.service"
chroot "$ROOTFS" systemctl enable --quiet ohl-seed
rm -f "$ROOTFS"/etc/ssh/ssh_host_* "$ROOTFS/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$ROOTFS/etc/fstab"
# The DRBD module loads at boot (apply would modprobe it too).
echo drbd > "$ROOTFS/etc/modules-load.d/drbd.conf"

cp "$(find "$ROOTFS/boot" -name 'vmlinuz-*' | sort | tail -1)" "$KERNEL"
cp "$(find "$ROOTFS/boot" -name 'initrd.img-*' | sort | tail -1)" "$INITRD"
rm -f "$IMAGE"
mkfs.ext4 -q -L root -d "$ROOTFS" "$IMAGE" "$SIZE"
rm -rf "$ROOTFS"
