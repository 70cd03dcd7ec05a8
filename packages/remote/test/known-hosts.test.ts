import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint, knownKeys, verifyHostKey } from "../src/index.js";

const blob = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "base64");
const other = Buffer.from("AAAAC3NzaC1lZDI1NTE5AAAAIBn7W8Ic1wm2nFYH0u2zF0w4gB6iVx2w1zJ5m2N6Vqnv", "base64");

describe("known_hosts (pure)", () => {
  it("matches plain, bracketed and hashed names", () => {
    const salt = Buffer.from("0123456789abcdef0123");
    const hashed = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update("srv-b").digest("base64")}`;
    const text = `srv-a,10.0.0.11 ssh-ed25519 ${blob.toString("base64")}\n[srv-c]:2222 ssh-ed25519 ${blob.toString("base64")}\n${hashed} ssh-ed25519 ${other.toString("base64")}\n`;
    expect(knownKeys(text, ["srv-a"], 22)).toHaveLength(1);
    expect(knownKeys(text, ["10.0.0.11"], 22)).toHaveLength(1);
    expect(knownKeys(text, ["srv-c"], 22)).toHaveLength(0);
    expect(knownKeys(text, ["srv-c"], 2222)).toHaveLength(1);
    expect(knownKeys(text, ["srv-b"], 22)[0]?.blob.equals(other)).toBe(true);
  });

  it("decides: known passes, changed always fails, unknown needs trust-on-first-use, revoked fails", () => {
    const text = `srv-a ssh-ed25519 ${blob.toString("base64")}\n@revoked srv-r ssh-ed25519 ${blob.toString("base64")}\n`;
    expect(verifyHostKey(text, ["srv-a"], 22, blob, false)).toEqual({ ok: true, how: "known" });
    const why = (v: ReturnType<typeof verifyHostKey>) => (v.ok ? "" : v.reason);
    expect(why(verifyHostKey(text, ["srv-a"], 22, other, true))).toContain("HOST KEY CHANGED");
    expect(why(verifyHostKey(text, ["srv-z"], 22, other, false))).toContain(fingerprint(other));
    expect(verifyHostKey(text, ["srv-z"], 22, other, true)).toMatchObject({ ok: true, how: "trusted-new" });
    expect(why(verifyHostKey(text, ["srv-r"], 22, blob, true))).toContain("revoked");
  });
});
