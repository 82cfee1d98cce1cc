// GET /metrics of a real HTTP server after a mixed run through the SDK's client against the
// emulator: exact counters, the API requests exactly as the emulator saw them, the server token,
// and label values only from closed sets (never an id, argument, key or namespace).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { OPERATIONS } from "../../src/api/operations.js";
import type { ServerConfig } from "../../src/cli/config.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { CALL_OUTCOMES, CONFIRMATION_RESULTS } from "../../src/mcp/stages/telemetry.js";
import { startHttpServer, type HttpServer } from "../../src/transport/http.js";
import { Logger } from "../../src/util/log.js";
import { TOOL_NAMES } from "../../tools/index.js";

const SERVER_TOKEN = "server-token-metrics-123";
const API_KEY = "sk_metrics_tenant_key";
let emulator: Emulator;
let server: HttpServer;

beforeAll(async () => {
  // The clock stands still, so a planned target does not change before its token is used.
  emulator = await startEmulator({ port: 0, stepMs: 0 });
  const config: ServerConfig = {
    ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "", namespace: undefined, confirm: "token",
    // One change per batch in the window, so a second, different change is refused.
    budgets: { perBatch: 1, perCredential: 0 },
    http: { ...CATALOGUE_CONFIG.http, authToken: SERVER_TOKEN },
  };
  server = await startHttpServer(config, { logger: new Logger([], { stderr: false }) });
});
afterAll(async () => { await server.close(); await emulator.close(); });

