import { dirname } from "node:path";
import { OAR_SERVER_CTL, serviceGroups, type RenderedFile } from "@oar-ha/core";
import { OCF_AGENT_PATH } from "@oar-ha/pacemaker-config";
import { DB_SCRIPT, HB_MONITOR_LOCK, OAR_SCRIPT } from "@oar-ha/heartbeat-config";
import type { Step } from "../executor.js";
import { run, shq } from "../transport.js";
import { STATE_DIR, tr, type DeployContext } from "./context.js";
import { managerState } from "./manager-state.js";

/*
 * A configuration file that changes under a running cluster only takes effect when its
 * service restarts. The file step leaves a marker on the host (before it writes the file) when
 * the cluster runs; the restart step restarts the service through the cluster manager and
 * removes the marker. An apply killed in between finds the marker on its next run: the
 * restart is never lost. Changes to the cluster manager's own files are not restarted behind
 * the admin's back (that would move every service): apply says so instead.
 */

export type Restartable = "db" | "oar-server";

const PENDING = `${STATE_DIR}/restart-pending`;

/** The service a file configures, when a change needs that service restarted. */
export function restartNeeded(f: RenderedFile): Restartable | "cluster-manager" | undefined {
  if (f.path.startsWith("/etc/postgresql/") || f.path.startsWith("/etc/mysql/")) return "db";
  if (f.path === "/etc/oar/oar.conf" || f.path === OAR_SERVER_CTL || f.path === OCF_AGENT_PATH || f.path === OAR_SCRIPT)
    return "oar-server";
  if (f.path === DB_SCRIPT) return "db";
  if (
    f.path.startsWith("/etc/corosync/") ||
    [
      "/etc/ha.d/ha.cf",
      "/etc/ha.d/haresources",
      "/etc/ha.d/authkeys",
      "/etc/systemd/system/heartbeat.service.d/oar-ha.conf",
    ].includes(f.path)
  )
    return "cluster-manager";
  return undefined;
}

/** Shell that marks `service` as needing a restart on this host (run before the file is replaced). */
export const markPendingScript = (service: Restartable): string => `mkdir -p ${PENDING} && : > ${PENDING}/${service}`;

/** Restarts `service` wherever it runs, when any server carries a pending marker for it. */
export function restartStep(ctx: DeployContext, service: Restartable): Step {
  const c = ctx.cluster;
  const servers = c.nodes.map((n) => n.name);
  const pendingOn = async () => {
    const out: string[] = [];
    for (const h of servers) if ((await tr(ctx, h).exec(`test -e ${PENDING}/${service}`)).code === 0) out.push(h);
    return out;
  };
  return {
    id: `cluster:restart:${service}`,
    title: `${service === "db" ? "the database" : "the OAR server"} restarted to read its changed configuration`,
    check: async () => (await pendingOn()).length === 0,
    act: async () => {
      const hosts = await pendingOn();
      if (c.manager === "pacemaker") {
        await run(tr(ctx, servers[0] ?? ""), `crm resource restart ${shq(service)} >/dev/null`, { timeoutMs: 180_000 });
      } else {
        const st = await managerState(c, ctx.t);
        const g = serviceGroups(c).find((x) => (service === "db" ? x.runsDb : x.runsOar));
        const holder = st.groups.find((x) => x.id === g?.id)?.holder;
        const script = service === "db" ? DB_SCRIPT : OAR_SCRIPT;
        // Under the service monitor's lock: it must not take this planned stop for a crash.
        if (holder)
          await run(
            tr(ctx, holder),
            `mkdir -p ${shq(dirname(HB_MONITOR_LOCK))}\nexec 9>${shq(HB_MONITOR_LOCK)}\nflock 9\n${script} stop >/dev/null && ${script} start >/dev/null`,
            { timeoutMs: 180_000 },
          );
      }
      for (const h of hosts) await run(tr(ctx, h), `rm -f ${PENDING}/${service}`);
    },
  };
}
