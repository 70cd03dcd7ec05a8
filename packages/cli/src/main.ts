import { parseArgs, renderUsage, runCommand, type ArgsDef, type CommandDef } from "citty";
import { exitOf, isOarHaError } from "@oar-ha/core";
import { EXIT } from "./io/output.js";

/** Commands load lazily: `oar-ha validate` never evaluates the render or prompt code. */
/** Every command: its one-line summary and its definition (loaded on demand). */
export const COMMANDS: Record<string, { description: string; load: () => Promise<CommandDef<ArgsDef>> }> = {
  init: {
    description: "Write a new cluster file and its secrets file",
    load: () => import("./commands/init.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  validate: {
    description: "Check a cluster file; touches no host",
    load: () => import("./commands/validate.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  render: {
    description: "Write every host's files into a local tree; touches no host",
    load: () => import("./commands/render.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  plan: {
    description: "Show what apply would change on each host, as diffs",
    load: () => import("./commands/plan.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  apply: {
    description: "Deploy the cluster over SSH (re-runnable, resumable, with backups)",
    load: () => import("./commands/apply.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  status: {
    description: "Health of the deployed cluster (exit 5 degraded, 6 unhealthy)",
    load: () => import("./commands/status.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  switchover: {
    description: "Planned move to the other server (--to NODE), waiting until healthy",
    load: () => import("./commands/switchover.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  cleanup: {
    description: "Clear Pacemaker's failure history so a resource may run everywhere again",
    load: () => import("./commands/day2.js").then((m) => m.cleanupCommand as CommandDef<ArgsDef>),
  },
  maintenance: {
    description: "on: the cluster stops acting, services keep running; off: it acts again",
    load: () => import("./commands/day2.js").then((m) => m.maintenanceCommand as CommandDef<ArgsDef>),
  },
  standby: {
    description: "Take a server out of service: its services move to the other server",
    load: () => import("./commands/day2.js").then((m) => m.standbyCommand as CommandDef<ArgsDef>),
  },
  unstandby: {
    description: "Let a server in standby host services again",
    load: () => import("./commands/day2.js").then((m) => m.unstandbyCommand as CommandDef<ArgsDef>),
  },
  verify: {
    description: "DRBD online verify: every block compared between the servers",
    load: () => import("./commands/verify.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  "split-brain": {
    description: "Show a DRBD split brain side by side; --keep SERVER resolves it",
    load: () => import("./commands/split-brain.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  uninstall: {
    description: "Stop the cluster, restore every replaced file; data stays",
    load: () => import("./commands/uninstall.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  report: {
    description: "A tarball for a support request: state and logs of every host, secrets redacted",
    load: () => import("./commands/report.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  logs: {
    description: "oar.log of every OAR server merged in time order (--follow, --since, --job)",
    load: () => import("./commands/logs.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  drill: {
    description: "Break the cluster on purpose, measure outage and loss, audit",
    load: () => import("./commands/drill.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  bench: {
    description: "What DRBD costs the database: local vs DRBD vs saturated link (the 2009 benchmark)",
    load: () => import("./commands/bench.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  web: {
    description: "A live status page of the cluster in a browser (read only)",
    load: () => import("./commands/web.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  completion: {
    description: "Print the bash or zsh completion script (generated from these commands)",
    load: () => import("./commands/completion.js").then((m) => m.default as CommandDef<ArgsDef>),
  },
  lab: {
    description: "A real multi-host cluster on this machine: up, down, status, exec, ssh, faults",
    load: () => import("./commands/lab.js").then((m) => m.default),
  },
};

/** The examples of the top-level help and the man page. */
export const EXAMPLES = `oar-ha init --name oar-prod --topology two-node --db postgresql \\
  --nodes srv-a=10.0.0.11,srv-b=10.0.0.12 --oar-vip 10.0.0.100/24=oar.example.org \\
  --storage drbd-lvm:vg0:20G --fencing ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12 --yes
oar-ha validate oar-ha.yaml
oar-ha render oar-ha.yaml --out oar-ha-render
oar-ha lab up && oar-ha validate /mnt/oar-ha-lab/oar-ha.yaml
oar-ha lab exec srv-a -- crm_mon -1
oar-ha standby oar-ha.yaml srv-a
oar-ha switchover oar-ha.yaml --to srv-a`;

/** Loads a command's definition by name. */
export const loadCommand = (name: string): Promise<CommandDef<ArgsDef>> => {
  const c = COMMANDS[name];
  if (!c) throw new Error(`no command ${name}`);
  return c.load();
};

export const EXIT_LINE = `Exit codes: 0 ok, 1 invalid input (or a failed drill or check), 2 wrong usage,
  3 a file or host could not be read, reached or run on,
  4 refused (it would overwrite files, or the cluster is not in a state where the command may act),
  5 degraded (status, switchover: the services run but could not fail over, or failures are kept),
  6 unhealthy (status, switchover: a service is down; or the cluster did not settle after a command).`;

function topHelp(version: string): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return `oar-ha ${version}: high availability for the OAR batch scheduler

Usage: oar-ha <command> [options]        oar-ha <command> --help

Commands:
${names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]?.description ?? ""}`).join("\n")}

Examples:
${EXAMPLES.replace(/^/gm, "  ")}

${EXIT_LINE}
`;
}

/** Flags a command does not declare are errors, not silently ignored. */
function unknownFlags(raw: readonly string[], def: ArgsDef): string[] {
  const known = new Set<string>(["help", "h"]);
  for (const [name, a] of Object.entries(def)) {
    known.add(name);
    const alias = (a as { alias?: string | string[] }).alias;
    for (const x of Array.isArray(alias) ? alias : alias ? [alias] : []) known.add(x);
  }
  return raw
    .filter((x) => x.startsWith("-") && x !== "-" && x !== "--")
    .map((x) => x.replace(/^--?/, "").split("=")[0] ?? "")
    .filter((x) => !known.has(x) && !(x.startsWith("no-") && known.has(x.slice(3))));
}

/** Colour only for a terminal: NO_COLOR turns it off, FORCE_COLOR on (https://no-color.org). */
function colour(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

/** A command's help: citty's usage with `oar-ha` in the usage line, the exit codes, no escape sequences off a terminal. */
async function commandHelp(cmd: CommandDef<ArgsDef>, parent?: CommandDef<ArgsDef>): Promise<string> {
  // Escape sequences (ESC [ ... m) as a string: no control character inside a regex literal.
  const esc = "\u001b\\[[0-9;]*m";
  const ansi = new RegExp(esc, "g");
  const text =
    (await renderUsage(cmd, parent))
      .replace(new RegExp(`(USAGE(?:${esc})*\\s+(?:${esc})*)`), "$1oar-ha ")
      .replace(/Use (\S+) <command> --help/, "Use oar-ha $1 <action> --help") + `\n\n${EXIT_LINE}\n`;
  return colour(process.stdout) ? text : text.replace(ansi, "");
}

const resolved = async <T>(v: T | Promise<T> | (() => T | Promise<T>)): Promise<T> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;

/** A group's subcommands (lab up, lab down...), by name; empty for a plain command. */
export async function subCommandsOf(cmd: CommandDef<ArgsDef>): Promise<Record<string, CommandDef<ArgsDef>>> {
  if (!cmd.subCommands) return {};
  const subs = await resolved(cmd.subCommands);
  const out: Record<string, CommandDef<ArgsDef>> = {};
  for (const [k, v] of Object.entries(subs)) out[k] = (await resolved(v)) as CommandDef<ArgsDef>;
  return out;
}

/**
 * The command a command line runs: a group (lab) takes its action as the next word, which
 * must come first (`oar-ha lab up --root R`); its flags are then the action's own.
 */
async function leafOf(
  name: string,
  cmd: CommandDef<ArgsDef>,
  rest: readonly string[],
): Promise<{ name: string; cmd: CommandDef<ArgsDef>; parent?: CommandDef<ArgsDef>; rest: string[] } | number> {
  const subs = await subCommandsOf(cmd);
  if (Object.keys(subs).length === 0) return { name, cmd, rest: [...rest] };
  // Options may come before the action too (`lab --root R crash srv-a`, as labs brought up
  // by earlier versions call it): the first word that names an action is the action.
  const at = rest[0]?.startsWith("-") ? rest.findIndex((w) => Object.hasOwn(subs, w)) : 0;
  const [action, ...after] = at > 0 ? [rest[at]!, ...rest.slice(0, at), ...rest.slice(at + 1)] : rest;
  if (action === undefined || action === "--help" || action === "-h") {
    process.stdout.write(await commandHelp(cmd));
    return action === undefined ? EXIT.usage : EXIT.ok;
  }
  const sub = subs[action];
  if (!sub) {
    process.stderr.write(
      `error OARHA901 "${action}" is not an action of "${name}"\n  fix: oar-ha ${name} ${Object.keys(subs).join("|")} ... (oar-ha ${name} --help)\n`,
    );
    return EXIT.usage;
  }
  return { name: `${name} ${action}`, cmd: sub, parent: cmd, rest: after };
}

/** Runs the CLI and returns the exit code (the caller exits). */
export async function main(argv: readonly string[], version: string): Promise<number> {
  const [name, ...rest] = argv;
  const helpOf = name === "help" && rest[0] ? COMMANDS[rest[0]] : undefined;
  if (helpOf) {
    const group = await helpOf.load();
    const l = await leafOf(rest[0]!, group, rest[1] ? [rest[1]] : ["--help"]);
    if (typeof l !== "number") process.stdout.write(await commandHelp(l.cmd, l.parent));
    return typeof l === "number" ? l : EXIT.ok;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(topHelp(version));
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-v" || name === "-V") {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(
      `error OARHA901 unknown command "${name}"\n  fix: use one of ${Object.keys(COMMANDS).join(", ")} (oar-ha --help)\n`,
    );
    return EXIT.usage;
  }
  try {
    const l = await leafOf(name, await entry.load(), rest);
    if (typeof l === "number") return l;
    const { cmd } = l;
    const def = await resolved<ArgsDef>(cmd.args ?? {});
    // After `--` everything belongs to the command being wrapped (lab exec HOST -- CMD).
    const dd = l.rest.indexOf("--");
    const own = dd < 0 ? l.rest : l.rest.slice(0, dd);
    if (own.includes("--help") || own.includes("-h")) {
      process.stdout.write(await commandHelp(cmd, l.parent));
      return EXIT.ok;
    }
    const bad = unknownFlags(own, def);
    if (bad.length) {
      process.stderr.write(
        `error OARHA901 unknown option${bad.length > 1 ? "s" : ""} ${bad.map((b) => `--${b}`).join(", ")} for "${l.name}"\n  fix: see oar-ha ${l.name} --help\n`,
      );
      return EXIT.usage;
    }
    const positional = parseArgs([...own], def)._;
    const declared = Object.values(def).filter((a) => a.type === "positional").length;
    if (positional.length > declared) {
      process.stderr.write(
        `error OARHA901 unexpected argument "${positional[declared] ?? ""}" for "${l.name}"\n  fix: see oar-ha ${l.name} --help\n`,
      );
      return EXIT.usage;
    }
    const { result } = await runCommand(cmd, { rawArgs: l.rest });
    return typeof result === "number" ? result : EXIT.ok;
  } catch (e) {
    if (isOarHaError(e)) {
      process.stderr.write(`error ${e.code} ${e.message}\n`);
      // Each code's area decides (the catalogue in @oar-ha/core, docs/errors.md).
      return exitOf(e.code);
    }
    if (e instanceof Error && e.name === "CommandError") {
      process.stderr.write(
        `error OARHA111 ${e.message}\n  the run stopped here; fix the cause and run the same command again: it resumes\n`,
      );
      return exitOf("OARHA111");
    }
    const err = e as NodeJS.ErrnoException;
    // citty's own argument errors (a missing positional): wrong usage, not an I/O failure.
    if (err.code === "EARG") {
      process.stderr.write(`error OARHA901 ${err.message}\n  fix: see oar-ha ${name} --help\n`);
      return EXIT.usage;
    }
    if (err.code && /^E[A-Z]+$/.test(err.code)) {
      process.stderr.write(`error OARHA103 ${err.message}\n`);
      return exitOf("OARHA103");
    }
    // Anything else (e.g. an SSH connection lost midway: a host rebooted or was fenced) is
    // one line, not a stack through the bundle; OAR_HA_DEBUG=1 shows the stack.
    if (e instanceof Error && process.env.OAR_HA_DEBUG !== "1") {
      process.stderr.write(
        `error OARHA110 ${e.message}\n  the run stopped here; fix the cause and run the same command again (OAR_HA_DEBUG=1 shows where it stopped)\n`,
      );
      return exitOf("OARHA110");
    }
    throw e;
  }
}
