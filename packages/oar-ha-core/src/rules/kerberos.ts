import { issue, type Issue } from "../errors/issue.js";
import type { Cluster } from "../schema/cluster.js";

/** The kerberos section: realm, one key source, services that exist in this topology. */
export function kerberosRules(c: Cluster): Issue[] {
  const k = c.kerberos;
  if (!k) return [];
  const out: Issue[] = [];
  if (k.realm !== k.realm.toUpperCase()) {
    out.push(
      issue(
        "KerberosRealmCase",
        "kerberos.realm",
        `realm "${k.realm}" is not in upper case: realms are case-sensitive and almost always upper case, a mismatch with the KDC fails every ticket`,
        `write it as ${k.realm.toUpperCase()} unless your KDC really uses this case`,
        "warning",
      ),
    );
  }
  if ((k.keytab === undefined) === (k.adminPrincipal === undefined)) {
    out.push(
      issue(
        "KerberosKeySource",
        "kerberos",
        k.keytab
          ? "both `keytab` and `adminPrincipal` are set: oar-ha would not know which keys are authoritative"
          : "neither `keytab` nor `adminPrincipal` is set: oar-ha has no way to get the VIP principals' keys",
        "set `keytab` (exported once by the Kerberos admin, never re-keyed by oar-ha) or `adminPrincipal` (oar-ha extracts the keys once)",
      ),
    );
  }
  const seen = new Set<string>();
  k.services.forEach((s, i) => {
    const key = `${s.service}/${s.vip}`;
    if (seen.has(key))
      out.push(
        issue(
          "KerberosDuplicate",
          `kerberos.services[${i}]`,
          `${s.service} on the ${s.vip} VIP is listed twice`,
          "remove the second entry",
        ),
      );
    seen.add(key);
    if (s.vip === "db" && !c.vips.db) {
      out.push(
        issue(
          "KerberosServiceVip",
          `kerberos.services[${i}].vip`,
          "this cluster has no DB VIP: in a two-node cluster the OAR VIP carries the database too",
          "use `vip: oar`",
        ),
      );
    }
    if (s.service === "postgres" && c.database.engine !== "postgresql") {
      out.push(
        issue(
          "KerberosPostgres",
          `kerberos.services[${i}].service`,
          `a postgres principal is for PostgreSQL gss authentication; this cluster runs ${c.database.engine}`,
          "remove this service (MySQL/MariaDB GSSAPI is not supported by oar-ha)",
        ),
      );
    }
  });
  return out;
}
