import { OAR_SERVER_CTL, OarHaError, dbPort, serviceGroups, sleep } from "@oar-ha/core";
import { crash, dropTraffic, heal, powerOn, pullCable, plugCable, type LabSpec } from "@oar-ha/lab";
import { groupSuffix, holderOf, shq, switchover, type ManagerState } from "@oar-ha/remote";
import { clusterPorts, type Scenario, type ScenarioId } from "./catalogue.js";
import { isRunning, must, now, type DrillEnv } from "./env.js";
import { victimOf } from "./verdict.js";

/*
 * The faults a drill injects, one per scenario: who the victim is (verdict.ts says why), how
 * the fault is made (the lab's host-level faults or a command on a server), and how it is undone.
 */

/** Picks the victim, injects, and returns how to undo the fault (before rejoin). */
export async function inject(
  env: DrillEnv,
  s: Scenario,
  st: ManagerState,
  lab: LabSpec | undefined,
): Promise<{ victim?: string; undo: () => Promise<void> }> {
  const c = env.cluster;
  const dbGroup = serviceGroups(c).find((g) => g.runsDb);
  const dbHolder = holderOf(st, "db") ?? "";
  const oarHolder = holderOf(st, "oar") ?? "";
  const passive = dbGroup?.nodes.find((n) => n.name !== dbHolder)?.name ?? "";
  const victimFor = (id: Scenario["id"]) => victimOf(id, { dbHolder, passive, oarHolder });
  const needLab = (): LabSpec => {
    if (!lab) throw new OarHaError("OARHA910", `${s.id} needs the lab`);
    return lab;
  };
  const nothing = (): Promise<void> => Promise.resolve();
  switch (s.id) {
    case "F01":
    case "D04":
    case "F02": {
      // D04 is F01 where the storage is DRBD: a qemu SIGKILL loses what the guest had not flushed.
      const victim = victimFor(s.id);
      await crash(needLab(), victim);
      return { victim, undo: () => powerOn(needLab(), victim) };
    }
    case "F03":
      await switchover(c, env.transports);
      return { victim: oarHolder, undo: nothing };
    case "N01":
    case "N02": {
      const l = needLab();
      const others = c.nodes.filter((n) => n.name !== dbHolder);
      for (const o of others) {
        for (const addr of [o.address, o.secondary?.address].filter((a): a is string => !!a)) {
          if (s.id === "N01") await dropTraffic(l, dbHolder, { peer: addr });
          else
            for (const p of clusterPorts(c))
              await dropTraffic(l, dbHolder, { peer: addr, port: p.port, proto: p.proto });
        }
      }
      return {
        victim: dbHolder,
        undo: async () => {
          for (const n of c.nodes) if (isRunning(l, n.name)) await heal(l, n.name);
        },
      };
    }
    case "N03": {
      // The replication link (the second link) of the primary cut: DRBD's fence-peer handler
      // marks the peer Outdated (a constraint keeps it from promotion), the primary writes on
      // alone, then dies. The survivor must not be promoted with stale data.
      const l = needLab();
      await pullCable(l, dbHolder, 1);
      const end = now() + 90;
      for (;;) {
        const r = await must(env, passive)
          .exec(`drbdadm dstate ${shq(c.storage.kind === "drbd" ? c.storage.resource : "")}`, { timeoutMs: 10_000 })
          .catch(() => undefined);
        if (r?.stdout.startsWith("Outdated")) break;
        if (now() > end)
          throw new OarHaError(
            "OARHA910",
            `N03: ${passive}'s DRBD disk did not become Outdated within 90 s of the link cut (${r?.stdout.trim() ?? "no answer"}): resource-level fencing is not working`,
          );
        await sleep(1000);
      }
      await sleep(5000);
      await crash(l, dbHolder);
      return {
        victim: dbHolder,
        undo: async () => {
          await powerOn(l, dbHolder);
          await plugCable(l, dbHolder, 1);
        },
      };
    }
    case "N04": {
      const l = needLab();
      await pullCable(l, dbHolder, 1);
      return { victim: dbHolder, undo: () => plugCable(l, dbHolder, 1) };
    }
    case "N05": {
      const l = needLab();
      await dropTraffic(l, dbHolder, { port: dbPort(c), proto: "tcp" });
      await sleep(5000);
      await heal(l, dbHolder);
      return { victim: dbHolder, undo: nothing };
    }
    case "S01":
      // The main Almighty (its children "appendice" and "bipbip" live on, as after a real crash).
      await must(env, oarHolder).exec("pkill -KILL -f '^/usr/bin/perl /usr/lib/oar/Almighty'");
      return { victim: oarHolder, undo: nothing };
    case "S02":
    case "S03":
      await must(env, dbHolder).exec(
        c.database.engine === "postgresql"
          ? "pkill -KILL -x postgres"
          : "pkill -KILL -x mariadbd; pkill -KILL -x mysqld; true",
      );
      return { victim: dbHolder, undo: nothing };
    case "S05":
      await must(env, dbHolder).exec(
        c.manager === "pacemaker" ? "pkill -KILL -x corosync" : "pkill -KILL -x heartbeat",
      );
      return { victim: dbHolder, undo: nothing };
    case "S04":
      // The reservation was made before T0 (see reservation()); the crash is F01's, on the OAR server.
      await crash(needLab(), oarHolder);
      return { victim: oarHolder, undo: () => powerOn(needLab(), oarHolder) };
    case "S07": {
      // The OAR server's stop fails on the active server, then a move is asked for:
      // Pacemaker must fence the server before starting the services elsewhere.
      const g = serviceGroups(c).find((x) => x.runsOar);
      const to = g?.nodes.find((n) => n.name !== oarHolder)?.name;
      if (!g || !to) throw new OarHaError("OARHA910", "S07: no second server for the OAR group");
      const unwrap = await refuseControl(env, oarHolder, "stop", "S07");
      const id = `g-${groupSuffix(g)}`;
      await must(env, to).exec(`crm resource move ${shq(id)} ${shq(to)}`, { timeoutMs: 30_000 });
      return {
        victim: oarHolder,
        undo: async () => {
          await must(env, to).exec(`crm resource clear ${shq(id)}`, { timeoutMs: 30_000 });
          // Still mounted means the server was never fenced (the run fails on that): unmount anyway.
          await unwrap();
        },
      };
    }
    case "S08": {
      // Almighty killed (S01) on a server where the OAR server can no longer start: the
      // manager restarts it in vain, then must move the whole group to the peer.
      const unwrap = await refuseControl(env, oarHolder, "start", "S08");
      await must(env, oarHolder).exec("pkill -KILL -f '^/usr/bin/perl /usr/lib/oar/Almighty'");
      return { victim: oarHolder, undo: unwrap };
    }
    default: {
      // Every scenario of the catalogue has its injection: the compiler checks it.
      const missing: never = s.id;
      throw new OarHaError("OARHA910", `${String(missing)}: no injection`);
    }
  }
}

