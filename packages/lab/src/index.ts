/**
 * @oar-ha/lab: a real multi-host OAR HA lab on one Linux machine. Hosts are network
 * namespaces with their own mount/UTS/IPC/PID namespaces, sshd and disks (copy-on-write
 * overlays); faults are real (SIGKILL of a whole host, pulled cables, dropped ports).
 */
export { labSpec, labServers, labHost, labEtcHosts, DEFAULT_ROOT, NS_PREFIX, type LabOptions, type LabSpec, type LabHost, type LabRole } from "./spec.js";
export { labCluster, labClusterYaml } from "./cluster-file.js";
export { labUp, labDown, labStatus, loadLab, labPaths, crashHost, powerOnHost, type UpOptions, type UpResult, type DownOptions, type LabPaths, type HostStatus } from "./lab.js";
export { execIn, hostPids, isRunning, initPid, tcpOpen } from "./host.js";
export { exec, waitFor, type ExecResult, type ExecOptions } from "./exec.js";
export { LAB_PACKAGES, missingPackages, ensurePackages } from "./packages.js";
export * from "./faults.js";
export { startKdc, kerberosDir, LAB_REALM, LAB_USER } from "./kdc.js";
export { buildVmImage, startVm, crashVm, setVmLink, destroyVms, vmPair, vmSsh, vmRunning, vmLinkAddress, aptMirror, type Vm, type VmImage, type VmPairOptions } from "./vm.js";
