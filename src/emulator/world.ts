// The emulator's world: namespaces → buckets, collections → batches → tiers → extractor jobs →
// documents, simulated lazily on a virtual clock. Status rules follow mixpeek-api.md §7.
// Operations change state the way the real API is documented (or, where undocumented, the way
// the guide implies); each scenario's fault is a rule evaluated as jobs run, so only the right
// remediation fixes it.
import { isActive, isTransientCategory } from "../domain/status.js";
import type { ErrorCategory, SubmissionParams } from "../api/wire.js";

export const GIB = 2 ** 30;
/** An IN_PROGRESS tier idle this long is reported stuck by heal detect_stuck. */
export const STUCK_THRESHOLD_MS = 10 * 60_000;

export type Status = "DRAFT" | "PENDING" | "IN_PROGRESS" | "PROCESSING" | "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED" | "CANCELED" | "UNKNOWN";

/** How a job behaves while it runs; scenario faults apply to the first attempt unless noted. */
export type Behaviour =
  | "ok"
  | "oom"        // killed for memory at 40% while the tier's memory_bytes < the batch's oomMinMemory
  | "stuck"      // stops making progress at 35% and stops reporting activity
  | "contend"    // stalls at 50% while another active job of the same extractor runs
  | "crashloop"; // restarts forever with errors; never completes

export interface Job {
  extractor: string;
  collectionIds: string[];
  rayJobId: string;
  status: Status;
  behaviour: Behaviour;
  workMs: number;
  doneMs: number;
  startedAt?: number;
  completedAt?: number;
  lastActivity?: number;
  /** Virtual time up to which this job's progress has been simulated. */
  lastProgressAt?: number;
  error?: string;
  restarts: number;
}

export interface Tier {
  num: number;
  collectionIds: string[];
  sourceType: "bucket" | "collection";
  sourceCollectionIds: string[] | null;
  status: Status;
  taskId: string | null;
  startedAt?: number;
  completedAt?: number;
  lastActivity?: number;
  params: SubmissionParams;
  jobs: Job[];
  attempt: number;
  /** Set when heal detect_stuck failed this tier. */
  timedOut?: boolean;
  written: number;
}

export interface DocFault { type: ErrorCategory; message: string; /** passes on the first retry */ heals: boolean }

export interface FailedDoc {
  id: string;
  objectId: string;
  tier: number;
  collectionId: string;
  extractor: string;
  rayJobId: string;
  type: ErrorCategory;
  message: string;
  retryCount: number;
  failedAt: number;
}

export interface InfraEvent { type: string; timestamp: number; tier: number; rayJobId: string; message: string }

export interface Batch {
  id: string;
  bucketId: string;
  namespaceId: string;
  status: Status;
  objectIds: string[];
  tiers: Tier[];
  taskId: string;
  createdAt: number;
  updatedAt: number;
  error: string | null;
  failed: FailedDoc[];
  events: InfraEvent[];
  stages: { name: string; duration_seconds: number }[];
  /** Documents (by index in objectIds) that fail in a given tier, and how. */
  docFaults: Map<string, DocFault>;
  faultTier: number;
  oomMinMemory?: number;
  /** A document retry in flight: which documents, and virtual time left. */
  retryRun?: { docs: FailedDoc[]; remainingMs: number };
  metadata: Record<string, unknown>;
}

export interface Task {
  id: string;
  type: string;
  status: Status;
  createdAt: number;
  /** Batch tasks mirror their batch; other tasks complete at this time. */
  batchId?: string;
  completesAt?: number;
  finalStatus?: Status;
  error?: string | null;
  inputs: unknown[];
  outputs: unknown[];
  additional: Record<string, unknown>;
}

export interface Bucket { id: string; name: string; objectIds: string[]; pendingUploads: Set<string> }
export interface Collection { id: string; name: string; tier: number; sourceBucketId: string | null; sourceCollectionId: string | null; extractor: string }

export interface Namespace {
  id: string;
  name: string;
  buckets: Bucket[];
  collections: Collection[];
  batches: Map<string, Batch>;
}

