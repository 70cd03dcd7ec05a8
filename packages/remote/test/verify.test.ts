import { describe, expect, it } from "vitest";
import { exampleCluster } from "@oar-ha/core/testing";
import { UNREADABLE_TRIES, onlineVerify, type ExecResult, type Transport } from "../src/index.js";

/*
 * The online verify's loop against scripted servers: each server answers drbd-state.sh with
 * the next line of its script ("fail": exit code 1, as a timed-out SSH command gives).
 */

const c = exampleCluster();
const PRIMARY = "role=Primary/Secondary\ncstate=Connected\ndstate=UpToDate/UpToDate\noos_kib=0\n";
const SECONDARY = "role=Secondary/Primary\ncstate=Connected\ndstate=UpToDate/UpToDate\noos_kib=0\n";
const verifying = (pct: number) =>
  `role=Primary/Secondary\ncstate=VerifyS\ndstate=UpToDate/UpToDate\noos_kib=0\nverify=${pct}\n`;

function scripted(host: string, states: string[]): Transport & { commands: string[] } {
  const commands: string[] = [];
  let i = 0;
  return {
    host,
    commands,
    exec(command: string): Promise<ExecResult> {
      commands.push(command);
      const done = (code: number, stdout: string, stderr = "") =>
        Promise.resolve({ host, command, code, signal: null, stdout, stderr });
      if (command.startsWith("drbdadm verify")) return done(0, "");
      const s = states[Math.min(i++, states.length - 1)]!;
      return s === "fail" ? done(1, "", "timed out") : done(0, s);
    },
    put: () => Promise.resolve(),
    get: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
  };
}

describe("online verify", () => {
  it("a few unreadable states during the verify are waited out; the verify's result is kept", async () => {
    // srv-a: the two reads before the verify, then 3 failed reads, progress, done.
    const a = scripted("srv-a", [PRIMARY, PRIMARY, "fail", "fail", "fail", verifying(50), PRIMARY]);
    const b = scripted("srv-b", [SECONDARY]);
    const r = await onlineVerify(
      c,
      new Map([
        ["srv-a", a],
        ["srv-b", b],
      ]),
      { pollMs: 1 },
    );
    expect(r).toMatchObject({ host: "srv-a", outOfSyncKiB: 0 });
    expect(a.commands.filter((x) => x.startsWith("drbdadm verify"))).toHaveLength(1);
  });

  it(`gives up after ${UNREADABLE_TRIES} unreadable states in a row, saying so`, async () => {
    const a = scripted("srv-a", [PRIMARY, PRIMARY, verifying(10), ...Array<string>(UNREADABLE_TRIES).fill("fail")]);
    const b = scripted("srv-b", [SECONDARY]);
    await expect(
      onlineVerify(
        c,
        new Map([
          ["srv-a", a],
          ["srv-b", b],
        ]),
        { pollMs: 1 },
      ),
    ).rejects.toThrow(
      `srv-a: DRBD's state could not be read ${UNREADABLE_TRIES} times in a row during the online verify`,
    );
  });
});
