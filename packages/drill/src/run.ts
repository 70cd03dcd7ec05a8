import { OarHaError, dbServers, oarServers, serviceGroups, sleep, splitCidr } from "@oar-ha/core";
import { powerOn } from "@oar-ha/lab";
import { answers, connectHost, holderOf, hostScript, managerState, shq } from "@oar-ha/remote";
import { notApplicable, type Scenario } from "./catalogue.js";
import { logSources, unexplained, type LogSource } from "./logs.js";
import { loss, oarsubLatency, probeOutage, schedulerBack, type Loss } from "./measure.js";
import { drbdAfterRun, drbdSampler, type DrbdRunFacts } from "./drbd.js";
import { VICTIM_ASKED, VICTIM_GONE, drillProblems, type AuditCheck } from "./verdict.js";
import { AGENT, AGENT_PATH, CLEAR_JOBS, LOOP, LOOP_PATH, agentConfig, parseLogs } from "./workload.js";
import { frontend, must, now, type DrillEnv } from "./env.js";
import { bootMark, inject } from "./inject.js";

/*
 * One drill run: healthy cluster -> workload on the frontend -> T0 injection -> wait for
 * recovery -> heal the fault and bring every server back (the caller's `rejoin`, i.e. apply)
 * -> stop the workload -> count what was lost -> audit. A run that cannot prove its result
 * fails; a scenario that does not apply says why.
 */

export type { DrillEnv } from "./env.js";

export type { AuditCheck } from "./verdict.js";

export interface DrillRun {
  readonly scenario: Scenario["id"];
  readonly run: number;
  readonly victim?: string;
  /**
   * Seconds from T0: detection by the manager (first state change it reports), probers back,
   * the scheduler answering an oarsub made after T0 (and its usual latency, before T0), all
   * servers members again.
   */
  readonly timeline: {
    readonly detected?: number;
    readonly dbBack?: number;
    readonly oarBack?: number;
    readonly schedulerBack?: number;
    readonly oarsubLatency?: number;
    readonly rejoined?: number;
  };
  /** max(DB prober, Almighty port prober) outage in seconds; undefined = never recovered. */
  readonly outage: number | undefined;
  readonly holderBefore?: string;
  readonly holderAfter?: string;
  readonly loss: Loss;
  readonly audit: readonly AuditCheck[];
  readonly passed: boolean;
  readonly problems: readonly string[];
  /** When the database is on DRBD: Primaries seen, the returning server's resync, the online verify (D05). */
  readonly drbd?: DrbdRunFacts;
}

const RUN_DIR = "/var/lib/oar-ha/drill/run";

/**
 * How long one oarsub may take before the job loop counts it failed (s). `oarsub -r` waits for
 * Almighty's scheduler: a second on real servers, but 19 s and more on the lab's emulated VMs,
 * where a 20 s bound failed nearly every call.
 */
const OARSUB_BOUND_S = 20;
const OARSUB_BOUND_EMULATED_S = 90;

