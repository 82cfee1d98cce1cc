// Streamable HTTP for shared deployments. Stateless: no request relies on an earlier one (no
// sessions), so any number of replicas can sit behind any load balancer; the requests of one
// credential share a server bound to it (shared-servers.ts). What must outlive a request
// (connection pool, confirmation secret, duplicate window, used tokens, audit and incident
// memory, budgets) is shared in-process, or across replicas with MIXPEEK_CONFIRM_SECRET and
// MIXPEEK_REDIS_URL (safety/state.ts).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SUPPORTED_PROTOCOL_VERSIONS, isJSONRPCRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Dispatcher } from "undici";
import { observeRequests } from "../api/trace.js";
import { isLoopback, type ServerConfig } from "../cli/config.js";
import { ConfirmationTokens, safeEqual } from "../safety/confirm.js";
import { openSharedState } from "../safety/state.js";
import { JsonExchange, asMessage } from "./json-exchange.js";
import { SharedServers } from "./shared-servers.js";
import type { Logger } from "../util/log.js";
import { BodyTooLargeError, readBody } from "./read-body.js";
import type { SandboxInfo } from "../mcp/server.js";
import type { Metrics } from "../telemetry/metrics.js";
import { VERSION } from "../util/version.js";

const MAX_BODY_BYTES = 1024 * 1024;
/** Credentials whose server is kept between requests; more clients than that rebuild servers. */
const SHARED_SERVERS = 64;

/** What a slow or greedy client can hold. */
export interface HttpLimits {
  /** All headers must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  /** Open sockets at most; further connections are closed at once. */
  maxConnections: number;
  /** On close (SIGTERM), how long calls in flight may take before every socket is closed. */
  shutdownGraceMs: number;
}

export const HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 256, shutdownGraceMs: 10_000 };

export interface HttpServer { url: string; close(): Promise<void> }

