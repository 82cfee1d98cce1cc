// The wave-2 tools on a batch's lifecycle, uploads, tasks and analytics, called through the real
// SDK client against the emulator: success, a refusal, unknown ids, the confirmation round trip of
// the destructive ones, and a batch made from uploads to COMPLETED through tools only. Each test
// gets its own emulator and server.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { listTools } from "../../src/mcp/catalogue.js";
import { VARIANT_NAMES } from "../../src/emulator/variants.js";
import { expectValidResult } from "../actionable.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

const KEY = "sk_test_harness_key_0123456789";
let h: Harness;
let tools: Tool[];

beforeAll(async () => { tools = await listTools(); });
beforeEach(async () => { h = await startHarness({ apiKey: KEY }); });
afterEach(() => h.close());

type Result = Awaited<ReturnType<Harness["call"]>>;
const text = (r: Result) => (r.content as { text: string }[])[0]!.text;

const expectValid = (name: string, result: Result) => expectValidResult(tools, name, result, KEY);

function expectUnknown(result: Result, id: string) {
  expect(result.isError).toBe(true);
  expect(text(result)).toMatch(/404/);
  expect(text(result)).toContain(id);
}

/** Calls a destructive tool, checks that nothing was sent before confirmation, and confirms. */
async function confirmed(tool: string, args: Record<string, unknown>, operation: string): Promise<Result> {
  const first = await h.call(tool, args);
  expectValid(tool, first);
  expect(first.structuredContent).toMatchObject({ outcome: "confirmation_required" });
  expect(requestsFor(h.emulator, operation)).toHaveLength(0);
  const second = await h.call(tool, { ...args, confirm_token: first.structuredContent!["confirm_token"] });
  expect(requestsFor(h.emulator, operation)).toHaveLength(1);
  return second;
}

describe("a batch from uploads to COMPLETED, through tools only", () => {
  it("create_uploads → confirm_uploads → create_batch → add_batch_objects → submit_batch → wait_for_batch", async () => {
    const files = ["a.mp4", "b.mp4", "c.mp4"].map((filename) => ({ filename, content_type: "video/mp4", file_size_bytes: 2048 }));
    const uploads = await h.call("create_uploads", { bucket: h.bucket, uploads: files, presigned_url_expiration: 900 });
    expectValid("create_uploads", uploads);
    const made = uploads.structuredContent!["uploads"] as { upload_id: string; presigned_url: string; status: string }[];
    expect(made).toHaveLength(3);
    for (const upload of made) {
      expect(upload.upload_id).toMatch(/^upl_[a-z0-9]{16}$/);
      expect(upload.presigned_url).toMatch(/^https:\/\/.*X-Amz-Expires=900/);
      expect(upload.status).toBe("PENDING");
    }
    // Confirming is a step for after the files are uploaded: a human action, never a tool call now.
    expect(uploads.structuredContent!["recommendations"][0]).not.toHaveProperty("tool");
    expect(uploads.structuredContent!["recommendations"][0].rationale).toMatch(/confirm_uploads/);

    const confirm = await h.call("confirm_uploads", { bucket: h.bucket, confirmations: made.map((u) => ({ upload_id: u.upload_id })) });
    expectValid("confirm_uploads", confirm);
    const taskId = confirm.structuredContent!["task_id"] as string;
    let task = await h.call("get_task", { task_id: taskId });
    for (let i = 0; i < 5 && task.structuredContent!["status"] !== "COMPLETED"; i++) task = await h.call("get_task", { task_id: taskId });
    expect(task.structuredContent!["status"]).toBe("COMPLETED");
    const objectIds = (task.structuredContent!["outputs"] as string[]).map((o) => (JSON.parse(o) as { object_id: string }).object_id);
    expect(objectIds).toHaveLength(3);

    const created = await h.call("create_batch", { bucket: h.bucket, object_ids: objectIds.slice(0, 2) });
    expectValid("create_batch", created);
    expect(created.structuredContent).toMatchObject({ outcome: "created", status: "DRAFT", object_count: 2, collection_ids: ["col_frames01a2", "col_embeds03c4"] });
    const batch = { bucket: h.bucket, batch_id: created.structuredContent!["batch_id"] as string };
    expect(created.structuredContent!["recommendations"][0]).toMatchObject({ tool: "submit_batch", arguments: batch });

    const added = await h.call("add_batch_objects", { ...batch, object_ids: objectIds.slice(2) });
    expectValid("add_batch_objects", added);
    expect(added.structuredContent).toMatchObject({ outcome: "added", status: "DRAFT", object_count: 3 });

    const submitted = await h.call("submit_batch", batch);
    expectValid("submit_batch", submitted);
    expect(submitted.structuredContent).toMatchObject({ outcome: "submitted", status: "PENDING", task_id: expect.any(String) });
    expect(submitted.structuredContent!["recommendations"][0]).toMatchObject({ tool: "wait_for_batch", arguments: batch });
    expect(requestsFor(h.emulator, "submitBatch")[0]!.body).toBeUndefined();

    const done = await h.call("wait_for_batch", { ...batch, timeout_seconds: 30 });
    expect(done.structuredContent!["status"]).toBe("COMPLETED");
    const [create] = requestsFor(h.emulator, "createBatch");
    expect(create).toMatchObject({ method: "POST", path: `/v1/buckets/${h.bucket}/batches`, body: { object_ids: objectIds.slice(0, 2) }, query: {} });
  });
});

