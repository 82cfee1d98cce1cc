// Every tool, in the order an agent meets them: reads, then writes, then destructive ones.
import type { ToolDefinition } from "../src/mcp/tool.js";
import cancelBatch from "./cancel-batch.js";
import cancelJob from "./cancel-job.js";
import cancelTier from "./cancel-tier.js";
import confirmUploads from "./confirm-uploads.js";
import detectStuckTier from "./detect-stuck-tier.js";
import diagnoseBatch from "./diagnose-batch.js";
import getBatch from "./get-batch.js";
import getBatchLogs from "./get-batch-logs.js";
import getTask from "./get-task.js";
import killDuplicateJobs from "./kill-duplicate-jobs.js";
import listBatches from "./list-batches.js";
import listFailedDocuments from "./list-failed-documents.js";
import resubmitBatch from "./resubmit-batch.js";
import retryFailedDocuments from "./retry-failed-documents.js";
import retryTier from "./retry-tier.js";
import triggerCollection from "./trigger-collection.js";
import waitForBatch from "./wait-for-batch.js";

export const TOOLS: readonly ToolDefinition[] = [
  listBatches, getBatch, diagnoseBatch, listFailedDocuments, getBatchLogs, getTask, waitForBatch,
  retryFailedDocuments, retryTier, detectStuckTier, resubmitBatch, triggerCollection, confirmUploads,
  killDuplicateJobs, cancelTier, cancelJob, cancelBatch,
];

export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name);
