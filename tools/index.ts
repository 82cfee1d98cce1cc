// Every tool, in the order an agent meets them: reads, then writes, then destructive ones.
// Adding a tool here (one import, one entry) is all the catalogue needs; its name and input
// schema also give the recommendation builders their types (src/domain/next-steps.ts).
import type { z } from "zod";
import type { ToolDefinition } from "../src/mcp/tool.js";
import * as addBatchObjects from "./add-batch-objects.js";
import * as cancelBatch from "./cancel-batch.js";
import * as cancelJob from "./cancel-job.js";
import * as cancelTier from "./cancel-tier.js";
import * as confirmUploads from "./confirm-uploads.js";
import * as createBatch from "./create-batch.js";
import * as createUploads from "./create-uploads.js";
import * as deleteBatch from "./delete-batch.js";
import * as detectStuckTier from "./detect-stuck-tier.js";
import * as diagnoseBatch from "./diagnose-batch.js";
import * as getBatch from "./get-batch.js";
import * as getBatchDiagnostics from "./get-batch-diagnostics.js";
import * as getBatchLogs from "./get-batch-logs.js";
import * as getBucketHealth from "./get-bucket-health.js";
import * as getTask from "./get-task.js";
import * as killDuplicateJobs from "./kill-duplicate-jobs.js";
import * as killTask from "./kill-task.js";
import * as listBatches from "./list-batches.js";
import * as listFailedDocuments from "./list-failed-documents.js";
import * as listTasks from "./list-tasks.js";
import * as resubmitBatch from "./resubmit-batch.js";
import * as retryFailedDocuments from "./retry-failed-documents.js";
import * as retryQdrantWrite from "./retry-qdrant-write.js";
import * as retryTier from "./retry-tier.js";
import * as submitBatch from "./submit-batch.js";
import * as triggerCollection from "./trigger-collection.js";
import * as updateBatch from "./update-batch.js";
import * as waitForBatch from "./wait-for-batch.js";

export const TOOL_MODULES = [
  listBatches, getBatch, diagnoseBatch, listFailedDocuments, getBatchLogs, getTask, waitForBatch,
  getBucketHealth, getBatchDiagnostics, listTasks,
  retryFailedDocuments, retryTier, retryQdrantWrite, detectStuckTier, resubmitBatch, triggerCollection, confirmUploads,
  createUploads, createBatch, addBatchObjects, submitBatch, updateBatch,
  killDuplicateJobs, cancelTier, cancelJob, cancelBatch, deleteBatch, killTask,
] as const;

export const TOOLS: readonly ToolDefinition[] = TOOL_MODULES.map((module) => module.default);
export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name);

type Module = (typeof TOOL_MODULES)[number];
export type ToolName = Module["name"];
/** The arguments a tool accepts, from its own input schema. Only each module's `name` and
 * `input` are read, so these types do not depend on the tools' results. */
export type ToolArgs<T extends ToolName> = z.infer<z.ZodObject<Extract<Module, { name: T }>["input"]>>;
