import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "retry_qdrant_write";

export const input = tierRef;

export default defineTool({
  name,
  title: "Retry a tier's Qdrant write",
  description: "Rewrite a FAILED tier's output from S3 to Qdrant without reprocessing, when diagnose_batch reports qdrant_write_failed. Later tiers run after it.",
  input,
  output: {
    outcome: z.literal("rewriting"),
    batch_id: z.string(),
    tier_num: z.number(),
    status: z.string().nullable(),
    task_id: z.string().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  // Writing the same points to Qdrant again leaves the same points.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["retryQdrantWrite"],
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const { data } = await api.call("retryQdrantWrite", { params: { bucket, batch_id, tier_num } }, signal);
    return {
      outcome: "rewriting" as const,
      batch_id,
      tier_num,
      status: data.status ?? null,
      task_id: data.task_id ?? null,
      message: clip(data.message) ?? null,
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
