// State → wire bodies, typed with the client's wire types so the two cannot drift apart.
import type * as wire from "../api/wire.js";
import { isActive } from "../domain/status.js";
import { STUCK_THRESHOLD_MS, type Batch, type FailedDoc, type Task, type Tier } from "./world.js";

export const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

function errorGroups(docs: FailedDoc[]): wire.BatchErrorDetail[] {
  const groups = new Map<string, { first: FailedDoc; ids: string[]; count: number; maxRetry: number }>();
  for (const doc of docs) {
    const key = `${doc.type}|${doc.message}`;
    const group = groups.get(key) ?? { first: doc, ids: [], count: 0, maxRetry: 0 };
    group.count++;
    group.maxRetry = Math.max(group.maxRetry, doc.retryCount);
    if (group.ids.length < 10) group.ids.push(doc.id);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ first, ids, count, maxRetry }) => ({
    error_type: first.type,
    message: first.message,
    component: first.extractor,
    stage: "processing",
    traceback: null,
    timestamp: iso(first.failedAt),
    affected_document_ids: ids,
    affected_count: count,
    recovery_suggestion: null,
    metadata: { retry_count: maxRetry },
  }));
}

const summary = (docs: FailedDoc[]) => {
  const out: Record<string, number> = {};
  for (const doc of docs) out[doc.type] = (out[doc.type] ?? 0) + 1;
  return Object.keys(out).length ? out : null;
};

function tierToWire(batch: Batch, tier: Tier, previous: Tier | undefined): wire.TierTask {
  const docs = batch.failed.filter((d) => d.tier === tier.num);
  return {
    tier_num: tier.num,
    task_id: tier.taskId,
    status: tier.status,
    collection_ids: tier.collectionIds,
    extractor_jobs: tier.jobs.map((job) => ({
      extractor_type: job.extractor,
      collection_ids: job.collectionIds,
      ray_job_id: job.rayJobId,
      celery_task_id: null,
      status: job.status,
      started_at: iso(job.startedAt),
      completed_at: iso(job.completedAt),
      duration_ms: job.startedAt !== undefined && job.completedAt !== undefined ? job.completedAt - job.startedAt : null,
      documents_written: job.status === "COMPLETED" ? tier.written : null,
      errors: [],
      error: job.error ?? null,
      last_activity_at: iso(job.lastActivity),
    })),
    source_type: tier.sourceType,
    source_collection_ids: tier.sourceCollectionIds,
    parent_task_id: previous?.taskId ?? null,
    started_at: iso(tier.startedAt),
    completed_at: iso(tier.completedAt),
    duration_ms: tier.startedAt !== undefined && tier.completedAt !== undefined ? tier.completedAt - tier.startedAt : null,
    errors: errorGroups(docs),
    error_summary: summary(docs),
    ray_job_id: tier.jobs[0]?.rayJobId ?? null,
    source_documents_fetched: tier.status === "PENDING" ? null : batch.objectIds.length,
    documents_submitted_to_engine: tier.status === "PENDING" ? null : batch.objectIds.length,
    documents_written: tier.status === "COMPLETED" ? tier.written : null,
    submission_params: tier.params,
    last_activity_at: iso(tier.lastActivity),
  };
}

export function batchToWire(batch: Batch): wire.Batch {
  const current = batch.tiers.find((t) => t.status !== "COMPLETED") ?? batch.tiers[batch.tiers.length - 1];
  return {
    batch_id: batch.id,
    bucket_id: batch.bucketId,
    status: batch.status,
    object_ids: batch.objectIds,
    collection_ids: batch.tiers.flatMap((t) => t.collectionIds),
    error: batch.error,
    error_summary: summary(batch.failed),
    type: "BUCKET",
    manifest_key: null,
    task_id: batch.taskId,
    loaded_object_ids: null,
    internal_metadata: null,
    metadata: batch.metadata,
    tier_tasks: batch.tiers.map((tier, i) => tierToWire(batch, tier, batch.tiers[i - 1])),
    current_tier: current?.num ?? 0,
    total_tiers: batch.tiers.length,
    dag_tiers: batch.tiers.map((t) => t.collectionIds),
    created_at: iso(batch.createdAt),
    updated_at: iso(batch.updatedAt),
    progress: { stage_history: batch.stages },
  };
}

