// Findings: what is wrong with a batch, computed from the batch itself, the API's diagnose
// answer (when it has one) and a bounded sample of failed documents. Pure functions. What could
// not be read is kept as "unknown" (null, or a note), never as "nothing wrong".
import { z } from "zod";
import type { ApiRecommendation, Batch, Diagnosis, ExtractorJob, FailedDocument, InfrastructureEvent, TierTask } from "../api/wire.js";
import { formatBytes } from "../util/bytes.js";
import { isTerminal, isTransientError, mayBeActive, statusClass, unknownStatus } from "./status.js";
import { FailureGroupView, JobView, ResourcesView, clip, counts, failureText, groupFailures, jobViews, resourcesView } from "./views.js";

/** An active tier with no activity for this long is probably stuck (the guide says "minutes
 * old"; GPU cold starts can take a while, so we wait ten). */
export const STUCK_AFTER_MS = 10 * 60_000;

export const TierFinding = z.object({
  tier_num: z.number(),
  status: z.string(),
  collection_ids: z.array(z.string()),
  jobs: z.array(JobView.pick({ extractor_type: true, ray_job_id: true, status: true })).describe("Active and failed first"),
  jobs_omitted: z.number().optional(),
  idle_seconds: z.number().nullable().describe("Seconds since last activity, for a tier that may be running"),
  stuck: z.boolean(),
  oom: z.boolean(),
  orphaned: z.boolean().describe("Every Ray job of the tier was lost"),
  qdrant_write_failed: z.boolean().describe("The tier processed its documents but writing them to Qdrant failed"),
  duplicate_jobs: z.array(z.object({ extractor_type: z.string(), ray_job_ids: z.array(z.string()) })),
  failing_jobs: z.array(z.object({ extractor_type: z.string(), ray_job_id: z.string(), status: z.string(), error: z.string().optional() })),
  resources: ResourcesView.nullable(),
  slowest_stage: z.string().optional(),
});
export type TierFinding = z.infer<typeof TierFinding>;

export const EventView = z.object({
  type: z.string(),
  tier_num: z.number().nullable(),
  ray_job_id: z.string().nullable(),
  timestamp: z.string().nullable(),
  message: z.string().optional(),
});

export interface Findings {
  batch_id: string;
  status: string;
  failure_category: string | null;
  total_tiers: number;
  tiers: TierFinding[];
  events: z.infer<typeof EventView>[];
  /** null: neither the API's diagnosis, the failed-documents list nor the error summary said. */
  failed_document_count: number | null;
  failure_groups: FailureGroupView[];
  failure_groups_omitted: number;
  sampled_documents: number;
  /** Batch-wide error counts by category: evidence when the documents themselves cannot be read. */
  error_summary: Record<string, number>;
  /** Tiers whose own error summary counts errors, for a retry scoped to them. */
  tiers_with_errors: number[];
  api_recommendations: ApiRecommendation[];
  /** What could not be read or understood, in words for the agent. */
  notes: string[];
}

const OOM_TEXT = /out of memory|\boom|memory limit|killed.*memory|exit code 137/i;
const LOST_JOB_TEXT = /not found|lost|orphan|no such job|disappeared/i;
/** [SPEC] retry-qdrant-write is for "when validation detects 'qdrant_write_failed'"; where the API
 * says so is not documented: an error type or summary key, a message, or a diagnose recommendation. */
const QDRANT_WRITE_TEXT = /qdrant[ _-]?write[ _-]?failed|qdrant.{0,60}(fail|timed? ?out|error|refused)/i;

export interface FailedDocumentsRead {
  /** null: the answer held no list we recognise. */
  documents: FailedDocument[] | null;
  total: number | null;
}

export function computeFindings(
  batch: Batch,
  diagnosis: Diagnosis | undefined,
  failedDocuments: FailedDocumentsRead | undefined,
  serverTime: number,
): Findings {
  const notes: string[] = [];
  const events = (diagnosis?.infrastructure_events ?? []).map(eventView);
  const sample = failedDocuments?.documents ?? diagnosis?.failed_documents_sample ?? [];
  const { groups, groups_omitted } = groupFailures(sample);
  const perTier = new Map((diagnosis?.per_tier ?? []).map((t) => [t.tier_num, t]));
  const qdrantTiers = new Set((diagnosis?.recommendations ?? []).filter((r) => QDRANT_WRITE_TEXT.test(`${r.action ?? ""} ${r.text ?? ""}`) || /qdrant/i.test(r.action ?? ""))
    .map((r) => r.tier_num ?? Number(/\btier (\d+)/i.exec(r.text ?? "")?.[1])));
  const tiers = (batch.tier_tasks ?? []).map((tier) => tierFinding(withDiagnosis(tier, perTier.get(tier.tier_num)), { events, serverTime, batch, qdrantTiers }));
  const status = batch.status ?? diagnosis?.status ?? "UNKNOWN";
  const errorSummary = counts(batch.error_summary);
  const summed = Object.values(errorSummary).reduce((a, b) => a + b, 0);
  const failedCount = diagnosis?.failed_document_count ?? failedDocuments?.total
    ?? (Object.keys(errorSummary).length ? summed : undefined)
    ?? (status === "COMPLETED" ? 0 : failedDocuments?.documents ? sample.length : null);
  for (const [what, value] of [["batch", status], ...tiers.map((t) => [`tier ${t.tier_num}`, t.status])] as const) {
    const unknown = unknownStatus(value);
    if (unknown) notes.push(`The ${what} status ${JSON.stringify(clip(unknown, 40))} is not one this server knows; it is treated as possibly running, not as finished.`);
  }
  return {
    batch_id: batch.batch_id,
    status,
    failure_category: diagnosis?.failure_category ?? inferCategory(tiers, groups),
    total_tiers: batch.total_tiers ?? tiers.length,
    tiers,
    events,
    failed_document_count: failedCount,
    failure_groups: groups,
    failure_groups_omitted: groups_omitted,
    sampled_documents: sample.length,
    error_summary: errorSummary,
    tiers_with_errors: (batch.tier_tasks ?? []).filter((t) => Object.values(counts(t.error_summary)).some((n) => n > 0)).map((t) => t.tier_num),
    api_recommendations: diagnosis?.recommendations ?? [],
    notes,
  };
}

