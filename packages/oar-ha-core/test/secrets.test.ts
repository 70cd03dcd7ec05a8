import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  completeSecrets,
  generateSecrets,
  parseSecrets,
  redactSecrets,
  secretValues,
  secretsRules,
  serializeSecrets,
} from "../src/index.js";
import { exampleCluster, fixedSecrets } from "../src/testing.js";

const rnd = (n: number) => randomBytes(n);

describe("secrets", () => {
  it("generates keys of the required lengths, different each time", () => {
    const a = generateSecrets(rnd);
    const b = generateSecrets(rnd);
    expect(Buffer.from(a.corosyncAuthkey, "base64")).toHaveLength(256);
    expect(a.heartbeatKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.drbdSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(a.dbPassword).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a.dbPassword).not.toBe(b.dbPassword);
    expect(a.corosyncAuthkey).not.toBe(b.corosyncAuthkey);
  });

  it("round-trips through the file format", () => {
    const s = generateSecrets(rnd);
    expect(parseSecrets(serializeSecrets(s)).secrets).toEqual(s);
  });

  it("keeps existing secrets when completing", () => {
    const s = completeSecrets({ dbPassword: "KeepMeKeepMeKeepMe" }, rnd);
    expect(s.dbPassword).toBe("KeepMeKeepMeKeepMe");
  });

  it("completes only the generated secrets a file lacks when asked, and says which; otherwise a missing one is an error", () => {
    const text = "fencing:\n  srv-a: Bmc-A-secret-1\ndbPassword: KeepMeKeepMeKeepMe\n";
    const done = parseSecrets(text, "s.yaml", rnd);
    expect(done.issues).toEqual([]);
    expect(done.added).toEqual(["corosyncAuthkey", "heartbeatKey", "drbdSecret", "dbReadOnlyPassword"]);
    expect(done.secrets).toMatchObject({
      version: 1,
      dbPassword: "KeepMeKeepMeKeepMe",
      fencing: { "srv-a": "Bmc-A-secret-1" },
    });
    expect(done.secrets!.drbdSecret).toMatch(/^[A-Za-z0-9]{48}$/);
    const strict = parseSecrets(text, "s.yaml");
    expect(strict.secrets).toBeUndefined();
    expect(strict.issues.map((i) => `${i.code} ${i.path} ${i.message}`)).toContain("OARHA801 corosyncAuthkey missing");
    expect(strict.issues.find((i) => i.path === "corosyncAuthkey")!.fix).toContain(
      "`oar-ha render` generates a new one",
    );
    // Never the admin's: a missing BMC password is not invented.
    expect(parseSecrets("version: 1\n", "s.yaml", rnd).secrets!.fencing).toEqual({});
  });

  it("rejects weak or missing secrets, naming the field, never echoing the value", () => {
    const c = exampleCluster();
    const s = { ...fixedSecrets({ "srv-a": "x" }), drbdSecret: "short", dbPassword: "pw" };
    const issues = secretsRules(c, s);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(
      expect.arrayContaining([
        "OARHA802 secrets.drbdSecret",
        "OARHA802 secrets.dbPassword",
        "OARHA803 secrets.fencing.srv-b",
      ]),
    );
    const bad = parseSecrets("version: 1\ncorosyncAuthkey: 12\n");
    expect(bad.secrets).toBeUndefined();
    expect(JSON.stringify(bad.issues)).not.toContain("12");
  });
});

describe("redacting secrets from what leaves the cluster (oar-ha report)", () => {
  const s = {
    ...generateSecrets(randomBytes),
    fencing: { "srv-a": "Bmc-Pass-A-1234" },
    kerberos: { adminPassword: "kadmin-pw-9876" },
  };
  it("names every secret of the file, fencing and Kerberos included", () => {
    expect(secretValues(s).map((x) => x.name)).toEqual([
      "corosyncAuthkey",
      "heartbeatKey",
      "drbdSecret",
      "dbPassword",
      "dbReadOnlyPassword",
      "fencing.srv-a",
      "kerberos.adminPassword",
    ]);
  });
  it("replaces each known value wherever it appears, and what follows a secret setting whatever its value", () => {
    const text = [
      // drbdadm dump, oar.conf, a CIB's fence device, MariaDB grants, Heartbeat's authkeys, a log line
      `        shared-secret     "${s.drbdSecret}";`,
      `        shared-secret "an-old-secret";`,
      `DB_BASE_PASSWD="${s.dbPassword}"`,
      `DB_BASE_PASSWD_RO='not-in-the-secrets-file'`,
      `<nvpair id="fence-srv-a-password" name="password" value="${s.fencing["srv-a"]}"/>`,
      `<nvpair id="f-passwd" name="passwd" value="typed-by-hand"/>`,
      `GRANT ALL ON oar.* TO 'oar'@'%' IDENTIFIED BY '${s.dbReadOnlyPassword}';`,
      `auth 1\n1 sha1 ${s.heartbeatKey}`,
      `kadmin: password ${s.kerberos.adminPassword} rejected`,
      `authkey ${s.corosyncAuthkey}`,
    ].join("\n");
    const out = redactSecrets(text, s);
    for (const { value } of secretValues(s)) expect(out).not.toContain(value);
    for (const typed of ["an-old-secret", "not-in-the-secrets-file", "typed-by-hand"]) expect(out).not.toContain(typed);
    expect(out.split("\n")).toEqual([
      `        shared-secret     "[redacted drbdSecret]";`,
      `        shared-secret [redacted];`,
      `DB_BASE_PASSWD="[redacted dbPassword]"`,
      `DB_BASE_PASSWD_RO=[redacted]`,
      `<nvpair id="fence-srv-a-password" name="password" value="[redacted fencing.srv-a]"/>`,
      `<nvpair id="f-passwd" name="passwd" value=[redacted]/>`,
      `GRANT ALL ON oar.* TO 'oar'@'%' IDENTIFIED BY '[redacted dbReadOnlyPassword]';`,
      `auth 1`,
      `1 sha1 [redacted heartbeatKey]`,
      `kadmin: password [redacted kerberos.adminPassword] rejected`,
      `authkey [redacted corosyncAuthkey]`,
    ]);
  });
  it("leaves a text without secrets as it is", () => {
    const text = "Dec  6 23:40:01 srv-a pacemaker-controld[812]: notice: State transition S_IDLE -> S_POLICY_ENGINE\n";
    expect(redactSecrets(text, s)).toBe(text);
  });
});
