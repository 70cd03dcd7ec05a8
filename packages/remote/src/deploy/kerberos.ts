import { createHash } from "node:crypto";
import { OarHaError, hostsWithRole, splitCidr, type Cluster } from "@oar-ha/core";
import {
  KRB,
  KeytabError,
  kerberosServers,
  keytabTargets,
  kvnoOf,
  mergeKeytab,
  missingEntries,
  parseKeytab,
  sshServers,
  vipKnownHostsLine,
  type KeytabEntry,
  type KeytabTarget,
} from "@oar-ha/kerberos-config";
import { run, shq, type Transport } from "../transport.js";
import type { Step } from "../executor.js";
import { backupScript, copyFromFirst, replaceLineScript } from "./steps.js";
import { tr, type DeployContext } from "./context.js";
import { lackingPrincipals } from "./kerberos-admin.js";
import type { Problem } from "./preflight.js";

/*
 * Kerberos on the hosts: the VIP principals merged into both servers' keytabs (never
 * re-keyed: the entries come from a keytab the admin exported once), the VIP's host key made
 * once and copied, sshd reloaded when its Kerberos drop-in or that key changed, and the VIP's
 * key in the frontends' known_hosts. Keys travel on SSH stdin only.
 */

const sha256 = (b: string | Uint8Array) => createHash("sha256").update(b).digest("hex");
const SSHD_MARK = "/run/oar-ha-sshd-kerberos.digest";

function source(ctx: DeployContext): KeytabEntry[] {
  if (!ctx.kerberosKeytab) {
    if (ctx.cluster.kerberos?.adminPrincipal) return []; // not extracted yet (dry run): every VIP entry is missing
    throw new OarHaError("OARHA103", "kerberos.keytab could not be read on this machine");
  }
  return parseKeytab(ctx.kerberosKeytab);
}

/**
 * Read-only, before any change: the keys on this machine hold every VIP principal (with
 * adminPrincipal: or oar-ha can get the missing ones from the KDC), and no server holds a newer kvno.
 */
export async function kerberosProblems(ctx: DeployContext): Promise<Problem[]> {
  const c = ctx.cluster;
  const k = c.kerberos;
  if (!k) return [];
  const admin = k.adminPrincipal !== undefined;
  const file = k.keytab ?? "the keytab oar-ha extracted (next to the cluster file)";
  const out: Problem[] = [];
  let entries: KeytabEntry[];
  try {
    entries = source(ctx);
  } catch (e) {
    return [
      {
        host: "this machine",
        message: `${file}: ${(e as Error).message}`,
        fix: admin
          ? `remove ${file}: oar-ha extracts the keys again (-norandkey)`
          : "point kerberos.keytab at the keytab you exported (kadmin ktadd -k FILE -norandkey ...)",
      },
    ];
  }
  if (admin) {
    const lacking = lackingPrincipals(ctx);
    if (lacking.length && !ctx.secrets.kerberos?.adminPassword) {
      out.push({
        host: "secrets file",
        message: `kerberos.adminPrincipal: oar-ha must get ${lacking.join(", ")} from the KDC, and the secrets file has no kerberos.adminPassword`,
        fix: `add "kerberos: { adminPassword: <${k.adminPrincipal}'s password> }" to the secrets file (mode 0600), or export the principals once yourself (ktadd -k FILE -norandkey ...) and set kerberos.keytab instead of adminPrincipal`,
      });
    }
  }
  out.push(...(await nameProblems(ctx)));
  for (const h of kerberosServers(c)) {
    for (const target of keytabTargets(c, h)) {
      const current = (await hostKeytab(tr(ctx, h), target.path)).entries;
      for (const p of target.principals) {
        const mine = kvnoOf(entries, p);
        if (mine === undefined) {
          if (!admin)
            out.push({
              host: "this machine",
              message: `${file} has no key for ${p}`,
              fix: `export it once: kadmin -q "ktadd -k ${file} -norandkey ${p}" (a plain ktadd re-keys it and breaks every keytab that has it)`,
            });
          continue;
        }
        const theirs = kvnoOf(current, p);
        if (theirs !== undefined && theirs > mine) {
          out.push({
            host: h,
            message: `holds ${p} kvno ${theirs} in ${target.path}, newer than kvno ${mine} in ${file}: the principal was re-keyed after that export`,
            fix: admin
              ? `remove ${file}: the next apply extracts the current keys (-norandkey)`
              : `export it again with -norandkey (kadmin -q "ktadd -k ${file} -norandkey ${p}") and re-run apply`,
          });
        }
      }
    }
  }
  return out;
}

/**
 * Kerberos goes by names: every host that holds or asks for a VIP principal must resolve the
 * KDCs, the admin server and the VIP names, and a VIP name to its VIP (a ticket for a name that
 * leads elsewhere is refused there). Checked on the hosts, where it matters.
 */
