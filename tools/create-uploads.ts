import { z } from "zod";
import { humanAction } from "../src/domain/next-steps.js";
import { clip } from "../src/domain/views.js";
import { boundedObject, bucketArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "create_uploads";

export const input = {
  bucket: bucketArg,
  uploads: z.array(z.object({
    filename: z.string().refine((name) => name.length <= 255 && /^(?!.*\.\.)[^/\\\x00-\x1f]+$/.test(name), "a file name of at most 255 characters, without path separators or ..").describe('e.g. "clip.mp4"'),
    content_type: z.string().refine((type) => type.length <= 100 && /^[\w.+-]+\/[\w.+-]+$/.test(type), "a MIME type").describe('e.g. "video/mp4"'),
    file_size_bytes: z.number().int().min(1).optional(),
    object_metadata: boundedObject(4, 4096).optional().describe("Metadata of the object created on confirm"),
  })).min(1).max(100).describe("Files to upload, 1–100"),
  presigned_url_expiration: z.number().int().min(60).max(86400).optional().describe("URL lifetime in seconds (default 3600)"),
};

export default defineTool({
  name,
  title: "Create uploads",
  description: "Get presigned URLs to upload 1–100 files into a bucket; PUT each file, then confirm_uploads makes them objects.",
  input,
  output: {
    outcome: z.literal("created"),
    total: z.number().nullable(),
    uploads: z.array(z.object({
      upload_id: z.string().nullable(),
      filename: z.string().nullable(),
      presigned_url: z.string().nullable(),
      expires_at: z.string().nullable(),
      status: z.string().nullable(),
      duplicate_of: z.string().nullable().describe("An earlier upload of the same file: nothing to upload"),
    })),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "ingest",
  operations: ["createUploads"],
  async run({ bucket, uploads, presigned_url_expiration }, { api, signal }) {
    const body = { uploads: uploads.map((u) => ({ ...u, ...(presigned_url_expiration === undefined ? {} : { presigned_url_expiration }) })) };
    const { data } = await api.call("createUploads", { params: { bucket }, body }, signal);
    const items = (data.items ?? []).map((u) => ({
      upload_id: clip(u.upload_id, 100) ?? null,
      filename: clip(u.filename, 255) ?? null,
      // A presigned URL works only whole: one that does not fit is dropped, never cut.
      presigned_url: u.presigned_url && u.presigned_url.length <= 2000 && clip(u.presigned_url, 2000) === u.presigned_url ? u.presigned_url : null,
      expires_at: u.expires_at ?? null,
      status: u.status ?? null,
      duplicate_of: u.is_duplicate ? clip(u.duplicate_of_upload_id ?? u.existing_object_id, 100) ?? "unknown" : null,
    }));
    const ids = items.flatMap((u) => (u.upload_id && !u.duplicate_of ? [u.upload_id] : []));
    return {
      outcome: "created" as const,
      total: data.total ?? items.length,
      uploads: items,
      ...(data.items ? {} : { notes: [`The API's answer held no list of uploads this server recognises (keys: ${(data.received_keys ?? []).join(", ") || "none"}).`] }),
      recommendations: ids.length ? [humanAction(
        "Upload each file to its presigned_url, then confirm",
        `HTTP PUT each file to its presigned_url with its Content-Type before expires_at; then call confirm_uploads with bucket "${bucket}" and the upload ids (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""}) so the objects are created.`,
      )] : [],
    };
  },
});
