/**
 * @oar-ha/lab: a real multi-host OAR HA lab on one Linux machine. Hosts are network
 * namespaces with their own mount/UTS/IPC/PID namespaces, sshd and disks (copy-on-write
 * overlays); faults are real (SIGKILL of a whole host, pulled cables, dropped ports).
 */
export {
  labSpec,
  labServers,
  labHost,
  labEtcHosts,
  DEFAULT_ROOT,
  NS_PREFIX,
  DRBD_BACKINGS,
  type LabOptions,
  type LabSpec,
  type LabHost,
  type LabRole,
  type LabDrbd,
  type DrbdBacking,
} from "./spec.js";
export { labCluster, labClusterYaml } from "./cluster-file.js";
export {
  labUp,
  labDown,
  labStatus,
  loadLab,
  labPaths,
  crashHost,
  powerOnHost,
  type UpOptions,
  type UpResult,
  type DownOptions,
  type LabPaths,
  type HostStatus,
} from "./lab.js";
export { execIn, hostPids, isRunning, initPid, tcpOpen } from "./host.js";
export { exec, waitFor, type ExecResult, type ExecOptions } from "./exec.js";
export { LAB_PACKAGES, LAB_VM_PACKAGES, missingPackages, ensurePackages } from "./packages.js";
export * from "./faults.js";
export { startKdc, kerberosDir, LAB_REALM, LAB_USER } from "./kdc.js";
export { buildVmImage, startVmHost, crashVmHost, vmPid, vmMonitor, aptMirror, VM_CACHE, type VmImage } from "./vm.js";
export { labOwner, OWNER_FILE } from "./owner.js";
export { labStorage, LAB_DATA_PARTITION } from "./cluster-file.js";
