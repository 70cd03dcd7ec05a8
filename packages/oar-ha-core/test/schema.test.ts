import { expect, it } from "vitest";
import { clusterJsonSchema } from "../src/index.js";

it("the JSON Schema matches its reviewed snapshot", async () => {
  const schema = clusterJsonSchema();
  expect(schema.type).toBe("object");
  expect(Object.keys(schema.properties as object)).toEqual(
    expect.arrayContaining(["cluster", "topology", "nodes", "vips", "storage", "fencing"]),
  );
  await expect(JSON.stringify(schema, null, 2) + "\n").toMatchFileSnapshot("golden/cluster.schema.json");
});
