import { dbPort, dbVip, splitCidr, type Cluster, type Secrets } from "@oar-ha/core";
import { shq } from "../transport.js";
import { holderOf, type ManagerState } from "./manager-state.js";
import { tr, type DeployContext } from "./context.js";

/*
 * The OAR accounts against the running database, with the secrets file's passwords. The
 * database keeps the passwords it was created with (it lives on the cluster storage and is
 * never created twice), while oar.conf is written from the secrets file on every apply: a
 * secrets file other than the one the database was made with leaves OAR unable to log in.
 */

/** An account the database refused with the password the secrets file gives. */
export interface LoginRefusal {
  readonly user: string;
  /** The client's first line of error. */
  readonly answer: string;
}

/**
 * Shell script run on the OAR server that holds the OAR VIP: reads the read-write then the
 * read-only password from stdin (never a command line), logs in as each account through the
 * DB VIP from there, exactly OAR's own way in (a DB server is not one of the database's
 * clients on four nodes), prints "user<TAB>" and the client's first error line (empty: ok).
 */
export function dbLoginScript(c: Cluster): string {
  const vip = splitCidr(dbVip(c).address).address;
  const port = dbPort(c);
  const db = shq(c.database.name);
  const client =
    c.database.engine === "postgresql"
      ? `PGPASSWORD="$2" PGCONNECT_TIMEOUT=5 psql -X -w -Atq -h ${vip} -p ${port} -U "$1" -d ${db} -c 'select 1'`
      : `MYSQL_PWD="$2" mariadb --connect-timeout=5 -h ${vip} -P ${port} -u "$1" -e 'select 1' ${db}`;
  return `IFS= read -r rw; IFS= read -r ro
try() { ${client} </dev/null 2>&1 >/dev/null | head -n 1; }
printf '%s\\t%s\\n' ${shq(c.database.user)} "$(try ${shq(c.database.user)} "$rw")"
printf '%s\\t%s\\n' ${shq(c.database.readOnlyUser)} "$(try ${shq(c.database.readOnlyUser)} "$ro")"`;
}

/** What the database server said for a wrong password (PostgreSQL; MariaDB/MySQL error 1045). */
const REFUSED = /password authentication failed|Access denied for user/;

/** The accounts refused for their password; other failures (unreachable, not started) are not this check's to judge. */
export function parseDbLogins(stdout: string): LoginRefusal[] {
  return stdout
    .split("\n")
    .map((l) => l.split("\t"))
    .filter(([user, answer]) => user && answer && REFUSED.test(answer))
    .map(([user = "", answer = ""]) => ({ user, answer: answer.trim() }));
}

export const dbLoginStdin = (s: Secrets): string => `${s.dbPassword}\n${s.dbReadOnlyPassword}\n`;

/** Tries the OAR accounts from the OAR server that holds the OAR VIP now; none refused when no server holds it. */
export async function dbLoginRefusals(
  ctx: DeployContext,
  state: ManagerState,
): Promise<{ host: string; refused: LoginRefusal[] }> {
  const host = holderOf(state, "oar");
  if (!host || !holderOf(state, "db")) return { host: "", refused: [] };
  const r = await tr(ctx, host).exec(dbLoginScript(ctx.cluster), {
    stdin: dbLoginStdin(ctx.secrets),
    timeoutMs: 30_000,
  });
  return { host, refused: parseDbLogins(r.stdout) };
}

/** The message and fix for accounts refused: this is not the secrets file the database was made with. */
export function secretsMismatch(
  refused: readonly LoginRefusal[],
  secretsFile: string | undefined,
): { message: string; fix: string } {
  const file = secretsFile ? ` (${secretsFile})` : "";
  return {
    message: `the OAR database refuses ${refused.map((r) => r.user).join(" and ")} with the password(s) of this secrets file${file}: it is not the secrets file the database was created with (${refused[0]?.answer ?? ""})`,
    fix: "run again with --secrets pointing at the secrets file this cluster was deployed with; if that file is lost, first set the accounts' passwords on the database to this file's (ALTER ROLE / ALTER USER ... PASSWORD), then apply",
  };
}
