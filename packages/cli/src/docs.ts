import type { ArgsDef, CommandDef } from "citty";
import { COMMANDS, EXIT_LINE, EXAMPLES, loadCommand, subCommandsOf } from "./main.js";

/*
 * The man page and the shell completions, generated from the same command definitions as
 * `--help`: a command, an option or a description changed in one place changes all of them.
 * Pure (no I/O): the Debian package's build writes what these return.
 */

interface Arg {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  readonly default?: string | boolean | number;
  readonly required?: boolean;
}

const argsOf = (def: CommandDef<ArgsDef>): Arg[] =>
  Object.entries((def.args ?? {}) as Record<string, Omit<Arg, "name">>).map(([name, a]) => ({ name, ...a }));

const resolve = async <T>(v: T | (() => T | Promise<T>) | Promise<T>): Promise<T> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;

interface Cmd {
  /** "validate", or "lab up" for a group's action. */
  readonly name: string;
  readonly def: CommandDef<ArgsDef>;
  readonly description: string;
  readonly args: Arg[];
}

/** Every command a user can run: a group (lab) stands for its actions, each listed as "lab ACTION". */
async function loadAll(): Promise<Cmd[]> {
  const out = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, c]): Promise<Cmd[]> => {
      const def = await loadCommand(name);
      const subs = await subCommandsOf(def);
      const entries: [string, CommandDef<ArgsDef>][] = Object.keys(subs).length
        ? Object.entries(subs).map(([k, v]) => [`${name} ${k}`, v])
        : [[name, def]];
      return Promise.all(
        entries.map(async ([n, d]) => {
          const meta = (await resolve(d.meta)) ?? {};
          return { name: n, def: d, description: meta.description ?? c.description, args: argsOf(d) };
        }),
      );
    }),
  );
  return out.flat();
}

/** roff: backslashes and hyphens escaped, a line never starting with a control character. */
const roff = (s: string): string =>
  s
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .split("\n")
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join("\n");

const usageOf = (name: string, args: readonly Arg[]): string => {
  const pos = args
    .filter((a) => a.type === "positional")
    .map((a) => (a.required ? `<${a.name.toUpperCase()}>` : `[${a.name.toUpperCase()}]`));
  return `oar-ha ${name}${args.some((a) => a.type !== "positional") ? " [OPTIONS]" : ""}${pos.length ? ` ${pos.join(" ")}` : ""}`;
};

const optionLine = (a: Arg): string =>
  a.type === "boolean"
    ? `\\fB\\-\\-${roff(a.name).replace(/^\\-\\-/, "")}\\fR`
    : `\\fB\\-\\-${roff(a.name)}\\fR=\\fI${a.name.toUpperCase()}\\fR`;

/** oar-ha(1): synopsis, every command with its arguments and options, exit status, examples. */
export async function manPage(version: string): Promise<string> {
  const cmds = await loadAll();
  const out: string[] = [
    `.TH OAR\\-HA 1 "" "oar\\-ha ${roff(version)}" "oar\\-ha manual"`,
    ".SH NAME",
    "oar\\-ha \\- high availability for the OAR batch scheduler",
    ".SH SYNOPSIS",
    ".B oar\\-ha",
    ".I command",
    "[\\fIoptions\\fR]",
    ".br",
    ".B oar\\-ha",
    ".I command",
    "\\fB\\-\\-help\\fR",
    ".SH DESCRIPTION",
    roff(
      "oar-ha turns a short cluster file into an active/passive OAR cluster over SSH: the OAR server (Almighty) and its database (PostgreSQL or MariaDB/MySQL) on two or four servers, " +
        "the database on DRBD or shared storage, Pacemaker/Corosync or Heartbeat, one floating address per service group. It proves the result by breaking it (drill) and measures what DRBD costs (bench).",
    ),
    ".SH COMMANDS",
  ];
  for (const c of cmds) {
    out.push(`.SS "${roff(usageOf(c.name, c.args))}"`, roff(c.description));
    for (const a of c.args) {
      out.push(".TP", a.type === "positional" ? `\\fI${a.name.toUpperCase()}\\fR` : optionLine(a));
      const dflt =
        a.default !== undefined && a.type !== "boolean"
          ? ` (default: ${String(a.default)})`
          : a.required
            ? " (required)"
            : "";
      out.push(roff(`${a.description}${dflt}`));
    }
  }
  out.push(
    ".SH EXIT STATUS",
    roff(EXIT_LINE.replace(/\n\s*/g, " ")),
    ".SH EXAMPLES",
    ".nf",
    roff(EXAMPLES),
    ".fi",
    ".SH SEE ALSO",
    "\\fBcrm_mon\\fR(8), \\fBdrbdadm\\fR(8), \\fBoarsub\\fR(1)",
    "",
  );
  return out.join("\n");
}

/** Bash completion: commands, a group's actions, then each command's options. */
export async function bashCompletion(): Promise<string> {
  const cmds = await loadAll();
  const cases = cmds.map(
    (c) =>
      `    "${c.name}") opts="${c.args
        .filter((a) => a.type !== "positional")
        .map((a) => `--${a.name}`)
        .concat("--help")
        .join(" ")}" ;;`,
  );
  const groups = new Map<string, string[]>();
  for (const c of cmds) {
    const [g, action] = c.name.split(" ");
    if (action) groups.set(g!, [...(groups.get(g!) ?? []), action]);
  }
  const tops = [...new Set(cmds.map((c) => c.name.split(" ")[0]!))];
  const groupCases = [...groups].map(
    ([g, actions]) => `    ${g})
      if [ "$COMP_CWORD" -eq 2 ]; then
        COMPREPLY=( $(compgen -W "${actions.join(" ")} --help" -- "$cur") )
        return
      fi
      cmd="${g} \${COMP_WORDS[2]}" ;;`,
  );
  return `# bash completion for oar-ha (generated from its command definitions)
_oar_ha() {
  local cur cmd opts
  cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${tops.join(" ")} help --help --version" -- "$cur") )
    return
  fi
  cmd=\${COMP_WORDS[1]}
  case "$cmd" in
${groupCases.join("\n")}
  esac
  case "$cmd" in
${cases.join("\n")}
    *) opts="" ;;
  esac
  case "$cur" in
    -*) COMPREPLY=( $(compgen -W "$opts" -- "$cur") ) ;;
    *) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
complete -F _oar_ha oar-ha
`;
}
