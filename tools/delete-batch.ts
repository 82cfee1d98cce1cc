import { z } from "zod";
import { BadRequestError } from "../src/api/errors.js";
import { isActive } from "../src/domain/status.js";
import { unknownStatusNote } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { batchRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "delete_batch";

export const input = batchRef;

export default defineTool({
  name,
  title: "Delete batch",
  description: "Delete a batch that is not running (DRAFT or finished); a running one must be canceled first. Asks for confirmation.",
  input,
  output: {
    outcome: z.literal("deleted"),
    batch_id: z.string(),
    message: z.string().nullable(),
    recommendations,
  },
  // Deleting it again changes nothing more.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toolset: "admin",
  operations: ["getBatch", "deleteBatch"],
  async plan(ref, { api, signal }) {
    const { data: batch } = await api.call("getBatch", { params: ref }, signal);
    // The API refuses to delete a running batch: say so now rather than ask for a confirmation it would refuse.
    if (isActive(batch.status)) {
      throw new BadRequestError({ message: `Batch ${ref.batch_id} is ${batch.status}; cancel it (cancel_batch) before deleting it. Nothing was changed.`, operation: "deleteBatch" });
    }
    return {
      plan: {
        action: "Delete batch",
        target: `batch ${ref.batch_id} (${batch.status ?? "status unknown"}, ${batch.object_ids?.length ?? "?"} objects)`,
        affects: [
          "the batch record, its tier history and failed-document list are removed; processed documents stay in their collections",
          ...unknownStatusNote(`Batch ${ref.batch_id}`, batch.status),
        ],
        fingerprint: `${batch.status}|${batch.updated_at ?? ""}`,
      },
    };
  },
  async run(ref, { api, signal }) {
    const { data } = await api.call("deleteBatch", { params: ref }, signal);
    return { outcome: "deleted" as const, batch_id: ref.batch_id, message: clip(data.message) ?? null, recommendations: [] };
  },
});
