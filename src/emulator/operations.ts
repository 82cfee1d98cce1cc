// One handler per API operation. Each checks the state transition it performs and answers 400
// (BadRequestError) for an invalid one, as the API documents.
import type * as wire from "../api/wire.js";
import type { Operation } from "../api/routes.js";
import type { Variant } from "./variants.js";
import { batchToWire, diagnose, failedDocToWire, jobLog, jobStatus, taskToWire } from "./wire-bodies.js";
import {
  RETRY_RUN_MS, STUCK_THRESHOLD_MS, badRequest, docCount, isActive, isTransient, notFound, syncTask,
  type Batch, type Bucket, type Collection, type Job, type Namespace, type State, type Status, type Tier,
} from "./world.js";

export interface Request {
  state: State;
  ns: Namespace;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Already validated against the operation's request schema (validate.ts). */
  body: Record<string, unknown>;
  /** For the behaviour axes (stuck detection, a crash-looping job's status); the shape axes
   * are applied to the reply afterwards (variants.ts). */
  variant: Variant;
}
export interface Reply { status: number; body: unknown }

const ok = (body: unknown): Reply => ({ status: 200, body });

function findBucket(ns: Namespace, key: string): Bucket {
  const bucket = ns.buckets.find((b) => b.id === key || b.name === key);
  if (!bucket) throw notFound("bucket", key);
  return bucket;
}

function findCollection(ns: Namespace, key: string): Collection {
  const collection = ns.collections.find((c) => c.id === key || c.name === key);
  if (!collection) throw notFound("collection", key);
  return collection;
}

function findBatch(req: Request): Batch {
  const bucket = findBucket(req.ns, req.params["bucket"]!);
  const batch = req.ns.batches.get(req.params["batch_id"]!);
  if (!batch || batch.bucketId !== bucket.id) throw notFound("batch", req.params["batch_id"]!);
  return batch;
}

function findTier(batch: Batch, num: string | number): Tier {
  const tier = batch.tiers[Number(num)];
  if (!tier) throw notFound("tier", `${batch.id}/tiers/${num}`);
  return tier;
}

const queryInt = (query: URLSearchParams, name: string, fallback: number) => Number(query.get(name) ?? fallback);

/** Puts tiers from `from` on a fresh attempt (one new Ray job per extractor, their failed
 * documents cleared) and submits the batch again. */
function resetTiers(state: State, batch: Batch, from: number): void {
  for (const tier of batch.tiers.slice(from)) {
    Object.assign(tier, {
      status: "PENDING", attempt: tier.attempt + 1, timedOut: false, written: 0, taskId: `task_${state.ids.token(12)}`,
      startedAt: undefined, completedAt: undefined, lastActivity: undefined,
    } satisfies Partial<Tier>);
    const extractors = [...new Map(tier.jobs.map((j) => [j.extractor, j])).values()];
    tier.jobs = extractors.map((job) => newJob(state, job.extractor, job.collectionIds, job.behaviour));
  }
  batch.failed = batch.failed.filter((d) => d.tier < from);
  batch.error = null;
  batch.status = "PENDING";
  batch.updatedAt = state.now;
}

function newJob(state: State, extractor: string, collectionIds: string[], behaviour: Job["behaviour"] = "ok", workMs = 30_000): Job {
  return { extractor, collectionIds, rayJobId: state.ids.rayJob(), status: "PENDING", behaviour, workMs, doneMs: 0, restarts: 0 };
}

function cancelJobs(tier: Tier, now: number): Job[] {
  const active = tier.jobs.filter((j) => isActive(j.status));
  for (const job of active) { job.status = "CANCELED"; job.completedAt = now; }
  return active;
}

