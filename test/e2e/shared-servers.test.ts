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
});
