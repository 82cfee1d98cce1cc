import { z } from "zod";
import { BadResponseError } from "../src/api/errors.js";
import { TASK_TYPES } from "../src/api/operations.js";
import { diagnoseStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { limitArg, statusArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const DEFAULT_LIMIT = 20;
const text = (v: unknown) => (typeof v === "string" ? clip(v, 100)! : null);

export const name = "list_tasks";

export const input = {
  status: statusArg,
  // Checked, not listed: the thirty types would cost every conversation a hundred tokens.
  task_type: z.string().refine((type) => (TASK_TYPES as readonly string[]).includes(type), `one of ${TASK_TYPES.join(", ")}`)
    .optional().describe('e.g. "api_buckets_batches_process"'),
  search: z.string().min(1).max(200).optional(),
  limit: limitArg(100, DEFAULT_LIMIT),
  offset: z.number().int().min(0).max(10_000).optional().describe("Tasks to skip (default 0)"),
  cursor: z.string().min(1).max(500).optional().describe("next_cursor of the previous page, instead of offset"),
};

export default defineTool({
  name,
  title: "List tasks",
  description: "List async tasks (batch processing, upload confirmations), newest first, by status or type. Find running or failed task_ids.",
  input,
  output: {
    total_count: z.number().nullable(),
    returned: z.number(),
    next_cursor: z.string().nullable(),
    tasks: z.array(z.object({
      task_id: z.string().nullable(),
      task_type: z.string().nullable(),
      status: z.string(),
      batch_id: z.string().nullable(),
      bucket_id: z.string().nullable(),
      error: z.string().nullable(),
    })),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "admin",
  operations: ["listTasks"],
  async run({ status, task_type, search, limit = DEFAULT_LIMIT, offset, cursor }, { api, signal }) {
    const query = { limit, include_total: true, ...(cursor ? { cursor } : offset === undefined ? {} : { offset }) };
    const body = { ...(status ? { status } : {}), ...(task_type ? { task_type: task_type as (typeof TASK_TYPES)[number] } : {}), ...(search ? { search } : {}) };
    const { data, status: httpStatus, requestId } = await api.call("listTasks", { params: {}, query, body }, signal);
    // No list is not an empty list.
    if (!data.items) {
      throw new BadResponseError({
        message: `The API's task list held no list this server recognises (keys: ${(data.received_keys ?? []).join(", ") || "none"}).`,
        status: httpStatus, requestId, operation: "listTasks",
      });
    }
    const tasks = data.items.slice(0, limit).map((t) => ({
      task_id: clip(t.task_id, 100) ?? null,
      task_type: clip(t.task_type, 100) ?? null,
      status: clip(t.status, 40) ?? "UNKNOWN",
      batch_id: text(t.additional_data?.["batch_id"]),
      bucket_id: text(t.additional_data?.["bucket_id"]),
      error: clip(t.error, 200) ?? null,
    }));
    const failedBatch = tasks.find((t) => t.status === "FAILED" && t.batch_id && t.bucket_id);
    return {
      total_count: data.total ?? null,
      returned: tasks.length,
      next_cursor: clip(data.pagination?.next_cursor, 500) ?? null,
      tasks,
      recommendations: failedBatch
        ? [diagnoseStep({ bucket: failedBatch.bucket_id!, batch_id: failedBatch.batch_id! }, `Task ${failedBatch.task_id} of batch ${failedBatch.batch_id} FAILED; diagnose_batch finds the cause and the fix.`)]
        : [],
    };
  },
});
