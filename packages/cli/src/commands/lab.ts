import { spawnSync } from "node:child_process";
import { defineCommand, type ArgsDef, type CommandDef } from "citty";
import { OarHaError, shq } from "@oar-ha/core";
import {
  DEFAULT_ROOT,
  addLoss,
  crash,
  dropTraffic,
  execIn,
  heal,
  killProcess,
  labDown,
  labHost,
  labStatus,
  labUp,
  loadLab,
  plugCable,
  powerOn,
  pullCable,
  type LabOptions,
} from "@oar-ha/lab";
import { EXIT, json } from "../io/output.js";

/*
 * `oar-ha lab ACTION`: one subcommand per action, each with only its own flags (so
 * `lab down --servers 4` is refused as an unknown option, not ignored).
 */

const text = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
};

const usage = (action: string, msg: string): never => {
  throw new OarHaError("OARHA901", `${msg}\n  fix: oar-ha lab ${action} --help`);
};

const log = (m: string) => process.stderr.write(`lab: ${m}\n`);

const root = { root: { type: "string", description: "Lab directory", default: DEFAULT_ROOT } } as const;
const host = (what: string) =>
  ({ host: { type: "positional", description: `Lab host ${what}`, required: true } }) as const;

const up = defineCommand({
  meta: { name: "up", description: "Bring up a lab: hosts, networks, keys, packages and its cluster file" },
  args: {
    ...root,
    servers: { type: "string", description: "2 or 4 HA servers", default: "2" },
    subnet: { type: "string", description: "Main lab network (/24)", default: "10.77.0.0/24" },
    "secondary-subnet": { type: "string", description: "The servers' second link (/24)", default: "10.78.0.0/24" },
    db: { type: "string", description: "postgresql | mysql | mariadb", default: "postgresql" },
    manager: { type: "string", description: "pacemaker | heartbeat", default: "pacemaker" },
    witness: {
      type: "boolean",
      description: "Pacemaker: the admin host is a corosync-qnetd quorum witness (--no-witness for none)",
      default: true,
    },
    kerberos: {
      type: "boolean",
      description: "A real MIT KDC on the admin host (realm LAB), host/oar.lab exported, a kerberos section",
    },
    drbd: {
      type: "string",
      description: "Real DRBD: the DB servers are qemu VMs, the database on DRBD over partition | lvm | loop",
    },
    "skip-install": { type: "boolean", description: "Never run apt-get (fail if a package is missing)" },
  },
  async run({ args }) {
    const servers = Number(args.servers);
    if (servers !== 2 && servers !== 4) usage("up", "--servers must be 2 or 4");
    if (!["postgresql", "mysql", "mariadb"].includes(args.db)) usage("up", "--db must be postgresql, mysql or mariadb");
    if (!["pacemaker", "heartbeat"].includes(args.manager)) usage("up", "--manager must be pacemaker or heartbeat");
    if (args.drbd !== undefined && !["partition", "lvm", "loop"].includes(args.drbd))
      usage("up", "--drbd must be partition, lvm or loop");
    const o: LabOptions = {
      root: args.root,
      servers: servers as 2 | 4,
      subnet: args.subnet,
      secondarySubnet: args["secondary-subnet"],
      database: args.db as LabOptions["database"],
      manager: args.manager as LabOptions["manager"],
      witness: args.manager === "pacemaker" && args.witness !== false,
      kerberos: args.kerberos === true,
      ...(args.drbd !== undefined ? { drbd: args.drbd as NonNullable<LabOptions["drbd"]> } : {}),
    };
    const r = await labUp({
      ...o,
      cli: [process.execPath, process.argv[1] ?? "oar-ha"],
      log,
      installPackages: args["skip-install"] !== true,
    });
    process.stderr.write(
      `lab up in ${r.seconds.toFixed(1)} s: ${r.spec.hosts.map((h) => `${h.name} ${h.address}`).join(", ")}\n` +
        `cluster file: ${r.paths.clusterFile} (secrets: ${r.paths.secretsFile})\n` +
        `ssh: ssh -F ${r.paths.sshConfig} srv-a\nnext: oar-ha validate ${r.paths.clusterFile}\n`,
    );
    return EXIT.ok;
  },
});

