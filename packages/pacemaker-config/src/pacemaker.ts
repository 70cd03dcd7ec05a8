import {
  OAR_SERVER_CTL,
  corosyncConsensus,
  marker,
  oarServers,
  renderTemplate,
  witness,
  type Cluster,
  type RenderedFile,
  type Secrets,
} from "@oar-ha/core";
import { OAR_SERVER_TIMEOUTS, cibModel } from "./cib-model.js";
import { renderCibXml, renderCrm } from "./cib-render.js";
import corosyncTpl from "./templates/corosync.conf.hbs";
import ocfTpl from "./templates/ocf-oar-server.hbs";
import sbdTpl from "./templates/sbd-default.hbs";

export const OCF_AGENT_PATH = "/usr/lib/ocf/resource.d/oar-ha/oar-server";
export const CIB_CRM_PATH = "/etc/oar-ha/cib.crm";
export const CIB_XML_PATH = "/etc/oar-ha/cib.xml";

export function renderCorosyncConf(c: Cluster): string {
  const w = witness(c);
  const twoNode = c.corosync.twoNode ?? (c.nodes.length === 2 && !w);
  const secondary = c.nodes.every((n) => n.secondary);
  return renderTemplate(corosyncTpl, {
    marker: marker("#"),
    cluster: c.cluster,
    token: c.corosync.token,
    consensus: corosyncConsensus(c),
    // knet uses the highest-priority link that is up; the main network is preferred.
    links: secondary
      ? [
          { number: 0, priority: 2 },
          { number: 1, priority: 1 },
        ]
      : [],
    nodes: c.nodes.map((n, i) => ({
      name: n.name,
      nodeid: i + 1,
      rings: [
        { number: 0, address: n.address },
        ...(secondary && n.secondary ? [{ number: 1, address: n.secondary.address }] : []),
      ],
    })),
    twoNode,
    // ffsplit: in an even split the witness gives its vote to exactly one side.
    witness: w ? { address: w.address, algorithm: "ffsplit" } : false,
  });
}

/** Corosync, Pacemaker and fencing files for every server (and nothing for other hosts). */
export function renderPacemakerFiles(c: Cluster, secrets: Secrets): RenderedFile[] {
  if (c.manager !== "pacemaker") return [];
  const model = cibModel(c, secrets);
  const sensitive = model.stonith.some((p) => p.sensitive);
  const corosync = renderCorosyncConf(c);
  const crm = renderCrm(c, model);
  const xml = renderCibXml(c, model);
  const cibMode = sensitive ? "0600" : "0640";
  const out: RenderedFile[] = [];
  for (const n of c.nodes) {
    out.push(
      { host: n.name, path: "/etc/corosync/corosync.conf", mode: "0644", owner: "root:root", content: corosync },
      // corosync reads the key as raw bytes: no marker possible in this file.
      {
        host: n.name,
        path: "/etc/corosync/authkey",
        mode: "0400",
        owner: "root:root",
        content: secrets.corosyncAuthkey,
        encoding: "base64",
        sensitive: true,
      },
      {
        host: n.name,
        path: CIB_CRM_PATH,
        mode: cibMode,
        owner: "root:root",
        content: crm,
        ...(sensitive ? { sensitive } : {}),
      },
      {
        host: n.name,
        path: CIB_XML_PATH,
        mode: cibMode,
        owner: "root:root",
        content: xml,
        ...(sensitive ? { sensitive } : {}),
      },
    );
    if (c.fencing.kind === "sbd") {
      out.push({
        host: n.name,
        path: "/etc/default/sbd",
        mode: "0644",
        owner: "root:root",
        content: renderTemplate(sbdTpl, {
          marker: marker("#"),
          cluster: c.cluster,
          devices: c.fencing.devices.join(";"),
          watchdog: c.fencing.watchdog,
        }),
      });
    }
  }
  const ocf = renderTemplate(ocfTpl, {
    marker: marker("#"),
    ctl: OAR_SERVER_CTL,
    closeBrace: "}",
    timeouts: OAR_SERVER_TIMEOUTS,
  });
  for (const n of oarServers(c))
    out.push({ host: n.name, path: OCF_AGENT_PATH, mode: "0755", owner: "root:root", content: ocf });
  return out;
}
