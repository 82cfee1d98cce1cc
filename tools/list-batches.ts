import { z } from "zod";
import { TASK_STATUSES } from "../src/api/wire.js";
import { diagnoseStep } from "../src/domain/recommend.js";
import { BatchSummaryView, batchSummary } from "../src/domain/views.js";
import { bucketArg, limitArg, offsetArg, recommendations } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

const DEFAULT_LIMIT = 20;

export default defineTool({
  name: "list_batches",
  title: "List batches",
  description: "List a bucket's batches, newest first, with status and failed tiers. Start here to find a batch_id.",
  input: {
    bucket: bucketArg,
    status: z.enum(TASK_STATUSES).optional().describe('Only batches in this status, e.g. "FAILED"'),
    limit: limitArg(100, DEFAULT_LIMIT),
    offset: offsetArg,
  },
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
  async run({ bucket, status, limit = DEFAULT_LIMIT, offset = 0 }, { api, signal }) {
    const { data } = await api.listBatches(bucket, { ...(status ? { status } : {}), offset, limit }, signal);
    const batches = data.results.slice(0, limit).map(batchSummary);
    const next = offset + batches.length;
    const failed = batches.find((b) => b.status === "FAILED" || b.status === "COMPLETED_WITH_ERRORS");
    return {
      bucket,
      total_count: data.total_count,
      offset,
      returned: batches.length,
      next_offset: next < data.total_count && batches.length > 0 ? next : null,
      batches,
      recommendations: failed
        ? [diagnoseStep({ bucket, batch_id: failed.batch_id }, `Batch ${failed.batch_id} is ${failed.status}; diagnose_batch finds the cause and the fix.`)]
        : [],
    };
  },
});
