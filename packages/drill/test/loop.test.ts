import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";

/*
 * The drill's job loop (src/scripts/oarha-drill-loop.sh) run by sh against stand-in su,
 * oarsub, oarstat and oardel: what it logs, and that it asks oarstat only after OAR's
 * admission rule refused a submission.
 */

const loop = join(import.meta.dirname, "../src/scripts/oarha-drill-loop.sh");
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Stand-ins: `answers` are oarsub's outputs in turn; the loop stops after the last one. */
function standIns(answers: string[], waitingPerCall: number[]) {
  dir = mkdtempSync(join(tmpdir(), "oarha-loop-"));
  const bin = join(dir, "bin");
  const work = join(dir, "work");
  spawnSync("mkdir", ["-p", bin, work]);
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  answers.forEach((a, i) => writeFileSync(join(dir, `answer.${i + 1}`), a));
  waitingPerCall.forEach((w, i) =>
    writeFileSync(join(dir, `waiting.${i + 1}`), Array.from({ length: w }, (_, k) => `${100 + k} W drill`).join("\n")),
  );
  // su - USER -c CMD: run CMD here (the stand-ins are on PATH).
  tool("su", `shift 3; PATH=${bin}:$PATH; export PATH; exec sh -c "$1"`);
  tool(
    "oarsub",
    `n=$(($(cat ${dir}/oarsub.n 2>/dev/null || echo 0) + 1)); echo $n > ${dir}/oarsub.n
[ -f ${dir}/answer.$n ] && cat ${dir}/answer.$n
[ -f ${dir}/answer.$((n + 1)) ] || touch ${work}/stop`,
  );
  tool(
    "oarstat",
    `n=$(($(cat ${dir}/oarstat.n 2>/dev/null || echo 0) + 1)); echo $n > ${dir}/oarstat.n; cat ${dir}/waiting.$n 2>/dev/null; true`,
  );
  tool("oardel", `echo "$1" >> ${dir}/oardel.ids`);
  tool("sleep", "true");
  return { bin, work };
}

const read = (f: string) => {
  try {
    return readFileSync(join(dir, f), "utf8");
  } catch {
    return "";
  }
};

it("logs one ack per answered reservation, deletes it, and writes nothing for an admission refusal", () => {
  const refused = "[ADMISSION RULE] Error: you cannot have more than 2 waiting advance reservations.\n";
  const { bin, work } = standIns(
    ["OAR_JOB_ID=7\nReservation valid --> OK\n", refused, "OAR_JOB_ID=9\nReservation valid --> OK\n"],
    [2, 1],
  );
  const r = spawnSync("sh", [loop, work, "drill", "5"], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const lines = readFileSync(join(work, "oarsub.log"), "utf8").trim().split("\n");
  expect(
    lines.map((l) =>
      l
        .split(" ")
        .slice(1, 3)
        .join(" ")
        .replace(/ \d+\.\d+$/, ""),
    ),
  ).toEqual(["ack 7", "ack 9"]);
  expect(read("oardel.ids").trim().split("\n")).toEqual(["7", "9"]);
  // oarstat only after the refusal, until fewer than two wait (2, then 1): two calls in all.
  expect(read("oarstat.n").trim()).toBe("2");
});

it("counts an unanswered or unexpected reply as a failure and still deletes a recorded id", () => {
  const { bin, work } = standIns(["OAR_JOB_ID=11\n", "oarsub: cannot connect to the database\n"], []);
  const r = spawnSync("sh", [loop, work, "drill", "5"], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const kinds = readFileSync(join(work, "oarsub.log"), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" ")[1]);
  expect(kinds).toEqual(["fail", "fail"]);
  expect(read("oardel.ids").trim()).toBe("11");
  expect(read("oarstat.n")).toBe("");
});
