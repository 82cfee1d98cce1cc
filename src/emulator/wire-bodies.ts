// State → wire bodies in the default reading; variants.ts reshapes them for the other
// readings. Only the behaviour axes (a crash-looping job's status, the stuck-tier advice) are
// decided here.
import type * as wire from "../api/wire.js";
import { GIB, QDRANT_ERROR, STUCK_THRESHOLD_MS, currentTier, docCount, docMessage, documentId, isActive, isTransient, objectOf } from "./simulation.js";
import type { Batch, FailedDoc, Job, Status, Task, Tier } from "./types.js";
import type { Variant } from "./variants.js";

const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());
const duration = (from?: number, to?: number) => (from !== undefined && to !== undefined ? to - from : null);

/** Groups failed documents by signature (category + message template): ids capped at 10,
 * counts exact. */
function errorGroups(batch: Batch, docs: FailedDoc[]): wire.BatchErrorDetail[] {
  const groups = new Map<FailedDoc["fault"], { first: FailedDoc; last: number; ids: string[]; count: number; retries: number }>();
  for (const doc of docs) {
    let group = groups.get(doc.fault);
    if (!group) groups.set(doc.fault, group = { first: doc, last: 0, ids: [], count: 0, retries: 0 });
    group.count++;
    group.last = Math.max(group.last, doc.failedAt);
    group.retries = Math.max(group.retries, doc.retryCount);
    if (group.ids.length < 10) group.ids.push(documentId(batch, doc.tier, doc.index));
  }
  return [...groups.values()].map(({ first, last, ids, count, retries }) => ({
    error_type: first.fault.type,
    message: docMessage(batch, first),
    component: first.job.extractor,
    stage: first.fault.type === "network" ? "loading" : "processing",
    traceback: null,
    timestamp: iso(last),
    affected_document_ids: ids,
    affected_count: count,
    recovery_suggestion: SUGGESTIONS[first.fault.type] ?? "Fix the source data or the extractor, then retry with retry_mode 'all'",
    metadata: { retry_count: retries },
  }));
}

const SUGGESTIONS: Partial<Record<wire.ErrorCategory, string>> = {
  network: "Transient: retry the failed documents",
  resource: "Retry the tier with more memory or a larger GPU",
  dependency: "Install the missing dependency in the extractor image, then retry with retry_mode 'all'",
};

function summary(docs: FailedDoc[]): Record<string, number> | null {
  const out: Record<string, number> = {};
  for (const doc of docs) out[doc.fault.type] = (out[doc.fault.type] ?? 0) + 1;
  return docs.length ? out : null;
}

/** What Mixpeek reports for a job. Mixpeek still counts a lost "orphan" job and a crash-looping
 * one as running (the tier waits on them and they can be canceled), but reports the first as
 * UNKNOWN and, in some readings, the second as FAILED while Ray keeps restarting it. */
export function jobStatus(job: Job, variant: Variant): Status {
  if (!isActive(job.status)) return job.status;
  if (job.lostAt !== undefined) return "UNKNOWN";
  if (job.behaviour === "crashloop" && job.restarts > 0) return variant.crashloopStatus;
  return job.status;
}

function jobToWire(batch: Batch, tier: Tier, job: Job, variant: Variant): wire.ExtractorJob {
  const errors = errorGroups(batch, batch.failed.filter((d) => d.job === job));
  if (job.behaviour === "crashloop" && job.restarts > 0) {
    errors.push({
      error_type: "runtime", message: "Worker exited with code 1: ValueError: could not decode page image", component: job.extractor,
      stage: "processing", traceback: CRASH_TRACEBACK, timestamp: iso(job.lastActivity), affected_document_ids: [],
      affected_count: job.restarts, recovery_suggestion: null, metadata: { retry_count: job.restarts },
    });
  }
  return {
    extractor_type: job.extractor,
    collection_ids: job.collectionIds,
    ray_job_id: job.rayJobId,
    celery_task_id: null,
    status: jobStatus(job, variant),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    duration_ms: duration(job.startedAt, job.completedAt),
    documents_written: job.status === "COMPLETED" ? tier.written : null,
    errors,
    error: job.error ?? null,
    last_activity_at: iso(job.lastActivity),
  };
}

