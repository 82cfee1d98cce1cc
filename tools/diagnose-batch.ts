import { z } from "zod";
import { MixpeekApiError } from "../src/api/errors.js";
import type { Diagnosis } from "../src/api/wire.js";
import { EventView, TierFinding, computeFindings, summarise } from "../src/domain/diagnosis.js";
import { recommend } from "../src/domain/recommend.js";
import { FailureGroupView, clip } from "../src/domain/views.js";
import { batchRef, recommendations } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

/** Failed documents read to group errors; the API's count stays exact beyond it. */
const SAMPLE_SIZE = 500;

export default defineTool({
  name: "diagnose_batch",
  title: "Diagnose batch",
  description: "Why a batch failed or is stuck: cause, per-tier findings, failed documents grouped by error, and recommended fixes with ready tool arguments. Use first on any failing batch.",
  input: batchRef,
  output: {
    batch_id: z.string(),
    status: z.string(),
    failure_category: z.string().nullable().describe("infrastructure | timeout | orphaned | pipeline, null when healthy"),
    summary: z.string(),
    infrastructure_events: z.array(EventView),
    tiers: z.array(TierFinding),
    failed_documents: z.object({
      total: z.number(),
      sampled: z.number(),
      groups: z.array(FailureGroupView),
      groups_omitted: z.number(),
    }),
    api_recommendations: z.array(z.string()),
    notes: z.array(z.string()),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(ref, { api, signal }) {
    const notes: string[] = [];
    const [{ data: batch, serverTime }, diagnosis] = await Promise.all([
      api.getBatch(ref, signal),
      api.diagnoseBatch(ref, signal).then((r) => r.data, (error: unknown): Diagnosis | undefined => {
        // The diagnose route is newer than every spec; without it we diagnose from the batch
        // alone. If the batch itself is unreachable, getBatch reports that error.
        if (!(error instanceof MixpeekApiError)) throw error;
        notes.push(`The API's diagnose endpoint failed (${error.status ?? error.name}); findings come from the batch alone.`);
        return undefined;
      }),
    ]);
    const failedCount = diagnosis?.failed_document_count ?? Object.values(batch.error_summary ?? {}).reduce((a, b) => a + b, 0);
    const failed = failedCount > 0
      ? await api.listFailedDocuments(ref, { limit: SAMPLE_SIZE }, signal).then(
        (r) => ({ documents: r.data.documents ?? [], total: r.data.total ?? failedCount }),
        (error: unknown) => {
          notes.push(`Failed documents could not be read (${error instanceof MixpeekApiError ? error.status ?? error.name : "error"}); groups come from the API's sample.`);
          return undefined;
        })
      : undefined;
    const findings = computeFindings(batch, diagnosis, failed, serverTime);
    if (findings.sampled_documents < findings.failed_document_count) {
      notes.push(`Error groups are computed from ${findings.sampled_documents} of ${findings.failed_document_count} failed documents; list_failed_documents pages through all.`);
    }
    return {
      batch_id: findings.batch_id,
      status: findings.status,
      failure_category: findings.failure_category,
      summary: summarise(findings),
      infrastructure_events: findings.events.slice(0, 10),
      tiers: findings.tiers,
      failed_documents: {
        total: findings.failed_document_count,
        sampled: findings.sampled_documents,
        groups: findings.failure_groups,
        groups_omitted: findings.failure_groups_omitted,
      },
      api_recommendations: (diagnosis?.recommendations ?? []).slice(0, 5).map((r) => clip(r, 200)!),
      notes,
      recommendations: recommend(findings, ref),
    };
  },
});