describe("batch lifecycle tools", () => {
  it("create_batch refuses objects the bucket lacks unless skip_validation, and names an unknown bucket", async () => {
    const refused = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_0001", "obj_ghost"] });
    expectValid("create_batch", refused);
    expect(refused.structuredContent).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/obj_ghost/) });
    const skipped = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_ghost"], skip_validation: true });
    expect(skipped.structuredContent).toMatchObject({ outcome: "created", status: "DRAFT" });
    expect(requestsFor(h.emulator, "createBatch").map((r) => r.query)).toEqual([{}, { skip_validation: "true" }]);
    expectUnknown(await h.call("create_batch", { bucket: "no-such-bucket", object_ids: ["obj_0001"] }), "no-such-bucket");
  });

  it("add_batch_objects is refused once the batch is submitted, and names an unknown batch", async () => {
    const refused = await h.call("add_batch_objects", { bucket: h.bucket, batch_id: h.batches["healthy-completed"], object_ids: ["obj_0001"] });
    expect(refused.structuredContent).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/only while it is DRAFT/) });
    expectUnknown(await h.call("add_batch_objects", { bucket: h.bucket, batch_id: "btch_doesnotexist", object_ids: ["obj_0001"] }), "btch_doesnotexist");
  });

  it("submit_batch refuses a batch without objects, sends include_processing_history when given, and names an unknown batch", async () => {
    const created = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_ghost"], skip_validation: true });
    const batch = { bucket: h.bucket, batch_id: created.structuredContent!["batch_id"] as string };
    const refused = await h.call("submit_batch", { ...batch, include_processing_history: false });
    expectValid("submit_batch", refused);
    expect(refused.structuredContent).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/no objects to process/) });
    expect(requestsFor(h.emulator, "submitBatch")[0]!.body).toEqual({ include_processing_history: false });
    expect((await h.call("get_batch", batch)).structuredContent!["status"]).toBe("DRAFT");
    expectUnknown(await h.call("submit_batch", { bucket: h.bucket, batch_id: "btch_doesnotexist" }), "btch_doesnotexist");
  });

  it("update_batch replaces the metadata, and names an unknown batch", async () => {
    const batch = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    const r = await h.call("update_batch", { ...batch, metadata: { owner: "ops", ticket: "INC-42" } });
    expectValid("update_batch", r);
    expect(r.structuredContent).toMatchObject({ outcome: "updated", status: "COMPLETED", metadata_keys: ["owner", "ticket"] });
    expect(requestsFor(h.emulator, "updateBatch")[0]).toMatchObject({ method: "PATCH", body: { metadata: { owner: "ops", ticket: "INC-42" } } });
    const cleared = await h.call("update_batch", { ...batch, metadata: null });
    expect(cleared.structuredContent).toMatchObject({ outcome: "updated", metadata_keys: [] });
    expectUnknown(await h.call("update_batch", { bucket: h.bucket, batch_id: "btch_doesnotexist", metadata: {} }), "btch_doesnotexist");
  });

  it("delete_batch asks first, deletes with the token, and the batch is gone", async () => {
    const batch = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    const deleted = await confirmed("delete_batch", batch, "deleteBatch");
    expectValid("delete_batch", deleted);
    expect(deleted.structuredContent).toMatchObject({ outcome: "deleted", batch_id: batch.batch_id });
    expect(requestsFor(h.emulator, "deleteBatch")[0]).toMatchObject({ method: "DELETE", path: `/v1/buckets/${h.bucket}/batches/${batch.batch_id}`, body: undefined });
    expectUnknown(await h.call("get_batch", batch), batch.batch_id);
  });

  it("delete_batch refuses a running batch without asking, and names an unknown batch", async () => {
    const refused = await h.call("delete_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    expectValid("delete_batch", refused);
    expect(refused.structuredContent).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/cancel it .*before deleting/) });
    expect(requestsFor(h.emulator, "deleteBatch")).toHaveLength(0);
    expectUnknown(await h.call("delete_batch", { bucket: h.bucket, batch_id: "btch_doesnotexist" }), "btch_doesnotexist");
  });
});

