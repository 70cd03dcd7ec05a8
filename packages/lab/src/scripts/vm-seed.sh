#!/bin/sh
# First boot of a lab VM (ohl-seed.service, before the network and sshd): copies the seed
# disk's tree (labelled ohl-seed: /etc/hostname, /etc/hosts, network files, host keys, root's
# authorized_keys, the fence key) over /. Later boots keep what the VM's own disk holds, as a
# real server keeps its files across power cycles.
set -eu
stamp=/var/lib/ohl-seed.done
[ -e "$stamp" ] && exit 0
dev=$(blkid -L ohl-seed) || { echo "ohl-seed: no seed disk" >&2; exit 1; }
mnt=$(mktemp -d)
mount -o ro "$dev" "$mnt"
cp -a "$mnt/tree/." /
umount "$mnt"
rmdir "$mnt"
hostname "$(cat /etc/hostname)"
chmod 700 /root /root/.ssh
mkdir -p /var/lib
: > "$stamp"
