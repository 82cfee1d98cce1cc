// Stateless HTTP shares one server among the requests of a credential: the answers must still
// reach their own request, one client's capabilities must not leak to another, and a server
// dropped from the cache must still finish the calls it runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { createRuntime } from "../../src/mcp/runtime.js";
import type { ServerConfig } from "../../src/cli/config.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { startHttpServer, type HttpServer } from "../../src/transport/http.js";
import { JsonExchange } from "../../src/transport/json-exchange.js";
import { SharedServers } from "../../src/transport/shared-servers.js";
import { Logger } from "../../src/util/log.js";
import { requestsFor } from "../harness.js";

let emulator: Emulator;
let server: HttpServer;
const quiet = () => new Logger([], { stderr: false });
const config = (): ServerConfig => ({
  ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "", namespace: undefined, confirm: "elicit", pollIntervalMs: 20,
});
const credentials = { authorization: "Bearer sk_shared_0123456789", "x-namespace": "sandbox" };

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  server = await startHttpServer(config(), { logger: quiet() });
});
afterAll(async () => { await server.close(); await emulator.close(); });

const getBatch = (batchId: string) => ({
  jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: batchId } },
});

async function post(body: unknown) {
  const response = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: { ...credentials, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() as { id: unknown; result?: { structuredContent?: { batch_id?: string } } } };
}

