// Requests against the contract: every request the client sends on a route the public OpenAPI
// spec covers validates against that operation's request schema (closed: no field outside it),
// carries only the query parameters and headers the operation declares, and no body where it
// takes none. Routes the spec lacks are held to our own request schemas (src/api/operations.ts),
// which for the routes the spec has must declare exactly what it declares. The requests checked
// are the ones the emulator recorded, not what we meant to send.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MixpeekClient } from "../../src/api/client.js";
import { MixpeekApi } from "../../src/api/mixpeek-api.js";
import { z } from "zod";
import { OPERATIONS, isNamespaced, type Operation, type OperationSpec } from "../../src/api/operations.js";
import { startEmulator, type Emulator, type RecordedRequest } from "../../src/emulator/index.js";
import { NOT_IN_SPEC, compile, spec as openapi, specPath } from "../openapi.js";

interface SpecOperation {
  parameters?: { name: string; in: "path" | "query" | "header"; required?: boolean }[];
  requestBody?: { required?: boolean; content: { "application/json": { schema: Record<string, unknown> } } };
}
const spec = openapi as unknown as {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

/** The request schema, resolved and closed at the top level: a field outside it is an error. */
function closedBodySchema(operation: Operation, op: SpecOperation): Record<string, unknown> | undefined {
  const schema = op.requestBody?.content["application/json"].schema;
  if (!schema) return undefined;
  const ref = schema["$ref"] as string | undefined;
  const resolved = structuredClone(ref ? spec.components.schemas[ref.split("/").pop()!]! : schema);
  const properties = { ...(resolved["properties"] as Record<string, unknown>) };
  // object_ids is documented for trigger on the web reference, newer than this spec.
  if (operation === "triggerCollection") properties["object_ids"] = { type: "array", items: { type: "string" } };
  // The spec types confirmations as open objects; its description names the fields.
  if (operation === "confirmUploads") {
    properties["confirmations"] = {
      ...(properties["confirmations"] as object),
      items: {
        type: "object", additionalProperties: false, required: ["upload_id"],
        properties: { upload_id: { type: "string" }, etag: { type: "string" }, file_size_bytes: { type: "integer", minimum: 1 } },
      },
    };
  }
  return { ...resolved, properties, additionalProperties: false };
}

const shapeOf = (operation: Operation): OperationSpec => OPERATIONS[operation];
const bodyJson = (operation: Operation) => {
  const body = shapeOf(operation).body;
  if (!body) return undefined;
  const { $schema: _dialect, ...schema } = z.toJSONSchema(body, { io: "input" });
  return schema as Record<string, unknown>;
};

const specPathOf = (operation: Operation) => specPath(OPERATIONS[operation].path);
const SPEC_COVERED = (Object.keys(OPERATIONS) as Operation[]).filter((op) => specPathOf(op));

interface Contract { query: string[]; headers: string[] | undefined; body: Record<string, unknown> | undefined; bodyRequired: boolean }
function contractOf(operation: Operation): Contract {
  const path = specPathOf(operation);
  if (path) {
    const op = spec.paths[path]![OPERATIONS[operation].method.toLowerCase()]!;
    const params = op.parameters ?? [];
    return {
      query: params.filter((p) => p.in === "query").map((p) => p.name),
      headers: params.filter((p) => p.in === "header").map((p) => p.name.toLowerCase()),
      body: closedBodySchema(operation, op),
      bodyRequired: op.requestBody?.required === true,
    };
  }
  // Routes no spec has: our own request schemas are the contract.
  const shape = shapeOf(operation);
  return { query: Object.keys(shape.query?.shape ?? {}), headers: undefined, body: bodyJson(operation), bodyRequired: shape.bodyRequired === true };
}

const validators = new Map<Operation, ReturnType<typeof compile>>();
/** Everything wrong with one recorded request, as readable lines (empty when it is clean). */
function violations(request: Pick<RecordedRequest, "operation" | "method" | "query" | "body" | "headers">): string[] {
  const operation = request.operation;
  if (!operation) return ["no operation matched the path"];
  const contract = contractOf(operation);
  const problems: string[] = [];
  if (request.method !== OPERATIONS[operation].method) problems.push(`method ${request.method}`);
  for (const name of Object.keys(request.query)) if (!contract.query.includes(name)) problems.push(`undeclared query parameter ${name}`);
  if (contract.headers) {
    const namespaceDeclared = contract.headers.includes("x-namespace");
    if (!namespaceDeclared && request.headers["x-namespace"] !== undefined) problems.push("x-namespace sent where the operation declares none");
    if (namespaceDeclared && !request.headers["x-namespace"]) problems.push("x-namespace missing");
  }
  if (!contract.body) {
    if (request.body !== undefined) problems.push(`a body on an operation that takes none: ${JSON.stringify(request.body)}`);
    if (request.headers["content-type"] !== undefined) problems.push("content-type on an operation that takes no body");
    return problems;
  }
  if (request.body === undefined) {
    if (contract.bodyRequired) problems.push("the required body is missing");
    return problems;
  }
  let validate = validators.get(operation);
  if (!validate) validators.set(operation, (validate = compile(contract.body)));
  if (!validate(request.body)) {
    problems.push(...(validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params["additionalProperty"])})` : ""}`));
  }
  if (request.headers["content-type"] !== "application/json") problems.push(`content-type ${request.headers["content-type"]}`);
  return problems;
}