const down = defineCommand({
  meta: { name: "down", description: "Remove the lab under --root: hosts, VMs, links, namespaces" },
  args: { ...root, "keep-data": { type: "boolean", description: "Keep host disks, keys and the cluster file" } },
  async run({ args }) {
    await labDown(args.root, { log, keepData: args["keep-data"] === true });
    process.stderr.write("lab down: no namespace, process or link of the lab is left\n");
    return EXIT.ok;
  },
});

const status = defineCommand({
  meta: { name: "status", description: "Each lab host, its role, address and whether it runs (exit 1: one is off)" },
  args: { ...root, json: { type: "boolean", description: "Machine-readable output" } },
  run({ args }) {
    const st = labStatus(args.root);
    if (args.json) json(st);
    else
      for (const h of st.hosts)
        process.stdout.write(
          `${h.name.padEnd(8)} ${h.role.padEnd(9)} ${h.address.padEnd(15)} ${h.running ? "running" : "off"}\n`,
        );
    return st.hosts.every((h) => h.running) ? EXIT.ok : EXIT.invalid;
  },
});

const exec = defineCommand({
  meta: { name: "exec", description: "Run a command on a lab host: oar-ha lab exec HOST -- COMMAND [ARGS...]" },
  args: {
    ...host("to run on"),
    ...root,
    stdin: { type: "boolean", description: "Hand this command's standard input to the host's command" },
  },
  async run({ args, rawArgs }) {
    const dd = rawArgs.indexOf("--");
    const cmd = dd < 0 ? [] : rawArgs.slice(dd + 1);
    if (cmd.length === 0) usage("exec", "lab exec HOST -- COMMAND [ARGS...]");
    const s = loadLab(args.root);
    const input = args.stdin ? await text(process.stdin) : undefined;
    const r = await execIn(s, labHost(s, args.host), cmd.map(shq).join(" "), {
      check: false,
      timeoutMs: 3_600_000,
      ...(input === undefined ? {} : { input }),
    });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code ?? 1;
  },
});

const ssh = defineCommand({
  meta: { name: "ssh", description: "An interactive shell on a lab host (ssh with the lab's config)" },
  args: { ...host("to log in to"), ...root },
  run({ args }) {
    const st = labStatus(args.root);
    return spawnSync("ssh", ["-F", st.paths.sshConfig, args.host], { stdio: "inherit" }).status ?? 1;
  },
});

const crashCmd = defineCommand({
  meta: { name: "crash", description: "Hard power-off of a lab host (a VM's qemu killed, a namespace's processes)" },
  args: { ...host("to power off"), ...root },
  async run({ args }) {
    await crash(loadLab(args.root), args.host);
    return EXIT.ok;
  },
});

const powerOnCmd = defineCommand({
  meta: { name: "power-on", description: "Boot a lab host that is off, on the same disks" },
  args: {
    ...host("to boot"),
    ...root,
    wait: {
      type: "boolean",
      description: "Wait until the host's sshd answers (--no-wait returns once it runs, as virsh start does)",
      default: true,
    },
  },
  async run({ args }) {
    await powerOn(loadLab(args.root), args.host, { wait: args.wait !== false });
    return EXIT.ok;
  },
});

const powerState = defineCommand({
  meta: { name: "power-state", description: "Print on or off for a lab host" },
  args: { ...host("to look at"), ...root },
  run({ args }) {
    const st = labStatus(args.root).hosts.find((h) => h.name === args.host);
    if (!st) return usage("power-state", `no lab host ${args.host}`);
    process.stdout.write(`${st.running ? "on" : "off"}\n`);
    return EXIT.ok;
  },
});

