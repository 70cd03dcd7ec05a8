import type { Cluster } from "../schema/cluster.js";
import { oarServers } from "../model/derive.js";
import type { RenderedFile } from "../render/rendered-file.js";
import { marker, renderTemplate } from "../render/template.js";
import ctlTpl from "../templates/oar-server-ctl.hbs";

export const OAR_SERVER_CTL = "/usr/lib/oar-ha/oar-server-ctl";

/** The OAR server control script both cluster managers call (start/stop/monitor/status). */
export function renderOarServerControl(c: Cluster): RenderedFile[] {
  const content = renderTemplate(ctlTpl, { marker: marker("#"), port: c.oar.serverPort, oarVersion: c.oar.version });
  return oarServers(c).map((n) => ({ host: n.name, path: OAR_SERVER_CTL, mode: "0755", owner: "root:root", content }));
}
