import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NS_PREFIX } from "./spec.js";

/*
 * One lab per machine: namespaces, links and addresses have global names, so two roots cannot
 * run side by side. The running lab's root is recorded here; another root's `lab up` refuses
 * and its `lab down` leaves the running lab alone (it only removes its own files).
 */

/** Where the running lab's root is recorded (per boot of the machine, like the namespaces). */
export const OWNER_FILE = process.env.OAR_HA_LAB_OWNER_FILE ?? "/run/oar-ha-lab/owner";

/**
 * The root of the lab that runs on this machine, if any: recorded, its lab.json present, and
 * its switch namespace alive. A stale record (its lab gone) counts as none.
 */
export function labOwner(): string | undefined {
  if (!existsSync(OWNER_FILE)) return undefined;
  const root = readFileSync(OWNER_FILE, "utf8").trim();
  const alive = root !== "" && existsSync(join(root, "lab.json")) && existsSync(`/run/netns/${NS_PREFIX}switch`);
  return alive ? root : undefined;
}

export function claimLab(root: string): void {
  mkdirSync(join(OWNER_FILE, ".."), { recursive: true });
  writeFileSync(OWNER_FILE, `${root}\n`);
}

/** Drops the record if it names `root` (or nothing alive). */
export function releaseLab(root: string): void {
  if (!existsSync(OWNER_FILE)) return;
  const owner = readFileSync(OWNER_FILE, "utf8").trim();
  if (owner === root || labOwner() === undefined) rmSync(OWNER_FILE, { force: true });
}