async function nameProblems(ctx: DeployContext): Promise<Problem[]> {
  const c = ctx.cluster;
  const k = c.kerberos!;
  const vips = new Map(
    [c.vips.oar, ...(c.vips.db ? [c.vips.db] : [])].map((v) => [v.hostname, splitCidr(v.address).address]),
  );
  const names = [...new Set([...k.kdc, ...(k.adminServer ? [k.adminServer] : []), ...vips.keys()])];
  const out: Problem[] = [];
  for (const h of [...kerberosServers(c), ...kerberosFrontends(c)]) {
    const r = await tr(ctx, h).exec(
      names.map((n) => `printf '%s %s\\n' ${shq(n)} "$(getent ahostsv4 ${shq(n)} | awk 'NR==1{print $1}')"`).join("\n"),
    );
    for (const line of r.stdout.split("\n").filter(Boolean)) {
      const [name = "", address = ""] = line.trim().split(" ");
      const want = vips.get(name);
      if (!address)
        out.push({
          host: h,
          message: `cannot resolve ${name} (kerberos ${want ? "VIP name" : "KDC"})`,
          fix: `add ${name} to DNS or to /etc/hosts on ${h}${want ? ` (as ${want})` : ""}`,
        });
      else if (want && address !== want)
        out.push({
          host: h,
          message: `${name} resolves to ${address}, not to its VIP ${want}: tickets for ${name} would be presented to another host`,
          fix: `make ${name} resolve to ${want} (DNS or /etc/hosts on ${h})`,
        });
    }
  }
  return out;
}

/** A keytab on a host: its bytes (absent: none yet) and entries; a file that is not a keytab stops with the fix. */
async function hostKeytab(
  t: Transport,
  path: string,
): Promise<{ bytes: Uint8Array | undefined; entries: KeytabEntry[] }> {
  const bytes = await t.get(path);
  if (!bytes) return { bytes, entries: [] };
  try {
    return { bytes, entries: parseKeytab(bytes) };
  } catch (e) {
    if (e instanceof KeytabError)
      throw new OarHaError(
        "OARHA112",
        `${t.host}: ${path} is not a keytab oar-ha can read (${e.message})\n  fix: check it with klist -k ${path}`,
      );
    throw e;
  }
}

/** The VIP principals in one keytab of a server, next to what it already holds (0600, its owner only). */
export function keytabStep(ctx: DeployContext, host: string, target: KeytabTarget): Step {
  const missing = async () => {
    const { bytes, entries } = await hostKeytab(tr(ctx, host), target.path);
    return { bytes, add: missingEntries(entries, source(ctx), target.principals) };
  };
  const owner = target.owner.split(":")[0];
  return {
    id: `${host}:kerberos-keytab:${target.path}`,
    host,
    title: `VIP principals in ${target.path} (${target.principals.join(", ")})`,
    check: async () =>
      (await missing()).add.length === 0 &&
      (await tr(ctx, host).exec(`[ "$(stat -c %a:%U ${shq(target.path)})" = 600:${owner} ]`)).code === 0,
    act: async () => {
      const { bytes, add } = await missing();
      await run(tr(ctx, host), backupScript(target.path));
      await tr(ctx, host).put(target.path, mergeKeytab(bytes, add), { mode: "0600", owner: target.owner });
    },
  };
}

/** Every keytab step of the cluster. */
export const keytabSteps = (ctx: DeployContext): Step[] =>
  kerberosServers(ctx.cluster).flatMap((h) => keytabTargets(ctx.cluster, h).map((t) => keytabStep(ctx, h, t)));

/** The VIP's host key: made once on the first server, the same bytes on the other. */
export function vipHostKeyStep(ctx: DeployContext): Step {
  const servers = sshServers(ctx.cluster);
  const first = servers[0] ?? "";
  const sum = async (h: string) =>
    (await tr(ctx, h).exec(`cat ${KRB.vipHostKey} ${KRB.vipHostKey}.pub 2>/dev/null | sha256sum`)).stdout.trim();
  return {
    id: "cluster:kerberos-vip-host-key",
    host: first,
    title: "the VIP's sshd host key, identical on both servers",
    check: async () => {
      const ref =
        (await tr(ctx, first).exec(`test -s ${KRB.vipHostKey} && test -s ${KRB.vipHostKey}.pub`)).code === 0
          ? await sum(first)
          : "";
      if (!ref) return false;
      for (const h of servers.slice(1)) if ((await sum(h)) !== ref) return false;
      return true;
    },
    act: async () => {
      await run(
        tr(ctx, first),
        `set -e
${backupScript(KRB.vipHostKey)}
${backupScript(`${KRB.vipHostKey}.pub`)}
mkdir -p -m 755 ${shq(KRB.vipHostKey.slice(0, KRB.vipHostKey.lastIndexOf("/")))}
[ -s ${KRB.vipHostKey} ] || ssh-keygen -q -t ecdsa -b 384 -N '' -C ${shq(`oar-ha VIP ${ctx.cluster.vips.oar.hostname}`)} -f ${KRB.vipHostKey} </dev/null >/dev/null`,
      );
      await copyFromFirst(ctx, first, servers.slice(1), [
        { path: KRB.vipHostKey, mode: "0600", owner: "root:root" },
        { path: `${KRB.vipHostKey}.pub`, mode: "0644", owner: "root:root" },
      ]);
    },
  };
}

