// The simulation: State holds the namespaces and tasks and brings them up to the virtual clock
// lazily (tick); advance runs one batch's tiers and jobs, each job by its behaviour, and settles
// the batch's status. Each scenario's fault is a rule evaluated while jobs run and documents
// are (re)processed, so only the right remediation fixes it.
import type { ErrorCategory } from "../api/wire.js";
import type { Ids } from "./ids.js";
import type { Batch, DocFault, FailedDoc, Job, Namespace, Status, Task, Tier } from "./types.js";

export const GIB = 2 ** 30;
export const MINUTE = 60_000;
/** An IN_PROGRESS tier idle this long is reported stuck by heal detect_stuck. */
export const STUCK_THRESHOLD_MS = 10 * MINUTE;
/** Ray restarts a crashed worker about this often. */
const RESTART_MS = 30_000;

// The emulator's own status rules, kept apart from the server's reading of statuses so that a
// change on one side cannot silently agree with the other.
const ACTIVE: ReadonlySet<Status> = new Set(["PENDING", "IN_PROGRESS", "PROCESSING"]);
/** Still running: not settled yet. */
export const isActive = (status: Status): boolean => ACTIVE.has(status);
/** Documents failing for these reasons pass when retried (retry_mode "transient_only"). */
export const isTransient = (category: ErrorCategory): boolean => category === "network" || category === "resource";

export class State {
  readonly namespaces: Namespace[] = [];
  readonly tasks = new Map<string, Task>();
  constructor(public ids: Ids, public now: number) {}

  /** By id or name. An unknown namespace is simply empty, as a fresh one would be. */
  namespace(key: string): Namespace {
    return this.namespaces.find((n) => n.id === key || n.name === key)
      ?? { id: key, name: key, buckets: [], collections: [], batches: new Map() };
  }

  /** Brings every batch and task up to `now`; terminal batches return at once. */
  tick(): void {
    for (const ns of this.namespaces) for (const batch of ns.batches.values()) advance(batch, this.now);
    for (const task of this.tasks.values()) syncTask(task, this.now);
  }

  addTask(task: Omit<Task, "id" | "createdAt">): Task {
    const full: Task = { ...task, id: this.ids.uuid(), createdAt: this.now };
    this.tasks.set(full.id, full);
    return full;
  }
}

export function syncTask(task: Task, now: number): void {
  const batch = task.batch;
  if (batch) {
    task.status = batch.status;
    task.error = batch.error;
    task.additional["current_tier"] = currentTier(batch);
    return;
  }
  if (!isActive(task.status) || task.completesAt === undefined) return;
  if (now >= task.completesAt) task.finish?.();
  else task.status = "PROCESSING";
}

export const currentTier = (batch: Batch) => (batch.tiers.find((t) => t.status !== "COMPLETED") ?? batch.tiers.at(-1))?.num ?? 0;
export const docCount = (batch: Batch) => batch.objectIds.length * batch.docsPerObject;
export const documentId = (batch: Batch, tier: number, index: number) =>
  `doc_${batch.id.slice(5, 11)}${tier}${String(index).padStart(6, "0")}`;
export const objectOf = (batch: Batch, index: number) => batch.objectIds[Math.floor(index / batch.docsPerObject)]!;
export const docMessage = (batch: Batch, doc: FailedDoc) => doc.fault.message.replaceAll("{object_id}", objectOf(batch, doc.index));

/** Simulates one batch up to `now`. */
export function advance(batch: Batch, now: number): void {
  if (batch.retryRun) return finishRetry(batch, now);
  if (!isActive(batch.status)) return;
  if (batch.status === "PENDING") batch.status = "IN_PROGRESS";
  for (const tier of batch.tiers) {
    if (tier.status === "PENDING") startTier(batch, tier, now);
    if (tier.status === "IN_PROGRESS") advanceTier(batch, tier, now);
    if (tier.status !== "COMPLETED") break;
  }
  settle(batch, now);
}

function startTier(batch: Batch, tier: Tier, now: number): void {
  tier.status = "IN_PROGRESS";
  tier.startedAt = tier.lastActivity = now;
  for (const job of tier.jobs) {
    if (job.status !== "PENDING") continue;
    job.status = "IN_PROGRESS";
    job.startedAt = job.lastActivity = job.simulatedTo = now;
  }
  batch.updatedAt = now;
}

function advanceTier(batch: Batch, tier: Tier, now: number): void {
  for (const job of tier.jobs) {
    if (!isActive(job.status)) continue;
    const dt = Math.max(0, now - (job.simulatedTo ?? now));
    job.simulatedTo = now;
    runJob(batch, tier, job, dt, now);
  }
  tier.lastActivity = Math.max(tier.lastActivity ?? 0, ...tier.jobs.map((j) => j.lastActivity ?? 0));
  if (tier.jobs.some((j) => isActive(j.status))) return;
  tier.completedAt = batch.updatedAt = now;
  const failedJob = tier.jobs.find((j) => j.status === "FAILED" || j.status === "UNKNOWN");
  if (failedJob) {
    tier.status = "FAILED";
    batch.error = `Tier ${tier.num} failed: ${failedJob.error ?? "job failed"}`;
  } else if (tier.jobs.every((j) => j.status === "CANCELED")) {
    tier.status = "CANCELED";
  } else if (batch.qdrantWriteFails === tier.num) {
    batch.qdrantWriteFails = undefined;
    tier.status = "FAILED";
    tier.qdrantWriteFailed = true;
    batch.error = `Tier ${tier.num} failed: qdrant_write_failed: ${QDRANT_ERROR}`;
  } else {
    tier.status = "COMPLETED";
    processDocuments(batch, tier, now);
  }
}

