import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleCluster, fourNode } from "@oar-ha/core/testing";
import { mergeLeadingLines, type ClusterInput } from "@oar-ha/core";
import { KRB, keytabTargets, principalsFor, renderKerberosFiles, vipKnownHostsLine } from "../src/kerberos.js";
import { run, tempDir, writeTree } from "../../../tooling/real-tools.js";

const c = exampleCluster((x) => ({
  ...x,
  kerberos: {
    realm: "EXAMPLE.ORG",
    kdc: ["kdc1.example.org", "kdc2.example.org"],
    services: [{ service: "host", vip: "oar" }],
    keytab: "/root/oar.keytab",
  },
}));
const files = renderKerberosFiles(c);
const on = (h: string, p: string) => files.find((f) => f.host === h && f.path === p);

describe("Kerberos files", () => {
  it("both servers hold host/<VIP name>; the frontend gets the client side only", () => {
    expect(principalsFor(c, "srv-a").map((p) => p.principal)).toEqual(["host/oar.example.org@EXAMPLE.ORG"]);
    expect(principalsFor(c, "srv-b").map((p) => p.principal)).toEqual(["host/oar.example.org@EXAMPLE.ORG"]);
    expect(principalsFor(c, "front")).toEqual([]);
    expect(on("srv-a", KRB.sshdDropin)).toBeDefined();
    expect(on("front", KRB.sshdDropin)).toBeUndefined();
    expect(on("front", KRB.sshDropin)).toBeDefined();
    expect(renderKerberosFiles(exampleCluster())).toEqual([]);
  });

  it("postgres/<DB VIP name> goes to PostgreSQL's own keytab (postgres only), never into /etc/krb5.keytab", () => {
    const both = (x: ClusterInput): ClusterInput => {
      const vip: "db" | "oar" = x.vips.db ? "db" : "oar";
      return {
        ...x,
        kerberos: {
          realm: "EXAMPLE.ORG",
          kdc: ["kdc1.example.org"],
          services: [
            { service: "host", vip: "oar" },
            { service: "postgres", vip },
          ],
          keytab: "/k",
        },
      };
    };
    const two = exampleCluster(both);
    expect(keytabTargets(two, "srv-a")).toEqual([
      { path: "/etc/krb5.keytab", owner: "root:root", principals: ["host/oar.example.org@EXAMPLE.ORG"] },
      {
        path: "/etc/postgresql/15/main/krb5.keytab",
        owner: "postgres:postgres",
        principals: ["postgres/oar.example.org@EXAMPLE.ORG"],
      },
    ]);
    expect(keytabTargets(two, "front")).toEqual([]);
    // HTTP/<VIP name> for the API: Apache's own keytab, read by www-data only.
    const api = exampleCluster((x) => ({
      ...both(x),
      kerberos: { ...both(x).kerberos!, services: [{ service: "HTTP", vip: "oar" }] },
    }));
    expect(keytabTargets(api, "srv-b")).toEqual([
      {
        path: "/etc/apache2/oar-ha-http.keytab",
        owner: "www-data:www-data",
        principals: ["HTTP/oar.example.org@EXAMPLE.ORG"],
      },
    ]);
    // Four nodes: the OAR pair holds host/, the DB pair postgres/ under the DB VIP's name.
    const four = exampleCluster((x) => both(fourNode(x)));
    const db = four.nodes.find((n) => n.roles.includes("db"))!.name;
    const oar = four.nodes.find((n) => n.roles.includes("oar"))!.name;
    expect(keytabTargets(four, oar).map((t) => t.path)).toEqual(["/etc/krb5.keytab"]);
    expect(keytabTargets(four, db)).toEqual([
      {
        path: "/etc/postgresql/15/main/krb5.keytab",
        owner: "postgres:postgres",
        principals: [`postgres/${four.vips.db!.hostname}@EXAMPLE.ORG`],
      },
    ]);
  });

  it("krb5.conf opens with the includedir (its settings win) and MIT's parser takes the drop-in", () => {
    expect(on("srv-a", KRB.krb5Conf)?.merge).toBe("leading-lines");
    expect(mergeLeadingLines("[libdefaults]\n\tdefault_realm = OTHER\n", on("srv-a", KRB.krb5Conf)!.content)).toBe(
      "# added by oar-ha: its settings (krb5.conf.d/oar-ha.conf) come first and win\nincludedir /etc/krb5.conf.d/\n[libdefaults]\n\tdefault_realm = OTHER\n",
    );
    const d = on("srv-a", KRB.krb5Dropin)!.content;
    for (const l of [
      "default_realm = EXAMPLE.ORG",
      "rdns = false",
      "dns_canonicalize_hostname = false",
      "ignore_acceptor_hostname = true",
      "kdc = kdc1.example.org",
      "kdc = kdc2.example.org",
      "admin_server = kdc1.example.org",
      "oar.example.org = EXAMPLE.ORG",
    ])
      expect(d).toContain(l);
    expect(on("front", KRB.krb5Dropin)!.content).not.toContain("ignore_acceptor_hostname");
    const dir = tempDir("krb5-");
    writeFileSync(join(dir, "oar-ha.conf"), d);
    writeFileSync(join(dir, "krb5.conf"), `include ${join(dir, "oar-ha.conf")}\n`);
    writeFileSync(join(dir, "bad.conf"), "[libdefaults\n");
    // klist reads the configuration before it looks for the keytab: a syntax error fails first.
    const good = run("klist", ["-k", join(dir, "none.keytab")], { env: { KRB5_CONFIG: join(dir, "krb5.conf") } });
    expect(good.stderr).toMatch(/not found|No such file/i);
    const bad = run("klist", ["-k", join(dir, "none.keytab")], { env: { KRB5_CONFIG: join(dir, "bad.conf") } });
    expect(bad.stderr).toMatch(/format|syntax|parsing/i);
    const reverse = renderKerberosFiles(
      exampleCluster((x) => ({
        ...x,
        kerberos: {
          realm: "EXAMPLE.ORG",
          kdc: ["kdc1.example.org"],
          services: [{ service: "host", vip: "oar" }],
          keytab: "/k",
          reverseDns: true,
        },
      })),
    );
    expect(reverse.find((f) => f.path === KRB.krb5Dropin)!.content).not.toContain("rdns");
  });

  it("sshd takes GSSAPI for the VIP name and the VIP host key next to its own (real sshd -T)", () => {
    const dir = tempDir("sshd-");
    const keys = [...KRB.ownHostKeys, KRB.vipHostKey];
    for (const i of keys.keys()) {
      const r = run("ssh-keygen", [
        "-q",
        "-t",
        i === 3 ? "ecdsa" : ["rsa", "ecdsa", "ed25519"][i]!,
        ...(i === 3 ? ["-b", "384"] : []),
        "-N",
        "",
        "-f",
        join(dir, `k${i}`),
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    let text = on("srv-a", KRB.sshdDropin)!.content;
    keys.forEach((k, i) => (text = text.replace(`HostKey ${k}\n`, `HostKey ${join(dir, `k${i}`)}\n`)));
    writeFileSync(join(dir, "sshd_config"), text);
    // sshd -T wants its privilege separation directory, which the ssh service makes at start (absent on a fresh machine).
    mkdirSync("/run/sshd", { recursive: true });
    const r = run("/usr/sbin/sshd", ["-T", "-f", join(dir, "sshd_config")]);
    expect(r.code, r.stderr).toBe(0);
    for (const l of [
      "gssapiauthentication yes",
      "gssapistrictacceptorcheck no",
      "gssapicleanupcredentials yes",
      `hostkey ${join(dir, "k3")}`,
      `hostkey ${join(dir, "k2")}`,
    ])
      expect(r.stdout).toContain(`${l}\n`);
  });

  it("the frontend's ssh asks the VIP for the shared key type, with GSSAPI and delegation (real ssh -G)", () => {
    const dir = writeTree(files);
    const r = run("ssh", ["-G", "-F", join(dir, "front", KRB.sshDropin), "oar.example.org"]);
    expect(r.code, r.stderr).toBe(0);
    for (const l of [
      "hostkeyalgorithms ecdsa-sha2-nistp384",
      "gssapiauthentication yes",
      "gssapidelegatecredentials yes",
    ])
      expect(r.stdout).toContain(`${l}\n`);
    expect(readFileSync(join(dir, "front", KRB.sshDropin), "utf8")).toContain("Host oar.example.org 10.0.0.100\n");
    expect(vipKnownHostsLine(c, "ecdsa-sha2-nistp384 AAAAE2Vj root@srv-a\n")).toBe(
      "oar.example.org,10.0.0.100 ecdsa-sha2-nistp384 AAAAE2Vj",
    );
  });
});
