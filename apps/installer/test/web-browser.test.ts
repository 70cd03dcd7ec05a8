import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * The status page in a real browser (Debian's chromium, driven by puppeteer-core; nothing
 * downloaded) against the namespace lab: healthy, then `lab crash` of the active server: the
 * page shows the failure, then the services on the peer, without a reload. Screenshots of each
 * stage go to the lab root; OAR_HA_WEB_SHOTS=DIR copies them there (docs/web/ holds reviewed
 * ones). Needs root and chromium (scripts/setup.sh installs it).
 */

const bin = join(import.meta.dirname, "../dist/oar-ha.js");
const root = "/mnt/oar-ha-lab-web";
const clusterFile = join(root, "oar-ha.yaml");
const CHROMIUM = "/usr/bin/chromium";
const INTERVAL_S = 2;

function oarHa(args: string[], timeoutMs = 600_000) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: timeoutMs,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const say = (m: string) => process.stderr.write(`web browser: ${m}\n`);

describe("the status page in chromium, across a crash of the active server", () => {
  let web: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url = "";
  beforeAll(async () => {
    expect(existsSync(CHROMIUM), "chromium is not installed (scripts/setup.sh installs it)").toBe(true);
    const up = oarHa(["lab", "up", "--root", root, "--skip-install"]);
    expect(up.code, up.err).toBe(0);
    const apply = oarHa(["apply", clusterFile, "--yes"]);
    expect(apply.code, apply.err).toBe(0);
    web = spawn(
      process.execPath,
      [bin, "web", clusterFile, "--listen", "127.0.0.1:0", "--interval", String(INTERVAL_S)],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    );
    let err = "";
    web.stderr?.on("data", (b: Buffer) => (err += b.toString()));
    for (let i = 0; i < 100 && !/http:\/\/127\.0\.0\.1:\d+\//.test(err); i++)
      await new Promise((r) => setTimeout(r, 100));
    url = /http:\/\/127\.0\.0\.1:\d+\//.exec(err)?.[0] ?? "";
    expect(url, err).not.toBe("");
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu"],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 768 });
  }, 900_000);
  afterAll(async () => {
    await browser?.close();
    web?.kill("SIGTERM");
    if (web) await new Promise((r) => web?.once("close", r));
    if (!process.env.OAR_HA_KEEP_LAB) oarHa(["lab", "down", "--root", root]);
  });

  const shot = async (name: string) => {
    const file = join(root, `web-${name}.png`);
    await page.screenshot({ path: file });
    if (process.env.OAR_HA_WEB_SHOTS) {
      mkdirSync(process.env.OAR_HA_WEB_SHOTS, { recursive: true });
      copyFileSync(file, join(process.env.OAR_HA_WEB_SHOTS, `web-${name}.png`));
    }
  };
  // Expressions evaluated in the page (this project's TypeScript has no DOM types).
  const text = async (id: string) =>
    String(await page.evaluate(`document.getElementById(${JSON.stringify(id)}).textContent`));
  const banner = () => text("verdict");
  const timeline = () => text("timeline");
  const until = (expr: string, timeout: number) => page.waitForFunction(expr, { timeout, polling: 200 });

  it("shows a healthy cluster, then the crash, then the services on the peer, without a reload", async () => {
    await page.goto(url);
    await until(`document.getElementById("banner").className === "healthy"`, 60_000);
    const before = await banner();
    expect(before).toMatch(/^lab: HEALTHY, active server srv-[ab]$/);
    await shot("healthy");
    const active = /srv-[ab]/.exec(before)?.[0] ?? "";
    const peer = active === "srv-a" ? "srv-b" : "srv-a";
    const t0 = Date.now();
    expect(oarHa(["lab", "crash", active, "--root", root]).code).toBe(0);
    // The failure: the verdict leaves "healthy" (text, not only colour).
    await until(`document.getElementById("banner").className !== "healthy"`, 60_000);
    const failed = (Date.now() - t0) / 1000;
    expect(await banner()).toMatch(/DEGRADED|UNHEALTHY/);
    await shot("failing");
    // The services on the peer, in the timeline, still without a reload.
    await until(
      `document.getElementById("timeline").textContent.includes(${JSON.stringify(`the services moved from ${active} to ${peer}`)})`,
      180_000,
    );
    const moved = (Date.now() - t0) / 1000;
    await shot("recovered");
    expect(await timeline()).toContain(`the services moved from ${active} to ${peer}`);
    expect(await banner()).toContain(`active server ${peer}`);
    say(
      `crash of ${active}: the page showed the failure after ${failed.toFixed(1)} s and the services on ${peer} after ${moved.toFixed(1)} s (a look every ${INTERVAL_S} s)`,
    );
    // Readable at phone width too: the verdict's sentence is there, not only a colour.
    await page.setViewport({ width: 390, height: 844 });
    expect(await text("sentence")).not.toBe("");
    await shot("phone");
  }, 600_000);
});
