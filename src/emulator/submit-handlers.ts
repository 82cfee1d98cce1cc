// The handlers of the two operations that submit new work rather than act on an existing
// batch: a collection trigger (a new batch over the objects it selects) and an upload
// confirmation (a task that turns the uploads into objects).
import type { Answer, Body } from "../api/operations.js";
import { createBatch, pipelineFrom } from "./batch-factory.js";
import { badRequest } from "./errors.js";
import { matchesFilter } from "./filter.js";
import { findBucket, findCollection, ok, type Handler } from "./request.js";
import { docCount } from "./simulation.js";
import type { Bucket, Collection, Namespace } from "./types.js";
import { taskToWire } from "./wire-bodies.js";

export const SUBMIT_HANDLERS: Record<"triggerCollection" | "confirmUploads", Handler> = {
  triggerCollection(req) {
    const collection = findCollection(req.ns, req.params["collection"]!);
    const body = req.body as Body<"triggerCollection">;
    const root = rootBucket(req.ns, collection);
    let objectIds = root.objectIds;
    let sourceCollectionIds: string[] | null = null;
    if ("bucketId" in collection.source) {
      if (body.include_collections?.length) throw badRequest("include_collections applies only to collection-sourced collections");
      if (body.include_buckets?.length && !body.include_buckets.map((b) => findBucket(req.ns, b).id).includes(root.id)) {
        throw badRequest(`None of include_buckets is a source of collection ${collection.name}`);
      }
      if (body.object_ids) {
        const known = new Set(root.objectIds);
        const unknown = body.object_ids.filter((id) => !known.has(id));
        if (unknown.length) throw badRequest(`Objects not found in bucket ${root.name}: ${unknown.slice(0, 10).join(", ")}`);
        objectIds = [...new Set(body.object_ids)];
      }
    } else {
      const upstream = collection.source.collectionId;
      if (body.object_ids?.length || body.include_buckets?.length) throw badRequest("object_ids and include_buckets apply only to bucket-sourced collections");
      if (body.include_collections?.length && !body.include_collections.map((c) => findCollection(req.ns, c).id).includes(upstream)) {
        throw badRequest(`None of include_collections is a source of collection ${collection.name}`);
      }
      sourceCollectionIds = [upstream];
    }
    if (body.source_filters) objectIds = objectIds.filter((id) => matchesFilter(body.source_filters!, { object_id: id, bucket_id: root.id }));
    if (!objectIds.length) throw badRequest(`No objects or documents match; nothing to process for collection ${collection.name}`);
    const bucketSourced = sourceCollectionIds === null;
    const batch = createBatch(req.state, req.ns, {
      bucket: root, objectIds, type: bucketSourced ? "BUCKET" : "COLLECTION", steps: pipelineFrom(req.ns, collection), owner: req.key,
    });
    return {
      status: 202,
      body: {
        batch_id: batch.id, task_id: batch.taskId, collection_id: collection.id,
        source_bucket_ids: bucketSourced ? [root.id] : null, source_collection_ids: sourceCollectionIds,
        object_count: bucketSourced ? objectIds.length : null, document_count: bucketSourced ? null : docCount(batch),
        total_tiers: batch.tiers.length,
        message: `Triggered processing of ${bucketSourced ? `${objectIds.length} objects` : `${docCount(batch)} documents`} through ${collection.name}`,
      } satisfies Answer<"triggerCollection">,
    };
  },

  confirmUploads(req) {
    const bucket = findBucket(req.ns, req.params["bucket"]!);
    const uploadIds = ((req.body as Body<"confirmUploads">).confirmations).map((c) => c.upload_id);
    const unknown = uploadIds.filter((id) => !bucket.pendingUploads.has(id));
    for (const id of uploadIds) bucket.pendingUploads.delete(id);
    const task = req.state.addTask({
      type: "api_buckets_uploads_batch_confirm", status: "PENDING", completesAt: req.state.now + 15_000, owner: req.key,
      error: null, inputs: uploadIds, outputs: [],
      additional: { bucket_id: bucket.id, namespace_id: req.ns.id, confirmations_count: uploadIds.length },
    });
    // Confirmed uploads become objects (create_object_on_confirm defaults to true).
    task.finish = () => {
      const confirmed = uploadIds.filter((id) => !unknown.includes(id));
      const objects = confirmed.map((id) => `obj_${id.slice(4)}`);
      bucket.objectIds.push(...objects);
      task.outputs = confirmed.map((id, i) => ({ upload_id: id, object_id: objects[i], status: "COMPLETED" }));
      task.status = unknown.length ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
      task.error = unknown.length ? `Uploads not found or not pending: ${unknown.join(", ")}` : null;
      Object.assign(task.additional, { confirmed_count: confirmed.length, failed_count: unknown.length });
    };
    return ok({
      task_id: task.id, status: task.status, confirmations_count: uploadIds.length, task: taskToWire(task),
      message: "Batch confirmation is being processed in the background.",
    } satisfies Answer<"confirmUploads">);
  },
};

/** The bucket a collection's pipeline ultimately reads from. */
function rootBucket(ns: Namespace, collection: Collection): Bucket {
  const source = collection.source;
  return "bucketId" in source ? findBucket(ns, source.bucketId) : rootBucket(ns, findCollection(ns, source.collectionId));
}