/**
 * Makes one operation of the OAR server's control script fail on `host`: a wrapper
 * bind-mounted over it, in that host's own mount namespace. Returns the undo.
 */
async function refuseControl(
  env: DrillEnv,
  host: string,
  op: "start" | "stop",
  id: ScenarioId,
): Promise<() => Promise<void>> {
  const wrapper = `#!/bin/sh\n[ "$1" = ${op} ] && { echo 'oar-ha drill ${id}: ${op} refused on purpose' >&2; exit 1; }\nexec /run/oar-ha-drill-ctl.real "$@"\n`;
  const r = await must(env, host).exec(
    `set -e; cp ${OAR_SERVER_CTL} /run/oar-ha-drill-ctl.real; printf '%b' ${shq(wrapper)} > /run/oar-ha-drill-ctl; chmod 755 /run/oar-ha-drill-ctl /run/oar-ha-drill-ctl.real; mount --bind /run/oar-ha-drill-ctl ${OAR_SERVER_CTL}`,
  );
  if (r.code !== 0)
    throw new OarHaError("OARHA910", `${id}: cannot make the ${op} fail on ${host}: ${r.stderr.trim()}`);
  return async () => {
    await env.transports
      .get(host)
      ?.exec(`umount ${OAR_SERVER_CTL} 2>/dev/null; rm -f /run/oar-ha-drill-ctl /run/oar-ha-drill-ctl.real`, {
        timeoutMs: 10_000,
      })
      .catch(() => undefined);
  };
}

/** When PID 1 of a host started: a reboot (a fencing action in the lab) changes it. */
export async function bootMark(env: DrillEnv, host: string): Promise<string | undefined> {
  const r = await env.transports
    .get(host)
    ?.exec("ps -o lstart= -p 1", { timeoutMs: 10_000 })
    .catch(() => undefined);
  return r?.code === 0 ? r.stdout.trim() : undefined;
}
