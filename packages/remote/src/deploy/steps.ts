import { createHash } from "node:crypto";
import {
  OarHaError,
  dbDataDirectory,
  dbServers,
  hostsWithRole,
  oarServers,
  pgVersion,
  sleep,
  withServiceLib,
  witness,
  type RenderedFile,
} from "@oar-ha/core";
import { CIB_CRM_PATH, parseCrmMon, type CrmStatus } from "@oar-ha/pacemaker-config";
import { planFile } from "../plan.js";
import { run, shq } from "../transport.js";
import type { Step } from "../executor.js";
import { mysqlCreateSql, oarSchemaFiles, pgCreateSql } from "./oar-database.js";
import { markPendingScript, restartNeeded } from "./restart.js";
import { describeProblems, managerState, waitState, type ManagerState } from "./manager-state.js";
import { dbLoginRefusals, secretsMismatch } from "./db-login.js";
import { startQdeviceScript } from "./witness.js";
import { BACKUP_DIR, MANAGED_LIST, STATE_DIR, packagesFor, tr, type DeployContext } from "./context.js";
import { HB_MONITOR } from "@oar-ha/heartbeat-config";

export function packageStep(ctx: DeployContext, host: string): Step {
  const missing = () => packagesFor(ctx.cluster, host).filter((p) => !ctx.facts.get(host)?.packages[p]);
  return {
    id: `${host}:packages`,
    host,
    title: "Debian packages",
    check: () => Promise.resolve(missing().length === 0),
    act: async () => {
      const m = missing();
      // Daemons must not start at install: only the cluster manager starts them.
      await run(tr(ctx, host), withServiceLib(`set -e\nsvc_apt_install ${m.map(shq).join(" ")}`), {
        timeoutMs: 30 * 60_000,
      });
    },
  };
}

/** Keeps the file as it was before oar-ha's first change (or notes it did not exist): uninstall restores it. */
export function backupScript(path: string): string {
  const b = `${BACKUP_DIR}${path}`;
  return `mkdir -p ${shq(b.slice(0, b.lastIndexOf("/")))} ${shq(MANAGED_LIST.slice(0, MANAGED_LIST.lastIndexOf("/")))}
if [ ! -e ${shq(b)} ] && [ ! -e ${shq(`${b}.oar-ha-absent`)} ]; then
  if [ -e ${shq(path)} ]; then cp -a ${shq(path)} ${shq(b)}; else : > ${shq(`${b}.oar-ha-absent`)}; fi
fi
grep -qxF ${shq(path)} ${shq(MANAGED_LIST)} 2>/dev/null || echo ${shq(path)} >> ${shq(MANAGED_LIST)}`;
}

/**
 * Shell: `line` in `path` (backed up first), replacing the lines that contain `drop` (an
 * older key of the same writer, an older key of the same name); the file keeps `mode`.
 */
export function replaceLineScript(path: string, line: string, drop: string, mode: string): string {
  return `set -e
${backupScript(path)}
mkdir -p ${shq(path.slice(0, path.lastIndexOf("/")))}; touch ${shq(path)}
f=$(mktemp); trap 'rm -f "$f"' EXIT
grep -vF ${shq(drop)} ${shq(path)} > "$f" || true
echo ${shq(line)} >> "$f"
cat "$f" > ${shq(path)}; chmod ${mode} ${shq(path)}`;
}

/** The same bytes of `files` from `from` on every host of `to` (each backed up first): keys that must be identical. */
export async function copyFromFirst(
  ctx: DeployContext,
  from: string,
  to: readonly string[],
  files: readonly { path: string; mode: string; owner: string }[],
): Promise<void> {
  const bytes = await Promise.all(files.map((f) => tr(ctx, from).get(f.path)));
  const gone = files.filter((_, i) => !bytes[i]);
  if (gone.length) throw new OarHaError("OARHA112", `${from}: ${gone.map((f) => f.path).join(", ")} missing`);
  for (const h of to) {
    await run(tr(ctx, h), files.map((f) => backupScript(f.path)).join("\n"));
    for (const [i, f] of files.entries()) await tr(ctx, h).put(f.path, bytes[i]!, { mode: f.mode, owner: f.owner });
  }
}

