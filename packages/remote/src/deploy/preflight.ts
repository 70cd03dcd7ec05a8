import { createConnection } from "node:net";
import { OarHaError, dbServers, serviceGroups, splitCidr, type Cluster } from "@oar-ha/core";
import { allHosts, packagesFor, tr, type DeployContext } from "./context.js";
import { dbLoginRefusals, secretsMismatch } from "./db-login.js";
import { clusterRunning, type ManagerState } from "./manager-state.js";

export interface Problem {
  readonly host: string;
  readonly message: string;
  readonly fix: string;
}

const tcp = (address: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ host: address, port });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(1500, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });

/** What this version validates but cannot deploy yet: refused before any change, never half-done. */
export function unsupported(c: Cluster): Problem[] {
  const out: Problem[] = [];
  if (c.storage.kind === "drbd" && c.storage.version === "9")
    out.push({
      host: "cluster file",
      message: "storage.version 9: apply drives DRBD 8.4 (Debian 12's kernel module) only",
      fix: "use version 8.4 (the default), or set DRBD 9 up by hand and describe it as shared storage",
    });
  return out;
}

/**
 * Read-only checks before the first change. Every problem is collected, then apply stops
 * with all of them at once (and nothing changed) if there is any.
 */
export async function preflight(ctx: DeployContext, atStart: ManagerState): Promise<Problem[]> {
  const running = clusterRunning(atStart);
  const c = ctx.cluster;
  const out: Problem[] = [...unsupported(c)];
  for (const h of allHosts(c)) {
    const f = ctx.facts.get(h);
    if (!f) continue;
    if (f.hostname !== h)
      out.push({
        host: h,
        message: `\`uname -n\` says "${f.hostname}", the cluster file says "${h}"`,
        fix: "make the name in the cluster file equal the host's own name (corosync and Pacemaker identify nodes by it)",
      });
    if (f.os.id !== "debian")
      out.push({
        host: h,
        message: `runs ${f.os.id} ${f.os.version}; oar-ha supports Debian`,
        fix: "use Debian 12 hosts",
      });
    if (Math.abs(f.clockSkewMs) > 5_000)
      out.push({
        host: h,
        message: `clock is ${(f.clockSkewMs / 1000).toFixed(1)} s away from this machine's`,
        fix: "run NTP (chrony or systemd-timesyncd) on every host",
      });
    const ip = [...c.nodes, ...c.hosts].find((x) => x.name === h)?.address;
    if (ip && !f.addresses.includes(ip))
      out.push({
        host: h,
        message: `has no address ${ip} (it has ${f.addresses.join(", ")})`,
        fix: "correct the address in the cluster file",
      });
  }
  // Versions consistent across servers: a cluster of mixed pacemaker/corosync/DB versions is asking for trouble.
  for (const p of ["corosync", "pacemaker", "heartbeat", "postgresql", "mariadb-server", "oar-server"]) {
    const versions = new Map<string, string[]>();
    for (const n of c.nodes) {
      const v = ctx.facts.get(n.name)?.packages[p];
      if (v) versions.set(v, [...(versions.get(v) ?? []), n.name]);
    }
    if (versions.size > 1)
      out.push({
        host: "servers",
        message: `${p} versions differ: ${[...versions].map(([v, hs]) => `${v} on ${hs.join(",")}`).join("; ")}`,
        fix: `install the same ${p} version on every server`,
      });
  }
  if (!running) {
    for (const g of serviceGroups(c)) {
      const vip = splitCidr(g.vip.address).address;
      for (const h of allHosts(c))
        if (ctx.facts.get(h)?.addresses.includes(vip))
          out.push({
            host: h,
            message: `already holds the VIP ${vip}`,
            fix: "remove that address from the host, or choose a free VIP",
          });
      if ((await tcp(vip, 22)) || (await tcp(vip, ctx.cluster.oar.serverPort)))
        out.push({
          host: "network",
          message: `something already answers on the VIP ${vip}`,
          fix: "choose a free address for the VIP",
        });
    }
  }
  if (running && c.manager === "pacemaker" && atStart.crm?.maintenance)
    out.push({
      host: "cluster",
      message: "is in maintenance mode: Pacemaker would not start, stop or check what apply changes",
      fix: "oar-ha maintenance off, then apply",
    });
  if (running) {
    // The database keeps the passwords it was made with; oar.conf would get this file's.
    const { host, refused } = await dbLoginRefusals(ctx, atStart);
    if (refused.length) out.push({ host, ...secretsMismatch(refused, ctx.secretsFile) });
  }
  const s = c.storage;
  for (const n of dbServers(c)) {
    // DRBD's backing store is probed in depth by drbdPreflight (missing, holding data, no room).
    const dev = s.kind === "shared" ? s.device : undefined;
    if (!dev) continue;
    const r = await tr(ctx, n.name).exec(`test -e '${dev}'`);
    if (r.code !== 0)
      out.push({
        host: n.name,
        message: `storage ${dev} does not exist`,
        fix: "attach the device (or fix storage.device) before apply",
      });
  }
  for (const h of allHosts(c)) {
    const missing = packagesFor(c, h).filter((p) => !ctx.facts.get(h)?.packages[p]);
    if (missing.length) ctx.log(`${h}: will install ${missing.join(" ")}`);
  }
  return out;
}

export function failOnProblems(problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  throw new OarHaError(
    "OARHA113",
    `preflight found ${problems.length} problem(s); nothing was changed:\n${problems.map((p) => `  ${p.host}: ${p.message}\n    fix: ${p.fix}`).join("\n")}`,
  );
}
