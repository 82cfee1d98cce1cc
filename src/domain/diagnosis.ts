// Findings: what is wrong with a batch, computed from the batch itself, the API's diagnose
// answer (when it has one) and a bounded sample of failed documents. Pure functions.
import { z } from "zod";
import type { Batch, Diagnosis, FailedDocument, InfrastructureEvent, TierTask } from "../api/wire.js";
import { isActive, isTerminal } from "./status.js";
import { FailureGroupView, ResourcesView, clip, groupFailures, resourcesView } from "./views.js";

/** An IN_PROGRESS tier with no activity for this long is probably stuck (the guide says
 * "minutes old"; GPU cold starts can take a while, so we wait ten). */
export const STUCK_AFTER_MS = 10 * 60_000;

export const TierFinding = z.object({
  tier_num: z.number(),
  status: z.string(),
  idle_seconds: z.number().nullable().describe("Seconds since last activity, for an active tier"),
  stuck: z.boolean(),
  oom: z.boolean(),
  orphaned: z.boolean(),
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
  failed_document_count: number;
  failure_groups: FailureGroupView[];
  failure_groups_omitted: number;
  sampled_documents: number;
}

const OOM_TEXT = /out of memory|oom|memory limit|killed.*memory|exit code 137/i;
const LOST_JOB_TEXT = /not found|lost|orphan|no such job|disappeared/i;

export function computeFindings(
  batch: Batch,
  diagnosis: Diagnosis | undefined,
  failedDocuments: { documents: FailedDocument[]; total: number } | undefined,
  serverTime: number,
): Findings {
  const events = (diagnosis?.infrastructure_events ?? []).map(eventView);
  const sample = failedDocuments?.documents ?? diagnosis?.failed_documents_sample ?? [];
  const { groups, groups_omitted } = groupFailures(sample);
  const tiers = (batch.tier_tasks ?? []).map((tier) => tierFinding(tier, events, serverTime, batch));
  return {
    batch_id: batch.batch_id,
    status: batch.status ?? diagnosis?.status ?? "UNKNOWN",
    failure_category: diagnosis?.failure_category ?? inferCategory(tiers, groups),
    total_tiers: batch.total_tiers ?? tiers.length,
    tiers,
    events,
    failed_document_count: diagnosis?.failed_document_count ?? failedDocuments?.total ?? sample.length,
    failure_groups: groups,
    failure_groups_omitted: groups_omitted,
    sampled_documents: sample.length,
  };
}

const eventView = (event: InfrastructureEvent): z.infer<typeof EventView> => ({
  type: event.type,
  tier_num: event.tier_num ?? null,
  ray_job_id: event.ray_job_id ?? null,
  timestamp: event.timestamp ?? null,
  ...(event.message ? { message: clip(event.message, 200)! } : {}),
});

function tierFinding(tier: TierTask, events: z.infer<typeof EventView>[], serverTime: number, batch: Batch): TierFinding {
  const status = tier.status ?? "UNKNOWN";
  const jobs = tier.extractor_jobs ?? [];
  const lastActivity = Date.parse(tier.last_activity_at ?? "");
  const idleMs = isActive(status) && !Number.isNaN(lastActivity) ? Math.max(0, serverTime - lastActivity) : null;
  const activeJobs = jobs.filter((job) => isActive(job.status));
  const byExtractor = new Map<string, string[]>();
  for (const job of activeJobs) {
    byExtractor.set(job.extractor_type, [...(byExtractor.get(job.extractor_type) ?? []), job.ray_job_id ?? "?"]);
  }
  const tierText = [tier.errors?.map((e) => e.message).join(" "), ...jobs.map((j) => j.error)].join(" ");
  const oom = events.some((e) => e.type === "oom" && e.tier_num === tier.tier_num)
    || (status === "FAILED" && OOM_TEXT.test(tierText));
  const orphaned = (status === "FAILED" || isActive(status))
    && jobs.length > 0 && jobs.every((j) => j.status === "UNKNOWN" || (j.status === "FAILED" && LOST_JOB_TEXT.test(j.error ?? "")));
  // A job that is failing while its siblings in the same tier are healthy.
  const failingJobs = jobs.length > 1
    ? jobs.filter((j) => (isActive(j.status) && Boolean(j.error)) || (j.status === "FAILED" && !isTerminal(status)))
    : [];
  const stages = batch.progress?.stage_history ?? [];
  const slowest = [...stages].sort((a, b) => (b.duration_seconds ?? 0) - (a.duration_seconds ?? 0))[0];
  const total = stages.reduce((sum, s) => sum + (s.duration_seconds ?? 0), 0);
  return {
    tier_num: tier.tier_num,
    status,
    idle_seconds: idleMs === null ? null : Math.round(idleMs / 1000),
    stuck: idleMs !== null && idleMs >= STUCK_AFTER_MS,
    oom,
    orphaned,
    duplicate_jobs: [...byExtractor].filter(([, ids]) => ids.length > 1)
      .map(([extractor_type, ray_job_ids]) => ({ extractor_type, ray_job_ids })),
    failing_jobs: failingJobs.filter((j) => j.ray_job_id).map((j) => ({
      extractor_type: j.extractor_type, ray_job_id: j.ray_job_id!, status: j.status ?? "UNKNOWN",
      ...(j.error ? { error: clip(j.error, 200)! } : {}),
    })),
    resources: resourcesView(tier.submission_params),
    ...(slowest && total > 0 ? { slowest_stage: `${slowest.name} (${Math.round(((slowest.duration_seconds ?? 0) / total) * 100)}% of time)` } : {}),
  };
}

function inferCategory(tiers: TierFinding[], groups: FailureGroupView[]): string | null {
  if (tiers.some((t) => t.oom)) return "infrastructure";
  if (tiers.some((t) => t.orphaned)) return "orphaned";
  if (tiers.some((t) => t.stuck)) return "timeout";
  if (groups.some((g) => !g.transient)) return "pipeline";
  if (groups.length) return "infrastructure";
  return null;
}

/** One sentence an engineer can read in an incident channel. */
export function summarise(f: Findings): string {
  const failedTiers = f.tiers.filter((t) => t.status === "FAILED").map((t) => t.tier_num);
  const parts: string[] = [`Batch ${f.batch_id} is ${f.status}`];
  const oom = f.tiers.find((t) => t.oom);
  const stuck = f.tiers.find((t) => t.stuck);
  const dup = f.tiers.find((t) => t.duplicate_jobs.length);
  const failing = f.tiers.find((t) => t.failing_jobs.length);
  const orphan = f.tiers.find((t) => t.orphaned);
  if (oom) parts.push(`tier ${oom.tier_num} ran out of memory${oom.resources?.memory_bytes ? ` at ${formatBytes(oom.resources.memory_bytes)}` : ""}`);
  else if (orphan) parts.push(`tier ${orphan.tier_num} lost its Ray job`);
  else if (stuck) parts.push(`tier ${stuck.tier_num} has shown no activity for ${Math.round((stuck.idle_seconds ?? 0) / 60)} min`);
  else if (dup) parts.push(`tier ${dup.tier_num} runs duplicate ${dup.duplicate_jobs[0]!.extractor_type} jobs`);
  else if (failing) parts.push(`job ${failing.failing_jobs[0]!.ray_job_id} (${failing.failing_jobs[0]!.extractor_type}) in tier ${failing.tier_num} keeps failing`);
  else if (failedTiers.length) parts.push(`tier ${failedTiers.join(", ")} failed`);
  if (f.failed_document_count > 0) {
    const transient = f.failure_groups.filter((g) => g.transient).length;
    const permanent = f.failure_groups.length - transient;
    const kinds = [transient && "transient", permanent && "permanent"].filter(Boolean).join(" and ");
    parts.push(`${f.failed_document_count} document(s) failed${kinds ? ` with ${kinds} errors` : ""}`);
  }
  if (parts.length === 1) {
    if (isActive(f.status)) parts.push("and progressing normally");
    else if (f.status === "COMPLETED") parts.push("with no failures; nothing to do");
  }
  return `${parts[0]}${parts.length > 1 ? ": " + parts.slice(1).join("; ") : ""}.`;
}

export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${Number(gib.toFixed(1))} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