let emulator: Emulator;
let client: MixpeekClient;
let api: MixpeekApi;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, scenarios: "all", stepMs: 0 });
  client = new MixpeekClient({ baseUrl: emulator.url, apiKey: "sk_test_contract", namespace: emulator.sandbox.namespaceId, timeoutMs: 2000, retryBaseMs: 5 });
  api = new MixpeekApi(client);
});
afterAll(async () => { await client?.close(); await emulator?.close(); });

const BUCKET = "sandbox-media";
const ref = (name: keyof Emulator["sandbox"]["batches"]) => ({ bucket: BUCKET, batch_id: emulator.sandbox.batches[name] });

describe("our request schemas are the spec's", () => {
  it.each(SPEC_COVERED)("%s: the same query parameters, body fields and namespace header", (operation) => {
    const op = spec.paths[specPathOf(operation)!]![OPERATIONS[operation].method.toLowerCase()]!;
    const shape = shapeOf(operation);
    const params = op.parameters ?? [];
    expect(Object.keys(shape.query?.shape ?? {}).sort()).toEqual(params.filter((p) => p.in === "query").map((p) => p.name).sort());
    expect(isNamespaced(operation)).toBe(params.some((p) => p.in === "header" && p.name.toLowerCase() === "x-namespace"));
    const specBody = closedBodySchema(operation, op);
    const ours = bodyJson(operation);
    expect(Object.keys((ours?.["properties"] as object | undefined) ?? {}).sort()).toEqual(Object.keys((specBody?.["properties"] as object | undefined) ?? {}).sort());
    expect(shape.bodyRequired === true).toBe(op.requestBody?.required === true);
  });
});

