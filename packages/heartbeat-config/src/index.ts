/** @oar-ha/heartbeat-config: Heartbeat 3 (haresources) files for oar-ha. Pure. */
export { renderHeartbeatFiles, haresourcesLine, DB_SCRIPT, OAR_SCRIPT } from "./heartbeat.js";
