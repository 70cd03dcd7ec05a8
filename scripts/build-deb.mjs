#!/usr/bin/env node
// Builds oar-ha_<version>_all.deb from the bundled program (npm run deb: build first).
// Usage: node scripts/build-deb.mjs [OUT_DIR]   (default: dist-deb). Prints the .deb's path.
//
// Contents: the bundle and the log-sync agent under /usr/lib/oar-ha, /usr/bin/oar-ha, the man
// page and bash completion generated from the command definitions, the docs. No native addon:
// ssh2's optional speed-ups are left out (it falls back to its JavaScript code), so the package
// is Architecture: all. Depends on Debian's nodejs >= 20.12 (the bundle's engines field):
// Debian 12 ships 18.19/18.20, so on Debian 12 Node 20 comes from NodeSource or backports;
// Debian 13 ships 20.19.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const repo = join(dirname(new URL(import.meta.url).pathname), "..");
const out = process.argv[2] ?? join(repo, "dist-deb");
const pkg = JSON.parse(readFileSync(join(repo, "apps/installer/package.json"), "utf8"));
const version = pkg.version;
const minNode = /^>=\s*([\d.]+)$/.exec(pkg.engines?.node ?? "")?.[1];
if (!minNode) throw new Error(`apps/installer/package.json: engines.node must be ">=X.Y" (it is ${pkg.engines?.node})`);
const dist = join(repo, "apps/installer/dist");
for (const f of ["oar-ha.js", "oar-ha-log-sync.js"]) statSync(join(dist, f)); // built first (npm run build)
const { manPage, bashCompletion } = await import(join(repo, "packages/cli/dist/index.js"));

const root = mkdtempSync(join(tmpdir(), "oar-ha-deb-"));
const put = (path, content, mode = 0o644) => {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
};
// gzip -9n: no name, no time stamp (reproducible, as lintian asks).
const gz = (text) => gzipSync(Buffer.from(text), { level: 9 });
const changelogDate = execFileSync("git", ["-C", repo, "log", "-1", "--format=%aD"], { encoding: "utf8" }).trim();

put("usr/lib/oar-ha/oar-ha.js", readFileSync(join(dist, "oar-ha.js")), 0o755);
put("usr/lib/oar-ha/oar-ha-log-sync.js", readFileSync(join(dist, "oar-ha-log-sync.js")), 0o755);
mkdirSync(join(root, "usr/bin"), { recursive: true });
symlinkSync("../lib/oar-ha/oar-ha.js", join(root, "usr/bin/oar-ha"));
put("usr/share/man/man1/oar-ha.1.gz", gz(await manPage(version)));
put("usr/share/bash-completion/completions/oar-ha", await bashCompletion());
put("usr/share/doc/oar-ha/README.md", readFileSync(join(repo, "README.md")));
put(
  "usr/share/doc/oar-ha/copyright",
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: oar-ha
Source: ${pkg.repository?.url?.replace(/^git\+/, "").replace(/\.git$/, "") ?? "https://github.com/oar-team/oar-ha"}

Files: *
Copyright: 2026 the oar-ha authors
License: MIT

License: MIT
${readFileSync(join(repo, "LICENSE"), "utf8")
  .trim()
  .split("\n")
  .map((l) => (l.trim() === "" ? " ." : ` ${l}`))
  .join("\n")}
`,
);
put(
  "usr/share/doc/oar-ha/changelog.gz",
  gz(
    `oar-ha (${version}) unstable; urgency=medium\n\n  * oar-ha ${version}: see the project's CHANGELOG and .changeset/.\n\n -- oar-ha maintainers <oar-ha@lists.example.org>  ${changelogDate}\n`,
  ),
);

const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) files.push(p);
  }
};
walk(join(root, "usr"));
const md5 = files
  .map((p) => `${createHash("md5").update(readFileSync(p)).digest("hex")}  ${relative(root, p)}`)
  .join("\n");
const sizeKiB = Math.ceil(files.reduce((n, p) => n + statSync(p).size, 0) / 1024);
put("DEBIAN/md5sums", `${md5}\n`);
put(
  "DEBIAN/control",
  `Package: oar-ha
Version: ${version}
Architecture: all
Maintainer: oar-ha maintainers <oar-ha@lists.example.org>
Installed-Size: ${sizeKiB}
Depends: nodejs (>= ${minNode})
Recommends: openssh-client
Section: admin
Priority: optional
Homepage: ${pkg.homepage ?? "https://github.com/oar-team/oar-ha"}
Description: high availability for the OAR batch scheduler
 oar-ha turns a short cluster file into an active/passive OAR cluster over
 SSH: the OAR server and its database (PostgreSQL or MariaDB) on two or four
 servers, the database on DRBD or shared storage, Pacemaker/Corosync or
 Heartbeat, a floating address per service group. It proves the result by
 breaking it (failure drills) and measures what DRBD costs (bench).
`,
);
for (const d of ["", "DEBIAN"]) chmodSync(join(root, d), 0o755);
execFileSync("find", [root, "-type", "d", "-exec", "chmod", "0755", "{}", "+"]);
mkdirSync(out, { recursive: true });
const deb = join(out, `oar-ha_${version}_all.deb`);
execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", root, deb], {
  stdio: ["ignore", "ignore", "inherit"],
});
rmSync(root, { recursive: true, force: true });
process.stdout.write(`${deb}\n`);