async function startWorkload(env: DrillEnv, oarsubBound: number): Promise<void> {
  const t = must(env, frontend(env.cluster));
  await t.exec(`touch ${RUN_DIR}/stop 2>/dev/null; sleep 0.3; rm -rf ${RUN_DIR}; mkdir -p ${RUN_DIR}`);
  await t.put(AGENT_PATH, AGENT, { mode: "0700", owner: "root:root" });
  await t.put(LOOP_PATH, LOOP, { mode: "0700", owner: "root:root" });
  await t.put(`${RUN_DIR}/agent.conf`, agentConfig(env.cluster, env.secrets, RUN_DIR), {
    mode: "0600",
    owner: "root:root",
  });
  const setup = await t.exec(`perl ${AGENT_PATH} ${RUN_DIR}/agent.conf setup`, { timeoutMs: 30_000 });
  if (setup.code !== 0)
    throw new OarHaError("OARHA910", `the workload cannot reach the database through the VIP: ${setup.stderr.trim()}`);
  await t
    .exec(`id ${shq(env.user)} >/dev/null 2>&1 || { echo "no user ${env.user} on the frontend" >&2; exit 1; }`)
    .then((r) => {
      if (r.code !== 0)
        throw new OarHaError(
          "OARHA910",
          `${r.stderr.trim()}: create a normal user present on the frontend and the compute nodes, or pass --user`,
        );
    });
  await t.exec(hostScript(CLEAR_JOBS, { DRILL_USER: env.user }), { timeoutMs: 60_000 });
  const bg = (cmd: string) => `setsid sh -c ${shq(cmd)} </dev/null >/dev/null 2>&1 &`;
  await t.exec(
    [
      ...["probe-db", "probe-oar", "writer"].map((m) => bg(`exec perl ${AGENT_PATH} ${RUN_DIR}/agent.conf ${m}`)),
      bg(`exec sh ${LOOP_PATH} ${RUN_DIR} ${shq(env.user)} ${oarsubBound}`),
    ].join("\n"),
  );
}

async function readWorkload(env: DrillEnv) {
  const t = must(env, frontend(env.cluster));
  const get = async (f: string) => new TextDecoder().decode((await t.get(`${RUN_DIR}/${f}`)) ?? new Uint8Array());
  return parseLogs({
    probeDb: await get("probe-db.log"),
    probeOar: await get("probe-oar.log"),
    writer: await get("writer.log"),
    oarsub: await get("oarsub.log"),
  });
}

async function stopWorkload(env: DrillEnv) {
  const t = must(env, frontend(env.cluster));
  await t.exec(
    `touch ${RUN_DIR}/stop; for i in $(seq 1 60); do pgrep -f '[a]gent.pl ${RUN_DIR}' >/dev/null || pgrep -f '[o]arha-drill-loop' >/dev/null || break; sleep 0.25; done`,
    { timeoutMs: 30_000 },
  );
  const logs = await readWorkload(env);
  // The read-back runs right after the rejoin: on emulated VMs the database can take longer
  // than the agent's 2 s connect timeout to answer then (seen after F02 over DRBD, while the
  // returning server resynced). Ask again for up to 2 minutes before giving up.
  const end = Date.now() + 120_000;
  let present = await t.exec(`perl ${AGENT_PATH} ${RUN_DIR}/agent.conf present`, { timeoutMs: 30_000 });
  while (present.code !== 0 && Date.now() < end) {
    await sleep(3000);
    present = await t.exec(`perl ${AGENT_PATH} ${RUN_DIR}/agent.conf present`, { timeoutMs: 30_000 });
  }
  if (present.code !== 0)
    throw new OarHaError("OARHA111", `cannot read back the workload's rows for 120 s: ${present.stderr.trim()}`);
  const rows = new Set<number>();
  const jobs = new Set<number>();
  for (const l of present.stdout.split("\n")) {
    const [k, v] = l.split(" ");
    if (k === "row") rows.add(Number(v));
    if (k === "job") jobs.add(Number(v));
  }
  return { logs, rows, jobs };
}

/**
 * Waits until both probers answer steadily again, the scheduler has accepted a job since its
 * last refusal, and the cluster manager itself runs every group whole (clients can be served
 * by a server the manager is still about to fence: healing before that would race it).
 * `dead` is a crashed server, not asked (its connection is gone).
 */
async function waitServiceBack(
  env: DrillEnv,
  t0: number,
  timeoutS: number,
  dead: string | undefined,
): Promise<boolean> {
  const end = now() + timeoutS;
  const asked = () => new Map([...env.transports].filter(([h]) => h !== dead));
  while (now() < end) {
    const l = await readWorkload(env).catch(() => undefined);
    const steady = (s: readonly { t: number; ok: boolean }[]) => {
      const last = s.filter((x) => x.t >= t0).slice(-20);
      return last.length >= 20 && last.every((x) => x.ok);
    };
    const lastJob = l?.jobs.filter((j) => j.t >= t0).at(-1);
    if (l && steady(l.probeDb) && steady(l.probeOar) && lastJob?.id !== undefined) {
      const st = await managerState(env.cluster, asked()).catch(() => undefined);
      // ...and no member is waiting to be fenced (Pacemaker shows it UNCLEAN until then).
      if (st?.groups.every((g) => g.holder !== undefined && g.running) && !st.nodes.some((n) => n.detail === "UNCLEAN"))
        return true;
    }
    await sleep(1000);
  }
  return false;
}

