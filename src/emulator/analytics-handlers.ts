// The handlers of tasks (list, kill) and of the analytics routes (a batch's diagnostics, a
// bucket's health), computed from the same state the batch routes serve.
import type { Answer, Body } from "../api/operations.js";
import { badRequest, notFound } from "./errors.js";
import { matchesFilter } from "./filter.js";
import { findBucket, ok, visibleTask, type Handler } from "./request.js";
import { QDRANT_ERROR, STUCK_THRESHOLD_MS, currentTier, docCount, isActive, syncTask } from "./simulation.js";
import type { Batch, Task, Tier } from "./types.js";
import { diagnose, taskToWire } from "./wire-bodies.js";

type AnalyticsOperation = "listTasks" | "killTask" | "getBatchDiagnostics" | "getBucketHealth";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const seconds = (from?: number, to?: number) => (from !== undefined && to !== undefined ? (to - from) / 1000 : null);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** What kind of failure a FAILED tier had, as an error type. */
function tierErrorType(batch: Batch, tier: Tier): string {
  if (tier.qdrantWriteFailed) return "qdrant_write_failed";
  if (tier.timedOut) return "timeout";
  if (tier.jobs.some((j) => j.status === "UNKNOWN")) return "job_lost";
  if (batch.events.some((e) => e.type === "oom" && e.tier === tier.num)) return "resource";
  return "runtime";
}

function tierError(batch: Batch, tier: Tier): string | null {
  if (tier.status !== "FAILED") return null;
  if (tier.qdrantWriteFailed) return `qdrant_write_failed: ${QDRANT_ERROR}`;
  return tier.jobs.find((j) => j.error)?.error ?? batch.error ?? `Tier ${tier.num} failed`;
}

/** Share of a tier's documents processed, 0–100. */
function tierProgress(tier: Tier): number {
  if (tier.status === "COMPLETED") return 100;
  if (!tier.jobs.length) return 0;
  return round1((tier.jobs.reduce((sum, j) => sum + Math.min(1, j.doneMs / j.workMs), 0) / tier.jobs.length) * 100);
}

/** Stops a batch's active tiers and jobs, as cancelling the batch does. */
function cancelBatch(batch: Batch, now: number): void {
  for (const tier of batch.tiers) {
    for (const job of tier.jobs.filter((j) => isActive(j.status))) Object.assign(job, { status: "CANCELED", completedAt: now });
    if (isActive(tier.status)) Object.assign(tier, { status: "CANCELED", completedAt: now });
  }
  Object.assign(batch, { status: "CANCELED", retryRun: undefined, updatedAt: now });
}