export function fileStep(ctx: DeployContext, f: RenderedFile): Step {
  return {
    id: `${f.host}:file:${f.path}`,
    host: f.host,
    title: f.path,
    check: () => Promise.resolve(planFile(f, ctx.facts.get(f.host)!).action === "none"),
    act: async () => {
      const change = planFile(f, ctx.facts.get(f.host)!);
      const t = tr(ctx, f.host);
      const service = restartNeeded(f);
      if (ctx.clusterRunning && change.action !== "metadata") {
        if (service === "db" || service === "oar-server") await run(t, markPendingScript(service));
        if (service === "cluster-manager")
          ctx.log(
            `${f.host}: ${f.path} changed under a running cluster: it takes effect when the cluster manager restarts there (oar-ha does not restart it for you: plan a maintenance window)`,
          );
      }
      await run(t, backupScript(f.path));
      await t.put(f.path, Buffer.from(change.content, "base64"), { mode: f.mode, owner: f.owner });
      // The service monitor runs the old program until it exits: end it, Heartbeat respawns the new one.
      if (ctx.clusterRunning && f.path === HB_MONITOR) await run(t, `pkill -f ${shq(`sh ${HB_MONITOR}$`)} || true`);
    },
  };
}

export function bootPolicyStep(ctx: DeployContext, host: string, service: string): Step {
  const enabled = withServiceLib(`svc_boot_enabled ${shq(service)}`);
  return {
    id: `${host}:boot:${service}`,
    host,
    title: `no boot-time start of ${service}`,
    check: async () => (await tr(ctx, host).exec(enabled)).code !== 0,
    act: async () => {
      await run(
        tr(ctx, host),
        withServiceLib(
          `mkdir -p ${STATE_DIR}; echo ${shq(service)} >> ${STATE_DIR}/boot-disabled\nsvc_boot_disable ${shq(service)}`,
        ),
      );
    },
  };
}

const OAR_SSH = "/var/lib/oar/.ssh";

/** Both OAR servers hold the same oar key pair (a backup with another key reaches no node), and every node trusts it. */
export function oarKeysStep(ctx: DeployContext): Step {
  const servers = oarServers(ctx.cluster).map((n) => n.name);
  const nodes = hostsWithRole(ctx.cluster, "compute").map((h) => h.name);
  const first = servers[0] ?? "";
  const sum = async (h: string, p: string) =>
    (await tr(ctx, h).exec(`sha256sum < ${shq(p)} 2>/dev/null`)).stdout.trim();
  return {
    id: "cluster:oar-ssh-keys",
    title: "identical oar SSH keys on the OAR servers, trusted by the nodes",
    check: async () => {
      const ref = await sum(first, `${OAR_SSH}/id_rsa`);
      if (!ref) throw new OarHaError("OARHA112", `${first}: ${OAR_SSH}/id_rsa is missing (is oar-server installed?)`);
      for (const s of servers.slice(1)) if ((await sum(s, `${OAR_SSH}/id_rsa`)) !== ref) return false;
      const pub = new TextDecoder()
        .decode(await tr(ctx, first).get(`${OAR_SSH}/id_rsa.pub`))
        .trim()
        .split(" ")
        .slice(0, 2)
        .join(" ");
      for (const n of nodes) {
        const ak = await tr(ctx, n).get(`${OAR_SSH}/authorized_keys`);
        if (!ak || !new TextDecoder().decode(ak).includes(pub)) return false;
      }
      return true;
    },
    act: async () => {
      await copyFromFirst(ctx, first, servers.slice(1), [
        { path: `${OAR_SSH}/id_rsa`, mode: "0600", owner: "oar:oar" },
        { path: `${OAR_SSH}/id_rsa.pub`, mode: "0644", owner: "oar:oar" },
      ]);
      const pub = await tr(ctx, first).get(`${OAR_SSH}/id_rsa.pub`);
      if (!pub) throw new OarHaError("OARHA112", `${first}: no oar key pair in ${OAR_SSH}`);
      const line = new TextDecoder().decode(pub).trim();
      for (const h of [...nodes, ...servers]) {
        await run(
          tr(ctx, h),
          `${backupScript(`${OAR_SSH}/authorized_keys`)}
mkdir -p ${OAR_SSH}; touch ${OAR_SSH}/authorized_keys
grep -qF ${shq(line.split(" ").slice(0, 2).join(" "))} ${OAR_SSH}/authorized_keys || echo ${shq(line)} >> ${OAR_SSH}/authorized_keys
chown oar:oar ${OAR_SSH}/authorized_keys; chmod 600 ${OAR_SSH}/authorized_keys`,
        );
      }
    },
  };
}

