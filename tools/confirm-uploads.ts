import { z } from "zod";
import { bucketArg, idString, recommendations } from "../src/schemas.js";
import { clip } from "../src/domain/views.js";
import { defineTool } from "../src/tool.js";

export default defineTool({
  name: "confirm_uploads",
  title: "Confirm uploads",
  description: "Confirm 1–100 finished presigned uploads of a bucket so their objects are created; runs as a task to watch with get_task.",
  input: {
    bucket: bucketArg,
    confirmations: z.array(z.object({
      upload_id: idString("Upload id", '"upl_a1b2c3d4e5f6g7h8"'),
      etag: z.string().min(1).max(200).optional().describe("ETag returned by storage for the upload"),
      file_size_bytes: z.number().int().min(1).optional(),
    })).min(1).max(100).describe("Uploads to confirm, all in this bucket"),
  },
  output: {
    outcome: z.literal("accepted"),
    task_id: z.string(),
    status: z.string(),
    confirmations_count: z.number(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run({ bucket, confirmations }, { api, signal }) {
    const { data } = await api.confirmUploads(bucket, confirmations, signal);
    return {
      outcome: "accepted" as const,
      task_id: data.task_id,
      status: data.status,
      confirmations_count: data.confirmations_count,
      message: clip(data.message) ?? null,
      recommendations: [{
        title: "Watch the confirmation task",
        rationale: "Confirmation runs in the background; get_task reports when the objects exist.",
        risk: "low" as const,
        tool: "get_task",
        arguments: { task_id: data.task_id },
      }],
    };
  },
});
