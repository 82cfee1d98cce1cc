// Wire schemas of the Mixpeek batch API, read tolerantly: unknown fields are kept (looseObject),
// every field may be missing or null, numbers may come as strings, timestamps with or without a
// zone, and where an answer's shape is a guess [GUESS] (no public spec or page shows it) every
// plausible form is accepted and normalised into the one internal form these types describe.
import { z } from "zod";
import { bool, findList, int, isRecord, num, requiredInt, status, timestamp, withAliases } from "./tolerant.js";

export const str = z.string().nullish();
export const strList = z.array(z.string()).nullish();
const record = z.record(z.string(), z.unknown()).nullish();
const counts = z.record(z.string(), num).nullish();
/** A tolerant model of what the API returns: `aliases` name the other keys a field may arrive under. */
export const model = <S extends z.ZodRawShape>(shape: S, aliases?: Record<string, readonly string[]>) =>
  aliases ? z.preprocess(withAliases(aliases), z.looseObject(shape)) : z.looseObject(shape);

export const TASK_STATUSES = [
  "PENDING", "IN_PROGRESS", "PROCESSING", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED",
  "CANCELED", "UNKNOWN", "SKIPPED", "DRAFT", "ACTIVE", "ARCHIVED", "SUSPENDED",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const optionalStatus = status.nullish();

export const ERROR_CATEGORIES = [
  "dependency", "authentication", "validation", "runtime", "network", "resource",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const BatchErrorDetail = model({
  error_type: str,
  message: str,
  component: str,
  stage: str,
  traceback: str,
  timestamp,
  affected_document_ids: strList,
  affected_count: int,
  recovery_suggestion: str,
  metadata: record,
}, { error_type: ["type", "category", "error_category"], message: ["error_message", "msg", "error"] });
export type BatchErrorDetail = z.infer<typeof BatchErrorDetail>;

/** [GUIDE: Mixpeek's public batch-diagnostics guide] the resources and settings a tier's Ray
 * job was submitted with. */
export const SubmissionParams = model({
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

export const ExtractorJob = model({
  extractor_type: str,
  collection_ids: strList,
  ray_job_id: str,
  celery_task_id: str,
  status: optionalStatus,
  started_at: timestamp,
  completed_at: timestamp,
  duration_ms: num,
  documents_written: int,
  errors: z.array(BatchErrorDetail).nullish(),
  error: str,
  /** [GUESS] per job, like the tier's. */
  last_activity_at: timestamp,
  /** [GUESS] how often Ray restarted the worker, when the API says. */
  restarts: int,
}, { extractor_type: ["extractor", "extractor_name", "name"], ray_job_id: ["job_id"], restarts: ["restart_count"] });
export type ExtractorJob = z.infer<typeof ExtractorJob>;

export const TierTask = model({
  tier_num: requiredInt,
  task_id: str,
  status: optionalStatus,
  collection_ids: strList,
  extractor_jobs: z.array(ExtractorJob).nullish(),
  source_type: str,
  source_collection_ids: strList,
  parent_task_id: str,
  started_at: timestamp,
  completed_at: timestamp,
  duration_ms: num,
  errors: z.array(BatchErrorDetail).nullish(),
  error_summary: counts,
  ray_job_id: str,
  source_documents_fetched: int,
  documents_submitted_to_engine: int,
  documents_written: int,
  submission_params: SubmissionParams.nullish(),
  last_activity_at: timestamp,
});
export type TierTask = z.infer<typeof TierTask>;

export const Stage = model({ name: z.string(), duration_seconds: num });

export const Batch = model({
  batch_id: z.string(),
  bucket_id: str,
  status: optionalStatus,
  object_ids: strList,
  collection_ids: strList,
  error: str,
  /** [WEB, API 0.82] why the batch failed, e.g. "Ray job failed: ImportError: …". */
  failure_reason: str,
  error_summary: counts,
  type: str,
  manifest_key: str,
  task_id: str,
  loaded_object_ids: strList,
  internal_metadata: record,
  metadata: record,
  tier_tasks: z.array(TierTask).nullish(),
  current_tier: int,
  total_tiers: int,
  dag_tiers: z.array(z.array(z.string())).nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  /** [GUIDE] placement of stage_history under `progress` follows the guide. */
  progress: model({ stage_history: z.array(Stage).nullish() }).nullish(),
}, { batch_id: ["id"] });
export type Batch = z.infer<typeof Batch>;

/** A page of a list, in one internal form whatever key the API used: `items` is null (and
 * `received_keys` names what came instead) when no list was found, `total` null when no total. */
const page = <T extends z.ZodType>(item: T, listKeys: readonly string[], totalKeys: readonly string[]) =>
  z.preprocess((v) => findList(v, "items", listKeys, totalKeys), z.looseObject({
    items: z.array(item).nullable(),
    total: int,
    received_keys: strList,
  }));

/** [SPEC] `{results, total_count}`; other list keys are tolerated all the same. */
export const ListBatchesResponse = page(Batch, ["results", "batches", "data"], ["total_count", "total", "count"]);
export type ListBatchesResponse = z.infer<typeof ListBatchesResponse>;

export const Task = model({
  task_id: str,
  task_type: str,
  status: optionalStatus,
  inputs: z.array(z.unknown()).nullish(),
  outputs: z.array(z.unknown()).nullish(),
  additional_data: record,
  error: str,
}, { error: ["error_message"] });
export type Task = z.infer<typeof Task>;

/** [GUESS] one failed document; the spec types the failed-documents answer as a bare object. */
export const FailedDocument = model({
  document_id: str,
  object_id: str,
  tier_num: int,
  collection_id: str,
  extractor_type: str,
  ray_job_id: str,
  error_type: str,
  error_message: str,
  retry_count: int,
  failed_at: timestamp,
}, {
  document_id: ["id", "doc_id"],
  error_type: ["error_category", "category", "type", "error_class"],
  error_message: ["message", "error", "detail", "reason"],
  retry_count: ["retries", "attempts"],
  tier_num: ["tier"],
});
export type FailedDocument = z.infer<typeof FailedDocument>;

/** [GUESS] GET …/failed-documents: the list under `documents`, `failed_documents`, `items`,
 * `results` or `data` (or bare), the total under `total`, `total_count` or `count`. */
export const FailedDocumentsResponse = page(FailedDocument, ["documents", "failed_documents", "results", "data"], ["total", "total_count", "count"]);
export type FailedDocumentsResponse = z.infer<typeof FailedDocumentsResponse>;

/** [GUESS] Ray job logs: per tier and job (`tiers: [...]`), a map of tier → text, or one text.
 * Internal form: `entries`, one per job or tier, `tier_num` null when the API did not say. */
const LogEntry = model({
  tier_num: int,
  ray_job_id: str,
  extractor_type: str,
  status: optionalStatus,
  logs: str,
}, { logs: ["text", "log", "lines"] });
export const LogsResponse = z.preprocess(logEntries, z.looseObject({ entries: z.array(LogEntry).nullable() }));
export type LogsResponse = z.infer<typeof LogsResponse>;

function logEntries(value: unknown): unknown {
  const text = (v: unknown) => (Array.isArray(v) ? v.join("\n") : v);
  if (typeof value === "string") return { entries: [{ tier_num: null, logs: value }] };
  if (!isRecord(value)) return value;
  const list = [value["tiers"], value["jobs"], value["logs"], value["entries"]].find(Array.isArray);
  if (list) return { entries: list.map((entry) => (isRecord(entry) ? entry : { logs: text(entry) })) };
  const byTier = [value["tiers"], value["logs"]].find(isRecord);
  if (byTier) return { entries: Object.entries(byTier).map(([tier, logs]) => ({ tier_num: tier, ...(isRecord(logs) ? logs : { logs: text(logs) }) })) };
  if (typeof value["logs"] === "string") return { entries: [{ tier_num: value["tier_num"] ?? null, logs: value["logs"] }] };
  return { entries: null };
}

/** [GUIDE/GUESS] GET …/diagnose. Confirmed keys: status, failure_category,
 * failed_document_count, recommendations; the rest follows the guide's prose. */
export const InfrastructureEvent = model({
  type: z.string(),
  timestamp,
  tier_num: int,
  ray_job_id: str,
  message: str,
}, { type: ["event_type", "kind"], timestamp: ["time", "at"] });
export type InfrastructureEvent = z.infer<typeof InfrastructureEvent>;

export const DiagnoseTier = model({
  tier_num: requiredInt,
  status: optionalStatus,
  started_at: timestamp,
  completed_at: timestamp,
  duration_ms: num,
  last_activity_at: timestamp,
  submission_params: SubmissionParams.nullish(),
  ray_job_id: str,
});

/** An API recommendation: a line of text, or an object naming an action. */
export const ApiRecommendation = z.preprocess(
  (v) => (typeof v === "string" ? { text: v } : withAliases({ text: ["message", "description", "title", "detail"], action: ["type", "kind"] })(v)),
  z.looseObject({ text: str, action: str, tier_num: int, ray_job_id: str }),
);
export type ApiRecommendation = z.infer<typeof ApiRecommendation>;

/** per_tier as a list, or as a map keyed by tier number. */
const perTier = (v: unknown) => (isRecord(v) ? Object.entries(v).map(([tier, entry]) => ({ tier_num: tier, ...(isRecord(entry) ? entry : {}) })) : v);

export const Diagnosis = model({
  batch_id: str,
  status: optionalStatus,
  failure_category: str,
  failed_document_count: int,
  infrastructure_events: z.array(InfrastructureEvent).nullish(),
  per_tier: z.preprocess(perTier, z.array(DiagnoseTier).nullish()),
  failed_documents_sample: z.array(FailedDocument).nullish(),
  recommendations: z.array(ApiRecommendation).nullish(),
}, {
  failed_document_count: ["failed_documents_count", "failed_count"],
  infrastructure_events: ["events"],
  per_tier: ["tiers"],
  failed_documents_sample: ["sample_failed_documents", "failed_documents"],
});
export type Diagnosis = z.infer<typeof Diagnosis>;

// Error bodies: Mixpeek's envelope, and FastAPI's defaults (`{"detail": "..."}`, and
// `{"detail": [{loc, msg, type}]}` for 422).
export const ErrorEnvelope = z.looseObject({
  success: z.boolean().nullish(),
  status: z.number().nullish(),
  error: z.looseObject({
    type: z.string().nullish(),
    message: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});
export const FastApiDetail = z.looseObject({ detail: z.string() });
export const FastApiValidation = z.looseObject({
  detail: z.array(z.looseObject({
    loc: z.array(z.union([z.string(), z.number()])).nullish(),
    msg: z.string().nullish(),
    type: z.string().nullish(),
  })),
});
