/**
 * @oar-ha/core: the cluster model of oar-ha. Schema, defaults, validation rules, error
 * catalogue, secrets, the template kit, and the OAR and database file generators.
 * Pure: nothing here touches a file, a process or the network.
 */
export {
  clusterSchema,
  type Cluster,
  type ClusterInput,
  type ServerNode,
  type OtherHost,
  type Vip,
  type Storage,
  type DrbdStorage,
  type Fencing,
  type LogSync,
  HOST_ROLES,
} from "./schema/cluster.js";
export { clusterJsonSchema } from "./schema/json-schema.js";
export {
  catalogue,
  exitOf,
  EXIT,
  type CatalogueEntry,
  type CatalogueKey,
  type ErrorCode,
  type ExitCode,
} from "./errors/catalogue.js";
export { issue, hasErrors, formatIssue, pathToString, type Issue, type Severity } from "./errors/issue.js";
export { OarHaError, isOarHaError } from "./errors/oar-ha-error.js";
export { loadCluster, checkCluster, type LoadResult } from "./load/load-cluster.js";
export { rules, runRules, type Rule } from "./rules/index.js";
export { managedOarKeys } from "./rules/database.js";
export { isVipCidr } from "./rules/network.js";
export {
  generateSecrets,
  completeSecrets,
  parseSecrets,
  GENERATED_SECRETS,
  serializeSecrets,
  secretsRules,
  secretValues,
  redactSecrets,
  secretsSchema,
  type Secrets,
  type RandomBytes,
} from "./secrets.js";
export * from "./model/derive.js";
export { sortFiles, type RenderedFile, type ServicePolicy } from "./render/rendered-file.js";
export { renderTemplate, marker, xmlEscape, MARKER } from "./render/template.js";
export { mergeShellKeys, parseShellKeys } from "./render/merge-shell-keys.js";
export { mergeLeadingLines } from "./render/merge-leading-lines.js";
export { renderOarFiles, oarConfKeys } from "./generators/oar.js";
export {
  renderDatabaseFiles,
  bootPolicy,
  dbDataDirectory,
  dbClients,
  pgConfigDir,
  pgKeytab,
  mysqlConfPath,
} from "./generators/database.js";
export { renderOarServerControl, OAR_SERVER_CTL } from "./generators/oar-server-ctl.js";
export { clusterReferenceMarkdown, errorCatalogueMarkdown } from "./schema/reference.js";
export { shq, withServiceLib } from "./shell.js";
export { sleep } from "./time.js";
