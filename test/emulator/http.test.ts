// The emulator's HTTP surface: auth, namespaces, ids by name, faults that apply exactly N times,
// and the control API other processes use.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator({ port: 0 }); });
afterAll(() => emulator.close());
beforeEach(() => { emulator.faults.clear(); emulator.clearRequests(); });

const get = (path: string, headers: Record<string, string> = { authorization: "Bearer k", "x-namespace": "sandbox" }) =>
  fetch(emulator.url + path, { headers }).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, any>, headers: r.headers }));
const batchPath = (bucket: string) => `/v1/buckets/${bucket}/batches/${emulator.sandbox.batches["healthy-completed"]}`;

it("requires a Bearer key, accepts any", async () => {
  expect((await get(batchPath("sandbox-media"), { "x-namespace": "sandbox" })).status).toBe(401);
  expect((await get(batchPath("sandbox-media"), { authorization: "Basic abc", "x-namespace": "sandbox" })).body.error.type).toBe("UnauthorizedError");
  expect((await get(batchPath("sandbox-media"), { authorization: "Bearer anything", "x-namespace": "sandbox" })).status).toBe(200);
});

it("scopes by namespace (id, name or ?namespace=) and needs one", async () => {
  expect((await get(batchPath("sandbox-media"), { authorization: "Bearer k", "x-namespace": emulator.sandbox.namespaceId })).status).toBe(200);
  expect((await get(`${batchPath("sandbox-media")}?namespace=sandbox`, { authorization: "Bearer k" })).status).toBe(200);
  const other = await get(batchPath("sandbox-media"), { authorization: "Bearer k", "x-namespace": "ns_other" });
  expect(other.status).toBe(404);
  expect(other.body.error.details).toEqual({ resource: "bucket", id: "sandbox-media" });
  const missing = await get(batchPath("sandbox-media"), { authorization: "Bearer k" });
  expect(missing.status).toBe(400);
  expect(missing.body.error.message).toMatch(/X-Namespace/);
});

it("accepts the bucket by id or name, and answers with a request id and its own clock", async () => {
  const byId = await get(batchPath(emulator.sandbox.bucketId));
  const byName = await get(batchPath("sandbox-media"));
  expect(byId.body.batch_id).toBe(byName.body.batch_id);
  expect(byName.headers.get("x-request-id")).toMatch(/^req_/);
  expect(Date.parse(byName.headers.get("date")!)).toBe(Math.floor(emulator.clock.now() / 1000) * 1000);
});

it("applies a fault exactly count times, to its operation only", async () => {
  emulator.faults.inject("getBatch", { kind: "status", status: 503 }, 2);
  expect((await get("/v1/buckets/sandbox-media/batches/x/diagnose")).status).toBe(404);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get(batchPath("sandbox-media"))).status);
  expect(statuses).toEqual([503, 503, 200]);
  expect(emulator.requests.map((r) => r.status)).toEqual([404, 503, 503, 200]);
});

it("is driven over HTTP by the control API", async () => {
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}/_emulator/${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) }).then((r) => r.json() as Promise<any>);
  expect((await control("GET", "sandbox")).bucketName).toBe("sandbox-media");
  await control("POST", "faults", { operation: "getBatch", fault: { kind: "status", status: 429, retryAfterSeconds: 7 }, count: 1 });
  const limited = await get(batchPath("sandbox-media"));
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).toBe("7");
  const requests = await control("GET", "requests");
  expect(requests.at(-1)).toMatchObject({ operation: "getBatch", status: 429 });
  const before = emulator.clock.now();
  expect((await control("POST", "clock", { advanceMs: 60_000 })).now).toBe(before + 60_000);
  await control("DELETE", "requests");
  expect(emulator.requests).toHaveLength(0);
});

it("answers unknown routes and bad JSON with the error envelope", async () => {
  expect((await get("/v1/nothing")).body).toMatchObject({ success: false, status: 404, error: { type: "NotFoundError" } });
  const bad = await fetch(`${emulator.url}/v1/buckets/sandbox-media/batches/list`, {
    method: "POST", headers: { authorization: "Bearer k", "x-namespace": "sandbox", "content-type": "application/json" }, body: "{oops",
  });
  expect(bad.status).toBe(422);
});
