// Wire schemas of the Mixpeek batch API. Tolerant on purpose: unknown fields are kept
// (looseObject) and every field the spec does not require may be missing or null, so a newer
// API does not break us. Shapes tagged [GUESS] are our reading of undocumented responses
// (see ../shared/mixpeek-api.md); the emulator produces exactly these shapes.
import { z } from "zod";

const str = z.string().nullish();
const int = z.number().int().nullish();
const num = z.number().nullish();
const bool = z.boolean().nullish();
const strList = z.array(z.string()).nullish();

export const TASK_STATUSES = [
  "PENDING", "IN_PROGRESS", "PROCESSING", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED",
  "CANCELED", "UNKNOWN", "SKIPPED", "DRAFT", "ACTIVE", "ARCHIVED", "SUSPENDED",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** A status string as sent; kept open so a new server status does not fail parsing. */
const status = z.string();

export const ERROR_CATEGORIES = [
  "dependency", "authentication", "validation", "runtime", "network", "resource",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const BatchErrorDetail = z.looseObject({
  error_type: z.string(),
  message: z.string(),
  component: str,
  stage: str,
  traceback: str,
  timestamp: str,
  affected_document_ids: strList,
  affected_count: int,
  recovery_suggestion: str,
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type BatchErrorDetail = z.infer<typeof BatchErrorDetail>;

/** [SEED-ONLY] resources and settings a tier's Ray job was submitted with. */
export const SubmissionParams = z.looseObject({
  entrypoint: str,
  deployment_mode: str,
  requires_gpu: bool,
  num_cpus: num,
  memory_bytes: num,
  priority: num,
  plugin_archives: z.array(z.unknown()).nullish(),
  extractor_name: str,
});
export type SubmissionParams = z.infer<typeof SubmissionParams>;

export const ExtractorJob = z.looseObject({
  extractor_type: z.string(),
  collection_ids: strList,
  ray_job_id: str,
  celery_task_id: str,
  status: status.nullish(),
  started_at: str,
  completed_at: str,
  duration_ms: num,
  documents_written: int,
  errors: z.array(BatchErrorDetail).nullish(),
  error: str,
  /** [GUESS] per job, like the tier's. */
  last_activity_at: str,
});
export type ExtractorJob = z.infer<typeof ExtractorJob>;

export const TierTask = z.looseObject({
  tier_num: z.number().int(),
  task_id: str,
  status: status.nullish(),
  collection_ids: strList,
  extractor_jobs: z.array(ExtractorJob).nullish(),
  source_type: z.string().nullish(),
  source_collection_ids: strList,
  parent_task_id: str,
  started_at: str,
  completed_at: str,
  duration_ms: num,
  errors: z.array(BatchErrorDetail).nullish(),
  error_summary: z.record(z.string(), z.number()).nullish(),
  ray_job_id: str,
  source_documents_fetched: int,
  documents_submitted_to_engine: int,
  documents_written: int,
  submission_params: SubmissionParams.nullish(),
  last_activity_at: str,
});
export type TierTask = z.infer<typeof TierTask>;

export const Stage = z.looseObject({ name: z.string(), duration_seconds: num });

export const Batch = z.looseObject({
  batch_id: z.string(),
  bucket_id: z.string().nullish(),
  status: status.nullish(),
  object_ids: strList,
  collection_ids: strList,
  error: str,
  error_summary: z.record(z.string(), z.number()).nullish(),
  type: str,
  manifest_key: str,
  task_id: str,
  loaded_object_ids: strList,
  internal_metadata: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  tier_tasks: z.array(TierTask).nullish(),
  current_tier: int,
  total_tiers: int,
  dag_tiers: z.array(z.array(z.string())).nullish(),
  created_at: str,
  updated_at: str,
  /** [SEED-ONLY] placement of stage_history under `progress` follows the guide. */
  progress: z.looseObject({ stage_history: z.array(Stage).nullish() }).nullish(),
});
export type Batch = z.infer<typeof Batch>;

export const ListBatchesResponse = z.looseObject({
  results: z.array(Batch),
  total_count: z.number().int(),
});
export type ListBatchesResponse = z.infer<typeof ListBatchesResponse>;

export const Task = z.looseObject({
  task_id: z.string(),
  task_type: z.string(),
  status,
  inputs: z.array(z.unknown()).nullish(),
  outputs: z.array(z.unknown()).nullish(),
  additional_data: z.record(z.string(), z.unknown()).nullish(),
  error: str,
});
export type Task = z.infer<typeof Task>;

/** [GUESS] failed-documents payload; the spec types it as a bare object. */
export const FailedDocument = z.looseObject({
  document_id: z.string(),
  object_id: str,
  tier_num: int,
  collection_id: str,
  extractor_type: str,
  ray_job_id: str,
  error_type: z.string().nullish(),
  error_message: str,
  retry_count: int,
  failed_at: str,
});
export type FailedDocument = z.infer<typeof FailedDocument>;

export const FailedDocumentsResponse = z.looseObject({
  batch_id: str,
  total: int,
  limit: int,
  offset: int,
  documents: z.array(FailedDocument).nullish(),
});
export type FailedDocumentsResponse = z.infer<typeof FailedDocumentsResponse>;

/** [GUESS] logs per tier and Ray job; the spec's response schema is `{}`. */
export const LogsResponse = z.looseObject({
  batch_id: str,
  tiers: z.array(z.looseObject({
    tier_num: z.number().int(),
    ray_job_id: str,
    extractor_type: str,
    status: status.nullish(),
    logs: z.string().nullish(),
  })).nullish(),
});
export type LogsResponse = z.infer<typeof LogsResponse>;

/** [SEED-ONLY/GUESS] GET …/diagnose. Confirmed keys: status, failure_category,
 * failed_document_count, recommendations; the rest follows the guide's prose. */
export const InfrastructureEvent = z.looseObject({
  type: z.string(),
  timestamp: str,
  tier_num: int,
  ray_job_id: str,
  message: str,
});
export type InfrastructureEvent = z.infer<typeof InfrastructureEvent>;

export const DiagnoseTier = z.looseObject({
  tier_num: z.number().int(),
  status: status.nullish(),
  started_at: str,
  completed_at: str,
  duration_ms: num,
  last_activity_at: str,
  submission_params: SubmissionParams.nullish(),
  ray_job_id: str,
});

export const Diagnosis = z.looseObject({
  batch_id: str,
  status: status.nullish(),
  failure_category: z.string().nullish(),
  failed_document_count: int,
  infrastructure_events: z.array(InfrastructureEvent).nullish(),
  per_tier: z.array(DiagnoseTier).nullish(),
  failed_documents_sample: z.array(FailedDocument).nullish(),
  recommendations: z.array(z.string()).nullish(),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

/** [GUESS] POST …/retry; SEED-000 shows `{}`, so everything is optional. */
export const RetryDocumentsResponse = z.looseObject({
  batch_id: str,
  status: status.nullish(),
  retried_count: int,
  skipped_count: int,
  skipped_max_retries: int,
  retried_document_ids: strList,
  task_id: str,
  message: str,
});
export type RetryDocumentsResponse = z.infer<typeof RetryDocumentsResponse>;

/** [GUESS] POST …/tiers/{n}/retry. */
export const TierRetryResponse = z.looseObject({
  batch_id: str,
  tier_num: int,
  status: status.nullish(),
  task_id: str,
  ray_job_ids: strList,
  submission_params: SubmissionParams.nullish(),
  message: str,
});
export type TierRetryResponse = z.infer<typeof TierRetryResponse>;

/** [GUESS] POST …/tiers/{n}/heal. */
export const HealResponse = z.looseObject({
  action: z.string().nullish(),
  tier_num: int,
  stuck: bool,
  stale_seconds: num,
  affected_job_ids: strList,
  killed_job_ids: strList,
  kept_job_ids: strList,
  tier_status: status.nullish(),
  message: str,
});
export type HealResponse = z.infer<typeof HealResponse>;

/** [GUESS] POST …/tiers/{n}/cancel and …/jobs/{id}/cancel. */
export const CancelResponse = z.looseObject({
  batch_id: str,
  tier_num: int,
  ray_job_id: str,
  status: status.nullish(),
  batch_status: status.nullish(),
  canceled_job_ids: strList,
  message: str,
});
export type CancelResponse = z.infer<typeof CancelResponse>;

/** [GUESS] POST …/resubmit (the web page says it resets to DRAFT and optionally submits). */
export const ResubmitResponse = z.looseObject({
  batch_id: str,
  status: status.nullish(),
  from_tier: int,
  task_id: str,
  submitted: bool,
  message: str,
});
export type ResubmitResponse = z.infer<typeof ResubmitResponse>;

export const TriggerCollectionResponse = z.looseObject({
  batch_id: z.string(),
  task_id: z.string(),
  collection_id: z.string(),
  source_bucket_ids: strList,
  source_collection_ids: strList,
  object_count: int,
  document_count: int,
  total_tiers: z.number().int(),
  message: z.string(),
});
export type TriggerCollectionResponse = z.infer<typeof TriggerCollectionResponse>;

export const BatchConfirmResponse = z.looseObject({
  task_id: z.string(),
  status,
  confirmations_count: z.number().int(),
  task: Task,
  message: str,
});
export type BatchConfirmResponse = z.infer<typeof BatchConfirmResponse>;

// Request bodies: exactly the fields each request schema declares, nothing more.

export interface ListBatchesRequest { status?: TaskStatus; offset?: number; limit?: number }
export interface RetryDocumentsRequest {
  retry_mode?: "transient_only" | "all";
  tier_nums?: number[];
  max_retry_count?: number;
}
export interface TierRetryRequest {
  requires_gpu?: boolean;
  num_cpus?: number;
  memory_bytes?: number;
  priority?: number;
}
export type HealAction = "detect_stuck" | "kill_duplicates";
export interface TriggerCollectionRequest {
  include_buckets?: string[];
  include_collections?: string[];
  object_ids?: string[];
  source_filters?: Record<string, unknown>;
}
export interface UploadConfirmation { upload_id: string; etag?: string; file_size_bytes?: number }

// Error bodies: Mixpeek's envelope, and FastAPI's default 422 shape.
export const ErrorEnvelope = z.looseObject({
  success: z.boolean().nullish(),
  status: z.number().nullish(),
  error: z.looseObject({
    type: z.string().nullish(),
    message: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});
export const FastApiValidation = z.looseObject({
  detail: z.array(z.looseObject({
    loc: z.array(z.union([z.string(), z.number()])).nullish(),
    msg: z.string().nullish(),
    type: z.string().nullish(),
  })),
});
