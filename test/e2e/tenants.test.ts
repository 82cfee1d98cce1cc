// Two tenants on one HTTP server against one API, each with its own key and namespace (sent per
// request, behind the server token). Tenant A changes things; tenant B then tries every tool,
// resource, resource template completion and prompt, aimed at A's batches, and learns nothing of
// A: no batch id, key, namespace, bucket or collection id that B did not send itself. A third
// caller in A's namespace with another key shares the API's data but none of the server's own
// memory of A (audit, recent actions, duplicate window).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isNamespaced } from "../../src/api/operations.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { toolListing } from "../../src/mcp/tool.js";
import { startHttpServer, type HttpServer } from "../../src/transport/http.js";
import { Logger } from "../../src/util/log.js";
import { TOOLS } from "../../tools/index.js";
import { argumentsFor } from "../tool-arguments.js";

const SERVER_TOKEN = "server-token-tenants-0123";
const A = { key: "sk_live_tenantA_9d8c7b6a5f4e3d2c1b0a", namespace: "ns_5b7c2d9e1f" };
const B = { key: "sk_live_tenantB_1a2b3c4d5e6f7a8b9c0d", namespace: "ns_tenant_bravo" };
const C = { key: "sk_live_tenantC_0f1e2d3c4b5a69788796", namespace: A.namespace };

let emulator: Emulator;
let server: HttpServer;
let auditPath: string;
const logs: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  auditPath = join(mkdtempSync(join(tmpdir(), "mixpeek-tenants-")), "audit.jsonl");
  const logger = new Logger([], { stderr: false });
  logger.addSink((level, message) => logs.push(`${level}: ${message}`));
  server = await startHttpServer({
    ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "", namespace: undefined, confirm: "token", pollIntervalMs: 20,
    auditLog: auditPath, http: { ...CATALOGUE_CONFIG.http, authToken: SERVER_TOKEN },
  }, { logger });
});
afterAll(async () => { await server?.close(); await emulator?.close(); });

async function connect(tenant: { key: string; namespace: string }): Promise<Client> {
  const client = new Client({ name: "tenant", version: "1" });
  const headers = { authorization: `Bearer ${SERVER_TOKEN}`, "x-mixpeek-api-key": tenant.key, "x-namespace": tenant.namespace };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
  return client;
}

type Structured = Record<string, any>;
const contentText = (c: { text: string } | { blob: string } | undefined) => (c && "text" in c ? c.text : "");
const structured = (r: unknown) => ((r as { structuredContent?: Structured }).structuredContent ?? {});