/** The batch's tier, completed with what the diagnose answer adds (activity, resources). */
function withDiagnosis(tier: TierTask, diagnosed: NonNullable<Diagnosis["per_tier"]>[number] | undefined): TierTask {
  if (!diagnosed) return tier;
  return {
    ...tier,
    last_activity_at: tier.last_activity_at ?? diagnosed.last_activity_at,
    submission_params: tier.submission_params ?? diagnosed.submission_params,
  };
}

const eventView = (event: InfrastructureEvent): z.infer<typeof EventView> => ({
  type: clip(event.type, 60)!,
  tier_num: event.tier_num ?? null,
  ray_job_id: clip(event.ray_job_id, 100) ?? null,
  timestamp: event.timestamp ?? null,
  ...(event.message ? { message: clip(event.message, 200)! } : {}),
});

const isLost = (job: ExtractorJob) => job.status === "UNKNOWN" || (job.status === "FAILED" && LOST_JOB_TEXT.test(job.error ?? ""));
const hasCrashed = (job: ExtractorJob) => Boolean(job.error) || (job.restarts ?? 0) > 0;

interface TierContext {
  events: z.infer<typeof EventView>[];
  serverTime: number;
  batch: Batch;
  /** Tiers the API's diagnosis says failed to write to Qdrant. */
  qdrantTiers: Set<number>;
}

function tierFinding(tier: TierTask, { events, serverTime, batch, qdrantTiers }: TierContext): TierFinding {
  const status = tier.status ?? "UNKNOWN";
  const running = mayBeActive(status);
  const jobs = tier.extractor_jobs ?? [];
  const lastActivity = Date.parse(tier.last_activity_at ?? "");
  const idleMs = running && !Number.isNaN(lastActivity) ? Math.max(0, serverTime - lastActivity) : null;
  const liveJobs = jobs.filter((job) => mayBeActive(job.status) && !isLost(job));
  const byExtractor = new Map<string, string[]>();
  for (const job of liveJobs) {
    const key = job.extractor_type ?? "unknown";
    byExtractor.set(key, [...(byExtractor.get(key) ?? []), job.ray_job_id ?? "?"]);
  }
  const firstFailed = (batch.tier_tasks ?? []).find((t) => t.status === "FAILED")?.tier_num === tier.tier_num;
  const tierText = [...(tier.errors ?? []).map((e) => e.message), ...jobs.map((j) => j.error), firstFailed ? failureText(batch) : ""].join(" ");
  const oom = events.some((e) => e.type.toLowerCase() === "oom" && e.tier_num === tier.tier_num)
    || (status === "FAILED" && OOM_TEXT.test(tierText));
  const errorKinds = [...(tier.errors ?? []).map((e) => e.error_type), ...Object.keys(tier.error_summary ?? {})].join(" ");
  const qdrant = status === "FAILED" && (qdrantTiers.has(tier.tier_num) || QDRANT_WRITE_TEXT.test(`${errorKinds} ${tierText}`));
  const orphaned = (status === "FAILED" || running) && jobs.length > 0 && jobs.every(isLost);
  // A job that keeps failing while a sibling in the same running tier is still healthy: Ray may
  // report it FAILED between restarts, or running with errors.
  const failing = jobs.length > 1 && running
    ? jobs.filter((j) => !isLost(j) && (j.status === "FAILED" || (mayBeActive(j.status) && hasCrashed(j))))
    : [];
  const failingJobs = failing.length < jobs.length ? failing : [];
  const stages = batch.progress?.stage_history ?? [];
  const slowest = [...stages].sort((a, b) => (b.duration_seconds ?? 0) - (a.duration_seconds ?? 0))[0];
  const total = stages.reduce((sum, s) => sum + (s.duration_seconds ?? 0), 0);
  const { jobs: shown, jobs_omitted } = jobViews(tier);
  return {
    tier_num: tier.tier_num,
    status: clip(status, 40)!,
    collection_ids: tier.collection_ids ?? [],
    jobs: shown.map(({ extractor_type, ray_job_id, status }) => ({ extractor_type, ray_job_id, status })),
    ...(jobs_omitted ? { jobs_omitted } : {}),
    idle_seconds: idleMs === null ? null : Math.round(idleMs / 1000),
    stuck: idleMs !== null && idleMs >= STUCK_AFTER_MS,
    oom,
    orphaned,
    qdrant_write_failed: qdrant,
    duplicate_jobs: [...byExtractor].filter(([, ids]) => ids.length > 1)
      .map(([extractor_type, ray_job_ids]) => ({ extractor_type, ray_job_ids })),
    failing_jobs: failingJobs.filter((j) => j.ray_job_id).map((j) => ({
      extractor_type: j.extractor_type ?? "unknown", ray_job_id: j.ray_job_id!, status: j.status ?? "UNKNOWN",
      ...(j.error ? { error: clip(j.error, 200)! } : {}),
    })),
    resources: resourcesView(tier.submission_params),
    ...(slowest && total > 0 ? { slowest_stage: `${slowest.name} (${Math.round(((slowest.duration_seconds ?? 0) / total) * 100)}% of time)` } : {}),
  };
}

