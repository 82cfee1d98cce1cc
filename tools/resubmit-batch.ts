import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { batchRef, tierNumArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "resubmit_batch";

export const input = { ...batchRef, from_tier: tierNumArg.optional().describe("First tier to rerun, e.g. 1 (default 0: all tiers)") };

export default defineTool({
  name,
  title: "Resubmit batch",
  description: "Rerun a FAILED or CANCELED batch from a tier (default 0); earlier tiers keep their results. For lost (orphaned) or timed-out tiers.",
  input,
  output: {
    outcome: z.literal("resubmitted"),
    batch_id: z.string(),
    status: z.string().nullable(),
    from_tier: z.number(),
    task_id: z.string().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "triage",
  operations: ["resubmitBatch"],
  async run({ bucket, batch_id, from_tier }, { api, signal }) {
    const { data } = await api.call("resubmitBatch", { params: { bucket, batch_id }, query: { from_tier } }, signal);
    return {
      outcome: "resubmitted" as const,
      batch_id,
      status: data.status ?? null,
      from_tier: data.from_tier ?? from_tier ?? 0,
      task_id: data.task_id ?? null,
      message: clip(data.message) ?? null,
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
