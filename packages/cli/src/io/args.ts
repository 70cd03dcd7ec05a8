/*
 * The arguments every command on a cluster shares, declared once: the cluster file and its
 * secrets file. A command spreads `clusterArgs` first and adds its own.
 */

export const clusterArgs = {
  file: { type: "positional", description: "Cluster file", default: "oar-ha.yaml", required: false },
  secrets: { type: "string", description: "Secrets file (default: <file>.secrets.yaml next to it)" },
} as const;

export const jsonArg = { json: { type: "boolean", description: "Machine-readable output" } } as const;
