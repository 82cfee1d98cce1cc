// Stable, bounded views of the API's data. Tools return these, never the raw wire body, so a
// result does not grow with batch size and does not change shape when the API adds fields.
import { z } from "zod";
import type { Batch, BatchErrorDetail, ExtractorJob, FailedDocument, SubmissionParams, TierTask } from "../api/wire.js";
import { currentTrace } from "../api/trace.js";
import { safeText } from "../util/text.js";
import { isTransientError, mayBeActive } from "./status.js";

export const MAX_TEXT = 300;
const MAX_JOBS = 20;
const MAX_TIER_ERRORS = 5;

/** API text made safe to show (util/text.ts): the call's secrets removed, bounded to `max`
 * characters with a visible mark, and on one line. */
export function clip(text: string | null | undefined, max = MAX_TEXT): string | undefined {
  // Stryker disable next-line ArrayDeclaration: outside a trace the mutant's secret list is ["Stryker was here"], which changes only a text containing that sentinel; no API text does
  return text === null || text === undefined ? undefined : safeText(text, max, currentTrace()?.secrets ?? []);
}

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const ResourcesView = z.object({
  requires_gpu: nullable(z.boolean()),
  num_cpus: nullable(z.number()),
  memory_bytes: nullable(z.number()),
  priority: nullable(z.number()),
  extractor_name: nullable(z.string()),
});
export type ResourcesView = z.infer<typeof ResourcesView>;

export const JobView = z.object({
  extractor_type: z.string(),
  ray_job_id: nullable(z.string()),
  status: z.string(),
  documents_written: nullable(z.number()),
  error: z.string().optional(),
});

export const ErrorGroupView = z.object({
  error_type: z.string(),
  message: z.string(),
  count: z.number(),
  transient: z.boolean(),
});

export const TierView = z.object({
  tier_num: z.number(),
  status: z.string(),
  collection_ids: z.array(z.string()),
  documents_submitted: nullable(z.number()),
  documents_written: nullable(z.number()),
  started_at: nullable(z.string()),
  completed_at: nullable(z.string()),
  duration_ms: nullable(z.number()),
  last_activity_at: nullable(z.string()),
  submission_params: nullable(ResourcesView),
  jobs: z.array(JobView),
  jobs_omitted: z.number().optional(),
  errors: z.array(ErrorGroupView),
  error_summary: z.record(z.string(), z.number()),
});
export type TierView = z.infer<typeof TierView>;

export const StageView = z.object({ name: z.string(), duration_seconds: nullable(z.number()) });

export const BatchView = z.object({
  batch_id: z.string(),
  bucket_id: nullable(z.string()),
  status: z.string(),
  type: nullable(z.string()),
  current_tier: nullable(z.number()),
  total_tiers: nullable(z.number()),
  object_count: nullable(z.number()),
  task_id: nullable(z.string()),
  created_at: nullable(z.string()),
  updated_at: nullable(z.string()),
  error: z.string().optional(),
  error_summary: z.record(z.string(), z.number()),
  tiers: z.array(TierView),
  stage_history: z.array(StageView),
});
export type BatchView = z.infer<typeof BatchView>;

export const resourcesView = (params: SubmissionParams | null | undefined): ResourcesView | null => params ? {
  requires_gpu: params.requires_gpu ?? null,
  num_cpus: params.num_cpus ?? null,
  memory_bytes: params.memory_bytes ?? null,
  priority: params.priority ?? null,
  extractor_name: params.extractor_name ?? null,
} : null;

const jobView = (job: ExtractorJob): z.infer<typeof JobView> => ({
  extractor_type: job.extractor_type ?? "unknown",
  ray_job_id: job.ray_job_id ?? null,
  status: job.status ?? "UNKNOWN",
  documents_written: job.documents_written ?? null,
  ...(job.error ? { error: clip(job.error)! } : {}),
});

/** The biggest error groups of a tier, already grouped by the API; counts are exact. */
const errorGroups = (errors: BatchErrorDetail[]): z.infer<typeof ErrorGroupView>[] =>
  [...errors]
    .sort((a, b) => (b.affected_count ?? 1) - (a.affected_count ?? 1))
    .slice(0, MAX_TIER_ERRORS)
    .map((e) => ({
      error_type: e.error_type ?? "unknown",
      message: clip(e.message ?? "")!,
      count: e.affected_count ?? 1,
      transient: isTransientError(e.error_type, e.message),
    }));

/** A tier's jobs, active and failed first (the ones an operator acts on), at most MAX_JOBS. */
export function jobViews(tier: TierTask): { jobs: z.infer<typeof JobView>[]; jobs_omitted?: number } {
  const jobs = tier.extractor_jobs ?? [];
  return {
    jobs: [...jobs].sort((a, b) => jobRank(a) - jobRank(b)).slice(0, MAX_JOBS).map(jobView),
    ...(jobs.length > MAX_JOBS ? { jobs_omitted: jobs.length - MAX_JOBS } : {}),
  };
}

export function tierView(tier: TierTask): TierView {
  return {
    tier_num: tier.tier_num,
    status: tier.status ?? "UNKNOWN",
    collection_ids: tier.collection_ids ?? [],
    documents_submitted: tier.documents_submitted_to_engine ?? null,
    documents_written: tier.documents_written ?? null,
    started_at: tier.started_at ?? null,
    completed_at: tier.completed_at ?? null,
    duration_ms: tier.duration_ms ?? null,
    last_activity_at: tier.last_activity_at ?? null,
    submission_params: resourcesView(tier.submission_params),
    ...jobViews(tier),
    errors: errorGroups(tier.errors ?? []),
    error_summary: counts(tier.error_summary),
  };
}

