import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { completeSecrets, generateSecrets, parseSecrets, secretsRules, serializeSecrets } from "../src/index.js";
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

  it("rejects weak or missing secrets, naming the field, never echoing the value", () => {
    const c = exampleCluster();
    const s = { ...fixedSecrets({ "srv-a": "x" }), drbdSecret: "short", dbPassword: "pw" };
    const issues = secretsRules(c, s);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(
      expect.arrayContaining(["OARHA802 secrets.drbdSecret", "OARHA802 secrets.dbPassword", "OARHA803 secrets.fencing.srv-b"]),
    );
    const bad = parseSecrets("version: 1\ncorosyncAuthkey: 12\n");
    expect(bad.secrets).toBeUndefined();
    expect(JSON.stringify(bad.issues)).not.toContain("12");
  });
});