export const HANDLERS: Record<Operation, (req: Request) => Reply> = {
  listBatches(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const { status, offset = 0, limit = 100 } = req.body as wire.ListBatchesRequest;
    const all = [...req.ns.batches.values()]
      .filter((b) => b.bucketId === bucket.id && (!status || b.status === status))
      .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return ok({ results: all.slice(offset, offset + limit).map((b) => batchToWire(b, req.variant)), total_count: all.length });
  },

  getBatch: (req) => ok(batchToWire(findBatch(req), req.variant)),

  diagnoseBatch: (req) => ok(diagnose(findBatch(req), req.state.now, req.variant)),

  listFailedDocuments(req) {
    const batch = findBatch(req);
    const tier = req.query.get("tier_num");
    const collection = req.query.get("collection_id");
    const limit = queryInt(req.query, "limit", 100);
    const offset = queryInt(req.query, "offset", 0);
    const docs = batch.failed.filter((d) => (tier === null || d.tier === Number(tier)) && (collection === null || d.job.collectionIds.includes(collection)));
    return ok({
      batch_id: batch.id, total: docs.length, limit, offset,
      documents: docs.slice(offset, offset + limit).map((d) => failedDocToWire(batch, d)),
    });
  },

  getBatchLogs(req) {
    const batch = findBatch(req);
    const only = req.query.get("tier_num");
    const tiers = only === null ? batch.tiers : [findTier(batch, only)];
    return ok({
      batch_id: batch.id,
      tiers: tiers.flatMap((tier) => tier.jobs.map((job) => ({
        tier_num: tier.num, ray_job_id: job.rayJobId, extractor_type: job.extractor, status: jobStatus(job, req.variant),
        logs: jobLog(batch, tier, job, req.state.now),
      }))),
    });
  },

  retryDocuments(req) {
    const batch = findBatch(req);
    if (batch.status !== "FAILED" && batch.status !== "COMPLETED_WITH_ERRORS") {
      throw badRequest(`Batch ${batch.id} is ${batch.status}; only FAILED or COMPLETED_WITH_ERRORS batches can retry failed documents`);
    }
    const { retry_mode: mode = "transient_only", tier_nums: tiers, max_retry_count: max = 3 } = req.body as wire.RetryDocumentsRequest;
    const inScope = batch.failed.filter((d) => (!tiers?.length || tiers.includes(d.tier)) && (mode === "all" || isTransient(d.fault.type)));
    const chosen = inScope.filter((d) => d.retryCount < max);
    const reply = {
      batch_id: batch.id, status: batch.status, retried_count: chosen.length,
      skipped_count: batch.failed.length - chosen.length, skipped_max_retries: inScope.length - chosen.length,
      task_id: batch.taskId,
      message: chosen.length ? `Retrying ${chosen.length} failed documents` : "No failed documents matched the retry criteria",
    } satisfies wire.RetryDocumentsResponse;
    if (!chosen.length) return ok(reply);
    for (const doc of chosen) doc.retryCount++;
    batch.retryRun = { docs: chosen, tiers: [...new Set(chosen.map((d) => d.tier))], until: req.state.now + RETRY_RUN_MS };
    batch.status = "PROCESSING";
    batch.updatedAt = req.state.now;
    return ok({ ...reply, status: batch.status });
  },

  retryTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    if (tier.status !== "FAILED" && tier.status !== "CANCELED") {
      throw badRequest(`Tier ${tier.num} of batch ${batch.id} is ${tier.status}; only FAILED or CANCELED tiers can be retried`);
    }
    const earlier = batch.tiers.find((t) => t.num < tier.num && t.status !== "COMPLETED");
    if (earlier) throw badRequest(`Tier ${earlier.num} is ${earlier.status}; retry tier ${earlier.num} first`);
    tier.params = { ...tier.params, ...(req.body as wire.TierRetryRequest) };
    resetTiers(req.state, batch, tier.num);
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: batch.status, task_id: tier.taskId,
      ray_job_ids: tier.jobs.map((j) => j.rayJobId), submission_params: tier.params,
      message: `Tier ${tier.num} resubmitted with updated submission parameters`,
    } satisfies wire.TierRetryResponse);
  },

  healTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    const now = req.state.now;
    if (req.body["action"] === "detect_stuck") {
      const staleSeconds = tier.lastActivity === undefined ? null : Math.round((now - tier.lastActivity) / 1000);
      const stuck = tier.status === "IN_PROGRESS" && now - (tier.lastActivity ?? now) > STUCK_THRESHOLD_MS;
      const affected = stuck ? tier.jobs.filter((j) => isActive(j.status)) : [];
      const reason = `no activity for ${staleSeconds} s`;
      // "reports-only" (the seed's flow) leaves the tier running: the caller cancels it, then retries it.
      const marks = stuck && req.variant.detection === "marks-failed";
      if (marks) {
        for (const job of affected) Object.assign(job, { status: "FAILED", completedAt: now, error: `Stuck: ${reason}` } satisfies Partial<Job>);
        Object.assign(tier, { status: "FAILED", timedOut: true, completedAt: now } satisfies Partial<Tier>);
        Object.assign(batch, { status: "FAILED", error: `Tier ${tier.num} stuck: ${reason}`, updatedAt: now } satisfies Partial<Batch>);
      }
      return ok({
        action: "detect_stuck", tier_num: tier.num, stuck, stale_seconds: staleSeconds,
        affected_job_ids: affected.map((j) => j.rayJobId), tier_status: tier.status,
        message: !stuck ? `Tier ${tier.num} is not stuck`
          : marks ? `Tier ${tier.num} was stuck; marked ${affected.length} job(s) and the tier FAILED`
            : `Tier ${tier.num} is stuck (${reason}); cancel the tier, then retry it`,
      });
    }
    // kill_duplicates: per extractor, keep the earliest-started active job.
    const kept = new Map<string, Job>();
    const killed: Job[] = [];
    const active = tier.jobs.filter((j) => isActive(j.status)).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    for (const job of active) {
      if (!kept.has(job.extractor)) { kept.set(job.extractor, job); continue; }
      Object.assign(job, { status: "CANCELED", completedAt: now, error: `Killed as a duplicate of ${kept.get(job.extractor)!.rayJobId}` } satisfies Partial<Job>);
      killed.push(job);
    }
    if (killed.length) batch.updatedAt = now;
    const keptIds = [...kept.values()].filter((k) => killed.some((j) => j.extractor === k.extractor)).map((j) => j.rayJobId);
    return ok({
      action: "kill_duplicates", tier_num: tier.num, killed_job_ids: killed.map((j) => j.rayJobId), kept_job_ids: keptIds,
      affected_job_ids: killed.map((j) => j.rayJobId), tier_status: tier.status,
      message: killed.length ? `Killed ${killed.length} duplicate job(s)` : "No duplicate jobs found",
    });
  },

  cancelTier(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    if (!isActive(tier.status)) throw badRequest(`Tier ${tier.num} of batch ${batch.id} is ${tier.status}; only PENDING or IN_PROGRESS tiers can be canceled`);
    const canceled = cancelJobs(tier, req.state.now);
    Object.assign(tier, { status: "CANCELED", completedAt: req.state.now } satisfies Partial<Tier>);
    Object.assign(batch, { status: "CANCELED", retryRun: undefined, updatedAt: req.state.now } satisfies Partial<Batch>);
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: tier.status, batch_status: batch.status,
      canceled_job_ids: canceled.map((j) => j.rayJobId), message: `Tier ${tier.num} canceled; later tiers will not run`,
    } satisfies wire.CancelResponse);
  },

  cancelJob(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    const job = tier.jobs.find((j) => j.rayJobId === req.params["ray_job_id"]);
    if (!job) throw notFound("job", req.params["ray_job_id"]!);
    if (!isActive(job.status)) throw badRequest(`Job ${job.rayJobId} is ${job.status}; only PENDING or IN_PROGRESS jobs can be canceled`);
    Object.assign(job, { status: "CANCELED", completedAt: req.state.now } satisfies Partial<Job>);
    batch.updatedAt = req.state.now;
    return ok({
      batch_id: batch.id, tier_num: tier.num, ray_job_id: job.rayJobId, status: job.status, batch_status: batch.status,
      canceled_job_ids: [job.rayJobId], message: `Job ${job.rayJobId} canceled; the tier's other jobs continue`,
    } satisfies wire.CancelResponse);
  },

  cancelBatch(req) {
    const batch = findBatch(req);
    if (!isActive(batch.status)) throw badRequest(`Batch ${batch.id} is ${batch.status}; only PENDING, IN_PROGRESS or PROCESSING batches can be canceled`);
    for (const tier of batch.tiers) {
      cancelJobs(tier, req.state.now);
      if (isActive(tier.status)) Object.assign(tier, { status: "CANCELED", completedAt: req.state.now } satisfies Partial<Tier>);
    }
    Object.assign(batch, { status: "CANCELED", retryRun: undefined, updatedAt: req.state.now } satisfies Partial<Batch>);
    const task = req.state.tasks.get(batch.taskId)!;
    syncTask(task, req.state.now);
    return ok(taskToWire(task));
  },

  resubmitBatch(req) {
    const batch = findBatch(req);
    if (batch.status !== "FAILED" && batch.status !== "CANCELED") {
      throw badRequest(`Batch ${batch.id} is ${batch.status}; only FAILED or CANCELED batches can be resubmitted`);
    }
    const from = findTier(batch, queryInt(req.query, "from_tier", 0)).num;
    const incomplete = batch.tiers.find((t) => t.num < from && t.status !== "COMPLETED");
    if (incomplete) throw badRequest(`Tier ${incomplete.num} is ${incomplete.status}; resubmit from tier ${incomplete.num} or earlier`);
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
    const collection = findCollection(req.ns, req.params["collection"]!);
    const body = req.body as wire.TriggerCollectionRequest;
    const root = rootBucket(req.ns, collection);
    let objectIds = root.objectIds;
    let sourceCollectionIds: string[] | null = null;
    if ("bucketId" in collection.source) {
      if (body.include_collections?.length) throw badRequest("include_collections applies only to collection-sourced collections");
      if (body.include_buckets?.length && !body.include_buckets.map((b) => findBucket(req.ns, b).id).includes(root.id)) {
        throw badRequest(`None of include_buckets is a source of collection ${collection.name}`);
      }
      if (body.object_ids) {
        const known = new Set(root.objectIds);
        const unknown = body.object_ids.filter((id) => !known.has(id));
        if (unknown.length) throw badRequest(`Objects not found in bucket ${root.name}: ${unknown.slice(0, 10).join(", ")}`);
        objectIds = [...new Set(body.object_ids)];
      }
    } else {
      const upstream = collection.source.collectionId;
      if (body.object_ids?.length || body.include_buckets?.length) throw badRequest("object_ids and include_buckets apply only to bucket-sourced collections");
      if (body.include_collections?.length && !body.include_collections.map((c) => findCollection(req.ns, c).id).includes(upstream)) {
        throw badRequest(`None of include_collections is a source of collection ${collection.name}`);
      }
      sourceCollectionIds = [upstream];
    }
    if (body.source_filters) objectIds = objectIds.filter((id) => matchesFilter(body.source_filters!, { object_id: id, bucket_id: root.id }));
    if (!objectIds.length) throw badRequest(`No objects or documents match; nothing to process for collection ${collection.name}`);
    const bucketSourced = sourceCollectionIds === null;
    const batch = createBatch(req.state, req.ns, {
      bucket: root, objectIds, type: bucketSourced ? "BUCKET" : "COLLECTION", steps: pipelineFrom(req.ns, collection),
    });
    return {
      status: 202,
      body: {
        batch_id: batch.id, task_id: batch.taskId, collection_id: collection.id,
        source_bucket_ids: bucketSourced ? [root.id] : null, source_collection_ids: sourceCollectionIds,
        object_count: bucketSourced ? objectIds.length : null, document_count: bucketSourced ? null : docCount(batch),
        total_tiers: batch.tiers.length,
        message: `Triggered processing of ${bucketSourced ? `${objectIds.length} objects` : `${docCount(batch)} documents`} through ${collection.name}`,
      } satisfies wire.TriggerCollectionResponse,
    };
  },

  confirmUploads(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const uploadIds = (req.body["confirmations"] as wire.UploadConfirmation[]).map((c) => c.upload_id);
    const unknown = uploadIds.filter((id) => !bucket.pendingUploads.has(id));
    for (const id of uploadIds) bucket.pendingUploads.delete(id);
    const task = req.state.addTask({
      type: "api_buckets_uploads_batch_confirm", status: "PENDING", completesAt: req.state.now + 15_000,
      error: null, inputs: uploadIds, outputs: [],
      additional: { bucket_id: bucket.id, namespace_id: req.ns.id, confirmations_count: uploadIds.length },
    });
    // Confirmed uploads become objects (create_object_on_confirm defaults to true).
    task.finish = () => {
      const confirmed = uploadIds.filter((id) => !unknown.includes(id));
      const objects = confirmed.map((id) => `obj_${id.slice(4)}`);
      bucket.objectIds.push(...objects);
      task.outputs = confirmed.map((id, i) => ({ upload_id: id, object_id: objects[i], status: "COMPLETED" }));
      task.status = unknown.length ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
      task.error = unknown.length ? `Uploads not found or not pending: ${unknown.join(", ")}` : null;
      Object.assign(task.additional, { confirmed_count: confirmed.length, failed_count: unknown.length });
    };
    return ok({
      task_id: task.id, status: task.status, confirmations_count: uploadIds.length, task: taskToWire(task),
      message: "Batch confirmation is being processed in the background.",
    } satisfies wire.BatchConfirmResponse);
  },
};

