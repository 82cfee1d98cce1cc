// Every emulator response on a route the public spec covers validates against its response
// schema, errors included (ErrorResponse envelope, 422 in both shapes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type Operation } from "../../src/api/routes.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { compile, spec, specPath } from "../openapi.js";

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator({ port: 0 }); });
afterAll(() => emulator.close());

const headers = () => ({ authorization: "Bearer sk_test", "x-namespace": emulator.sandbox.namespaceName, "content-type": "application/json" });

async function call(operation: Operation, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) {
  const response = await fetch(emulator.url + path, {
    method: ROUTES[operation].method,
    headers: { ...headers(), ...extraHeaders },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() as unknown };
}

function expectMatchesSpec(operation: Operation, status: number, body: unknown) {
  const path = specPath(ROUTES[operation].path)!;
  const op = spec.paths[path]![ROUTES[operation].method.toLowerCase()]!;
  const schema = op.responses[String(status)]?.content?.["application/json"]?.schema;
  expect(schema, `${operation} ${status} is in the spec`).toBeDefined();
  const validate = compile(schema);
  expect(validate(body), `${operation} ${status}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
}

const base = () => `/v1/buckets/sandbox-media/batches`;

describe("emulator responses match the public OpenAPI spec", () => {
  it("covers the routes we expect the spec to have", () => {
    const covered = (Object.keys(ROUTES) as Operation[]).filter((op) => specPath(ROUTES[op].path));
    expect(covered.sort()).toEqual(["cancelBatch", "confirmUploads", "getBatch", "getBatchLogs", "getTask", "listBatches", "listFailedDocuments", "retryDocuments", "triggerCollection"]);
  });

  it("list batches, get batch, failed documents, logs", async () => {
    const list = await call("listBatches", `${base()}/list`, { limit: 100 });
    expectMatchesSpec("listBatches", 200, list.body);
    for (const id of Object.values(emulator.sandbox.batches).filter((id) => id !== emulator.sandbox.batches["massive-failures"])) {
      const batch = await call("getBatch", `${base()}/${id}`);
      expectMatchesSpec("getBatch", 200, batch.body);
    }
    const id = emulator.sandbox.batches["permanent-bad-input"];
    expectMatchesSpec("listFailedDocuments", 200, (await call("listFailedDocuments", `${base()}/${id}/failed-documents?limit=5`)).body);
    expectMatchesSpec("getBatchLogs", 200, (await call("getBatchLogs", `${base()}/${id}/logs`)).body);
  });

  it("retry, cancel, task, trigger (202), uploads confirm", async () => {
    const retried = await call("retryDocuments", `${base()}/${emulator.sandbox.batches["transient-network"]}/retry`, { retry_mode: "transient_only" });
    expect(retried.status).toBe(200);
    expectMatchesSpec("retryDocuments", 200, retried.body);
    // duplicate-jobs never finishes on its own, so it is still cancelable here.
    const canceled = await call("cancelBatch", `${base()}/${emulator.sandbox.batches["duplicate-jobs"]}/cancel`);
    expect(canceled.status).toBe(200);
    expectMatchesSpec("cancelBatch", 200, canceled.body);
    const task = await call("getTask", `/v1/tasks/${(canceled.body as { task_id: string }).task_id}`);
    expectMatchesSpec("getTask", 200, task.body);
    const triggered = await call("triggerCollection", "/v1/collections/video-frames/trigger", { object_ids: ["obj_0001"] });
    expect(triggered.status).toBe(202);
    expectMatchesSpec("triggerCollection", 202, triggered.body);
    const confirmed = await call("confirmUploads", "/v1/buckets/sandbox-media/uploads/confirm/batch", { confirmations: [{ upload_id: "upl_a1b2c3d4e5f6g7h8", etag: "e", file_size_bytes: 1 }] });
    expectMatchesSpec("confirmUploads", 200, confirmed.body);
  });

  it("errors: 400, 401, 404 envelopes and 422 in both shapes", async () => {
    const notFound = await call("getBatch", `${base()}/btch_missing`);
    expect(notFound.status).toBe(404);
    expectMatchesSpec("getBatch", 404, notFound.body);
    const unauthorized = await call("getBatch", `${base()}/btch_missing`, undefined, { authorization: "" });
    expect(unauthorized.status).toBe(401);
    expectMatchesSpec("getBatch", 401, unauthorized.body);
    const badState = await call("cancelBatch", `${base()}/${emulator.sandbox.batches["healthy-completed"]}/cancel`);
    expect(badState.status).toBe(400);
    expectMatchesSpec("cancelBatch", 400, badState.body);
    const invalid = await call("retryDocuments", `${base()}/${emulator.sandbox.batches["transient-network"]}/retry`, { max_retry_count: 11 });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ status: 422, error: { type: "ValidationError", details: { validation_errors: [{ location: ["body", "max_retry_count"] }] } } });
    const fastapi = await startEmulator({ port: 0, validationShape: "fastapi", scenarios: ["healthy-completed"] });
    try {
      const response = await fetch(`${fastapi.url}${base()}/list`, { method: "POST", headers: headers(), body: JSON.stringify({ limit: 0 }) });
      const body = await response.json();
      expect(response.status).toBe(422);
      expectMatchesSpec("listBatches", 422, body);
      expect(body).toMatchObject({ detail: [{ loc: ["body", "limit"] }] });
    } finally {
      await fastapi.close();
    }
  });
});
