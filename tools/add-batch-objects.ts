import { z } from "zod";
import { step } from "../src/domain/next-steps.js";
import { batchRef, objectIdsArg, skipValidationArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "add_batch_objects";

export const input = { ...batchRef, object_ids: objectIdsArg, skip_validation: skipValidationArg };

export default defineTool({
  name,
  title: "Add objects to batch",
  description: "Add bucket objects to a DRAFT batch before submit_batch; a submitted batch takes no more objects.",
  input,
  output: {
    outcome: z.literal("added"),
    batch_id: z.string(),
    status: z.string().nullable(),
    object_count: z.number().nullable().describe("Objects in the batch now"),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["addBatchObjects"],
  async run({ bucket, batch_id, object_ids, skip_validation }, { api, signal }) {
    const query = skip_validation === undefined ? {} : { skip_validation };
    const { data } = await api.call("addBatchObjects", { params: { bucket, batch_id }, query, body: { object_ids } }, signal);
    return {
      outcome: "added" as const,
      batch_id,
      status: data.status ?? null,
      object_count: data.object_ids?.length ?? null,
      recommendations: [step("submit_batch", { bucket, batch_id }, "Submit the batch", "Processing starts once the batch is submitted.")],
    };
  },
});