/** The bucket a collection's pipeline ultimately reads from. */
function rootBucket(ns: Namespace, collection: Collection): Bucket {
  const source = collection.source;
  return "bucketId" in source ? findBucket(ns, source.bucketId) : rootBucket(ns, findCollection(ns, source.collectionId));
}

/** LogicalOperator (AND/OR/NOT of FilterConditions, or the `{field: value}` shorthand) over an
 * object's fields. The emulator's objects have only ids, so few operators matter. */
function matchesFilter(filter: Record<string, unknown>, record: Record<string, string>): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === "case_sensitive") return true;
    const parts = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
    if (key === "AND") return parts.every((p) => matches(p));
    if (key === "OR") return parts.some((p) => matches(p));
    if (key === "NOT") return !parts.some((p) => matches(p));
    return record[key] === value;
  });
  function matches(part: Record<string, unknown>): boolean {
    if (!("field" in part)) return matchesFilter(part, record);
    const actual = record[String(part["field"])];
    const value = part["value"];
    switch (part["operator"] ?? "eq") {
      case "eq": return actual === value;
      case "ne": return actual !== value;
      case "in": return Array.isArray(value) && value.includes(actual);
      case "nin": return !Array.isArray(value) || !value.includes(actual);
      case "exists": return (actual !== undefined) === (value !== false);
      case "starts_with": return typeof value === "string" && actual !== undefined && actual.startsWith(value);
      default: throw badRequest(`Filter operator ${String(part["operator"])} is not supported on field ${String(part["field"])}`);
    }
  }
}

