import { spawnSync } from "node:child_process";
import { defineCommand } from "citty";
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

const ACTIONS = [
  "up",
  "down",
  "status",
  "exec",
  "ssh",
  "crash",
  "power-on",
  "power-state",
  "cable",
  "drop",
  "loss",
  "heal",
  "kill",
] as const;

const text = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
};

const usage = (msg: string): never => {
  throw new OarHaError("OARHA901", `${msg}\n  fix: oar-ha lab --help`);
};

export default defineCommand({
  meta: {
    name: "lab",
    description: `A real multi-host OAR cluster on this machine (root, Linux namespaces). Actions: ${ACTIONS.join(", ")}`,
  },
  args: {
    action: { type: "positional", description: ACTIONS.join(" | "), required: true },
    host: {
      type: "positional",
      description: "Lab host (exec, ssh, crash, power-on, power-state, cable, drop, loss, heal, kill)",
      required: false,
    },
    arg: { type: "positional", description: "cable: up|down; kill: process name; loss: percent", required: false },
    root: { type: "string", description: "Lab directory", default: DEFAULT_ROOT },
    servers: { type: "string", description: "up: 2 or 4 HA servers", default: "2" },
    subnet: { type: "string", description: "up: main lab network (/24)", default: "10.77.0.0/24" },
    "secondary-subnet": { type: "string", description: "up: servers' second link (/24)", default: "10.78.0.0/24" },
    db: { type: "string", description: "up: postgresql | mysql | mariadb", default: "postgresql" },
    manager: { type: "string", description: "up: pacemaker | heartbeat", default: "pacemaker" },
    witness: {
      type: "boolean",
      description: "up (pacemaker): the admin host is a corosync-qnetd quorum witness (default; --no-witness for none)",
      default: true,
    },
    kerberos: {
      type: "boolean",
      description:
        "up: a real MIT KDC on the admin host (realm LAB), host/oar.lab exported once, a kerberos section in the cluster file",
    },
    drbd: {
      type: "string",
      description: "up: real DRBD: the DB servers are qemu VMs, the database on DRBD over partition | lvm | loop",
    },
    "skip-install": { type: "boolean", description: "up: never run apt-get (fail if a package is missing)" },
    "keep-data": { type: "boolean", description: "down: keep host disks, keys and the cluster file" },
    link: { type: "string", description: "cable: 0 (main) or 1 (second link)", default: "0" },
    port: { type: "string", description: "drop: port" },
    peer: { type: "string", description: "drop: peer address" },
    proto: { type: "string", description: "drop: tcp | udp (default both)" },
    json: { type: "boolean", description: "status: machine-readable output" },
    wait: {
      type: "boolean",
      description:
        "power-on: wait until the host's sshd answers (default; --no-wait returns once it runs, as virsh start does)",
      default: true,
    },
    stdin: {
      type: "boolean",
      description: "exec: hand this command's standard input to the host's command (a password for kinit, a file)",
    },
  },
  async run({ args, rawArgs }) {
    const root = args.root;
    const log = (m: string) => process.stderr.write(`lab: ${m}\n`);
    const host = () => args.host ?? usage(`lab ${args.action} needs a host`);
    switch (args.action) {
      case "up": {
        const servers = Number(args.servers);
        if (servers !== 2 && servers !== 4) usage("--servers must be 2 or 4");
        const o: LabOptions = {
          root,
          servers: servers as 2 | 4,
          subnet: args.subnet,
          secondarySubnet: args["secondary-subnet"],
          database: args.db as LabOptions["database"],
          manager: args.manager as LabOptions["manager"],
          witness: args.manager === "pacemaker" && args.witness !== false,
          kerberos: args.kerberos === true,
          ...(args.drbd !== undefined ? { drbd: args.drbd as NonNullable<LabOptions["drbd"]> } : {}),
        };
        if (!["postgresql", "mysql", "mariadb"].includes(String(o.database)))
          usage("--db must be postgresql, mysql or mariadb");
        if (!["pacemaker", "heartbeat"].includes(String(o.manager))) usage("--manager must be pacemaker or heartbeat");
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
      }
      case "down":
        await labDown(root, { log, keepData: args["keep-data"] === true });
        process.stderr.write("lab down: no namespace, process or link of the lab is left\n");
        return EXIT.ok;
      case "status": {
        const st = labStatus(root);
        if (args.json) json(st);
        else
          for (const h of st.hosts)
            process.stdout.write(
              `${h.name.padEnd(8)} ${h.role.padEnd(9)} ${h.address.padEnd(15)} ${h.running ? "running" : "off"}\n`,
            );
        return st.hosts.every((h) => h.running) ? EXIT.ok : EXIT.invalid;
      }
      case "exec": {
        const dd = rawArgs.indexOf("--");
        const cmd = dd < 0 ? [] : rawArgs.slice(dd + 1);
        if (cmd.length === 0) usage("lab exec HOST -- COMMAND [ARGS...]");
        const s = loadLab(root);
        const input = args.stdin ? await text(process.stdin) : undefined;
        const r = await execIn(s, labHost(s, host()), cmd.map(shq).join(" "), {
          check: false,
          timeoutMs: 3_600_000,
          ...(input === undefined ? {} : { input }),
        });
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        return r.code ?? 1;
      }
      case "ssh": {
        const st = labStatus(root);
        const r = spawnSync("ssh", ["-F", st.paths.sshConfig, host()], { stdio: "inherit" });
        return r.status ?? 1;
      }
      case "crash":
        await crash(loadLab(root), host());
        return EXIT.ok;
      case "power-on":
        await powerOn(loadLab(root), host(), { wait: args.wait !== false });
        return EXIT.ok;
      case "power-state": {
        const st = labStatus(root).hosts.find((h) => h.name === host()) ?? usage(`no lab host ${host()}`);
        process.stdout.write(`${st.running ? "on" : "off"}\n`);
        return EXIT.ok;
      }
      case "cable": {
        const s = loadLab(root);
        const link = Number(args.link);
        if (args.arg === "down") await pullCable(s, host(), link);
        else if (args.arg === "up") await plugCable(s, host(), link);
        else usage("lab cable HOST up|down [--link 0|1]");
        return EXIT.ok;
      }
      case "drop":
        await dropTraffic(loadLab(root), host(), {
          ...(args.port ? { port: Number(args.port) } : {}),
          ...(args.peer ? { peer: args.peer } : {}),
          ...(args.proto === "tcp" || args.proto === "udp" ? { proto: args.proto } : {}),
        });
        return EXIT.ok;
      case "loss":
        await addLoss(loadLab(root), host(), Number(args.arg ?? usage("lab loss HOST PERCENT")));
        return EXIT.ok;
      case "heal":
        await heal(loadLab(root), host());
        return EXIT.ok;
      case "kill": {
        const pids = await killProcess(loadLab(root), host(), args.arg ?? usage("lab kill HOST PROCESS"));
        process.stderr.write(`killed ${pids.join(" ")}\n`);
        return EXIT.ok;
      }
      default:
        return usage(`unknown lab action "${args.action}"; use one of ${ACTIONS.join(", ")}`);
    }
  },
});
