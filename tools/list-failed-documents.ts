import { z } from "zod";
import { BadResponseError } from "../src/api/errors.js";
import { permanentFix, retryable, transientRetry } from "../src/domain/recommend.js";
import { isTransientError } from "../src/domain/status.js";
import { FailureGroupView, clip, groupFailures } from "../src/domain/views.js";
import { batchRef, collectionArg, limitArg, offsetArg, tierNumArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const DEFAULT_LIMIT = 100;

const DocumentView = z.object({
  document_id: z.string().nullable(),
  object_id: z.string().nullable(),
  tier_num: z.number().nullable(),
  error_type: z.string(),
  error_message: z.string(),
  transient: z.boolean(),
  retry_count: z.number(),
});

export const name = "list_failed_documents";

export const input = {
  ...batchRef,
  tier_num: tierNumArg.optional(),
  collection_id: collectionArg.optional(),
  limit: limitArg(500, DEFAULT_LIMIT),
  offset: offsetArg,
  raw: z.boolean().optional().describe("List documents instead of error groups (default false)"),
};

export default defineTool({
  name,
  title: "List failed documents",
  description: "A batch's failed documents grouped by error signature (type + message) with counts, example ids and the fix that fits; raw: true lists documents page by page.",
  input,
  output: {
    batch_id: z.string(),
    total: z.number().nullable().describe("null when the API did not say"),
    offset: z.number(),
    returned: z.number(),
    next_offset: z.number().nullable(),
    groups: z.array(FailureGroupView).optional(),
    groups_omitted: z.number().optional(),
    documents: z.array(DocumentView).optional(),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["listFailedDocuments"],
  async run({ bucket, batch_id, tier_num, collection_id, limit = DEFAULT_LIMIT, offset = 0, raw = false }, { api, signal }) {
    const { data, status, requestId } = await api.call("listFailedDocuments", { params: { bucket, batch_id }, query: { tier_num, collection_id, limit, offset } }, signal);
    // No list is not an empty list: "nothing failed" must never come from an answer we could not read.
    if (!data.items) {
      throw new BadResponseError({
        message: `The API's failed-documents answer held no list this server recognises (keys: ${(data.received_keys ?? []).join(", ") || "none"}).`,
        status, requestId, operation: "listFailedDocuments",
      });
    }
    const documents = data.items.slice(0, limit);
    const lastPage = documents.length < limit;
    const total = data.total ?? (lastPage ? offset + documents.length : null);
    const next = offset + documents.length;
    const { groups, groups_omitted } = groupFailures(documents);
    const ref = { bucket, batch_id };
    const transient = retryable(groups);
    const permanent = groups.filter((g) => !g.transient);
    const page = {
      batch_id, total, offset, returned: documents.length,
      next_offset: documents.length && (total === null ? !lastPage : next < total) ? next : null,
      // Steps for what this page shows; later pages may hold other errors.
      recommendations: [
        ...(transient.length ? [transientRetry(ref, transient, String(transient.reduce((n, g) => n + g.count, 0)))] : []),
        ...(permanent.length ? [permanentFix(permanent, String(permanent.reduce((n, g) => n + g.count, 0)))] : []),
      ],
    };
    if (!raw) return { ...page, groups, groups_omitted };
    return {
      ...page,
      documents: documents.map((d) => ({
        document_id: clip(d.document_id, 100) ?? null,
        object_id: clip(d.object_id, 100) ?? null,
        tier_num: d.tier_num ?? null,
        error_type: clip(d.error_type ?? "unknown", 100)!,
        error_message: clip(d.error_message ?? "", 200)!,
        transient: isTransientError(d.error_type, d.error_message),
        retry_count: d.retry_count ?? 0,
      })),
    };
  },
});
