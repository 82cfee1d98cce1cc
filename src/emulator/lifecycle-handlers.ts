// The handlers of a batch's own lifecycle and of presigned uploads: create (DRAFT, over every
// collection the bucket feeds), add objects while DRAFT, submit (the processing task; PENDING),
// patch its metadata, delete a batch that is not running; and presigned URLs whose uploads stay
// pending until confirm_uploads confirms them.
import type { Answer, Body } from "../api/operations.js";
import { createBatch, pipelineFrom, submitBatch } from "./batch-factory.js";
import { badRequest } from "./errors.js";
import { findBatch, findBucket, ok, type Handler, type Request } from "./request.js";
import { isActive } from "./simulation.js";
import type { Bucket } from "./types.js";
import { batchToWire, taskToWire } from "./wire-bodies.js";

type LifecycleOperation = "createBatch" | "addBatchObjects" | "submitBatch" | "updateBatch" | "deleteBatch" | "createUploads";

/** skip_validation=true defers the existence check to submit, where missing objects are dropped. */
function checkObjects(req: Request, bucket: Bucket, objectIds: string[]): void {
  if (req.query.get("skip_validation") === "true") return;
  const known = new Set(bucket.objectIds);
  const unknown = objectIds.filter((id) => !known.has(id));
  if (unknown.length) throw badRequest(`Objects not found in bucket ${bucket.name}: ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ""}`);
}

const DAY_S = 86_400;

export const LIFECYCLE_HANDLERS: Record<LifecycleOperation, Handler> = {
  createBatch(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const objectIds = [...new Set((req.body as Body<"createBatch">).object_ids)];
    checkObjects(req, bucket, objectIds);
    // Collections are discovered from the bucket: every collection it feeds, and those downstream.
    const first = req.ns.collections.find((c) => "bucketId" in c.source && c.source.bucketId === bucket.id);
    if (!first) throw badRequest(`No collection uses bucket ${bucket.name} as its source; create one before batching its objects`);
    const batch = createBatch(req.state, req.ns, { bucket, objectIds, steps: pipelineFrom(req.ns, first), draft: true });
    return ok(batchToWire(batch, req.variant));
  },

  addBatchObjects(req) {
    const batch = findBatch(req);
    if (batch.status !== "DRAFT") throw badRequest(`Batch ${batch.id} is ${batch.status}; objects can be added only while it is DRAFT`);
    const objectIds = (req.body as Body<"addBatchObjects">).object_ids;
    checkObjects(req, findBucket(req.ns, batch.bucketId), objectIds);
    batch.objectIds = [...new Set([...batch.objectIds, ...objectIds])];
    batch.updatedAt = req.state.now;
    return ok(batchToWire(batch, req.variant));
  },

  submitBatch(req) {
    const batch = findBatch(req);
    // Submitting again is a no-op that answers the batch's task, as the docs say.
    if (isActive(batch.status) && batch.taskId) return ok(taskToWire(req.state.tasks.get(batch.taskId)!));
    if (batch.status !== "DRAFT") throw badRequest(`Batch ${batch.id} is ${batch.status}; only a DRAFT batch can be submitted (resubmit a finished one)`);
    const known = new Set(findBucket(req.ns, batch.bucketId).objectIds);
    const loaded = batch.objectIds.filter((id) => known.has(id));
    if (!loaded.length) {
      throw badRequest(`Batch ${batch.id} contains no objects to process${batch.objectIds.length ? ` (none of its ${batch.objectIds.length} object ids exists in the bucket)` : ""}; add objects before submitting`);
    }
    batch.objectIds = loaded;
    submitBatch(req.state, req.ns, batch, req.key);
    return ok(taskToWire(req.state.tasks.get(batch.taskId)!) satisfies Answer<"submitBatch">);
  },

  updateBatch(req) {
    const batch = findBatch(req);
    batch.metadata = (req.body as Body<"updateBatch">).metadata ?? {};
    batch.updatedAt = req.state.now;
    return ok(batchToWire(batch, req.variant));
  },

  deleteBatch(req) {
    const batch = findBatch(req);
    if (isActive(batch.status)) throw badRequest(`Batch ${batch.id} is ${batch.status}; cancel it before deleting it`);
    req.ns.batches.delete(batch.id);
    return ok({ message: `Batch ${batch.id} deleted`, success: true } satisfies Answer<"deleteBatch">);
  },

  createUploads(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const body = req.body as Body<"createUploads">;
    const now = req.state.now;
    const uploads = body.uploads.map((upload) => {
      const id = `upl_${req.state.ids.token(16)}`;
      bucket.pendingUploads.add(id);
      const expiration = upload.presigned_url_expiration ?? 3600;
      const key = `int_sandbox/${req.ns.id}/api_buckets_uploads_create/${id}/${upload.filename}`;
      return {
        upload_id: id, bucket_id: bucket.id, filename: upload.filename, content_type: upload.content_type,
        file_size_bytes: upload.file_size_bytes ?? null,
        presigned_url: `https://mixpeek-uploads.s3.amazonaws.com/${key.split("/").map(encodeURIComponent).join("/")}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=${expiration}&X-Amz-Signature=${req.state.ids.token(64, "0123456789abcdef")}`,
        presigned_url_expiration: expiration, s3_key: key, status: "PENDING",
        metadata: { ...body.shared_metadata, ...upload.metadata },
        create_object_on_confirm: upload.create_object_on_confirm ?? true,
        object_metadata: body.shared_object_metadata || upload.object_metadata ? { ...body.shared_object_metadata, ...upload.object_metadata } : null,
        blob_property: upload.blob_property ?? upload.filename.replace(/\.[^.]*$/, "").replace(/[^a-zA-Z0-9_]/g, "_"),
        blob_type: upload.blob_type ?? upload.content_type.split("/")[0]!.toUpperCase(),
        file_hash: upload.file_hash ?? null, skip_duplicates: upload.skip_duplicates ?? true, is_duplicate: false,
        duplicate_of_upload_id: null, skipped_unique_key: false, existing_object_id: null, message: null,
        created_at: new Date(now).toISOString(), expires_at: new Date(now + Math.min(expiration, DAY_S) * 1000).toISOString(),
        completed_at: null, verified_at: null, etag: null, object_id: null, task_id: null,
      };
    });
    return ok({ uploads, total: uploads.length });
  },
};
