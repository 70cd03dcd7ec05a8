/**
 * @oar-ha/remote: everything that touches a host. One Transport interface (ssh2, the system
 * OpenSSH client, local), strict known_hosts, host facts, a pure planner and an executor.
 */
export {
  shq,
  run,
  answers,
  firstAnswering,
  putScript,
  getScript,
  CommandError,
  type Transport,
  type ExecOptions,
  type ExecResult,
  type PutOptions,
} from "./transport.js";
export { LocalTransport, type Argv } from "./local.js";
export { Ssh2Transport, asRoot, type SshTarget } from "./ssh2-transport.js";
export { OpenSshTransport, opensshArgv, sshNeverStarted, type OpenSshTarget } from "./openssh-transport.js";
export { knownKeys, verifyHostKey, fingerprint, blobType, type KnownKey, type HostKeyVerdict } from "./known-hosts.js";
export { connectHost, connectAll, connectSome, type ConnectOptions } from "./connect.js";
export { fileFacts, gatherFacts, type HostFacts } from "./facts.js";
export { planFile, planFiles, type FileChange } from "./plan.js";
export { runPhases, type Step, type Phase, type ApplyEvent, type RunResult } from "./executor.js";
export { applyDeploy, planDeploy, deployPhases, type DeployInput, type DeployResult } from "./deploy/apply.js";
export { allHosts, packagesFor, BACKUP_DIR, MANAGED_LIST, STATE_DIR, type DeployContext } from "./deploy/context.js";
export { waitHealthy, crmStatus, DB_MARKER } from "./deploy/steps.js";
export {
  managerState,
  waitState,
  holderOf,
  describeProblems,
  groupSuffix,
  type ManagerState,
  type GroupState,
  type NodeState,
} from "./deploy/manager-state.js";
export { pgCreateSql, mysqlCreateSql, oarSchemaFiles, repairOarMysqlSql, OAR_SQL_DIR } from "./deploy/oar-database.js";
export { activeOarServer } from "./deploy/oar-nodes.js";
export {
  clusterStatus,
  driftChecks,
  failureChecks,
  verdictOf,
  type ClusterStatus,
  type Check,
  type Verdict,
} from "./deploy/status.js";
export { switchover, uninstall } from "./deploy/operate.js";
export { logSources, readSource, follower, type LogSource } from "./logs.js";
export { logSyncStatus, type LogSyncStatus } from "./deploy/log-sync.js";
export {
  drbdStates,
  drbdState,
  parseDrbdState,
  drbdProblems,
  onlineVerify,
  UNREADABLE_TRIES,
  parseDrbdKernelLog,
  drbdStorage,
  type DrbdKernelFacts,
  type DrbdState,
  type VerifyResult,
} from "./deploy/drbd-state.js";
export { backingProblems, drbdVars, sizeBytes } from "./deploy/drbd.js";
export { hostScript, keyValues } from "./host-script.js";
export {
  splitBrainReport,
  splitBrainRecover,
  splitBrainVerdict,
  type SplitBrainReport,
  type SplitBrainSide,
  type SplitBrainRecovery,
} from "./deploy/split-brain.js";
export {
  parseMonitorState,
  monitorCheck,
  monitorProbes,
  type MonitorState,
  type MonitorProbe,
} from "./deploy/hb-monitor.js";
export { cleanup, inMaintenance, refuseInMaintenance, setMaintenance, standby, unstandby } from "./deploy/day2.js";
export { collectReport, parseReportStream, type HostReport, type ReportPart } from "./deploy/report.js";
