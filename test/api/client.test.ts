// The client against the emulator over loopback: headers, encoding, every error kind, retries
// that are safe (GETs) and none that are not (POSTs), timeouts and bounded bodies.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MixpeekClient, type ClientOptions } from "../../src/api/client.js";
import {
  AuthenticationError, BadResponseError, ConflictError, ConnectionError, NotFoundError, PermissionDeniedError,
  RateLimitError, ServerError, TimeoutError, ValidationError,
} from "../../src/api/errors.js";
import { MixpeekApi } from "../../src/api/resources.js";
import { InvalidPathSegmentError } from "../../src/api/routes.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";

let emulator: Emulator;
const clients: MixpeekClient[] = [];
function apiWith(options: Partial<ClientOptions> = {}): MixpeekApi {
  const client = new MixpeekClient({
    baseUrl: emulator.url, apiKey: "sk_test_client", namespace: emulator.sandbox.namespaceId,
    timeoutMs: 500, retryBaseMs: 5, ...options,
  });
  clients.push(client);
  return new MixpeekApi(client);
}
let api: MixpeekApi;

// A fresh sandbox per test: several tests change the same scenario batches.
beforeEach(async () => { emulator = await startEmulator({ port: 0 }); api = apiWith(); });
afterEach(async () => { await Promise.all(clients.splice(0).map((c) => c.close())); await emulator.close(); });

const ref = (name: keyof Emulator["sandbox"]["batches"]) => ({ bucket: "sandbox-media", batch_id: emulator.sandbox.batches[name] });
const seen = (operation: string) => emulator.requests.filter((r) => r.operation === operation);