export async function startHttpServer(
  config: ServerConfig,
  options: { logger: Logger; sandbox?: SandboxInfo | undefined; limits?: Partial<HttpLimits> },
): Promise<HttpServer> {
  const { logger } = options;
  const limits = { ...HTTP_LIMITS, ...options.limits };
  const state = await openSharedState(config, logger);
  const shared = { logger, sandbox: options.sandbox, tokens: ConfirmationTokens.fromSecret(config.confirmSecret, state.usedTokens), state };
  /** The server proper, the SSE transport and the connection pool, loaded by the first MCP
   * request: an idle replica holds none of them. */
  let dispatcher: Dispatcher | undefined;
  let loading: ReturnType<typeof load> | undefined;
  /** Metrics, loaded by the first MCP request or scrape; traces only with an OTLP endpoint. */
  let metrics: Metrics | undefined;
  let loadingMetrics: Promise<Metrics> | undefined;
  const loadMetrics = () => (loadingMetrics ??= import("../telemetry/metrics.js").then((m) => (metrics = new m.Metrics())));
  const tracing = config.otlpTracesUrl ? new (await import("../telemetry/tracing.js")).Tracing(config.otlpTracesUrl) : undefined;
  async function load() {
    const [{ createRuntime }, { StreamableHTTPServerTransport }, { connectionPool }, meter] = await Promise.all([
      import("../mcp/runtime.js"), import("@modelcontextprotocol/sdk/server/streamableHttp.js"), import("../api/client.js"), loadMetrics(),
    ]);
    const pool = dispatcher = connectionPool(config.timeoutMs);
    const runtimeOptions = { ...shared, dispatcher: pool, telemetry: tracing ? [meter, tracing] : [meter] };
    const servers = new SharedServers(SHARED_SERVERS, (apiKey, namespace) => createRuntime({ ...config, apiKey, namespace }, runtimeOptions));
    return { createRuntime, StreamableHTTPServerTransport, runtimeOptions, servers };
  }
  const { host, authToken } = config.http;
  /** Requests whose body has arrived and whose answer has not yet gone: the calls a shutdown waits for.
   * A client still sending its body holds no call, so a trickling client never delays a shutdown. */
  let calls = 0;
  let onIdle: (() => void) | undefined;
  let closing = false;
  let allowedHosts: Set<string> = new Set();
  let allowedOrigins: Set<string> = new Set();

  const http = createHttpServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // How often Node checks those two timeouts; its default (30 s) would let a slow client stay up to twice as long.
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  }, (req, res) => {
    // Every API request a message leads to is counted, whatever makes it (tool, resource, completion).
    observeRequests((exchange) => metrics?.api(exchange), () => handle(req, res)).catch((error: unknown) => {
      logger.error(`HTTP request failed: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
      else res.end();
    });
  });

  http.maxConnections = limits.maxConnections;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (closing) {
      res.setHeader("connection", "close");
      return reply(res, 503, rpcError("The server is shutting down; send the request again to another replica or once it is back."));
    }
    // DNS rebinding: a page on another site must not reach a loopback server through its name.
    const hostHeader = (req.headers.host ?? "").toLowerCase();
    if (allowedHosts.size && !allowedHosts.has(hostHeader)) return reply(res, 403, rpcError(`Host ${hostHeader || "(none)"} is not allowed: add it with --allowed-hosts.`));
    const origin = req.headers.origin;
    if (origin && !allowedOrigins.has(origin.toLowerCase())) return reply(res, 403, rpcError(`Origin ${origin} is not allowed: add it with --allowed-origins.`));

    const path = new URL(req.url ?? "/", "http://server").pathname;
    if (path === "/healthz" && req.method === "GET") return reply(res, 200, await health());
    if (path === "/metrics" && req.method === "GET") {
      if (refusedWithoutToken(req, res)) return;
      const { contentType, text } = await (await loadMetrics()).scrape();
      res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) }).end(text);
      return;
    }
    if (path !== "/mcp") return reply(res, 404, { error: "Not found: the MCP endpoint is /mcp" });
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return reply(res, 405, rpcError("This server is stateless: send JSON-RPC with POST /mcp (no SSE stream, no sessions)."));
    }

    if (refusedWithoutToken(req, res)) return;
    const authorization = bearer(req.headers.authorization);
    // The client's own Mixpeek credentials win over the server's; without a server token they
    // travel in Authorization, with one in X-Mixpeek-Api-Key.
    const clientKey = authToken ? header(req, "x-mixpeek-api-key") : authorization;
    const apiKey = clientKey ?? config.apiKey;
    const namespace = header(req, "x-namespace") ?? config.namespace;
    if (!apiKey || !namespace) {
      return reply(res, 401, rpcError(`Mixpeek credentials missing: send ${authToken ? "X-Mixpeek-Api-Key" : "Authorization: Bearer <Mixpeek API key>"} and X-Namespace, or start the server with MIXPEEK_API_KEY and MIXPEEK_NAMESPACE.`));
    }

    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      // The rest of an oversized body is never read: close the connection after answering.
      if (tooLarge) res.setHeader("connection", "close");
      return reply(res, tooLarge ? 413 : 400, rpcError(tooLarge ? `Request body over ${MAX_BODY_BYTES} bytes.` : "Request body is not JSON."));
    }

    // JSON-RPC batches were dropped from MCP in 2025-06-18. Refused whole, before anything runs:
    // one POST then runs at most one call, so a single request cannot fan out into thousands of
    // API calls, and no two answers can share an id.
    if (Array.isArray(body)) {
      return reply(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "JSON-RPC batches are not supported by the protocol versions this server speaks; send one request per POST" } });
    }
    const message = asMessage(body);
    if (!message) return reply(res, 400, rpcError("The body must be a JSON-RPC request or notification."));
    const version = header(req, "mcp-protocol-version");
    if (version && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return reply(res, 400, rpcError(`Unsupported MCP protocol version ${version}.`));

    if (closing) {
      res.setHeader("connection", "close");
      return reply(res, 503, rpcError("The server is shutting down; send the request again to another replica or once it is back."));
    }
    calls++;
    res.once("close", () => { if (--calls === 0) onIdle?.(); });
    // A notification of a stateless client (initialized, cancelled) has nothing to act on: no
    // request of that client is running here, and there is no session to record it in.
    if (!isJSONRPCRequest(message)) { res.writeHead(202).end(); return; }
    const { createRuntime, StreamableHTTPServerTransport, runtimeOptions, servers } = await (loading ??= load());
    // `initialize` records the client's capabilities on its server: that server must be the
    // client's own, so that no other client is sent an elicitation it cannot answer.
    if (message.method === "initialize" || wantsProgress(message)) {
      // A tools/call needs its tool alone, not the whole server.
      const callOnly = message.method === "tools/call" ? String((message.params as { name?: unknown } | undefined)?.name ?? "") : undefined;
      const runtime = createRuntime({ ...config, apiKey, namespace }, { ...runtimeOptions, callOnly });
      if (message.method === "initialize") {
        const exchange = new JsonExchange();
        await runtime.server.connect(exchange);
        reply(res, 200, await exchange.exchange(message));
        return runtime.close();
      }
      // An SSE stream, so the progress notifications of wait_for_batch reach the client mid-call.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.once("close", () => { void transport.close().then(() => runtime.close()); });
      await runtime.server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    const exchange = await servers.exchange(apiKey, namespace);
    reply(res, 200, await exchange.exchange(message));
  }

  /** With a server token set, answers 401 to a request without it, and says so. */
  function refusedWithoutToken(req: IncomingMessage, res: ServerResponse): boolean {
    const authorization = bearer(req.headers.authorization);
    if (!authToken || (authorization && safeEqual(authorization, authToken))) return false;
    res.setHeader("www-authenticate", 'Bearer realm="mixpeek-batch-mcp"');
    reply(res, 401, rpcError("Missing or wrong server token: send Authorization: Bearer <token>."));
    return true;
  }

  /** Degraded (Redis unreachable) is still 200: this replica serves reads, and every replica
   * shares the same Redis, so a load balancer taking them out would stop reads too. */
  async function health() {
    const store = await state.health();
    if (!store) return { status: "ok", version: VERSION };
    return store.reachable
      ? { status: "ok", version: VERSION, store: "redis" }
      : { status: "degraded", version: VERSION, store: "redis", problem: "Redis is unreachable: reads are served, changes are refused until it is back." };
  }

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.http.port, host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const port = address.port;
  // Known only once bound (the port may be 0). A non-loopback bind without --allowed-hosts has an
  // empty set and accepts any Host: the server token (or the proxy in front) guards it.
  allowedHosts = new Set([
    ...(isLoopback(host) ? [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`] : []),
    ...config.http.allowedHosts.map((h) => h.toLowerCase()),
  ]);
  allowedOrigins = new Set([
    `http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`,
    ...config.http.allowedOrigins.map((o) => o.toLowerCase()),
  ]);

  return {
    url: `http://${hostPart}:${port}`,
    /** Stops accepting, lets calls in flight finish for up to the grace period, then closes every
     * socket: idle ones, clients still sending a request, and calls that overran the grace. */
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => { http.close(() => resolve()); });
      http.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        new Promise<true>((resolve) => { onIdle = () => resolve(true); if (calls === 0) resolve(true); }),
        new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), limits.shutdownGraceMs); }),
      ]);
      clearTimeout(timer);
      if (!drained) logger.warn(`shutdown: ${calls} call(s) still running after ${limits.shutdownGraceMs} ms; closing their connections`);
      http.closeAllConnections();
      await closed;
      // Requests of calls cut off by the grace may still be waiting on the API: do not wait for them.
      if (dispatcher) await (drained ? dispatcher.close() : dispatcher.destroy());
      await state.close();
      await tracing?.shutdown();
    },
  };
}

function wantsProgress(message: JSONRPCMessage): boolean {
  return "params" in message && (message.params as { _meta?: { progressToken?: unknown } } | undefined)?._meta?.progressToken !== undefined;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

const rpcError = (message: string) => ({ jsonrpc: "2.0", error: { code: -32000, message }, id: null });

function bearer(value: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? "");
  return match?.[1];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}

