import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";

const systemDirs = [
  "/",
  "/etc",
  "/usr",
  "/var",
  "/var/lib",
  "/boot",
  "/home",
  "/root",
  "/tmp",
  "/run",
  "/srv",
  "/opt",
  "/dev",
  "/proc",
  "/sys",
];

export function storageRules(c: Cluster): Issue[] {
  const out: Issue[] = [];
  const s = c.storage;
  if (s.kind === "drbd" && s.protocol !== "C" && !s.acknowledgeDataLoss) {
    out.push(
      issue(
        "ProtocolNotC",
        "storage.protocol",
        `protocol ${s.protocol} acknowledges a write before the peer has it on disk: a crash of the primary loses committed transactions`,
        "use `protocol: C`, or set `storage.acknowledgeDataLoss: true` to accept the loss",
      ),
    );
  }
  if (s.kind === "drbd" && s.filesystem === "none") {
    out.push(
      issue(
        "BindMountNeedsShared",
        "storage.filesystem",
        "`filesystem: none` (bind mount) cannot sit on a DRBD device",
        "use ext4 or xfs",
      ),
    );
  }
  if (
    s.kind === "drbd" &&
    s.backing.kind === "loop" &&
    (s.backing.file + "/").startsWith(s.mountPoint.replace(/\/?$/, "/"))
  ) {
    out.push(
      issue(
        "LoopFileOnMount",
        "storage.backing.file",
        `the image ${s.backing.file} lies under the mount point ${s.mountPoint} it backs`,
        "keep the image outside the mount point, e.g. /var/lib/oar-ha/drbd-backing.img",
      ),
    );
  }
  const mp = s.mountPoint.replace(/\/+$/, "") || "/";
  if (systemDirs.includes(mp)) {
    out.push(
      issue(
        "MountPointUnsafe",
        "storage.mountPoint",
        `${s.mountPoint} is a system directory; mounting over it hides its content`,
        "use a dedicated directory such as /srv/oar-ha",
      ),
    );
  }
  return out;
}