const scrape = (token?: string) => fetch(`${server.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The samples of a Prometheus text exposition (comment lines skipped). */
function samples(text: string): Sample[] {
  return text.split("\n").filter((line) => line && !line.startsWith("#")).map((line) => {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    return { name: match[1]!, labels, value: Number(match[3]) };
  });
}

/** name{labels} → value, for the samples of `name`, keyed by their label values in order. */
const series = (all: Sample[], name: string) =>
  Object.fromEntries(all.filter((s) => s.name === name).map((s) => [Object.values(s.labels).join(","), s.value]));

describe("GET /metrics", () => {
  it("requires the server token, refusing like /mcp does", async () => {
    for (const token of [undefined, "wrong"]) {
      const refused = await scrape(token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await refused.json()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32000, message: "Missing or wrong server token: send Authorization: Bearer <token>." } });
    }
    const ok = await scrape(SERVER_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await ok.text()).toMatch(/^mixpeek_mcp_tool_calls_in_flight 0$/m);
  });

  it("counts a mixed run exactly, with labels from closed sets only", async () => {
    const client = new Client({ name: "metrics-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${SERVER_TOKEN}`, "x-mixpeek-api-key": API_KEY, "x-namespace": "sandbox" } },
    }));
    const { batches } = emulator.sandbox;
    const bucket = "sandbox-media";
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Record<string, unknown> };
    const outcome = (r: { isError?: boolean; structuredContent?: Record<string, unknown> }) => (r.isError ? "error" : r.structuredContent?.["outcome"] ?? "done");
    emulator.clearRequests();

    // Reads: two that succeed (one after a retried 503), one on an unknown id.
    expect(outcome(await call("list_batches", { bucket, limit: 3 }))).toBe("done");
    emulator.faults.inject("getBatch", { kind: "status", status: 503 }, 1);
    expect(outcome(await call("get_batch", { bucket, batch_id: batches["transient-network"] }))).toBe("done");
    expect(outcome(await call("get_batch", { bucket, batch_id: "btch_unknown_metrics" }))).toBe("error");
    // A confirmation asked, applied with its token, replayed (deduplicated), and refused on another target.
    const target = { bucket, batch_id: batches["still-running"] };
    const plan = await call("cancel_batch", target);
    const token = plan.structuredContent?.["confirm_token"];
    expect(outcome(plan)).toBe("confirmation_required");
    const applied = await call("cancel_batch", { ...target, confirm_token: token });
    expect(outcome(applied), JSON.stringify(applied)).toBe("canceled");
    expect((await call("cancel_batch", { ...target, confirm_token: token })).structuredContent).toMatchObject({ outcome: "canceled", deduplicated: true });
    expect(outcome(await call("cancel_batch", { bucket, batch_id: batches["duplicate-jobs"], confirm_token: token }))).toBe("error");
    // A write, its repeat (deduplicated), and another write on the same batch (over its budget).
    const retry = { bucket, batch_id: batches["transient-network"], retry_mode: "transient_only" };
    expect(outcome(await call("retry_failed_documents", retry))).toBe("retrying");
    expect(outcome(await call("retry_failed_documents", retry))).toBe("retrying");
    expect(outcome(await call("retry_failed_documents", { ...retry, retry_mode: "all" }))).toBe("budget_exhausted");
    // A write the API fails with a 500.
    emulator.faults.inject("triggerCollection", { kind: "status", status: 500 }, 1);
    expect(outcome(await call("trigger_collection", { collection: "video-frames" }))).toBe("error");
    await client.close();

    const text = await (await scrape(SERVER_TOKEN)).text();
    const all = samples(text);
    expect(series(all, "mixpeek_mcp_tool_calls_total")).toEqual({
      "list_batches,done": 1, "get_batch,done": 1, "get_batch,error": 1,
      "cancel_batch,confirmation_required": 1, "cancel_batch,canceled": 2, "cancel_batch,error": 1,
      "retry_failed_documents,retrying": 2, "retry_failed_documents,budget_exhausted": 1, "trigger_collection,error": 1,
    });
    expect(series(all, "mixpeek_mcp_confirmations_total")).toEqual({ "cancel_batch,asked": 1, "cancel_batch,accepted": 1, "cancel_batch,refused": 1 });
    expect(series(all, "mixpeek_mcp_deduplicated_calls_total")).toEqual({ cancel_batch: 1, retry_failed_documents: 1 });
    expect(series(all, "mixpeek_mcp_budget_refusals_total")).toEqual({ retry_failed_documents: 1 });
    expect(series(all, "mixpeek_mcp_tool_calls_in_flight")).toEqual({ "": 0 });

    // Every request the emulator answered is counted once, under its operation and status.
    const seen: Record<string, number> = {};
    for (const r of emulator.requests) seen[`${r.operation},${r.status}`] = (seen[`${r.operation},${r.status}`] ?? 0) + 1;
    const requests = series(all, "mixpeek_mcp_api_requests_total");
    expect(requests).toEqual(seen);
    expect(requests).toMatchObject({ "getBatch,503": 1, "getBatch,404": 1, "cancelBatch,200": 1, "retryDocuments,200": 1, "triggerCollection,500": 1 });
    const perOperation: Record<string, number> = {};
    for (const [key, n] of Object.entries(requests)) perOperation[key.split(",")[0]!] = (perOperation[key.split(",")[0]!] ?? 0) + n;
    expect(series(all, "mixpeek_mcp_api_request_duration_seconds_count")).toEqual(perOperation);

    const closed: Record<string, (value: string) => boolean> = {
      tool: (v) => TOOL_NAMES.includes(v),
      outcome: (v) => (CALL_OUTCOMES as readonly string[]).includes(v),
      result: (v) => (CONFIRMATION_RESULTS as readonly string[]).includes(v),
      operation: (v) => v in OPERATIONS,
      status: (v) => /^[1-5]\d\d$|^timeout$|^network$/.test(v),
      le: (v) => v === "+Inf" || Number.isFinite(Number(v)),
    };
    for (const { name, labels } of all) {
      for (const [label, value] of Object.entries(labels)) expect(closed[label]?.(value), `${name} ${label}="${value}"`).toBe(true);
    }
    for (const secret of [API_KEY, SERVER_TOKEN, "sandbox", "btch_", String(token), ...Object.values(batches)]) expect(text).not.toContain(secret);
  });
});
