// The emulator: an HTTP server speaking the Mixpeek batch API (auth, namespaces, error
// envelopes, shapes) over the state machine in world.ts, plus a control API under /_emulator/
// for tests: fault injection, the request log and the virtual clock.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { matchRoute, type Operation } from "../api/routes.js";
import { HANDLERS, State, type Reply } from "./operations.js";
import { SANDBOX, SCENARIOS, seedSandbox, type ScenarioName } from "./scenarios.js";
import { CHECKS, type Problem } from "./validate.js";
import { ApiError, Ids } from "./world.js";

export { SCENARIOS, type ScenarioName } from "./scenarios.js";

export interface EmulatorOptions {
  port?: number;
  host?: string;
  scenarios?: "all" | readonly ScenarioName[];
  /** Virtual milliseconds added by every API request (default 10 s). */
  stepMs?: number;
  /** Shape of 422 bodies: Mixpeek's envelope (default) or FastAPI's `detail[]`. */
  validationShape?: "envelope" | "fastapi";
}

export type Fault =
  | { kind: "status"; status: number; retryAfterSeconds?: number }
  | { kind: "drop" }
  | { kind: "drop-after-apply" }
  | { kind: "slow-headers"; delayMs: number }
  | { kind: "stall-body"; delayMs: number }
  | { kind: "malformed-json" }
  | { kind: "html"; status?: number }
  | { kind: "empty"; status?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  operation: Operation | undefined;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  namespace: string | undefined;
  status: number | undefined;
}

