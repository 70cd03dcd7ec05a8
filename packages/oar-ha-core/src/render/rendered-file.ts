/** One file for one host: what every generator returns. Pure data; writing it is someone else's job. */
export interface RenderedFile {
  /** Host name as in the cluster file (`nodes[].name` or `hosts[].name`). */
  readonly host: string;
  /** Absolute path on the host. */
  readonly path: string;
  /** Octal mode as a string, e.g. "0644". */
  readonly mode: string;
  /** "user:group" */
  readonly owner: string;
  readonly content: string;
  /** `base64`: content is binary, base64-encoded (key files). Default utf8. */
  readonly encoding?: "utf8" | "base64";
  /** Holds a secret: never print it, write it 0600 or tighter. */
  readonly sensitive?: boolean;
  /**
   * `shell-keys`: content is a set of KEY="value" lines to merge into the file the host
   * already has (package-owned files such as oar.conf); see `mergeShellKeys`.
   * `leading-lines`: content's lines must open the file, the rest stays (`mergeLeadingLines`).
   */
  readonly merge?: "shell-keys" | "leading-lines";
  /**
   * Paths on the same host that must be in place before this file is written: it includes
   * them (krb5.conf's `includedir` fails every Kerberos login on the host while the directory
   * is missing).
   */
  readonly after?: readonly string[];
}

/** Boot-time start policy for a service: the cluster manager alone may start it. */
export interface ServicePolicy {
  readonly host: string;
  readonly service: string;
  readonly boot: "disabled";
  readonly reason: string;
}

/** Stable order: by host, then path. Generators' outputs are concatenated then sorted. */
export function sortFiles(files: readonly RenderedFile[]): RenderedFile[] {
  return [...files].sort((a, b) =>
    a.host < b.host ? -1 : a.host > b.host ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}
