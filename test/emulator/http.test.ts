// The emulator's HTTP surface: auth, namespaces, ids by name, validation (both 422 shapes),
// the request log, the virtual clock and the control API other processes use.
import { describe, expect, it } from "vitest";
import { describeSandbox, startEmulator, type Emulator } from "../../src/emulator/index.js";
import { api, useEmulator, type Api, type Json } from "./helpers.js";

let emulator: Emulator;
let a: Api;
useEmulator("file", (started, client) => { emulator = started; a = client; });

const healthy = () => a.ref("healthy-completed");

describe("auth", () => {
  it("answers 401 UnauthorizedError without a Bearer key, and accepts any key", async () => {
    for (const authorization of ["", "Bearer ", "Basic dXNlcjpwYXNz", "sk_test_no_scheme"]) {
      const r = await a.call("getBatch", healthy(), { headers: { authorization } });
      expect(r.status, authorization).toBe(401);
      expect(r.body).toEqual({ success: false, status: 401, error: { type: "UnauthorizedError", message: expect.any(String), details: null } });
    }
    expect((await a.call("getBatch", healthy(), { headers: { authorization: "Bearer whatever-you-like" } })).status).toBe(200);
    expect((await a.call("getTask", { task_id: "nope" }, { headers: { authorization: "" } })).status).toBe(401);
  });
});

describe("namespaces", () => {
  it("selects the sandbox by name, by id, or by ?namespace=", async () => {
    const byName = await a.call("getBatch", healthy());
    const byId = await a.call("getBatch", healthy(), { headers: { "x-namespace": emulator.sandbox.namespaceId } });
    const byQuery = await api(emulator, "").call("getBatch", healthy(), { query: { namespace: emulator.sandbox.namespaceId }, headers: { "x-namespace": "" } });
    expect(byName.status).toBe(200);
    expect(byId.body).toEqual(byName.body);
    expect(byQuery.body.batch_id).toBe(byName.body.batch_id);
    expect(emulator.sandbox.namespaceId).toMatch(/^ns_[a-z0-9]{10}$/);
  });

  it("isolates data: another namespace is empty, so the sandbox bucket and batch are 404 there", async () => {
    const other = api(emulator, "ns_someone_else");
    const r = await other.call("getBatch", healthy());
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ type: "NotFoundError", details: { resource: "bucket", id: "sandbox-media" } });
    expect((await other.call("triggerCollection", { collection: "video-frames" }, { body: {} })).status).toBe(404);
    // Tasks are global (no namespace on /v1/tasks).
    expect((await other.call("getTask", { task_id: (await a.batch("healthy-completed")).task_id })).status).toBe(200);
  });

  it("requires a namespace on bucket and collection routes, not on tasks", async () => {
    const none = api(emulator, "");
    const r = await none.call("getBatch", healthy(), { headers: { "x-namespace": "" } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: "BadRequestError", message: expect.stringMatching(/X-Namespace/) });
    expect((await none.call("triggerCollection", { collection: "video-frames" }, { body: {}, headers: { "x-namespace": "" } })).status).toBe(400);
    const task = (await a.batch("healthy-completed")).task_id;
    expect((await none.call("getTask", { task_id: task }, { headers: { "x-namespace": "" } })).status).toBe(200);
  });
});

describe("identifiers", () => {
  it("accepts the bucket by id or name; unknown ones and batches of another bucket are 404", async () => {
    const byId = await a.call("getBatch", { ...healthy(), bucket: emulator.sandbox.bucketId });
    expect(byId.body.batch_id).toBe(healthy().batch_id);
    expect(emulator.sandbox.bucketId).toMatch(/^bkt_/);
    const unknown = await a.call("getBatch", { ...healthy(), bucket: "bkt_unknown" });
    expect(unknown.body.error.details).toEqual({ resource: "bucket", id: "bkt_unknown" });
    const missing = await a.call("getBatch", { ...healthy(), batch_id: "btch_missing00000" });
    expect(missing.body).toMatchObject({ status: 404, error: { details: { resource: "batch", id: "btch_missing00000" } } });
  });

  it("accepts the collection by id or name", async () => {
    const [frames] = emulator.sandbox.collections;
    const byName = await a.call("triggerCollection", { collection: frames!.name }, { body: { object_ids: ["obj_0001"] } });
    const byId = await a.call("triggerCollection", { collection: frames!.id }, { body: { object_ids: ["obj_0002"] } });
    expect([byName.status, byId.status]).toEqual([202, 202]);
    expect(byName.body.collection_id).toBe(frames!.id);
    expect(byId.body.collection_id).toBe(frames!.id);
    expect((await a.call("triggerCollection", { collection: "col_nope" }, { body: {} })).body.error.details).toEqual({ resource: "collection", id: "col_nope" });
  });

  it("answers unknown routes with a 404 envelope", async () => {
    const r = await a.raw("GET", "/v1/buckets/sandbox-media/batches/x/nothing");
    expect(r.body).toMatchObject({ success: false, status: 404, error: { type: "NotFoundError" } });
    // A method the route does not take (DELETE and PATCH are deleteBatch and updateBatch).
    expect((await a.raw("PUT", `/v1/buckets/sandbox-media/batches/${healthy().batch_id}`)).status).toBe(404);
  });
});

