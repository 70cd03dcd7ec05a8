import { OarHaError, type Cluster } from "@oar-ha/core";
import {
  KRB,
  kerberosServers,
  kvnoOf,
  mergeKeytab,
  missingEntries,
  parseKeytab,
  principalsFor,
  type KeytabEntry,
} from "@oar-ha/kerberos-config";
import { shq } from "../transport.js";
import type { Step } from "../executor.js";
import { tr, type DeployContext } from "./context.js";

/*
 * kerberos.adminPrincipal: oar-ha gets the VIP principals' keys from the KDC itself, once.
 * kadmin runs on the first server that holds them (it comes with krb5-user), as the admin
 * principal, its password on stdin. A principal that exists is extracted with -norandkey (its
 * keys and kvno stay: every keytab that holds it keeps working); one that does not exist is
 * created with a random key first (nobody holds it yet). Never a plain ktadd: that re-keys.
 * What was extracted is kept on this machine (the CLI writes it 0600 next to the cluster
 * file), so a re-run never asks the KDC again.
 */

/** Every VIP principal of the cluster, each once. */
export const wantedPrincipals = (c: Cluster): string[] => [
  ...new Set(kerberosServers(c).flatMap((h) => principalsFor(c, h).map((p) => p.principal))),
];

/** The wanted principals the keys on this machine lack. */
export function lackingPrincipals(ctx: DeployContext): string[] {
  const have: KeytabEntry[] = ctx.kerberosKeytab ? parseKeytab(ctx.kerberosKeytab) : [];
  return wantedPrincipals(ctx.cluster).filter((p) => kvnoOf(have, p) === undefined);
}

const OUT = "@@oar-ha-keytab@@";

/** A kadmin query made of principal names and options only (validated names): safe inside double quotes. */
function plain(q: string): string {
  if (!/^[A-Za-z0-9 ./@_-]+$/.test(q))
    throw new OarHaError("OARHA102", `kadmin query with unexpected characters: ${q}`);
  return q;
}

/**
 * Shell: kadmin as the admin principal (password: the first line of stdin) with the realm
 * from oar-ha's krb5.conf drop-in (not installed yet: written to a private temp directory).
 * `queries` run in order; the keytab they write is printed (base64) after a marker.
 */
function kadminScript(c: Cluster, krb5: string, queries: readonly string[]): string {
  const k = c.kerberos!;
  return `set -u
umask 077
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
cat > "$d/krb5.conf" <<'EOF_OAR_HA_KRB5'
${krb5}EOF_OAR_HA_KRB5
IFS= read -r pw
command -v kadmin >/dev/null || { echo "kadmin is not installed (package krb5-user)" >&2; exit 3; }
k() { printf '%s\\n' "$pw" | KRB5_CONFIG="$d/krb5.conf:/etc/krb5.conf" kadmin -r ${shq(k.realm)} -p ${shq(k.adminPrincipal ?? "")} -q "$1" 2>&1 || echo "kadmin failed (exit $?)"; }
${queries.map((q) => `k "${plain(q).replaceAll("@KT@", "$d/out.keytab")}"`).join("\n")}
echo ${OUT}
[ -s "$d/out.keytab" ] && base64 -w0 "$d/out.keytab"
exit 0`;
}

/** What kadmin said, as a stop with the fix (its output carries no key: the keytab goes to a file). */
export function kadminError(c: Cluster, host: string, out: string): OarHaError | undefined {
  const k = c.kerberos!;
  const line = out
    .split("\n")
    .find((l) => /while |kadmin failed|Operation requires|not installed/.test(l))
    ?.trim();
  if (!line) return undefined;
  const fix = /Incorrect password|Password incorrect|Client .* not found|Preauthentication failed/i.test(line)
    ? `check kerberos.adminPassword in the secrets file and kerberos.adminPrincipal (${k.adminPrincipal})`
    : /extract-keys/.test(line)
      ? `let ${k.adminPrincipal} extract these keys without re-keying: in the KDC's kadm5.acl, "${k.adminPrincipal} aie */<VIP name>@${k.realm}" (then restart kadmind); or export them once yourself (ktadd -k FILE -norandkey ...) and set kerberos.keytab instead of adminPrincipal`
      : /privilege|Operation requires/.test(line)
        ? `grant ${k.adminPrincipal} inquire (i), add (a) and extract (e) on the VIP principals in the KDC's kadm5.acl`
        : `check that ${host} reaches the KDC and kadmind (${k.adminServer ?? k.kdc[0]}) and that kadmin works there`;
  return new OarHaError(
    "OARHA111",
    `${host}: kadmin as ${k.adminPrincipal}: ${line}; no existing key was changed in the KDC\n  fix: ${fix}`,
  );
}

