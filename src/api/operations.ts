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
import { bool, findList, int, num, timestamp } from "./tolerant.js";
import * as wire from "./wire.js";

const { model, str, strList, optionalStatus } = wire;

/** Query and path values arrive as text; an integer one is read as pydantic reads it. */
const textInt = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v), schema);
const tierNum = textInt(z.number().int().min(0));
/** A query boolean arrives as text; pydantic reads "true" and "false". */
const textBool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
const skipValidation = z.object({ skip_validation: textBool.optional() });
const jsonObject = z.record(z.string(), z.unknown());
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

/** CreateBatchRequest and AddObjectsToBatchRequest: at least one object id, no maximum. */
const ObjectIdsBody = z.strictObject({ object_ids: z.array(z.string()).min(1) });
const SubmitBatchBody = z.strictObject({ include_processing_history: z.boolean().optional() });
const PatchBatchBody = z.strictObject({ metadata: jsonObject.nullish() });
/** CreateUploadRequest, as the spec declares it. */
const CreateUpload = z.strictObject({
  filename: z.string().min(1).max(255),
  content_type: z.string(),
  file_size_bytes: z.number().int().min(1).nullish(),
  presigned_url_expiration: z.number().int().min(60).max(86400).optional(),
  metadata: jsonObject.optional(),
  create_object_on_confirm: z.boolean().optional(),
  object_metadata: jsonObject.nullish(),
  blob_property: z.string().regex(/^[a-zA-Z0-9_]+$/).nullish(),
  blob_type: z.string().nullish(),
  file_hash: z.string().regex(/^[a-f0-9]{64}$/).nullish(),
  skip_duplicates: z.boolean().optional(),
});
const BatchUploadBody = z.strictObject({
  uploads: z.array(CreateUpload).min(1).max(100),
  shared_metadata: jsonObject.nullish(),
  shared_object_metadata: jsonObject.nullish(),
});
export const TASK_TYPES = [
  "api_namespaces_create", "api_namespaces_delete", "api_namespaces_migrations_run", "api_buckets_objects_create", "api_buckets_delete",
  "api_buckets_batches_process", "api_buckets_batches_submit", "api_buckets_uploads_create", "api_buckets_uploads_confirm",
  "api_buckets_uploads_batch_confirm", "api_collections_documents_create", "api_collections_extraction_artifacts", "api_taxonomies_create",
  "api_taxonomies_execute", "api_taxonomies_materialize", "api_evaluations_run", "api_evaluations_dataset_create", "api_retrievers_publish",
  "api_collections_export", "api_collections_trigger", "engine_feature_extractor_run", "engine_inference_run", "engine_object_processing",
  "engine_cluster_build", "thumbnail", "video_segment", "audio_segment", "materialize", "plugin_custom", "model_custom",
] as const;
/** ListTasksRequest; `filters` is a LogicalOperator (AND/OR/NOT of conditions), open in the spec. */
const ListTasksBody = z.strictObject({
  status: z.enum(wire.TASK_STATUSES).nullish(),
  task_type: z.enum(TASK_TYPES).nullish(),
  filters: z.looseObject({}).nullish(),
  sort: z.strictObject({ field: z.string(), direction: z.enum(["asc", "desc"]).optional() }).nullish(),
  search: z.string().nullish(),
});
const ListTasksQuery = z.object({
  limit: textInt(z.number().int().min(1).max(1000)).optional(),
  offset: textInt(z.number().int().min(0).max(10000)).optional(),
  cursor: z.string().optional(),
  include_total: textBool.optional(),
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

/** [SPEC: BatchModel] the answer to create, add objects and patch; read with every field
 * optional, so an answer without a batch_id is a note, not a failure of an applied write. */
const BatchWrite = model({
  batch_id: str,
  bucket_id: str,
  status: optionalStatus,
  object_ids: strList,
  loaded_object_ids: strList,
  collection_ids: strList,
  total_tiers: int,
  task_id: str,
  metadata: z.record(z.string(), z.unknown()).nullish(),
}, { batch_id: ["id"] });

/** [SPEC: GenericDeleteResponse] DELETE of a batch or a task. */
const DeleteResponse = model({ success: bool, message: str });

/** [SPEC: BatchUploadResponse] one presigned URL per upload. */
const UploadAnswer = model({
  upload_id: str,
  filename: str,
  presigned_url: str,
  presigned_url_expiration: int,
  status: optionalStatus,
  expires_at: timestamp,
  is_duplicate: bool,
  duplicate_of_upload_id: str,
  skipped_unique_key: bool,
  existing_object_id: str,
  message: str,
}, { presigned_url: ["url", "upload_url"] });
const BatchUploadResponse = z.preprocess((v) => findList(v, "items", ["uploads", "results", "data"], ["total", "total_count", "count"]), z.looseObject({
  items: z.array(UploadAnswer).nullable(),
  total: int,
  received_keys: strList,
}));

/** [SPEC: ListTasksResponse] `{results, pagination: {total, next_cursor, …}}`. */
const ListTasksResponse = z.preprocess((v) => findList(v, "items", ["results", "tasks", "data"], ["total", "total_count", "count"]), z.looseObject({
  items: z.array(wire.Task).nullable(),
  total: int,
  received_keys: strList,
  pagination: model({ next_cursor: str, total: int, page: int, total_pages: int }).nullish(),
}));

/** [SPEC: BatchDiagnostics] required batch_id, batch_name, status, bucket_id; the rest optional. */
const TierDiagnostic = model({
  tier_num: int,
  task_id: str,
  status: optionalStatus,
  started_at: timestamp,
  completed_at: timestamp,
  duration_seconds: num,
  progress: model({ processed_documents: int, total_documents: int, percentage: num }).nullish(),
  ray_job_id: str,
  error: str,
  error_type: str,
});
const BatchDiagnostics = model({
  batch_id: str,
  batch_name: str,
  status: optionalStatus,
  bucket_id: str,
  current_tier: int,
  total_tiers: int,
  overall_progress: num,
  created_at: timestamp,
  submitted_at: timestamp,
  started_at: timestamp,
  completed_at: timestamp,
  duration_seconds: num,
  estimated_completion: timestamp,
  tiers: z.array(TierDiagnostic).nullish(),
  collections: z.array(model({ collection_id: str, collection_name: str, document_count: int, expected_documents: int, status: str })).nullish(),
  insights: z.array(model({ type: str, severity: str, message: str, stage: str, recommendation: str })).nullish(),
  has_failures: bool,
  failed_tier_count: int,
  total_objects: int,
  next_actions: z.array(z.unknown()).nullish(),
});

/** [SPEC: BucketHealthResponse] errors by type and the health of the bucket's sync configs. */
const BucketHealth = model({
  bucket_id: str,
  time_range: model({ start: timestamp, end: timestamp }).nullish(),
  overall_health: str,
  total_errors: int,
  error_breakdown: z.array(model({ error_type: str, count: int, percentage: num, first_seen: timestamp, last_seen: timestamp })).nullish(),
  sync_health: z.array(model({ sync_config_id: str, consecutive_failures: int, failure_rate: num, last_failure_at: timestamp })).nullish(),
  stuck_syncs: z.array(z.unknown()).nullish(),
}, { overall_health: ["health", "status"], error_breakdown: ["errors_by_type"] });

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

const BATCHES = "/v1/buckets/{bucket}/batches";
const BATCH = `${BATCHES}/{batch_id}`;
const TIER = `${BATCH}/tiers/{tier_num}`;

export const OPERATIONS = {
  listBatches: { method: "POST", path: `${BATCHES}/list`, reads: true, body: ListBatchesBody, answer: wire.ListBatchesResponse },
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
  createBatch: { method: "POST", path: BATCHES, query: skipValidation, body: ObjectIdsBody, bodyRequired: true, answer: BatchWrite },
  addBatchObjects: { method: "POST", path: `${BATCH}/objects`, query: skipValidation, body: ObjectIdsBody, bodyRequired: true, answer: BatchWrite },
  submitBatch: { method: "POST", path: `${BATCH}/submit`, body: SubmitBatchBody, answer: wire.Task },
  updateBatch: { method: "PATCH", path: BATCH, body: PatchBatchBody, bodyRequired: true, answer: BatchWrite },
  deleteBatch: { method: "DELETE", path: BATCH, answer: DeleteResponse },
  createUploads: { method: "POST", path: "/v1/buckets/{bucket}/uploads/batch", body: BatchUploadBody, bodyRequired: true, answer: BatchUploadResponse },
  listTasks: { method: "POST", path: "/v1/tasks/list", reads: true, namespaced: false, query: ListTasksQuery, body: ListTasksBody, answer: ListTasksResponse },
  /** Idempotent, the spec says: a task that does not exist or has finished is killed already. */
  killTask: { method: "DELETE", path: "/v1/tasks/{task_id}", namespaced: false, answer: DeleteResponse },
  getBatchDiagnostics: { method: "GET", path: "/v1/analytics/performance/batches/{batch_id}/diagnostics", reads: true, answer: BatchDiagnostics },
  getBucketHealth: {
    method: "GET", path: "/v1/analytics/buckets/{bucket}/health", reads: true, answer: BucketHealth,
    query: z.object({ hours: textInt(z.number().int().min(1).max(720)).optional() }),
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
