import { z } from "zod";
import { isTransientCategory } from "../src/domain/status.js";
import { FailureGroupView, clip, groupFailures } from "../src/domain/views.js";
import { batchRef, collectionArg, limitArg, offsetArg, tierNumArg } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

const DEFAULT_LIMIT = 100;

const DocumentView = z.object({
  document_id: z.string(),
  object_id: z.string().nullable(),
  tier_num: z.number().nullable(),
  error_type: z.string(),
  error_message: z.string(),
  transient: z.boolean(),
  retry_count: z.number(),
});

export default defineTool({
  name: "list_failed_documents",
  title: "List failed documents",
  description: "A batch's failed documents grouped by error signature (type + message) with counts and example ids; raw: true lists documents page by page.",
  input: {
    ...batchRef,
    tier_num: tierNumArg.optional(),
    collection_id: collectionArg.optional(),
    limit: limitArg(500, DEFAULT_LIMIT),
    offset: offsetArg,
    raw: z.boolean().optional().describe("List documents instead of error groups (default false)"),
  },
  output: {
    batch_id: z.string(),
    total: z.number(),
    offset: z.number(),
    returned: z.number(),
    next_offset: z.number().nullable(),
    groups: z.array(FailureGroupView).optional(),
    groups_omitted: z.number().optional(),
    documents: z.array(DocumentView).optional(),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run({ bucket, batch_id, tier_num, collection_id, limit = DEFAULT_LIMIT, offset = 0, raw = false }, { api, signal }) {
    const { data } = await api.listFailedDocuments({ bucket, batch_id }, { tier_num, collection_id, limit, offset }, signal);
    const documents = (data.documents ?? []).slice(0, limit);
    const total = data.total ?? offset + documents.length;
    const next = offset + documents.length;
    const page = { batch_id, total, offset, returned: documents.length, next_offset: next < total && documents.length ? next : null };
    if (!raw) return { ...page, ...groupFailures(documents) };
    return {
      ...page,
      documents: documents.map((d) => ({
        document_id: d.document_id,
        object_id: d.object_id ?? null,
        tier_num: d.tier_num ?? null,
        error_type: d.error_type ?? "unknown",
        error_message: clip(d.error_message ?? "", 200)!,
        transient: isTransientCategory(d.error_type),
        retry_count: d.retry_count ?? 0,
      })),
    };
  },
});