export function failedDocToWire(doc: FailedDoc): wire.FailedDocument {
  return {
    document_id: doc.id,
    object_id: doc.objectId,
    tier_num: doc.tier,
    collection_id: doc.collectionId,
    extractor_type: doc.extractor,
    ray_job_id: doc.rayJobId,
    error_type: doc.type,
    error_message: doc.message,
    retry_count: doc.retryCount,
    failed_at: iso(doc.failedAt),
  };
}

export function taskToWire(task: Task): wire.Task {
  return {
    task_id: task.id,
    task_type: task.type,
    status: task.status,
    inputs: task.inputs,
    outputs: task.outputs,
    additional_data: task.additional,
    error: task.error ?? null,
  };
}

/** The API's own diagnosis (GET …/diagnose), computed from state. */
export function diagnose(batch: Batch, now: number): wire.Diagnosis {
  const failedTier = batch.tiers.find((t) => t.status === "FAILED");
  const stale = batch.tiers.find((t) => t.status === "IN_PROGRESS" && now - (t.lastActivity ?? now) > STUCK_THRESHOLD_MS);
  const crashing = batch.tiers.flatMap((t) => t.jobs.filter((j) => j.behaviour === "crashloop" && isActive(j.status)));
  const oom = failedTier && batch.events.some((e) => e.type === "oom" && e.tier === failedTier.num);
  const lost = failedTier?.jobs.some((j) => j.status === "UNKNOWN");
  const permanent = batch.failed.some((d) => d.type !== "network" && d.type !== "resource");
  const category = oom ? "infrastructure"
    : lost ? "orphaned"
      : failedTier?.timedOut || stale ? "timeout"
        : crashing.length || permanent ? "pipeline"
          : batch.failed.length ? "infrastructure"
            : failedTier ? "pipeline" : null;
  const recommendations: string[] = [];
  if (oom) recommendations.push(`Retry tier ${failedTier.num} with more memory (current ${failedTier.params.memory_bytes} bytes) or a larger GPU`);
  if (lost) recommendations.push(`Tier ${failedTier!.num} lost its Ray job; resubmit the batch from tier ${failedTier!.num}`);
  if (failedTier?.timedOut) recommendations.push(`Tier ${failedTier.num} was stuck; resubmit from tier ${failedTier.num}`);
  if (stale) recommendations.push(`Tier ${stale.num} shows no activity; run heal detect_stuck, then cancel and retry the tier`);
  for (const tier of batch.tiers) {
    const seen = new Set<string>();
    if (tier.jobs.some((j) => isActive(j.status) && (seen.has(j.extractor) || !seen.add(j.extractor)))) {
      recommendations.push(`Tier ${tier.num} has duplicate jobs; run heal kill_duplicates`);
    }
  }
  for (const job of crashing) recommendations.push(`Job ${job.rayJobId} (${job.extractor}) keeps failing; cancel it`);
  if (batch.failed.some((d) => d.type === "network")) recommendations.push("Retry failed documents with retry_mode transient_only");
  if (permanent) recommendations.push("Fix input data for documents with validation errors, then retry with retry_mode all");
  return {
    batch_id: batch.id,
    status: batch.status,
    failure_category: category,
    failed_document_count: batch.failed.length,
    infrastructure_events: batch.events.map((e) => ({
      type: e.type, timestamp: iso(e.timestamp), tier_num: e.tier, ray_job_id: e.rayJobId, message: e.message,
    })),
    per_tier: batch.tiers.map((t) => ({
      tier_num: t.num,
      status: t.status,
      started_at: iso(t.startedAt),
      completed_at: iso(t.completedAt),
      duration_ms: t.startedAt !== undefined && t.completedAt !== undefined ? t.completedAt - t.startedAt : null,
      last_activity_at: iso(t.lastActivity),
      submission_params: t.params,
      ray_job_id: t.jobs[0]?.rayJobId ?? null,
    })),
    failed_documents_sample: batch.failed.slice(0, 10).map(failedDocToWire),
    recommendations,
  };
}