/**
 * Shell: the cluster storage mounted on MP here (`mp` may be "$d" for a temporary directory).
 * DRBD: this server becomes Primary first and the filesystem is made once (a device with none).
 */
function mountCommand(ctx: DeployContext, mp = shq(ctx.cluster.storage.mountPoint), readOnly = false): string {
  const s = ctx.cluster.storage;
  if (s.kind === "drbd") {
    const res = shq(s.resource);
    return `drbdadm primary ${res} && { blkid -p ${shq(s.device)} >/dev/null 2>&1 || mkfs -t ${s.filesystem} -q ${shq(s.device)} </dev/null; } && mount -t ${s.filesystem}${readOnly ? " -o ro" : ""} ${shq(s.device)} ${mp}`;
  }
  return s.filesystem === "none"
    ? `mount --bind ${shq(s.device)} ${mp}`
    : `mount -t ${s.filesystem}${readOnly ? " -o ro" : ""} ${shq(s.device)} ${mp}`;
}

/** Shell: the storage released again (DRBD: back to Secondary, the cluster manager decides). */
function releaseCommand(ctx: DeployContext, mp = shq(ctx.cluster.storage.mountPoint)): string {
  const s = ctx.cluster.storage;
  return s.kind === "drbd" ? `umount ${mp}; drbdadm secondary ${shq(s.resource)}` : `umount ${mp}`;
}

/** Marker written on the cluster storage once the OAR database exists: it is never created twice. */
export const DB_MARKER = ".oar-ha-db-created";
/** Marker present while the creation runs: a database found with it is a half-done creation. */
const DB_CREATING = ".oar-ha-db-creating";

/**
 * Once, on the first DB server, with the cluster storage mounted there: the DB's data
 * directory on it, the server started locally, the OAR database created (SQL over stdin),
 * stopped again. Skipped when the cluster already runs the DB, or the marker is there.
 */
