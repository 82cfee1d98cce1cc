// One handler per API operation. Each validates the state transition it performs and answers
// 400 (BadRequestError) for an invalid one, as the API documents.
import type * as wire from "../api/wire.js";
import type { Operation } from "../api/routes.js";
import { isActive } from "../domain/status.js";
import { batchToWire, diagnose, failedDocToWire, iso, taskToWire } from "./views.js";
import {
  ApiError, Ids, advance, badState, notFound, type Batch, type Bucket, type Collection, type Namespace,
  type Status, type Task, type Tier,
} from "./world.js";

export class State {
  readonly namespaces: Namespace[] = [];
  readonly tasks = new Map<string, Task>();
  constructor(readonly ids: Ids, public now: number) {}

  /** By id or name; an unknown namespace is simply empty, as a fresh one would be. */
  namespace(key: string): Namespace {
    let ns = this.namespaces.find((n) => n.id === key || n.name === key);
    if (!ns) {
      ns = { id: key, name: key, buckets: [], collections: [], batches: new Map() };
      this.namespaces.push(ns);
    }
    return ns;
  }

  tick(): void {
    for (const ns of this.namespaces) for (const batch of ns.batches.values()) advance(batch, this.now);
    for (const task of this.tasks.values()) syncTask(this, task);
  }

  addTask(task: Omit<Task, "id" | "createdAt">): Task {
    const full: Task = { ...task, id: this.ids.uuid(), createdAt: this.now };
    this.tasks.set(full.id, full);
    return full;
  }
}

function syncTask(state: State, task: Task): void {
  if (task.batchId) {
    const batch = state.namespaces.flatMap((n) => [...n.batches.values()]).find((b) => b.id === task.batchId);
    if (batch) {
      task.status = batch.status === "IN_PROGRESS" ? "PROCESSING" : batch.status;
      task.error = batch.error;
      task.additional["current_tier"] = batch.tiers.find((t) => t.status !== "COMPLETED")?.num ?? null;
    }
  } else if (task.completesAt !== undefined && state.now >= task.completesAt && isActive(task.status)) {
    task.status = task.finalStatus ?? "COMPLETED";
  }
}

export interface Request {
  state: State;
  ns: Namespace;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}
export interface Reply { status: number; body: unknown }

const ok = (body: unknown): Reply => ({ status: 200, body });

export function findBucket(ns: Namespace, key: string): Bucket {
  const bucket = ns.buckets.find((b) => b.id === key || b.name === key);
  if (!bucket) throw notFound("bucket", key);
  return bucket;
}

function findBatch(req: Request): Batch {
  const bucket = findBucket(req.ns, req.params["bucket"]!);
  const batch = req.ns.batches.get(req.params["batch_id"]!);
  if (!batch || batch.bucketId !== bucket.id) throw notFound("batch", req.params["batch_id"]!);
  return batch;
}

function findTier(batch: Batch, raw: string): Tier {
  const tier = batch.tiers.find((t) => String(t.num) === raw);
  if (!tier) throw notFound("tier", `${batch.id}/${raw}`);
  return tier;
}

/** Puts tiers from `from` on a fresh attempt: new Ray jobs, their failed documents cleared. */
function resetTiers(state: State, batch: Batch, from: number): void {
  for (const tier of batch.tiers) {
    if (tier.num < from) continue;
    tier.status = "PENDING";
    tier.attempt++;
    tier.timedOut = false;
    tier.startedAt = undefined;
    tier.completedAt = undefined;
    tier.lastActivity = undefined;
    tier.taskId = `task_${state.ids.token(12)}`;
    tier.written = 0;
    tier.jobs = tier.jobs
      .filter((job, i, all) => all.findIndex((j) => j.extractor === job.extractor) === i)
      .map((job) => ({
        ...job, rayJobId: state.ids.rayJob(), status: "PENDING" as Status, doneMs: 0, restarts: 0,
        startedAt: undefined, completedAt: undefined, lastActivity: undefined, lastProgressAt: undefined, error: undefined,
        behaviour: job.behaviour === "oom" ? "oom" : "ok",
      }));
  }
  batch.failed = batch.failed.filter((d) => d.tier < from);
  batch.error = null;
  batch.status = "PENDING";
  batch.updatedAt = state.now;
}