function tierToWire(batch: Batch, tier: Tier, variant: Variant): wire.TierTask {
  const docs = batch.failed.filter((d) => d.tier === tier.num);
  const started = tier.status !== "PENDING";
  return {
    tier_num: tier.num,
    task_id: started ? tier.taskId : null,
    status: tier.status,
    collection_ids: tier.collectionIds,
    extractor_jobs: tier.jobs.map((job) => jobToWire(batch, tier, job, variant)),
    source_type: tier.sourceType,
    source_collection_ids: tier.sourceCollectionIds,
    parent_task_id: tier.num > 0 && started ? batch.tiers[tier.num - 1]!.taskId : null,
    started_at: iso(tier.startedAt),
    completed_at: iso(tier.completedAt),
    duration_ms: duration(tier.startedAt, tier.completedAt),
    errors: [...errorGroups(batch, docs), ...(tier.status === "FAILED" && tier.qdrantWriteFailed && variant.qdrantReport === "tier-errors" ? [qdrantError(batch, tier)] : [])],
    error_summary: summary(docs),
    ray_job_id: tier.jobs[0]?.rayJobId ?? null,
    source_documents_fetched: started ? docCount(batch) : null,
    documents_submitted_to_engine: started ? docCount(batch) : null,
    documents_written: tier.status === "COMPLETED" ? tier.written : null,
    submission_params: tier.params,
    last_activity_at: iso(tier.lastActivity),
  };
}

/** A tier's failed Qdrant write, named as the spec's retry-qdrant-write names it. */
function qdrantError(batch: Batch, tier: Tier): wire.BatchErrorDetail {
  // The spec's error_type is a category, so the check's name travels in the message and metadata.
  return {
    error_type: "network", message: `qdrant_write_failed: ${QDRANT_ERROR}`, component: "qdrant_writer", stage: "writing", traceback: null,
    timestamp: iso(tier.completedAt), affected_document_ids: [], affected_count: docCount(batch),
    recovery_suggestion: "Retry the Qdrant write from S3 (retry-qdrant-write); the documents need no reprocessing",
    metadata: { validation: "qdrant_write_failed" },
  };
}

/** Completed stages, summed over completed tiers (loading / processing / writing ≈ 10/75/15 %). */
function stageHistory(batch: Batch): { name: string; duration_seconds: number }[] {
  const seconds = batch.tiers.filter((t) => t.status === "COMPLETED").reduce((sum, t) => sum + (duration(t.startedAt, t.completedAt) ?? 0) / 1000, 0);
  if (!seconds) return [];
  const round = (n: number) => Math.round(n * 10) / 10;
  return [
    { name: "loading", duration_seconds: round(seconds * 0.1) },
    { name: "processing", duration_seconds: round(seconds * 0.75) },
    { name: "writing", duration_seconds: round(seconds * 0.15) },
  ];
}

export function batchToWire(batch: Batch, variant: Variant): wire.Batch {
  return {
    batch_id: batch.id,
    bucket_id: batch.bucketId,
    status: batch.status,
    // Collection-sourced batches read upstream documents, not objects.
    object_ids: batch.type === "BUCKET" ? batch.objectIds : [],
    collection_ids: batch.tiers.flatMap((t) => t.collectionIds),
    error: batch.error,
    error_summary: summary(batch.failed),
    type: batch.type,
    manifest_key: `batches/${batch.id}/manifest.parquet`,
    // A DRAFT batch has no task until it is submitted.
    task_id: batch.taskId || null,
    loaded_object_ids: null,
    internal_metadata: null,
    metadata: batch.metadata,
    tier_tasks: batch.tiers.map((tier) => tierToWire(batch, tier, variant)),
    current_tier: currentTier(batch),
    total_tiers: batch.tiers.length,
    dag_tiers: batch.tiers.map((t) => t.collectionIds),
    created_at: iso(batch.createdAt),
    updated_at: iso(batch.updatedAt),
    progress: { stage_history: stageHistory(batch) },
  };
}

export function failedDocToWire(batch: Batch, doc: FailedDoc): wire.FailedDocument {
  return {
    document_id: documentId(batch, doc.tier, doc.index),
    object_id: objectOf(batch, doc.index),
    tier_num: doc.tier,
    collection_id: doc.job.collectionIds[0] ?? null,
    extractor_type: doc.job.extractor,
    ray_job_id: doc.job.rayJobId,
    error_type: doc.fault.type,
    error_message: docMessage(batch, doc),
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
    error: task.error,
  };
}

/** A diagnose recommendation. Today's reading sends only `message`; variants.ts sends the
 * object in the "objects" reading. */
export interface Recommendation { action: RecommendedAction; message: string; tier_num: number; ray_job_id?: string }
type RecommendedAction = "retry_qdrant_write" | "retry_tier" | "detect_stuck" | "cancel_tier" | "kill_duplicates" | "cancel_job" | "retry_transient" | "resubmit" | "fix_input";

