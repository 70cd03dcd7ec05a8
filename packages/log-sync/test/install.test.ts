import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exampleCluster, fourNode } from "@oar-ha/core/testing";
import { LOG_SYNC, authorizedKeyLine, logSyncPair, renderLogSyncFiles, shipArgv } from "../src/install.js";
import { run, shSyntax, tempDir, writeTree } from "../../../tooling/real-tools.js";

const c = exampleCluster();
const files = renderLogSyncFiles(c);
const on = (host: string, path: string) => files.find((f) => f.host === host && f.path === path)!;

describe("log-sync install files", () => {
  it("each OAR server ships its own oar.log to the other one", () => {
    expect(shipArgv(c, "srv-a")).toEqual([
      "/usr/bin/node",
      "--max-old-space-size=64",
      LOG_SYNC.agent,
      "ship",
      "--log",
      "/var/log/oar.log",
      "--status",
      LOG_SYNC.status,
      "--",
      "/usr/bin/ssh",
      "-F",
      LOG_SYNC.sshConfig,
      "srv-b",
    ]);
    expect(on("srv-a", LOG_SYNC.unit).content).toContain(`ExecStart=${shipArgv(c, "srv-a").join(" ")}\n`);
    expect(on("srv-b", LOG_SYNC.unit).content).toContain(" srv-a\n");
    expect(files.map((f) => f.path).filter((p) => p.startsWith("/etc/systemd"))).toHaveLength(2);
  });

  it("the ssh client settings pin the peer's host key and use only log-sync's own key (real ssh -G)", () => {
    const dir = writeTree(files);
    const r = run("ssh", ["-G", "-F", join(dir, "srv-a", LOG_SYNC.sshConfig), "srv-b"]);
    expect(r.code, r.stderr).toBe(0);
    for (const l of [
      "hostname 10.0.0.12",
      "user root",
      `identityfile ${LOG_SYNC.key}`,
      "identitiesonly yes",
      "batchmode yes",
      "stricthostkeychecking true",
      `userknownhostsfile ${LOG_SYNC.knownHosts}`,
      "hostkeyalias srv-b",
      "serveraliveinterval 5",
    ]) {
      expect(r.stdout).toContain(`${l}\n`);
    }
  });

  it("the init script is valid sh and starts the same command as the unit", () => {
    const dir = writeTree(files);
    const r = shSyntax(join(dir, "srv-a", LOG_SYNC.init));
    expect(r.code, r.stderr).toBe(0);
    expect(on("srv-a", LOG_SYNC.init).content).toContain(
      `--exec /usr/bin/node -- ${shipArgv(c, "srv-a").slice(1).join(" ")}\n`,
    );
    expect(on("srv-a", LOG_SYNC.init).mode).toBe("0755");
    expect(on("srv-a", LOG_SYNC.init).content).toContain("ships /var/log/oar.log to srv-b\n");
  });

  it("logrotate rotates the agent's own log only, never the replicas (real logrotate -d)", () => {
    const dir = writeTree(files);
    const r = run("logrotate", ["-d", join(dir, "srv-a", LOG_SYNC.logrotate)]);
    expect(r.code, r.stderr).toBe(0);
    const text = on("srv-a", LOG_SYNC.logrotate).content;
    expect(text.split("\n").filter((l) => l.startsWith("/"))).toEqual([`${LOG_SYNC.agentLog} {`]);
  });

  it("the peer's authorized_keys line allows only the receiver, only from the writer (real ssh-keygen parses it)", () => {
    const dir = tempDir();
    const k = run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "k")]);
    expect(k.code, k.stderr).toBe(0);
    const pub = run("cat", [join(dir, "k.pub")]).stdout;
    const line = authorizedKeyLine(c, "srv-a", pub);
    expect(line).toMatch(
      /^restrict,from="10\.0\.0\.11,192\.168\.10\.11",command="\/usr\/bin\/node --max-old-space-size=64 \/usr\/local\/lib\/oar-ha\/oar-ha-log-sync\.mjs receive --replica \/var\/log\/oar-ha\/oar\.log\.srv-a --rotate-mib 64 --keep 5" ssh-ed25519 \S+ oar-ha-log-sync@srv-a$/,
    );
    writeFileSync(join(dir, "authorized_keys"), `${line}\n`);
    const r = run("ssh-keygen", ["-l", "-f", join(dir, "authorized_keys")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("oar-ha-log-sync@srv-a (ED25519)");
    expect(() => authorizedKeyLine(c, "srv-a", "ssh-rsa AAAA x")).toThrow(/not an ed25519 public key/);
  });

  it("nothing when log-sync is off or there are not two OAR servers", () => {
    expect(renderLogSyncFiles(exampleCluster((x) => ({ ...x, logSync: { enabled: false } })))).toEqual([]);
    const four = exampleCluster(fourNode);
    expect(logSyncPair(four).map((n) => n.name)).toEqual(["o1", "o2"]);
    expect([...new Set(renderLogSyncFiles(four).map((f) => f.host))]).toEqual(["o1", "o2"]);
  });
});
