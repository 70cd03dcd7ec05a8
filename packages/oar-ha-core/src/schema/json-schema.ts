import * as z from "zod";
import { clusterSchema } from "./cluster.js";

/** JSON Schema (draft 2020-12) of the cluster file, for editors and the reference docs. */
export function clusterJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(clusterSchema, { io: "input", unrepresentable: "any" });
}