export const HANDLERS: Record<Operation, (req: Request) => Reply> = {
  listBatches(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const status = req.body["status"] as string | undefined;
    const offset = (req.body["offset"] as number | undefined) ?? 0;
    const limit = (req.body["limit"] as number | undefined) ?? 100;
    const all = [...req.ns.batches.values()]
      .filter((b) => b.bucketId === bucket.id && (!status || b.status === status))
      .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return ok({ results: all.slice(offset, offset + limit).map(batchToWire), total_count: all.length } satisfies wire.ListBatchesResponse);
  },

  getBatch: (req) => ok(batchToWire(findBatch(req))),

  diagnoseBatch: (req) => ok(diagnose(findBatch(req), req.state.now)),

  listFailedDocuments(req) {
    const batch = findBatch(req);
    const tier = req.query.get("tier_num");
    const collection = req.query.get("collection_id");
    const limit = Number(req.query.get("limit") ?? 100);
    const offset = Number(req.query.get("offset") ?? 0);
    const docs = batch.failed.filter((d) => (tier === null || String(d.tier) === tier) && (collection === null || d.collectionId === collection));
    return ok({
      batch_id: batch.id, total: docs.length, limit, offset,
      documents: docs.slice(offset, offset + limit).map(failedDocToWire),
    } satisfies wire.FailedDocumentsResponse);
  },

  getBatchLogs(req) {
    const batch = findBatch(req);
    const only = req.query.get("tier_num");
    const tiers = batch.tiers.filter((t) => only === null || String(t.num) === only);
    if (only !== null && !tiers.length) throw notFound("tier", `${batch.id}/${only}`);
    return ok({
      batch_id: batch.id,
      tiers: tiers.flatMap((tier) => tier.jobs.map((job) => ({
        tier_num: tier.num, ray_job_id: job.rayJobId, extractor_type: job.extractor, status: job.status,
        logs: jobLog(batch, tier, job),
      }))),
    } satisfies wire.LogsResponse);
  },

  retryDocuments(req) {
    const batch = findBatch(req);
    if (batch.status !== "FAILED" && batch.status !== "COMPLETED_WITH_ERRORS") {
      throw badState(`Batch ${batch.id} is ${batch.status}; only FAILED or COMPLETED_WITH_ERRORS batches can retry documents`);
    }
    const mode = (req.body["retry_mode"] as string | undefined) ?? "transient_only";
    const tiers = (req.body["tier_nums"] as number[] | null | undefined) ?? [];
    const max = (req.body["max_retry_count"] as number | undefined) ?? 3;
    const inScope = batch.failed.filter((d) => (!tiers.length || tiers.includes(d.tier)) && (mode === "all" || d.type === "network" || d.type === "resource"));
    const chosen = inScope.filter((d) => d.retryCount < max);
    const reply: wire.RetryDocumentsResponse = {
      batch_id: batch.id, status: batch.status, retried_count: chosen.length,
      skipped_count: batch.failed.length - chosen.length, skipped_max_retries: inScope.length - chosen.length,
      task_id: batch.taskId, message: chosen.length ? `Retrying ${chosen.length} failed documents` : "No failed documents matched the retry criteria",
    };
    if (!chosen.length) return ok(reply);
    for (const doc of chosen) doc.retryCount++;
    batch.retryRun = { docs: chosen, remainingMs: 20_000 };
    batch.status = "PROCESSING";
    batch.updatedAt = req.state.now;
    return ok({ ...reply, status: batch.status });
  },

  retryTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    if (tier.status !== "FAILED" && tier.status !== "CANCELED") {
      throw badState(`Tier ${tier.num} of batch ${batch.id} is ${tier.status}; only FAILED or CANCELED tiers can be retried`);
    }
    if (batch.tiers.some((t) => t.num < tier.num && t.status !== "COMPLETED")) {
      throw badState(`Tier ${tier.num} cannot be retried before earlier tiers complete`);
    }
    tier.params = { ...tier.params, ...(req.body as wire.TierRetryRequest) };
    resetTiers(req.state, batch, tier.num);
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: batch.status, task_id: tier.taskId,
      ray_job_ids: tier.jobs.map((j) => j.rayJobId), submission_params: tier.params,
      message: `Tier ${tier.num} resubmitted`,
    } satisfies wire.TierRetryResponse);
  },

  healTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    const now = req.state.now;
    if (req.body["action"] === "detect_stuck") {
      const idle = now - (tier.lastActivity ?? now);
      const stuck = tier.status === "IN_PROGRESS" && idle > 10 * 60_000;
      const affected = stuck ? tier.jobs.filter((j) => isActive(j.status)) : [];
      for (const job of affected) {
        job.status = "FAILED";
        job.completedAt = now;
        job.error = `Stuck: no activity for ${Math.round(idle / 1000)} s`;
      }
      if (stuck) {
        tier.status = "FAILED";
        tier.timedOut = true;
        tier.completedAt = now;
        batch.status = "FAILED";
        batch.error = `Tier ${tier.num} stuck: no activity for ${Math.round(idle / 1000)} s`;
        batch.updatedAt = now;
      }
      return ok({
        action: "detect_stuck", tier_num: tier.num, stuck, stale_seconds: tier.lastActivity === undefined ? null : Math.round(idle / 1000),
        affected_job_ids: affected.map((j) => j.rayJobId), killed_job_ids: [], kept_job_ids: [], tier_status: tier.status,
        message: stuck ? `Tier ${tier.num} was stuck; ${affected.length} job(s) marked FAILED` : `Tier ${tier.num} is not stuck`,
      } satisfies wire.HealResponse);
    }
    const kept = new Map<string, string>();
    const killed: string[] = [];
    for (const job of [...tier.jobs].filter((j) => isActive(j.status)).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0))) {
      if (!kept.has(job.extractor)) { kept.set(job.extractor, job.rayJobId); continue; }
      job.status = "CANCELED";
      job.completedAt = now;
      job.error = "Killed as a duplicate";
      killed.push(job.rayJobId);
    }
    if (killed.length) batch.updatedAt = now;
    return ok({
      action: "kill_duplicates", tier_num: tier.num, stuck: null, stale_seconds: null, affected_job_ids: killed,
      killed_job_ids: killed, kept_job_ids: killed.length ? [...kept.values()] : [], tier_status: tier.status,
      message: killed.length ? `Killed ${killed.length} duplicate job(s)` : "No duplicate jobs",
    } satisfies wire.HealResponse);
  },

  cancelTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    if (!isActive(tier.status)) throw badState(`Tier ${tier.num} of batch ${batch.id} is ${tier.status}; nothing to cancel`);
    const canceled = tier.jobs.filter((j) => isActive(j.status));
    for (const job of canceled) { job.status = "CANCELED"; job.completedAt = req.state.now; }
    tier.status = "CANCELED";
    tier.completedAt = req.state.now;
    batch.status = "CANCELED";
    batch.updatedAt = req.state.now;
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: "CANCELED", batch_status: batch.status,
      canceled_job_ids: canceled.map((j) => j.rayJobId), message: `Tier ${tier.num} canceled`,
    } satisfies wire.CancelResponse);
  },

  cancelJob(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    const job = tier.jobs.find((j) => j.rayJobId === req.params["ray_job_id"]);
    if (!job) throw notFound("job", req.params["ray_job_id"]!);
    if (!isActive(job.status)) throw badState(`Job ${job.rayJobId} is ${job.status}; nothing to cancel`);
    job.status = "CANCELED";
    job.completedAt = req.state.now;
    batch.updatedAt = req.state.now;
    return ok({
      batch_id: batch.id, tier_num: tier.num, ray_job_id: job.rayJobId, status: "CANCELED", batch_status: batch.status,
      canceled_job_ids: [job.rayJobId], message: `Job ${job.rayJobId} canceled; other jobs continue`,
    } satisfies wire.CancelResponse);
  },

  cancelBatch(req) {
    const batch = findBatch(req);
    if (!isActive(batch.status) && batch.status !== "DRAFT") throw badState(`Batch ${batch.id} is ${batch.status}; only active batches can be canceled`);
    for (const tier of batch.tiers) {
      if (isActive(tier.status)) tier.status = "CANCELED";
      for (const job of tier.jobs) if (isActive(job.status)) { job.status = "CANCELED"; job.completedAt = req.state.now; }
    }
    batch.status = "CANCELED";
    batch.retryRun = undefined;
    batch.updatedAt = req.state.now;
    const task = req.state.tasks.get(batch.taskId)!;
    syncTask(req.state, task);
    return ok(taskToWire(task));
  },

  resubmitBatch(req) {
    const batch = findBatch(req);
    if (batch.status !== "FAILED" && batch.status !== "CANCELED") {
      throw badState(`Batch ${batch.id} is ${batch.status}; only FAILED or CANCELED batches can be resubmitted`);
    }
    const from = Number(req.query.get("from_tier") ?? 0);
    findTier(batch, String(from));
    const incomplete = batch.tiers.find((t) => t.num < from && t.status !== "COMPLETED");
    if (incomplete) throw badState(`Tier ${incomplete.num} is ${incomplete.status}; resubmit from tier ${incomplete.num} or earlier`);
    resetTiers(req.state, batch, from);
    return ok({
      batch_id: batch.id, status: batch.status, from_tier: from, task_id: batch.taskId, submitted: true,
      message: `Batch reset from tier ${from} and resubmitted`,
    } satisfies wire.ResubmitResponse);
  },

  getTask(req) {
    const task = req.state.tasks.get(req.params["task_id"]!);
    if (!task) throw notFound("task", req.params["task_id"]!);
    return ok(taskToWire(task));
  },

  triggerCollection(req) {
    const key = req.params["collection"]!;
    const collection = req.ns.collections.find((c) => c.id === key || c.name === key);
    if (!collection) throw notFound("collection", key);
    const bucket = req.ns.buckets.find((b) => b.id === collection.sourceBucketId) ?? req.ns.buckets[0];
    if (!bucket) throw badState(`Collection ${collection.name} has no source bucket`);
    const only = req.body["object_ids"] as string[] | undefined;
    const unknown = (only ?? []).filter((id) => !bucket.objectIds.includes(id));
    if (unknown.length) throw badState(`Objects not found in bucket ${bucket.name}: ${unknown.slice(0, 5).join(", ")}`);
    const batch = createBatch(req.state, req.ns, bucket, only ?? bucket.objectIds, pipelineFrom(req.ns, collection));
    return {
      status: 202,
      body: {
        batch_id: batch.id, task_id: batch.taskId, collection_id: collection.id, source_bucket_ids: [bucket.id],
        source_collection_ids: null, object_count: batch.objectIds.length, document_count: null,
        total_tiers: batch.tiers.length, message: `Processing ${batch.objectIds.length} objects through ${collection.name}`,
      } satisfies wire.TriggerCollectionResponse,
    };
  },

  confirmUploads(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const confirmations = req.body["confirmations"] as { upload_id: string }[];
    const unknown = confirmations.filter((c) => !bucket.pendingUploads.has(c.upload_id)).map((c) => c.upload_id);
    for (const c of confirmations) bucket.pendingUploads.delete(c.upload_id);
    const task = req.state.addTask({
      type: "api_buckets_uploads_batch_confirm", status: "PENDING", completesAt: req.state.now + 15_000,
      finalStatus: unknown.length ? "COMPLETED_WITH_ERRORS" : "COMPLETED",
      error: unknown.length ? `Uploads not found or not pending: ${unknown.slice(0, 10).join(", ")}` : null,
      inputs: confirmations.map((c) => c.upload_id), outputs: [],
      additional: { bucket_id: bucket.id, confirmations_count: confirmations.length },
    });
    return ok({
      task_id: task.id, status: task.status, confirmations_count: confirmations.length, task: taskToWire(task),
      message: "Batch confirmation is being processed in the background.",
    } satisfies wire.BatchConfirmResponse);
  },
};