describe("requests match the contract", () => {
  it("the spec covers every route but those only the web reference and the guide document", () => {
    const notInSpec = (Object.keys(OPERATIONS) as Operation[]).filter((op) => !SPEC_COVERED.includes(op));
    expect(notInSpec.sort()).toEqual([...NOT_IN_SPEC].sort());
  });

  it("every method, every optional field set, sends only what its operation declares", async () => {
    await api.call("listBatches", { params: { bucket: BUCKET }, body: { status: "FAILED", offset: 0, limit: 10 } });
    await api.call("listBatches", { params: { bucket: BUCKET }, body: {} });
    await api.call("getBatch", { params: ref("healthy-completed") });
    await api.call("diagnoseBatch", { params: ref("oom-gpu-tier") });
    await api.call("listFailedDocuments", { params: ref("permanent-bad-input"), query: { tier_num: 0, collection_id: "col_frames01a2", limit: 5, offset: 1 } });
    await api.call("listFailedDocuments", { params: ref("permanent-bad-input"), query: {} });
    await api.call("getBatchLogs", { params: ref("oom-gpu-tier"), query: { tier_num: 1 } });
    await api.call("getBatchLogs", { params: ref("oom-gpu-tier"), query: {} });
    await api.call("retryDocuments", { params: ref("transient-network"), body: { retry_mode: "transient_only", tier_nums: [0], max_retry_count: 3 } });
    await api.call("retryDocuments", { params: ref("permanent-bad-input"), body: {} });
    await api.call("retryTier", { params: { ...ref("oom-gpu-tier"), tier_num: 1 }, body: { requires_gpu: true, num_cpus: 8, memory_bytes: 2 ** 34, priority: 50 } });
    await api.call("healTier", { params: { ...ref("stuck-tier"), tier_num: 1 }, body: { action: "detect_stuck" } });
    await api.call("healTier", { params: { ...ref("duplicate-jobs"), tier_num: 0 }, body: { action: "kill_duplicates" } });
    const multi = (await api.call("getBatch", { params: ref("failing-job-multi-extractor") })).data;
    const ocr = multi.tier_tasks![0]!.extractor_jobs!.find((j) => j.extractor_type === "ocr_extractor_v1")!;
    await api.call("cancelJob", { params: { ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: ocr.ray_job_id! } });
    await api.call("cancelTier", { params: { ...ref("failing-job-multi-extractor"), tier_num: 0 } });
    const canceled = await api.call("cancelBatch", { params: ref("still-running") });
    await api.call("resubmitBatch", { params: ref("orphaned-tier"), query: { from_tier: 1 } });
    await api.call("resubmitBatch", { params: ref("still-running"), query: { from_tier: undefined } });
    await api.call("getTask", { params: { task_id: canceled.data.task_id! } });
    await api.call("triggerCollection", { params: { collection: "video-frames" }, body: {
      include_buckets: [BUCKET], object_ids: ["obj_0001", "obj_0002"],
      source_filters: { AND: [{ field: "object_id", operator: "in", value: ["obj_0001", "obj_0002"] }] },
    } });
    await api.call("triggerCollection", { params: { collection: "frame-embeddings" }, body: { include_collections: ["video-frames"] } });
    await api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} });
    await api.call("confirmUploads", { params: { bucket: BUCKET }, body: { confirmations: [
      { upload_id: "upl_a1b2c3d4e5f6g7h8", etag: "d41d8cd98f00b204e9800998ecf8427e", file_size_bytes: 10 },
      { upload_id: "upl_b2c3d4e5f6g7h8i9" },
    ] } });

    // A batch's lifecycle, tasks, uploads and analytics.
    const created = await api.call("createBatch", { params: { bucket: BUCKET }, query: { skip_validation: false }, body: { object_ids: ["obj_0001"] } });
    const draft = { bucket: BUCKET, batch_id: created.data.batch_id! };
    await api.call("addBatchObjects", { params: draft, query: { skip_validation: true }, body: { object_ids: ["obj_0002"] } });
    await api.call("updateBatch", { params: draft, body: { metadata: { owner: "contract" } } });
    await api.call("submitBatch", { params: draft, body: { include_processing_history: false } });
    const second = await api.call("createBatch", { params: { bucket: BUCKET }, query: {}, body: { object_ids: ["obj_0003"] } });
    await api.call("addBatchObjects", { params: { bucket: BUCKET, batch_id: second.data.batch_id! }, body: { object_ids: ["obj_0004"] } });
    await api.call("updateBatch", { params: { bucket: BUCKET, batch_id: second.data.batch_id! }, body: { metadata: null } });
    await api.call("submitBatch", { params: { bucket: BUCKET, batch_id: second.data.batch_id! } });
    await api.call("deleteBatch", { params: ref("healthy-completed") });
    await api.call("createUploads", { params: { bucket: BUCKET }, body: {
      uploads: [
        { filename: "clip.mp4", content_type: "video/mp4", file_size_bytes: 1024, presigned_url_expiration: 600, metadata: { a: 1 },
          create_object_on_confirm: true, object_metadata: { title: "Clip" }, blob_property: "video", blob_type: "VIDEO",
          file_hash: "a".repeat(64), skip_duplicates: false },
        { filename: "b.jpg", content_type: "image/jpeg" },
      ],
      shared_metadata: { batch: "x" }, shared_object_metadata: { source: "contract" },
    } });
    await api.call("listTasks", { params: {}, query: { limit: 5, offset: 0, include_total: true }, body: {
      status: "PENDING", task_type: "api_buckets_batches_process", search: "btch",
      filters: { AND: [{ field: "status", operator: "eq", value: "PENDING" }] }, sort: { field: "created_at", direction: "desc" },
    } });
    await api.call("listTasks", { params: {}, query: { cursor: "cur_1" } });
    await api.call("killTask", { params: { task_id: canceled.data.task_id! } });
    await api.call("getBatchDiagnostics", { params: { batch_id: emulator.sandbox.batches["oom-gpu-tier"] } });
    await api.call("getBucketHealth", { params: { bucket: BUCKET }, query: { hours: 48 } });
    await api.call("getBucketHealth", { params: { bucket: BUCKET }, query: {} });

    const log = emulator.requests;
    expect(log.every((r) => r.status !== undefined && r.status < 300), JSON.stringify(log.filter((r) => (r.status ?? 500) >= 300))).toBe(true);
    // Every operation with a query or a body is sent here with each of its fields; the others
    // have nothing but their path, which the schema comparison above holds to the spec.
    const sent = new Set(log.map((r) => r.operation));
    const withFields = (Object.keys(OPERATIONS) as Operation[]).filter((op) => "query" in OPERATIONS[op] || "body" in OPERATIONS[op]);
    expect(withFields.filter((op) => !sent.has(op))).toEqual([]);
    for (const request of log) expect(violations(request), `${request.method} ${request.path} ${JSON.stringify(request.body)}`).toEqual([]);
    // The request bodies actually checked against the spec, not vacuously absent.
    const bodies = log.filter((r) => r.body !== undefined).map((r) => r.operation);
    expect(new Set(bodies)).toEqual(new Set([
      "listBatches", "retryDocuments", "retryTier", "healTier", "triggerCollection", "confirmUploads",
      "createBatch", "addBatchObjects", "updateBatch", "submitBatch", "createUploads", "listTasks",
    ]));
    expect(log.filter((r) => r.operation === "resubmitBatch").map((r) => r.query)).toEqual([{ from_tier: "1" }, {}]);
  });
});

