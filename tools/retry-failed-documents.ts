import { z } from "zod";
import { diagnoseStep, waitStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { batchRef, tierNumArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "retry_failed_documents";

export const input = {
  ...batchRef,
  retry_mode: z.enum(["transient_only", "all"]).optional().describe('"transient_only" (default) or "all"'),
  tier_nums: z.array(tierNumArg).max(100).optional().describe("Only failures from these tiers, e.g. [1]; default all tiers"),
  max_retry_count: z.number().int().min(1).max(10).optional().describe("Skip documents already retried this many times, 1–10 (default 3)"),
};

export default defineTool({
  name,
  title: "Retry failed documents",
  description: 'Reprocess a batch\'s failed documents. retry_mode "transient_only" (default) retries network/resource errors only; "all" also retries permanent errors, only after their cause is fixed.',
  input,
  output: {
    outcome: z.enum(["retrying", "nothing_to_retry"]),
    batch_id: z.string(),
    status: z.string().nullable(),
    retried_count: z.number().nullable(),
    skipped_count: z.number().nullable(),
    skipped_max_retries: z.number().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "triage",
  operations: ["retryDocuments"],
  async run({ bucket, batch_id, retry_mode, tier_nums, max_retry_count }, { api, signal }) {
    const ref = { bucket, batch_id };
    const { data } = await api.call("retryDocuments", { params: ref, body: {
      ...(retry_mode ? { retry_mode } : {}),
      ...(tier_nums ? { tier_nums } : {}),
      ...(max_retry_count ? { max_retry_count } : {}),
    } }, signal);
    const retried = data.retried_count ?? null;
    const nothing = retried === 0;
    return {
      outcome: nothing ? "nothing_to_retry" as const : "retrying" as const,
      batch_id,
      status: data.status ?? null,
      retried_count: retried,
      skipped_count: data.skipped_count ?? null,
      skipped_max_retries: data.skipped_max_retries ?? null,
      message: clip(data.message) ?? null,
      recommendations: nothing
        ? [diagnoseStep(ref, "No document qualified for this retry (wrong mode, tiers, or retry limit reached); diagnose_batch shows what is left and why.")]
        : [waitStep(ref)],
    };
  },
});
