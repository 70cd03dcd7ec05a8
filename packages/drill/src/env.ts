import { OarHaError, hostsWithRole, type Cluster, type Secrets } from "@oar-ha/core";
import { isRunning as hostRunning, labHost, type LabSpec } from "@oar-ha/lab";
import type { Transport } from "@oar-ha/remote";
import type { Target } from "./catalogue.js";

/* What a drill run works with (the caller opens it), and the small helpers every part of a run shares. */

export interface DrillEnv {
  readonly cluster: Cluster;
  readonly secrets: Secrets;
  /** Open transports by host; the runner replaces those of hosts that crashed. */
  readonly transports: Map<string, Transport>;
  readonly target: Target;
  /** The lab (its spec, loaded once by the caller: `loadLab(root)`) when target is "lab". */
  readonly lab?: LabSpec;
  /** Brings every server back into the cluster (oar-ha apply): starts what a crash stopped. */
  readonly rejoin: () => Promise<void>;
  /** A normal OAR user present on the frontend and compute nodes (root and oar may not submit). */
  readonly user: string;
  readonly log?: (m: string) => void;
}

export const isRunning = (l: LabSpec, name: string): boolean => hostRunning(l, labHost(l, name));
export const now = () => Date.now() / 1000;

export function must(env: DrillEnv, host: string): Transport {
  const t = env.transports.get(host);
  if (!t) throw new OarHaError("OARHA110", `no connection to ${host}`);
  return t;
}

/** The frontend the workload runs on. */
export const frontend = (c: Cluster): string => {
  const f = hostsWithRole(c, "frontend")[0]?.name;
  if (!f)
    throw new OarHaError("OARHA910", "the drill needs a frontend host (roles: [frontend]) to run its workload from");
  return f;
};