/** GET …/diagnose, computed from state. Categories per the guide: infrastructure (OOM, node
 * events, transient document errors), timeout (stuck), orphaned (job lost), pipeline (bad data,
 * failing extractor). */
export function diagnose(batch: Batch, now: number, variant: Variant) {
  const failedTier = batch.tiers.find((t) => t.status === "FAILED");
  // A lost job in a FAILED tier, or one Mixpeek never noticed: its tier still runs, idle.
  const lostRunning = batch.tiers.find((t) => t.status === "IN_PROGRESS" && t.jobs.some((j) => j.lostAt !== undefined && isActive(j.status)));
  const stale = batch.tiers.find((t) => t !== lostRunning && t.status === "IN_PROGRESS" && now - (t.lastActivity ?? now) > STUCK_THRESHOLD_MS);
  const crashing = batch.tiers.flatMap((t) => t.jobs.filter((j) => j.behaviour === "crashloop" && isActive(j.status)).map((job) => ({ t, job })));
  const oom = failedTier && batch.events.some((e) => e.type === "oom" && e.tier === failedTier.num) ? failedTier : undefined;
  const lost = failedTier?.jobs.some((j) => j.status === "UNKNOWN") ? failedTier : undefined;
  const timedOut = failedTier?.timedOut ? failedTier : stale;
  const permanentDocs = batch.failed.filter((d) => !isTransient(d.fault.type));
  const permanent = permanentDocs.length;
  const transient = batch.failed.length - permanent;
  const qdrant = failedTier?.qdrantWriteFailed ? failedTier : undefined;
  const category = oom || qdrant ? "infrastructure"
    : lost || lostRunning ? "orphaned"
      : timedOut ? "timeout"
        : crashing.length || permanent || failedTier ? "pipeline"
          : transient ? "infrastructure" : null;

  const recommendations: Recommendation[] = [];
  const advise = (action: RecommendedAction, tier: number, message: string, rayJobId?: string) =>
    recommendations.push({ action, message, tier_num: tier, ...(rayJobId === undefined ? {} : { ray_job_id: rayJobId }) });
  const firstTier = (docs: FailedDoc[]) => docs.reduce((min, d) => Math.min(min, d.tier), Infinity);
  if (oom) advise("retry_tier", oom.num, `Retry tier ${oom.num} with more memory (currently ${Math.round((oom.params.memory_bytes ?? 0) / GIB)} GiB)`);
  if (qdrant) advise("retry_qdrant_write", qdrant.num, `Tier ${qdrant.num}'s output was processed but writing it to Qdrant failed; retry the Qdrant write from S3`);
  if (lost) advise("resubmit", lost.num, `Tier ${lost.num}'s Ray job was lost; resubmit the batch from tier ${lost.num}`);
  if (lostRunning) {
    const job = lostRunning.jobs.find((j) => j.lostAt !== undefined)!;
    advise("cancel_tier", lostRunning.num, `Tier ${lostRunning.num}'s Ray job ${job.rayJobId} was lost but the tier still waits on it; cancel tier ${lostRunning.num}, then retry it`, job.rayJobId);
  }
  if (failedTier?.timedOut) advise("retry_tier", failedTier.num, `Tier ${failedTier.num} was stuck; retry tier ${failedTier.num} or resubmit from tier ${failedTier.num}`);
  // Where detection leaves the tier running, the seed's flow goes on with cancel, then retry.
  if (stale) advise("detect_stuck", stale.num, `Tier ${stale.num} shows no activity; run heal detect_stuck, then ${variant.detection === "marks-failed" ? "retry the tier" : "cancel the tier and retry it"}`);
  for (const tier of batch.tiers) {
    const active = tier.jobs.filter((j) => isActive(j.status)).map((j) => j.extractor);
    if (new Set(active).size < active.length) advise("kill_duplicates", tier.num, `Tier ${tier.num} has duplicate jobs for one extractor; run heal kill_duplicates`);
  }
  for (const { t, job } of crashing) advise("cancel_job", t.num, `Job ${job.rayJobId} (${job.extractor}) in tier ${t.num} keeps crashing; cancel the job and fix the extractor`, job.rayJobId);
  if (transient && !oom) advise("retry_transient", firstTier(batch.failed.filter((d) => isTransient(d.fault.type))), `Retry ${transient} failed documents with retry_mode transient_only`);
  if (permanent) advise("fix_input", firstTier(permanentDocs), `Fix the input data of ${permanent} documents with permanent errors; retrying will not help until then`);

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
      duration_ms: duration(t.startedAt, t.completedAt),
      last_activity_at: iso(t.lastActivity),
      submission_params: t.params,
      ray_job_id: t.jobs[0]?.rayJobId ?? null,
    })),
    failed_documents_sample: batch.failed.slice(0, 10).map((d) => failedDocToWire(batch, d)),
    recommendations,
  };
}

