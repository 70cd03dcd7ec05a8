import { answerProblem, ipmiServers, type Answers } from "./init-answers.js";

type Key = keyof Answers;

interface Question {
  readonly key: Key;
  readonly message: string;
  readonly options?: readonly string[];
  readonly placeholder?: string;
  readonly when?: (a: Partial<Answers>) => boolean;
  /** May be left empty (then absent). */
  readonly optional?: boolean;
  /** Taken when the answer is left empty (shown in the question). */
  readonly default?: string;
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
  {
    key: "interface",
    message: "Network interface of the servers' main address (it carries the VIPs)",
    default: "eth0",
  },
  {
    key: "secondary",
    message:
      "Second link, NAME=ADDRESS per server (corosync ring 1 and DRBD replication; strongly advised); empty for none",
    placeholder: "srv-a=10.1.0.11,srv-b=10.1.0.12",
    optional: true,
  },
  {
    key: "secondaryInterface",
    message: "Network interface of the second link",
    default: "eth1",
    when: (a) => a.secondary !== undefined,
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
  { key: "ipmiUser", message: "BMC user", default: "admin", when: (a) => a.fencing?.startsWith("ipmi:") ?? false },
  {
    key: "hosts",
    message:
      "Other hosts as NAME=ADDRESS[:ROLE+ROLE] (frontend, api, compute, witness), comma-separated; empty for none",
    placeholder: "front=10.0.0.20,w=10.0.0.40:witness",
    optional: true,
  },
];

/** What `init` learnt: the cluster's answers and, asked hidden, the BMC passwords (secrets file only). */
export interface Asked {
  readonly answers: Answers;
  readonly bmcPasswords: Readonly<Record<string, string>>;
}

/**
 * Fills missing answers by prompting (interactive) or reports every missing flag at once.
 * Questions with a default are not required off a terminal; on one, each is asked.
 */
export async function ask(given: Partial<Answers>, interactive: boolean): Promise<Asked | undefined> {
  const a: Partial<Answers> = { ...given };
  const missing = questions.filter(
    (q) => !q.optional && q.default === undefined && a[q.key] === undefined && (q.when?.(a) ?? true),
  );
  if (!interactive && missing.length === 0) return { answers: a as Answers, bmcPasswords: {} };
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
  // Flags that answer every required question: only the BMC passwords (never flags) are asked.
  const interview = missing.length > 0;
  for (const q of questions) {
    if (!interview || a[q.key] !== undefined || !(q.when?.(a) ?? true)) continue;
    // Each answer is checked as it is typed: a wrong one is asked again, the others are kept.
    const v = q.options
      ? await p.select({ message: q.message, options: q.options.map((o) => ({ value: o, label: o })) })
      : await p.text({
          message: q.default ? `${q.message} (Enter: ${q.default})` : q.message,
          placeholder: q.placeholder ?? q.default ?? "",
          ...(q.default ? { defaultValue: q.default } : {}),
          validate: (x) =>
            x && x.trim() ? answerProblem(q.key, x.trim()) : q.optional || q.default ? undefined : "required",
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
  // BMC passwords: hidden, never echoed, kept for the secrets file only.
  const bmcPasswords: Record<string, string> = {};
  for (const node of ipmiServers(a.fencing)) {
    const v = await p.password({
      message: `BMC password of ${node} (goes to the secrets file only)`,
      validate: (x) => (x ? undefined : "required: fencing cannot log in to the BMC without it"),
    });
    if (p.isCancel(v)) {
      p.cancel("nothing written");
      return undefined;
    }
    bmcPasswords[node] = String(v);
  }
  p.outro("answers complete");
  return { answers: a as Answers, bmcPasswords };
}