const cable = defineCommand({
  meta: { name: "cable", description: "Pull (down) or plug (up) a lab host's network cable" },
  args: {
    ...host("whose cable"),
    state: { type: "positional", description: "up | down", required: true },
    ...root,
    link: { type: "string", description: "0 (main) or 1 (second link)", default: "0" },
  },
  async run({ args }) {
    const link = Number(args.link);
    if (link !== 0 && link !== 1) usage("cable", "--link must be 0 or 1");
    if (args.state !== "up" && args.state !== "down") usage("cable", "lab cable HOST up|down [--link 0|1]");
    const s = loadLab(args.root);
    await (args.state === "down" ? pullCable(s, args.host, link) : plugCable(s, args.host, link));
    return EXIT.ok;
  },
});

const drop = defineCommand({
  meta: { name: "drop", description: "Drop a lab host's traffic on its network cards (never loopback) until heal" },
  args: {
    ...host("whose traffic"),
    ...root,
    port: { type: "string", description: "Only this port" },
    peer: { type: "string", description: "Only to and from this address" },
    proto: { type: "string", description: "tcp | udp (default both)" },
  },
  async run({ args }) {
    if (args.proto !== undefined && args.proto !== "tcp" && args.proto !== "udp")
      usage("drop", "--proto must be tcp or udp");
    const port = args.port === undefined ? undefined : Number(args.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
      usage("drop", `--port must be a port number (got ${args.port})`);
    await dropTraffic(loadLab(args.root), args.host, {
      ...(port !== undefined ? { port } : {}),
      ...(args.peer ? { peer: args.peer } : {}),
      ...(args.proto === "tcp" || args.proto === "udp" ? { proto: args.proto } : {}),
    });
    return EXIT.ok;
  },
});

const loss = defineCommand({
  meta: { name: "loss", description: "Lose a share of a lab host's packets on its network cards until heal" },
  args: {
    ...host("whose packets"),
    percent: { type: "positional", description: "Percent of packets lost (1 to 100)", required: true },
    ...root,
  },
  async run({ args }) {
    const pct = Number(args.percent);
    if (!(pct > 0 && pct <= 100)) usage("loss", `PERCENT must be from 1 to 100 (got ${args.percent})`);
    await addLoss(loadLab(args.root), args.host, pct);
    return EXIT.ok;
  },
});

const healCmd = defineCommand({
  meta: { name: "heal", description: "Undo drop and loss on a lab host" },
  args: { ...host("to heal"), ...root },
  async run({ args }) {
    await heal(loadLab(args.root), args.host);
    return EXIT.ok;
  },
});

const kill = defineCommand({
  meta: { name: "kill", description: "kill -9 every process of that name on a lab host" },
  args: {
    ...host("to kill on"),
    process: { type: "positional", description: "Process name", required: true },
    ...root,
  },
  async run({ args }) {
    const pids = await killProcess(loadLab(args.root), args.host, args.process);
    process.stderr.write(`killed ${pids.join(" ")}\n`);
    return EXIT.ok;
  },
});

/** The lab's actions, in the order the help lists them. */
export const LAB_ACTIONS = Object.fromEntries(
  Object.entries({
    up,
    down,
    status,
    exec,
    ssh,
    crash: crashCmd,
    "power-on": powerOnCmd,
    "power-state": powerState,
    cable,
    drop,
    loss,
    heal: healCmd,
    kill,
  }).map(([name, def]) => [name, def as unknown as CommandDef<ArgsDef>]),
);

export default defineCommand({
  meta: {
    name: "lab",
    description: `A real multi-host OAR cluster on this machine (root, Linux namespaces, qemu VMs for DRBD). Actions: ${Object.keys(LAB_ACTIONS).join(", ")}`,
  },
  subCommands: LAB_ACTIONS,
});
