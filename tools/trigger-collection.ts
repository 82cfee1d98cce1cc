import { z } from "zod";
import { step, waitStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { boundedObject, collectionArg, idString } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const ids = (what: string) => z.array(idString(what)).min(1).max(1000);

export const name = "trigger_collection";

export const input = {
  collection: collectionArg,
  include_buckets: ids("bucket").optional().describe("Only these source buckets"),
  include_collections: ids("collection").optional().describe("Only these source collections"),
  object_ids: ids("object id").optional(),
  source_filters: boundedObject(32, 65_536).optional()
    .describe('e.g. {"AND":[{"field":"status","operator":"eq","value":"new"}]}'),
};

export default defineTool({
  name,
  title: "Trigger collection processing",
  description: "(Re)process a collection: creates and submits a batch from its source buckets or collections, optionally limited to some objects or a filter.",
  input,
  output: {
    outcome: z.literal("triggered"),
    batch_id: z.string().nullable(),
    task_id: z.string().nullable(),
    collection_id: z.string(),
    total_tiers: z.number().nullable(),
    object_count: z.number().nullable(),
    document_count: z.number().nullable(),
    source_bucket_ids: z.array(z.string()),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["triggerCollection"],
  async run({ collection, ...body }, { api, signal }) {
    const { data } = await api.call("triggerCollection", { params: { collection }, body }, signal);
    const bucket = data.source_bucket_ids?.[0];
    return {
      outcome: "triggered" as const,
      batch_id: data.batch_id ?? null,
      task_id: data.task_id ?? null,
      collection_id: data.collection_id ?? collection,
      total_tiers: data.total_tiers ?? null,
      object_count: data.object_count ?? null,
      document_count: data.document_count ?? null,
      source_bucket_ids: data.source_bucket_ids ?? [],
      message: clip(data.message) ?? null,
      recommendations: bucket && data.batch_id ? [waitStep({ bucket, batch_id: data.batch_id })]
        : data.task_id ? [step("get_task", { task_id: data.task_id }, "Watch the processing task", "The batch runs as a task; get_task reports its status.")]
        : [],
    };
  },
});
