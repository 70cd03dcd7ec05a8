import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OarHaError } from "@oar-ha/core";
import { execIn } from "./host.js";
import { kerberosPrincipals } from "./cluster-file.js";
import { labHost, type LabSpec } from "./spec.js";

/*
 * The lab's KDC (`lab up --kerberos`): a real MIT krb5kdc on the admin host, realm LAB. What
 * an admin would have done once: host/oar.lab (and postgres/<DB VIP name>) exported ONCE into a keytab handed to oar-ha
 * (ROOT/kerberos/oar-ha.keytab), each server's own host principal in its /etc/krb5.keytab
 * (so apply must merge, not overwrite), and a user (alice) whose password the tests read from
 * ROOT/kerberos/alice.password. Every host has its own host/<name>.lab key, and the principal
 * `deploy` (ROOT/kerberos/deploy.password) is in root's .k5login everywhere, so oar-ha can log in
 * with a ticket only; ROOT/kerberos/krb5.conf is the realm for this machine (the KDC by address:
 * the lab's names resolve inside the lab only). kadmind runs too: oarha/admin
 * (ROOT/kerberos/admin.password) may inquire, add and extract the principals of oar.lab and oardb.lab, for
 * kerberos.adminPrincipal. Passwords travel on stdin, never on a command line.
 */

export const LAB_REALM = "LAB";
export const LAB_USER = "alice";
/** The principal that runs oar-ha through the openssh-gssapi transport (root's .k5login on every lab host). */
export const LAB_DEPLOYER = "deploy";
/** The admin principal for kerberos.adminPrincipal (kadmind's ACL: inquire, add, extract the VIP principals only). */
export const LAB_ADMIN = "oarha/admin";

export const kerberosDir = (s: LabSpec): string => join(s.root, "kerberos");

const krb5Conf = `[libdefaults]
	default_realm = ${LAB_REALM}
	rdns = false
	dns_canonicalize_hostname = false
[realms]
	${LAB_REALM} = {
		kdc = admin.lab
		admin_server = admin.lab
	}
[domain_realm]
	.lab = ${LAB_REALM}
	lab = ${LAB_REALM}
`;

const kdcConf = `[kdcdefaults]
	kdc_ports = 88
	kdc_tcp_ports = 88
[realms]
	${LAB_REALM} = {
		database_name = /var/lib/krb5kdc/principal
		key_stash_file = /etc/krb5kdc/stash
		acl_file = /etc/krb5kdc/kadm5.acl
		max_life = 10h
		supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:/var/log/krb5kdc.log
	admin_server = FILE:/var/log/kadmind.log
`;

async function run(s: LabSpec, host: string, script: string, stdin?: string): Promise<string> {
  const r = await execIn(s, labHost(s, host), script, stdin === undefined ? {} : { input: stdin });
  if (r.code !== 0) throw new OarHaError("OARHA901", `lab KDC: on ${host}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Creates the realm, starts krb5kdc, makes the principals and the keytabs. */
export async function startKdc(s: LabSpec, log: (m: string) => void): Promise<void> {
  log("kerberos: KDC on admin (realm LAB)");
  const master = randomBytes(18).toString("base64url");
  const alice = randomBytes(12).toString("base64url");
  const deployer = randomBytes(12).toString("base64url");
  const admin = randomBytes(12).toString("base64url");
  await run(
    s,
    "admin",
    `set -e
mkdir -p /etc/krb5kdc /var/lib/krb5kdc
cat > /etc/krb5kdc/kdc.conf <<'EOF_KDC'
${kdcConf}EOF_KDC
cat > /etc/krb5.conf <<'EOF_KRB5'
${krb5Conf}EOF_KRB5
cat > /etc/krb5kdc/kadm5.acl <<'EOF_ACL'
${LAB_ADMIN}@${LAB_REALM} aie */oar.lab@${LAB_REALM}
${LAB_ADMIN}@${LAB_REALM} aie */oardb.lab@${LAB_REALM}
EOF_ACL
[ -e /var/lib/krb5kdc/principal ] || kdb5_util create -s -r ${LAB_REALM} >/dev/null
krb5kdc -P /run/krb5kdc.pid
kadmind -P /run/kadmind.pid`,
    `${master}\n${master}\n`,
  );
  const hosts = s.hosts.map((h) => h.name);
  // The user (password on stdin), the VIP principal and each server's own principal.
  await run(
    s,
    "admin",
    `kadmin.local -r ${LAB_REALM} >/dev/null`,
    `addprinc ${LAB_USER}\n${alice}\n${alice}\naddprinc ${LAB_DEPLOYER}\n${deployer}\n${deployer}\naddprinc ${LAB_ADMIN}\n${admin}\n${admin}\nquit\n`,
  );
  await run(
    s,
    "admin",
    `set -e
${kerberosPrincipals(s)
  .map(
    (p) =>
      `kadmin.local -r ${LAB_REALM} -q "addprinc -randkey ${p}" >/dev/null; kadmin.local -r ${LAB_REALM} -q "ktadd -k /root/oar-ha.keytab ${p}" >/dev/null`,
  )
  .join("\n")}
${hosts.map((h) => `kadmin.local -r ${LAB_REALM} -q "addprinc -randkey host/${h}.lab" >/dev/null; kadmin.local -r ${LAB_REALM} -q "ktadd -k /root/${h}.keytab host/${h}.lab" >/dev/null`).join("\n")}`,
  );
  const dir = kerberosDir(s);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const b64 = async (file: string) => Buffer.from((await run(s, "admin", `base64 -w0 ${file}`)).trim(), "base64");
  writeFileSync(join(dir, "oar-ha.keytab"), await b64("/root/oar-ha.keytab"), { mode: 0o600 });
  writeFileSync(join(dir, `${LAB_USER}.password`), `${alice}\n`, { mode: 0o600 });
  writeFileSync(join(dir, `${LAB_DEPLOYER}.password`), `${deployer}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "admin.password"), `${admin}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "krb5.conf"), krb5Conf.replaceAll("admin.lab", labHost(s, "admin").address), { mode: 0o644 });
  // Each host's own host key, as a Kerberos site's hosts already have: apply must keep it.
  for (const h of hosts) {
    const kt = await b64(`/root/${h}.keytab`);
    await run(s, h, "umask 077; base64 -d > /etc/krb5.keytab", kt.toString("base64"));
  }
  // krb5.conf as a site would have it (oar-ha adds its drop-in).
  for (const h of hosts.filter((x) => x !== "admin"))
    await run(s, h, `cat > /etc/krb5.conf <<'EOF_KRB5'\n${krb5Conf}EOF_KRB5`);
}
