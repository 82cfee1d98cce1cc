import { z } from "zod";
import { waitStep } from "../src/domain/recommend.js";
import { clip } from "../src/domain/views.js";
import { recommendations, tierRef } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

export default defineTool({
  name: "detect_stuck_tier",
  title: "Detect stuck tier",
  description: "Ask the API whether an IN_PROGRESS tier is stuck (no activity for minutes); a stuck tier's stalled jobs are marked failed so it can be rerun. Safe to repeat.",
  input: tierRef,
  output: {
    outcome: z.enum(["stuck_detected", "not_stuck"]),
    batch_id: z.string(),
    tier_num: z.number(),
    stale_seconds: z.number().nullable(),
    affected_job_ids: z.array(z.string()),
    tier_status: z.string().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const ref = { bucket, batch_id };
    const { data } = await api.healTier({ ...ref, tier_num }, "detect_stuck", signal);
    const stuck = data.stuck === true;
    return {
      outcome: stuck ? "stuck_detected" as const : "not_stuck" as const,
      batch_id,
      tier_num,
      stale_seconds: data.stale_seconds ?? null,
      affected_job_ids: data.affected_job_ids ?? [],
      tier_status: data.tier_status ?? null,
      message: clip(data.message) ?? null,
      recommendations: stuck
        ? [{
          title: `Resubmit the batch from tier ${tier_num}`,
          rationale: `Tier ${tier_num} was stuck and is now ${data.tier_status ?? "failed"}; resubmitting from it reruns the tier and keeps earlier tiers' results.`,
          risk: "low" as const,
          tool: "resubmit_batch",
          arguments: { ...ref, from_tier: tier_num },
        }]
        : [waitStep(ref, "The tier is not stuck; it is still making progress.")],
    };
  },
});