export interface Emulator {
  url: string;
  sandbox: {
    namespaceId: string; namespaceName: string; bucketId: string; bucketName: "sandbox-media";
    collections: { id: string; name: string }[]; batches: Record<ScenarioName, string>;
  };
  clock: { now(): number; advance(ms: number): void; set(ms: number): void };
  faults: { inject(operation: Operation | "*", fault: Fault, count?: number): void; clear(): void };
  requests: RecordedRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError", 401: "UnauthorizedError", 403: "ForbiddenError", 404: "NotFoundError", 408: "TimeoutError",
  409: "AlreadyExistsError", 422: "ValidationError", 429: "TooManyRequestsError", 500: "InternalServerError",
  502: "BadGatewayError", 503: "UnavailableError", 504: "TimeoutError",
};

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const stepMs = options.stepMs ?? 10_000;
  // A fixed, recent start time: the same sandbox on every start, with plausible timestamps.
  const state = new State(new Ids(20261123), Date.UTC(2026, 10, 23, 9, 0, 0));
  const names = options.scenarios === undefined || options.scenarios === "all" ? SCENARIOS : options.scenarios;
  const batches = seedSandbox(state, names);
  const faults: { operation: Operation | "*"; fault: Fault; remaining: number }[] = [];
  const requests: RecordedRequest[] = [];
  let requestCounter = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, envelope(500, "Emulator error"), {});
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/_emulator/")) return control(req.method ?? "GET", url.pathname, raw, res);

    const match = matchRoute(req.method ?? "GET", url.pathname);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    if (headers["authorization"]) headers["authorization"] = headers["authorization"].replace(/^(Bearer\s+).+$/i, "$1<redacted>");
    const namespaceKey = req.headers["x-namespace"]?.toString() || url.searchParams.get("namespace") || undefined;
    const record: RecordedRequest = {
      method: req.method ?? "GET", path: req.url ?? "/", operation: match?.operation,
      query: Object.fromEntries(url.searchParams), body: parseBody(raw), headers, namespace: namespaceKey, status: undefined,
    };
    requests.push(record);
    const requestId = `req_${(++requestCounter).toString(36).padStart(8, "0")}`;
    const reply = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      send(res, status, body, { "x-request-id": requestId, date: new Date(state.now).toUTCString(), ...extra });
    };

    state.now += stepMs;
    state.tick();

    const fault = takeFault(match?.operation);
    if (fault?.kind === "slow-headers") await delay(fault.delayMs);
    if (fault && applyTransportFault(fault, res, record)) return;
    if (fault?.kind === "status") {
      return reply(fault.status, envelope(fault.status, `Injected ${fault.status}`),
        fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {});
    }

    const authorization = req.headers.authorization ?? "";
    if (!/^Bearer\s+\S+/i.test(authorization)) return reply(401, envelope(401, "Missing or invalid API key: send Authorization: Bearer <key>"));
    if (!match) return reply(404, envelope(404, `Route not found: ${req.method} ${url.pathname}`));
    const isTask = match.operation === "getTask";
    if (!isTask && !namespaceKey) return reply(400, envelope(400, "X-Namespace header is required (namespace id or name), or the ?namespace= query parameter"));

    const body = parseBody(raw);
    if (raw && body === INVALID) return reply(422, validation([{ type: "json_invalid", location: ["body"], message: "JSON decode error" }]));
    const object = (body ?? {}) as Record<string, unknown>;
    const problems = CHECKS[match.operation]?.(object, url.searchParams, match.params) ?? [];
    if (problems.length) return reply(422, validation(problems));

    let result: Reply;
    try {
      result = HANDLERS[match.operation]({ state, ns: state.namespace(namespaceKey ?? SANDBOX.namespaceId), params: match.params, query: url.searchParams, body: object });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return reply(error.status, envelope(error.status, error.message, error.details, error.type));
    }
    if (fault?.kind === "drop-after-apply") { record.status = result.status; res.socket?.destroy(); return; }
    if (fault?.kind === "stall-body") {
      record.status = result.status;
      const text = JSON.stringify(result.body);
      res.writeHead(result.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-request-id": requestId });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      await delay(fault.delayMs);
      if (!res.destroyed) res.end(text.slice(Math.floor(text.length / 2)));
      return;
    }
    reply(result.status, result.body);
  }

  function validation(problems: Problem[]): unknown {
    return options.validationShape === "fastapi"
      ? { detail: problems.map((p) => ({ loc: p.location, msg: p.message, type: p.type })) }
      : envelope(422, "Validation error", { validation_errors: problems });
  }

  function takeFault(operation: Operation | undefined): Fault | undefined {
    const entry = faults.find((f) => f.remaining > 0 && (f.operation === "*" || f.operation === operation));
    if (!entry) return undefined;
    entry.remaining--;
    return entry.fault;
  }

  /** Faults answered without touching state. Returns true when the response is done. */
  function applyTransportFault(fault: Fault, res: ServerResponse, record: RecordedRequest): boolean {
    switch (fault.kind) {
      case "drop": res.socket?.destroy(); return true;
      case "malformed-json":
        record.status = 200;
        res.writeHead(200, { "content-type": "application/json" }).end('{"batch_id": "btch_trunc');
        return true;
      case "html": {
        const status = fault.status ?? 502;
        record.status = status;
        res.writeHead(status, { "content-type": "text/html" }).end(`<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`);
        return true;
      }
      case "empty": {
        const status = fault.status ?? 200;
        record.status = status;
        res.writeHead(status, { "content-type": "application/json", "content-length": "0" }).end();
        return true;
      }
      default: return false;
    }
  }

  function control(method: string, path: string, raw: string, res: ServerResponse): void {
    const body = (parseBody(raw) ?? {}) as Record<string, unknown>;
    const key = `${method} ${path}`;
    if (key === "GET /_emulator/sandbox") return send(res, 200, emulator.sandbox, {});
    if (key === "GET /_emulator/requests") return send(res, 200, requests, {});
    if (key === "DELETE /_emulator/requests") { requests.length = 0; return send(res, 200, {}, {}); }
    if (key === "POST /_emulator/faults") {
      emulator.faults.inject(body["operation"] as Operation, body["fault"] as Fault, (body["count"] as number | undefined) ?? 1);
      return send(res, 200, {}, {});
    }
    if (key === "DELETE /_emulator/faults") { faults.length = 0; return send(res, 200, {}, {}); }
    if (key === "POST /_emulator/clock") {
      if (typeof body["setMs"] === "number") emulator.clock.set(body["setMs"]);
      if (typeof body["advanceMs"] === "number") emulator.clock.advance(body["advanceMs"]);
      return send(res, 200, { now: state.now }, {});
    }
    send(res, 404, envelope(404, `Unknown control route ${key}`), {});
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  const emulator: Emulator = {
    url: `http://${host}:${address.port}`,
    sandbox: {
      namespaceId: SANDBOX.namespaceId, namespaceName: SANDBOX.namespaceName, bucketId: SANDBOX.bucketId, bucketName: SANDBOX.bucketName,
      collections: state.namespace(SANDBOX.namespaceId).collections.map(({ id, name }) => ({ id, name })),
      batches,
    },
    clock: {
      now: () => state.now,
      advance: (ms) => { state.now += ms; state.tick(); },
      set: (ms) => { state.now = ms; state.tick(); },
    },
    faults: {
      inject: (operation, fault, count = 1) => { faults.push({ operation, fault, remaining: count }); },
      clear: () => { faults.length = 0; },
    },
    requests,
    clearRequests: () => { requests.length = 0; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return emulator;
}

/** Multi-line description for the CLI: where the emulator is and what the sandbox holds. */
export function describeSandbox(emulator: Emulator): string {
  const s = emulator.sandbox;
  return [
    `Mixpeek emulator listening on ${emulator.url} (any Bearer key is accepted)`,
    `namespace: ${s.namespaceId} (name "${s.namespaceName}")   bucket: ${s.bucketId} (name "${s.bucketName}")`,
    `collections: ${s.collections.map((c) => `${c.id} (${c.name})`).join(", ")}`,
    "scenario batches:",
    ...Object.entries(s.batches).map(([name, id]) => `  ${name.padEnd(28)} ${id}`),
  ].join("\n");
}

const INVALID = Symbol("invalid json");
function parseBody(raw: string): unknown {
  if (!raw) return undefined;
  try { return JSON.parse(raw); } catch { return INVALID; }
}

function envelope(status: number, message: string, details: Record<string, unknown> | null = null, type = ERROR_TYPES[status] ?? "Error") {
  return { success: false, status, error: { type, message, details } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers }).end(text);
}

const MAX_BODY = 1024 * 1024;
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) { req.destroy(); reject(new Error("body too large")); return; }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
