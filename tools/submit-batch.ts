import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { batchRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "submit_batch";

export const input = {
  ...batchRef,
  include_processing_history: z.boolean().optional().describe("Record processing history in documents (API default true)"),
};

export default defineTool({
  name,
  title: "Submit batch",
  description: "Submit a DRAFT batch for processing through its collections; refused for a batch without objects. Then wait_for_batch.",
  input,
  output: {
    outcome: z.literal("submitted"),
    batch_id: z.string(),
    task_id: z.string().nullable(),
    status: z.string().nullable(),
    error: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["submitBatch"],
  async run({ bucket, batch_id, include_processing_history }, { api, signal }) {
    const body = include_processing_history === undefined ? undefined : { include_processing_history };
    const { data } = await api.call("submitBatch", { params: { bucket, batch_id }, ...(body ? { body } : {}) }, signal);
    return {
      outcome: "submitted" as const,
      batch_id,
      task_id: data.task_id ?? null,
      status: data.status ?? null,
      error: clip(data.error) ?? null,
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
