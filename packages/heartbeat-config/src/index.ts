/** @oar-ha/heartbeat-config: Heartbeat 3 (haresources) files for oar-ha. Pure. */
export {
  renderHeartbeatFiles,
  haresourcesLine,
  DB_SCRIPT,
  OAR_SCRIPT,
  HB_MONITOR,
  HB_MONITOR_CONF,
  HB_MONITOR_STATE,
  HB_MONITOR_LOCK,
  HB_MONITOR_FAILURES,
  HB_MONITOR_PAUSE,
  HB_STANDBY_PATH,
  HB_STANDBY_SCRIPT,
  HA_LOG,
} from "./heartbeat.js";
