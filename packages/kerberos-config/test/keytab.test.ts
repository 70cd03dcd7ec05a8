import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeytabError, kvnoOf, mergeKeytab, missingEntries, parseKeytab } from "../src/keytab.js";
import { run, tempDir } from "../../../tooling/real-tools.js";

/** A keytab made by MIT's ktutil: entries [principal, kvno, enctype, password]. */
function ktutil(entries: [string, number, string, string][]): Uint8Array {
  const file = join(tempDir("kt-"), "k.keytab");
  const script =
    entries.map(([p, k, e, pw]) => `addent -password -p ${p} -k ${k} -e ${e}\n${pw}\n`).join("") +
    `wkt ${file}\nquit\n`;
  const r = run("ktutil", [], { input: script });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(file);
}
const klist = (bytes: Uint8Array) => {
  const f = join(tempDir("kt-"), "k.keytab");
  writeFileSync(f, bytes);
  const r = run("klist", ["-k", "-e", f]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

describe("keytab", () => {
  const vip = ktutil([
    ["host/oar.lab@LAB", 3, "aes256-cts-hmac-sha1-96", "vip-secret"],
    ["host/oar.lab@LAB", 3, "aes128-cts-hmac-sha1-96", "vip-secret"],
  ]);
  const own = ktutil([["host/srv-a.lab@LAB", 1, "aes256-cts-hmac-sha1-96", "own-secret"]]);

  it("reads what MIT ktutil writes: principal, kvno, enctype; the key only as a digest", () => {
    const e = parseKeytab(vip);
    expect(e.map((x) => [x.principal, x.kvno, x.enctype])).toEqual([
      ["host/oar.lab@LAB", 3, 18],
      ["host/oar.lab@LAB", 3, 17],
    ]);
    expect(e[0]!.keyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(e.map(({ raw: _raw, ...x }) => x))).not.toContain("vip-secret");
    expect(kvnoOf(e, "host/oar.lab@LAB")).toBe(3);
    expect(kvnoOf(e, "host/other@LAB")).toBeUndefined();
  });

  it("merges the VIP entries into a server's own keytab, keeping its keys; klist reads the result", () => {
    const merged = mergeKeytab(own, missingEntries(parseKeytab(own), parseKeytab(vip), ["host/oar.lab@LAB"]));
    const out = klist(merged);
    expect(out).toMatch(/1 host\/srv-a\.lab@LAB \(aes256-cts-hmac-sha1-96\)/);
    expect(out).toMatch(/3 host\/oar\.lab@LAB \(aes256-cts-hmac-sha1-96\)/);
    expect(out).toMatch(/3 host\/oar\.lab@LAB \(aes128-cts-hmac-sha1-96\)/);
    // A second merge finds nothing missing: apply never doubles an entry.
    expect(missingEntries(parseKeytab(merged), parseKeytab(vip), ["host/oar.lab@LAB"])).toEqual([]);
    // Into a server that has no keytab yet.
    expect(klist(mergeKeytab(undefined, parseKeytab(vip)))).toMatch(/3 host\/oar\.lab@LAB/);
  });

  it("a re-keyed principal (same kvno, another key) is missing, not present", () => {
    const rekeyed = ktutil([["host/oar.lab@LAB", 3, "aes256-cts-hmac-sha1-96", "another"]]);
    expect(missingEntries(parseKeytab(vip), parseKeytab(rekeyed), ["host/oar.lab@LAB"])).toHaveLength(1);
  });

  it("appends after the last entry even when the file ends with padding", () => {
    const padded = Buffer.concat([Buffer.from(own), Buffer.alloc(16)]);
    expect(klist(mergeKeytab(padded, parseKeytab(vip)))).toMatch(/3 host\/oar\.lab@LAB/);
  });

  it("refuses what is not a keytab", () => {
    expect(() => parseKeytab(Buffer.from("hello"))).toThrow(KeytabError);
    expect(() => parseKeytab(Uint8Array.of(0x05, 0x01, 0, 0))).toThrow(/0x0501 is not supported/);
    expect(() => parseKeytab(Buffer.concat([Buffer.from(vip), Buffer.from([0, 0, 0, 40, 0, 1])]))).toThrow(/truncated/);
  });
});
