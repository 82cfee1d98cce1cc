import { z } from "zod";
import { step } from "../src/domain/next-steps.js";
import { bucketArg, objectIdsArg, skipValidationArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "create_batch";

export const input = { bucket: bucketArg, object_ids: objectIdsArg, skip_validation: skipValidationArg };

export default defineTool({
  name,
  title: "Create batch",
  description: "Create a DRAFT batch of a bucket's objects, to process through every collection the bucket feeds. Then add_batch_objects or submit_batch.",
  input,
  output: {
    outcome: z.literal("created"),
    batch_id: z.string().nullable(),
    status: z.string().nullable(),
    object_count: z.number().nullable(),
    collection_ids: z.array(z.string()),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["createBatch"],
  async run({ bucket, object_ids, skip_validation }, { api, signal }) {
    const query = skip_validation === undefined ? {} : { skip_validation };
    const { data } = await api.call("createBatch", { params: { bucket }, query, body: { object_ids } }, signal);
    const batchId = data.batch_id ?? null;
    return {
      outcome: "created" as const,
      batch_id: batchId,
      status: data.status ?? null,
      object_count: data.object_ids?.length ?? null,
      collection_ids: (data.collection_ids ?? []).slice(0, 20),
      ...(batchId ? {} : { notes: ["The API created the batch but sent no batch_id; list_batches with status DRAFT shows it."] }),
      recommendations: batchId
        ? [step("submit_batch", { bucket, batch_id: batchId }, "Submit the batch", "A DRAFT batch does nothing until submitted; add more objects first with add_batch_objects if needed.")]
        : [step("list_batches", { bucket, status: "DRAFT" }, "Find the new batch", "The API's answer named no batch_id; the new batch is among the DRAFT batches.")],
    };
  },
});