/** Shell: sshd re-reads its configuration (checked first: a broken file never reaches a running sshd). */
export const RELOAD_SSHD = `sshd -t || { echo "sshd -t refuses the configuration: not reloaded" >&2; exit 1; }
if [ -d /run/systemd/system ]; then systemctl reload ssh; elif [ -s /run/sshd.pid ]; then kill -HUP "$(cat /run/sshd.pid)"; else /etc/init.d/ssh reload; fi`;

/** sshd reloaded when its Kerberos drop-in or the VIP key changed since it last read them. */
export function sshdReloadStep(ctx: DeployContext, host: string): Step {
  const dropin = ctx.files.find((f) => f.host === host && f.path === KRB.sshdDropin)?.content ?? "";
  const digest = async () =>
    sha256(
      `${sha256(dropin)}:${(await tr(ctx, host).exec(`sha256sum < ${KRB.vipHostKey} 2>/dev/null`)).stdout.trim()}`,
    );
  return {
    id: `${host}:sshd-kerberos`,
    host,
    title: "sshd reloaded with GSSAPI and the VIP host key",
    check: async () =>
      (await tr(ctx, host).exec(`[ "$(cat ${SSHD_MARK} 2>/dev/null)" = ${await digest()} ]`)).code === 0,
    act: async () => {
      const d = await digest();
      await run(tr(ctx, host), `set -e\n${RELOAD_SSHD}\necho ${d} > ${SSHD_MARK}`);
    },
  };
}

/** The VIP's host key under the VIP name (and address) in a frontend's /etc/ssh/ssh_known_hosts. */
export function vipKnownHostsStep(ctx: DeployContext, host: string): Step {
  const c = ctx.cluster;
  const line = async () => {
    const pub = await tr(ctx, sshServers(c)[0] ?? "").get(`${KRB.vipHostKey}.pub`);
    if (!pub) throw new OarHaError("OARHA112", `no ${KRB.vipHostKey}.pub on ${sshServers(c)[0]}`);
    return vipKnownHostsLine(c, new TextDecoder().decode(pub));
  };
  return {
    id: `${host}:kerberos-known-hosts`,
    host,
    title: `the VIP's host key for ${c.vips.oar.hostname} in ${KRB.globalKnownHosts}`,
    check: async () => (await tr(ctx, host).exec(`grep -qxF ${shq(await line())} ${KRB.globalKnownHosts}`)).code === 0,
    act: async () => {
      await run(tr(ctx, host), replaceLineScript(KRB.globalKnownHosts, await line(), `${c.vips.oar.hostname},`, "644"));
    },
  };
}

export const kerberosFrontends = (c: Cluster): string[] =>
  c.kerberos && sshServers(c).length ? hostsWithRole(c, "frontend").map((h) => h.name) : [];

export interface KeytabStatus {
  readonly host: string;
  readonly path: string;
  readonly owner: string;
  /** principal -> highest kvno in this keytab (absent: missing). */
  readonly kvno: Record<string, number | undefined>;
  /** "600:root" as stat prints it (absent: no file). */
  readonly mode?: string;
}

/** What each server's keytabs hold for the VIP principals (klist on the host: no key leaves it). */
export async function keytabStatus(c: Cluster, t: ReadonlyMap<string, Transport>): Promise<KeytabStatus[]> {
  const out: KeytabStatus[] = [];
  for (const h of kerberosServers(c)) {
    for (const target of keytabTargets(c, h)) {
      const r = await t
        .get(h)
        ?.exec(`stat -c %a:%U ${shq(target.path)} 2>/dev/null; klist -k ${shq(target.path)} 2>/dev/null`);
      const lines = (r?.stdout ?? "").split("\n");
      const kvno: Record<string, number | undefined> = {};
      for (const p of target.principals) {
        const k = lines
          .map((l) => /^\s*(\d+)\s+(\S+)\s*$/.exec(l))
          .filter((m): m is RegExpExecArray => !!m && m[2] === p)
          .map((m) => Number(m[1]));
        kvno[p] = k.length ? Math.max(...k) : undefined;
      }
      out.push({
        host: h,
        path: target.path,
        owner: target.owner,
        kvno,
        ...(lines[0] && /^\d+:/.test(lines[0]) ? { mode: lines[0] } : {}),
      });
    }
  }
  return out;
}