const CRASH_TRACEBACK = `Traceback (most recent call last):
  File "/app/engine/pipelines/entrypoint.py", line 212, in run_stage
    outputs = extractor.process_batch(batch)
  File "/app/extractors/ocr/extractor.py", line 77, in process_batch
    image = decode_page(row["blob"])
  File "/app/extractors/ocr/pages.py", line 31, in decode_page
    raise ValueError("could not decode page image")
ValueError: could not decode page image`;

/** Ray job-submission log of one job, as far as it has run (a few KB at most). */
export function jobLog(batch: Batch, tier: Tier, job: Job, now: number): string {
  if (job.startedAt === undefined) return "";
  const start = job.startedAt;
  const end = job.completedAt ?? job.lastActivity ?? start;
  const at = (ms: number) => iso(ms)!.replace("T", " ").replace("Z", "");
  const p = tier.params;
  const lines = [
    `${at(start)} INFO job_manager.py:568 -- Runtime env is setting up for ${job.rayJobId}.`,
    `${at(start)} INFO job_supervisor.py:283 -- Submitting job with entrypoint \`${p.entrypoint} --batch-id ${batch.id} --tier ${tier.num} --extractor ${job.extractor}\`.`,
    `${at(start)} INFO entrypoint.py:88 -- resources: requires_gpu=${p.requires_gpu} num_cpus=${p.num_cpus} memory_bytes=${p.memory_bytes} priority=${p.priority} deployment_mode=${p.deployment_mode}`,
    `${at(start)} INFO entrypoint.py:104 -- stage=loading documents=${docCount(batch)} collection=${job.collectionIds.join(",")}`,
  ];
  // One progress line per tenth of the work done, spread over the job's active time.
  const tenths = Math.floor((Math.min(job.doneMs, job.workMs) / job.workMs) * 10);
  for (let i = 1; i <= tenths; i++) {
    lines.push(`${at(start + ((end - start) * i) / Math.max(tenths, 1))} INFO pipeline.py:204 -- stage=processing progress=${i * 10}% rows=${Math.round((docCount(batch) * i) / 10)}/${docCount(batch)}`);
  }
  if (job.behaviour === "crashloop" && job.restarts > 0) {
    for (let r = Math.max(1, job.restarts - 4); r <= job.restarts; r++) {
      const t = at(start + r * 30_000);
      lines.push(`${t} ERROR worker.py:2210 -- Unhandled error in ${job.extractor} (restart ${r}):`, ...CRASH_TRACEBACK.split("\n").map((l) => `${t} ERROR worker.py:2210 -- ${l}`),
        `${t} WARNING worker_pool.py:481 -- Worker exited with code 1; restarting (restart ${r}).`);
    }
  }
  if (job.error?.startsWith("OOMKilled")) {
    lines.push(
      `${at(end)} ERROR worker.py:1812 -- torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 7.79 GiB total capacity; 6.91 GiB already allocated)`,
      `${at(end)} WARNING memory_monitor.py:129 -- Memory on the node was ${(p.memory_bytes! / GIB * 0.97).toFixed(2)}GB / ${(p.memory_bytes! / GIB).toFixed(2)}GB (0.97), which exceeds the memory usage threshold of 0.95. Ray killed this worker because it was the most recently scheduled task.`,
      `${at(end)} ERROR job_supervisor.py:402 -- Job ${job.rayJobId} failed: (raylet) OOMKilled. Set a higher memory_bytes for this tier.`,
    );
  } else if (job.status === "UNKNOWN" || job.lostAt !== undefined) {
    lines.push(`${at(end)} WARNING gcs_client.py:96 -- Lost connection to the GCS; the Ray head node is restarting.`);
  } else if (job.error) {
    lines.push(`${at(end)} ERROR job_supervisor.py:402 -- ${job.error}`);
  }
  if (job.behaviour === "stuck" && isActive(job.status) && now - end > STUCK_THRESHOLD_MS) {
    lines.push(`${at(end)} INFO pipeline.py:231 -- waiting for object store (actor pool 0/4 ready)`);
  }
  if (job.status === "CANCELED") lines.push(`${at(end)} INFO job_manager.py:1011 -- Job ${job.rayJobId} was stopped by a user request.`);
  if (job.status === "COMPLETED") lines.push(`${at(end)} INFO entrypoint.py:160 -- stage=writing ${job.extractor} finished: ${tier.written} documents written`);
  return lines.join("\n");
}
