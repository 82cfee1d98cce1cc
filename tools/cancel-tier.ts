import { z } from "zod";
import { diagnoseStep, step } from "../src/domain/next-steps.js";
import { mayBeActive } from "../src/domain/status.js";
import { activeJobs, describeJob, loadTier, tierFingerprint, unknownStatusNote } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "cancel_tier";

export const input = tierRef;

export default defineTool({
  name,
  title: "Cancel tier",
  description: "Stop every Ray job of one tier; later tiers do not run. Use on a stuck tier after detect_stuck_tier, then retry_tier. Asks for confirmation.",
  input,
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
  toolset: "triage",
  operations: ["getBatch", "cancelTier"],
  async plan(args, { api, signal }) {
    const { batch, tier } = await loadTier(api, args, signal);
    // Only a status known to be final means there is nothing to cancel.
    if (!mayBeActive(tier.status)) {
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
          ...unknownStatusNote(`Tier ${args.tier_num}`, tier.status),
        ],
        fingerprint: tierFingerprint(tier),
      },
    };
  },
  async run({ bucket, batch_id, tier_num }, { api, signal, recentActions }) {
    const { data } = await api.call("cancelTier", { params: { bucket, batch_id, tier_num } }, signal);
    // In the stuck-tier flow (detected, canceled) the next step is the rerun; otherwise the
    // cancellation may have been the point, and a diagnosis shows what is left.
    const stuckFlow = (await recentActions(batch_id)).some((a) => a.tool === "detect_stuck_tier" && a.arguments["tier_num"] === tier_num);
    const diagnose = diagnoseStep({ bucket, batch_id }, "diagnose_batch shows the batch after the cancellation and what is left to do.");
    return {
      outcome: "canceled" as const,
      batch_id,
      tier_num,
      tier_status: data.status ?? null,
      batch_status: data.batch_status ?? null,
      canceled_job_ids: data.canceled_job_ids ?? [],
      message: clip(data.message) ?? null,
      recommendations: stuckFlow
        ? [step("retry_tier", { bucket, batch_id, tier_num }, `Retry tier ${tier_num}`,
          `Stuck tier ${tier_num} is canceled; retry_tier reruns it (add memory_bytes or requires_gpu to change its resources) and earlier tiers keep their results.`), diagnose]
        : [diagnose],
    };
  },
});
