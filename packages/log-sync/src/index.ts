/**
 * @oar-ha/log-sync: one continuous oar.log across the OAR servers. Pure pieces: the line
 * formats of OAR 2.5, 2.5.10 and 3, the merged time-ordered view, and exactly-once shipping
 * (a stateless shipper, a receiver that owns the only durable position).
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
export { fileStore, logFiles } from "./node-io.js";
export { serve, WireClient } from "./wire.js";
export { ship, type ShipOptions, type ShipStatus } from "./agent.js";
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
