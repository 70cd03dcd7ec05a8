import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalTransport, OpenSshTransport, Ssh2Transport, type Transport } from "../src/index.js";
import { startSshd, type Sshd } from "./sshd-fixture.js";

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd(42_022);
});
afterAll(async () => {
  await sshd.stop();
});

const target = (extra: object = {}) => ({ host: "loop", address: "127.0.0.1", port: sshd.port, user: "root", knownHostsFile: sshd.knownHosts, identityFile: sshd.clientKey, ...extra });

const kinds: [string, () => Promise<Transport>][] = [
  ["ssh2", () => Ssh2Transport.open(target())],
  ["openssh", () => Promise.resolve(new OpenSshTransport(target()))],
  ["local", () => Promise.resolve(new LocalTransport("loop"))],
];

describe.each(kinds)("%s transport", (_name, open) => {
  it("runs commands with stdin, stdout, stderr, exit code", async () => {
    const t = await open();
    const r = await t.exec("read x; echo out:$x; echo err >&2; exit 3", { stdin: "hello\n" });
    expect(r).toMatchObject({ code: 3, stdout: "out:hello\n", stderr: "err\n" });
    await t.close();
  });

  it("puts a file atomically with mode and owner, gets it back byte for byte", async () => {
    const t = await open();
    const path = join(sshd.dir, `put-${_name}`, "file.bin");
    const bytes = Buffer.from([0, 1, 2, 255, 10, 39, 34]);
    await t.put(path, bytes, { mode: "0640", owner: "root:root" });
    expect(Buffer.from((await t.get(path))!)).toEqual(bytes);
    expect((await t.exec(`stat -c %a ${path}`)).stdout.trim()).toBe("640");
    expect(await t.get(`${path}.missing`)).toBeUndefined();
    await t.close();
  });

  it("kills a command past its timeout", async () => {
    const t = await open();
    const r = await t.exec("sleep 30", { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    await t.close();
  });
});

describe("host key checking (ssh2)", () => {
  it("aborts on a changed key, naming both fingerprints", async () => {
    const bad = join(sshd.dir, "known_hosts.changed");
    writeFileSync(bad, `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    await expect(Ssh2Transport.open(target({ knownHostsFile: bad }))).rejects.toThrow(/HOST KEY CHANGED.*SHA256:/s);
    await expect(Ssh2Transport.open(target({ knownHostsFile: bad, trustOnFirstUse: true }))).rejects.toThrow(/HOST KEY CHANGED/);
  });

  it("refuses an unknown host unless trust-on-first-use is asked, then records it", async () => {
    const empty = join(sshd.dir, "known_hosts.empty");
    writeFileSync(empty, "");
    await expect(Ssh2Transport.open(target({ knownHostsFile: empty }))).rejects.toThrow(/unknown host key.*--trust-new-hosts/s);
    const seen: string[] = [];
    const t = await Ssh2Transport.open(target({ knownHostsFile: empty, trustOnFirstUse: true, onNewHostKey: (_h: string, l: string) => seen.push(l) }));
    await t.close();
    expect(seen).toHaveLength(1);
    expect(readFileSync(empty, "utf8")).toContain(sshd.hostKeyPub.split(" ")[1]);
    const again = await Ssh2Transport.open(target({ knownHostsFile: empty }));
    await again.close();
  });

  it("refuses a wrong key with a message naming the host", async () => {
    await expect(Ssh2Transport.open(target({ identityFile: join(sshd.dir, "host_key") }))).rejects.toThrow(/loop \(root@127\.0\.0\.1/);
  });
});

describe("secrets never reach a command line", () => {
  it("put() sends content on stdin: no process argv on the host carries it", async () => {
    const t = await Ssh2Transport.open(target());
    const secret = `S3cret-${Date.now()}`;
    const path = join(sshd.dir, "secret.txt");
    // Hold the put open while we sample every command line on the machine.
    const slow = t.exec(`sleep 1; cat > ${path}`, { stdin: secret });
    await new Promise((r) => setTimeout(r, 300));
    const cmdlines = (await new LocalTransport("me").exec("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '")).stdout;
    await slow;
    expect(cmdlines).not.toContain(secret);
    expect(readFileSync(path, "utf8")).toBe(secret);
    await t.close();
  });
});
