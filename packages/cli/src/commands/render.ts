import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { defineCommand } from "citty";
import { hasErrors, type RenderedFile } from "@oar-ha/core";
import { exists, readText, writeFileAtomic } from "../io/files.js";
import { loadAll } from "../io/load.js";
import { EXIT, json, printIssues, summary } from "../io/output.js";
import { renderCluster } from "../render-cluster.js";

const MANIFEST = "oar-ha-render.json";

const sha256 = (f: RenderedFile): string =>
  createHash("sha256")
    .update(f.encoding === "base64" ? Buffer.from(f.content, "base64") : Buffer.from(f.content, "utf8"))
    .digest("hex");

/** Metadata only: a manifest never carries file content (some files hold secrets). */
function manifest(files: readonly RenderedFile[], services: unknown) {
  return {
    files: files.map((f) => ({
      host: f.host,
      path: f.path,
      mode: f.mode,
      owner: f.owner,
      sha256: sha256(f),
      ...(f.merge ? { merge: f.merge } : {}),
      ...(f.sensitive ? { sensitive: true } : {}),
    })),
    services,
  };
}

export default defineCommand({
  meta: {
    name: "render",
    description: "Write every host's configuration files into a local directory tree (no host is touched)",
  },
  args: {
    file: { type: "positional", description: "Cluster file", default: "oar-ha.yaml", required: false },
    out: { type: "string", description: "Output directory: one sub-directory per host", default: "oar-ha-render" },
    secrets: { type: "string", description: "Secrets file (created once, mode 0600, when missing)" },
    force: { type: "boolean", description: "Replace an earlier render in --out" },
    json: {
      type: "boolean",
      description: "Print the manifest (hosts, paths, modes, digests; never content) on stdout",
    },
  },
  async run({ args }) {
    const r = await loadAll(args.file, args.secrets, true);
    if (!r.cluster || !r.secrets || hasErrors(r.issues)) {
      printIssues(r.issues);
      process.stderr.write(`${args.file}: invalid (${summary(r.issues)}); nothing written\n`);
      return EXIT.invalid;
    }
    const warnings = r.issues;
    const out = args.out;
    if (await exists(out)) {
      const entries = await readdir(out);
      if (entries.length > 0) {
        if (!entries.includes(MANIFEST)) {
          process.stderr.write(
            `error OARHA902 ${out} exists, is not empty and is not an oar-ha render: nothing written\n  fix: choose another --out directory\n`,
          );
          return EXIT.refused;
        }
        if (!args.force) {
          process.stderr.write(
            `error OARHA902 ${out} holds an earlier render: nothing written\n  fix: add --force to replace it, or choose another --out\n`,
          );
          return EXIT.refused;
        }
        // Only what an earlier render wrote: its manifest names the host directories.
        const old = JSON.parse(await readText(join(out, MANIFEST), "render manifest")) as {
          files?: { host: string }[];
        };
        for (const host of new Set((old.files ?? []).map((f) => f.host)))
          await rm(join(out, host), { recursive: true, force: true });
      }
    }
    await r.saveSecrets?.();
    const { files, services } = renderCluster(r.cluster, r.secrets);
    for (const f of files) {
      const mode = Number.parseInt(f.mode, 8) & (f.sensitive ? 0o700 : 0o777);
      const bytes = f.encoding === "base64" ? Buffer.from(f.content, "base64") : f.content;
      await writeFileAtomic(join(out, f.host, f.path), bytes, mode);
    }
    const m = manifest(files, services);
    await writeFileAtomic(join(out, MANIFEST), JSON.stringify(m, null, 2) + "\n", 0o644);
    if (warnings.length) printIssues(warnings);
    if (r.secretsCreated) process.stderr.write(`created ${r.secretsFile} (mode 0600): keep it safe, never commit it\n`);
    if (r.secretsAdded.length)
      process.stderr.write(`added generated ${r.secretsAdded.join(", ")} to ${r.secretsFile} (mode 0600)\n`);
    if (args.json) json(m);
    else {
      const hosts = new Set(files.map((f) => f.host));
      process.stderr.write(
        `wrote ${files.length} files for ${hosts.size} hosts under ${out}/ (${summary(warnings)})\n`,
      );
    }
    return EXIT.ok;
  },
});
