import { defineCommand } from "citty";
import { hasErrors, loadCluster, secretsRules, serializeSecrets } from "@oar-ha/core";
import { defaultSecretsPath, exists, loadSecrets, writeFileAtomic } from "../io/files.js";
import { EXIT, printIssues, summary } from "../io/output.js";
import { clusterFromAnswers, clusterYaml, type Answers } from "./init-answers.js";
import { ask } from "./init-prompts.js";

export default defineCommand({
  meta: {
    name: "init",
    description: "Write a new cluster file (prompts for what flags do not give) and its secrets file",
  },
  args: {
    out: { type: "string", description: "Cluster file to write", default: "oar-ha.yaml" },
    name: { type: "string", description: "Cluster name, e.g. oar-prod" },
    topology: { type: "string", description: "two-node | four-node" },
    manager: { type: "string", description: "pacemaker | heartbeat (default pacemaker)" },
    db: { type: "string", description: "postgresql | mysql | mariadb" },
    nodes: { type: "string", description: "Servers: srv-a=10.0.0.11,srv-b=10.0.0.12 (four-node: 2 OAR then 2 DB)" },
    "oar-vip": { type: "string", description: "OAR VIP: 10.0.0.100/24=oar.example.org" },
    "db-vip": { type: "string", description: "DB VIP (four-node): 10.0.0.101/24=oardb.example.org" },
    storage: {
      type: "string",
      description: "drbd-lvm:VG:SIZE | drbd-loop:SIZE | drbd-partition:DEV | shared:DEV | shared-bind:DIR",
    },
    fencing: { type: "string", description: "ipmi:srv-a=BMC,srv-b=BMC | sbd:DEV | lab:ADDRESS | none" },
    interface: {
      type: "string",
      description: "Interface of the servers' main address, carrying the VIPs (default eth0)",
    },
    secondary: {
      type: "string",
      description: "The servers' second link (ring 1, DRBD): srv-a=10.1.0.11,srv-b=10.1.0.12",
    },
    "secondary-interface": { type: "string", description: "Interface of the second link (default eth1)" },
    "ipmi-user": {
      type: "string",
      description: "BMC user for ipmi fencing (default admin; passwords are asked hidden on a terminal)",
    },
    hosts: {
      type: "string",
      description:
        "Other hosts NAME=ADDRESS[:ROLE+ROLE] (roles: frontend (default), api, compute, witness), e.g. front=10.0.0.20,node1=10.0.0.31:compute",
    },
    "accept-risk": {
      type: "boolean",
      description: "With --fencing none: you know a server that only seems dead may corrupt the database (no fencing)",
    },
    yes: { type: "boolean", description: "Never prompt: fail when an answer is missing" },
    force: { type: "boolean", description: "Overwrite an existing cluster file" },
  },
  async run({ args }) {
    const out = args.out;
    if ((await exists(out)) && !args.force) {
      process.stderr.write(
        `error OARHA902 ${out} already exists: nothing written\n  fix: add --force to overwrite it, or choose another --out\n`,
      );
      return EXIT.refused;
    }
    const given: Partial<Answers> = {
      ...(args.name ? { name: args.name } : {}),
      ...(args.topology ? { topology: args.topology as Answers["topology"] } : {}),
      ...(args.manager ? { manager: args.manager as Answers["manager"] } : {}),
      ...(args.db ? { db: args.db as Answers["db"] } : {}),
      ...(args.nodes ? { nodes: args.nodes } : {}),
      ...(args["oar-vip"] ? { oarVip: args["oar-vip"] } : {}),
      ...(args["db-vip"] ? { dbVip: args["db-vip"] } : {}),
      ...(args.storage ? { storage: args.storage } : {}),
      ...(args.fencing ? { fencing: args.fencing } : {}),
      ...(args.hosts ? { hosts: args.hosts } : {}),
      ...(args.interface ? { interface: args.interface } : {}),
      ...(args.secondary ? { secondary: args.secondary } : {}),
      ...(args["secondary-interface"] ? { secondaryInterface: args["secondary-interface"] } : {}),
      ...(args["ipmi-user"] ? { ipmiUser: args["ipmi-user"] } : {}),
      ...(args["accept-risk"] ? { acceptRisk: true } : {}),
    };
    const interactive = !args.yes && process.stdin.isTTY === true && process.stderr.isTTY === true;
    // Pacemaker is the default manager: asked on a terminal (pre-selected), taken without one.
    const asked = await ask(interactive || given.manager ? given : { ...given, manager: "pacemaker" }, interactive);
    if (!asked) return EXIT.usage;
    const text = clusterYaml(clusterFromAnswers(asked.answers));
    const r = loadCluster(text, out);
    if (hasErrors(r.issues)) {
      printIssues(r.issues);
      process.stderr.write(`these answers do not make a valid cluster (${summary(r.issues)}): nothing written\n`);
      return EXIT.invalid;
    }
    const secretsFile = defaultSecretsPath(out);
    const s = await loadSecrets(secretsFile, true);
    if (hasErrors(s.issues) || !s.secrets) {
      printIssues(s.issues);
      process.stderr.write(`the secrets file next to ${out} cannot be used: nothing written\n`);
      return EXIT.invalid;
    }
    const typed = Object.keys(asked.bmcPasswords).length > 0;
    const secrets = typed ? { ...s.secrets, fencing: { ...s.secrets.fencing, ...asked.bmcPasswords } } : s.secrets;
    await writeFileAtomic(out, text, 0o644);
    if (typed) await writeFileAtomic(secretsFile, serializeSecrets(secrets), 0o600);
    else await s.save?.();
    printIssues(r.issues);
    const secretsNote = s.created
      ? ` and ${secretsFile} (mode 0600, never commit it)`
      : typed
        ? ` and the BMC passwords into ${secretsFile}`
        : ` (kept the existing ${secretsFile})`;
    process.stderr.write(`wrote ${out}${secretsNote}\n`);
    // What validate would still refuse in the secrets (BMC passwords not given): said now, with the fix.
    const left = r.cluster ? secretsRules(r.cluster, secrets) : [];
    if (left.length) {
      printIssues(left.map((i) => ({ ...i, file: secretsFile })));
      process.stderr.write(`next: add what is missing to ${secretsFile}, then oar-ha validate ${out}\n`);
    } else process.stderr.write(`next: oar-ha validate ${out} && oar-ha render ${out} --out oar-ha-render\n`);
    return EXIT.ok;
  },
});
