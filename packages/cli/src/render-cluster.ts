import {
  bootPolicy,
  renderDatabaseFiles,
  renderOarFiles,
  renderOarServerControl,
  sortFiles,
  type Cluster,
  type RenderedFile,
  type Secrets,
  type ServicePolicy,
} from "@oar-ha/core";
import { renderDrbdFiles } from "@oar-ha/drbd-config";
import { renderHeartbeatFiles } from "@oar-ha/heartbeat-config";
import { renderPacemakerFiles } from "@oar-ha/pacemaker-config";
import { renderLogSyncFiles } from "@oar-ha/log-sync";
import { renderKerberosFiles } from "@oar-ha/kerberos-config";

export interface RenderResult {
  /** Every file for every host, sorted by host then path. */
  readonly files: readonly RenderedFile[];
  /** Services the cluster manager alone may start. */
  readonly services: readonly ServicePolicy[];
}

/** The whole cluster, rendered: pure, byte-identical for identical input. */
export function renderCluster(c: Cluster, secrets: Secrets): RenderResult {
  const files = [
    ...renderOarFiles(c, secrets),
    ...renderOarServerControl(c),
    ...renderDatabaseFiles(c, secrets),
    ...renderDrbdFiles(c, secrets),
    ...renderPacemakerFiles(c, secrets),
    ...renderHeartbeatFiles(c, secrets),
    ...renderLogSyncFiles(c),
    ...renderKerberosFiles(c),
  ];
  return { files: sortFiles(files), services: bootPolicy(c) };
}
