/**
 * @oar-ha/log-sync: one continuous oar.log across the OAR servers. This entry is pure (no
 * file, process or network I/O): the line formats of OAR 2.5, 2.5.10 and 3, the merged
 * time-ordered view, the exactly-once model (a receiver that owns the only durable position;
 * its store is an interface) and what apply installs. The pieces that touch files, processes
 * and streams are in `@oar-ha/log-sync/node`.
 */
export { parseLine, parseZone, entries, type Entry, type LineFormat, type ParsedLine } from "./formats.js";
export { merge, type MergeInput, type MergedEntry } from "./merge.js";
export {
  Receiver,
  nextBatch,
  pendingBytes,
  generationOf,
  EMPTY_STATE,
  type Batch,
  type ReceiverState,
  type ReplicaStore,
  type LocalFile,
  type ListFiles,
} from "./replica.js";
export {
  LOG_SYNC,
  logSyncPair,
  peerOf,
  replicaPath,
  shipArgv,
  receiverCommand,
  authorizedKeyLine,
  keyComment,
  renderLogSyncFiles,
} from "./install.js";
export type { ReceiverOptions } from "./replica.js";
export { jobMatcher, parseSince, sinceMatcher } from "./filters.js";
