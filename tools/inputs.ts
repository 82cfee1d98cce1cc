// Every tool's input schema by tool name: the source of the argument types that recommendations
// are checked against (src/domain/next-steps.ts), kept apart from the tools themselves so those
// types do not depend on the tools' results, which are built from recommendations.
import type { z } from "zod";
import { input as cancelBatch } from "./cancel-batch.js";
import { input as cancelJob } from "./cancel-job.js";
import { input as cancelTier } from "./cancel-tier.js";
import { input as confirmUploads } from "./confirm-uploads.js";
import { input as detectStuckTier } from "./detect-stuck-tier.js";
import { input as diagnoseBatch } from "./diagnose-batch.js";
import { input as getBatch } from "./get-batch.js";
import { input as getBatchLogs } from "./get-batch-logs.js";
import { input as getTask } from "./get-task.js";
import { input as killDuplicateJobs } from "./kill-duplicate-jobs.js";
import { input as listBatches } from "./list-batches.js";
import { input as listFailedDocuments } from "./list-failed-documents.js";
import { input as resubmitBatch } from "./resubmit-batch.js";
import { input as retryFailedDocuments } from "./retry-failed-documents.js";
import { input as retryTier } from "./retry-tier.js";
import { input as triggerCollection } from "./trigger-collection.js";
import { input as waitForBatch } from "./wait-for-batch.js";

export const INPUTS = {
  cancel_batch: cancelBatch,
  cancel_job: cancelJob,
  cancel_tier: cancelTier,
  confirm_uploads: confirmUploads,
  detect_stuck_tier: detectStuckTier,
  diagnose_batch: diagnoseBatch,
  get_batch: getBatch,
  get_batch_logs: getBatchLogs,
  get_task: getTask,
  kill_duplicate_jobs: killDuplicateJobs,
  list_batches: listBatches,
  list_failed_documents: listFailedDocuments,
  resubmit_batch: resubmitBatch,
  retry_failed_documents: retryFailedDocuments,
  retry_tier: retryTier,
  trigger_collection: triggerCollection,
  wait_for_batch: waitForBatch,
};

export type ToolName = keyof typeof INPUTS;
/** The arguments a tool accepts, from its own input schema. */
export type ToolArgs<T extends ToolName> = z.infer<z.ZodObject<(typeof INPUTS)[T]>>;
