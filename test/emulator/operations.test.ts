// Operations beyond the incident scenarios: trigger (202) and the batch it runs, uploads
// confirmation tasks, listing and paging, failed-document filters, logs and diagnosis.
import { describe, expect, it } from "vitest";
import { SCENARIOS, type Emulator, type ScenarioName } from "../../src/emulator/index.js";
import { tier, useEmulator, type Api, type Json } from "./helpers.js";

let emulator: Emulator;
let a: Api;
useEmulator("test", (started, client) => { emulator = started; a = client; });

const bucket = { bucket: "sandbox-media" };

/** Polls GET batch by id until terminal. */
async function settleId(batchId: string, polls = 20): Promise<{ body: Json; polls: number }> {
  for (let i = 1; i <= polls; i++) {
    const body = (await a.call("getBatch", { ...bucket, batch_id: batchId })).body;
    if (!["PENDING", "IN_PROGRESS", "PROCESSING"].includes(body.status)) return { body, polls: i };
  }
  throw new Error(`batch ${batchId} did not settle`);
}

describe("triggerCollection", () => {
  it("answers 202, creates and submits a batch over the chosen objects, which runs to COMPLETED", async () => {
    const r = await a.call("triggerCollection", { collection: "video-frames" }, { body: { object_ids: ["obj_0001", "obj_0002", "obj_0003"] } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      collection_id: emulator.sandbox.collections[0]!.id, source_bucket_ids: [emulator.sandbox.bucketId],
      object_count: 3, total_tiers: 2, message: expect.any(String),
    });
    const listed = (await a.call("listBatches", bucket, { body: { limit: 1 } })).body;
    expect(listed.results[0].batch_id).toBe(r.body.batch_id);
    expect(listed.results[0]).toMatchObject({ status: "IN_PROGRESS", object_ids: ["obj_0001", "obj_0002", "obj_0003"], dag_tiers: [[emulator.sandbox.collections[0]!.id], [emulator.sandbox.collections[1]!.id]] });
    const { body, polls } = await settleId(r.body.batch_id);
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(8);
    expect(body.tier_tasks.map((t: Json) => t.documents_written)).toEqual([3, 3]);
    expect((await a.call("getTask", { task_id: r.body.task_id })).body).toMatchObject({
      status: "COMPLETED", task_type: "api_buckets_batches_process", additional_data: { batch_id: r.body.batch_id, object_count: 3, sample_object_ids: ["obj_0001", "obj_0002", "obj_0003"] },
    });
  });

  it("triggers a collection-sourced collection over its upstream documents", async () => {
    const r = await a.call("triggerCollection", { collection: "frame-embeddings" }, { body: { include_collections: ["video-frames"] } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ source_collection_ids: [emulator.sandbox.collections[0]!.id], source_bucket_ids: null, object_count: null, total_tiers: 1 });
    expect(r.body.document_count).toBeGreaterThan(0);
    const batch = (await a.call("getBatch", { ...bucket, batch_id: r.body.batch_id })).body;
    expect(batch).toMatchObject({ type: "COLLECTION", object_ids: [] });
    expect(tier(batch, 0)).toMatchObject({ source_type: "collection", source_collection_ids: [emulator.sandbox.collections[0]!.id] });
    expect((await settleId(r.body.batch_id)).body.status).toBe("COMPLETED");
  });

  it("honours include_buckets and source_filters", async () => {
    const filtered = await a.call("triggerCollection", { collection: "video-frames" }, {
      body: { include_buckets: ["sandbox-media"], source_filters: { AND: [{ field: "object_id", operator: "in", value: ["obj_0004", "obj_0005"] }] } },
    });
    expect(filtered.body.object_count).toBe(2);
    const none = await a.call("triggerCollection", { collection: "video-frames" }, { body: { source_filters: { object_id: "obj_nope" } } });
    expect(none.status).toBe(400);
    expect((await a.call("triggerCollection", { collection: "video-frames" }, { body: { include_buckets: ["elsewhere"] } })).status).toBe(404);
  });

  it("refuses unknown objects and options that do not apply", async () => {
    const unknown = await a.call("triggerCollection", { collection: "video-frames" }, { body: { object_ids: ["obj_0001", "obj_ghost"] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("obj_ghost");
    expect((await a.call("triggerCollection", { collection: "frame-embeddings" }, { body: { object_ids: ["obj_0001"] } })).status).toBe(400);
    expect((await a.call("triggerCollection", { collection: "video-frames" }, { body: { include_collections: ["video-frames"] } })).status).toBe(400);
    expect((await a.call("listBatches", bucket, { body: {} })).body.total_count).toBe(SCENARIOS.length);
  });
});

describe("confirmUploads", () => {
  it("creates a confirm task that completes after a while and turns uploads into objects", async () => {
    const r = await a.call("confirmUploads", bucket, { body: { confirmations: [{ upload_id: "upl_a1b2c3d4e5f6g7h8", etag: "d41d8cd98f00b204e9800998ecf8427e", file_size_bytes: 1024 }, { upload_id: "upl_b2c3d4e5f6g7h8i9" }] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: "PENDING", confirmations_count: 2, message: "Batch confirmation is being processed in the background.",
      task: { task_id: r.body.task_id, task_type: "api_buckets_uploads_batch_confirm", status: "PENDING" },
    });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await a.call("getTask", { task_id: r.body.task_id })).body.status);
    expect(statuses).toEqual(["PROCESSING", "COMPLETED", "COMPLETED"]);
    const task = (await a.call("getTask", { task_id: r.body.task_id })).body;
    expect(task.outputs).toEqual([
      { upload_id: "upl_a1b2c3d4e5f6g7h8", object_id: "obj_a1b2c3d4e5f6g7h8", status: "COMPLETED" },
      { upload_id: "upl_b2c3d4e5f6g7h8i9", object_id: "obj_b2c3d4e5f6g7h8i9", status: "COMPLETED" },
    ]);
    expect((await a.call("triggerCollection", { collection: "video-frames" }, { body: { object_ids: ["obj_a1b2c3d4e5f6g7h8"] } })).status).toBe(202);
  });

  it("ends COMPLETED_WITH_ERRORS naming unknown or already confirmed uploads", async () => {
    await a.call("confirmUploads", bucket, { body: { confirmations: [{ upload_id: "upl_c3d4e5f6g7h8i9j0" }] } });
    const r = await a.call("confirmUploads", bucket, { body: { confirmations: [{ upload_id: "upl_c3d4e5f6g7h8i9j0" }, { upload_id: "upl_missing" }] } });
    emulator.clock.advance(60_000);
    const task = (await a.call("getTask", { task_id: r.body.task_id })).body;
    expect(task.status).toBe("COMPLETED_WITH_ERRORS");
    expect(task.error).toContain("upl_c3d4e5f6g7h8i9j0");
    expect(task.error).toContain("upl_missing");
  });
});

describe("reads", () => {
  it("lists batches newest first, filtered by status, paged with a total", async () => {
    const all = (await a.call("listBatches", bucket)).body;
    expect(all.total_count).toBe(SCENARIOS.length);
    const created = all.results.map((b: Json) => Date.parse(b.created_at));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    const failed = (await a.call("listBatches", bucket, { body: { status: "FAILED" } })).body;
    const failedScenarios = ["oom-gpu-tier", "orphaned-tier", "oom-needs-more-memory", "qdrant-write-failed"] as const;
    expect(failed.results.map((b: Json) => b.batch_id).sort()).toEqual(failedScenarios.map((name) => emulator.sandbox.batches[name]).sort());
    const page = (await a.call("listBatches", bucket, { body: { offset: SCENARIOS.length - 2, limit: 5 } })).body;
    expect(page).toMatchObject({ total_count: SCENARIOS.length });
    expect(page.results).toHaveLength(2);
  });

  it("filters failed documents by tier and collection, and pages them", async () => {
    const ref = a.ref("oom-gpu-tier");
    const [frames, embeddings] = emulator.sandbox.collections;
    expect((await a.call("listFailedDocuments", ref, { query: { tier_num: 0 } })).body.total).toBe(0);
    expect((await a.call("listFailedDocuments", ref, { query: { collection_id: frames!.id } })).body.total).toBe(0);
    const page = (await a.call("listFailedDocuments", ref, { query: { collection_id: embeddings!.id, limit: 20, offset: 40 } })).body;
    expect(page).toMatchObject({ batch_id: ref.batch_id, total: 48, limit: 20, offset: 40 });
    expect(page.documents).toHaveLength(8);
    expect(page.documents[0]).toMatchObject({ tier_num: 1, collection_id: embeddings!.id, extractor_type: "video_embedding_v2", retry_count: 0 });
  });

  it("returns logs per job, for one tier or all; a missing tier is 404", async () => {
    const ref = a.ref("healthy-completed");
    const all = (await a.call("getBatchLogs", ref)).body;
    expect(all.tiers.map((t: Json) => t.tier_num)).toEqual([0, 1]);
    expect(all.tiers[1]).toMatchObject({ extractor_type: "video_embedding_v2", status: "COMPLETED", logs: expect.stringMatching(/finished: 48 documents written/) });
    for (const t of all.tiers) expect(t.logs.length).toBeLessThan(8_000);
    expect((await a.call("getBatchLogs", ref, { query: { tier_num: 1 } })).body.tiers).toHaveLength(1);
    expect((await a.call("getBatchLogs", ref, { query: { tier_num: 5 } })).status).toBe(404);
  });

  it("unknown tasks are 404", async () => {
    const r = await a.call("getTask", { task_id: "2d322a05-3178-4eca-aac6-b82b0a0313aa" });
    expect(r.body).toMatchObject({ status: 404, error: { type: "NotFoundError", details: { resource: "task", id: "2d322a05-3178-4eca-aac6-b82b0a0313aa" } } });
  });

  it.each([
    ["oom-gpu-tier", "infrastructure", /more memory/],
    ["stuck-tier", "timeout", /detect_stuck/],
    ["orphaned-tier", "orphaned", /resubmit the batch from tier 1/],
    ["permanent-bad-input", "pipeline", /Fix the input data/],
    ["failing-job-multi-extractor", "pipeline", /keeps crashing; cancel the job/],
    ["transient-network", "infrastructure", /transient_only/],
    ["massive-failures", "pipeline", /Fix the input data of 90000/],
    ["duplicate-jobs", null, /kill_duplicates/],
    ["healthy-completed", null, null],
    ["still-running", null, null],
  ] as [ScenarioName, string | null, RegExp | null][])("diagnoses %s as %s", async (scenario, category, recommendation) => {
    const d = (await a.call("diagnoseBatch", a.ref(scenario))).body;
    expect(d).toMatchObject({ batch_id: a.ref(scenario).batch_id, failure_category: category });
    expect(d.per_tier.length).toBeGreaterThan(0);
    expect(d.failed_documents_sample.length).toBe(Math.min(10, d.failed_document_count));
    if (recommendation) expect(d.recommendations.join("\n")).toMatch(recommendation);
    else expect(d.recommendations).toEqual([]);
  });
});

describe("tasks, which take no namespace, belong to the key whose call created them", () => {
  it("shows a key its own tasks and the seeded ones, never another key's", async () => {
    const other = { authorization: "Bearer sk_test_other_org" };
    const triggered = (await a.call("triggerCollection", { collection: "video-frames" }, { body: {} })).body;
    const mine = triggered.task_id as string;
    expect((await a.call("getTask", { task_id: mine })).status).toBe(200);
    expect((await a.call("getTask", { task_id: mine }, { headers: other })).status).toBe(404);
    const listed = async (headers?: Record<string, string>) =>
      ((await a.call("listTasks", {}, { body: {}, query: { limit: 100 }, ...(headers ? { headers } : {}) })).body.results as Json[]).map((t) => t.task_id);
    expect(await listed()).toContain(mine);
    const theirs = await listed(other);
    expect(theirs).not.toContain(mine);
    // The sandbox's seeded batches' tasks are public sandbox data.
    expect(theirs).toContain((await a.batch("healthy-completed")).task_id);
    // Killing a task of another key is answered like an unknown task, and kills nothing.
    expect((await a.call("killTask", { task_id: mine }, { headers: other })).body.message).toMatch(/not found; nothing to kill/);
    expect((await a.call("getTask", { task_id: mine })).body.status).not.toBe("CANCELED");
  });
});
