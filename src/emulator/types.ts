// The emulator's state, as plain data: namespaces → buckets, collections → batches → tiers →
// extractor jobs → failed documents, and tasks. simulation.ts moves it forward in time, the
// handlers change it on request, wire-bodies.ts renders it.
import type { ErrorCategory, SubmissionParams } from "../api/wire.js";

export type Status = "DRAFT" | "PENDING" | "IN_PROGRESS" | "PROCESSING" | "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED" | "CANCELED" | "UNKNOWN";

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
  /** Its documents were processed and saved to S3, but writing them to Qdrant failed. */
  qdrantWriteFailed?: boolean;
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
  /** The tier whose first write to Qdrant fails (the qdrant scenario). */
  qdrantWriteFails?: number;
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
  /** The API key whose call created it: task routes take no namespace, so a key (an organisation)
   * sees only its own tasks. Seeded sandbox tasks have none and every key sees them. */
  owner?: string;
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
