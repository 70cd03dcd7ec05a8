import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LocalTransport,
  OpenSshTransport,
  Ssh2Transport,
  opensshArgv,
  sshNeverStarted,
  type Transport,
} from "../src/index.js";
import { connect, createServer, type Socket } from "node:net";
import { startSshd, type Sshd } from "./sshd-fixture.js";

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd(42_022);
});
afterAll(async () => {
  await sshd.stop();
});

const target = (extra: object = {}) => ({
  host: "loop",
  address: "127.0.0.1",
  port: sshd.port,
  user: "root",
  knownHostsFile: sshd.knownHosts,
  identityFile: sshd.clientKey,
  ...extra,
});

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
    writeFileSync(
      bad,
      `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
    );
    await expect(Ssh2Transport.open(target({ knownHostsFile: bad }))).rejects.toThrow(/HOST KEY CHANGED.*SHA256:/s);
    await expect(Ssh2Transport.open(target({ knownHostsFile: bad, trustOnFirstUse: true }))).rejects.toThrow(
      /HOST KEY CHANGED/,
    );
  });

  it("refuses an unknown host unless trust-on-first-use is asked, then records it", async () => {
    const empty = join(sshd.dir, "known_hosts.empty");
    writeFileSync(empty, "");
    await expect(Ssh2Transport.open(target({ knownHostsFile: empty }))).rejects.toThrow(
      /unknown host key.*--trust-new-hosts/s,
    );
    const seen: string[] = [];
    const t = await Ssh2Transport.open(
      target({ knownHostsFile: empty, trustOnFirstUse: true, onNewHostKey: (_h: string, l: string) => seen.push(l) }),
    );
    await t.close();
    expect(seen).toHaveLength(1);
    expect(readFileSync(empty, "utf8")).toContain(sshd.hostKeyPub.split(" ")[1]);
    const again = await Ssh2Transport.open(target({ knownHostsFile: empty }));
    await again.close();
  });

  it("refuses a wrong key with a message naming the host", async () => {
    await expect(Ssh2Transport.open(target({ identityFile: join(sshd.dir, "host_key") }))).rejects.toThrow(
      /loop \(root@127\.0\.0\.1/,
    );
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
    const cmdlines = (await new LocalTransport("me").exec("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '"))
      .stdout;
    await slow;
    expect(cmdlines).not.toContain(secret);
    expect(readFileSync(path, "utf8")).toBe(secret);
    await t.close();
  });
});

describe("openssh with Kerberos only (openssh-gssapi)", () => {
  const gss = (extra: object = {}) =>
    new OpenSshTransport(target({ gssapi: { serverName: "srv-a.example.org" }, ...extra }));

  it("offers the ticket for host/<gssapiName> and nothing else: ssh -G takes the options", () => {
    const argv = opensshArgv(target({ gssapi: { serverName: "srv-a.example.org" } }), "true");
    expect(argv).not.toContain("-i");
    const opts = argv.slice(1, argv.indexOf("root@127.0.0.1"));
    const g = spawnSync("ssh", ["-G", ...opts.filter((o) => o !== "-T"), "root@127.0.0.1"], { encoding: "utf8" });
    expect(g.status, g.stderr).toBe(0);
    for (const l of [
      "gssapiauthentication yes",
      "gssapiserveridentity srv-a.example.org",
      "gssapidelegatecredentials no",
      "pubkeyauthentication false",
      "preferredauthentications gssapi-with-mic",
      "identityagent none",
    ])
      expect(g.stdout).toContain(l);
  });

  it("never falls back to the key file: a host without Kerberos refuses the login", async () => {
    // The fixture's sshd accepts this key (the openssh transport above logs in with it); GSSAPI only cannot.
    const r = await gss().exec("echo in");
    expect(r.code).toBe(255);
    expect(r.stdout).not.toContain("in");
    expect(r.stderr).toMatch(/Permission denied/);
  });
});

describe("openssh: ssh's own failures are retried, the command's never", () => {
  const r = (code: number, stderr: string, stdout = "") => ({
    host: "h",
    command: "c",
    code,
    signal: null,
    stdout,
    stderr,
  });
  it("retries a refused or shed connection (nothing ran), not a command that failed", () => {
    expect(sshNeverStarted(r(255, "ssh: connect to host 10.0.0.1 port 22: Connection refused\n"))).toBe(true);
    expect(
      sshNeverStarted(
        r(
          255,
          "kex_exchange_identification: Connection closed by remote host\nConnection closed by 10.0.0.1 port 22\n",
        ),
      ),
    ).toBe(true);
    expect(sshNeverStarted(r(255, "root@10.0.0.1: Permission denied (publickey).\n"))).toBe(false);
    expect(sshNeverStarted(r(255, "Connection to 10.0.0.1 closed by remote host.\n"))).toBe(false);
    expect(sshNeverStarted(r(255, "Connection reset by 10.0.0.1 port 22\n"))).toBe(false);
    expect(sshNeverStarted(r(255, "ssh: connect to host 10.0.0.1 port 22: Connection refused\n", "partial"))).toBe(
      false,
    );
    expect(sshNeverStarted(r(1, "ssh: connect to host 10.0.0.1 port 22: Connection refused\n"))).toBe(false);
  });

  it("a port that opens a moment later is reached", async () => {
    const free = await new Promise<number>((done) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    // Nothing listens on `free` yet: the first attempts are refused; a forwarder to the fixture's sshd opens 600 ms later.
    let proxy: ReturnType<typeof createServer> | undefined;
    const opener = setTimeout(() => {
      proxy = createServer((c) => {
        const up = connect(sshd.port, "127.0.0.1");
        c.pipe(up).pipe(c);
        c.on("error", () => up.destroy());
        up.on("error", () => c.destroy());
      }).listen(free, "127.0.0.1");
    }, 600);
    const known = join(sshd.dir, "known_hosts_retry");
    writeFileSync(known, `[127.0.0.1]:${free} ${sshd.hostKeyPub.split(" ").slice(0, 2).join(" ")}\n`);
    const t = new OpenSshTransport(target({ port: free, knownHostsFile: known }));
    const res = await t.exec("echo reached");
    clearTimeout(opener);
    proxy?.close();
    expect(res.stdout, res.stderr).toBe("reached\n");
  });
});

describe("ssh2 transport when the peer vanishes (a crashed VM: no reset, no answer)", () => {
  it("every command settles: the one in flight by its timeout, the next ones at once", async () => {
    // A forwarder that can freeze: it stops passing bytes without closing anything, as a dead host does.
    let frozen = false;
    const sockets: Socket[] = [];
    const proxy = createServer((c) => {
      const up = connect(sshd.port, "127.0.0.1");
      sockets.push(c, up);
      c.on("data", (b) => frozen || up.write(b));
      up.on("data", (b) => frozen || c.write(b));
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    const port = await new Promise<number>((done) =>
      proxy.listen(0, "127.0.0.1", () => done((proxy.address() as { port: number }).port)),
    );
    const known = join(sshd.dir, "known_hosts_frozen");
    writeFileSync(known, `[127.0.0.1]:${port} ${sshd.hostKeyPub.split(" ").slice(0, 2).join(" ")}\n`);
    const t = await Ssh2Transport.open(target({ port, knownHostsFile: known }));
    expect((await t.exec("echo up")).stdout).toBe("up\n");
    frozen = true;
    const t0 = Date.now();
    const r = await t.exec("echo never", { timeoutMs: 1500 });
    expect(r.code).toBe(255);
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const t1 = Date.now();
    const again = await t.exec("echo never again", { timeoutMs: 60_000 });
    expect(again.code).toBe(255);
    expect(Date.now() - t1, "a lost connection answers at once").toBeLessThan(500);
    await t.close();
    // A fresh connection, then the peer freezes: close() does not wait for a goodbye that never comes.
    frozen = false;
    const t3 = await Ssh2Transport.open(target({ port, knownHostsFile: known }));
    expect((await t3.exec("echo up")).code).toBe(0);
    frozen = true;
    const t4 = Date.now();
    await t3.close();
    expect(Date.now() - t4, "close() gives up on a silent peer").toBeLessThan(4000);
    for (const x of sockets) x.destroy();
    proxy.close();
  });
});
