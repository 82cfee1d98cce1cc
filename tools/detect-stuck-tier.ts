import { z } from "zod";
import { STUCK_AFTER_MS } from "../src/domain/diagnosis.js";
import { diagnoseStep, step, waitStep } from "../src/domain/next-steps.js";
import { mayBeActive } from "../src/domain/status.js";
import { clip } from "../src/domain/views.js";
import { tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "detect_stuck_tier";

export const input = tierRef;

export default defineTool({
  name,
  title: "Detect stuck tier",
  description: "Ask the API whether a running tier is stuck (no activity for minutes), then read the tier back. Step 1 of the stuck flow: detect, cancel_tier, retry_tier. Safe to repeat.",
  input,
  output: {
    outcome: z.enum(["stuck_detected", "not_stuck", "detection_unclear"]).describe("The API's verdict; detection_unclear when its answer did not say"),
    batch_id: z.string(),
    tier_num: z.number(),
    stale_seconds: z.number().nullable(),
    affected_job_ids: z.array(z.string()),
    tier_status: z.string().nullable().describe("The tier's status read back after detection; null when it could not be read"),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["healTier", "getBatch"],
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const ref = { bucket, batch_id };
    const { data } = await api.call("healTier", { params: { ...ref, tier_num }, body: { action: "detect_stuck" } }, signal);
    // Whether detection also stopped the tier differs between API versions: look, don't assume.
    const after = await api.call("getBatch", { params: ref }, signal).catch(() => undefined);
    const tier = after?.data.tier_tasks?.find((t) => t.tier_num === tier_num);
    const lastActivity = Date.parse(tier?.last_activity_at ?? "");
    const idleMs = after && !Number.isNaN(lastActivity) ? after.serverTime - lastActivity : null;
    const outcome = data.stuck === true ? "stuck_detected" as const : data.stuck === false ? "not_stuck" as const : "detection_unclear" as const;
    const staleSeconds = data.stale_seconds ?? (idleMs === null ? null : Math.round(idleMs / 1000));
    return {
      outcome,
      batch_id,
      tier_num,
      stale_seconds: staleSeconds,
      affected_job_ids: data.affected_job_ids ?? [],
      tier_status: tier?.status ?? null,
      message: clip(data.message) ?? null,
      recommendations: nextSteps(),
    };

    function nextSteps() {
      if (!tier) return [diagnoseStep(ref, `Tier ${tier_num} could not be read back after detection; diagnose_batch shows its state and the next step.`)];
      if (tier.status === "FAILED" || tier.status === "CANCELED") {
        return [step("retry_tier", { ...ref, tier_num }, `Retry tier ${tier_num}`,
          `Detection left tier ${tier_num} ${tier.status}; retry_tier reruns it (and the tiers after it) while earlier tiers keep their results.`)];
      }
      if (!mayBeActive(tier.status)) return [diagnoseStep(ref, `Tier ${tier_num} is ${tier.status} now; diagnose_batch shows what is left.`)];
      const idle = idleMs !== null && idleMs >= STUCK_AFTER_MS;
      if (outcome === "stuck_detected" || (outcome === "detection_unclear" && idle)) {
        return [step("cancel_tier", { ...ref, tier_num }, `Cancel stuck tier ${tier_num}`,
          `${outcome === "stuck_detected" ? "The API confirmed" : "The API's answer did not say, but the tier shows"} no progress${staleSeconds === null ? "" : ` for ${Math.round(staleSeconds / 60)} min`}, and tier ${tier_num} still shows ${tier.status}. Cancel it, then retry_tier reruns it.`,
          "medium")];
      }
      return [waitStep(ref, outcome === "not_stuck"
        ? "The API says the tier is not stuck (it may be waiting for a GPU node); wait_for_batch watches it."
        : "The API's answer did not say, and the tier shows recent activity; wait_for_batch watches it.")];
    }
  },
});
