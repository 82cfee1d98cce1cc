// The client against a real emulator over loopback: every resource method, the headers and
// encoding every request carries, every error kind, retries that are safe (GETs) and none that
// are not (POSTs), timeouts and bounded bodies. What the emulator recorded is what was sent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MixpeekClient, type ClientOptions } from "../../src/api/client.js";
import {
  AuthenticationError, BadRequestError, BadResponseError, ConflictError, ConnectionError, MixpeekApiError, NotFoundError,
  PermissionDeniedError, RateLimitError, ServerError, TimeoutError, ValidationError,
} from "../../src/api/errors.js";
import { MixpeekApi, type Api } from "../../src/api/mixpeek-api.js";
import { OPERATIONS, type Operation, type OperationSpec } from "../../src/api/operations.js";
import { InvalidPathSegmentError } from "../../src/api/routes.js";
import { startEmulator, type Emulator, type RecordedRequest, type ScenarioName } from "../../src/emulator/index.js";

// stepMs 0: the virtual clock stands still, so scenario state changes only through our calls and
// the tests do not depend on how many requests ran before them.
let emulator: Emulator;
let fastapi: Emulator;
const clients: MixpeekClient[] = [];
/** Every request any test made, for the file-wide header sweep at the end. */
const everything: RecordedRequest[] = [];

beforeAll(async () => {
  [emulator, fastapi] = await Promise.all([
    startEmulator({ port: 0, scenarios: "all", stepMs: 0 }),
    startEmulator({ port: 0, scenarios: ["healthy-completed"], stepMs: 0, validationShape: "fastapi" }),
  ]);
});
afterEach(() => {
  everything.push(...emulator.requests);
  emulator.clearRequests();
  emulator.faults.clear();
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all([emulator?.close(), fastapi?.close()]);
});

const KEY = "sk_test_client_0123456789";
function apiWith(options: Partial<ClientOptions> = {}): MixpeekApi {
  const client = new MixpeekClient({
    baseUrl: emulator.url, apiKey: KEY, namespace: emulator.sandbox.namespaceId, timeoutMs: 1000, retryBaseMs: 5, ...options,
  });
  clients.push(client);
  return new MixpeekApi(client);
}
let apiCache: MixpeekApi | undefined;
const api = () => (apiCache ??= apiWith());

const BUCKET = "sandbox-media";
const id = (name: ScenarioName) => emulator.sandbox.batches[name];
const ref = (name: ScenarioName) => ({ bucket: BUCKET, batch_id: id(name) });
const seen = (operation: Operation) => emulator.requests.filter((r) => r.operation === operation);
const failure = (promise: Promise<unknown>) => promise.then(
  (value) => { throw new Error(`expected a failure, got ${JSON.stringify(value).slice(0, 200)}`); },
  (error: unknown) => error,
);

/** What the operation table declares (the contract tests hold the table to the spec). */
const declaredQuery = (operation: Operation): string[] => Object.keys((OPERATIONS[operation] as OperationSpec).query?.shape ?? {});
const takesBody = (operation: Operation): boolean => "body" in OPERATIONS[operation];

function expectWellFormed(request: RecordedRequest): void {
  const what = `${request.method} ${request.path}`;
  expect(request.headers["authorization"], what).toBe("Bearer <redacted>");
  expect(request.headers["user-agent"], what).toMatch(/^mixpeek-batch-mcp\/\d+\.\d+\.\d+/);
  expect(request.headers["accept"], what).toBe("application/json");
  if (request.operation === "getTask") expect(request.headers["x-namespace"], what).toBeUndefined();
  else expect(request.headers["x-namespace"], what).toBeTruthy();
  if (request.operation) {
    expect(Object.keys(request.query).filter((q) => !declaredQuery(request.operation!).includes(q)), `${what} query`).toEqual([]);
    if (!takesBody(request.operation)) {
      expect(request.body, `${what} body`).toBeUndefined();
      expect(request.headers["content-type"], `${what} content-type`).toBeUndefined();
      expect(request.headers["content-length"] ?? "0", `${what} content-length`).toBe("0");
    }
  }
  expect(JSON.stringify(request)).not.toContain(KEY);
}