export function dbBootstrapStep(ctx: DeployContext): Step {
  const c = ctx.cluster;
  const host = dbServers(c)[0]?.name ?? "";
  const s = c.storage;
  const mp = s.mountPoint;
  return {
    id: `${host}:database-bootstrap`,
    host,
    title: "OAR database on the cluster storage (once)",
    check: async () => {
      const st = await managerState(c, ctx.t);
      if (st.groups.some((g) => (g.id === "all" || g.id === "db") && g.running)) return true;
      if (s.kind === "shared" && s.filesystem === "none")
        return (await tr(ctx, host).exec(`test -e ${shq(`${s.device}/${DB_MARKER}`)}`)).code === 0;
      // DRBD: looking would mean promoting; the host keeps its own record of the creation.
      if (s.kind === "drbd")
        return (await tr(ctx, host).exec(`test -e ${shq(`${STATE_DIR}/${DB_MARKER}-${s.resource}`)}`)).code === 0;
      const r = await tr(ctx, host).exec(
        `set -e; d=$(mktemp -d); ${mountCommand(ctx, '"$d"', true)}; trap 'umount "$d"; rmdir "$d"' EXIT; test -e "$d/${DB_MARKER}"`,
      );
      return r.code === 0;
    },
    act: async () => {
      const data = dbDataDirectory(c);
      const pg = c.database.engine === "postgresql";
      const v = pgVersion(c);
      // OAR's schema, from an OAR server (the DB servers of a four-node cluster have no OAR).
      const oarHost = oarServers(c)[0]?.name ?? "";
      const schema: string[] = [];
      for (const f of oarSchemaFiles(c.database.engine)) {
        const b = await tr(ctx, oarHost).get(f);
        if (!b) throw new OarHaError("OARHA112", `${oarHost}: ${f} is missing (is oar-server installed?)`);
        schema.push(new TextDecoder().decode(b));
      }
      const start = pg
        ? `install -d -o postgres -g postgres -m 700 ${shq(data)}
[ -e ${shq(`${data}/PG_VERSION`)} ] || runuser -u postgres -- /usr/lib/postgresql/${v}/bin/initdb -D ${shq(data)} -E UTF8 --auth-local=peer --auth-host=scram-sha-256 >/dev/null </dev/null
install -d -o postgres -g postgres -m 2775 /run/postgresql
pg_ctlcluster ${v} main status >/dev/null 2>&1 </dev/null || pg_ctlcluster --skip-systemctl-redirect ${v} main start </dev/null
trap 'pg_ctlcluster --skip-systemctl-redirect ${v} main stop -m fast; ${shq(releaseCommand(ctx)).slice(1, -1)}' EXIT
exists=$(runuser -u postgres -- psql -Atc "select 1 from pg_database where datname='${c.database.name}'" </dev/null)
# The "creating" marker is written before the creation starts and replaced by the "created" one
# after it succeeded: a database found next to it is what an interrupted run left half done, and
# is started over (roles included). A database without it was there before oar-ha: adopted as it is.
if [ -e ${shq(`${mp}/${DB_CREATING}`)} ]; then
  runuser -u postgres -- psql -qc "drop database if exists ${c.database.name}" -c "drop role if exists ${c.database.user}" -c "drop role if exists ${c.database.readOnlyUser}" </dev/null
  exists=""
fi`
        : `install -d -o mysql -g mysql -m 750 ${shq(data)}
[ -d ${shq(`${data}/mysql`)} ] || mariadb-install-db --datadir=${shq(data)} --user=mysql --auth-root-authentication-method=socket --skip-test-db >/dev/null </dev/null
install -d -o mysql -g mysql /run/mysqld
[ -S /run/mysqld/mysqld.sock ] || (setsid /usr/sbin/mariadbd --datadir=${shq(data)} --user=mysql --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/bootstrap.pid --skip-networking </dev/null >/dev/null 2>&1 &)
for i in $(seq 1 100); do [ -S /run/mysqld/mysqld.sock ] && break; sleep 0.1; done
trap 'mariadb-admin -uroot --socket=/run/mysqld/mysqld.sock shutdown; ${shq(releaseCommand(ctx)).slice(1, -1)}' EXIT
exists=$(mariadb -uroot -N -e "show databases like '${c.database.name}'" </dev/null)
if [ -e ${shq(`${mp}/${DB_CREATING}`)} ]; then
  mariadb -uroot -e "drop database if exists ${c.database.name}; drop user if exists '${c.database.user}'@'%', '${c.database.user}'@'localhost', '${c.database.readOnlyUser}'@'%', '${c.database.readOnlyUser}'@'localhost'"
  exists=""
fi`;
      await run(
        tr(ctx, host),
        `set -e
mkdir -p ${shq(mp)}
mountpoint -q ${shq(mp)} || ${mountCommand(ctx)} </dev/null
${start}
# The creation SQL (it holds the passwords) arrives on this script's stdin, never on a command line.
if [ -z "$exists" ]; then
  : > ${shq(`${mp}/${DB_CREATING}`)}; sync
  ${pg ? "runuser -u postgres -- psql -q -d postgres" : "mariadb -uroot"}
else
  echo "the OAR database ${c.database.name} already exists: kept as it is" >&2
fi
${pg ? "" : "mariadb -uroot < /etc/oar-ha/mysql-grants.sql"}
: > ${shq(`${mp}/${DB_MARKER}`)}; rm -f ${shq(`${mp}/${DB_CREATING}`)}; sync${s.kind === "drbd" ? `\nmkdir -p ${STATE_DIR}; : > ${shq(`${STATE_DIR}/${DB_MARKER}-${s.resource}`)}` : ""}`,
        {
          timeoutMs: 300_000,
          stdin: pg ? pgCreateSql(c, ctx.secrets, schema) : mysqlCreateSql(c, ctx.secrets, schema),
        },
      );
    },
  };
}