describe("validation (422)", () => {
  const cases: [string, () => Promise<Json>, (string | number)[]][] = [
    ["retry_mode enum", () => a.call("retryDocuments", healthy(), { body: { retry_mode: "sometimes" } }), ["body", "retry_mode"]],
    ["max_retry_count ≤ 10", () => a.call("retryDocuments", healthy(), { body: { max_retry_count: 11 } }), ["body", "max_retry_count"]],
    ["tier_nums ints", () => a.call("retryDocuments", healthy(), { body: { tier_nums: ["1"] } }), ["body", "tier_nums", 0]],
    ["retry body required", () => a.call("retryDocuments", healthy()), ["body"]],
    ["undeclared field", () => a.call("retryDocuments", healthy(), { body: { description: "Retry only transient errors" } }), ["body", "description"]],
    ["limit ≥ 1", () => a.call("listBatches", { bucket: "sandbox-media" }, { body: { limit: 0 } }), ["body", "limit"]],
    ["offset ≥ 0", () => a.call("listBatches", { bucket: "sandbox-media" }, { body: { offset: -1 } }), ["body", "offset"]],
    ["status enum", () => a.call("listBatches", { bucket: "sandbox-media" }, { body: { status: "DONE" } }), ["body", "status"]],
    ["tier_num path int", () => a.raw("POST", `/v1/buckets/sandbox-media/batches/${healthy().batch_id}/tiers/x/cancel`), ["path", "tier_num"]],
    ["tier_num query int", () => a.call("getBatchLogs", healthy(), { query: { tier_num: "x" } }), ["query", "tier_num"]],
    ["from_tier ≥ 0", () => a.call("resubmitBatch", healthy(), { query: { from_tier: -1 } }), ["query", "from_tier"]],
    ["memory_bytes int > 0", () => a.call("retryTier", { ...healthy(), tier_num: 0 }, { body: { memory_bytes: 0 } }), ["body", "memory_bytes"]],
    ["num_cpus > 0", () => a.call("retryTier", { ...healthy(), tier_num: 0 }, { body: { num_cpus: -2 } }), ["body", "num_cpus"]],
    ["requires_gpu bool", () => a.call("retryTier", { ...healthy(), tier_num: 0 }, { body: { requires_gpu: "yes" } }), ["body", "requires_gpu"]],
    ["priority int", () => a.call("retryTier", { ...healthy(), tier_num: 0 }, { body: { priority: 1.5 } }), ["body", "priority"]],
    ["heal action required", () => a.call("healTier", { ...healthy(), tier_num: 0 }, { body: {} }), ["body", "action"]],
    ["heal action enum", () => a.call("healTier", { ...healthy(), tier_num: 0 }, { body: { action: "reboot" } }), ["body", "action"]],
    ["object_ids strings", () => a.call("triggerCollection", { collection: "video-frames" }, { body: { object_ids: [1] } }), ["body", "object_ids", 0]],
    ["source_filters object", () => a.call("triggerCollection", { collection: "video-frames" }, { body: { source_filters: [] } }), ["body", "source_filters"]],
    ["confirmations 1..100", () => a.call("confirmUploads", { bucket: "sandbox-media" }, { body: { confirmations: [] } }), ["body", "confirmations"]],
    ["confirmation upload_id", () => a.call("confirmUploads", { bucket: "sandbox-media" }, { body: { confirmations: [{ etag: "x" }] } }), ["body", "confirmations", 0, "upload_id"]],
    ["body must be an object", () => a.call("listBatches", { bucket: "sandbox-media" }, { body: [1] }), ["body"]],
    ["JSON must parse", () => a.call("listBatches", { bucket: "sandbox-media" }, { body: "{oops" }), ["body", 0]],
  ];
  it.each(cases)("%s", async (_name, send, location) => {
    const r = await send();
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ success: false, status: 422, error: { type: "ValidationError", message: "Validation error" } });
    expect(r.body.error.details.validation_errors).toContainEqual({ type: expect.any(String), location, message: expect.any(String) });
  });

  it("validates before it looks anything up, and changes nothing", async () => {
    const before = await a.batch("transient-network");
    expect((await a.call("retryDocuments", { ...a.ref("transient-network"), batch_id: "btch_missing" }, { body: { retry_mode: "x" } })).status).toBe(422);
    expect((await a.call("retryDocuments", a.ref("transient-network"), { body: { retry_mode: "x" } })).status).toBe(422);
    expect((await a.batch("transient-network")).status).toBe(before.status);
  });

  it("uses FastAPI's {detail: [{loc, msg, type}]} when asked", async () => {
    const fastapi = await startEmulator({ port: 0, validationShape: "fastapi", scenarios: ["healthy-completed"] });
    try {
      const r = await api(fastapi).call("retryDocuments", api(fastapi).ref("healthy-completed"), { body: { max_retry_count: 0, retry_mode: "all" } });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({ detail: [{ loc: ["body", "max_retry_count"], msg: "Input should be greater than or equal to 1", type: "greater_than_equal" }] });
    } finally {
      await fastapi.close();
    }
  });
});

