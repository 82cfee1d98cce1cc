// Streamable HTTP over real sockets with the SDK's own client: tools, per-request credentials,
// DNS-rebinding protection, the server token, health, and a graceful SIGTERM.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import type { ServerConfig } from "../../src/cli/config.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { startHttpServer, type HttpServer } from "../../src/transport/http.js";
import { Logger } from "../../src/util/log.js";
import { TOOL_NAMES } from "../../tools/index.js";

let emulator: Emulator;
let open: HttpServer;
let guarded: HttpServer;
const config = (overrides: Partial<ServerConfig["http"]> = {}): ServerConfig => ({
  ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "", namespace: undefined, confirm: "token", pollIntervalMs: 20,
  http: { ...CATALOGUE_CONFIG.http, ...overrides },
});

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  open = await startHttpServer(config(), { logger: new Logger([], { stderr: false }) });
  guarded = await startHttpServer(config({ authToken: "server-token-123" }), { logger: new Logger([], { stderr: false }) });
});
afterAll(async () => { await open.close(); await guarded.close(); await emulator.close(); });

async function connect(url: string, headers: Record<string, string>) {
  const client = new Client({ name: "http-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

function raw(url: string, path: string, headers: Record<string, string>, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on("error", reject);
    req.end(method === "POST" ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) : undefined);
  });
}

describe("HTTP mode", () => {
  it("lists and calls tools with the client's own key and namespace", async () => {
    const client = await connect(open.url, { authorization: "Bearer sk_tenant_a", "x-namespace": "sandbox" });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    const r = await client.callTool({ name: "list_batches", arguments: { bucket: "sandbox-media", limit: 3 } });
    expect((r.structuredContent as { total_count: number }).total_count).toBeGreaterThanOrEqual(10);
    await client.close();
  });

  it("keeps tenants apart: another namespace sees none of the sandbox's batches", async () => {
    const a = await connect(open.url, { authorization: "Bearer sk_tenant_a", "x-namespace": "sandbox" });
    const b = await connect(open.url, { authorization: "Bearer sk_tenant_b", "x-namespace": "ns_tenant_b" });
    const args = { bucket: "sandbox-media", batch_id: emulator.sandbox.batches["transient-network"], retry_mode: "transient_only" };
    const [ra, rb] = [await a.callTool({ name: "retry_failed_documents", arguments: args }), await b.callTool({ name: "retry_failed_documents", arguments: args })];
    expect((ra.structuredContent as { outcome: string }).outcome).toBe("retrying");
    expect(rb.isError).toBe(true);
    expect((rb.content as { text: string }[])[0]!.text).toMatch(/HTTP 404[\s\S]*ns_tenant_b/);
    const namespaces = emulator.requests.filter((r) => r.operation === "retryDocuments").map((r) => r.namespace);
    expect(namespaces).toEqual(["sandbox", "ns_tenant_b"]);
    await a.close();
    await b.close();
  });

  it("streams progress notifications of wait_for_batch over HTTP", async () => {
    const client = await connect(open.url, { authorization: "Bearer k", "x-namespace": "sandbox" });
    const triggered = await client.callTool({ name: "trigger_collection", arguments: { collection: "video-frames" } });
    const progress: number[] = [];
    const result = await client.callTool(
      { name: "wait_for_batch", arguments: { bucket: "sandbox-media", batch_id: (triggered.structuredContent as { batch_id: string }).batch_id } },
      undefined, { onprogress: (p) => { progress.push(p.progress); } },
    );
    expect((result.structuredContent as { status: string }).status).toBe("COMPLETED");
    expect(progress.length).toBeGreaterThan(1);
    await client.close();
  });

  it("answers /healthz and refuses bad Host and Origin with 403", async () => {
    const port = new URL(open.url).port;
    expect(await raw(open.url, "/healthz", {})).toBe(200);
    expect(await raw(open.url, "/healthz", { host: `evil.example:${port}` })).toBe(403);
    expect(await raw(open.url, "/mcp", { origin: "https://evil.example", "content-type": "application/json", accept: "application/json, text/event-stream" }, "POST")).toBe(403);
    expect(await raw(open.url, "/mcp", { origin: `http://localhost:${port}`, authorization: "Bearer k", "x-namespace": "sandbox", "content-type": "application/json", accept: "application/json, text/event-stream" }, "POST")).toBe(200);
  });

  it("requires the server token when one is configured", async () => {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "x-namespace": "sandbox", "x-mixpeek-api-key": "sk_x" };
    expect(await raw(guarded.url, "/mcp", headers, "POST")).toBe(401);
    expect(await raw(guarded.url, "/mcp", { ...headers, authorization: "Bearer wrong" }, "POST")).toBe(401);
    const client = await connect(guarded.url, { ...headers, authorization: "Bearer server-token-123" });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    await client.close();
  });

  it("answers JSON-RPC on the fast path: 202 for a notification, 400 for an unknown protocol version", async () => {
    const post = (body: unknown, extra: Record<string, string> = {}) => fetch(`${open.url}/mcp`, {
      method: "POST", body: JSON.stringify(body),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer k", "x-namespace": "sandbox", ...extra },
    });
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    const ping = await post({ jsonrpc: "2.0", id: 7, method: "ping" });
    expect(await ping.json()).toEqual({ jsonrpc: "2.0", id: 7, result: {} });
    expect((await post({ jsonrpc: "2.0", id: 8, method: "ping" }, { "mcp-protocol-version": "1999-01-01" })).status).toBe(400);
    expect((await post({ hello: "world" })).status).toBe(400);
  });

  it("refuses a body over the limit", async () => {
    const big = await fetch(`${open.url}/mcp`, {
      method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer k", "x-namespace": "sandbox" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(2 * 1024 * 1024) } }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get("connection")).toBe("close");
  });
});

describe("the CLI in HTTP mode", () => {
  it("lets an in-flight wait_for_batch finish on SIGTERM, then exits", async () => {
    const cli = new URL("../../dist/mixpeek-batch-mcp.mjs", import.meta.url).pathname;
    const child = spawn(process.execPath, [cli, "--http", "--sandbox", "--port", "0"], {
      env: { PATH: process.env.PATH ?? "", MIXPEEK_POLL_INTERVAL_MS: "100", MIXPEEK_AUDIT_LOG: "off" }, stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const url = await new Promise<string>((resolve) => {
      const timer = setInterval(() => { const m = /listening on (http:\/\/\S+)\/mcp/.exec(stderr); if (m) { clearInterval(timer); resolve(m[1]!); } }, 20);
    });
    const client = await connect(url, {});
    const trigger = await client.callTool({ name: "trigger_collection", arguments: { collection: "video-frames" } });
    const batchId = (trigger.structuredContent as { batch_id: string }).batch_id;
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const waiting = client.callTool({ name: "wait_for_batch", arguments: { bucket: "sandbox-media", batch_id: batchId, timeout_seconds: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    child.kill("SIGTERM");
    const result = await waiting;
    expect((result.structuredContent as { status: string }).status).toBe("COMPLETED");
    expect(await exited).toBe(0);
  }, 30_000);
});