describe("resource methods", () => {
  it("parse every operation's answer from the sandbox, sending exactly the declared request", async () => {
    const list = await api().call("listBatches", { params: { bucket: BUCKET }, body: { limit: 3, offset: 1, status: undefined } });
    expect(list.status).toBe(200);
    expect(list.data.items).toHaveLength(3);
    expect(list.data.total).toBeGreaterThanOrEqual(10);
    expect(list.requestId).toMatch(/^req_/);
    expect(list.serverTime).toBe(Math.floor(emulator.clock.now() / 1000) * 1000);

    const failed = await api().call("listBatches", { params: { bucket: BUCKET }, body: { status: "FAILED", limit: 100 } });
    expect(failed.data.items!.length).toBeGreaterThan(0);
    expect(failed.data.items!.every((b) => b.status === "FAILED")).toBe(true);

    const batch = (await api().call("getBatch", { params: ref("healthy-completed") })).data;
    expect(batch).toMatchObject({ batch_id: id("healthy-completed"), status: "COMPLETED", bucket_id: emulator.sandbox.bucketId });
    expect(batch.tier_tasks).toHaveLength(2);

    expect((await api().call("diagnoseBatch", { params: ref("oom-gpu-tier") })).data).toMatchObject({ batch_id: id("oom-gpu-tier"), failure_category: "infrastructure" });

    const docs = (await api().call("listFailedDocuments", { params: ref("transient-network"), query: { tier_num: 0, limit: 5, offset: 2, collection_id: undefined } })).data;
    expect(docs).toMatchObject({ batch_id: id("transient-network"), total: 12, limit: 5, offset: 2 });
    expect(docs.items).toHaveLength(5);

    const logs = (await api().call("getBatchLogs", { params: ref("oom-gpu-tier"), query: { tier_num: 1 } })).data;
    expect(logs.entries!.every((t) => t.tier_num === 1)).toBe(true);
    expect(logs.entries![0]!.logs).toMatch(/OOMKilled/);

    expect((await api().call("retryDocuments", { params: ref("transient-network"), body: { retry_mode: "transient_only", tier_nums: [0], max_retry_count: 3 } })).data)
      .toMatchObject({ batch_id: id("transient-network"), retried_count: 12, status: "PROCESSING" });

    expect((await api().call("retryTier", { params: { ...ref("oom-gpu-tier"), tier_num: 1 }, body: { memory_bytes: 2 ** 34, requires_gpu: true } })).data)
      .toMatchObject({ tier_num: 1, submission_params: { memory_bytes: 2 ** 34, requires_gpu: true } });

    expect((await api().call("healTier", { params: { ...ref("stuck-tier"), tier_num: 1 }, body: { action: "detect_stuck" } })).data).toMatchObject({ action: "detect_stuck", stuck: true });
    const heal = (await api().call("healTier", { params: { ...ref("duplicate-jobs"), tier_num: 0 }, body: { action: "kill_duplicates" } })).data;
    expect(heal.killed_job_ids).toHaveLength(1);
    expect(heal.kept_job_ids).toHaveLength(1);

    const multi = (await api().call("getBatch", { params: ref("failing-job-multi-extractor") })).data;
    const ocr = multi.tier_tasks![0]!.extractor_jobs!.find((j) => j.extractor_type === "ocr_extractor_v1")!;
    expect((await api().call("cancelJob", { params: { ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: ocr.ray_job_id! } })).data)
      .toMatchObject({ ray_job_id: ocr.ray_job_id, status: "CANCELED", canceled_job_ids: [ocr.ray_job_id] });

    expect((await api().call("cancelTier", { params: { ...ref("duplicate-jobs"), tier_num: 0 } })).data).toMatchObject({ tier_num: 0, status: "CANCELED" });

    const canceled = (await api().call("cancelBatch", { params: ref("still-running") })).data;
    expect(canceled).toMatchObject({ task_type: "api_buckets_batches_process", status: "CANCELED" });

    expect((await api().call("resubmitBatch", { params: ref("orphaned-tier"), query: { from_tier: 1 } })).data).toMatchObject({ batch_id: id("orphaned-tier"), from_tier: 1, submitted: true });

    expect((await api().call("getTask", { params: { task_id: canceled.task_id! } })).data).toMatchObject({ task_id: canceled.task_id, status: "CANCELED" });

    const triggered = await api().call("triggerCollection", { params: { collection: "video-frames" }, body: { object_ids: ["obj_0001", "obj_0002"] } });
    expect(triggered).toMatchObject({ status: 202, data: { object_count: 2, collection_id: "col_frames01a2" } });

    const confirmed = await api().call("confirmUploads", { params: { bucket: BUCKET }, body: { confirmations: [{ upload_id: "upl_b2c3d4e5f6g7h8i9", etag: "x", file_size_bytes: 3 }] } });
    expect(confirmed.data).toMatchObject({ confirmations_count: 1, task: { task_type: "api_buckets_uploads_batch_confirm" } });

    // What went over the wire.
    const log = emulator.requests;
    expect(log.map((r) => r.operation)).toEqual([
      "listBatches", "listBatches", "getBatch", "diagnoseBatch", "listFailedDocuments", "getBatchLogs", "retryDocuments",
      "retryTier", "healTier", "healTier", "getBatch", "cancelJob", "cancelTier", "cancelBatch", "resubmitBatch", "getTask",
      "triggerCollection", "confirmUploads",
    ]);
    expect(log.every((r) => r.status !== undefined && r.status < 300)).toBe(true);
    log.forEach(expectWellFormed);
    expect(log.filter((r) => r.operation !== "getTask").every((r) => r.headers["x-namespace"] === emulator.sandbox.namespaceId)).toBe(true);
    expect(log[0]!.body).toEqual({ limit: 3, offset: 1 });
    expect(log[0]!.headers["content-type"]).toBe("application/json");
    expect(log[4]!.query).toEqual({ tier_num: "0", limit: "5", offset: "2" });
    expect(log[5]!.query).toEqual({ tier_num: "1" });
    expect(log[6]!.body).toEqual({ retry_mode: "transient_only", tier_nums: [0], max_retry_count: 3 });
    expect(log[7]!.body).toEqual({ memory_bytes: 2 ** 34, requires_gpu: true });
    expect(log[8]!.body).toEqual({ action: "detect_stuck" });
    expect(log[9]!.body).toEqual({ action: "kill_duplicates" });
    const resubmit = log[14]!;
    expect(resubmit.query).toEqual({ from_tier: "1" });
    expect(resubmit.path).toBe(`/v1/buckets/${BUCKET}/batches/${id("orphaned-tier")}/resubmit?from_tier=1`);
    expect(log[16]!.body).toEqual({ object_ids: ["obj_0001", "obj_0002"] });
    expect(log[17]!.body).toEqual({ confirmations: [{ upload_id: "upl_b2c3d4e5f6g7h8i9", etag: "x", file_size_bytes: 3 }] });
  });

  it("omits from_tier when not given, and every undefined query value", async () => {
    await failure(api().call("resubmitBatch", { params: ref("healthy-completed"), query: { from_tier: undefined } }));
    await api().call("listFailedDocuments", { params: ref("permanent-bad-input"), query: { tier_num: undefined, limit: undefined } });
    await api().call("getBatchLogs", { params: ref("permanent-bad-input"), query: {} });
    const [resubmit, docs, logs] = emulator.requests;
    expect(resubmit!.path).toBe(`/v1/buckets/${BUCKET}/batches/${id("healthy-completed")}/resubmit`);
    expect(resubmit!.query).toEqual({});
    expect(resubmit!.body).toBeUndefined();
    expect(docs!.path).not.toContain("?");
    expect(logs!.path).not.toContain("?");
    expect(logs!.query).toEqual({});
  });

  it("accept the namespace by name and the bucket by id", async () => {
    const byName = apiWith({ namespace: emulator.sandbox.namespaceName });
    const { data } = await byName.call("getBatch", { params: { bucket: emulator.sandbox.bucketId, batch_id: id("healthy-completed") } });
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(emulator.requests[0]!.headers["x-namespace"]).toBe("sandbox");
  });

  it("restricted to a tool's operations, refuse any other before sending it", async () => {
    const limited = api().only(["getBatch"]) as Api;
    await expect(async () => limited.call("cancelBatch", { params: ref("still-running") })).rejects.toThrow("cancelBatch is not among the operations this tool declares (getBatch)");
    expect(seen("cancelBatch")).toEqual([]);
    expect((await limited.call("getBatch", { params: ref("still-running") })).data.batch_id).toBe(id("still-running"));
  });
});