describe("answers the spec does not promise", () => {
  it("create_batch applied with an empty answer points to the DRAFT batches instead of guessing an id", async () => {
    h.emulator.faults.inject("createBatch", { kind: "after-apply", status: 200, body: "{}" });
    const r = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_0001"] });
    expectValid("create_batch", r);
    expect(r.structuredContent).toMatchObject({ outcome: "created", batch_id: null, notes: [expect.stringMatching(/no batch_id/)] });
    expect(r.structuredContent!["recommendations"][0]).toMatchObject({ tool: "list_batches", arguments: { bucket: h.bucket, status: "DRAFT" } });
    const drafts = await h.call("list_batches", { bucket: h.bucket, status: "DRAFT" });
    expect(drafts.structuredContent!["returned"]).toBe(1);
  });

  it("get_bucket_health still answers when the batch list fails, and says which batches it could not name", async () => {
    h.emulator.faults.inject("listBatches", { kind: "status", status: 503 }, 10);
    const r = await h.call("get_bucket_health", { bucket: h.bucket, hours: 1 });
    expectValid("get_bucket_health", r);
    expect(r.structuredContent).toMatchObject({ hours: 1, worst_batches: [], recommendations: [], notes: [expect.stringMatching(/failing batches are not named/)] });
    expect(r.structuredContent!["total_errors"]).toBeGreaterThan(0);
    expect(requestsFor(h.emulator, "getBucketHealth")[0]!.query).toEqual({ hours: "1" });
  });
});

