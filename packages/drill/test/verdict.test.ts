import { describe, expect, it } from "vitest";
import { VICTIM_ASKED, VICTIM_GONE, drillProblems, victimOf, type Measured } from "../src/verdict.js";

const holders = { dbHolder: "srv-a", passive: "srv-b", oarHolder: "srv-c" };
const clean: Measured = {
  outage: 12.5,
  schedulerBack: 20,
  noOutage: false,
  dbFailures: 40,
  oarFailures: 30,
  loss: {
    acknowledged: 120,
    lost: [],
    indeterminate: 1,
    indeterminatePresent: 1,
    phantom: [],
    jobsAcknowledged: 10,
    jobsLost: [],
    jobsReused: [],
  },
  checks: [{ name: "one VIP holder", ok: true, detail: "srv-b" }],
  extra: [],
};

describe("victims", () => {
  it("F02 breaks the passive, the OAR-side faults the OAR holder, the rest the DB holder", () => {
    expect(
      ["F01", "F02", "F03", "D04", "N03", "S01", "S02", "S04", "S07", "S08"].map((id) =>
        victimOf(id as never, holders),
      ),
    ).toEqual(["srv-a", "srv-b", "srv-c", "srv-a", "srv-a", "srv-c", "srv-a", "srv-c", "srv-c", "srv-c"]);
  });

  it("a crashed or fenced victim is not asked while the service comes back; a killed process's host is", () => {
    expect([...VICTIM_GONE].sort()).toEqual(["D04", "F01", "F02", "N03", "S04", "S07"]);
    expect([...VICTIM_ASKED].sort()).toEqual(["S01", "S02", "S03", "S08"]);
    expect([...VICTIM_GONE].filter((x) => VICTIM_ASKED.has(x))).toEqual([]);
  });
});

describe("drillProblems", () => {
  it("a run with an outage, no loss and a clean audit passes", () => {
    expect(drillProblems(clean)).toEqual([]);
  });

  it("one lost acknowledged row fails the run and is named", () => {
    expect(drillProblems({ ...clean, loss: { ...clean.loss, lost: [57] } })).toEqual([
      "1 acknowledged row(s) lost: 57",
    ]);
  });

  it("an outage where none is expected fails; the same failures are fine where an outage is expected", () => {
    expect(drillProblems({ ...clean, noOutage: true })).toEqual([
      "expected no outage; probes failed 40 (DB) and 30 (OAR) times",
    ]);
  });

  it("a service that never came back, a silent scheduler, nothing acknowledged: each a problem", () => {
    expect(
      drillProblems({
        ...clean,
        outage: undefined,
        schedulerBack: undefined,
        loss: { ...clean.loss, acknowledged: 0 },
      }),
    ).toEqual([
      "the service did not come back",
      "OAR's scheduler never answered an oarsub made after the fault",
      "no write was acknowledged: the drill proves nothing",
    ]);
  });

  it("phantom rows, lost or reused job ids and failed audit checks are problems; extra findings are kept as given", () => {
    const p = drillProblems({
      ...clean,
      loss: { ...clean.loss, phantom: [3, 4], jobsLost: [901], jobsReused: [902] },
      checks: [{ name: "DRBD: never two Primaries", ok: false, detail: "2 at once" }],
      extra: ["srv-c was not fenced"],
    });
    expect(p).toEqual([
      "2 row(s) present that were never sent",
      "job id(s) returned by oarsub but unknown to OAR: 901",
      "job id(s) returned twice: 902",
      "audit: DRBD: never two Primaries: 2 at once",
      "srv-c was not fenced",
    ]);
  });
});
