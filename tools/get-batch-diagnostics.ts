import { z } from "zod";
import { diagnoseStep, waitStep } from "../src/domain/next-steps.js";
import { isActive } from "../src/domain/status.js";
import { clip } from "../src/domain/views.js";
import { batchIdArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const MAX_TIERS = 20;
const MAX_LINES = 5;

export const name = "get_batch_diagnostics";

export const input = { batch_id: batchIdArg };

export default defineTool({
  name,
  title: "Get batch diagnostics",
  description: "A batch's progress, per-tier timing and errors, performance insights and the API's next actions, by batch_id alone (no bucket needed).",
  input,
  output: {
    batch_id: z.string(),
    bucket_id: z.string().nullable(),
    status: z.string(),
    overall_progress: z.number().nullable().describe("Percent, 0–100"),
    current_tier: z.number().nullable(),
    total_tiers: z.number().nullable(),
    duration_seconds: z.number().nullable(),
    failed_tier_count: z.number().nullable(),
    tiers: z.array(z.object({
      tier_num: z.number().nullable(),
      status: z.string(),
      percentage: z.number().nullable(),
      duration_seconds: z.number().nullable(),
      error_type: z.string().nullable(),
      error: z.string().nullable(),
    })),
    insights: z.array(z.string()),
    next_actions: z.array(z.string()),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "admin",
  operations: ["getBatchDiagnostics"],
  async run({ batch_id }, { api, signal }) {
    const { data } = await api.call("getBatchDiagnostics", { params: { batch_id } }, signal);
    const status = clip(data.status, 40) ?? "UNKNOWN";
    const bucket = clip(data.bucket_id, 200) ?? null;
    const failedTiers = (data.tiers ?? []).filter((t) => t.status === "FAILED").length;
    const failing = data.has_failures === true || (data.failed_tier_count ?? 0) > 0 || failedTiers > 0 || status === "FAILED" || status === "COMPLETED_WITH_ERRORS";
    const ref = bucket ? { bucket, batch_id } : undefined;
    return {
      batch_id,
      bucket_id: bucket,
      status,
      overall_progress: data.overall_progress ?? null,
      current_tier: data.current_tier ?? null,
      total_tiers: data.total_tiers ?? null,
      duration_seconds: data.duration_seconds ?? null,
      failed_tier_count: data.failed_tier_count ?? (data.tiers ? failedTiers : null),
      tiers: (data.tiers ?? []).slice(0, MAX_TIERS).map((t) => ({
        tier_num: t.tier_num ?? null,
        status: clip(t.status, 40) ?? "UNKNOWN",
        percentage: t.progress?.percentage ?? null,
        duration_seconds: t.duration_seconds ?? null,
        error_type: clip(t.error_type, 60) ?? null,
        error: clip(t.error, 300) ?? null,
      })),
      insights: (data.insights ?? []).slice(0, MAX_LINES).map((i) => clip(`${i.severity ?? "info"}: ${i.message ?? i.type ?? "?"}${i.recommendation ? ` (${i.recommendation})` : ""}`, 300)!),
      next_actions: (data.next_actions ?? []).slice(0, MAX_LINES).map((a) => clip(typeof a === "string" ? a : JSON.stringify(a), 300)!),
      ...(ref ? {} : { notes: ["The API sent no bucket_id, so no batch tool can be recommended; find the batch with list_batches."] }),
      recommendations: !ref ? []
        : failing ? [diagnoseStep(ref, `The batch ${status === "FAILED" ? "failed" : "has failures"}; diagnose_batch finds the cause and recommends the fix.`)]
          : isActive(data.status) ? [waitStep(ref)]
            : [],
    };
  },
});
