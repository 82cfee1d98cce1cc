// Hostile HTTP clients over real sockets: JSON-RPC batches are refused before anything runs,
// clients that send headers or a body too slowly are cut off, and connections are capped. The
// bin is spawned for the defaults; a server in this process with small limits shows each bound
// quickly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import type { ServerConfig } from "../../src/cli/config.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { HTTP_LIMITS, startHttpServer, type HttpLimits, type HttpServer } from "../../src/transport/http.js";
import { Logger } from "../../src/util/log.js";
import { emulatorControl, exitWithin, post, rawSocket, spawnHttpSandbox, toolCall, trickle, until } from "../e2e/bin.js";

const BATCH_REFUSED = {
  jsonrpc: "2.0", id: null,
  error: { code: -32600, message: "JSON-RPC batches are not supported by the protocol versions this server speaks; send one request per POST" },
};

describe("the bin (--http --sandbox) with its default limits", () => {
  let server: Awaited<ReturnType<typeof spawnHttpSandbox>>;
  beforeAll(async () => { server = await spawnHttpSandbox(); });
  afterAll(async () => {
    server.child.kill("SIGTERM");
    if (await exitWithin(server, 12_000) === "still running") server.child.kill("SIGKILL");
  });

  it("refuses a 3,000-entry tools/call batch with one JSON-RPC error and calls the API not once", async () => {
    const control = emulatorControl(server.emulatorUrl);
    await control.clearRequests();
    const batch = Array.from({ length: 3_000 }, (_, i) => toolCall(i + 1, "get_batch", { bucket: "sandbox-media", batch_id: server.batches["healthy-completed"] }));
    const answer = await post(server.url, batch);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual(BATCH_REFUSED);
    expect(await control.requests()).toEqual([]);
  });

  it("refuses a batch of two writes that share an id, sending nothing", async () => {
    const control = emulatorControl(server.emulatorUrl);
    await control.clearRequests();
    const args = (name: string) => ({ bucket: "sandbox-media", batch_id: server.batches[name], retry_mode: "transient_only" });
    const answer = await post(server.url, [toolCall(7, "retry_failed_documents", args("transient-network")), toolCall(7, "retry_failed_documents", args("permanent-bad-input"))]);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual(BATCH_REFUSED);
    expect(await control.requests()).toEqual([]);
    // One request per POST still works.
    const single = await post(server.url, toolCall(8, "get_batch", { bucket: "sandbox-media", batch_id: server.batches["healthy-completed"] }));
    expect(single.json().result.structuredContent.batch_id).toBe(server.batches["healthy-completed"]);
  });

  it("closes a client that trickles its headers after 10 s, with 408", async () => {
    const { socket, closed } = await rawSocket(server.url);
    const started = performance.now();
    socket.write(`POST /mcp HTTP/1.1\r\nhost: ${new URL(server.url).host}\r\n`);
    const timer = setInterval(() => { if (!socket.destroyed) socket.write(`x-slow-${Math.random().toString(36).slice(2)}: 1\r\n`); }, 500);
    const received = await closed;
    clearInterval(timer);
    const elapsed = performance.now() - started;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(elapsed).toBeGreaterThan(HTTP_LIMITS.headersTimeoutMs - 1_000);
    expect(elapsed).toBeLessThan(HTTP_LIMITS.headersTimeoutMs + 2_500);
  }, 20_000);
});

describe("a server with small limits", () => {
  let emulator: Emulator;
  let open: HttpServer | undefined;
  beforeAll(async () => { emulator = await startEmulator({ port: 0 }); });
  afterAll(async () => { await emulator.close(); });
  afterEach(async () => { await open?.close(); open = undefined; emulator.faults.clear(); });

  const start = async (limits: Partial<HttpLimits>) => {
    const config: ServerConfig = {
      ...CATALOGUE_CONFIG, transport: "http", apiUrl: emulator.url, apiKey: "sk_test_hardening", namespace: emulator.sandbox.namespaceId, timeoutMs: 5_000,
    };
    open = await startHttpServer(config, { logger: new Logger([], { stderr: false }), limits });
    return open.url;
  };

  it("closes a client whose body does not arrive within the request timeout, with 408", async () => {
    const url = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const started = performance.now();
    const slow = await trickle(url, 200);
    const received = await slow.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(3_500);
  });

  it("lets a call run longer than the request timeout once its request has arrived", async () => {
    const url = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 2_500 });
    const answer = await post(url, toolCall(1, "get_batch", { bucket: "sandbox-media", batch_id: emulator.sandbox.batches["healthy-completed"] }));
    expect(answer.status).toBe(200);
    expect(answer.json().result.structuredContent.batch_id).toBe(emulator.sandbox.batches["healthy-completed"]);
  });

  it("closes connections over the cap at once and accepts again when one is freed", async () => {
    const url = await start({ maxConnections: 4 });
    const health = async () => {
      const { socket, closed } = await rawSocket(url);
      socket.write(`GET /healthz HTTP/1.1\r\nhost: ${new URL(url).host}\r\nconnection: close\r\n\r\n`);
      return closed;
    };
    const held = await Promise.all(Array.from({ length: 4 }, () => rawSocket(url)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await health()).toBe("");
    held[0]!.socket.destroy();
    await held[0]!.closed;
    expect(await until(async () => { const text = await health(); return text ? text : undefined; }, 3_000, "a freed slot")).toMatch(/^HTTP\/1\.1 200/);
    for (const h of held) h.socket.destroy();
  });
});
