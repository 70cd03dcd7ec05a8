import { parse, stringify } from "yaml";
import * as z from "zod";
import { issue, pathToString, type Issue } from "./errors/issue.js";
import type { Cluster } from "./schema/cluster.js";

/*
 * Secrets live in their own file next to the cluster file (mode 0600), generated once and
 * never printed. The generator is pure given a source of random bytes, so tests can pin it
 * and the CLI passes node:crypto's.
 */

const alnum = /^[A-Za-z0-9]+$/;

export const secretsSchema = z.strictObject({
  version: z.literal(1),
  corosyncAuthkey: z.string().describe("base64 of the corosync authkey (128 to 4096 bytes)."),
  heartbeatKey: z.string().describe("Heartbeat authkeys sha1 key."),
  drbdSecret: z.string().describe("DRBD cram-hmac shared secret (at most 64 characters)."),
  dbPassword: z.string().describe("Password of the OAR read-write database user."),
  dbReadOnlyPassword: z.string().describe("Password of the OAR read-only database user."),
  fencing: z
    .record(z.string(), z.string())
    .default({})
    .describe("BMC passwords by server name (IPMI fencing); set by the admin."),
  kerberos: z
    .strictObject({ adminPassword: z.string().min(1).describe("Password of kerberos.adminPrincipal.") })
    .optional()
    .describe(
      "Set by the admin for kerberos.adminPrincipal; needed until oar-ha has extracted the VIP principals once.",
    ),
});

export type Secrets = z.output<typeof secretsSchema>;
export type RandomBytes = (n: number) => Uint8Array;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Uniform random alphanumeric string (rejection sampling: no modulo bias). */
function randomString(random: RandomBytes, length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

const toBase64 = (bytes: Uint8Array): string => {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};
const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

export function generateSecrets(random: RandomBytes): Secrets {
  return {
    version: 1,
    corosyncAuthkey: toBase64(random(256)),
    heartbeatKey: hex(random(32)),
    drbdSecret: randomString(random, 48),
    dbPassword: randomString(random, 32),
    dbReadOnlyPassword: randomString(random, 32),
    fencing: {},
  };
}

/** Keeps every secret already present; fills in only what is missing (new fields, new servers). */
export function completeSecrets(existing: Partial<Secrets>, random: RandomBytes): Secrets {
  return { ...generateSecrets(random), ...existing, version: 1 };
}

export function serializeSecrets(s: Secrets): string {
  return (
    "# oar-ha secrets: generated once, mode 0600. Never commit, print or paste this file.\n" +
    "# Losing it is recoverable (oar-ha reads keys back from the servers); leaking it is not.\n" +
    stringify(s, { lineWidth: 0 })
  );
}

/** The secrets oar-ha generates (the others, BMC and Kerberos admin passwords, are the admin's). */
export const GENERATED_SECRETS = [
  "corosyncAuthkey",
  "heartbeatKey",
  "drbdSecret",
  "dbPassword",
  "dbReadOnlyPassword",
] as const;

/**
 * Parses a secrets file. With `complete`, the generated secrets the file lacks are made
 * (`added` names them; the caller writes the file back only when everything else is valid);
 * without it, a missing one is an error.
 */
export function parseSecrets(
  text: string,
  file = "oar-ha.secrets.yaml",
  complete?: RandomBytes,
): { secrets?: Secrets; issues: Issue[]; added: string[] } {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    return {
      issues: [
        {
          ...issue(
            "SecretsInvalid",
            "",
            (e as Error).message.split("\n")[0] ?? "YAML error",
            "restore the secrets file from your backup, or delete it to generate new secrets before the first apply",
          ),
          file,
        },
      ],
      added: [],
    };
  }
  const added: string[] = [];
  if (complete && raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const have = raw as Record<string, unknown>;
    const fresh = generateSecrets(complete);
    const filled: Record<string, unknown> = { ...have };
    if (filled.version === undefined) filled.version = 1;
    for (const k of GENERATED_SECRETS)
      if (have[k] === undefined) {
        filled[k] = fresh[k];
        added.push(k);
      }
    raw = filled;
  }
  const r = secretsSchema.safeParse(raw);
  if (!r.success) {
    // Never echo the offending value: it may be a secret.
    return {
      issues: r.error.issues.map((zi) => ({
        ...issue(
          "SecretsInvalid",
          pathToString(zi.path),
          zi.code === "invalid_type" && zi.input === undefined ? "missing" : "invalid value",
          zi.code === "invalid_type" &&
            zi.input === undefined &&
            (GENERATED_SECRETS as readonly PropertyKey[]).includes(zi.path[0]!)
            ? "`oar-ha render` generates a new one into the file (after the first apply that rotates it: see docs/operations.md), or restore it from your backup"
            : "restore it from your backup",
        ),
        file,
      })),
      added: [],
    };
  }
  return { secrets: r.data, issues: [], added };
}