export const ANALYTICS_HANDLERS: Record<AnalyticsOperation, Handler> = {
  // Tasks take no namespace: the caller's key scopes them, and the emulator accepts any key.
  listTasks(req) {
    const body = (req.body ?? {}) as Body<"listTasks">;
    const limit = Number(req.query.get("limit") ?? 100);
    const cursor = req.query.get("cursor");
    const cursorOffset = cursor === null ? undefined : /^cur_(\d+)$/.exec(cursor)?.[1];
    if (cursor !== null && cursorOffset === undefined) throw badRequest(`Invalid cursor ${JSON.stringify(cursor)}`);
    const offset = Number(cursorOffset ?? req.query.get("offset") ?? 0);
    const search = body.search?.toLowerCase();
    let tasks = [...req.state.tasks.values()].filter((t) => visibleTask(req, t.id)
      && (!body.status || t.status === body.status)
      && (!body.task_type || t.type === body.task_type)
      && (!search || `${t.id} ${t.type} ${String(t.additional["batch_id"] ?? "")}`.toLowerCase().includes(search))
      && (!body.filters || matchesFilter(body.filters, fields(t))));
    const field = body.sort?.field ?? "created_at";
    const key = (t: Task) => (field === "created_at" ? String(t.createdAt).padStart(16, "0") : fields(t)[field] ?? "");
    tasks = tasks.sort((a, b) => key(a).localeCompare(key(b)) || a.id.localeCompare(b.id));
    if ((body.sort?.direction ?? (body.sort ? "asc" : "desc")) === "desc") tasks.reverse();
    const page = tasks.slice(offset, offset + limit);
    const more = offset + limit < tasks.length;
    return ok({
      results: page.map(taskToWire),
      pagination: {
        total: req.query.get("include_total") === "true" ? tasks.length : null,
        page: Math.floor(offset / limit) + 1, page_size: limit,
        total_pages: req.query.get("include_total") === "true" ? Math.ceil(tasks.length / limit) : null,
        next_page: null, previous_page: null, next_cursor: more ? `cur_${offset + limit}` : null,
      },
    });
  },

  // Idempotent: an unknown or finished task is answered as killed.
  killTask(req) {
    const id = req.params["task_id"]!;
    const task = visibleTask(req, id);
    if (!task) return ok({ message: `Task ${id} not found; nothing to kill`, success: true } satisfies Answer<"killTask">);
    if (!isActive(task.status)) return ok({ message: `Task ${id} is already ${task.status}`, success: true });
    if (task.batch) cancelBatch(task.batch, req.state.now);
    else Object.assign(task, { status: "CANCELED", completesAt: undefined, finish: undefined, error: "Killed by request" });
    syncTask(task, req.state.now);
    return ok({ message: `Task ${id} killed`, success: true });
  },

  getBatchDiagnostics(req) {
    const id = req.params["batch_id"]!;
    const batch = req.ns.batches.get(id);
    if (!batch) throw notFound("batch", id);
    const now = req.state.now;
    const total = docCount(batch);
    const submittedAt = batch.taskId ? req.state.tasks.get(batch.taskId)?.createdAt : undefined;
    const startedAt = batch.tiers[0]?.startedAt;
    const done = !isActive(batch.status) && batch.status !== "DRAFT";
    const completedAt = done ? Math.max(...batch.tiers.map((t) => t.completedAt ?? 0)) || undefined : undefined;
    const failed = batch.tiers.filter((t) => t.status === "FAILED");
    const stale = batch.tiers.filter((t) => t.status === "IN_PROGRESS" && now - (t.lastActivity ?? now) > STUCK_THRESHOLD_MS);
    const progress = batch.tiers.map(tierProgress);
    const insights = [
      ...failed.map((t) => ({
        type: "warning", severity: "critical", message: `Tier ${t.num} failed: ${tierError(batch, t)}`, stage: "processing", metric_value: null,
        recommendation: null,
      })),
      ...stale.map((t) => ({
        type: "bottleneck", severity: "warning", message: `Tier ${t.num} has shown no activity for ${Math.round((now - (t.lastActivity ?? now)) / 1000)} s`,
        stage: "processing", metric_value: round1((now - (t.lastActivity ?? now)) / 1000), recommendation: "Check whether the tier is stuck",
      })),
      ...(batch.status === "COMPLETED" && startedAt !== undefined && completedAt !== undefined ? [{
        type: "optimization", severity: "info", message: `Processed ${total} documents per tier in ${seconds(startedAt, completedAt)} s`,
        stage: null, metric_value: seconds(startedAt, completedAt), recommendation: null,
      }] : []),
    ];
    return ok({
      batch_id: batch.id,
      batch_name: typeof batch.metadata["name"] === "string" ? batch.metadata["name"] : batch.id,
      status: batch.status,
      bucket_id: batch.bucketId,
      current_tier: currentTier(batch),
      total_tiers: Math.max(1, batch.tiers.length),
      overall_progress: progress.length ? round1(progress.reduce((a, b) => a + b, 0) / progress.length) : 0,
      created_at: iso(batch.createdAt),
      submitted_at: iso(submittedAt),
      started_at: iso(startedAt),
      completed_at: iso(completedAt),
      duration_seconds: seconds(startedAt, completedAt ?? (startedAt === undefined ? undefined : now)),
      estimated_completion: null,
      tiers: batch.tiers.map((t, i) => ({
        tier_num: t.num, task_id: t.status === "PENDING" ? null : t.taskId, status: t.status,
        started_at: iso(t.startedAt), completed_at: iso(t.completedAt), duration_seconds: seconds(t.startedAt, t.completedAt),
        progress: { processed_documents: Math.round((total * progress[i]!) / 100), total_documents: total, percentage: progress[i]! },
        ray_job_id: t.jobs[0]?.rayJobId ?? null,
        ray_dashboard_url: t.jobs[0] ? `https://ray.sandbox.mixpeek.com/#/jobs/${t.jobs[0].rayJobId}` : null,
        error: tierError(batch, t), error_type: t.status === "FAILED" ? tierErrorType(batch, t) : null,
      })),
      collections: batch.tiers.flatMap((t) => t.collectionIds.map((cid) => ({
        collection_id: cid, collection_name: req.ns.collections.find((c) => c.id === cid)?.name ?? cid,
        document_count: t.written, expected_documents: total,
        status: t.status === "COMPLETED" ? "ready" : isActive(t.status) ? "processing" : "empty",
      }))),
      performance_summary: batch.status === "COMPLETED" ? { total_duration_seconds: seconds(startedAt, completedAt), documents: total * batch.tiers.length } : null,
      insights,
      has_failures: failed.length > 0 || batch.failed.length > 0,
      failed_tier_count: failed.length,
      total_objects: batch.objectIds.length,
      next_actions: diagnose(batch, now, req.variant).recommendations.map((r) => r.message),
    });
  },

  getBucketHealth(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const now = req.state.now;
    const start = now - Number(req.query.get("hours") ?? 24) * 3_600_000;
    const batches = [...req.ns.batches.values()].filter((b) => b.bucketId === bucket.id && b.updatedAt >= start);
    // Errors by type: failed documents by category, and failed tiers that failed no document.
    const byType = new Map<string, { count: number; first: number; last: number }>();
    const add = (type: string, at: number) => {
      const entry = byType.get(type) ?? { count: 0, first: at, last: at };
      byType.set(type, { count: entry.count + 1, first: Math.min(entry.first, at), last: Math.max(entry.last, at) });
    };
    for (const batch of batches) {
      for (const doc of batch.failed) add(doc.fault.type, doc.failedAt);
      for (const tier of batch.tiers) {
        if (tier.status === "FAILED" && !batch.failed.some((d) => d.tier === tier.num)) add(tierErrorType(batch, tier), tier.completedAt ?? batch.updatedAt);
      }
    }
    const totalErrors = [...byType.values()].reduce((sum, e) => sum + e.count, 0);
    const failing = batches.filter((b) => b.status === "FAILED");
    const stuck = batches.filter((b) => b.tiers.some((t) => t.status === "IN_PROGRESS" && now - (t.lastActivity ?? now) > STUCK_THRESHOLD_MS));
    return ok({
      bucket_id: bucket.id,
      time_range: { start: new Date(start).toISOString(), end: new Date(now).toISOString() },
      overall_health: failing.length || stuck.length ? "unhealthy" : totalErrors ? "degraded" : "healthy",
      total_errors: totalErrors,
      error_breakdown: [...byType].sort(([, a], [, b]) => b.count - a.count).map(([type, e]) => ({
        error_type: type, count: e.count, percentage: round1((e.count / totalErrors) * 100),
        first_seen: new Date(e.first).toISOString(), last_seen: new Date(e.last).toISOString(),
      })),
      // The sandbox's bucket has no sync configurations.
      sync_health: [],
      stuck_syncs: [],
    });
  },
};

/** A task's fields as text, for filters and sorting. */
function fields(task: Task): Record<string, string> {
  return {
    task_id: task.id, task_type: task.type, status: task.status, created_at: new Date(task.createdAt).toISOString(),
    ...Object.fromEntries(Object.entries(task.additional).filter(([, v]) => typeof v === "string").map(([k, v]) => [`additional_data.${k}`, v as string])),
  };
}
