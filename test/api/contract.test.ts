// Every request the client sends on a route the public spec covers validates against that
// operation's request schema, and carries no query parameter the operation does not declare.
import { afterAll, beforeAll, expect, it } from "vitest";
import { MixpeekClient } from "../../src/api/client.js";
import { MixpeekApi } from "../../src/api/resources.js";
import { ROUTES, type Operation } from "../../src/api/routes.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { compile, spec, specPath } from "../openapi.js";

let emulator: Emulator;
let client: MixpeekClient;
beforeAll(async () => { emulator = await startEmulator({ port: 0 }); client = new MixpeekClient({ baseUrl: emulator.url, apiKey: "k", namespace: "sandbox", timeoutMs: 1000 }); });
afterAll(async () => { await client.close(); await emulator.close(); });

it("sends only what each operation declares", async () => {
  const api = new MixpeekApi(client);
  const b = emulator.sandbox.batches;
  const ref = (id: string) => ({ bucket: "sandbox-media", batch_id: id });
  await api.listBatches("sandbox-media", { status: "FAILED", offset: 0, limit: 10 });
  await api.getBatch(ref(b["healthy-completed"]));
  await api.listFailedDocuments(ref(b["permanent-bad-input"]), { tier_num: 0, collection_id: "col_frames01a2", limit: 5, offset: 1 });
  await api.getBatchLogs(ref(b["oom-gpu-tier"]), { tier_num: 1 });
  await api.retryDocuments(ref(b["transient-network"]), { retry_mode: "transient_only", tier_nums: [0], max_retry_count: 3 });
  const canceled = await api.cancelBatch(ref(b["still-running"]));
  await api.getTask(canceled.data.task_id);
  await api.triggerCollection("video-frames", { include_buckets: ["sandbox-media"], object_ids: ["obj_0001"], source_filters: { AND: [{ field: "status", operator: "eq", value: "new" }] } });
  await api.confirmUploads("sandbox-media", [{ upload_id: "upl_a1b2c3d4e5f6g7h8", etag: "e", file_size_bytes: 1 }]);

  const checked = new Set<Operation>();
  for (const request of emulator.requests) {
    const operation = request.operation!;
    const path = specPath(ROUTES[operation].path);
    if (!path) continue;
    const op = spec.paths[path]![ROUTES[operation].method.toLowerCase()]!;
    const declared = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
    expect(Object.keys(request.query).filter((q) => !declared.includes(q)), `${operation} query`).toEqual([]);
    const bodySchema = op.requestBody?.content["application/json"].schema;
    if (bodySchema) {
      const validate = compile(bodySchema);
      expect(validate(request.body), `${operation}: ${JSON.stringify(validate.errors)}`).toBe(true);
    } else {
      expect(request.body, `${operation} takes no body`).toBeUndefined();
    }
    checked.add(operation);
  }
  expect([...checked].sort()).toEqual(["cancelBatch", "confirmUploads", "getBatch", "getBatchLogs", "getTask", "listBatches", "listFailedDocuments", "retryDocuments", "triggerCollection"]);
});
