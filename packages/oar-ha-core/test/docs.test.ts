import { expect, it } from "vitest";
import { clusterReferenceMarkdown, errorCatalogueMarkdown } from "../src/index.js";

// The reference docs are generated; these snapshots are the committed docs themselves.
it("docs/reference.md is up to date with the schema", async () => {
  const md = clusterReferenceMarkdown();
  expect(md).toContain("| `vips.oar.address` |");
  expect(md).toContain("| `storage.protocol` (kind: drbd) |");
  await expect(md).toMatchFileSnapshot("../../../docs/reference.md");
});

it("docs/errors.md lists every catalogue code", async () => {
  const md = errorCatalogueMarkdown();
  expect(md).toContain("| OARHA203 |");
  await expect(md).toMatchFileSnapshot("../../../docs/errors.md");
});
