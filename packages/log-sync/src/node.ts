/**
 * @oar-ha/log-sync/node: the I/O half, what the agent on a server runs: the replica's store
 * on disk and the listing of rotated logs, the line protocol over stdin/stdout (receiver side
 * and client side), and the shipper that follows oar.log.
 */
export { fileStore, logFiles } from "./node-io.js";
export { serve, WireClient } from "./wire.js";
export { ship, type ShipOptions, type ShipStatus } from "./agent.js";
