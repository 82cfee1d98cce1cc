// The HTTP client against a mock dispatcher (undici's MockAgent: no socket, no emulator) and, for
// a stalled body, a bare local server: request ids, the 2xx boundary, how bodies that cannot be
// read are described, retry delays (with Math.random fixed), transport errors and whether a
// write may have reached the API, cancellation, and who closes the connection pool.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, MockAgent, errors as undiciErrors } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { MixpeekClient, type ClientOptions } from "../../src/api/client.js";
import {
  BadRequestError, BadResponseError, ConnectionError, NotFoundError, RateLimitError, ServerError, TimeoutError, ValidationError,
} from "../../src/api/errors.js";
import { OPERATIONS, type Operation } from "../../src/api/operations.js";
import { traceRequests } from "../../src/api/trace.js";
import { VERSION } from "../../src/util/version.js";

const ORIGIN = "http://api.test";
const BATCH = { bucket: "media", batch_id: "btch_1" };
const Loose = z.looseObject({});
const BatchShape = z.looseObject({ batch_id: z.string() });

interface Seen { method: string; path: string; headers: Record<string, string>; body: unknown }
interface Reply { status?: number; body?: string; headers?: Record<string, string | string[]>; error?: Error; delayMs?: number }

const agents: MockAgent[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

/** A client whose every request gets the next reply (the last one repeats). */
function mock(replies: Reply[], options: Partial<ClientOptions> = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const seen: Seen[] = [];
  const pool = agent.get(ORIGIN);
  for (const [i, reply] of replies.entries()) {
    const interceptor = pool.intercept({ path: () => true, method: () => true });
    const record = (o: { method: string; path: string; headers?: unknown; body?: unknown }) => {
      seen.push({ method: o.method, path: o.path, headers: (o.headers ?? {}) as Record<string, string>, body: o.body });
    };
    const scope = reply.error
      ? interceptor.reply((o) => { record(o); throw reply.error; })
      : interceptor.reply((o) => {
        record(o);
        return { statusCode: reply.status ?? 200, data: reply.body ?? "{}", responseOptions: { headers: reply.headers ?? {} } };
      });
    if (reply.delayMs) scope.delay(reply.delayMs);
    if (i === replies.length - 1) scope.persist();
  }
  const client = new MixpeekClient({ baseUrl: ORIGIN, apiKey: "sk_test", namespace: "ns_a", timeoutMs: 1000, retryBaseMs: 1, dispatcher: agent, ...options });
  return { client, seen, agent };
}

const failure = (promise: Promise<unknown>) => promise.then(
  (value) => { throw new Error(`expected a failure, got ${JSON.stringify(value)}`); },
  (error: unknown) => error as Error,
);
const get = (client: MixpeekClient, schema: z.ZodType = BatchShape) => client.call("getBatch", schema, { params: BATCH });
const cancel = (client: MixpeekClient, schema: z.ZodType = Loose) => client.call("cancelBatch", schema, { params: BATCH });

describe("requests", () => {
  it("joins the base URL without doubling slashes, and sends auth, agent, accept and namespace", async () => {
    const { client, seen } = mock([{ body: '{"batch_id":"btch_1"}' }], { baseUrl: `${ORIGIN}///` });
    await get(client);
    expect(seen[0]).toMatchObject({ method: "GET", path: "/v1/buckets/media/batches/btch_1" });
    expect(seen[0]!.headers).toEqual({
      authorization: "Bearer sk_test", "user-agent": `mixpeek-batch-mcp/${VERSION} (node ${process.version})`,
      accept: "application/json", "x-namespace": "ns_a",
    });
  });

  it("sends no namespace to routes that take none, or when there is none", async () => {
    const tasks = mock([{ body: "{}" }]);
    await tasks.client.call("getTask", Loose, { params: { task_id: "task_1" } });
    expect(tasks.seen[0]!.headers).not.toHaveProperty("x-namespace");
    const none = mock([{ body: '{"batch_id":"b"}' }], { namespace: undefined });
    await get(none.client);
    expect(none.seen[0]!.headers).not.toHaveProperty("x-namespace");
  });

  it("sends a JSON body with its content type, and only undefined-free query values", async () => {
    const { client, seen } = mock([{ body: "{}" }]);
    await client.call("retryDocuments", Loose, { params: BATCH, body: { retry_mode: "all" } });
    expect(seen[0]).toMatchObject({ method: "POST", body: '{"retry_mode":"all"}' });
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
    await client.call("listFailedDocuments", Loose, { params: BATCH, query: { limit: 5, offset: undefined, tier_num: 0 } });
    expect(seen[1]!.path).toBe("/v1/buckets/media/batches/btch_1/failed-documents?limit=5&tier_num=0");
    await client.call("listFailedDocuments", Loose, { params: BATCH, query: { offset: undefined } });
    expect(seen[2]!.path).toBe("/v1/buckets/media/batches/btch_1/failed-documents");
    expect(seen[2]!.headers).not.toHaveProperty("content-type");
  });

  it("refuses a body the operation does not take, and sends nothing", async () => {
    const { client, seen } = mock([{ body: "{}" }]);
    const error = await failure(client.call("cancelBatch", Loose, { params: BATCH, body: { reason: "x" } }));
    expect(error.message).toMatch(/^refusing to send cancelBatch with a body the API does not declare \(body: the operation takes no body\); nothing was sent$/);
    expect(seen).toEqual([]);
  });
});

describe("answers", () => {
  it("takes the request id from the first id header that holds one text value", async () => {
    const id = async (headers: Record<string, string | string[]>) => {
      const { client } = mock([{ body: '{"batch_id":"b"}', headers }]);
      return (await get(client)).requestId;
    };
    expect(await id({ "x-request-id": "req_1" })).toBe("req_1");
    expect(await id({ "request-id": "req_2" })).toBe("req_2");
    expect(await id({ "x-correlation-id": "req_3" })).toBe("req_3");
    expect(await id({ "x-correlation-id": "req_3", "request-id": "req_2", "x-request-id": "req_1" })).toBe("req_1");
    expect(await id({ "x-request-id": ["a", "b"], "request-id": "req_2" })).toBe("req_2");
    expect(await id({ "x-other-id": "req_4" })).toBeUndefined();
  });

  it("records the request id in the call's trace", async () => {
    const { client } = mock([{ body: '{"batch_id":"b"}', headers: { "request-id": "req_traced" } }]);
    const { requestIds } = await traceRequests(() => get(client));
    expect(requestIds).toEqual(["req_traced"]);
  });

  it("reads the server's clock from the Date header, else its own", async () => {
    const dated = mock([{ body: '{"batch_id":"b"}', headers: { date: "Wed, 02 Dec 2026 12:00:00 GMT" } }]);
    expect((await get(dated.client)).serverTime).toBe(Date.parse("2026-12-02T12:00:00Z"));
    for (const headers of [{}, { date: "not a date" }] as Record<string, string>[]) {
      const before = Date.now();
      const time = (await get(mock([{ body: '{"batch_id":"b"}', headers }]).client)).serverTime;
      expect(time).toBeGreaterThanOrEqual(before);
      expect(time).toBeLessThanOrEqual(Date.now());
    }
  });

  it("treats 200–299 as success and 300 as an error", async () => {
    expect((await get(mock([{ status: 299, body: '{"batch_id":"b"}' }]).client)).status).toBe(299);
    expect((await get(mock([{ status: 200, body: '{"batch_id":"b"}' }]).client)).status).toBe(200);
    const error = await failure(get(mock([{ status: 300, body: '{"batch_id":"b"}' }]).client));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 300, message: "HTTP 300" });
  });

  it("names up to three fields of an answer it cannot read, and the whole body when that is the problem", async () => {
    const four = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string() });
    const error = await failure(get(mock([{ body: '{"a":1,"b":2,"c":3,"d":4}' }]).client, four));
    expect(error).toBeInstanceOf(BadResponseError);
    expect(error.message).toMatch(/^The API answered getBatch with HTTP 200 but an unexpected body shape \(a: [^;]+; b: [^;]+; c: [^;)]+\)\.$/);
    const nested = await failure(get(mock([{ body: '{"x":{"y":1}}' }]).client, z.object({ x: z.object({ y: z.string() }) })));
    expect(nested.message).toMatch(/unexpected body shape \(x\.y: /);
    const root = await failure(get(mock([{ body: "[1]" }]).client, z.object({})));
    expect(root.message).toMatch(/unexpected body shape \(body: /);
  });

  it("describes a body that is not JSON: its type and size, or that it is empty", async () => {
    const text = await failure(get(mock([{ body: "OK", headers: { "content-type": "text/plain; charset=utf-8" } }]).client));
    expect(text.message).toBe("The API answered getBatch with HTTP 200 but a body that is not JSON (text/plain, 2 bytes).");
    const untyped = await failure(get(mock([{ body: "<p>" }]).client));
    expect(untyped.message).toBe("The API answered getBatch with HTTP 200 but a body that is not JSON (unknown type, 3 bytes).");
    for (const body of ["", "  \n"]) {
      const empty = await failure(get(mock([{ body, headers: { "content-type": "application/json" } }]).client));
      expect(empty.message, JSON.stringify(body)).toBe("The API answered getBatch with HTTP 200 but a body that is not JSON (empty body).");
    }
  });

  it("reads a write answered with an unreadable body as applied, unless even {} is not a valid answer", async () => {
    const { result, notes } = await traceRequests(() => cancel(mock([{ status: 204, body: "" }]).client, z.object({ ok: z.boolean().optional() })));
    expect(result).toMatchObject({ status: 204, data: {} });
    expect(notes).toEqual(["The API answered cancelBatch with HTTP 204 and a body that is not JSON (empty body): the change was applied; its details are unknown."]);
    const strict = await failure(cancel(mock([{ status: 200, body: "OK" }]).client, z.object({ id: z.string() })));
    expect(strict).toBeInstanceOf(BadResponseError);
    expect(strict.message).toMatch(/^The API answered cancelBatch with HTTP 200 but a body that is not JSON/);
  });

  it("adds the description of a non-JSON error body to the error, and nothing for a blank one", async () => {
    const html = await failure(cancel(mock([{ status: 502, body: "<html>bad gateway</html>", headers: { "content-type": "text/html" } }]).client));
    expect(html).toBeInstanceOf(ServerError);
    expect(html.message).toBe("HTTP 502 (text/html, 24 bytes)");
    const blank = await failure(cancel(mock([{ status: 500, body: "   " }]).client));
    expect(blank.message).toBe("HTTP 500");
    const json = await failure(cancel(mock([{ status: 404, body: '{"detail":"Batch not found"}' }]).client));
    expect(json).toBeInstanceOf(NotFoundError);
    expect(json.message).toBe("Batch not found");
  });

  it("passes Retry-After on to a rate-limit error", async () => {
    const error = await failure(cancel(mock([{ status: 429, body: "{}", headers: { "retry-after": "7" } }]).client));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
    const none = await failure(cancel(mock([{ status: 429, body: "{}" }]).client));
    expect((none as RateLimitError).retryAfterMs).toBeUndefined();
  });

  it("refuses an answer above the size limit, and takes one of exactly the limit", async () => {
    const body = JSON.stringify({ batch_id: "b", pad: "x".repeat(100) });
    expect((await get(mock([{ body }], { maxResponseBytes: body.length }).client)).data).toMatchObject({ batch_id: "b" });
    const big = await failure(get(mock([{ body }], { maxResponseBytes: body.length - 1 }).client));
    expect(big).toBeInstanceOf(BadResponseError);
    expect(big).toMatchObject({ status: 200, operation: "getBatch" });
  });
});

