import { loadCluster, generateSecrets } from "@oar-ha/core";
import { renderCluster } from "@oar-ha/cli";
import fs from "node:fs"; import crypto from "node:crypto";
const r = loadCluster(fs.readFileSync(process.argv[2], "utf8"));
if (!r.cluster) { console.log(r.issues); process.exit(1); }
let i = 0; const rnd = (n) => { const b = new Uint8Array(n); for (let k = 0; k < n; k++) b[k] = (i++ * 97 + 13) & 255; return b; };
const s = generateSecrets(rnd); s.fencing = { "srv-a": "pw-a", "srv-b": "pw-b" };
const out = renderCluster(r.cluster, s);
fs.rmSync("/tmp/render", { recursive: true, force: true });
for (const f of out.files) { const p = `/tmp/render/${f.host}${f.path}`; fs.mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true }); fs.writeFileSync(p, f.encoding === "base64" ? Buffer.from(f.content, "base64") : f.content); }
console.log(out.files.map(f => `${f.host} ${f.path} ${f.mode}`).join("\n"));