export interface PipelineStep { collection: Collection; extractors: string[]; params: wire.SubmissionParams }

/** A collection and everything downstream of it, one tier each. */
export function pipelineFrom(ns: Namespace, first: Collection): PipelineStep[] {
  const steps: PipelineStep[] = [];
  for (let c: Collection | undefined = first; c; c = ns.collections.find((d) => "collectionId" in d.source && d.source.collectionId === c!.id)) {
    steps.push({ collection: c, extractors: [c.extractor], params: { ...c.params } });
  }
  return steps;
}

/** Creates and submits a batch: PENDING now, IN_PROGRESS on the next tick. */
export function createBatch(state: State, ns: Namespace, spec: {
  bucket: Bucket; objectIds: string[]; steps: PipelineStep[]; type?: Batch["type"]; docsPerObject?: number; workMs?: number;
}): Batch {
  const id = `btch_${state.ids.token(12)}`;
  const first = spec.steps[0]!.collection.source;
  const batch: Batch = {
    id, bucketId: spec.bucket.id, namespaceId: ns.id, type: spec.type ?? "BUCKET", status: "PENDING", objectIds: spec.objectIds,
    docsPerObject: spec.docsPerObject ?? 1, taskId: "", createdAt: state.now, updatedAt: state.now, error: null, failed: [],
    events: [], metadata: {},
    tiers: spec.steps.map((step, num): Tier => ({
      num, collectionIds: [step.collection.id],
      sourceType: num === 0 && "bucketId" in first ? "bucket" : "collection",
      sourceCollectionIds: num > 0 ? [spec.steps[num - 1]!.collection.id] : "collectionId" in first ? [first.collectionId] : null,
      status: "PENDING" as Status, taskId: `task_${state.ids.token(12)}`, params: step.params, attempt: 0, written: 0,
      jobs: step.extractors.map((extractor) => newJob(state, extractor, [step.collection.id], "ok", spec.workMs)),
    })),
  };
  const task = state.addTask({
    type: "api_buckets_batches_process", status: "PENDING", batch, error: null, inputs: [id], outputs: [],
    additional: {
      batch_id: id, bucket_id: spec.bucket.id, namespace_id: ns.id, total_tiers: spec.steps.length,
      collection_ids: spec.steps.map((s) => s.collection.id), object_count: spec.objectIds.length, current_tier: 0,
      sample_object_ids: spec.objectIds.slice(0, 5),
    },
  });
  batch.taskId = task.id;
  ns.batches.set(id, batch);
  return batch;
}