describe("request log, clock and headers", () => {
  it("records every API request: method, raw path, operation, query, parsed body, redacted headers, namespace, status", async () => {
    await a.call("retryDocuments", a.ref("healthy-completed"), { body: { retry_mode: "all", tier_nums: [0] } });
    await a.call("listFailedDocuments", a.ref("healthy-completed"), { query: { tier_num: 0, limit: 5 } });
    await a.call("listBatches", { bucket: "sandbox media" }, { body: "{not json" });
    const [retry, failed, bad] = emulator.requests;
    expect(retry).toEqual({
      method: "POST", path: `/v1/buckets/sandbox-media/batches/${healthy().batch_id}/retry`, operation: "retryDocuments",
      query: {}, body: { retry_mode: "all", tier_nums: [0] }, namespace: "sandbox", status: 400,
      headers: expect.objectContaining({ authorization: "Bearer <redacted>", "x-namespace": "sandbox", "content-type": "application/json" }),
    });
    expect(JSON.stringify(emulator.requests)).not.toContain("sk_test_key");
    expect(failed).toMatchObject({ operation: "listFailedDocuments", query: { tier_num: "0", limit: "5" }, body: undefined, status: 200 });
    expect(bad).toMatchObject({ path: "/v1/buckets/sandbox%20media/batches/list", body: "{not json", status: 422 });
    emulator.clearRequests();
    expect(emulator.requests).toHaveLength(0);
  });

  it("advances the virtual clock by one step per request, and says so in Date", async () => {
    const before = emulator.clock.now();
    const r = await a.call("getBatch", healthy());
    expect(emulator.clock.now()).toBe(before + 10_000);
    expect(Date.parse(r.headers.get("date")!)).toBe(Math.floor(emulator.clock.now() / 1000) * 1000);
    expect(r.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{16}$/);
    expect(r.headers.get("content-type")).toBe("application/json");
  });

  it("is driven over HTTP by the /_emulator control API", async () => {
    const control = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${emulator.url}/_emulator/${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, body: await r.json() as Json };
    };
    expect((await control("GET", "sandbox")).body).toEqual(emulator.sandbox);
    expect((await control("POST", "faults", { operation: "getBatch", fault: { kind: "status", status: 429, retryAfterSeconds: 7 }, count: 1 })).status).toBe(200);
    expect((await control("POST", "faults", { operation: "getBatchez", fault: { kind: "status", status: 500 } })).status).toBe(400);
    const limited = await a.call("getBatch", healthy());
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await a.call("getBatch", healthy())).status).toBe(200);
    await control("POST", "faults", { operation: "*", fault: { kind: "status", status: 500 }, count: 5 });
    await control("DELETE", "faults");
    expect((await a.call("getBatch", healthy())).status).toBe(200);
    expect((await control("GET", "requests")).body.map((r: Json) => r.status)).toEqual([429, 200, 200]);
    await control("DELETE", "requests");
    expect(emulator.requests).toHaveLength(0);
    const now = emulator.clock.now();
    expect((await control("POST", "clock", { advanceMs: 60_000 })).body.now).toBe(now + 60_000);
    expect((await control("POST", "clock", { setMs: now + 120_000 })).body.now).toBe(now + 120_000);
    expect(emulator.requests).toHaveLength(0); // control calls are not API requests
  });

  it("describes the sandbox for the CLI", () => {
    const text = describeSandbox(emulator);
    expect(text).toContain(emulator.url);
    expect(text).toContain(emulator.sandbox.namespaceId);
    expect(text).toContain(`${emulator.sandbox.bucketId} (name "sandbox-media")`);
    for (const [name, id] of Object.entries(emulator.sandbox.batches)) expect(text).toMatch(new RegExp(`${name}\\s+${id}`));
  });

  it("seeds the same sandbox on every start, whichever scenarios are chosen", async () => {
    const one = await startEmulator({ port: 0, scenarios: ["stuck-tier"] });
    try {
      expect(one.sandbox.batches).toEqual({ "stuck-tier": emulator.sandbox.batches["stuck-tier"] });
      const mine = await api(one).batch("stuck-tier");
      expect(mine.tier_tasks[1].extractor_jobs[0].ray_job_id).toBe((await a.batch("stuck-tier")).tier_tasks[1].extractor_jobs[0].ray_job_id);
    } finally {
      await one.close();
    }
  });
});
