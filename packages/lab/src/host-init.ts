import { NS_PREFIX } from "./spec.js";

/*
 * PID 2 of a lab host (tini is PID 1 and reaps). It runs in the host's fresh mount, UTS,
 * IPC and PID namespaces, inside its network namespace: builds the host's private world
 * (copy-on-write overlays over the machine's own directories, fresh /run and /tmp), starts
 * sshd, then waits. Killing tini kills the whole host.
 */
export const HOST_INIT = `#!/bin/sh
set -eu
HOST="$1"
DIR="$2/hosts/$1"
hostname "$HOST"
mount --make-rprivate /
# Copy-on-write over the machine's own directories (all of /usr too: apply writes under
# /usr/lib and /usr/local/lib): what an installer writes stays private
# to this host and survives a simulated reboot.
for d in etc var opt srv home usr; do
  mkdir -p "$DIR/upper/$d" "$DIR/work/$d"
  mount -t overlay "ohl-$HOST-$(echo "$d" | tr / -)" -o "lowerdir=/$d,upperdir=$DIR/upper/$d,workdir=$DIR/work/$d" "/$d"
done
# A pristine /root from /etc/skel: the machine's root dotfiles must not leak in.
mkdir -p "$DIR/upper/root" "$DIR/work/root"
mount -t overlay "ohl-$HOST-root" -o "lowerdir=/etc/skel,upperdir=$DIR/upper/root,workdir=$DIR/work/root" /root
# Runtime state is gone at every boot, as on a real machine.
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /run/sshd /run/lock /var/log
chmod 700 /root
# sshd host keys: generated once per host (the machine's keys are hidden), kept across reboots.
if [ ! -e /etc/ssh/.oar-ha-lab-host-keys ]; then
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -A >/dev/null
  touch /etc/ssh/.oar-ha-lab-host-keys
fi
/usr/sbin/sshd -t
/usr/sbin/sshd -E /var/log/sshd-lab.log
echo "oar-ha lab host $HOST up"
# Wait forever; signals end the host. (sleep is a child: tini reaps it and any orphan.)
while :; do sleep 3600; done
`;

/** The fence hypervisor's login shell: `virsh` is the lab's stand-in, first in PATH. */
export function fenceShell(root: string): string {
  return `#!/bin/sh
# ForceCommand of the lab fence host: fence_virsh opens an interactive bash and types virsh commands.
export PATH="${root}/fence/bin:/usr/sbin:/usr/bin:/sbin:/bin"
exec /bin/sh -c "\${SSH_ORIGINAL_COMMAND:-/bin/bash --noprofile --norc}"
`;
}

/**
 * The lab's `virsh`: answers fence_virsh's list/domstate/start/destroy by powering lab hosts.
 * Like the real one, `start` returns once the domain runs (its PID 1), not when its services
 * are up; states are read from the host's PID 1 directly (no program start per question).
 */
export function fakeVirsh(
  root: string,
  cli: readonly string[],
  servers: readonly { name: string; vm: boolean }[],
): string {
  // `oar-ha lab ACTION HOST --root ROOT`: the action comes first (the lab command's subcommands).
  const lab = (action: string) => `${cli.map((x) => `'${x}'`).join(" ")} lab ${action} "$2" --root '${root}'`;
  const vms = servers.filter((x) => x.vm).map((x) => x.name);
  return `#!/bin/sh
# virsh stand-in for fence_virsh: lab servers are the "domains".
# A namespace host runs when the pid in its init.pid is tini inside the host's network namespace;
# a VM host when the pid in its qemu.pid is a qemu started on its disks.
state() {
  case " ${vms.join(" ")} " in
    *" $1 "*)
      p=$(cat "${root}/hosts/$1/qemu.pid" 2>/dev/null)
      if [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q "^qemu-system.*${root}/hosts/$1/"; then echo running; else echo "shut off"; fi
      return ;;
  esac
  p=$(cat "${root}/hosts/$1/init.pid" 2>/dev/null)
  if [ -n "$p" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = tini ] && [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "net:[$(stat -c %i /run/netns/${NS_PREFIX}$1 2>/dev/null)]" ]; then echo running; else echo "shut off"; fi
}
case "$1" in
  list)
    printf ' Id   Name      State\\n----------------------------\\n'
    i=1
    for d in ${servers.map((x) => x.name).join(" ")}; do printf ' %s    %s    %s\\n' "$i" "$d" "$(state "$d")"; i=$((i + 1)); done ;;
  domstate) state "$2" ;;
  start) ${lab("power-on")} --no-wait >/dev/null && echo "Domain $2 started" ;;
  destroy) ${lab("crash")} >/dev/null && echo "Domain $2 destroyed" ;;
  *) echo "error: unsupported command $1" >&2; exit 1 ;;
esac
`;
}