export async function crmStatus(ctx: DeployContext, host: string): Promise<CrmStatus | undefined> {
  const r = await tr(ctx, host).exec("crm_mon -1 --output-as=xml", { timeoutMs: 30_000 });
  return r.code === 0 ? parseCrmMon(r.stdout) : undefined;
}

export function pacemakerStartStep(ctx: DeployContext, host: string): Step {
  const qdevice = witness(ctx.cluster) !== undefined;
  return {
    id: `${host}:cluster-manager`,
    host,
    title: "corosync and pacemaker running",
    // A pacemakerd that is only starting (or dying: it cannot reach corosync) is not enough: the local CIB must answer.
    check: async () =>
      (
        await tr(ctx, host).exec(
          `corosync-cfgtool -s >/dev/null 2>&1 && pgrep -x pacemakerd >/dev/null && cibadmin -Q -l -o nodes >/dev/null 2>&1${qdevice ? " && corosync-qdevice-tool -s >/dev/null 2>&1" : ""}`,
        )
      ).code === 0,
    act: async () => {
      await run(
        tr(ctx, host),
        `set -e
mkdir -p /var/log/corosync /var/log/pacemaker /var/lib/pacemaker/cores /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /run/crm
chown hacluster:haclient /var/log/pacemaker /var/lib/pacemaker/cores /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /run/crm
if [ -d /run/systemd/system ]; then
  for u in corosync pacemaker${qdevice ? " corosync-qdevice" : ""}; do systemctl is-enabled --quiet "$u" || systemctl enable --quiet "$u"; done
  systemctl start corosync; ${qdevice ? "systemctl start corosync-qdevice;" : ""} systemctl start pacemaker; exit 0
fi
corosync-cfgtool -s >/dev/null 2>&1 || corosync
for i in $(seq 1 100); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.1; done
${qdevice ? startQdeviceScript : ""}
pgrep -x pacemakerd >/dev/null || (setsid pacemakerd </dev/null >>/var/log/pacemaker/pacemakerd.out 2>&1 &)
for i in $(seq 1 100); do pgrep -x pacemakerd >/dev/null && break; sleep 0.1; done`,
        // A bound, not a wait: on the lab's emulated VMs, enabling the units (update-rc.d, in
        // Perl) and starting corosync took over 60 s while DRBD's initial sync ran.
        { timeoutMs: 180_000 },
      );
    },
  };
}

export function cibStep(ctx: DeployContext): Step {
  const host = ctx.cluster.nodes[0]?.name ?? "";
  const crm = ctx.files.find((f) => f.host === host && f.path === CIB_CRM_PATH);
  const digest = createHash("sha256")
    .update(crm?.content ?? "")
    .digest("hex");
  return {
    id: "cluster:cib",
    host,
    title: "Pacemaker configuration loaded",
    check: async () => {
      const r = await tr(ctx, host).exec(
        `cat ${STATE_DIR}/cib.sha256 2>/dev/null; cibadmin -Q -o resources 2>/dev/null | grep -c '<primitive'`,
      );
      const [sum = "", count = "0"] = r.stdout.trim().split("\n");
      return sum === digest && Number(count) > 0;
    },
    act: async () => {
      // Every server a clean member first: a node the DC has not seen yet when the CIB with the
      // fence device arrives gets start-up fenced (the SSH session into it drops mid-apply).
      const servers = ctx.cluster.nodes.map((n) => n.name);
      for (let i = 0; i < 120; i++) {
        const st = await crmStatus(ctx, host);
        const members = servers.every((n) => st?.nodes.some((x) => x.name === n && x.online && !x.unclean));
        if (st?.dc && st.quorum && members) break;
        if (i === 119)
          throw new OarHaError(
            "OARHA509",
            `${host}: in 60 s the cluster did not elect a DC with quorum and every server online (check corosync links: corosync-cfgtool -s; pacemaker on each server)`,
          );
        await sleep(500);
      }
      await run(
        tr(ctx, host),
        `crm configure load update ${CIB_CRM_PATH} && mkdir -p ${STATE_DIR} && echo ${digest} > ${STATE_DIR}/cib.sha256`,
        { timeoutMs: 120_000 },
      );
    },
  };
}