async function reconnect(env: DrillEnv, host: string): Promise<void> {
  const old = env.transports.get(host);
  await old?.close().catch(() => undefined);
  for (let i = 0; i < 120; i++) {
    try {
      env.transports.set(host, await connectHost(env.cluster, host));
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new OarHaError("OARHA110", `${host} did not come back (no SSH for 60 s)`);
}

async function audit(env: DrillEnv): Promise<AuditCheck[]> {
  const c = env.cluster;
  const count = async (hosts: readonly string[], cmd: string) => {
    const on: string[] = [];
    for (const h of hosts) if ((await must(env, h).exec(cmd, { timeoutMs: 20_000 })).code === 0) on.push(h);
    return on;
  };
  const servers = c.nodes.map((n) => n.name);
  const out: AuditCheck[] = [];
  for (const g of serviceGroups(c)) {
    const vip = splitCidr(g.vip.address).address;
    const on = await count(servers, `ip -o -4 addr show | grep -qw ${shq(vip)}`);
    out.push({ name: `VIP ${vip} on exactly one server`, ok: on.length === 1, detail: on.join(", ") || "none" });
  }
  const dbProc =
    c.database.engine === "postgresql"
      ? "pgrep -x postgres >/dev/null"
      : "pgrep -x mariadbd >/dev/null || pgrep -x mysqld >/dev/null";
  const db = await count(
    dbServers(c).map((n) => n.name),
    dbProc,
  );
  out.push({ name: "DB server on exactly one server", ok: db.length === 1, detail: db.join(", ") || "none" });
  const al = await count(
    oarServers(c).map((n) => n.name),
    "pgrep -f '^/usr/bin/perl /usr/lib/oar/Almighty' >/dev/null",
  );
  out.push({ name: "Almighty on exactly one server", ok: al.length === 1, detail: al.join(", ") || "none" });
  const mnt = await count(
    dbServers(c).map((n) => n.name),
    `mountpoint -q ${shq(c.storage.mountPoint)}`,
  );
  out.push({
    name: "cluster storage mounted on exactly one server",
    ok: mnt.length === 1,
    detail: mnt.join(", ") || "none",
  });
  const st = await managerState(c, env.transports);
  out.push({
    name: "cluster healthy, every server a member",
    ok: st.healthy,
    detail: st.nodes.map((n) => `${n.name} ${n.detail}`).join(", "),
  });
  return out;
}

const RESERVATION_LEAD_S = 60;

/** Each server log's size before T0: the audit reads only what the run appended. */
async function logOffsets(env: DrillEnv): Promise<Map<LogSource, number>> {
  const out = new Map<LogSource, number>();
  for (const src of logSources(env.cluster)) {
    const r = await env.transports
      .get(src.host)
      ?.exec(`stat -c %s ${shq(src.path)} 2>/dev/null || echo 0`, { timeoutMs: 10_000 })
      .catch(() => undefined);
    out.set(src, Number(r?.stdout.trim() ?? 0) || 0);
  }
  return out;
}

/** Audit: every error-level line logged since T0 is explained by the injected fault. */
async function logAudit(env: DrillEnv, s: Scenario, offsets: Map<LogSource, number>): Promise<AuditCheck> {
  let errors = 0;
  const bad: string[] = [];
  for (const [src, offset] of offsets) {
    // A log that shrank was rotated: all of it is new.
    const r = await must(env, src.host).exec(
      `f=${shq(src.path)}; [ -f "$f" ] || exit 0; if [ "$(stat -c %s "$f")" -lt ${offset} ]; then cat "$f"; else tail -c +${offset + 1} "$f"; fi`,
      { timeoutMs: 30_000 },
    );
    const u = unexplained(src, r.stdout, s.id, env.target);
    errors += u.errors;
    bad.push(...u.unexplained.map((x) => `${x.host}:${x.path}: ${x.line}`));
  }
  return {
    name: "no unexplained error-level log line on the servers",
    ok: bad.length === 0,
    detail: bad.length
      ? `${bad.length} of ${errors} unexplained, e.g. ${bad.slice(0, 3).join(" | ")}`
      : `${errors} error line(s), each explained by the fault`,
  };
}

/**
 * S04: an advance reservation made before the crash, starting RESERVATION_LEAD_S later,
 * which must still start and end (Terminated) once the cluster is back.
 */
async function reservation(env: DrillEnv): Promise<{ id: number; start: number }> {
  const t = must(env, frontend(env.cluster));
  const start = Math.ceil(now()) + RESERVATION_LEAD_S;
  const r = await t.exec(
    `timeout 30 su - ${shq(env.user)} -c "oarsub -r '$(date -d @${start} '+%F %T')' -l core=1,walltime=0:1:0 'sleep 5'"`,
    { timeoutMs: 40_000 },
  );
  const id = Number(/^OAR_JOB_ID=(\d+)/m.exec(r.stdout)?.[1]);
  if (!id || !/Reservation valid/.test(r.stdout))
    throw new OarHaError(
      "OARHA910",
      `S04: the advance reservation was not accepted before the crash: ${(r.stdout + r.stderr).trim().split("\n").slice(-2).join(" / ")}`,
    );
  return { id, start };
}

/** The reservation's end state, waiting until it started and ended (or the walltime passed well over). */
async function reservationEnd(env: DrillEnv, res: { id: number; start: number }): Promise<string> {
  const t = must(env, frontend(env.cluster));
  const deadline = res.start + 60 + 120;
  let state = "unknown";
  while (now() < deadline) {
    const r = await t.exec(`timeout 20 oarstat -s -j ${res.id}`, { timeoutMs: 30_000 });
    state = /:\s*(\w+)/.exec(r.stdout)?.[1] ?? "unknown";
    if (["Terminated", "Error"].includes(state)) return state;
    await sleep(2000);
  }
  return state;
}

/** Runs one drill. Throws only when it cannot even start (cluster unhealthy, no frontend). */
export async function runDrill(env: DrillEnv, s: Scenario, run: number): Promise<DrillRun> {
  const c = env.cluster;
  const log = env.log ?? (() => undefined);
  const why = notApplicable(s, c, env.target);
  if (why) throw new OarHaError("OARHA910", `${s.id} does not apply here: ${why}`);
  if (env.target === "lab" && !env.lab)
    throw new OarHaError("OARHA910", "a lab drill needs the lab's spec (DrillEnv.lab: loadLab(root))");
  const lab = env.target === "lab" ? env.lab : undefined;
  const st0 = await managerState(c, env.transports);
  if (st0.crm?.maintenance)
    throw new OarHaError(
      "OARHA506",
      "the cluster is in maintenance mode: it would not react to the fault\n  fix: oar-ha maintenance off, then drill",
    );
  if (!st0.healthy)
    throw new OarHaError("OARHA506", `the cluster is not healthy before the drill; run oar-ha status (${st0.summary})`);
  const holderBefore = holderOf(st0, "db");
  const emulated = lab?.hosts.some((h) => h.vm) ?? false;
  const oarsubBound = emulated ? OARSUB_BOUND_EMULATED_S : OARSUB_BOUND_S;
  await startWorkload(env, oarsubBound);
  // Warm-up: every loop has succeeded at least once (an answered oarsub gives the usual latency).
  // On emulated VMs OAR's first scheduling rounds after its (re)start took over 150 s once
  // (right after an apply restarted it): the warm-up waits up to 10 min there; it ends at the
  // first answer either way.
  const warmup = emulated ? 600 : 60 + oarsubBound;
  let warm = await readWorkload(env);
  for (let i = 0; i < warmup && !warm.jobs.some((j) => j.id !== undefined); i++) {
    await sleep(1000);
    warm = await readWorkload(env);
  }
  const failing = [
    ...(warm.probeDb.some((x) => x.ok) ? [] : ["the DB probe through the VIP"]),
    ...(warm.probeOar.some((x) => x.ok) ? [] : ["the Almighty probe through the VIP"]),
    ...(warm.writes.some((w) => w.status === "ack") ? [] : ["the writes"]),
    ...(warm.jobs.some((j) => j.id !== undefined) ? [] : ["oarsub (no reservation answered)"]),
  ];
  if (failing.length) {
    // Nothing keeps running on the frontend after a drill that could not start.
    await stopWorkload(env).catch(() => undefined);
    throw new OarHaError(
      "OARHA910",
      `the workload does not succeed on the healthy cluster within ${warmup} s: ${failing.join(", ")} never succeeded\n  fix: oar-ha status; try the same from the frontend (oarstat, oarsub -r) and see the OAR server's log (oar-ha logs)`,
    );
  }
  const res = s.id === "S04" ? await reservation(env) : undefined;
  if (res) log(`${s.id} run ${run}: reservation ${res.id} starts in ${Math.round(res.start - now())} s`);
  const boot0 = s.id === "S07" ? await bootMark(env, holderOf(st0, "oar") ?? "") : undefined;
  const offsets = await logOffsets(env);
  const t0 = now();
  const sampler = drbdSampler(c, env.transports, t0);
  log(`${s.id} run ${run}: injecting`);
  const { victim, undo } = await inject(env, s, st0, lab);
  // Detection: the first time the manager's view differs from the healthy one (polled).
  let detected: number | undefined;
  let watching = true;
  const watcher = (async () => {
    for (let i = 0; i < 240 && detected === undefined && watching; i++) {
      const survivors = new Map([...env.transports].filter(([h]) => h !== victim || VICTIM_ASKED.has(s.id)));
      const st = await managerState(c, survivors).catch(() => undefined);
      // The manager's own view: a member lost, a group moved, or a group it reports broken.
      const h = st ? holderOf(st, "db") : undefined;
      if (
        st &&
        (st.nodes.some((n) => !n.online) ||
          (h !== undefined && h !== holderBefore) ||
          st.groups.some((g) => g.holder !== undefined && !g.running))
      )
        detected = now() - t0;
      else await sleep(500);
    }
  })();
  // N03's survivor must wait for the dead primary: the lab's fencing powers it back on (a VM boots in a minute or two).
  // A lab whose servers are VMs under software emulation fences and boots several times slower.
  // On emulated VMs OAR's scheduler itself is slow to answer after a failover (Almighty's
  // start checks the database, then the first scheduling rounds): an oarsub answered 379 s
  // after an F01 over DRBD, another not within 420 s (2026-12-06).
  const back = await waitServiceBack(
    env,
    t0,
    emulated ? 900 : s.id === "N03" ? 420 : 150,
    VICTIM_GONE.has(s.id) ? victim : undefined,
  );
  watching = false;
  await watcher;
  log(`${s.id} run ${run}: service back; healing and rejoining`);
  await undo();
  if (lab) for (const n of c.nodes) await powerOn(lab, n.name);
  // Hosts that crashed (or were fenced and rebooted) need a new connection.
  for (const n of c.nodes) {
    if (!(await answers(env.transports.get(n.name), 5000))) await reconnect(env, n.name);
  }
  if (c.manager === "pacemaker")
    await must(env, c.nodes[0]?.name ?? "")
      .exec("crm resource cleanup >/dev/null 2>&1", { timeoutMs: 60_000 })
      .catch(() => undefined);
  const tRejoin0 = now();
  const extra: string[] = [];
  // The rejoin is apply, which resumes where it stopped: one more try when a step timed out
  // (on emulated VMs a systemctl restart under load once took over 5 min). If it still fails,
  // the run fails with the reason, but what clients saw (outage, acknowledged, lost) is still
  // measured and reported: it does not depend on the rejoin.
  for (let attempt = 1; ; attempt++) {
    try {
      await env.rejoin();
      break;
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      log(`${s.id} run ${run}: rejoin attempt ${attempt} failed: ${why}`);
      if (attempt === 2) {
        extra.push(`the rejoin (apply) failed twice, last: ${why}`);
        break;
      }
    }
  }
  const rejoined = now() - t0;
  log(`${s.id} run ${run}: ${extra.length ? "rejoin gave up" : "rejoined"} after ${(now() - tRejoin0).toFixed(1)} s`);
  if (s.id === "S07" && victim) {
    const boot1 = await bootMark(env, victim);
    if (boot0 === undefined || boot1 === undefined || boot0 === boot1)
      extra.push(
        `${victim} was not fenced after its stop failed (PID 1 started ${boot0 ?? "?"} before, ${boot1 ?? "?"} after)`,
      );
  }
  if (res) {
    const end = await reservationEnd(env, res);
    if (end !== "Terminated")
      extra.push(`the reservation ${res.id} made before the crash ended as ${end}, not Terminated`);
  }
  await sleep(2000);
  const { logs, rows, jobs } = await stopWorkload(env);
  const db = probeOutage(logs.probeDb, t0);
  const oar = probeOutage(logs.probeOar, t0);
  const sched = schedulerBack(logs, t0);
  const latency = oarsubLatency(logs, t0);
  const outage =
    !back || db.seconds === undefined || oar.seconds === undefined ? undefined : Math.max(db.seconds, oar.seconds);
  const l = loss(logs, rows, jobs);
  const checks = [...(await audit(env)), await logAudit(env, s, offsets)];
  const samples = await sampler.stop();
  const drbd = c.storage.kind === "drbd" ? await drbdAfterRun(c, env.transports, victim, samples, log) : undefined;
  if (drbd) checks.push(...drbd.checks);
  if (drbd && s.id === "N03" && victim) {
    const stale = drbd.facts.primaries.filter((h) => h !== victim);
    checks.push({
      name: "N03: the stale peer was never promoted",
      ok: stale.length === 0,
      detail: stale.length
        ? `${stale.join(", ")} became Primary with outdated data`
        : `only ${victim} was ever Primary`,
    });
  }
  const stAfter = await managerState(c, env.transports);
  if (s.id === "S08" && victim && holderOf(stAfter, "oar") === victim)
    extra.push(
      `the OAR group is still on ${victim}, where the OAR server cannot start: it should have moved to the peer`,
    );
  const problems = drillProblems({
    outage,
    schedulerBack: sched,
    noOutage: s.noOutage === true,
    dbFailures: db.failures,
    oarFailures: oar.failures,
    loss: l,
    checks,
    extra,
  });
  const holderAfter = holderOf(stAfter, "db");
  return {
    scenario: s.id,
    run,
    ...(victim ? { victim } : {}),
    timeline: {
      ...(detected !== undefined ? { detected } : {}),
      ...(db.seconds !== undefined ? { dbBack: db.seconds } : {}),
      ...(oar.seconds !== undefined ? { oarBack: oar.seconds } : {}),
      ...(sched !== undefined ? { schedulerBack: sched } : {}),
      ...(latency !== undefined ? { oarsubLatency: latency } : {}),
      rejoined,
    },
    outage,
    ...(holderBefore ? { holderBefore } : {}),
    ...(holderAfter ? { holderAfter } : {}),
    loss: l,
    audit: checks,
    passed: problems.length === 0,
    problems,
    ...(drbd ? { drbd: drbd.facts } : {}),
  };
}