/** The VIP principals from the KDC, once: created when missing, extracted with -norandkey, kept on this machine. */
export function kdcExtractStep(ctx: DeployContext): Step {
  const c = ctx.cluster;
  const host = kerberosServers(c)[0] ?? "";
  return {
    id: "cluster:kerberos-kdc-extract",
    host,
    title: `the VIP principals extracted from the KDC once, without re-keying (${wantedPrincipals(c).join(", ")})`,
    check: () => Promise.resolve(lackingPrincipals(ctx).length === 0),
    act: async () => {
      const lacking = lackingPrincipals(ctx);
      const password = ctx.secrets.kerberos?.adminPassword;
      if (!password)
        throw new OarHaError(
          "OARHA102",
          "kerberos.adminPrincipal: the secrets file has no kerberos.adminPassword\n  fix: add `kerberos: { adminPassword: ... }` to the secrets file, or export the principals once and set kerberos.keytab",
        );
      const krb5 = ctx.files.find((f) => f.host === host && f.path === KRB.krb5Dropin)?.content ?? "";
      const run = async (queries: string[]) => {
        const r = await tr(ctx, host).exec(kadminScript(c, krb5, queries), {
          stdin: `${password}\n`,
          timeoutMs: 120_000,
        });
        if (r.code !== 0)
          throw new OarHaError(
            "OARHA111",
            `${host}: kadmin could not run: ${r.stderr.trim() || `exit ${r.code}`}\n  fix: install krb5-user on ${host} (apply's packages step does)`,
          );
        const [said = "", keytab = ""] = r.stdout.split(`${OUT}\n`);
        // kadmin's password prompt ends without a newline: its next message follows on that line.
        return { said: said.replace(/Password for \S+: /g, "\n"), keytab: keytab.trim() };
      };
      // Which exist: those are never re-keyed; the others are new, made with a random key.
      const probe = await run(lacking.map((p) => `getprinc ${p}`));
      const missing = lacking.filter((p) => probe.said.includes(`Principal does not exist while retrieving "${p}"`));
      const err = kadminError(
        c,
        host,
        probe.said.replace(/^get_principal: Principal does not exist while retrieving .*$/gm, ""),
      );
      if (err) throw err;
      for (const p of missing) ctx.log(`${p} does not exist in the KDC: creating it with a random key`);
      const got = await run([
        ...missing.map((p) => `addprinc -randkey ${p}`),
        `ktadd -k @KT@ -norandkey ${lacking.join(" ")}`,
      ]);
      const e2 = kadminError(c, host, got.said);
      if (e2) throw e2;
      const extracted = got.keytab ? parseKeytab(Buffer.from(got.keytab, "base64")) : [];
      const absent = lacking.filter((p) => kvnoOf(extracted, p) === undefined);
      if (absent.length)
        throw new OarHaError(
          "OARHA111",
          `${host}: kadmin extracted no key for ${absent.join(", ")}; no existing key was changed in the KDC\n  fix: check ${c.kerberos?.adminPrincipal}'s privileges on them (kadm5.acl: aie)`,
        );
      const have = ctx.kerberosKeytab ? parseKeytab(ctx.kerberosKeytab) : [];
      const merged = mergeKeytab(ctx.kerberosKeytab, missingEntries(have, extracted, lacking));
      ctx.saveKerberosKeytab?.(merged);
      ctx.kerberosKeytab = merged;
    },
  };
}
