import { z } from "zod";
import { batchRef, boundedObject } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { clip } from "../src/domain/views.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "update_batch";

export const input = {
  ...batchRef,
  metadata: boundedObject(8, 16_384).nullable().describe("The batch's user metadata, replacing what it has (null clears it)"),
};

export default defineTool({
  name,
  title: "Update batch metadata",
  description: "Replace a batch's user-defined metadata (labels, owner, ticket) in any status; processing is not affected.",
  input,
  output: {
    outcome: z.literal("updated"),
    batch_id: z.string(),
    status: z.string().nullable(),
    metadata_keys: z.array(z.string()).nullable().describe("Keys of the metadata the API now holds (first 20)"),
    recommendations,
  },
  // The same metadata sent twice leaves the same metadata.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "admin",
  operations: ["updateBatch"],
  async run({ bucket, batch_id, metadata }, { api, signal }) {
    const { data } = await api.call("updateBatch", { params: { bucket, batch_id }, body: { metadata } }, signal);
    return {
      outcome: "updated" as const,
      batch_id,
      status: data.status ?? null,
      metadata_keys: data.metadata ? Object.keys(data.metadata).slice(0, 20).map((k) => clip(k, 80)!) : null,
      recommendations: [],
    };
  },
});
