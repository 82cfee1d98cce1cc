// What each operation takes, in one place: its path and query parameters and its body, as the
// public spec declares them (or, for routes no spec has, the web reference and the batch
// diagnostics guide). The client types its calls with these and checks each body before it is
// sent; the emulator answers 422 from the same schemas; the contract tests hold them to the spec.
// Bodies are strict: a field the API does not declare is refused, never sent.
import { z } from "zod";
import type { Operation } from "./routes.js";
import { TASK_STATUSES } from "./wire.js";

/** Query and path values arrive as text; an integer one is read as pydantic reads it. */
const textInt = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v), schema);
const tierNum = textInt(z.number().int().min(0));
const ids = z.array(z.string()).nullish();

export const RetryMode = z.enum(["transient_only", "all"]);
export const HealAction = z.enum(["detect_stuck", "kill_duplicates"]);

export const ListBatchesBody = z.strictObject({
  status: z.enum(TASK_STATUSES).nullish(),
  offset: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export const RetryDocumentsBody = z.strictObject({
  retry_mode: RetryMode.optional(),
  tier_nums: z.array(z.number().int().min(0)).nullish(),
  max_retry_count: z.number().int().min(1).max(10).optional(),
});
/** [GUIDE/GUESS] the guide shows requires_gpu and priority; the other submission params too. */
export const TierRetryBody = z.strictObject({
  requires_gpu: z.boolean().optional(),
  num_cpus: z.number().positive().optional(),
  memory_bytes: z.number().int().min(1).optional(),
  priority: z.number().int().optional(),
});
export const HealBody = z.strictObject({ action: HealAction });
export const TriggerCollectionBody = z.strictObject({
  include_buckets: ids,
  include_collections: ids,
  /** [WEB] newer than the spec: a shorthand for a filter on object_id. */
  object_ids: ids,
  source_filters: z.record(z.string(), z.unknown()).nullish(),
});
/** The spec types confirmations as open objects; its description names upload_id, etag and size. */
export const UploadConfirmation = z.looseObject({
  upload_id: z.string(),
  etag: z.string().optional(),
  file_size_bytes: z.number().int().min(1).optional(),
});
export const BatchConfirmBody = z.strictObject({ confirmations: z.array(UploadConfirmation).min(1).max(100) });

export interface RequestShape {
  path?: z.ZodObject;
  query?: z.ZodObject;
  /** Absent: the operation takes no body. */
  body?: z.ZodObject;
  bodyRequired?: true;
}

const tierPath = z.object({ tier_num: tierNum });

export const REQUESTS = {
  listBatches: { body: ListBatchesBody },
  getBatch: {},
  diagnoseBatch: {},
  // The spec bounds neither limit nor offset; pages of more than 1,000 are refused [GUESS].
  listFailedDocuments: {
    query: z.object({ tier_num: tierNum.optional(), collection_id: z.string().optional(), limit: textInt(z.number().int().min(1).max(1000)).optional(), offset: textInt(z.number().int().min(0)).optional() }),
  },
  getBatchLogs: { query: z.object({ tier_num: tierNum.optional() }) },
  retryDocuments: { body: RetryDocumentsBody, bodyRequired: true },
  retryTier: { path: tierPath, body: TierRetryBody },
  healTier: { path: tierPath, body: HealBody, bodyRequired: true },
  cancelTier: { path: tierPath },
  cancelJob: { path: tierPath },
  cancelBatch: {},
  resubmitBatch: { query: z.object({ from_tier: tierNum.optional() }) },
  getTask: {},
  triggerCollection: { body: TriggerCollectionBody },
  confirmUploads: { body: BatchConfirmBody, bodyRequired: true },
} as const satisfies Record<Operation, RequestShape>;

export type ListBatchesRequest = z.input<typeof ListBatchesBody>;
export type RetryDocumentsRequest = z.input<typeof RetryDocumentsBody>;
export type TierRetryRequest = z.input<typeof TierRetryBody>;
export type HealAction = z.infer<typeof HealAction>;
export type TriggerCollectionRequest = z.input<typeof TriggerCollectionBody>;
export type UploadConfirmation = z.input<typeof UploadConfirmation>;