/**
 * Pacemaker keeps a resource off every server where it failed (a start failure counts as
 * INFINITY): after an apply that failed on a wrong configuration, fixing the files alone would
 * leave it stopped. Failures recorded before this point are history of a configuration apply
 * has just replaced, so they are cleared (crm_resource --cleanup: only resources with
 * failures); a failure that recurs is reported by the health wait that follows.
 */
export function failuresClearedStep(ctx: DeployContext): Step {
  const host = ctx.cluster.nodes[0]?.name ?? "";
  return {
    id: "cluster:failures",
    host,
    title: "no failed resource actions left from before",
    check: async () => ((await crmStatus(ctx, host))?.failures.length ?? 0) === 0,
    act: async () => {
      await run(tr(ctx, host), "crm_resource --cleanup >/dev/null", { timeoutMs: 60_000 });
    },
  };
}

/** Waits until every service group runs whole on one server (a verification, not a change). */
export async function waitHealthy(ctx: DeployContext, timeoutMs = 240_000): Promise<ManagerState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { state, done } = await waitState(
      ctx.cluster,
      ctx.t,
      (x) => x.healthy,
      Math.min(20_000, Math.max(0, end - Date.now())),
    );
    if (done) return state;
    // OAR cannot start when the database refuses its accounts: say why now, not after the timeout.
    const { refused } = await dbLoginRefusals(ctx, state);
    if (refused.length) {
      const m = secretsMismatch(refused, ctx.secretsFile);
      throw new OarHaError("OARHA509", `the cluster is not healthy: ${m.message}\n  fix: ${m.fix}`);
    }
    if (Date.now() < end) continue;
    const where =
      ctx.cluster.manager === "pacemaker"
        ? "crm_mon -1 --show-detail and /var/log/pacemaker/pacemaker.log"
        : "cl_status rscstatus and /var/log/ha-log";
    throw new OarHaError(
      "OARHA509",
      `the cluster is not healthy after ${timeoutMs / 1000} s: ${describeProblems(state)}\n  fix: look at ${where} on the servers`,
    );
  }
}

/** Heartbeat 3 (haresources mode) running on a server; its runtime directories first (no systemd needed). */
export function heartbeatStartStep(ctx: DeployContext, host: string): Step {
  return {
    id: `${host}:cluster-manager`,
    host,
    title: "heartbeat running",
    check: async () => (await tr(ctx, host).exec("cl_status hbstatus >/dev/null 2>&1")).code === 0,
    act: async () => {
      await run(
        tr(ctx, host),
        `set -e
systemd-tmpfiles --create /usr/lib/tmpfiles.d/heartbeat.conf
if [ -d /run/systemd/system ]; then systemctl daemon-reload; systemctl enable --quiet heartbeat; systemctl start heartbeat; else ulimit -l unlimited 2>/dev/null || true; /etc/init.d/heartbeat start </dev/null >/dev/null; fi
for i in $(seq 1 100); do cl_status hbstatus >/dev/null 2>&1 && exit 0; sleep 0.2; done
echo "heartbeat did not start: see /var/log/ha-log" >&2; exit 1`,
        { timeoutMs: 90_000 },
      );
    },
  };
}
