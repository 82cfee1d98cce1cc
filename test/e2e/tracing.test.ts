// OpenTelemetry traces, sent to a real OTLP/HTTP receiver on loopback: a span per tool call with
// a child span per API request, flushed when the server shuts down (HTTP close, stdio SIGTERM),
// and no argument, id, token or key anywhere in what is exported.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ServerConfig } from "../../src/cli/config.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { startHttpServer } from "../../src/transport/http.js";
import { Logger } from "../../src/util/log.js";
import { CLI, cleanEnv, until } from "./bin.js";

interface Export { at: number; path: string; contentType: string; body: string }
interface Span { name: string; traceId: string; spanId: string; parentSpanId: string; attributes: Record<string, unknown> }

/** An OTLP/HTTP receiver: keeps every POST, answers 200. */
async function receiver() {
  const exports: Export[] = [];
  const http = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => { body += chunk.toString(); });
    req.on("end", () => {
      exports.push({ at: performance.now(), path: req.url ?? "", contentType: req.headers["content-type"] ?? "", body });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, exports, close: () => new Promise<void>((resolve) => http.close(() => resolve())) };
}

/** The spans of OTLP JSON exports, attributes as plain values. */
function spans(exports: Export[]): Span[] {
  type Value = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
  type Json = { resourceSpans: { scopeSpans: { spans: (Omit<Span, "attributes"> & { attributes: { key: string; value: Value }[] })[] }[] }[] };
  return exports.flatMap((e) => (JSON.parse(e.body) as Json).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).map((span) => ({
    ...span,
    attributes: Object.fromEntries(span.attributes.map(({ key, value }) => [key, value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue))])),
  }));
}

let otlp: Awaited<ReturnType<typeof receiver>>;
let emulator: Emulator;
beforeAll(async () => {
  otlp = await receiver();
  emulator = await startEmulator({ port: 0, stepMs: 0 });
});
afterAll(async () => { await otlp.close(); await emulator.close(); });

describe("traces", () => {
  it("HTTP mode: a span per tool call, a child per API request, sent on close, without arguments or keys", async () => {
    otlp.exports.length = 0;
    const apiKey = "sk_tracing_tenant_key";
    const config: ServerConfig = {
      ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "", namespace: undefined, confirm: "token", otlpTracesUrl: `${otlp.url}/v1/traces`,
    };
    const server = await startHttpServer(config, { logger: new Logger([], { stderr: false }) });
    const client = new Client({ name: "tracing-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${apiKey}`, "x-namespace": "sandbox" } } }));
    const bucket = "sandbox-media";
    const batchId = emulator.sandbox.batches["still-running"];
    await client.callTool({ name: "get_batch", arguments: { bucket, batch_id: batchId } });
    await client.callTool({ name: "get_batch", arguments: { bucket, batch_id: "btch_unknown_tracing" } });
    const plan = await client.callTool({ name: "cancel_batch", arguments: { bucket, batch_id: batchId } });
    const token = String((plan.structuredContent as { confirm_token: string }).confirm_token);
    await client.close();
    const closing = performance.now();
    await server.close();

    expect(otlp.exports.length).toBeGreaterThan(0);
    for (const e of otlp.exports) {
      // Sent by the shutdown, not by the batch timer; as JSON to the traces path.
      expect([e.at >= closing, e.path, e.contentType]).toEqual([true, "/v1/traces", "application/json"]);
      for (const secret of [apiKey, bucket, batchId, "btch_", token, emulator.sandbox.namespaceId]) expect(e.body).not.toContain(secret);
    }
    const all = spans(otlp.exports);
    const tools = all.filter((s) => s.name.startsWith("tools/call "));
    expect(tools.map((s) => [s.name, s.attributes["gen_ai.tool.name"], s.attributes["mixpeek.outcome"]])).toEqual([
      ["tools/call get_batch", "get_batch", "done"], ["tools/call get_batch", "get_batch", "error"], ["tools/call cancel_batch", "cancel_batch", "confirmation_required"],
    ]);
    const requests = all.filter((s) => !s.name.startsWith("tools/call "));
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const request of requests) {
      expect(request.name).toMatch(/^mixpeek (getBatch|diagnoseBatch|listFailedDocuments)$/);
      expect(request.attributes["mixpeek.request_id"]).toMatch(/^req_[0-9a-f]{16}$/);
      const parent = tools.find((t) => t.spanId === request.parentSpanId);
      expect(parent?.traceId).toBe(request.traceId);
    }
    // The failed call's one request is the 404.
    const failed = requests.filter((r) => r.parentSpanId === tools[1]!.spanId);
    expect(failed.map((r) => [r.name, r.attributes["http.response.status_code"], r.attributes["http.request.method"]])).toEqual([["mixpeek getBatch", 404, "GET"]]);
    expect(requests.filter((r) => r.parentSpanId === tools[0]!.spanId).map((r) => r.attributes["http.response.status_code"])).toEqual([200]);
  });

  it("stdio: spans are sent when SIGTERM stops the server", async () => {
    otlp.exports.length = 0;
    const transport = new StdioClientTransport({
      command: process.execPath, args: [CLI, "--sandbox"], stderr: "ignore",
      env: { ...cleanEnv(), MIXPEEK_AUDIT_LOG: "off", OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url },
    });
    const client = new Client({ name: "tracing-stdio", version: "1" });
    await client.connect(transport);
    const result = await client.callTool({ name: "list_batches", arguments: { bucket: "sandbox-media", limit: 2 } });
    expect(result.isError).toBeFalsy();
    const closed = new Promise<void>((resolve) => { transport.onclose = resolve; });
    const killed = performance.now();
    process.kill(transport.pid!, "SIGTERM");
    await closed;
    await until(() => (otlp.exports.length ? true : undefined), 5_000, "the spans");
    expect(otlp.exports.every((e) => e.at >= killed && e.path === "/v1/traces")).toBe(true);
    expect(otlp.exports.map((e) => e.body).join("")).not.toContain("sandbox-media");
    const all = spans(otlp.exports);
    const tool = all.find((s) => s.name === "tools/call list_batches");
    expect(tool?.attributes).toMatchObject({ "gen_ai.tool.name": "list_batches", "mixpeek.outcome": "done", "mixpeek.deduplicated": false });
    expect(all.filter((s) => s.parentSpanId === tool!.spanId).map((s) => [s.name, s.attributes["http.response.status_code"]])).toEqual([["mixpeek listBatches", 200]]);
  }, 20_000);
});