describe("retries", () => {
  it("retries a read up to three times by default, never a write", async () => {
    const read = mock([{ status: 503, body: "{}" }]);
    expect(await failure(get(read.client))).toBeInstanceOf(ServerError);
    expect(read.seen).toHaveLength(4);
    const write = mock([{ status: 503, body: "{}" }]);
    expect(await failure(cancel(write.client))).toBeInstanceOf(ServerError);
    expect(write.seen).toHaveLength(1);
    const validation = mock([{ status: 422, body: "{}" }]);
    expect(await failure(get(validation.client))).toBeInstanceOf(ValidationError);
    expect(validation.seen).toHaveLength(1);
  });

  describe("delays", () => {
    const delay = (client: MixpeekClient, error: unknown, attempt: number) => (client as unknown as { retryDelay(e: unknown, a: number): number | undefined }).retryDelay(error, attempt);
    const server = new ServerError({ message: "x" });
    const defaults = () => new MixpeekClient({ baseUrl: ORIGIN, apiKey: "k", timeoutMs: 1000, dispatcher: new MockAgent() });

    it("doubles from 250 ms up to 8 s, with jitter over the upper half", () => {
      const client = defaults();
      const random = vi.spyOn(Math, "random");
      random.mockReturnValue(0);
      expect([0, 1, 2, 5, 6, 10].map((n) => delay(client, server, n))).toEqual([125, 250, 500, 4000, 4000, 4000]);
      random.mockReturnValue(1);
      expect([0, 1, 2, 5, 6].map((n) => delay(client, server, n))).toEqual([250, 500, 1000, 8000, 8000]);
      random.mockReturnValue(0.5);
      expect(delay(client, server, 3)).toBe(1500);
    });

    it("follows its options", () => {
      const client = new MixpeekClient({ baseUrl: ORIGIN, apiKey: "k", timeoutMs: 1000, retryBaseMs: 10, retryMaxMs: 50, dispatcher: new MockAgent() });
      vi.spyOn(Math, "random").mockReturnValue(1);
      expect([0, 1, 2, 3].map((n) => delay(client, server, n))).toEqual([10, 20, 40, 50]);
    });

    it("waits a rate limit's Retry-After up to 30 s, gives up beyond, and backs off when none was sent", () => {
      const client = defaults();
      vi.spyOn(Math, "random").mockReturnValue(0);
      expect(delay(client, new RateLimitError({ message: "x" }, 0), 3)).toBe(0);
      expect(delay(client, new RateLimitError({ message: "x" }, 30_000), 0)).toBe(30_000);
      expect(delay(client, new RateLimitError({ message: "x" }, 30_001), 0)).toBeUndefined();
      expect(delay(client, new RateLimitError({ message: "x" }, undefined), 1)).toBe(250);
      const capped = new MixpeekClient({ baseUrl: ORIGIN, apiKey: "k", timeoutMs: 1000, maxRetryAfterMs: 100, dispatcher: new MockAgent() });
      expect(delay(capped, new RateLimitError({ message: "x" }, 101), 0)).toBeUndefined();
    });

    it("does not retry what retrying cannot fix", () => {
      const client = defaults();
      expect(delay(client, new BadRequestError({ message: "x" }), 0)).toBeUndefined();
      expect(delay(client, new Error("not an API error"), 0)).toBeUndefined();
      expect(delay(client, new TimeoutError({ message: "x" }, true), 0)).toBeGreaterThan(0);
    });
  });
});