describe("requests", () => {
  it("carry auth, namespace and our user agent; tasks carry no namespace", async () => {
    const { data } = await api.getBatch(ref("healthy-completed"));
    await api.getTask(data.task_id!);
    const [get, task] = emulator.requests;
    expect(get!.headers["authorization"]).toBe("Bearer <redacted>");
    expect(get!.headers["x-namespace"]).toBe(emulator.sandbox.namespaceId);
    expect(get!.headers["user-agent"]).toMatch(/^mixpeek-batch-mcp\/\d+\.\d+\.\d+/);
    expect(task!.headers["x-namespace"]).toBeUndefined();
    expect(task!.headers["authorization"]).toBe("Bearer <redacted>");
  });

  it("send no body where the API takes none, and from_tier in the query", async () => {
    await api.resubmitBatch(ref("orphaned-tier"), 1);
    await api.cancelTier({ ...ref("stuck-tier"), tier_num: 1 });
    const [resubmit, cancel] = emulator.requests;
    expect(resubmit!.query).toEqual({ from_tier: "1" });
    expect(resubmit!.body).toBeUndefined();
    expect(resubmit!.headers["content-type"]).toBeUndefined();
    expect(cancel!.body).toBeUndefined();
  });

  it("send hostile ids as one encoded segment, which reach no other route", async () => {
    for (const id of ["../x", "a/b", "x?y=1", "%2e%2e", "a#b"]) {
      await expect(api.getBatch({ bucket: "sandbox-media", batch_id: id })).rejects.toBeInstanceOf(NotFoundError);
    }
    const paths = emulator.requests.map((r) => r.path);
    expect(paths).toEqual([
      "/v1/buckets/sandbox-media/batches/..%2Fx",
      "/v1/buckets/sandbox-media/batches/a%2Fb",
      "/v1/buckets/sandbox-media/batches/x%3Fy%3D1",
      "/v1/buckets/sandbox-media/batches/%252e%252e",
      "/v1/buckets/sandbox-media/batches/a%23b",
    ]);
    expect(emulator.requests.every((r) => r.operation === "getBatch")).toBe(true);
  });

  it("refuse . and .. without sending anything", async () => {
    await expect(api.getBatch({ bucket: "sandbox-media", batch_id: ".." })).rejects.toBeInstanceOf(InvalidPathSegmentError);
    await expect(api.getBatch({ bucket: ".", batch_id: "x" })).rejects.toBeInstanceOf(InvalidPathSegmentError);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe("resource methods", () => {
  it("parse every operation's answer", async () => {
    expect((await api.listBatches("sandbox-media", { limit: 2 })).data.results).toHaveLength(2);
    expect((await api.diagnoseBatch(ref("oom-gpu-tier"))).data.failure_category).toBe("infrastructure");
    expect((await api.listFailedDocuments(ref("transient-network"), { tier_num: 0, limit: 5 })).data.documents).toHaveLength(5);
    expect((await api.getBatchLogs(ref("oom-gpu-tier"), { tier_num: 1 })).data.tiers![0]!.logs).toMatch(/OOMKilled/);
    expect((await api.retryDocuments(ref("transient-network"), { retry_mode: "transient_only" })).data.retried_count).toBe(12);
    expect((await api.retryTier({ ...ref("oom-gpu-tier"), tier_num: 1 }, { memory_bytes: 2 ** 34 })).data.tier_num).toBe(1);
    expect((await api.healTier({ ...ref("stuck-tier"), tier_num: 1 }, "detect_stuck")).data.stuck).toBe(true);
    expect((await api.healTier({ ...ref("duplicate-jobs"), tier_num: 0 }, "kill_duplicates")).data.killed_job_ids).toHaveLength(1);
    const batch = (await api.getBatch(ref("failing-job-multi-extractor"))).data;
    const job = batch.tier_tasks![0]!.extractor_jobs!.find((j) => j.extractor_type === "ocr_extractor_v1")!;
    expect((await api.cancelJob({ ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: job.ray_job_id! })).data.status).toBe("CANCELED");
    expect((await api.cancelBatch(ref("still-running"))).data.status).toBe("CANCELED");
    expect((await api.resubmitBatch(ref("orphaned-tier"), 1)).data.submitted).toBe(true);
    const triggered = await api.triggerCollection("video-frames", { object_ids: ["obj_0001", "obj_0002"] });
    expect(triggered).toMatchObject({ status: 202, data: { object_count: 2 } });
    expect((await api.getTask(triggered.data.task_id)).data.task_type).toBe("api_buckets_batches_process");
    const confirmed = await api.confirmUploads("sandbox-media", [{ upload_id: "upl_b2c3d4e5f6g7h8i9", etag: "x", file_size_bytes: 3 }]);
    expect(confirmed.data.task.task_type).toBe("api_buckets_uploads_batch_confirm");
    expect(confirmed.requestId).toMatch(/^req_/);
  });
});

describe("errors", () => {
  it.each([
    [401, AuthenticationError], [403, PermissionDeniedError], [409, ConflictError],
  ])("HTTP %i → %o with request id, not retried", async (status, kind) => {
    emulator.faults.inject("getBatch", { kind: "status", status });
    const error = await api.getBatch(ref("healthy-completed")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(kind);
    expect(error).toMatchObject({ status, requestId: expect.stringMatching(/^req_/), retryable: false });
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("404 for a batch read from another namespace", async () => {
    const other = apiWith({ namespace: "someone-else" });
    await expect(other.getBatch(ref("healthy-completed"))).rejects.toMatchObject({ status: 404, errorType: "NotFoundError" });
  });

  it("422 in both shapes becomes a ValidationError naming the field", async () => {
    const error = await api.listBatches("sandbox-media", { limit: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors[0]!.location).toEqual(["body", "limit"]);
    const fastapi = await startEmulator({ port: 0, validationShape: "fastapi", scenarios: ["healthy-completed"] });
    try {
      const client = new MixpeekClient({ baseUrl: fastapi.url, apiKey: "k", namespace: "sandbox", timeoutMs: 500 });
      const other = await new MixpeekApi(client).listBatches("sandbox-media", { limit: 0 }).catch((e: unknown) => e);
      await client.close();
      expect(other).toBeInstanceOf(ValidationError);
      expect((other as ValidationError).message).toMatch(/body\.limit/);
    } finally { await fastapi.close(); }
  });

  it("retries a GET after 429 with Retry-After, and after two 503s", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 0 });
    await api.getBatch(ref("healthy-completed"));
    expect(seen("getBatch")).toHaveLength(2);
    emulator.clearRequests();
    emulator.faults.inject("getBatch", { kind: "status", status: 503 }, 2);
    await api.getBatch(ref("healthy-completed"));
    expect(seen("getBatch").map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("gives up on 429 beyond the retry budget, with retryAfterMs", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 0 }, 10);
    const error = await api.getBatch(ref("healthy-completed")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(0);
    expect(seen("getBatch")).toHaveLength(4);
  });

  it("does not wait for a Retry-After longer than the cap", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 120 });
    const error = await api.getBatch(ref("healthy-completed")).catch((e: unknown) => e);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect(seen("getBatch")).toHaveLength(1);
  });

  it("never retries a POST, even on 503", async () => {
    emulator.faults.inject("retryDocuments", { kind: "status", status: 503 });
    await expect(api.retryDocuments(ref("transient-network"), {})).rejects.toBeInstanceOf(ServerError);
    expect(seen("retryDocuments")).toHaveLength(1);
  });

  it("retries a GET whose connection dropped", async () => {
    emulator.faults.inject("getBatch", { kind: "drop" });
    await api.getBatch(ref("healthy-completed"));
    expect(seen("getBatch")).toHaveLength(2);
  });

  it("reports a POST whose connection dropped after it was applied as outcome unknown, sent once", async () => {
    emulator.faults.inject("retryDocuments", { kind: "drop-after-apply" });
    const error = await api.retryDocuments(ref("transient-network"), { retry_mode: "transient_only" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).outcomeUnknown).toBe(true);
    expect((error as Error).message).toMatch(/outcome is unknown/);
    expect(seen("retryDocuments")).toHaveLength(1);
    expect((await api.getBatch(ref("transient-network"))).data.status).toBe("PROCESSING");
  });

  it("times out on slow headers and on a stalled body", async () => {
    emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 1500 }, 4);
    await expect(api.getBatch(ref("healthy-completed"))).rejects.toBeInstanceOf(TimeoutError);
    emulator.faults.clear();
    emulator.faults.inject("retryTier", { kind: "stall-body", delayMs: 1500 });
    const error = await api.retryTier({ ...ref("oom-gpu-tier"), tier_num: 1 }, { memory_bytes: 2 ** 34 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).outcomeUnknown).toBe(true);
    expect(seen("retryTier")).toHaveLength(1);
  });

  it("turns malformed JSON, an HTML 502 page and an empty body into clear errors", async () => {
    emulator.faults.inject("listBatches", { kind: "malformed-json" });
    await expect(api.listBatches("sandbox-media", {})).rejects.toBeInstanceOf(BadResponseError);
    emulator.faults.inject("getBatch", { kind: "html", status: 502 }, 4);
    const html = await api.getBatch(ref("healthy-completed")).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(ServerError);
    expect((html as Error).message).toMatch(/text\/html/);
    expect(seen("getBatch")).toHaveLength(4);
    emulator.faults.inject("diagnoseBatch", { kind: "empty" }, 4);
    const empty = await api.diagnoseBatch(ref("healthy-completed")).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(BadResponseError);
    expect((empty as Error).message).toMatch(/empty body/);
  });

  it("refuses a response larger than the limit instead of buffering it", async () => {
    const small = apiWith({ maxResponseBytes: 2000 });
    const error = await small.listBatches("sandbox-media", { limit: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadResponseError);
    expect((error as Error).message).toMatch(/larger than/);
  });

  it("reports an unreachable API as a connection error", async () => {
    const nowhere = apiWith({ baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
    await expect(nowhere.getBatch(ref("healthy-completed"))).rejects.toBeInstanceOf(ConnectionError);
  });
});