function inferCategory(tiers: TierFinding[], groups: FailureGroupView[]): string | null {
  if (tiers.some((t) => t.oom || t.qdrant_write_failed)) return "infrastructure";
  if (tiers.some((t) => t.orphaned)) return "orphaned";
  if (tiers.some((t) => t.stuck)) return "timeout";
  if (groups.some((g) => !g.transient) || tiers.some((t) => t.failing_jobs.length)) return "pipeline";
  if (groups.length) return "infrastructure";
  return null;
}

/** Error categories of the batch's error summary that may pass on retry. */
export const transientCategories = (f: Findings): string[] =>
  Object.entries(f.error_summary).filter(([category, n]) => n > 0 && isTransientError(category)).map(([category]) => category);

/** One sentence an engineer can read in an incident channel. */
export function summarise(f: Findings): string {
  const failedTiers = f.tiers.filter((t) => t.status === "FAILED").map((t) => t.tier_num);
  const unknown = unknownStatus(f.status);
  const parts: string[] = [`Batch ${f.batch_id} is ${f.status}${unknown ? " (a status this server does not know)" : ""}`];
  const oom = f.tiers.find((t) => t.oom);
  const stuck = f.tiers.find((t) => t.stuck);
  const dup = f.tiers.find((t) => t.duplicate_jobs.length);
  const failing = f.tiers.find((t) => t.failing_jobs.length);
  const orphan = f.tiers.find((t) => t.orphaned);
  const qdrant = f.tiers.find((t) => t.qdrant_write_failed);
  if (oom) parts.push(`tier ${oom.tier_num} ran out of memory${oom.resources?.memory_bytes ? ` at ${formatBytes(oom.resources.memory_bytes)}` : ""}`);
  else if (orphan) parts.push(`tier ${orphan.tier_num} lost its Ray job`);
  else if (qdrant) parts.push(`tier ${qdrant.tier_num} processed its documents but writing them to Qdrant failed`);
  else if (stuck) parts.push(`tier ${stuck.tier_num} has shown no activity for ${Math.round((stuck.idle_seconds ?? 0) / 60)} min`);
  else if (dup) parts.push(`tier ${dup.tier_num} runs duplicate ${dup.duplicate_jobs[0]!.extractor_type} jobs`);
  else if (failing) parts.push(`job ${failing.failing_jobs[0]!.ray_job_id} (${failing.failing_jobs[0]!.extractor_type}) in tier ${failing.tier_num} keeps failing`);
  else if (failedTiers.length) parts.push(`tier ${failedTiers.join(", ")} failed`);
  if (f.failed_document_count === null && statusClass(f.status) !== "active") parts.push("how many documents failed is unknown");
  else if ((f.failed_document_count ?? 0) > 0) {
    const transient = f.failure_groups.filter((g) => g.transient).length;
    const permanent = f.failure_groups.length - transient;
    const kinds = [transient && "transient", permanent && "permanent"].filter(Boolean).join(" and ");
    parts.push(`${f.failed_document_count} document(s) failed${kinds ? ` with ${kinds} errors` : f.sampled_documents ? "" : " (not read)"}`);
  }
  if (parts.length === 1) {
    if (mayBeActive(f.status)) parts.push("and progressing normally");
    else if (f.status === "COMPLETED" && f.failed_document_count === 0 && !f.notes.length) parts.push("with no failures; nothing to do");
    else if (isTerminal(f.status)) parts.push("with no failure this server can see");
  }
  return `${parts[0]}${parts.length > 1 ? ": " + parts.slice(1).join("; ") : ""}.`;
}
