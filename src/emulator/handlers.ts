// One handler per API operation. Each checks the state transition it performs and answers 400
// (BadRequestError) for an invalid one, as the API documents. The reads and the remediations
// are here; the two operations that submit new work are in submit-handlers.ts, a batch's
// lifecycle and uploads in lifecycle-handlers.ts, tasks and analytics in analytics-handlers.ts.
import type { Answer, Body } from "../api/operations.js";
import type { Operation } from "../api/operations.js";
import { resetTiers } from "./batch-factory.js";
import { badRequest, notFound } from "./errors.js";
import { findBatch, findBucket, findTier, ok, visibleTask, type Handler } from "./request.js";
import { STUCK_THRESHOLD_MS, isActive, isTransient, syncTask } from "./simulation.js";
import { ANALYTICS_HANDLERS } from "./analytics-handlers.js";
import { LIFECYCLE_HANDLERS } from "./lifecycle-handlers.js";
import { SUBMIT_HANDLERS } from "./submit-handlers.js";
import type { Batch, Job, Tier } from "./types.js";
import { batchToWire, diagnose, failedDocToWire, jobLog, jobStatus, taskToWire } from "./wire-bodies.js";

/** Virtual time a document retry takes to run. */
const RETRY_RUN_MS = 20_000;

const queryInt = (query: URLSearchParams, name: string, fallback: number) => Number(query.get(name) ?? fallback);

function cancelJobs(tier: Tier, now: number): Job[] {
  const active = tier.jobs.filter((j) => isActive(j.status));
  for (const job of active) { job.status = "CANCELED"; job.completedAt = now; }
  return active;
}

export const HANDLERS: Record<Operation, Handler> = {
  listBatches(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const { status, offset = 0, limit = 100 } = req.body as Body<"listBatches">;
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
    const { retry_mode: mode = "transient_only", tier_nums: tiers, max_retry_count: max = 3 } = req.body as Body<"retryDocuments">;
    const inScope = batch.failed.filter((d) => (!tiers?.length || tiers.includes(d.tier)) && (mode === "all" || isTransient(d.fault.type)));
    const chosen = inScope.filter((d) => d.retryCount < max);
    const reply = {
      batch_id: batch.id, status: batch.status, retried_count: chosen.length,
      skipped_count: batch.failed.length - chosen.length, skipped_max_retries: inScope.length - chosen.length,
      task_id: batch.taskId,
      message: chosen.length ? `Retrying ${chosen.length} failed documents` : "No failed documents matched the retry criteria",
    } satisfies Answer<"retryDocuments">;
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
    tier.params = { ...tier.params, ...(req.body as Body<"retryTier">) };
    resetTiers(req.state, batch, tier.num);
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: batch.status, task_id: tier.taskId,
      ray_job_ids: tier.jobs.map((j) => j.rayJobId), submission_params: tier.params,
      message: `Tier ${tier.num} resubmitted with updated submission parameters`,
    } satisfies Answer<"retryTier">);
  },

  retryQdrantWrite(req) {
    const batch = findBatch(req);
    const tier = findTier(batch, req.params["tier_num"]!);
    if (tier.status !== "FAILED" || !tier.qdrantWriteFailed) {
      throw badRequest(`Tier ${tier.num} of batch ${batch.id} has no failed Qdrant write to retry (it is ${tier.status}); use this when validation detects qdrant_write_failed`);
    }
    // Its jobs all completed, so the next step of the simulation writes the tier and runs the later ones.
    tier.qdrantWriteFailed = false;
    tier.status = "IN_PROGRESS";
    batch.status = "IN_PROGRESS";
    batch.error = null;
    batch.updatedAt = req.state.now;
    return ok({
      batch_id: batch.id, tier_num: tier.num, status: batch.status, task_id: tier.taskId,
      message: `Rewriting tier ${tier.num}'s processed output from S3 to Qdrant`,
    } satisfies Answer<"retryQdrantWrite">);
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
    } satisfies Answer<"cancelTier">);
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
    } satisfies Answer<"cancelJob">);
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
    } satisfies Answer<"resubmitBatch">);
  },

  getTask(req) {
    const task = visibleTask(req, req.params["task_id"]!);
    if (!task) throw notFound("task", req.params["task_id"]!);
    return ok(taskToWire(task));
  },

  ...SUBMIT_HANDLERS,
  ...LIFECYCLE_HANDLERS,
  ...ANALYTICS_HANDLERS,
};
