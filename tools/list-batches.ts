import { z } from "zod";
import { BadResponseError } from "../src/api/errors.js";
import { diagnoseStep } from "../src/domain/next-steps.js";
import { BatchSummaryView, batchSummary } from "../src/domain/views.js";
import { bucketArg, limitArg, offsetArg, statusArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const DEFAULT_LIMIT = 20;

export const name = "list_batches";

export const input = {
  bucket: bucketArg,
  status: statusArg,
  limit: limitArg(100, DEFAULT_LIMIT),
  offset: offsetArg,
};

export default defineTool({
  name,
  title: "List batches",
  description: "List a bucket's batches, newest first, with status and failed tiers. Start here to find a batch_id.",
  input,
  output: {
    bucket: z.string(),
    total_count: z.number(),
    offset: z.number(),
    returned: z.number(),
    next_offset: z.number().nullable().describe("Offset of the next page, null on the last page"),
    batches: z.array(BatchSummaryView),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["listBatches"],
  async run({ bucket, status, limit = DEFAULT_LIMIT, offset = 0 }, { api, signal }) {
    const { data, status: httpStatus, requestId } = await api.call("listBatches", { params: { bucket }, body: { ...(status ? { status } : {}), offset, limit } }, signal);
    // No list is not an empty list: say so rather than report "no batches".
    if (!data.items) {
      throw new BadResponseError({
        message: `The API's list answer held no list of batches this server recognises (keys: ${(data.received_keys ?? []).join(", ") || "none"}).`,
        status: httpStatus, requestId, operation: "listBatches",
      });
    }
    const batches = data.items.slice(0, limit).map(batchSummary);
    const total = data.total ?? offset + batches.length;
    const next = offset + batches.length;
    const failed = batches.find((b) => b.status === "FAILED" || b.status === "COMPLETED_WITH_ERRORS");
    return {
      bucket,
      total_count: total,
      offset,
      returned: batches.length,
      next_offset: (data.total === null ? batches.length === limit : next < total) && batches.length > 0 ? next : null,
      batches,
      ...(data.total === null ? { notes: ["The API sent no total: total_count counts only the batches seen up to this page."] } : {}),
      recommendations: failed
        ? [diagnoseStep({ bucket, batch_id: failed.batch_id }, `Batch ${failed.batch_id} is ${failed.status}; diagnose_batch finds the cause and the fix.`)]
        : [],
    };
  },
});
