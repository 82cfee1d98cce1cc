import { z } from "zod";
import { bucketArg, idString } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { clip } from "../src/domain/views.js";
import { step } from "../src/domain/next-steps.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "confirm_uploads";

export const input = {
  bucket: bucketArg,
  confirmations: z.array(z.object({
    upload_id: idString("upload_id"),
    etag: z.string().min(1).max(200).optional().describe("From the storage's PUT answer"),
    file_size_bytes: z.number().int().min(1).optional(),
  })).min(1).max(100),
};

export default defineTool({
  name,
  title: "Confirm uploads",
  description: "Confirm 1–100 finished presigned uploads of a bucket so their objects are created; runs as a task to watch with get_task.",
  input,
  output: {
    outcome: z.literal("accepted"),
    task_id: z.string().nullable(),
    status: z.string().nullable(),
    confirmations_count: z.number().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["confirmUploads"],
  async run({ bucket, confirmations }, { api, signal }) {
    const { data } = await api.call("confirmUploads", { params: { bucket }, body: { confirmations } }, signal);
    return {
      outcome: "accepted" as const,
      task_id: data.task_id ?? null,
      status: data.status ?? null,
      confirmations_count: data.confirmations_count ?? null,
      message: clip(data.message) ?? null,
      recommendations: data.task_id
        ? [step("get_task", { task_id: data.task_id }, "Watch the confirmation task", "Confirmation runs in the background; get_task reports when the objects exist.")]
        : [],
    };
  },
});
