import { z } from "zod";
import { MixpeekApiError } from "../src/api/errors.js";
import type { Diagnosis } from "../src/api/wire.js";
import { EventView, type FailedDocumentsRead, TierFinding, computeFindings, summarise } from "../src/domain/diagnosis.js";
import { heldForReview } from "../src/domain/next-steps.js";
import { recommend } from "../src/domain/recommend.js";
import { statusClass } from "../src/domain/status.js";
import { FailureGroupView, StageView, clip, stageHistory } from "../src/domain/views.js";
import { batchRef } from "../src/mcp/arguments.js";
import { BudgetView, recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";
import { DIAGNOSIS_VIEW_URI } from "../src/mcp/view.js";

/** Failed documents read to group errors; the API's count stays exact beyond it. */
const SAMPLE_SIZE = 500;
const RECENT_ACTIONS = 10;
/** Budgets this much used are shown. */
const NEARLY = 0.8;

/** Status and the API's error type, or the message: class names do not survive the bundle. */
const describeFailure = (error: unknown) => {
  if (!(error instanceof MixpeekApiError)) return "error";
  return error.status ? `HTTP ${error.status}${error.errorType ? ` ${error.errorType}` : ""}` : clip(error.message, 160)!;
};

export const name = "diagnose_batch";

export const input = batchRef;

const output = {
  batch_id: z.string(),
  status: z.string(),
  failure_category: z.string().nullable().describe("infrastructure | timeout | orphaned | pipeline, null when none"),
  summary: z.string(),
  infrastructure_events: z.array(EventView),
  tiers: z.array(TierFinding),
  stage_history: z.array(StageView).describe("Where the batch's time went, in the API's order"),
  failed_documents: z.object({
    total: z.number().nullable().describe("null when the API did not say"),
    sampled: z.number(),
    groups: z.array(FailureGroupView),
    groups_omitted: z.number(),
  }),
  api_recommendations: z.array(z.string()),
  recent_actions: z.array(z.object({ tool: z.string(), summary: z.string(), outcome: z.string(), at: z.string() }))
    .describe("What this server already did to the batch, newest first"),
  budgets: z.array(BudgetView).optional().describe("Mutation budgets at least 80 % used; past the limit, changes are refused until frees_at"),
  notes: z.array(z.string()),
  recommendations,
};

/** What the view page (src/app) draws. */
export type DiagnoseBatchResult = z.infer<z.ZodObject<typeof output>>;

export default defineTool({
  name,
  title: "Diagnose batch",
  description: "Why a batch failed or is stuck: cause, per-tier findings, failed documents grouped by error, what was already tried, and recommended fixes with ready tool arguments. Use first on any failing batch.",
  input,
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBatch", "diagnoseBatch", "listFailedDocuments"],
  view: DIAGNOSIS_VIEW_URI,
  async run(ref, { api, signal, recentActions, budgets: budgetsOf }) {
    const notes: string[] = [];
    const [{ data: batch, serverTime }, diagnosis] = await Promise.all([
      api.call("getBatch", { params: ref }, signal),
      api.call("diagnoseBatch", { params: ref }, signal).then((r) => r.data, (error: unknown): Diagnosis | undefined => {
        // The diagnose route is newer than every spec; without it we diagnose from the batch
        // alone. If the batch itself is unreachable, getBatch reports that error.
        if (!(error instanceof MixpeekApiError)) throw error;
        notes.push(`The API's diagnose endpoint failed (${describeFailure(error)}); findings come from the batch alone.`);
        return undefined;
      }),
    ]);
    const failed = mayHaveFailedDocuments(batch.status, diagnosis?.failed_document_count, batch.error_summary)
      ? await api.call("listFailedDocuments", { params: ref, query: { limit: SAMPLE_SIZE } }, signal).then(
        ({ data }): FailedDocumentsRead => {
          if (data.items === null) notes.push(`The failed-documents answer held no list this server recognises (keys: ${(data.received_keys ?? []).join(", ") || "none"}).`);
          return { documents: data.items, total: data.total ?? null };
        },
        (error: unknown) => {
          notes.push(`Failed documents could not be read (${describeFailure(error)}).`);
          return undefined;
        })
      : undefined;
    const findings = computeFindings(batch, diagnosis, failed, serverTime);
    notes.push(...findings.notes);
    const count = findings.failed_document_count;
    if (count !== null && findings.sampled_documents && findings.sampled_documents < count) {
      notes.push(`Error groups are computed from ${findings.sampled_documents} of ${count} failed documents; list_failed_documents pages through all.`);
    }
    const [history, budgets] = await Promise.all([recentActions(ref.batch_id), budgetsOf(ref.batch_id)]);
    const close = budgets.filter((b) => b.used >= Math.ceil(NEARLY * b.limit));
    const spent = close.find((b) => b.used >= b.limit);
    if (spent) notes.push(`No change to this batch can be made through this server until ${spent.frees_at ?? "the window ends"}: the ${spent.scope} budget of ${spent.limit} changes per hour is used up. A person should review recent_actions and this diagnosis first.`);
    return {
      batch_id: findings.batch_id,
      status: findings.status,
      failure_category: findings.failure_category,
      summary: summarise(findings),
      infrastructure_events: findings.events.slice(0, 10),
      tiers: findings.tiers,
      stage_history: stageHistory(batch),
      failed_documents: {
        total: count,
        sampled: findings.sampled_documents,
        groups: findings.failure_groups,
        groups_omitted: findings.failure_groups_omitted,
      },
      api_recommendations: findings.api_recommendations.slice(0, 5).map((r) => clip(r.text ?? r.action ?? "", 200)!),
      recent_actions: history.slice(0, RECENT_ACTIONS).map(({ tool, summary, outcome, at }) => ({ tool, summary: clip(summary, 120)!, outcome, at })),
      ...(close.length ? { budgets: close } : {}),
      notes,
      recommendations: spent ? recommend(findings, ref, history).map((rec) => heldForReview(rec, spent.frees_at ?? "the window ends")) : recommend(findings, ref, history),
    };
  },
});

/** Whether reading the failed documents can tell anything: any count above zero, or a status
 * that does not rule failures out (only a plain COMPLETED, running or draft batch does). */
function mayHaveFailedDocuments(status: string | null | undefined, count: number | null | undefined, summary: Record<string, number | null | undefined> | null | undefined): boolean {
  if (typeof count === "number") return count > 0;
  if (Object.values(summary ?? {}).some((n) => (n ?? 0) > 0)) return true;
  return status !== "COMPLETED" && statusClass(status) !== "active" && statusClass(status) !== "idle";
}