function b64len(s: string): number {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return -1;
  return Math.floor((s.length * 3) / 4) - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0);
}

/** Lengths and presence, against the cluster that uses them. */
export function secretsRules(c: Cluster, s: Secrets): Issue[] {
  const out: Issue[] = [];
  const len = b64len(s.corosyncAuthkey);
  if (len < 128 || len > 4096) {
    out.push(
      issue(
        "SecretWeak",
        "secrets.corosyncAuthkey",
        "the corosync key must be base64 of 128 to 4096 bytes",
        "delete the field to have oar-ha generate a new one before the first apply",
      ),
    );
  }
  if (!/^[0-9a-f]{32,128}$/i.test(s.heartbeatKey)) {
    out.push(
      issue(
        "SecretWeak",
        "secrets.heartbeatKey",
        "the Heartbeat key must be 32 to 128 hexadecimal characters",
        "delete the field to have oar-ha generate a new one",
      ),
    );
  }
  if (s.drbdSecret.length < 16 || s.drbdSecret.length > 64 || !alnum.test(s.drbdSecret)) {
    out.push(
      issue(
        "SecretWeak",
        "secrets.drbdSecret",
        `the DRBD shared secret must be 16 to 64 letters or digits (DRBD truncates at 64), found ${s.drbdSecret.length} characters`,
        "delete the field to have oar-ha generate a new one",
      ),
    );
  }
  for (const key of ["dbPassword", "dbReadOnlyPassword"] as const) {
    if (s[key].length < 16 || !alnum.test(s[key])) {
      out.push(
        issue(
          "SecretWeak",
          `secrets.${key}`,
          "database passwords must be at least 16 letters or digits (they travel through oar.conf's shell quoting and SQL)",
          "delete the field to have oar-ha generate a new one",
        ),
      );
    }
  }
  if (c.fencing.kind === "ipmi") {
    for (const d of c.fencing.devices) {
      const pw = s.fencing[d.node];
      if (!pw)
        out.push(
          issue(
            "SecretMissing",
            `secrets.fencing.${d.node}`,
            `no BMC password for ${d.node}`,
            `add \`fencing: { ${d.node}: <password> }\` to the secrets file`,
          ),
        );
      else if (/['"\\\n]/.test(pw))
        out.push(
          issue(
            "SecretWeak",
            `secrets.fencing.${d.node}`,
            "the BMC password contains a quote, backslash or newline",
            "change the BMC password to avoid these characters",
          ),
        );
    }
  }
  return out;
}

/** Every secret's value with its name in the secrets file (fencing passwords by server). */
export function secretValues(s: Secrets): { name: string; value: string }[] {
  const out = [
    { name: "corosyncAuthkey", value: s.corosyncAuthkey },
    { name: "heartbeatKey", value: s.heartbeatKey },
    { name: "drbdSecret", value: s.drbdSecret },
    { name: "dbPassword", value: s.dbPassword },
    { name: "dbReadOnlyPassword", value: s.dbReadOnlyPassword },
    ...Object.entries(s.fencing).map(([node, value]) => ({ name: `fencing.${node}`, value })),
    ...(s.kerberos ? [{ name: "kerberos.adminPassword", value: s.kerberos.adminPassword }] : []),
  ];
  return out.filter((x) => x.value.length > 0);
}

/*
 * Where the configuration files and tools oar-ha collects (ha.cf, a DRBD resource, oar.conf, a
 * CIB, SQL grants) put a secret: what follows such a key is hidden whatever its value, so a
 * secret that is not (or no longer) in the secrets file does not leak either.
 */
const SECRET_SETTINGS: readonly RegExp[] = [
  /(shared-secret\s+)("[^"]*"|\S+?)(;)/g,
  /(\bDB_BASE_PASSWD(?:_RO)?\s*=\s*)("[^"]*"|'[^']*'|\S+)()/g,
  /(\bname="(?:passw(?:or)?d|password_script)"\s+value=)("[^"]*")()/g,
  /(\bIDENTIFIED BY\s+)('[^']*')()/gi,
  /(\bPASSWORD\s*\(?\s*)('[^']*')()/g,
  /(^auth\s+\d+\s*\n\s*\d+\s+(?:sha1|md5)\s+)(\[redacted [^\]]*\]|\S+)()/gm,
];

/**
 * A text with every secret replaced by `[redacted NAME]` (pure): the known values first
 * (longest first: one may contain another), then whatever follows a setting that holds a
 * secret. For bundles that leave the cluster (oar-ha report).
 */
export function redactSecrets(text: string, s: Secrets): string {
  let out = text;
  for (const { name, value } of secretValues(s).sort((a, b) => b.value.length - a.value.length))
    out = out.split(value).join(`[redacted ${name}]`);
  for (const re of SECRET_SETTINGS)
    out = out.replace(re, (m: string, key: string, v: string, end: string) =>
      v.includes("[redacted") ? m : `${key}[redacted]${end}`,
    );
  return out;
}
