import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { collectReport, parseReportStream } from "../src/deploy/report.js";
import { LocalTransport } from "../src/local.js";

describe("oar-ha report: a host's parts", () => {
  it("cuts the script's stdout at its marks; a name that would leave the bundle is renamed", () => {
    const out = [
      "@@oar-ha-report@@ host/date",
      "2026-12-06T23:50:00Z",
      "(exit 0)",
      "@@oar-ha-report@@ ../../etc/passwd",
      "root:x:0:0",
      "@@oar-ha-report@@ db/postgresql-15-main.log",
      "a",
      "",
      "b",
      "",
    ].join("\n");
    expect(parseReportStream(out)).toEqual([
      { name: "host/date", text: "2026-12-06T23:50:00Z\n(exit 0)\n" },
      { name: "unsafe-name-1", text: "root:x:0:0\n" },
      { name: "db/postgresql-15-main.log", text: "a\n\nb\n" },
    ]);
    // Text before the first mark belongs to no part; a mark inside a line is text.
    expect(parseReportStream("noise\n@@oar-ha-report@@ a\nx @@oar-ha-report@@ b\n")).toEqual([
      { name: "a", text: "x @@oar-ha-report@@ b\n" },
    ]);
  });

  it("the real host script on this machine: read only, the parts a support request needs", async () => {
    const c = exampleCluster();
    const host = c.nodes[0]!.name;
    const t = new Map([[host, new LocalTransport(host)]]);
    const [r] = await collectReport(c, t, { sinceMinutes: 10, lines: 50 });
    expect(r?.error).toBeUndefined();
    const names = r!.parts.map((p) => p.name);
    for (const n of ["host/date", "host/uname", "host/ps", "host/dmesg"]) expect(names).toContain(n);
    // Never a key file: those are not read at all.
    expect(names.filter((n) => /authkey|keytab|\.pass$|id_rsa/.test(n))).toEqual([]);
    expect(r!.parts.find((p) => p.name === "host/uname")?.text).toMatch(/^Linux /);
  }, 120_000);
});