describe("transport errors", () => {
  const coded = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

  it.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "ECONNABORTED"])("%s: a write was never sent", async (code) => {
    const error = await failure(cancel(mock([{ error: coded(code) }]).client));
    expect(error).toBeInstanceOf(ConnectionError);
    const unresolved = code === "ENOTFOUND" || code === "EAI_AGAIN";
    expect(error).toMatchObject({
      outcomeUnknown: false, operation: "cancelBatch", code,
      message: unresolved ? `Could not resolve the Mixpeek API host ${new URL(ORIGIN).hostname} for cancelBatch (${code}).` : `Could not reach the Mixpeek API for cancelBatch (${code}).`,
    });
  });

  it("another code: a write may have reached the API; a read never has", async () => {
    const write = await failure(cancel(mock([{ error: coded("ECONNRESET") }]).client));
    expect(write).toMatchObject({ outcomeUnknown: true, message: "Could not reach the Mixpeek API for cancelBatch (ECONNRESET). The request may have reached the API: its outcome is unknown." });
    const read = await failure(get(mock([{ error: coded("ECONNRESET") }], { maxRetries: 0 }).client));
    expect(read).toMatchObject({ outcomeUnknown: false, message: "Could not reach the Mixpeek API for getBatch (ECONNRESET)." });
  });

  it("names the error when it has no code", async () => {
    const error = await failure(get(mock([{ error: new Error("socket hang up") }], { maxRetries: 0 }).client));
    expect(error.message).toBe("Could not reach the Mixpeek API for getBatch (socket hang up).");
  });

  it("says which phase timed out, and whether a write may have been applied", async () => {
    const connect = await failure(cancel(mock([{ error: new undiciErrors.ConnectTimeoutError() }]).client));
    expect(connect).toBeInstanceOf(TimeoutError);
    expect(connect).toMatchObject({ outcomeUnknown: false, message: "Timed out after 1000 ms waiting for a connection to cancelBatch." });
    const headers = await failure(cancel(mock([{ error: new undiciErrors.HeadersTimeoutError() }]).client));
    expect(headers).toMatchObject({ outcomeUnknown: true, message: "Timed out after 1000 ms waiting for a response to cancelBatch. The request may have reached the API: its outcome is unknown." });
    const body = await failure(get(mock([{ error: new undiciErrors.BodyTimeoutError() }], { maxRetries: 0 }).client));
    expect(body).toMatchObject({ outcomeUnknown: false, message: "Timed out after 1000 ms waiting for the response body to getBatch." });
  });

  it("stops at once when the caller cancels, and says a write may have been applied", async () => {
    const slow = mock([{ body: '{"batch_id":"b"}', delayMs: 2000 }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    const read = await failure(slow.client.call("getBatch", BatchShape, { params: BATCH, signal: controller.signal }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(read).toBeInstanceOf(ConnectionError);
    expect(read).toMatchObject({ outcomeUnknown: false, message: "The getBatch request was cancelled." });
    const write = mock([{ body: "{}", delayMs: 2000 }]);
    const controller2 = new AbortController();
    setTimeout(() => controller2.abort(), 20);
    const cancelled = await failure(write.client.call("cancelBatch", Loose, { params: BATCH, signal: controller2.signal }));
    expect(cancelled).toMatchObject({ outcomeUnknown: true, message: "The cancelBatch request was cancelled. The request may have reached the API: its outcome is unknown." });
  });

  it("times out a headers wait on its own deadline", async () => {
    const started = Date.now();
    const error = await failure(get(mock([{ body: '{"batch_id":"b"}', delayMs: 3000 }], { timeoutMs: 100, maxRetries: 0 }).client));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ message: "Timed out after 100 ms waiting for a response to getBatch." });
  });
});

