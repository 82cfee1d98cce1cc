import { z } from "zod";
import type { Batch } from "../src/api/wire.js";
import { diagnoseStep } from "../src/domain/next-steps.js";
import { mayBeActive } from "../src/domain/status.js";
import { clip } from "../src/domain/views.js";
import { bucketArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const WORST = 3;
/** A running tier with no activity this long may be stuck (the seed guide's threshold). */
const IDLE_MS = 10 * 60_000;

export const name = "get_bucket_health";

export const input = {
  bucket: bucketArg,
  hours: z.number().int().min(1).max(720).optional().describe("Hours of history, 1–720 (default 24)"),
};

type Worst = { batch_id: string; status: string; errors: number; reason: string };

export default defineTool({
  name,
  title: "Get bucket health",
  description: "A bucket's health over recent hours: errors by type, failing syncs, and its failed or stuck batches, worst first, each to diagnose_batch.",
  input,
  output: {
    bucket: z.string(),
    hours: z.number(),
    overall_health: z.string().nullable(),
    total_errors: z.number().nullable(),
    error_breakdown: z.array(z.object({ error_type: z.string(), count: z.number().nullable(), percentage: z.number().nullable(), last_seen: z.string().nullable() })),
    failing_syncs: z.array(z.object({ sync_config_id: z.string(), consecutive_failures: z.number().nullable(), failure_rate: z.number().nullable() })),
    stuck_syncs: z.array(z.string()),
    worst_batches: z.array(z.object({ batch_id: z.string(), status: z.string(), errors: z.number(), reason: z.string() })),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBucketHealth", "listBatches"],
  async run({ bucket, hours = 24 }, { api, signal }) {
    const { data } = await api.call("getBucketHealth", { params: { bucket }, query: { hours } }, signal);
    const notes: string[] = [];
    // The health answer names no batches: the newest 100 batches say which ones fail.
    let batches: Batch[] = [];
    try {
      const { data: list } = await api.call("listBatches", { params: { bucket }, body: { limit: 100 } }, signal);
      if (list.items) batches = list.items;
      else notes.push("The batch list held no list this server recognises, so failing batches are not named.");
    } catch (error) {
      notes.push(`Listing the bucket's batches failed (${clip((error as Error).message, 200)}), so failing batches are not named.`);
    }
    const end = Date.parse(data.time_range?.end ?? "");
    if (Number.isNaN(end)) notes.push("The API sent no time range, so batches are not checked for being stuck or recent.");
    const worst = rank(batches, Number.isNaN(end) ? undefined : end, hours);
    return {
      bucket,
      hours,
      overall_health: clip(data.overall_health, 40) ?? null,
      total_errors: data.total_errors ?? null,
      error_breakdown: (data.error_breakdown ?? []).slice(0, 10).map((e) => ({
        error_type: clip(e.error_type, 80) ?? "unknown", count: e.count ?? null, percentage: e.percentage ?? null, last_seen: e.last_seen ?? null,
      })),
      failing_syncs: (data.sync_health ?? []).filter((s) => (s.consecutive_failures ?? 0) > 0).slice(0, 5).map((s) => ({
        sync_config_id: clip(s.sync_config_id, 100) ?? "unknown", consecutive_failures: s.consecutive_failures ?? null, failure_rate: s.failure_rate ?? null,
      })),
      stuck_syncs: (data.stuck_syncs ?? []).slice(0, 10).map((s) => clip(typeof s === "string" ? s : JSON.stringify(s), 100)!),
      worst_batches: worst.slice(0, 5),
      ...(notes.length ? { notes } : {}),
      recommendations: worst.slice(0, WORST).map((b) => diagnoseStep({ bucket, batch_id: b.batch_id }, `Batch ${b.batch_id} ${b.reason}; diagnose_batch finds the cause and the fix.`)),
    };
  },
});

/** Failed batches first, then running ones that look stuck, then those that finished with
 * errors; more errors first within each. Only batches updated within the window, when known. */
function rank(batches: Batch[], end: number | undefined, hours: number): Worst[] {
  const since = end === undefined ? undefined : end - hours * 3_600_000;
  const scored: (Worst & { score: number })[] = [];
  for (const batch of batches) {
    const updated = Date.parse(batch.updated_at ?? batch.created_at ?? "");
    if (since !== undefined && !Number.isNaN(updated) && updated < since) continue;
    const errors = Object.values(batch.error_summary ?? {}).reduce<number>((sum, n) => sum + (n ?? 0), 0);
    const base = { batch_id: clip(batch.batch_id, 200)!, status: clip(batch.status, 40) ?? "UNKNOWN", errors };
    if (batch.status === "FAILED") scored.push({ ...base, score: 3, reason: "FAILED" });
    else if (end !== undefined && mayBeActive(batch.status) && idleTier(batch, end) !== undefined) {
      scored.push({ ...base, score: 2, reason: `is running but tier ${idleTier(batch, end)} shows no activity for over 10 minutes` });
    } else if (batch.status === "COMPLETED_WITH_ERRORS") scored.push({ ...base, score: 1, reason: `completed with ${errors} failed documents` });
  }
  return scored.sort((a, b) => b.score - a.score || b.errors - a.errors).map(({ score: _score, ...w }) => w);
}

/** The first running tier whose last activity is older than IDLE_MS. */
function idleTier(batch: Batch, end: number): number | undefined {
  return (batch.tier_tasks ?? []).find((t) => {
    const last = Date.parse(t.last_activity_at ?? "");
    return mayBeActive(t.status) && t.status !== "PENDING" && !Number.isNaN(last) && end - last > IDLE_MS;
  })?.tier_num;
}