describe("servers shared by the requests of one credential", () => {
  it("answers concurrent requests that all carry id 1 each with its own result", async () => {
    const ids = Object.values(emulator.sandbox.batches);
    expect(ids.length).toBeGreaterThanOrEqual(8);
    const answers = await Promise.all(ids.map((id) => post(getBatch(id))));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(answers.map((a) => a.body.id)).toEqual(ids.map(() => 1));
    expect(answers.map((a) => a.body.result?.structuredContent?.batch_id)).toEqual(ids);
  });

  it("asks a client that cannot elicit for a confirm_token, even after a client that can has initialized", async () => {
    let elicited = 0;
    const connect = async (elicitation: boolean) => {
      const client = new Client({ name: "shared-test", version: "1" }, { capabilities: elicitation ? { elicitation: {} } : {} });
      if (elicitation) client.setRequestHandler(ElicitRequestSchema, async () => { elicited++; return { action: "accept", content: { confirm: true } }; });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: credentials } }));
      return client;
    };
    const cannot = await connect(false);
    const canElicit = await connect(true);
    const args = { bucket: "sandbox-media", batch_id: emulator.sandbox.batches["stuck-tier"] };
    const result = await cannot.callTool({ name: "cancel_batch", arguments: args });
    expect((result.structuredContent as { outcome: string }).outcome).toBe("confirmation_required");
    expect(elicited).toBe(0);
    expect(requestsFor(emulator, "cancelBatch")).toHaveLength(0);
    await Promise.all([canElicit.close(), cannot.close()]);
  });

  it("keeps the servers of the most recent credentials, and a dropped server still finishes its call", async () => {
    const built: string[] = [];
    const servers = new SharedServers(2, (apiKey, namespace) => {
      built.push(apiKey);
      return createRuntime({ ...config(), apiKey, namespace }, { logger: quiet() });
    });
    const first = await servers.exchange("sk_first_0123456789", "sandbox");
    const inFlight = first.exchange(getBatch(emulator.sandbox.batches["healthy-completed"]) as never);
    await servers.exchange("sk_second_0123456789", "sandbox");
    await servers.exchange("sk_first_0123456789", "sandbox");
    await servers.exchange("sk_third_0123456789", "sandbox"); // drops the second, used least recently
    await servers.exchange("sk_first_0123456789", "sandbox");
    await servers.exchange("sk_second_0123456789", "sandbox"); // built again, drops the first
    expect(built).toEqual(["sk_first_0123456789", "sk_second_0123456789", "sk_third_0123456789", "sk_second_0123456789"]);
    const answer = await inFlight as unknown as { id: number; result: { structuredContent: { status: string } } };
    expect(answer.id).toBe(1);
    expect(answer.result.structuredContent.status).toBe("COMPLETED");
  });

  it("builds a server again after building it failed, and never drops the one that replaced it", async () => {
    let builds = 0;
    const servers = new SharedServers(1, (apiKey, namespace) => {
      if (++builds === 1) throw new Error("could not build");
      return createRuntime({ ...config(), apiKey, namespace }, { logger: quiet() });
    });
    const failed = servers.exchange("sk_first_0123456789", "sandbox");
    // Before the failure is seen: another credential drops it, and it is built again (and works).
    void servers.exchange("sk_second_0123456789", "sandbox");
    const rebuilt = servers.exchange("sk_first_0123456789", "sandbox");
    await expect(failed).rejects.toThrow("could not build");
    expect(await servers.exchange("sk_first_0123456789", "sandbox")).toBe(await rebuilt);
    expect(builds).toBe(3);

    const again = new SharedServers(2, (apiKey, namespace) => {
      if (++builds === 4) throw new Error("could not build");
      return createRuntime({ ...config(), apiKey, namespace }, { logger: quiet() });
    });
    await expect(again.exchange("sk_first_0123456789", "sandbox")).rejects.toThrow("could not build");
    const answer = await (await again.exchange("sk_first_0123456789", "sandbox")).exchange(getBatch(emulator.sandbox.batches["healthy-completed"]) as never);
    expect((answer as unknown as { result: { structuredContent: { status: string } } }).result.structuredContent.status).toBe("COMPLETED");
    expect(builds).toBe(5);
  });

  it("refuses a body that is neither a request nor a notification (a response, a bare object)", async () => {
    for (const body of [{ jsonrpc: "2.0", id: 1, result: {} }, { hello: "world" }]) {
      const response = await fetch(`${server.url}/mcp`, {
        method: "POST", headers: { ...credentials, "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain("must be a JSON-RPC request or notification");
    }
  });
});

describe("JsonExchange", () => {
  const connected = async () => {
    const runtime = createRuntime({ ...config(), apiKey: "sk_exchange_0123456789", namespace: "sandbox" }, { logger: quiet() });
    const exchange = new JsonExchange();
    await runtime.server.connect(exchange);
    return { runtime, exchange };
  };
  const pending = Symbol("pending");
  const settledWithin = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<typeof pending>((resolve) => setTimeout(() => resolve(pending), ms))]);

  it("answers a notification with nothing at once, and hands it to the server", async () => {
    const { runtime, exchange } = await connected();
    const seen: string[] = [];
    const deliver = exchange.onmessage!;
    exchange.onmessage = (message, extra) => { seen.push((message as { method?: string }).method ?? "?"); deliver(message, extra); };
    expect(await settledWithin(exchange.exchange({ jsonrpc: "2.0", method: "notifications/initialized" }), 1_000)).toBeUndefined();
    expect(seen).toEqual(["notifications/initialized"]);
    await runtime.close();
  });

  it("gives a request its answer, not a request the server sends meanwhile with the same id", async () => {
    const { runtime, exchange } = await connected();
    const answer = exchange.exchange(getBatch(emulator.sandbox.batches["healthy-completed"]) as never);
    // The server's own requests count their ids from 0: the second carries the id our request got (1).
    const pings = [runtime.server.server.ping(), runtime.server.server.ping()].map((p) => p.catch(() => undefined));
    const result = await answer as unknown as { id: number; result?: { structuredContent: { status: string } } };
    expect(result.id).toBe(1);
    expect(result.result?.structuredContent.status).toBe("COMPLETED");
    await runtime.close();
    await Promise.all(pings);
  });

  it("tells the server it is closed, and closes without one", async () => {
    const { runtime } = await connected();
    expect(runtime.server.isConnected()).toBe(true);
    await runtime.close();
    expect(runtime.server.isConnected()).toBe(false);
    await expect(new JsonExchange().close()).resolves.toBeUndefined();
  });
});
