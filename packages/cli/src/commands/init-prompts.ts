import { answerProblem, type Answers } from "./init-answers.js";

type Key = keyof Answers;

interface Question {
  readonly key: Key;
  readonly message: string;
  readonly options?: readonly string[];
  readonly placeholder?: string;
  readonly when?: (a: Partial<Answers>) => boolean;
  /** May be left empty (then absent). */
  readonly optional?: boolean;
}

const questions: readonly Question[] = [
  { key: "name", message: "Cluster name", placeholder: "oar-prod" },
  { key: "topology", message: "Topology", options: ["two-node", "four-node"] },
  { key: "manager", message: "Cluster manager", options: ["pacemaker", "heartbeat"] },
  { key: "db", message: "Database", options: ["postgresql", "mariadb", "mysql"] },
  {
    key: "nodes",
    message: "Servers as NAME=ADDRESS, comma-separated (four-node: 2 OAR servers, then 2 DB servers)",
    placeholder: "srv-a=10.0.0.11,srv-b=10.0.0.12",
  },
  { key: "oarVip", message: "OAR VIP as ADDRESS/PREFIX=HOSTNAME", placeholder: "10.0.0.100/24=oar.example.org" },
  {
    key: "dbVip",
    message: "DB VIP as ADDRESS/PREFIX=HOSTNAME",
    placeholder: "10.0.0.101/24=oardb.example.org",
    when: (a) => a.topology === "four-node",
  },
  { key: "storage", message: "Storage", placeholder: "drbd-lvm:vg0:20G" },
  { key: "fencing", message: "Fencing", placeholder: "ipmi:srv-a=10.0.1.11,srv-b=10.0.1.12" },
  {
    key: "hosts",
    message:
      "Other hosts as NAME=ADDRESS[:ROLE+ROLE] (frontend, api, compute, witness), comma-separated; empty for none",
    placeholder: "front=10.0.0.20,w=10.0.0.40:witness",
    optional: true,
  },
];

/** Fills missing answers by prompting (interactive) or reports every missing flag at once. */
export async function ask(given: Partial<Answers>, interactive: boolean): Promise<Answers | undefined> {
  const a: Partial<Answers> = { ...given };
  const missing = questions.filter((q) => !q.optional && a[q.key] === undefined && (q.when?.(a) ?? true));
  if (missing.length === 0) return a as Answers;
  if (!interactive) {
    const flag = (k: Key) => `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
    for (const q of missing)
      process.stderr.write(
        `error OARHA901 missing ${flag(q.key)}: ${q.message}${q.placeholder ? ` (e.g. ${q.placeholder})` : ""}\n`,
      );
    process.stderr.write("  fix: give these flags, or run `oar-ha init` in a terminal to be asked\n");
    return undefined;
  }
  const p = await import("@clack/prompts");
  p.intro("oar-ha init");
  for (const q of questions) {
    if (a[q.key] !== undefined || !(q.when?.(a) ?? true)) continue;
    // Each answer is checked as it is typed: a wrong one is asked again, the others are kept.
    const v = q.options
      ? await p.select({ message: q.message, options: q.options.map((o) => ({ value: o, label: o })) })
      : await p.text({
          message: q.message,
          placeholder: q.placeholder ?? "",
          validate: (x) => (x && x.trim() ? answerProblem(q.key, x.trim()) : q.optional ? undefined : "required"),
        });
    if (p.isCancel(v)) {
      p.cancel("nothing written");
      return undefined;
    }
    const text = String(v ?? "").trim();
    if (text) (a as Record<string, string>)[q.key] = text;
    if (q.key === "fencing" && text === "none") {
      const ok = await p.confirm({
        message:
          "No fencing: a server that only seems dead may keep writing while its peer takes over (split brain). Go on without fencing?",
        initialValue: false,
      });
      if (p.isCancel(ok) || !ok) {
        p.cancel("nothing written: name a fencing device (ipmi:..., sbd:...)");
        return undefined;
      }
      a.acceptRisk = true;
    }
  }
  p.outro("answers complete");
  return a as Answers;
}