const jobRank = (job: ExtractorJob) => (job.status === "FAILED" ? 0 : mayBeActive(job.status) ? 1 : 2);

/** Error counts by category, without the entries the API left empty. */
export const counts = (summary: Record<string, number | null | undefined> | null | undefined): Record<string, number> =>
  Object.fromEntries(Object.entries(summary ?? {}).filter((e): e is [string, number] => typeof e[1] === "number"));

/** The batch's own account of why it failed: the newer failure_reason, or the legacy error. */
export const failureText = (batch: Batch): string | undefined => batch.failure_reason ?? batch.error ?? undefined;

export function batchView(batch: Batch): BatchView {
  return {
    batch_id: batch.batch_id,
    bucket_id: batch.bucket_id ?? null,
    status: batch.status ?? "UNKNOWN",
    type: batch.type ?? null,
    current_tier: batch.current_tier ?? null,
    total_tiers: batch.total_tiers ?? null,
    object_count: batch.object_ids?.length ?? null,
    task_id: batch.task_id ?? null,
    created_at: batch.created_at ?? null,
    updated_at: batch.updated_at ?? null,
    ...(failureText(batch) ? { error: clip(failureText(batch))! } : {}),
    error_summary: counts(batch.error_summary),
    tiers: (batch.tier_tasks ?? []).map(tierView),
    stage_history: stageHistory(batch),
  };
}

/** Where the batch's time went, stage by stage, in the API's order. */
export const stageHistory = (batch: Batch): z.infer<typeof StageView>[] =>
  (batch.progress?.stage_history ?? []).map((s) => ({ name: s.name, duration_seconds: s.duration_seconds ?? null }));

export const BatchSummaryView = z.object({
  batch_id: z.string(),
  status: z.string(),
  type: nullable(z.string()),
  current_tier: nullable(z.number()),
  total_tiers: nullable(z.number()),
  object_count: nullable(z.number()),
  failed_tiers: z.array(z.number()),
  error_summary: z.record(z.string(), z.number()),
  created_at: nullable(z.string()),
  updated_at: nullable(z.string()),
});

export const batchSummary = (batch: Batch): z.infer<typeof BatchSummaryView> => ({
  batch_id: batch.batch_id,
  status: batch.status ?? "UNKNOWN",
  type: batch.type ?? null,
  current_tier: batch.current_tier ?? null,
  total_tiers: batch.total_tiers ?? null,
  object_count: batch.object_ids?.length ?? null,
  // Stryker disable next-line ArrayDeclaration: a string in place of a tier has no status, so the filter drops it and the list stays empty
  failed_tiers: (batch.tier_tasks ?? []).filter((t) => t.status === "FAILED").map((t) => t.tier_num),
  error_summary: counts(batch.error_summary),
  created_at: batch.created_at ?? null,
  updated_at: batch.updated_at ?? null,
});

export const FailureGroupView = z.object({
  signature: z.string(),
  error_type: z.string(),
  message: z.string(),
  transient: z.boolean(),
  count: z.number(),
  max_retry_count: z.number(),
  tiers: z.array(z.number()),
  example_document_ids: z.array(z.string()),
});
export type FailureGroupView = z.infer<typeof FailureGroupView>;

/** Normalises a message so documents failing for the same reason share one signature:
 * ids, paths, numbers and quoted values are replaced by placeholders. */
export function normaliseMessage(message: string): string {
  return message
    .replace(/s3:\/\/\S+|gs:\/\/\S+|https?:\/\/\S+/g, "<url>")
    .replace(/\b(?:doc|obj|btch|bkt|col|upl|raysubmit|task)_[A-Za-z0-9]+\b/g, "<id>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/'[^']*'|"[^"]*"/g, "<value>")
    .replace(/\b\d+(?:\.\d+)?\b/g, "<n>")
    .replace(/\s+/g, " ")
    .trim();
}

const EXAMPLES_PER_GROUP = 3;

/** Groups failed documents by error type + normalised message, biggest group first. */
export function groupFailures(documents: FailedDocument[], maxGroups = 10): { groups: FailureGroupView[]; groups_omitted: number } {
  const bySignature = new Map<string, FailureGroupView & { tierSet: Set<number> }>();
  for (const doc of documents) {
    const errorType = doc.error_type ?? "unknown";
    const message = doc.error_message ?? "";
    const signature = `${errorType}: ${normaliseMessage(message)}`;
    let group = bySignature.get(signature);
    if (!group) {
      group = {
        signature: clip(signature)!, error_type: clip(errorType, 100)!, message: clip(message)!,
        transient: isTransientError(errorType, message), count: 0, max_retry_count: 0,
        // Stryker disable next-line ArrayDeclaration: this placeholder is always replaced by the sorted tierSet before a group is returned
        tiers: [],
        example_document_ids: [], tierSet: new Set(),
      };
      bySignature.set(signature, group);
    }
    group.count++;
    group.max_retry_count = Math.max(group.max_retry_count, doc.retry_count ?? 0);
    if (doc.tier_num !== null && doc.tier_num !== undefined) group.tierSet.add(doc.tier_num);
    const id = doc.document_id ?? doc.object_id;
    if (id && group.example_document_ids.length < EXAMPLES_PER_GROUP) group.example_document_ids.push(clip(id, 100)!);
  }
  const all = [...bySignature.values()].sort((a, b) => b.count - a.count);
  return {
    groups: all.slice(0, maxGroups).map(({ tierSet, ...group }) => ({ ...group, tiers: [...tierSet].sort((a, b) => a - b) })),
    groups_omitted: Math.max(0, all.length - maxGroups),
  };
}
