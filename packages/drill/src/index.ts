/**
 * @oar-ha/drill: failure drills for an oar-ha cluster. Inject a fault (lab host crash,
 * cable, firewall; or kill -9 over SSH), run a workload through the VIPs, measure outage and
 * loss, audit the cluster after recovery, and report (table, JSON, Markdown + SVG).
 */
export { SCENARIOS, scenario, notApplicable, type Scenario, type ScenarioId, type Target } from "./catalogue.js";
export { runDrill, type DrillEnv, type DrillRun, type AuditCheck } from "./run.js";
export { probeOutage, loss, schedulerBack, oarsubLatency, percentile, type Loss, type ProbeOutage } from "./measure.js";
export {
  AGENT,
  LOOP,
  CLEAR_JOBS,
  agentConfig,
  parseLogs,
  DRILL_TABLE,
  type WorkloadLogs,
  type Sample,
} from "./workload.js";
export {
  summarize,
  table,
  markdown,
  outageSvg,
  type DrillReport,
  type ScenarioSummary,
  type Skipped,
} from "./report.js";
