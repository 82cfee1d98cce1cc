import { z } from "zod";
import { diagnoseStep } from "../src/domain/recommend.js";
import { isActive } from "../src/domain/status.js";
import { activeJobs, describeJob, loadTier, tierFingerprint } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { recommendations, tierRef } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

export default defineTool({
  name: "cancel_tier",
  title: "Cancel tier",
  description: "Stop every Ray job of one tier; later tiers do not run. Use on a stuck tier before retry_tier. Asks for confirmation.",
  input: tierRef,
  output: {
    outcome: z.enum(["canceled", "not_active"]),
    batch_id: z.string(),
    tier_num: z.number(),
    tier_status: z.string().nullable(),
    batch_status: z.string().nullable(),
    canceled_job_ids: z.array(z.string()),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async plan(args, { api, signal }) {
    const { batch, tier } = await loadTier(api, args, signal);
    if (!isActive(tier.status)) {
      return { result: { outcome: "not_active" as const, batch_id: args.batch_id, tier_num: args.tier_num, tier_status: tier.status ?? null, batch_status: batch.status ?? null, canceled_job_ids: [], message: `Tier ${args.tier_num} is ${tier.status}; there is nothing to cancel.`, recommendations: [] } };
    }
    const later = (batch.tier_tasks ?? []).filter((t) => t.tier_num > args.tier_num).map((t) => t.tier_num);
    return {
      plan: {
        action: "Cancel tier",
        target: `tier ${args.tier_num} (${tier.status}) of batch ${args.batch_id}`,
        affects: [
          ...activeJobs(tier).map((job) => `stops ${describeJob(job)}`),
          ...(later.length ? [`tier(s) ${later.join(", ")} will not run`] : []),
        ],
        fingerprint: tierFingerprint(tier),
      },
    };
  },
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const { data } = await api.cancelTier({ bucket, batch_id, tier_num }, signal);
    return {
      outcome: "canceled" as const,
      batch_id,
      tier_num,
      tier_status: data.status ?? null,
      batch_status: data.batch_status ?? null,
      canceled_job_ids: data.canceled_job_ids ?? [],
      message: clip(data.message) ?? null,
      recommendations: [diagnoseStep({ bucket, batch_id }, `Tier ${tier_num} is canceled. To rerun it, retry_tier (optionally with other resources); diagnose_batch shows the batch now.`)],
    };
  },
});
