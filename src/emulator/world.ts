// The emulator's world: namespaces → buckets, collections → batches → tiers → extractor jobs →
// documents, simulated lazily on a virtual clock. Status rules follow mixpeek-api.md §7.
// Each scenario's fault is a rule evaluated while jobs run and documents are (re)processed, so
// only the right remediation fixes it.
import type { ErrorCategory, SubmissionParams } from "../api/wire.js";

export const GIB = 2 ** 30;
export const MINUTE = 60_000;
/** An IN_PROGRESS tier idle this long is reported stuck by heal detect_stuck. */
export const STUCK_THRESHOLD_MS = 10 * MINUTE;
/** Ray restarts a crashed worker about this often. */
const RESTART_MS = 30_000;
/** Virtual time a document retry takes to run. */
export const RETRY_RUN_MS = 20_000;

export type Status = "DRAFT" | "PENDING" | "IN_PROGRESS" | "PROCESSING" | "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED" | "CANCELED" | "UNKNOWN";

// The emulator's own status rules (mixpeek-api.md §7), kept apart from the server's reading of
// statuses so that a change on one side cannot silently agree with the other.
const ACTIVE: ReadonlySet<Status> = new Set(["PENDING", "IN_PROGRESS", "PROCESSING"]);
/** Still running: not settled yet. */
export const isActive = (status: Status): boolean => ACTIVE.has(status);
/** Documents failing for these reasons pass when retried (retry_mode "transient_only"). */
export const isTransient = (category: ErrorCategory): boolean => category === "network" || category === "resource";

/** How a job behaves while it runs. */
type Behaviour =
  | "ok"
  | "oom"       // OOM-killed at 40% while the tier's memory_bytes < the batch's oomMinMemory
  | "stuck"     // first attempt only: stops at 35% and stops reporting activity
  | "lost"      // first attempt only: Ray loses the job at 50% (head node restart)
  | "orphan"    // first attempt only: as "lost", but Mixpeek never notices and waits on it forever
  | "contend"   // stalls at 50% while another active job of the same extractor runs
  | "crashloop"; // a bug in the extractor: restarts forever, never completes

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
  /** Virtual time up to which this job has been simulated. */
  simulatedTo?: number;
  error?: string;
  restarts: number;
  /** When Ray lost an "orphan" job; Mixpeek still counts it as running. */
  lostAt?: number;
}

export interface Tier {
  num: number;
  collectionIds: string[];
  sourceType: "bucket" | "collection";
  sourceCollectionIds: string[] | null;
  status: Status;
  taskId: string;
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

/** How one document fails. `message` may contain {object_id}; documents with the same
 * category and template form one error signature. */
export interface DocFault { type: ErrorCategory; message: string; /** passes when retried */ heals: boolean }

/** Compact on purpose (massive-failures holds 100,000): ids are derived from tier and index. */
export interface FailedDoc { tier: number; index: number; job: Job; fault: DocFault; retryCount: number; failedAt: number }

interface InfraEvent { type: "oom" | "preemption" | "node_failure"; timestamp: number; tier: number; rayJobId: string; message: string }

export interface Batch {
  id: string;
  bucketId: string;
  namespaceId: string;
  type: "BUCKET" | "COLLECTION";
  status: Status;
  /** Source objects; a collection-sourced batch processes their upstream documents. */
  objectIds: string[];
  /** Documents each object yields per tier (video → frames). */
  docsPerObject: number;
  tiers: Tier[];
  taskId: string;
  createdAt: number;
  updatedAt: number;
  error: string | null;
  failed: FailedDoc[];
  events: InfraEvent[];
  /** The scenario's per-document fault rule; none for batches created through the API. */
  rule?: (tier: number, index: number) => DocFault | undefined;
  /** The memory the OOM scenario's GPU tier needs. */
  oomMinMemory?: number;
  /** A document retry in flight. */
  retryRun?: { docs: FailedDoc[]; tiers: number[]; until: number };
  /** Always sends RUNNING/QUEUED for IN_PROGRESS/PENDING, whatever the variant. */
  unknownStatuses?: boolean;
  metadata: Record<string, unknown>;
}

export interface Task {
  id: string;
  type: string;
  status: Status;
  createdAt: number;
  /** A batch task mirrors its batch; other tasks finish at `completesAt`. */
  batch?: Batch;
  completesAt?: number;
  finish?: () => void;
  error: string | null;
  inputs: unknown[];
  outputs: unknown[];
  additional: Record<string, unknown>;
}

export interface Bucket { id: string; name: string; objectIds: string[]; pendingUploads: Set<string> }
export interface Collection {
  id: string;
  name: string;
  extractor: string;
  /** Bucket-sourced (tier 0) or collection-sourced (tier N). */
  source: { bucketId: string } | { collectionId: string };
  params: SubmissionParams;
}

export interface Namespace {
  id: string;
  name: string;
  buckets: Bucket[];
  collections: Collection[];
  batches: Map<string, Batch>;
}

/** Deterministic ids (mulberry32), so a given start always yields the same sandbox. */
export class Ids {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  static fromName(name: string): Ids {
    let h = 2166136261;
    for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    return new Ids(h);
  }
  private next(): number {
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
export const badRequest = (message: string) => new ApiError(400, "BadRequestError", message);
export const notFound = (resource: string, id: string) =>
  new ApiError(404, "NotFoundError", `${resource[0]!.toUpperCase()}${resource.slice(1)} '${id}' not found`, { resource, id });

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