describe("the contract check itself can fail", () => {
  const request = (operation: Operation, extra: Partial<RecordedRequest> = {}) => ({
    operation, method: OPERATIONS[operation].method, query: {}, body: undefined as unknown,
    headers: operation === "getTask" ? {} : { "x-namespace": "ns" } as Record<string, string>, ...extra,
  });
  const json = { "content-type": "application/json", "x-namespace": "ns" };

  it("flags the seed's documentation-only retry field and values outside the schema", () => {
    expect(violations(request("retryDocuments", { body: { retry_mode: "all", description: "Retry failed docs" }, headers: json })))
      .toEqual(["body must NOT have additional properties (description)"]);
    expect(violations(request("retryDocuments", { body: { retry_mode: "everything" }, headers: json })).join()).toMatch(/retry_mode/);
    expect(violations(request("retryDocuments", { headers: json }))).toEqual(["the required body is missing"]);
    expect(violations(request("listBatches", { body: { limit: 5000 }, headers: json })).join()).toMatch(/limit must be <= 1000/);
    expect(violations(request("listBatches", { body: { status: "failed" }, headers: json })).join()).toMatch(/status/);
    expect(violations(request("confirmUploads", { body: { confirmations: [] }, headers: json })).join()).toMatch(/fewer than 1/);
    expect(violations(request("confirmUploads", { body: { confirmations: [{ upload_id: "u", size: 1 }] }, headers: json })).join()).toMatch(/size/);
    expect(violations(request("triggerCollection", { body: { object_ids: "obj_1" }, headers: json })).join()).toMatch(/object_ids/);
    expect(violations(request("retryTier", { body: { gpu: true }, headers: json })).join()).toMatch(/gpu/);
    expect(violations(request("healTier", { body: {}, headers: json })).join()).toMatch(/action/);
  });

  it("flags undeclared query parameters, bodies where none is taken and misplaced headers", () => {
    expect(violations(request("getBatchLogs", { query: { tail_lines: "50" } }))).toEqual(["undeclared query parameter tail_lines"]);
    expect(violations(request("resubmitBatch", { body: { from_tier: 1 }, headers: json }))).toContain("a body on an operation that takes none: {\"from_tier\":1}");
    expect(violations(request("cancelBatch", { body: {}, headers: json }))).toHaveLength(2);
    expect(violations(request("cancelJob", { query: { force: "true" } }))).toEqual(["undeclared query parameter force"]);
    expect(violations(request("getTask", { headers: { "x-namespace": "ns" } }))).toEqual(["x-namespace sent where the operation declares none"]);
    expect(violations(request("getBatch", { headers: {} }))).toEqual(["x-namespace missing"]);
    expect(violations(request("listFailedDocuments", { query: { tier_num: "0", collection_id: "c", limit: "5", offset: "0" } }))).toEqual([]);
  });
});
