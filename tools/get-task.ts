import { z } from "zod";
import { taskIdArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { nextStepsForStatus } from "../src/domain/recommend.js";
import { isTerminal } from "../src/domain/status.js";
import { clip } from "../src/domain/views.js";
import { defineTool } from "../src/mcp/tool.js";

const str = (v: unknown) => (typeof v === "string" ? v : null);

export const name = "get_task";

export const input = { task_id: taskIdArg };

export default defineTool({
  name,
  title: "Get task",
  description: "Status of an asynchronous task (batch processing, upload confirmation) by task_id.",
  input,
  output: {
    task_id: z.string(),
    task_type: z.string(),
    status: z.string(),
    terminal: z.boolean(),
    error: z.string().optional(),
    batch_id: z.string().nullable(),
    bucket_id: z.string().nullable(),
    current_tier: z.number().nullable(),
    total_tiers: z.number().nullable(),
    outputs: z.array(z.string()),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getTask"],
  async run({ task_id }, { api, signal }) {
    const { data } = await api.call("getTask", { params: { task_id } }, signal);
    const extra = data.additional_data ?? {};
    const batchId = str(extra["batch_id"]);
    const bucketId = str(extra["bucket_id"]);
    return {
      task_id: data.task_id ?? task_id,
      task_type: data.task_type ?? "unknown",
      status: data.status ?? "UNKNOWN",
      terminal: isTerminal(data.status),
      ...(data.error ? { error: clip(data.error)! } : {}),
      batch_id: batchId,
      bucket_id: bucketId,
      current_tier: typeof extra["current_tier"] === "number" ? extra["current_tier"] : null,
      total_tiers: typeof extra["total_tiers"] === "number" ? extra["total_tiers"] : null,
      outputs: (data.outputs ?? []).slice(0, 10).map((o) => clip(typeof o === "string" ? o : JSON.stringify(o), 200)!),
      recommendations: batchId && bucketId ? nextStepsForStatus(data.status ?? "UNKNOWN", { bucket: bucketId, batch_id: batchId }) : [],
    };
  },
});