function runJob(batch: Batch, tier: Tier, job: Job, dt: number, now: number): void {
  const firstAttempt = tier.attempt === 0;
  const progress = (limit = job.workMs) => {
    job.doneMs = Math.min(limit, job.doneMs + dt);
    job.lastActivity = now;
  };
  switch (job.behaviour) {
    case "stuck":
      // Frozen at 35%: neither progress nor activity from then on.
      if (firstAttempt) { if (job.doneMs < job.workMs * 0.35) progress(job.workMs * 0.35); return; }
      break;
    case "orphan":
      // Lost at 50%: no progress or activity from then on, yet the job still counts as running.
      if (firstAttempt && job.lostAt !== undefined) return;
      if (firstAttempt && job.doneMs + dt >= job.workMs * 0.5) {
        progress(job.workMs * 0.5);
        job.lostAt = now;
        job.error = `Ray job not found: ${job.rayJobId} (lost after the Ray head node restarted)`;
        return;
      }
      break;
    case "lost":
      if (firstAttempt && job.doneMs + dt >= job.workMs * 0.5) {
        job.status = "UNKNOWN";
        job.completedAt = now;
        job.error = `Ray job not found: ${job.rayJobId} (lost after the Ray head node restarted)`;
        return;
      }
      break;
    case "oom":
      if ((tier.params.memory_bytes ?? 0) < (batch.oomMinMemory ?? 0) && job.doneMs + dt >= job.workMs * 0.4) {
        const limitGib = Math.round((tier.params.memory_bytes ?? 0) / GIB);
        job.status = "FAILED";
        job.doneMs = job.workMs * 0.4;
        job.completedAt = job.lastActivity = now;
        job.error = `OOMKilled: worker exceeded its memory limit of ${limitGib} GiB (torch.cuda.OutOfMemoryError in ${job.extractor})`;
        batch.events.push({ type: "oom", timestamp: now, tier: tier.num, rayJobId: job.rayJobId, message: job.error });
        failAllDocuments(batch, tier, job, OOM_FAULT, now);
        return;
      }
      break;
    case "contend":
      if (tier.jobs.some((j) => j !== job && j.extractor === job.extractor && isActive(j.status))) return progress(job.workMs * 0.5);
      break;
    case "crashloop":
      job.restarts = Math.floor((now - (job.startedAt ?? now)) / RESTART_MS);
      job.lastActivity = now;
      job.error = `Worker exited with code 1: ValueError: could not decode page image (restart ${job.restarts})`;
      return;
    case "ok":
      break;
  }
  progress();
  if (job.doneMs >= job.workMs) {
    job.status = "COMPLETED";
    job.completedAt = now;
  }
}

/** The processed output stays in S3, so the write can be retried without reprocessing. */
export const QDRANT_ERROR = "upsert to Qdrant timed out after 30 s (ResponseHandlingException: timed out); the processed output is saved in S3";

const OOM_FAULT: DocFault = { type: "resource", message: "CUDA out of memory. Tried to allocate 2.50 GiB (GPU 0; 7.79 GiB total capacity); worker OOMKilled", heals: true };

/** The tier's documents are written, or fail by the scenario's rule. */
function processDocuments(batch: Batch, tier: Tier, now: number): void {
  const job = tier.jobs.find((j) => j.status === "COMPLETED")!;
  let failures = 0;
  if (batch.rule) {
    for (let index = 0; index < docCount(batch); index++) {
      const fault = batch.rule(tier.num, index);
      if (!fault) continue;
      failures++;
      batch.failed.push({ tier: tier.num, index, job, fault, retryCount: 0, failedAt: now });
    }
  }
  tier.written = docCount(batch) - failures;
}

function failAllDocuments(batch: Batch, tier: Tier, job: Job, fault: DocFault, now: number): void {
  batch.failed = batch.failed.filter((d) => d.tier !== tier.num);
  for (let index = 0; index < docCount(batch); index++) batch.failed.push({ tier: tier.num, index, job, fault, retryCount: 0, failedAt: now });
}

/** A document passes on retry if its fault heals, and an OOM only with enough memory. */
function passesRetry(batch: Batch, doc: FailedDoc): boolean {
  const tier = batch.tiers[doc.tier]!;
  if (doc.fault.type === "resource" && (tier.params.memory_bytes ?? 0) < (batch.oomMinMemory ?? 0)) return false;
  return doc.fault.heals;
}

function finishRetry(batch: Batch, now: number): void {
  const run = batch.retryRun!;
  batch.updatedAt = now;
  for (const num of run.tiers) batch.tiers[num]!.lastActivity = now;
  if (now < run.until) return;
  const healed = new Set<FailedDoc>();
  for (const doc of run.docs) {
    if (passesRetry(batch, doc)) {
      healed.add(doc);
      batch.tiers[doc.tier]!.written++;
    } else {
      doc.failedAt = now;
    }
  }
  batch.failed = batch.failed.filter((d) => !healed.has(d));
  batch.retryRun = undefined;
  settle(batch, now);
}

/** Derives the batch's terminal status from its tiers once nothing runs. */
function settle(batch: Batch, now: number): void {
  if (!isActive(batch.status)) return;
  if (batch.tiers.some((t) => t.status === "FAILED")) batch.status = "FAILED";
  else if (batch.tiers.some((t) => t.status === "CANCELED")) batch.status = "CANCELED";
  else if (batch.tiers.every((t) => t.status === "COMPLETED")) {
    batch.status = batch.failed.length ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
    batch.error = null;
  } else return;
  batch.updatedAt = now;
}