describe("path encoding", () => {
  it("sends hostile ids as one encoded segment that reaches no other route", async () => {
    const healthy = id("healthy-completed");
    const cases: [string, Operation, () => Promise<unknown>][] = [
      ["../x", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "../x" } })],
      ["a/b", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "a/b" } })],
      ["x?y=1", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "x?y=1" } })],
      ["%2e%2e", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "%2e%2e" } })],
      ["a#b", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "a#b" } })],
      ["日本", "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: "日本" } })],
      // A real id with a route suffix must not turn into that route.
      [`${healthy}/diagnose`, "getBatch", () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: `${healthy}/diagnose` } })],
      [`${BUCKET}/batches/${healthy}`, "diagnoseBatch", () => api().call("diagnoseBatch", { params: { bucket: `${BUCKET}/batches/${healthy}`, batch_id: "x" } })],
      [`../../tasks/x`, "cancelBatch", () => api().call("cancelBatch", { params: { bucket: BUCKET, batch_id: "../../tasks/x" } })],
      ["raysubmit/../x", "cancelJob", () => api().call("cancelJob", { params: { ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: "raysubmit/../x" } })],
      ["../buckets", "getTask", () => api().call("getTask", { params: { task_id: "../buckets" } })],
      ["video-frames/x", "triggerCollection", () => api().call("triggerCollection", { params: { collection: "video-frames/x" }, body: {} })],
      [`${BUCKET}/x`, "listBatches", () => api().call("listBatches", { params: { bucket: `${BUCKET}/x` }, body: {} })],
    ];
    for (const [hostile, operation, send] of cases) {
      emulator.clearRequests();
      const error = await failure(send());
      expect(error, hostile).toBeInstanceOf(NotFoundError);
      expect(emulator.requests, hostile).toHaveLength(1);
      const [request] = emulator.requests;
      expect(request!.operation, hostile).toBe(operation);
      expect(request!.status, hostile).toBe(404);
      expect(request!.query, hostile).toEqual({});
      expect(request!.path, hostile).toContain(encodeURIComponent(hostile));
      if (hostile.includes("/")) expect(request!.path, hostile).toContain("%2F");
    }
  });

  it("refuses '', '.', '..' and ids that cannot be encoded, without sending anything", async () => {
    for (const send of [
      () => api().call("getBatch", { params: { bucket: BUCKET, batch_id: ".." } }),
      () => api().call("getBatch", { params: { bucket: ".", batch_id: id("healthy-completed") } }),
      () => api().call("cancelBatch", { params: { bucket: BUCKET, batch_id: "" } }),
      () => api().call("cancelJob", { params: { ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: ".." } }),
      () => api().call("getTask", { params: { task_id: "." } }),
      () => api().call("getTask", { params: { task_id: "task_\uD800" } }),
    ]) {
      expect(await failure(send())).toBeInstanceOf(InvalidPathSegmentError);
    }
    expect(emulator.requests).toHaveLength(0);
  });
});