export interface PipelineStep { collection: Collection; extractors: string[]; params: wire.SubmissionParams }

export function pipelineFrom(ns: Namespace, first: Collection): PipelineStep[] {
  const steps: Collection[] = [first];
  for (let next = ns.collections.find((c) => c.sourceCollectionId === first.id); next; next = ns.collections.find((c) => c.sourceCollectionId === next!.id)) {
    steps.push(next);
  }
  return steps.map((collection) => ({ collection, extractors: [collection.extractor], params: defaultParams(collection.extractor, false) }));
}

export function defaultParams(extractor: string, gpu: boolean, memoryBytes = 4 * 2 ** 30): wire.SubmissionParams {
  return {
    entrypoint: "python -m engine.pipelines.entrypoint", deployment_mode: "gke", requires_gpu: gpu, num_cpus: gpu ? 4 : 2,
    memory_bytes: memoryBytes, priority: 100, plugin_archives: null, extractor_name: extractor,
  };
}

/** Creates and submits a batch (status PENDING; the simulation starts it on the next tick). */
export function createBatch(state: State, ns: Namespace, bucket: Bucket, objectIds: string[], steps: PipelineStep[], workMs = 30_000): Batch {
  const id = `btch_${state.ids.token(12)}`;
  const batch: Batch = {
    id, bucketId: bucket.id, namespaceId: ns.id, status: "PENDING", objectIds, taskId: "", createdAt: state.now,
    updatedAt: state.now, error: null, failed: [], events: [], stages: [], docFaults: new Map(), faultTier: -1, metadata: {},
    tiers: steps.map((step, num) => ({
      num, collectionIds: [step.collection.id], sourceType: num === 0 ? "bucket" : "collection",
      sourceCollectionIds: num === 0 ? null : [steps[num - 1]!.collection.id], status: "PENDING" as Status,
      taskId: `task_${state.ids.token(12)}`, params: step.params, attempt: 0, written: 0,
      jobs: step.extractors.map((extractor) => ({
        extractor, collectionIds: [step.collection.id], rayJobId: state.ids.rayJob(), status: "PENDING" as Status,
        behaviour: "ok" as const, workMs, doneMs: 0, restarts: 0,
      })),
    })),
  };
  const task = state.addTask({
    type: "api_buckets_batches_process", status: "PENDING", batchId: id, inputs: [id], outputs: [],
    additional: {
      batch_id: id, bucket_id: bucket.id, namespace_id: ns.id, total_tiers: steps.length,
      collection_ids: steps.map((s) => s.collection.id), object_count: objectIds.length, current_tier: 0,
      sample_object_ids: objectIds.slice(0, 5),
    },
  });
  batch.taskId = task.id;
  ns.batches.set(id, batch);
  return batch;
}

