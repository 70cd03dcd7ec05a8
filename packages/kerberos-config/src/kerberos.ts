import {
  dbVip,
  hostsWithRole,
  marker,
  pgKeytab,
  renderTemplate,
  serviceGroups,
  splitCidr,
  type Cluster,
  type RenderedFile,
} from "@oar-ha/core";
import krb5Tpl from "./templates/krb5-dropin.hbs";
import sshdTpl from "./templates/sshd-dropin.hbs";
import sshTpl from "./templates/ssh-client-dropin.hbs";

/*
 * Kerberos around the cluster (pure): which principals each server must hold, and the
 * krb5.conf and ssh pieces for the VIP names. The keytab itself and the VIP host key are
 * installed by @oar-ha/remote (they are secrets made or exported elsewhere).
 */

export const KRB = {
  keytab: "/etc/krb5.keytab",
  krb5Conf: "/etc/krb5.conf",
  krb5Dropin: "/etc/krb5.conf.d/oar-ha.conf",
  sshdDropin: "/etc/ssh/sshd_config.d/oar-ha-kerberos.conf",
  sshDropin: "/etc/ssh/ssh_config.d/oar-ha-kerberos.conf",
  /** The VIP's host key, identical on both servers. */
  vipHostKey: "/etc/ssh/oar-ha/ssh_host_vip_ecdsa384_key",
  globalKnownHosts: "/etc/ssh/ssh_known_hosts",
  /** HTTP/<VIP name> for the OAR API behind Apache (mod_auth_gssapi reads it as www-data). */
  httpKeytab: "/etc/apache2/oar-ha-http.keytab",
  /** The servers' own host keys, as Debian's sshd would load them by default. */
  ownHostKeys: ["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key"],
} as const;

export interface WantedPrincipal {
  readonly principal: string;
  readonly service: "host" | "HTTP" | "postgres";
  readonly vipName: string;
}

/** The VIP principals `host` must hold (empty without a kerberos section, or for hosts outside the groups). */
export function principalsFor(c: Cluster, host: string): WantedPrincipal[] {
  const k = c.kerberos;
  if (!k) return [];
  const out: WantedPrincipal[] = [];
  for (const s of k.services) {
    const vipName = s.vip === "db" ? dbVip(c).hostname : c.vips.oar.hostname;
    const carriers = serviceGroups(c)
      .filter((g) => (s.vip === "db" ? g.runsDb : g.runsOar))
      .flatMap((g) => g.nodes.map((n) => n.name));
    if (carriers.includes(host))
      out.push({ principal: `${s.service}/${vipName}@${k.realm}`, service: s.service, vipName });
  }
  return out;
}

/** A keytab file on a server and the VIP principals it must hold (merged with what it already has). */
export interface KeytabTarget {
  readonly path: string;
  /** user:group of the file; the mode is always 0600 (only that user reads it). */
  readonly owner: string;
  readonly principals: readonly string[];
}

/**
 * Where each VIP principal lives on `host`: the host service in /etc/krb5.keytab (root, next to
 * the server's own keys, for sshd), postgres in PostgreSQL's own keytab and HTTP in Apache's
 * (the postgres and www-data users cannot read /etc/krb5.keytab, and must not).
 */
export function keytabTargets(c: Cluster, host: string): KeytabTarget[] {
  const wanted = principalsFor(c, host);
  const of = (service: WantedPrincipal["service"]) =>
    wanted.filter((p) => p.service === service).map((p) => p.principal);
  const targets: KeytabTarget[] = [
    { path: KRB.keytab, owner: "root:root", principals: of("host") },
    { path: pgKeytab(c), owner: "postgres:postgres", principals: of("postgres") },
    { path: KRB.httpKeytab, owner: "www-data:www-data", principals: of("HTTP") },
  ];
  return targets.filter((t) => t.principals.length > 0);
}

/** Every server that holds a VIP principal. */
export const kerberosServers = (c: Cluster): string[] =>
  c.nodes.map((n) => n.name).filter((h) => principalsFor(c, h).length > 0);

/** Servers that accept `ssh -K` to the OAR VIP name. */
export const sshServers = (c: Cluster): string[] =>
  c.nodes.map((n) => n.name).filter((h) => principalsFor(c, h).some((p) => p.service === "host"));

export function renderKerberosFiles(c: Cluster): RenderedFile[] {
  const k = c.kerberos;
  if (!k) return [];
  const out: RenderedFile[] = [];
  const names = [...new Set([c.vips.oar.hostname, dbVip(c).hostname])];
  const clients = hostsWithRole(c, "frontend").map((h) => h.name);
  const krb5 = (acceptor: boolean) =>
    renderTemplate(krb5Tpl, {
      marker: marker("#"),
      realm: k.realm,
      kdc: k.kdc,
      adminServer: k.adminServer ?? k.kdc[0],
      reverseDns: k.reverseDns,
      acceptor,
      names,
    });
  const ssh = sshServers(c);
  for (const h of [...kerberosServers(c), ...clients]) {
    const server = !clients.includes(h);
    out.push(
      { host: h, path: KRB.krb5Dropin, mode: "0644", owner: "root:root", content: krb5(server) },
      {
        host: h,
        path: KRB.krb5Conf,
        mode: "0644",
        owner: "root:root",
        content:
          "# added by oar-ha: its settings (krb5.conf.d/oar-ha.conf) come first and win\nincludedir /etc/krb5.conf.d/\n",
        merge: "leading-lines",
        after: [KRB.krb5Dropin],
      },
    );
    if (server && ssh.includes(h)) {
      const principal = principalsFor(c, h).find((p) => p.service === "host")!;
      out.push({
        host: h,
        path: KRB.sshdDropin,
        mode: "0644",
        owner: "root:root",
        content: renderTemplate(sshdTpl, {
          marker: marker("#"),
          vipName: principal.vipName,
          principal: principal.principal,
          hostKeys: [...KRB.ownHostKeys, KRB.vipHostKey],
        }),
      });
    }
    if (!server && ssh.length) {
      out.push({
        host: h,
        path: KRB.sshDropin,
        mode: "0644",
        owner: "root:root",
        content: renderTemplate(sshTpl, {
          marker: marker("#"),
          vipName: c.vips.oar.hostname,
          vipAddress: splitCidr(c.vips.oar.address).address,
        }),
      });
    }
  }
  return out;
}

/** The line the clients' /etc/ssh/ssh_known_hosts holds for the OAR VIP (`pub`: "ecdsa-sha2-nistp384 AAAA..."). */
export function vipKnownHostsLine(c: Cluster, pub: string): string {
  return `${c.vips.oar.hostname},${splitCidr(c.vips.oar.address).address} ${pub.trim().split(/\s+/).slice(0, 2).join(" ")}`;
}