describe("errors", () => {
  it.each([
    [401, AuthenticationError, "UnauthorizedError"],
    [403, PermissionDeniedError, "ForbiddenError"],
    [409, ConflictError, "AlreadyExistsError"],
  ] as const)("HTTP %i → %o with type and request id, not retried", async (status, kind, type) => {
    emulator.faults.inject("getBatch", { kind: "status", status });
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ status, errorType: type, requestId: expect.stringMatching(/^req_/), retryable: false, operation: "getBatch" });
    // The API's own message from the envelope, not a generic "HTTP 4xx".
    expect((error as Error).message).toMatch(/\S/);
    expect((error as Error).message).not.toBe(`HTTP ${status}`);
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("404 for an unknown batch, not retried", async () => {
    const error = await failure(api().call("getBatch", { params: { bucket: BUCKET, batch_id: "btch_doesnotexist" } }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, errorType: "NotFoundError", requestId: expect.stringMatching(/^req_/), details: { resource: "batch", id: "btch_doesnotexist" } });
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("404 for a sandbox batch read with another namespace", async () => {
    const other = apiWith({ namespace: "ns_someone_else" });
    const error = await failure(other.call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, requestId: expect.stringMatching(/^req_/) });
    expect(emulator.requests[0]!.headers["x-namespace"]).toBe("ns_someone_else");
    // The same read in the right namespace works: the 404 came from the namespace alone.
    await api().call("getBatch", { params: ref("healthy-completed") });
  });

  it("400 for an invalid state transition (a POST, not retried)", async () => {
    const error = await failure(api().call("cancelBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, errorType: "BadRequestError", requestId: expect.stringMatching(/^req_/), retryable: false });
    expect((error as Error).message).toMatch(/COMPLETED/);
    expect(seen("cancelBatch")).toHaveLength(1);
  });

  it("401 from the emulator's own auth check when the key is empty", async () => {
    const error = await failure(apiWith({ apiKey: "" }).call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, requestId: expect.stringMatching(/^req_/) });
  });

  // The client checks bodies before sending (operations.ts), so a 422 is provoked through a query.
  it("422 in the Mixpeek envelope becomes a ValidationError naming the field", async () => {
    const error = await failure(api().call("listFailedDocuments", { params: ref("transient-network"), query: { limit: 5000 } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, errorType: "ValidationError", retryable: false, requestId: expect.stringMatching(/^req_/) });
    expect((error as ValidationError).fieldErrors).toEqual([expect.objectContaining({ location: ["query", "limit"] })]);
    expect((error as Error).message).toMatch(/query\.limit/);
    expect(seen("listFailedDocuments")).toEqual([expect.objectContaining({ status: 422, query: { limit: "5000" } })]);
  });

  it("refuses to send a body the operation does not declare, and sends nothing", async () => {
    const error = await failure(api().call("listBatches", { params: { bucket: BUCKET }, body: { limit: 5000 } }));
    expect((error as Error).message).toMatch(/refusing to send listBatches .*limit.*nothing was sent/);
    const extra = await failure(api().call("retryDocuments", { params: ref("transient-network"), body: { retry_mode: "transient_only", description: "x" } as never }));
    expect((extra as Error).message).toMatch(/refusing to send retryDocuments/);
    expect(emulator.requests).toEqual([]);
  });

  it("422 in FastAPI's shape becomes the same ValidationError", async () => {
    const client = new MixpeekClient({ baseUrl: fastapi.url, apiKey: KEY, namespace: "sandbox", timeoutMs: 1000, retryBaseMs: 5 });
    clients.push(client);
    const healthy = { bucket: BUCKET, batch_id: fastapi.sandbox.batches["healthy-completed"] };
    const error = await failure(new MixpeekApi(client).call("listFailedDocuments", { params: healthy, query: { limit: 5000 } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, errorType: "ValidationError", requestId: expect.stringMatching(/^req_/) });
    expect((error as ValidationError).fieldErrors).toEqual([expect.objectContaining({ location: ["query", "limit"] })]);
    expect((error as Error).message).toMatch(/query\.limit/);
    expect(fastapi.requests.map((r) => r.status)).toEqual([422]);
  });

  it("retries a GET after 429 honouring Retry-After instead of its own backoff", async () => {
    // A backoff of 5 s would time the test out: the 0 s Retry-After must win.
    const patient = apiWith({ retryBaseMs: 5000 });
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 0 });
    const started = Date.now();
    const { data } = await patient.call("getBatch", { params: ref("healthy-completed") });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(seen("getBatch").map((r) => r.status)).toEqual([429, 200]);
  });

  it("waits the Retry-After it is given", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await api().call("getBatch", { params: ref("healthy-completed") });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen("getBatch").map((r) => r.status)).toEqual([429, 200]);
  });

  it("gives up on 429 beyond the retry budget, with retryAfterMs and the request id", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 0 }, 10);
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 0, retryable: true, requestId: expect.stringMatching(/^req_/) });
    expect(seen("getBatch").map((r) => r.status)).toEqual([429, 429, 429, 429]);
  });

  it("does not wait for a Retry-After longer than the cap", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 120 });
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("retries a GET after two 503s and succeeds", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 503 }, 2);
    const { data } = await api().call("getBatch", { params: ref("healthy-completed") });
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(seen("getBatch").map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("gives up on a GET after the retry budget with a ServerError", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 500 }, 10);
    const error = await failure(apiWith({ maxRetries: 1 }).call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 500, errorType: "InternalServerError", retryable: true, requestId: expect.stringMatching(/^req_/) });
    expect(seen("getBatch")).toHaveLength(2);
  });

  it("never retries a POST, even on 503, and the state is unchanged", async () => {
    emulator.faults.inject("retryDocuments", { kind: "status", status: 503 });
    const error = await failure(api().call("retryDocuments", { params: ref("permanent-bad-input"), body: { retry_mode: "all" } }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 503, retryable: true, requestId: expect.stringMatching(/^req_/) });
    expect(seen("retryDocuments")).toHaveLength(1);
    expect((await api().call("getBatch", { params: ref("permanent-bad-input") })).data.status).toBe("COMPLETED_WITH_ERRORS");
  });

  it("retries a GET whose connection dropped", async () => {
    emulator.faults.inject("getBatch", { kind: "drop" });
    const { data } = await api().call("getBatch", { params: ref("healthy-completed") });
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(seen("getBatch")).toHaveLength(2);
  });

  it("does not resend a POST whose connection dropped, and says the outcome is unknown", async () => {
    emulator.faults.inject("triggerCollection", { kind: "drop" });
    const before = (await api().call("listBatches", { params: { bucket: BUCKET }, body: { limit: 1 } })).data.total_count;
    const error = await failure(api().call("triggerCollection", { params: { collection: "video-frames" }, body: { object_ids: ["obj_0003"] } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).outcomeUnknown).toBe(true);
    expect(seen("triggerCollection")).toHaveLength(1);
    // The drop happened before the emulator applied anything.
    expect((await api().call("listBatches", { params: { bucket: BUCKET }, body: { limit: 1 } })).data.total_count).toBe(before);
  });

  it("reports a POST dropped after it was applied as outcome unknown, sent exactly once, applied", async () => {
    emulator.faults.inject("retryDocuments", { kind: "drop-after-apply" });
    const error = await failure(api().call("retryDocuments", { params: ref("permanent-bad-input"), body: { retry_mode: "all" } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ outcomeUnknown: true, operation: "retryDocuments", retryable: true });
    expect((error as Error).message).toMatch(/outcome is unknown/);
    expect(emulator.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect((await api().call("getBatch", { params: ref("permanent-bad-input") })).data.status).toBe("PROCESSING");
  });

  it("times out on slow headers (a GET, retried within its budget)", async () => {
    // The emulator's delay is far beyond the timeout, so a late response can never win the race.
    const hasty = apiWith({ timeoutMs: 250, maxRetries: 1 });
    emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 4000 }, 2);
    const started = Date.now();
    const error = await failure(hasty.call("getBatch", { params: ref("healthy-completed") }));
    // Two attempts of 250 ms: the deadline is kept to the millisecond, not to undici's ~1 s timer.
    expect(Date.now() - started).toBeLessThan(1200);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ outcomeUnknown: false, operation: "getBatch" });
    expect((error as Error).message).toMatch(/Timed out after 250 ms/);
    expect(seen("getBatch")).toHaveLength(2);
  });

  it("times out on a stalled body: a GET is retried, a POST is not and its outcome is unknown", async () => {
    const hasty = apiWith({ timeoutMs: 250, maxRetries: 1 });
    emulator.faults.inject("getBatch", { kind: "stall-body", delayMs: 4000 });
    const { data } = await hasty.call("getBatch", { params: ref("healthy-completed") });
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(seen("getBatch").map((r) => r.status)).toEqual([200, 200]);

    emulator.faults.inject("getBatch", { kind: "stall-body", delayMs: 4000 });
    const get = await failure(apiWith({ timeoutMs: 250, maxRetries: 0 }).call("getBatch", { params: ref("healthy-completed") }));
    expect(get).toBeInstanceOf(TimeoutError);
    expect(get).toMatchObject({ outcomeUnknown: false, requestId: expect.stringMatching(/^req_/) });
    expect((get as Error).message).toMatch(/response body/);

    emulator.faults.inject("triggerCollection", { kind: "stall-body", delayMs: 4000 });
    const post = await failure(hasty.call("triggerCollection", { params: { collection: "video-frames" }, body: { object_ids: ["obj_0004"] } }));
    expect(post).toBeInstanceOf(TimeoutError);
    expect(post).toMatchObject({ outcomeUnknown: true });
    expect((post as Error).message).toMatch(/outcome is unknown/);
    expect(seen("triggerCollection")).toHaveLength(1);
  });

  it("turns malformed JSON on a 200 into a BadResponseError, not retried", async () => {
    emulator.faults.inject("getBatch", { kind: "malformed-json" });
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error).toMatchObject({ status: 200, retryable: false });
    expect((error as Error).message).toMatch(/not JSON/);
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("turns an HTML 502 page into a ServerError naming text/html; a GET is retried", async () => {
    emulator.faults.inject("getBatch", { kind: "html", status: 502 });
    const { data } = await api().call("getBatch", { params: ref("healthy-completed") });
    expect(data.batch_id).toBe(id("healthy-completed"));
    expect(seen("getBatch").map((r) => r.status)).toEqual([502, 200]);

    emulator.clearRequests();
    emulator.faults.inject("getBatch", { kind: "html", status: 502 }, 10);
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502 });
    expect((error as Error).message).toMatch(/text\/html/);
    expect(seen("getBatch")).toHaveLength(4);
  });

  it("turns an empty 200 body into a BadResponseError", async () => {
    emulator.faults.inject("diagnoseBatch", { kind: "empty" });
    const error = await failure(api().call("diagnoseBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error).toMatchObject({ status: 200 });
    expect((error as Error).message).toMatch(/empty body/);
    expect(seen("diagnoseBatch")).toHaveLength(1);
  });

  it("turns a 200 of the wrong shape into a BadResponseError naming the field", async () => {
    const client = new MixpeekClient({ baseUrl: emulator.url, apiKey: KEY, namespace: "sandbox", timeoutMs: 1000 });
    clients.push(client);
    const error = await failure(client.call("getBatch", z.object({ batch_id: z.number() }), { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error).toMatchObject({ status: 200, operation: "getBatch", requestId: expect.stringMatching(/^req_/) });
    expect((error as Error).message).toMatch(/unexpected body shape \(batch_id: /);
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("refuses a response larger than the limit without crashing, and stays usable", async () => {
    const small = apiWith({ maxResponseBytes: 2000 });
    const list = await failure(small.call("listBatches", { params: { bucket: BUCKET }, body: { limit: 10 } }));
    expect(list).toBeInstanceOf(BadResponseError);
    expect(list).toMatchObject({ status: 200, retryable: false, operation: "listBatches", requestId: expect.stringMatching(/^req_/) });
    expect((list as Error).message).toMatch(/larger than the 2 KiB limit/);
    // A 1.5 MB batch on a GET: refused, not retried.
    const big = await failure(small.call("getBatch", { params: ref("massive-failures") }));
    expect(big).toBeInstanceOf(BadResponseError);
    expect(seen("getBatch")).toHaveLength(1);
    // The same client still works for a small answer.
    expect((await small.call("getTask", { params: { task_id: (await api().call("getBatch", { params: ref("healthy-completed") })).data.task_id! } })).data.task_id).toBeTruthy();
  });

  it("reports an unreachable API as a connection error that was never sent", async () => {
    const nowhere = apiWith({ baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
    const get = await failure(nowhere.call("getBatch", { params: ref("healthy-completed") }));
    expect(get).toBeInstanceOf(ConnectionError);
    expect(get).toMatchObject({ outcomeUnknown: false, retryable: true });
    const post = await failure(nowhere.call("cancelBatch", { params: ref("still-running") }));
    expect(post).toBeInstanceOf(ConnectionError);
    expect((post as ConnectionError).outcomeUnknown).toBe(false);
    expect((post as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("every error is a MixpeekApiError that never carries the key", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 401 });
    const error = await failure(api().call("getBatch", { params: ref("healthy-completed") }));
    expect(error).toBeInstanceOf(MixpeekApiError);
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack })).not.toContain(KEY);
  });
});

describe("every request this file sent", () => {
  it("carried auth, our user agent, the namespace (except tasks) and only declared query params", async () => {
    // Retries and error paths included: the other tests' requests were kept in `everything`.
    await api().call("getBatch", { params: ref("healthy-completed") });
    const all = [...everything, ...emulator.requests];
    // The empty-key request is the only one the emulator did not see as Bearer <something>.
    for (const request of all.filter((r) => r.headers["authorization"] !== "Bearer")) expectWellFormed(request);
  });
});