it("tenant B sees nothing of tenant A through any tool, resource, completion or prompt", async () => {
  const a = await connect(A);
  const bucket = emulator.sandbox.bucketName;
  const ids = emulator.sandbox.batches;

  // Tenant A: writes of every kind, one confirmed cancel, and a new batch.
  const retried = await a.callTool({ name: "retry_failed_documents", arguments: { bucket, batch_id: ids["transient-network"], retry_mode: "transient_only" } });
  expect(structured(retried)["outcome"]).toBe("retrying");
  expect(structured(await a.callTool({ name: "retry_tier", arguments: { bucket, batch_id: ids["oom-gpu-tier"], tier_num: 1, memory_bytes: 17179869184 } }))["outcome"]).toBeDefined();
  const plan = structured(await a.callTool({ name: "cancel_batch", arguments: { bucket, batch_id: ids["still-running"] } }));
  expect(plan["outcome"]).toBe("confirmation_required");
  const canceled = await a.callTool({ name: "cancel_batch", arguments: { bucket, batch_id: ids["still-running"], confirm_token: plan["confirm_token"] } });
  expect(canceled.isError).toBeFalsy();
  const triggered = structured(await a.callTool({ name: "trigger_collection", arguments: { collection: "video-frames" } }));
  expect(triggered["outcome"]).toBe("triggered");
  const aAudit = await a.readResource({ uri: "mixpeek://audit/recent" });
  // A sees its own changes: the check below on B is not vacuous.
  expect(JSON.stringify(aAudit)).toContain(ids["still-running"]);

  // What B must never learn. Ids B sends itself it may see echoed; nothing else of A's.
  const aBatchIds = [...new Set([...Object.values(ids), String(triggered["batch_id"])])];
  const secrets = [A.key, A.key.slice(0, 12), A.key.slice(-12), A.namespace, emulator.sandbox.bucketId, ...emulator.sandbox.collections.map((c) => c.id), ...aBatchIds];
  if (typeof triggered["task_id"] === "string") secrets.push(triggered["task_id"]);
  let answers = 0;
  /** Everything B has sent so far: B may see it again (echoed arguments, its own audit entries). */
  const sentByB = new Set<string>();
  /** What A's own calls created: A's task (and its batch), which no other key may see. */
  const createdByA = [A.key, A.key.slice(0, 12), A.key.slice(-12), String(triggered["batch_id"]), String(triggered["task_id"])];
  const expectNothingOfA = (what: string, sent: unknown, answer: unknown, onlyCreated = false) => {
    let text = JSON.stringify(answer);
    if (onlyCreated) {
      for (const secret of createdByA) expect(text, `${what} shows tenant A's ${secret}`).not.toContain(secret);
      answers++;
      return;
    }
    for (const value of JSON.stringify(sent ?? {}).match(/[A-Za-z0-9_-]{8,}/g) ?? []) sentByB.add(value);
    // Strip what B sent, then look for anything of A's.
    for (const value of sentByB) text = text.split(value).join("<sent>");
    for (const secret of secrets) expect(text, `${what} shows tenant A's ${secret}`).not.toContain(secret);
    answers++;
  };
  const b = await connect(B);
  const ask = async <T>(what: string, sent: unknown, request: () => Promise<T>, onlyCreated = false) => {
    const answer = await request().catch((error: Error) => ({ error: error.message }));
    expectNothingOfA(what, sent, answer, onlyCreated);
    return answer;
  };

  // Every tool, aimed at each of A's batches (B has neither the bucket nor the batches).
  await ask("tools/list", {}, () => b.listTools());
  const targets = [ids["transient-network"], ids["still-running"], ids["oom-gpu-tier"], String(triggered["batch_id"])];
  for (const tool of TOOLS) {
    const properties = Object.keys(toolListing(tool).inputSchema.properties ?? {});
    for (const batchId of properties.includes("batch_id") ? targets : [undefined]) {
      const args = argumentsFor(tool, {
        bucket, batch_id: batchId, tier_num: 1, ray_job_id: "raysubmit_guess", task_id: "5f0c7d1e-0000-4000-8000-000000000000",
        collection: "video-frames", confirmations: [{ upload_id: "upl_guess" }], timeout_seconds: 1,
      });
      // Task operations take no namespace: the API scopes tasks by the key's organisation. The
      // emulator shows a key its own tasks and the sandbox's seeded ones (public sandbox data,
      // which A's namespace happens to be), so for these B must see nothing A created.
      const taskLevel = tool.operations.every((operation) => !isNamespaced(operation));
      const r = await ask(`${tool.name} ${JSON.stringify(args)}`, args, () => b.callTool({ name: tool.name, arguments: args }), taskLevel);
      // B's namespace has none of A's batches: a call aimed at one is refused or not found.
      if (batchId) expect((r as { isError?: boolean }).isError || ["refused", undefined].includes(structured(r)["outcome"]), tool.name).toBe(true);
    }
  }

  // Resources: the list, every listed resource, the templates and A's batches through them.
  const listed = await b.listResources();
  expectNothingOfA("resources/list", {}, listed);
  for (const resource of listed.resources) await ask(`read ${resource.uri}`, {}, () => b.readResource({ uri: resource.uri }));
  // B's audit holds only B's own attempts: B's namespace, none of A's calls.
  const bAudit = JSON.parse(contentText((await b.readResource({ uri: "mixpeek://audit/recent" })).contents[0])) as { entries: { namespace?: string; tool: string }[] };
  expect(bAudit.entries.length).toBeGreaterThan(0);
  expect(bAudit.entries.filter((e) => e.namespace !== B.namespace)).toEqual([]);
  expect(bAudit.entries.some((e) => e.tool === "trigger_collection" && JSON.stringify(e).includes(String(triggered["batch_id"])))).toBe(false);
  const templates = await ask("resources/templates/list", {}, () => b.listResourceTemplates());
  expect(JSON.stringify(templates)).toContain("{batch_id}");
  for (const batchId of targets) {
    for (const uri of [`mixpeek://buckets/${bucket}/batches/${batchId}`, `mixpeek://buckets/${bucket}/batches/${batchId}/diagnosis`]) {
      await ask(`read ${uri}`, { uri }, () => b.readResource({ uri }));
    }
  }

  // Completion of batch ids, for both templates and the prompt, from every prefix of A's ids.
  for (const value of ["", "b", "btch_", ids["transient-network"].slice(0, 8)]) {
    for (const ref of [
      { type: "ref/resource" as const, uri: "mixpeek://buckets/{bucket}/batches/{batch_id}" },
      { type: "ref/resource" as const, uri: "mixpeek://buckets/{bucket}/batches/{batch_id}/diagnosis" },
      { type: "ref/prompt" as const, name: "triage-batch" },
    ]) {
      const completion = await ask(`complete ${JSON.stringify(ref)} ${value}`, { value }, () =>
        b.complete({ ref, argument: { name: "batch_id", value }, context: { arguments: { bucket } } }));
      expect((completion as { completion?: { values: string[] } }).completion?.values, JSON.stringify(ref)).toEqual([]);
    }
  }
  await ask("complete bucket", {}, () => b.complete({ ref: { type: "ref/resource", uri: "mixpeek://buckets/{bucket}/batches/{batch_id}" }, argument: { name: "bucket", value: "" } }));

  // Prompts: the list, and each prompt with A's batch id.
  const prompts = await ask("prompts/list", {}, () => b.listPrompts());
  expect((prompts as { prompts: unknown[] }).prompts.length).toBeGreaterThan(0);
  for (const batchId of targets) {
    const args = { bucket, batch_id: batchId };
    await ask(`prompt triage-batch ${batchId}`, args, () => b.getPrompt({ name: "triage-batch", arguments: args }));
  }
  await ask("prompt batch-health-report", { bucket }, () => b.getPrompt({ name: "batch-health-report", arguments: { bucket } }));
  expect(answers).toBeGreaterThan(TOOLS.length * 2);

  // B's requests reached the API only with B's own key and namespace.
  const bRequests = emulator.requests.filter((r) => r.namespace === B.namespace);
  expect(bRequests.length).toBeGreaterThan(TOOLS.length);
  expect(emulator.requests.filter((r) => r.namespace !== A.namespace && r.namespace !== B.namespace && (!r.operation || isNamespaced(r.operation)))).toEqual([]);

  // Nothing on the server's own channels names A's key.
  for (const line of [...readFileSync(auditPath, "utf8").split("\n"), ...logs]) {
    for (const key of [A.key, B.key]) expect(line).not.toContain(key.slice(4, 20));
  }
  await a.close();
  await b.close();
});