describe("task tools", () => {
  it("kill_task asks first, kills a batch's task with the token, and the batch stops", async () => {
    const batch = { bucket: h.bucket, batch_id: h.batches["still-running"] };
    const taskId = (await h.runtime.api.call("getBatch", { params: batch })).data.task_id!;
    const first = await h.call("kill_task", { task_id: taskId });
    expect(first.structuredContent!["plan"].affects.join(" ")).toContain(`stops batch ${batch.batch_id}`);
    const killed = await confirmed("kill_task", { task_id: taskId }, "killTask");
    expectValid("kill_task", killed);
    expect(killed.structuredContent).toMatchObject({ outcome: "killed", task_id: taskId });
    expect(killed.structuredContent!["recommendations"][0]).toMatchObject({ tool: "get_task", arguments: { task_id: taskId } });
    // Tasks take no namespace.
    expect(requestsFor(h.emulator, "killTask")[0]!.namespace).toBeUndefined();
    expect((await h.call("get_batch", batch)).structuredContent!["status"]).toBe("CANCELED");
  });

  it("kill_task answers a finished task and an unknown one without sending a kill", async () => {
    const taskId = (await h.runtime.api.call("getBatch", { params: { bucket: h.bucket, batch_id: h.batches["healthy-completed"] } })).data.task_id!;
    const finished = await h.call("kill_task", { task_id: taskId });
    expectValid("kill_task", finished);
    expect(finished.structuredContent).toMatchObject({ outcome: "not_active", status: "COMPLETED" });
    const unknown = await h.call("kill_task", { task_id: "task_doesnotexist" });
    expectValid("kill_task", unknown);
    expect(unknown.structuredContent).toMatchObject({ outcome: "not_found", task_id: "task_doesnotexist" });
    expect(requestsFor(h.emulator, "killTask")).toHaveLength(0);
  });

  it("list_tasks filters, pages by cursor and points a failed batch task to diagnose_batch", async () => {
    const failed = await h.call("list_tasks", { status: "FAILED", task_type: "api_buckets_batches_process" });
    expectValid("list_tasks", failed);
    const tasks = failed.structuredContent!["tasks"] as { status: string; batch_id: string; bucket_id: string }[];
    expect(tasks.length).toBeGreaterThan(1);
    expect(tasks.every((t) => t.status === "FAILED")).toBe(true);
    expect(failed.structuredContent!["total_count"]).toBe(tasks.length);
    expect(failed.structuredContent!["recommendations"][0]).toMatchObject({ tool: "diagnose_batch", arguments: { bucket: tasks[0]!.bucket_id, batch_id: tasks[0]!.batch_id } });
    const [request] = requestsFor(h.emulator, "listTasks");
    expect(request).toMatchObject({ query: { limit: "20", include_total: "true" }, body: { status: "FAILED", task_type: "api_buckets_batches_process" }, namespace: undefined });

    const page1 = await h.call("list_tasks", { limit: 2 });
    const cursor = page1.structuredContent!["next_cursor"] as string;
    expect(cursor).toBeTruthy();
    const page2 = await h.call("list_tasks", { limit: 2, cursor });
    expectValid("list_tasks", page2);
    const ids = (r: Result) => (r.structuredContent!["tasks"] as { task_id: string }[]).map((t) => t.task_id);
    expect(ids(page2)).toHaveLength(2);
    expect(ids(page2).some((id) => ids(page1).includes(id))).toBe(false);
    const bad = await h.call("list_tasks", { cursor: "not-a-cursor" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/400|cursor/i);
  });
});

describe("analytics tools", () => {
  it("get_batch_diagnostics reads a batch by id alone and recommends diagnose_batch for a failed one", async () => {
    const batchId = h.batches["oom-gpu-tier"];
    const r = await h.call("get_batch_diagnostics", { batch_id: batchId });
    expectValid("get_batch_diagnostics", r);
    expect(r.structuredContent).toMatchObject({ batch_id: batchId, bucket_id: h.emulator.sandbox.bucketId, status: "FAILED", failed_tier_count: 1 });
    expect(r.structuredContent!["tiers"][1]).toMatchObject({ tier_num: 1, status: "FAILED", error_type: "resource" });
    expect(r.structuredContent!["next_actions"].join(" ")).toMatch(/more memory/);
    expect(r.structuredContent!["recommendations"][0]).toMatchObject({ tool: "diagnose_batch", arguments: { bucket: h.emulator.sandbox.bucketId, batch_id: batchId } });
    expect(requestsFor(h.emulator, "getBatchDiagnostics")[0]!.path).toBe(`/v1/analytics/performance/batches/${batchId}/diagnostics`);

    const running = await h.call("get_batch_diagnostics", { batch_id: h.batches["still-running"] });
    expect(running.structuredContent!["recommendations"][0]).toMatchObject({ tool: "wait_for_batch" });
    const healthy = await h.call("get_batch_diagnostics", { batch_id: h.batches["healthy-completed"] });
    expect(healthy.structuredContent).toMatchObject({ status: "COMPLETED", overall_progress: 100, recommendations: [] });
    expectUnknown(await h.call("get_batch_diagnostics", { batch_id: "btch_doesnotexist" }), "btch_doesnotexist");
  });

  it("get_bucket_health aggregates errors by type and sends diagnose_batch to its worst batches", async () => {
    const r = await h.call("get_bucket_health", { bucket: h.bucket });
    expectValid("get_bucket_health", r);
    const health = r.structuredContent!;
    expect(health["overall_health"]).toBe("unhealthy");
    expect(health["total_errors"]).toBeGreaterThan(100_000);
    expect((health["error_breakdown"] as { error_type: string }[]).map((e) => e.error_type)).toEqual(expect.arrayContaining(["network", "validation", "resource"]));
    const worst = health["worst_batches"] as { batch_id: string; status: string; reason: string }[];
    expect(worst[0]!.status).toBe("FAILED");
    expect(worst.map((b) => b.batch_id)).toContain(h.batches["oom-gpu-tier"]);
    expect(worst.some((b) => b.batch_id === h.batches["healthy-completed"])).toBe(false);
    const steps = health["recommendations"] as { tool: string; arguments: Record<string, unknown> }[];
    expect(steps).toHaveLength(3);
    for (const [i, rec] of steps.entries()) expect(rec).toMatchObject({ tool: "diagnose_batch", arguments: { bucket: h.bucket, batch_id: worst[i]!.batch_id } });
    expect(requestsFor(h.emulator, "getBucketHealth")[0]!.query).toEqual({ hours: "24" });

    // A stuck batch is named among the worst even though it has not failed.
    expect(worst.find((b) => b.batch_id === h.batches["stuck-tier"])?.reason).toMatch(/no activity/);
    expectUnknown(await h.call("get_bucket_health", { bucket: "no-such-bucket" }), "no-such-bucket");
  });
});

describe.each(VARIANT_NAMES.filter((v) => v !== "default"))("in the %s reading of the API", (variant) => {
  it("the new tools read every answer, and the lifecycle still reaches COMPLETED", async () => {
    await h.close();
    h = await startHarness({ apiKey: KEY, emulator: { variant } });
    const health = await h.call("get_bucket_health", { bucket: h.bucket });
    expectValid("get_bucket_health", health);
    expect((health.structuredContent!["worst_batches"] as { batch_id: string }[]).map((b) => b.batch_id)).toContain(h.batches["oom-gpu-tier"]);
    const diagnostics = await h.call("get_batch_diagnostics", { batch_id: h.batches["oom-gpu-tier"] });
    expectValid("get_batch_diagnostics", diagnostics);
    expect(diagnostics.structuredContent!["recommendations"][0]).toMatchObject({ tool: "diagnose_batch" });
    expectValid("list_tasks", await h.call("list_tasks", { status: "FAILED" }));
    const created = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_0001", "obj_0002"] });
    expectValid("create_batch", created);
    const batch = { bucket: h.bucket, batch_id: created.structuredContent!["batch_id"] as string };
    expectValid("update_batch", await h.call("update_batch", { ...batch, metadata: { owner: "ops" } }));
    expect((await h.call("submit_batch", batch)).structuredContent).toMatchObject({ outcome: "submitted" });
    expect((await h.call("wait_for_batch", { ...batch, timeout_seconds: 30 })).structuredContent!["status"]).toBe("COMPLETED");
    expect((await confirmed("delete_batch", batch, "deleteBatch")).structuredContent).toMatchObject({ outcome: "deleted" });
  });
});