function jobLog(batch: Batch, tier: Tier, job: Batch["tiers"][number]["jobs"][number]): string {
  const t = (ms: number | undefined) => iso(ms ?? batch.createdAt);
  const lines = [
    `${t(job.startedAt)} INFO job_manager.py:530 -- Runtime env is setting up for ${job.rayJobId}.`,
    `${t(job.startedAt)} INFO entrypoint.py:88 -- Starting ${job.extractor} for tier ${tier.num} (${batch.objectIds.length} objects)`,
    `${t(job.startedAt)} INFO entrypoint.py:121 -- requires_gpu=${tier.params.requires_gpu} num_cpus=${tier.params.num_cpus} memory_bytes=${tier.params.memory_bytes}`,
  ];
  for (let i = 1; i <= 5; i++) lines.push(`${t(job.startedAt)} INFO pipeline.py:204 -- stage=processing batch ${i}/20 done`);
  if (job.error && /OOM/.test(job.error)) {
    lines.push(
      `${t(job.completedAt)} ERROR worker.py:1812 -- torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.50 GiB`,
      `${t(job.completedAt)} ERROR raylet -- Worker killed: memory used exceeded the limit (OOMKilled)`,
    );
  } else if (job.behaviour === "crashloop" && job.error) {
    lines.push(
      `${t(job.lastActivity)} ERROR worker.py:940 -- Traceback (most recent call last):`,
      `${t(job.lastActivity)} ERROR worker.py:940 --   File "extractors/ocr.py", line 77, in decode_page`,
      `${t(job.lastActivity)} ERROR worker.py:940 -- ValueError: could not decode page image`,
      `${t(job.lastActivity)} WARNING job_supervisor.py:311 -- ${job.error}`,
    );
  } else if (job.error) {
    lines.push(`${t(job.completedAt)} ERROR job_supervisor.py:402 -- ${job.error}`);
  }
  if (job.status === "COMPLETED") lines.push(`${t(job.completedAt)} INFO entrypoint.py:160 -- ${job.extractor} finished: ${tier.written} documents written`);
  return lines.join("\n");
}

export { ApiError };
