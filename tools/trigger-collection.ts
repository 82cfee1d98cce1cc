import { z } from "zod";
import { waitStep } from "../src/domain/recommend.js";
import { clip } from "../src/domain/views.js";
import { collectionArg, idString, recommendations } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

const ids = (what: string, example: string) => z.array(idString(what, example)).min(1).max(1000);

export default defineTool({
  name: "trigger_collection",
  title: "Trigger collection processing",
  description: "(Re)process a collection: creates and submits a batch from its source buckets or collections, optionally limited to some objects or a filter.",
  input: {
    collection: collectionArg,
    include_buckets: ids("Bucket", '"sandbox-media"').optional().describe("Only these source buckets"),
    include_collections: ids("Collection", '"col_a1b2c3d4e5"').optional().describe("Only these source collections"),
    object_ids: ids("Object id", '"obj_123"').optional().describe("Only these objects"),
    source_filters: z.record(z.string(), z.unknown()).optional()
      .describe('Filter, e.g. {"AND":[{"field":"status","operator":"eq","value":"new"}]}'),
  },
  output: {
    outcome: z.literal("triggered"),
    batch_id: z.string(),
    task_id: z.string(),
    collection_id: z.string(),
    total_tiers: z.number(),
    object_count: z.number().nullable(),
    document_count: z.number().nullable(),
    source_bucket_ids: z.array(z.string()),
    message: z.string(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ collection, ...body }, { api, signal }) {
    const { data } = await api.triggerCollection(collection, body, signal);
    const bucket = data.source_bucket_ids?.[0];
    return {
      outcome: "triggered" as const,
      batch_id: data.batch_id,
      task_id: data.task_id,
      collection_id: data.collection_id,
      total_tiers: data.total_tiers,
      object_count: data.object_count ?? null,
      document_count: data.document_count ?? null,
      source_bucket_ids: data.source_bucket_ids ?? [],
      message: clip(data.message)!,
      recommendations: bucket
        ? [waitStep({ bucket, batch_id: data.batch_id })]
        : [{ title: "Watch the processing task", rationale: "The batch was created from collections; get_task reports its status.", risk: "low" as const, tool: "get_task", arguments: { task_id: data.task_id } }],
    };
  },
});