it("a caller in A's namespace with another key shares the API's data but not the server's memory of A", async () => {
  const a = await connect(A);
  const c = await connect(C);
  const bucket = emulator.sandbox.bucketName;
  const ref = { bucket, batch_id: emulator.sandbox.batches["permanent-bad-input"] };
  const args = { ...ref, retry_mode: "all" };
  const first = structured(await a.callTool({ name: "retry_failed_documents", arguments: args }));
  expect(first["outcome"]).toBeDefined();
  expect(JSON.stringify(await a.readResource({ uri: "mixpeek://audit/recent" }))).toContain(ref.batch_id);

  // The same write from C within the duplicate window is C's own call, not A's answer replayed.
  const sentBefore = emulator.requests.filter((r) => r.operation === "retryDocuments").length;
  const repeat = structured(await c.callTool({ name: "retry_failed_documents", arguments: args }));
  expect(repeat["deduplicated"]).toBeUndefined();
  expect(emulator.requests.filter((r) => r.operation === "retryDocuments").length).toBe(sentBefore + 1);

  // C's audit and C's recent actions hold only C's call; A's answer text never reaches C.
  const cAudit = JSON.parse(contentText((await c.readResource({ uri: "mixpeek://audit/recent" })).contents[0])) as { entries: { tool: string }[] };
  expect(cAudit.entries).toHaveLength(1);
  const aAudit = JSON.parse(contentText((await a.readResource({ uri: "mixpeek://audit/recent" })).contents[0])) as { entries: unknown[] };
  expect(aAudit.entries.length).toBeGreaterThan(cAudit.entries.length);
  const diagnosis = structured(await c.callTool({ name: "diagnose_batch", arguments: ref }));
  expect((diagnosis["recent_actions"] ?? []).length).toBeLessThanOrEqual(1);
  const everything = JSON.stringify([cAudit, diagnosis, repeat]);
  expect(everything).not.toContain(A.key.slice(4, 20));
  expect(everything).not.toContain(A.key.slice(-12));
  await a.close();
  await c.close();
});