/** Deterministic ids, so a given emulator start always yields the same sandbox. */
export class Ids {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  private next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  token(length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
  uuid(): string {
    const hex = this.token(32, "0123456789abcdef");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  rayJob(): string { return `raysubmit_${this.token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`; }
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly details: Record<string, unknown> | null = null) {
    super(message);
  }
}

export const badState = (message: string) => new ApiError(400, "BadRequestError", message);
export const notFound = (resource: string, id: string) =>
  new ApiError(404, "NotFoundError", `${resource[0]!.toUpperCase()}${resource.slice(1)} '${id}' not found`, { resource, id });

export const isTerminalStatus = (s: Status) => ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"].includes(s);

/** Simulates one batch up to `now`. Cheap for terminal batches (returns at once). */
export function advance(batch: Batch, now: number): void {
  if (batch.retryRun && batch.status === "PROCESSING") return advanceRetry(batch, now);
  if (!isActive(batch.status)) return;
  if (batch.status === "PENDING") batch.status = "IN_PROGRESS";
  for (const tier of batch.tiers) {
    if (tier.status === "COMPLETED") continue;
    if (tier.status === "PENDING") startTier(batch, tier, now);
    if (tier.status === "IN_PROGRESS") advanceTier(batch, tier, now);
    // advanceTier may have completed it (TypeScript cannot see that mutation).
    if ((tier.status as Status) === "COMPLETED") continue;
    break;
  }
  settle(batch, now);
}

function startTier(batch: Batch, tier: Tier, now: number): void {
  tier.status = "IN_PROGRESS";
  tier.startedAt = now;
  tier.lastActivity = now;
  for (const job of tier.jobs) {
    if (job.status !== "PENDING") continue;
    job.status = "IN_PROGRESS";
    job.startedAt = now;
    job.lastActivity = now;
  }
  batch.updatedAt = now;
}

function advanceTier(batch: Batch, tier: Tier, now: number): void {
  for (const job of tier.jobs) {
    if (!isActive(job.status)) continue;
    const dt = Math.max(0, now - (job.lastProgressAt ?? job.startedAt ?? now));
    job.lastProgressAt = now;
    runJob(batch, tier, job, dt, now);
  }
  const activity = tier.jobs.map((j) => j.lastActivity ?? 0);
  tier.lastActivity = Math.max(tier.lastActivity ?? 0, ...activity);
  if (tier.jobs.some((j) => isActive(j.status))) return;
  const failedJob = tier.jobs.find((j) => j.status === "FAILED" || j.status === "UNKNOWN");
  tier.completedAt = now;
  batch.updatedAt = now;
  if (failedJob) {
    tier.status = "FAILED";
    batch.status = "FAILED";
    batch.error = `Tier ${tier.num} failed: ${failedJob.error ?? "job failed"}`;
    return;
  }
  tier.status = "COMPLETED";
  completeTierDocuments(batch, tier, now);
  const seconds = (tier.completedAt - (tier.startedAt ?? now)) / 1000;
  batch.stages = [
    { name: "loading", duration_seconds: round(seconds * 0.1) },
    { name: "processing", duration_seconds: round(seconds * 0.75) },
    { name: "writing", duration_seconds: round(seconds * 0.15) },
  ];
}

function runJob(batch: Batch, tier: Tier, job: Job, dt: number, now: number): void {
  const firstAttempt = tier.attempt === 0;
  switch (job.behaviour) {
    case "stuck":
      if (firstAttempt) {
        job.doneMs = Math.max(job.doneMs, job.workMs * 0.35);
        return; // no progress, no activity
      }
      break;
    case "oom":
      if ((tier.params.memory_bytes ?? 0) < (batch.oomMinMemory ?? 0)) {
        job.lastActivity = now;
        job.doneMs += dt;
        if (job.doneMs >= job.workMs * 0.4) {
          job.status = "FAILED";
          job.completedAt = now;
          job.error = `OOMKilled: worker exceeded memory limit of ${Math.round((tier.params.memory_bytes ?? 0) / GIB)} GiB (CUDA out of memory while loading ${job.extractor})`;
          batch.events.push({ type: "oom", timestamp: now, tier: tier.num, rayJobId: job.rayJobId, message: job.error });
          failTierDocuments(batch, tier, job, "resource", "CUDA out of memory. Tried to allocate 2.50 GiB; worker OOMKilled", now);
        }
        return;
      }
      break;
    case "contend": {
      const rival = tier.jobs.some((j) => j !== job && j.extractor === job.extractor && isActive(j.status));
      job.lastActivity = now;
      if (rival) {
        job.doneMs = Math.min(job.workMs * 0.5, job.doneMs + dt);
        return;
      }
      break;
    }
    case "crashloop":
      job.lastActivity = now;
      job.restarts++;
      job.error = `Worker exited with code 1 (restart ${job.restarts}): ValueError: could not decode page image in ${job.extractor}`;
      return;
    case "ok":
      break;
  }
  job.lastActivity = now;
  job.doneMs += dt;
  if (job.doneMs >= job.workMs) {
    job.status = "COMPLETED";
    job.completedAt = now;
  }
}

/** When a tier completes, its documents either are written or fail per the batch's faults. */
function completeTierDocuments(batch: Batch, tier: Tier, now: number): void {
  let failures = 0;
  if (tier.num === batch.faultTier) {
    const job = tier.jobs[0]!;
    batch.objectIds.forEach((objectId, i) => {
      const id = documentId(batch, tier.num, i);
      const fault = batch.docFaults.get(id);
      if (!fault) return;
      failures++;
      batch.failed.push({
        id, objectId, tier: tier.num, collectionId: tier.collectionIds[0]!, extractor: job.extractor,
        rayJobId: job.rayJobId, type: fault.type, message: fault.message, retryCount: 0, failedAt: now,
      });
    });
  }
  tier.written = batch.objectIds.length - failures;
}

function failTierDocuments(batch: Batch, tier: Tier, job: Job, type: ErrorCategory, message: string, now: number): void {
  batch.failed = batch.failed.filter((d) => d.tier !== tier.num);
  batch.objectIds.forEach((objectId, i) => {
    batch.failed.push({
      id: documentId(batch, tier.num, i), objectId, tier: tier.num, collectionId: tier.collectionIds[0]!,
      extractor: job.extractor, rayJobId: job.rayJobId, type, message, retryCount: 0, failedAt: now,
    });
  });
}

export const documentId = (batch: Batch, tier: number, index: number) =>
  `doc_${batch.id.slice(5, 11)}${tier}${String(index).padStart(6, "0")}`;

function advanceRetry(batch: Batch, now: number): void {
  const run = batch.retryRun!;
  run.remainingMs -= Math.max(0, now - batch.updatedAt);
  batch.updatedAt = now;
  if (run.remainingMs > 0) return;
  const healed = new Set<FailedDoc>();
  for (const doc of run.docs) {
    const tier = batch.tiers.find((t) => t.num === doc.tier);
    const fault = batch.docFaults.get(doc.id);
    const oomAgain = doc.type === "resource" && (tier?.params.memory_bytes ?? 0) < (batch.oomMinMemory ?? 0);
    const passes = !oomAgain && (fault ? fault.heals : doc.type !== "resource" || !batch.oomMinMemory);
    if (passes) {
      healed.add(doc);
      if (tier) tier.written++;
    } else {
      doc.failedAt = now;
    }
  }
  if (healed.size) batch.failed = batch.failed.filter((d) => !healed.has(d));
  batch.retryRun = undefined;
  batch.status = "IN_PROGRESS";
  settle(batch, now);
}

/** Derives the batch's terminal status from its tiers once nothing is running. */
function settle(batch: Batch, now: number): void {
  if (!isActive(batch.status)) return;
  if (batch.tiers.some((t) => t.status === "FAILED")) {
    batch.status = "FAILED";
  } else if (batch.tiers.every((t) => t.status === "COMPLETED")) {
    batch.status = batch.failed.length ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
    batch.error = null;
  } else {
    return;
  }
  batch.updatedAt = now;
}

const round = (n: number) => Math.round(n * 10) / 10;

export const transient = isTransientCategory;
