// Every API operation we call, in one table: its route, whether it only reads (only those are
// retried; listing batches is a POST) and whether it is namespaced (tasks are looked up by id
// alone), what its path, query and body take, and how its answer is read. The client builds and
// checks requests from it, the emulator routes and validates with it (422 from the same schemas),
// and the contract tests hold it to the public spec. Requests are what the spec declares (or,
// for routes no spec has, the web reference and the batch diagnostics guide): bodies are strict,
// a field the API does not declare is refused, never sent. Answers are read tolerantly: the
// models the domain reads (batches, tasks, diagnoses, …) are in wire.ts; an answer only one
// tool reads is declared here, next to its operation.
import { z } from "zod";
import { bool, int, num } from "./tolerant.js";
import * as wire from "./wire.js";

const { model, str, strList, optionalStatus } = wire;

/** Query and path values arrive as text; an integer one is read as pydantic reads it. */
const textInt = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v), schema);
const tierNum = textInt(z.number().int().min(0));
const tierPath = z.object({ tier_num: tierNum });
const ids = z.array(z.string()).nullish();

export const RetryMode = z.enum(["transient_only", "all"]);
export const HealAction = z.enum(["detect_stuck", "kill_duplicates"]);

// Requests.

const ListBatchesBody = z.strictObject({
  status: z.enum(wire.TASK_STATUSES).nullish(),
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
const RetryDocumentsBody = z.strictObject({
  retry_mode: RetryMode.optional(),
  tier_nums: z.array(z.number().int().min(0)).nullish(),
  max_retry_count: z.number().int().min(1).max(10).optional(),
});
/** [GUIDE/GUESS] the guide shows requires_gpu and priority; the other submission params too. */
const TierRetryBody = z.strictObject({
  requires_gpu: z.boolean().optional(),
  num_cpus: z.number().positive().optional(),
  memory_bytes: z.number().int().min(1).optional(),
  priority: z.number().int().optional(),
});
const TriggerCollectionBody = z.strictObject({
  include_buckets: ids,
  include_collections: ids,
  /** [WEB] newer than the spec: a shorthand for a filter on object_id. */
  object_ids: ids,
  source_filters: z.record(z.string(), z.unknown()).nullish(),
});
/** The spec types confirmations as open objects; its description names upload_id, etag and size. */
const UploadConfirmation = z.looseObject({
  upload_id: z.string(),
  etag: z.string().optional(),
  file_size_bytes: z.number().int().min(1).optional(),
});

// Answers to writes. A 2xx means the write was applied whatever its body says ([WEB]: some
// are `{}`); every field is optional and an unreadable body reads as `{}` (client.ts).

/** [GUESS] POST …/retry; the public API page shows `{}`. */
const RetryDocumentsResponse = model({
  batch_id: str,
  status: optionalStatus,
  retried_count: int,
  skipped_count: int,
  skipped_max_retries: int,
  retried_document_ids: strList,
  task_id: str,
  message: str,
}, { retried_count: ["retried", "documents_retried"] });

/** [GUESS] POST …/tiers/{n}/retry. */
const TierRetryResponse = model({
  batch_id: str,
  tier_num: int,
  status: optionalStatus,
  task_id: str,
  ray_job_ids: strList,
  submission_params: wire.SubmissionParams.nullish(),
  message: str,
});

/** [GUESS] POST …/tiers/{n}/heal. */
const HealResponse = model({
  action: str,
  tier_num: int,
  stuck: bool,
  stale_seconds: num,
  affected_job_ids: strList,
  killed_job_ids: strList,
  kept_job_ids: strList,
  tier_status: optionalStatus,
  message: str,
}, {
  stuck: ["is_stuck", "stuck_detected"],
  stale_seconds: ["idle_seconds", "stuck_seconds"],
  killed_job_ids: ["killed_jobs", "killed"],
  tier_status: ["status"],
});

/** [GUESS] POST …/tiers/{n}/cancel and …/jobs/{id}/cancel. */
const CancelResponse = model({
  batch_id: str,
  tier_num: int,
  ray_job_id: str,
  status: optionalStatus,
  batch_status: optionalStatus,
  canceled_job_ids: strList,
  message: str,
}, { canceled_job_ids: ["cancelled_job_ids", "canceled_jobs", "cancelled_jobs"] });

/** [GUESS] POST …/resubmit (the web page says it resets to DRAFT and optionally submits). */
const ResubmitResponse = model({
  batch_id: str,
  status: optionalStatus,
  from_tier: int,
  task_id: str,
  submitted: bool,
  message: str,
});

const TriggerCollectionResponse = model({
  batch_id: str,
  task_id: str,
  collection_id: str,
  source_bucket_ids: strList,
  source_collection_ids: strList,
  object_count: int,
  document_count: int,
  total_tiers: int,
  message: str,
});

const BatchConfirmResponse = model({
  task_id: str,
  status: optionalStatus,
  confirmations_count: int,
  task: wire.Task.nullish(),
  message: str,
});


/** [SPEC: an open object] POST …/tiers/{n}/retry-qdrant-write, which rewrites a tier's
 * processed output from S3 to Qdrant; the fields read are guesses named like the other retries. */
const QdrantRetryResponse = model({
  batch_id: str,
  tier_num: int,
  status: optionalStatus,
  task_id: str,
  documents_written: int,
  message: str,
}, { documents_written: ["points_written", "written_count", "documents_rewritten"] });

export interface OperationSpec {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path template; each {name} is one percent-encoded segment. */
  path: string;
  /** Present: the operation changes nothing, so resending it is always safe. */
  reads?: true;
  /** Present: the route takes no X-Namespace. */
  namespaced?: false;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Absent: the operation takes no body. */
  body?: z.ZodObject;
  bodyRequired?: true;
  answer: z.ZodType;
}

const BATCH = "/v1/buckets/{bucket}/batches/{batch_id}";
const TIER = `${BATCH}/tiers/{tier_num}`;

export const OPERATIONS = {
  listBatches: { method: "POST", path: "/v1/buckets/{bucket}/batches/list", reads: true, body: ListBatchesBody, answer: wire.ListBatchesResponse },
  getBatch: { method: "GET", path: BATCH, reads: true, answer: wire.Batch },
  diagnoseBatch: { method: "GET", path: `${BATCH}/diagnose`, reads: true, answer: wire.Diagnosis },
  // The spec bounds neither limit nor offset; pages of more than 1,000 are refused [GUESS].
  listFailedDocuments: {
    method: "GET", path: `${BATCH}/failed-documents`, reads: true, answer: wire.FailedDocumentsResponse,
    query: z.object({ tier_num: tierNum.optional(), collection_id: z.string().optional(), limit: textInt(z.number().int().min(1).max(1000)).optional(), offset: textInt(z.number().int().min(0)).optional() }),
  },
  getBatchLogs: { method: "GET", path: `${BATCH}/logs`, reads: true, query: z.object({ tier_num: tierNum.optional() }), answer: wire.LogsResponse },
  retryDocuments: { method: "POST", path: `${BATCH}/retry`, body: RetryDocumentsBody, bodyRequired: true, answer: RetryDocumentsResponse },
  retryTier: { method: "POST", path: `${TIER}/retry`, params: tierPath, body: TierRetryBody, answer: TierRetryResponse },
  healTier: { method: "POST", path: `${TIER}/heal`, params: tierPath, body: z.strictObject({ action: HealAction }), bodyRequired: true, answer: HealResponse },
  retryQdrantWrite: { method: "POST", path: `${TIER}/retry-qdrant-write`, params: tierPath, answer: QdrantRetryResponse },
  cancelTier: { method: "POST", path: `${TIER}/cancel`, params: tierPath, answer: CancelResponse },
  cancelJob: { method: "POST", path: `${TIER}/jobs/{ray_job_id}/cancel`, params: tierPath, answer: CancelResponse },
  cancelBatch: { method: "POST", path: `${BATCH}/cancel`, answer: wire.Task },
  /** `from_tier` travels in the query string, as the web reference declares. */
  resubmitBatch: { method: "POST", path: `${BATCH}/resubmit`, query: z.object({ from_tier: tierNum.optional() }), answer: ResubmitResponse },
  getTask: { method: "GET", path: "/v1/tasks/{task_id}", reads: true, namespaced: false, answer: wire.Task },
  triggerCollection: { method: "POST", path: "/v1/collections/{collection}/trigger", body: TriggerCollectionBody, answer: TriggerCollectionResponse },
  confirmUploads: {
    method: "POST", path: "/v1/buckets/{bucket}/uploads/confirm/batch",
    body: z.strictObject({ confirmations: z.array(UploadConfirmation).min(1).max(100) }), bodyRequired: true, answer: BatchConfirmResponse,
  },
} as const satisfies Record<string, OperationSpec>;

export type Operation = keyof typeof OPERATIONS;
type Spec<O extends Operation> = (typeof OPERATIONS)[O];

/** What an operation's answer is read into. */
export type Answer<O extends Operation> = z.output<Spec<O>["answer"]>;
/** The query an operation takes (never: none). */
export type Query<O extends Operation> = Spec<O> extends { query: infer Q extends z.ZodType } ? z.output<Q> : never;
/** The body an operation takes (never: none). */
export type Body<O extends Operation> = Spec<O> extends { body: infer B extends z.ZodType } ? z.input<B> : never;

/** Whether an operation only reads, so resending it is always safe. */
export const isRead = (operation: Operation): boolean => "reads" in OPERATIONS[operation];
/** Whether an operation is scoped by namespace (sent X-Namespace). */
export const isNamespaced = (operation: Operation): boolean => !("namespaced" in OPERATIONS[operation]);