describe("a stalled body", () => {
  let server: Server | undefined;
  afterEach(async () => { server?.closeAllConnections(); server?.close(); server = undefined; });

  it("is cut on the client's own deadline, even when the connection pool has no timers", async () => {
    server = createServer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.write('{"batch_id":'); });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const dispatcher = new Agent({ bodyTimeout: 0, headersTimeout: 0 });
    const client = new MixpeekClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: "k", timeoutMs: 150, maxRetries: 0, dispatcher,
    });
    const started = Date.now();
    const error = await failure(get(client));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("Timed out after 150 ms waiting for the response body to getBatch.");
    await dispatcher.close();
  });
});

describe("close", () => {
  it("closes the pool it made, and leaves one it was given", async () => {
    const own = new MixpeekClient({ baseUrl: ORIGIN, apiKey: "k", timeoutMs: 1000 });
    const pool = (own as unknown as { dispatcher: Agent }).dispatcher;
    expect(pool).toBeInstanceOf(Agent);
    expect(pool.closed).toBe(false);
    await own.close();
    expect(pool.closed).toBe(true);

    const given = mock([{ body: '{"batch_id":"b"}' }]);
    await given.client.close();
    const again = new MixpeekClient({ baseUrl: ORIGIN, apiKey: "k", timeoutMs: 1000, dispatcher: given.agent });
    expect((await get(again)).data).toMatchObject({ batch_id: "b" });
  });
});

describe("operations", () => {
  it("every operation reaches its own route", async () => {
    const { client, seen } = mock([{ body: "{}" }]);
    const params = { ...BATCH, tier_num: 1, ray_job_id: "r", task_id: "t", collection: "c" };
    const operations = Object.keys(OPERATIONS) as Operation[];
    for (const operation of operations) await client.call(operation, Loose, { params: params as never });
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(operations.map((operation) => `${OPERATIONS[operation].method} ${OPERATIONS[operation].path
      .replace("{bucket}", "media").replace("{batch_id}", "btch_1").replace("{tier_num}", "1").replace("{ray_job_id}", "r").replace("{task_id}", "t").replace("{collection}", "c")}`));
    // Spot checks, written out, that the substitution above is the route and not a restatement of it.
    expect(seen.map((s) => s.path)).toEqual(expect.arrayContaining([
      "/v1/buckets/media/batches/list", "/v1/buckets/media/batches/btch_1/tiers/1/jobs/r/cancel", "/v1/tasks/t", "/v1/collections/c/trigger",
    ]));
  });
});
