import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * Kerberos on the namespace lab, through the bundled program: a real MIT KDC on the admin
 * host, host/oar.lab, HTTP/oar.lab and postgres/oar.lab exported once into a keytab handed to oar-ha. oar-ha
 * itself logs in to every host with a Kerberos ticket only (ssh.transport: openssh-gssapi).
 * A user with a ticket logs in to the VIP name with GSSAPI only and strict host key checking,
 * to an Apache location behind GSSAPI (as the OAR API would be) and to PostgreSQL through the
 * VIP with gss, before and after a crash of the active server,
 * without touching known_hosts or tickets; re-applying never changes the kvno in the KDC;
 * uninstall gives each server its own keytab back. Needs root.
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const root = "/mnt/oar-ha-lab-kerberos";
// The lab's cluster file with every host reached through the deployer's ticket (no key file).
const clusterFile = join(root, "oar-ha-gssapi.yaml");
// oar-ha runs as the lab's deploying principal: its ticket, the realm for this machine.
const krbEnv = {
  KRB5_CONFIG: join(root, "kerberos", "krb5.conf"),
  KRB5CCNAME: `FILE:${join(root, "kerberos", "deploy.ccache")}`,
};

function oarHa(args: string[], timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...krbEnv, NO_COLOR: "1" },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const inHost = (host: string, script: string, input?: string) => {
  const r = spawnSync(
    process.execPath,
    [bin, "lab", "exec", host, "--root", root, ...(input === undefined ? [] : ["--stdin"]), "--", "sh", "-c", script],
    {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 120_000,
      ...(input === undefined ? {} : { input }),
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const holder = () =>
  (JSON.parse(oarHa(["status", clusterFile, "--json"]).out || "{}") as { vipHolder?: string | null }).vipHolder ??
  undefined;
const kdcKvno = (p = "host/oar.lab") =>
  Number(/vno (\d+)/.exec(inHost("admin", `kadmin.local -r LAB -q 'getprinc ${p}' 2>/dev/null`).out)?.[1]);
/** A keytab on a host, read there with klist: "mode:owner" and each principal's highest kvno. */
function keytabOn(host: string, path: string): { mode: string; kvno: Record<string, number> } {
  const [mode = "", ...lines] = inHost(host, `stat -c %a:%U ${path}; klist -k ${path}`).out.split("\n");
  const kvno: Record<string, number> = {};
  for (const m of lines.map((l) => /^\s*(\d+)\s+(\S+)\s*$/.exec(l)))
    if (m) kvno[m[2]!] = Math.max(kvno[m[2]!] ?? 0, Number(m[1]));
  return { mode, kvno };
}
/** Logins to root on a host from this machine (10.77.0.1 on the lab's network), by method, from its sshd log. */
const logins = (host: string, method: "gssapi-with-mic" | "publickey") =>
  Number(
    inHost(host, `grep -c 'Accepted ${method} for root from 10.77.0.1 port' /var/log/sshd-lab.log || true`).out.trim(),
  );
const hosts = ["srv-a", "srv-b", "front", "admin"];

/** As alice on the frontend: ssh to the VIP name, GSSAPI only, strict host keys, no prompt. */
const sshK = () =>
  inHost(
    "front",
    "su alice -c 'ssh -K -o PreferredAuthentications=gssapi-with-mic -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 oar.lab \"hostname; klist 2>/dev/null | grep -c krbtgt\"'",
  );
/**
 * What a site puts in front of its API (not oar-ha's part): Apache with a location behind
 * GSSAPI that uses the keytab oar-ha installed; the page says who logged in, and where.
 */
const whoami = '#!/bin/sh\nprintf "Content-Type: text/plain\\n\\n%s %s\\n" "$REMOTE_USER" "$(hostname)"\n';
const siteConf = `ScriptAlias /krb /var/www/krb-whoami
<Location /krb>
  AuthType GSSAPI
  AuthName "lab API"
  GssapiCredStore keytab:/etc/apache2/oar-ha-http.keytab
  GssapiLocalName On
  Require valid-user
</Location>
`;
const apacheSite = (h: string) =>
  inHost(
    h,
    `set -e; cat > /var/www/krb-whoami; chmod 755 /var/www/krb-whoami; echo ${Buffer.from(siteConf).toString("base64")} | base64 -d > /etc/apache2/conf-available/site-krb.conf; a2enmod -q auth_gssapi cgid >/dev/null; a2enconf -q site-krb >/dev/null; apache2ctl configtest; apache2ctl start`,
    whoami,
  );
/** As alice on the frontend: the API's name with her ticket (SPNEGO), no password. */
const curlNegotiate = () => inHost("front", "su alice -c 'curl -sS --fail --negotiate -u : http://oar.lab/krb'");
/**
 * Alice, with her ticket only, reaches `server` through oar.lab three ways: ssh -K (GSSAPI only,
 * strict host keys), the API's name (SPNEGO), PostgreSQL (gss). Returns the TGTs her ssh session holds.
 */
function aliceReaches(server: string): string {
  const ssh = sshK();
  expect(ssh.code, ssh.err).toBe(0);
  expect(ssh.out.split("\n")[0]).toBe(server);
  const web = curlNegotiate();
  expect(web.code, web.err).toBe(0);
  expect(web.out.trim()).toBe(`alice ${server}`);
  const pg = psqlGss();
  expect(pg.code, pg.err).toBe(0);
  expect(pg.out.trim()).toBe("alice|t|10.77.0.100");
  return ssh.out.split("\n")[1] ?? "";
}
/** As alice on the frontend: PostgreSQL through the VIP name, her ticket only (no password exists for her). */
const psqlGss = () =>
  inHost(
    "front",
    `su alice -c "psql -X -w 'host=oar.lab dbname=oar user=alice connect_timeout=10' -Atc 'select current_user, gss_authenticated, inet_server_addr() from pg_stat_gssapi where pid = pg_backend_pid()'"`,
  );

describe("Kerberos on the lab: ssh -K to the VIP name across a crash", () => {
  beforeAll(() => {
    const up = oarHa(["lab", "up", "--root", root, "--skip-install", "--kerberos"]);
    expect(up.code, up.err).toBe(0);
    writeFileSync(
      clusterFile,
      readFileSync(join(root, "oar-ha.yaml"), "utf8").replace(/^ssh:\n/m, "ssh:\n  transport: openssh-gssapi\n"),
    );
    expect(readFileSync(clusterFile, "utf8")).toContain("gssapiName: srv-a.lab");
    const kinit = spawnSync("kinit", ["deploy@LAB"], {
      input: readFileSync(join(root, "kerberos", "deploy.password")),
      env: { ...process.env, ...krbEnv },
      encoding: "utf8",
    });
    expect(kinit.status, kinit.stderr).toBe(0);
  }, 300_000);
  afterAll(() => {
    // OAR_HA_KEEP_LAB=1 leaves the lab up to look at after a failure (oar-ha lab down --root ROOT).
    if (!process.env.OAR_HA_KEEP_LAB) oarHa(["lab", "down", "--root", root]);
  });

  it("a keytab without the VIP principal is refused before any change, naming the principal and the fix", () => {
    // The admin exported the wrong principal (a server's own) into the keytab handed to oar-ha.
    const wrong = join(root, "kerberos", "wrong.keytab");
    writeFileSync(wrong, Buffer.from(inHost("admin", "base64 -w0 /root/srv-a.keytab").out.trim(), "base64"), {
      mode: 0o600,
    });
    const file = join(root, "wrong.yaml");
    // ... and names a second KDC that no host can resolve.
    writeFileSync(
      file,
      readFileSync(clusterFile, "utf8")
        .replace(/keytab: .*/, `keytab: ${wrong}`)
        .replace(/- admin\.lab$/m, "- admin.lab\n    - kdc2.nowhere.lab"),
    );
    expect(readFileSync(file, "utf8")).toContain("kdc2.nowhere.lab");
    const before = ["srv-a", "srv-b"].map(
      (h) => inHost(h, "sha256sum /etc/krb5.keytab /etc/krb5.conf; ls /etc/ssh/sshd_config.d/").out,
    );
    const r = oarHa(["apply", file, "--secrets", join(root, "oar-ha.secrets.yaml"), "--yes"]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("has no key for host/oar.lab@LAB");
    expect(r.err).toContain("-norandkey host/oar.lab@LAB");
    for (const h of ["srv-a", "srv-b", "front"]) expect(r.err).toContain(`${h}: cannot resolve kdc2.nowhere.lab`);
    expect(r.err).toContain("nothing was changed");
    expect(
      ["srv-a", "srv-b"].map(
        (h) => inHost(h, "sha256sum /etc/krb5.keytab /etc/krb5.conf; ls /etc/ssh/sshd_config.d/").out,
      ),
    ).toEqual(before);
  }, 300_000);

  it("apply, logged in with a ticket only, installs the VIP principals next to each server's own key, kvno equal, without re-keying", () => {
    const kvno = kdcKvno();
    const pgKvno = kdcKvno("postgres/oar.lab");
    const httpKvno = kdcKvno("HTTP/oar.lab");
    for (const v of [kvno, pgKvno, httpKvno]) expect(v).toBeGreaterThan(0);
    const keyLogins = hosts.map((h) => logins(h, "publickey"));
    const apply = oarHa(["apply", clusterFile, "--yes"]);
    expect(apply.code, apply.err).toBe(0);
    // Every host was reached with the deployer's ticket, none with a key (the servers' log-sync
    // agents log in to each other with their own keys: not from this machine).
    expect(hosts.map((h) => logins(h, "publickey"))).toEqual(keyLogins);
    for (const h of hosts) expect(logins(h, "gssapi-with-mic"), h).toBeGreaterThan(0);
    for (const h of ["srv-a", "srv-b"]) {
      // Each principal in the keytab its service reads, that user's only: host/ next to the
      // server's own key (root), postgres/ and HTTP/ alone in PostgreSQL's and Apache's.
      const own = keytabOn(h, "/etc/krb5.keytab");
      expect(own.mode).toBe("600:root");
      expect(Object.keys(own.kvno).sort()).toEqual(["host/oar.lab@LAB", `host/${h}.lab@LAB`].sort());
      expect(own.kvno["host/oar.lab@LAB"]).toBe(kvno);
      expect(keytabOn(h, "/etc/postgresql/15/main/krb5.keytab")).toEqual({
        mode: "600:postgres",
        kvno: { "postgres/oar.lab@LAB": pgKvno },
      });
      expect(keytabOn(h, "/etc/apache2/oar-ha-http.keytab")).toEqual({
        mode: "600:www-data",
        kvno: { "HTTP/oar.lab@LAB": httpKvno },
      });
    }
    const st = JSON.parse(oarHa(["status", clusterFile, "--json"]).out) as {
      checks: { name: string; ok: boolean; detail: string }[];
    };
    const kt = st.checks.filter((c) => c.name.startsWith("Kerberos keytab"));
    expect(kt.map((c) => c.name).sort()).toEqual([
      "Kerberos keytab HTTP/oar.lab@LAB",
      "Kerberos keytab host/oar.lab@LAB",
      "Kerberos keytab postgres/oar.lab@LAB",
    ]);
    for (const c of kt) expect(c.ok, c.detail).toBe(true);
    // A second apply changes nothing, and the KDC's key versions never moved.
    const again = oarHa(["apply", clusterFile, "--yes", "--json"]);
    expect(again.code, again.err).toBe(0);
    expect((JSON.parse(again.out) as { changed: string[] }).changed).toEqual([]);
    expect(kdcKvno()).toBe(kvno);
    expect(kdcKvno("postgres/oar.lab")).toBe(pgKvno);
    expect(kdcKvno("HTTP/oar.lab")).toBe(httpKvno);
    // Nothing secret in what apply printed.
    const keytab = readFileSync(join(root, "kerberos", "oar-ha.keytab"));
    expect(apply.out + apply.err).not.toContain(keytab.subarray(-32).toString("base64"));
  }, 600_000);

  it("a user with a ticket logs in to oar.lab with GSSAPI only, before and after a crash of the active server", async () => {
    const pw = readFileSync(join(root, "kerberos", "alice.password"), "utf8");
    for (const h of ["front", "srv-a", "srv-b"])
      expect(inHost(h, "id alice >/dev/null 2>&1 || useradd -m alice").code).toBe(0);
    expect(inHost("front", "su alice -c 'kinit -f alice@LAB >/dev/null'", pw).code).toBe(0);
    const active = holder()!;
    // Alice's database role (the site's business, not oar-ha's); it lives on the cluster storage.
    expect(inHost(active, `su postgres -c "psql -X -qc 'create role alice login'"`).code).toBe(0);
    for (const h of ["srv-a", "srv-b"]) {
      const a = apacheSite(h);
      expect(a.code, a.out + a.err).toBe(0);
    }
    aliceReaches(active);
    const known = inHost(
      "front",
      "cat /etc/ssh/ssh_known_hosts; cat ~alice/.ssh/known_hosts 2>/dev/null; su alice -c 'klist' | grep -v Valid",
    ).out;

    expect(oarHa(["lab", "crash", active, "--root", root]).code).toBe(0);
    const passive = active === "srv-a" ? "srv-b" : "srv-a";
    // Whole group up on the survivor, not just its VIP (the VIP starts before PostgreSQL).
    const groupOn = () =>
      (
        JSON.parse(oarHa(["status", clusterFile, "--json"]).out || "{}") as {
          manager?: { groups?: { holder?: string; running: boolean }[] };
        }
      ).manager?.groups?.every((g) => g.running && g.holder === passive) === true;
    for (let i = 0; i < 120 && !groupOn(); i++) await sleep(1000);
    // status with a server crashed: judged from the hosts that answer, degraded (exit 5), the
    // services ok on the survivor; the crashed server is a line of its own (unreachable, or
    // offline once the lab's fencing has power-cycled it).
    const st = oarHa(["status", clusterFile]);
    process.stderr.write(`status with ${active} crashed (exit ${String(st.code)}):\n${st.out}`);
    expect(st.code, st.out + st.err).toBe(5);
    expect(st.out).toMatch(
      new RegExp(`^WARN +(host ${active} +not reachable over SSH|node ${active} +(offline|UNCLEAN))`, "m"),
    );
    expect(st.out).toMatch(/^ok +Almighty through the VIP/m);
    expect(st.out).toMatch(/^lab: DEGRADED/m);
    const tgts = aliceReaches(passive);
    // Nobody touched known_hosts or the tickets in between.
    expect(
      inHost(
        "front",
        "cat /etc/ssh/ssh_known_hosts; cat ~alice/.ssh/known_hosts 2>/dev/null; su alice -c 'klist' | grep -v Valid",
      ).out,
    ).toBe(known);
    // Delegated: the ticket went along (-K), the session holds a TGT.
    expect(tgts).not.toBe("0");
  }, 600_000);

  it("uninstall gives each server its own keytab and sshd configuration back", () => {
    const power = oarHa(["lab", "power-on", "srv-a", "--root", root]);
    expect(power.code).toBe(0);
    oarHa(["lab", "power-on", "srv-b", "--root", root]);
    const rejoin = oarHa(["apply", clusterFile, "--yes"]);
    expect(rejoin.code, rejoin.err).toBe(0);
    const r = oarHa(["uninstall", clusterFile, "--yes"]);
    expect(r.code, r.err).toBe(0);
    for (const h of ["srv-a", "srv-b"]) {
      const k = inHost(
        h,
        "klist -k /etc/krb5.keytab; ls /etc/ssh/sshd_config.d/; test -e /etc/postgresql/15/main/krb5.keytab && echo postgres-keytab; sshd -T 2>/dev/null | grep -i '^hostkey'",
      );
      expect(k.out).toMatch(new RegExp(`host/${h}\\.lab@LAB$`, "m"));
      expect(k.out).not.toContain("host/oar.lab@LAB");
      expect(k.out).not.toContain("oar-ha-kerberos.conf");
      expect(k.out).not.toContain("postgres-keytab");
      expect(k.out).not.toContain("vip");
    }
  }, 600_000);

  it("with adminPrincipal, oar-ha gets the keys from the KDC once: existing principals never re-keyed, a missing one created", () => {
    // The same cluster with an admin principal instead of a keytab; postgres/oar.lab does not exist yet.
    const file = join(root, "admin.yaml");
    writeFileSync(
      file,
      readFileSync(clusterFile, "utf8").replace(/^ {2}keytab: .*$/m, "  adminPrincipal: oarha/admin@LAB"),
    );
    const secrets = join(root, "admin.secrets.yaml");
    // The secrets the database on the cluster storage was made with (apply made them next to the gssapi cluster file).
    writeFileSync(secrets, readFileSync(join(root, "oar-ha-gssapi.secrets.yaml"), "utf8"), { mode: 0o600 });
    expect(
      inHost(
        "admin",
        "kadmin.local -r LAB -q 'delprinc -force postgres/oar.lab' >/dev/null 2>&1; kadmin.local -r LAB -q 'getprinc postgres/oar.lab' 2>&1",
      ).out,
    ).toContain("does not exist");
    const kvno = kdcKvno();
    // Without the admin's password: refused before any change, naming the field.
    const refused = oarHa(["apply", file, "--secrets", secrets, "--yes"]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("no kerberos.adminPassword");
    expect(refused.err).toContain("nothing was changed");
    expect(inHost("admin", "kadmin.local -r LAB -q 'getprinc postgres/oar.lab' 2>&1").out).toContain("does not exist");
    const password = readFileSync(join(root, "kerberos", "admin.password"), "utf8").trim();
    writeFileSync(secrets, `${readFileSync(secrets, "utf8")}kerberos:\n  adminPassword: ${password}\n`, {
      mode: 0o600,
    });
    const asks = () =>
      Number(inHost("admin", "grep -c 'oarha/admin@LAB for kadmin/admin@LAB' /var/log/krb5kdc.log || true").out.trim());

    const apply = oarHa(["apply", file, "--secrets", secrets, "--yes"]);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out + apply.err).not.toContain(password);
    expect(kdcKvno()).toBe(kvno);
    const pgKvno = kdcKvno("postgres/oar.lab");
    expect(pgKvno).toBeGreaterThan(0);
    const kept = join(root, "admin.keytab");
    expect((statSync(kept).mode & 0o777).toString(8)).toBe("600");
    for (const h of ["srv-a", "srv-b"]) {
      expect(keytabOn(h, "/etc/krb5.keytab").kvno["host/oar.lab@LAB"]).toBe(kvno);
      expect(keytabOn(h, "/etc/postgresql/15/main/krb5.keytab").kvno["postgres/oar.lab@LAB"]).toBe(pgKvno);
    }
    // Once: a second apply neither asks the KDC nor changes anything.
    const before = asks();
    expect(before).toBeGreaterThan(0);
    const again = oarHa(["apply", file, "--secrets", secrets, "--yes", "--json"]);
    expect(again.code, again.err).toBe(0);
    expect((JSON.parse(again.out) as { changed: string[] }).changed).toEqual([]);
    expect(asks()).toBe(before);
    expect(kdcKvno()).toBe(kvno);
    expect(kdcKvno("postgres/oar.lab")).toBe(pgKvno);
  }, 600_000);
});
