export { parseDbRun, parseFio, parseStream, type DbRun, type SyncWrites } from "./parse.js";
export {
  CONFIGS,
  PRIOR_2009,
  priorOverhead,
  spread,
  summarizeBench,
  syncSummary,
  type ConfigId,
  type ConfigRuns,
  type ConfigSummary,
  type Spread,
  type SyncSummary,
} from "./stats.js";
export {
  BENCH_BASE,
  BENCH_DEFAULTS,
  BENCH_LV,
  benchCleanup,
  benchLoadSeconds,
  benchRefusals,
  runBench,
  type BenchContext,
  type BenchOptions,
  type BenchResult,
} from "./run.js";
export { benchMarkdown, benchSvg, benchTable } from "./report.js";
