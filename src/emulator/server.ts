// The emulator's HTTP server: it speaks the Mixpeek batch API (auth, namespaces, validation,
// error envelopes) over the state machine in simulation.ts, one handler per operation
// (handlers.ts), applies injected faults (faults.ts) and serves the control API (control.ts).
// Every API answer leaves through `present` (variants.ts), which shapes it in the variant's
// reading.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isNamespaced, type Operation } from "../api/operations.js";
import { matchRoute } from "../api/routes.js";
import { readBody } from "../transport/read-body.js";
import { control } from "./control.js";
import { ErrorReply, envelope } from "./errors.js";
import { LB_PAGE, faultQueue, hostileText, statusFault, type Fault } from "./faults.js";
import { HANDLERS } from "./handlers.js";
import { Ids } from "./ids.js";
import type { Reply } from "./request.js";
import { SANDBOX, SCENARIOS, seedSandbox, type ScenarioName } from "./scenarios.js";
import { State } from "./simulation.js";
import { validate, type Problem } from "./validate.js";
import { VARIANTS, VARIANT_NAMES, fastapiError, present, type Variant } from "./variants.js";

export interface EmulatorOptions {
  port?: number;
  host?: string;
  scenarios?: "all" | readonly ScenarioName[];
  /** Virtual milliseconds added by every API request (default 10 s). */
  stepMs?: number;
  /** Shape of 422 bodies: Mixpeek's envelope (default) or FastAPI's `detail[]`. The "fastapi"
   * variant sends FastAPI's shape for every error, 422 included. */
  validationShape?: "envelope" | "fastapi";
  /** Which reading of the undocumented shapes and behaviours to serve (variants.ts); a Variant
   * object mixes readings, e.g. `{ ...VARIANTS.sparse, diagnoseRoute: "present" }`. */
  variant?: Variant["name"] | Variant;
}

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
    variant: Variant["name"];
  };
  clock: { now(): number; advance(ms: number): void; set(ms: number): void };
  faults: { inject(operation: Operation | "*", fault: Fault, count?: number): void; clear(): void };
  requests: RecordedRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const stepMs = options.stepMs ?? 10_000;
  // A fixed, recent start time: the same sandbox on every start, with plausible timestamps.
  const state = new State(new Ids(20261123), Date.UTC(2026, 10, 23, 9, 0, 0));
  const names = options.scenarios === undefined || options.scenarios === "all" ? SCENARIOS : options.scenarios;
  const batches = seedSandbox(state, names);
  const variant = typeof options.variant === "object" ? options.variant : VARIANTS[options.variant ?? "default"];
  if (!variant) throw new Error(`Unknown emulator variant "${String(options.variant)}". Known: ${VARIANT_NAMES.join(", ")}.`);
  const unknownStatuses = new Set([...state.namespace(SANDBOX.namespaceId).batches.values()].filter((b) => b.unknownStatuses).map((b) => b.id));
  const faults = faultQueue();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, envelope(500, "Emulator error"));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://emulator");
    const raw = await readBody(req, MAX_BODY);
    if (url.pathname.startsWith("/_emulator/")) {
      const reply = control(emulator, req.method ?? "GET", url.pathname, parseBody(raw));
      return sendJson(res, reply.status, reply.body);
    }

    const method = req.method ?? "GET";
    const match = matchRoute(method, url.pathname);
    const namespaceKey = header(req, "x-namespace") || url.searchParams.get("namespace") || undefined;
    const body = parseBody(raw);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    if (headers["authorization"] !== undefined) headers["authorization"] = "Bearer <redacted>";
    const record: RecordedRequest = {
      method, path: req.url ?? "/", operation: match?.operation, query: Object.fromEntries(url.searchParams),
      body: body === INVALID ? raw : body, headers, namespace: namespaceKey, status: undefined,
    };
    requests.push(record);
    if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);
    const requestId = `req_${randomBytes(8).toString("hex")}`;
    const head = (status: number, contentType: string, length: number, extra: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, {
        "content-type": contentType, "content-length": String(length), "x-request-id": requestId,
        date: new Date(state.now).toUTCString(), ...extra,
      });
    };
    const send = (status: number, text: string, contentType = "application/json", extra: Record<string, string> = {}) => {
      head(status, contentType, Buffer.byteLength(text), extra);
      res.end(text);
    };
    const shaped = (result: Reply) => present(match?.operation, result, variant, { batchId: match?.params["batch_id"], unknownStatuses });
    const text = (result: Reply) => (result.status === 204 ? "" : JSON.stringify(result.body));

    // Virtual time passes with every API request, then the simulation catches up.
    state.now += stepMs;
    state.tick();

    const fault = faults.take(match?.operation);
    if (fault?.kind === "slow-headers") await delay(fault.delayMs);
    switch (fault?.kind) {
      case "drop": res.socket?.destroy(); return;
      case "status": return send(fault.status, text(shaped({ status: fault.status, body: statusFault(fault.status, match?.operation) })), "application/json",
        fault.retryAfterSeconds === undefined ? {} : { "retry-after": String(fault.retryAfterSeconds) });
      case "malformed-json": return send(200, '{"batch_id": "btch_', "application/json");
      case "html": return send(fault.status ?? 502, LB_PAGE(fault.status ?? 502), "text/html");
      case "empty": return send(fault.status ?? 200, "");
    }

    const result = shaped(answer(match, req, url, body, namespaceKey));
    if (fault?.kind === "drop-after-apply") { record.status = result.status; res.socket?.destroy(); return; }
    if (fault?.kind === "after-apply") return send(fault.status, fault.body, fault.contentType ?? "application/json");
    if (fault?.kind === "hostile-text") return send(result.status, text({ ...result, body: hostileText(result.body, fault) }));
    if (fault?.kind === "stall-body") {
      // Headers and half the body now, the rest after the delay: a response that stalls mid-way.
      const full = text(result);
      head(result.status, "application/json", Buffer.byteLength(full));
      res.write(full.slice(0, full.length >> 1));
      await delay(fault.delayMs);
      if (!res.destroyed) res.end(full.slice(full.length >> 1));
      return;
    }
    send(result.status, text(result));
  }

  /** The API proper: auth, routing, namespace, validation, then the operation. */
  function answer(match: ReturnType<typeof matchRoute>, req: IncomingMessage, url: URL, body: unknown, namespaceKey: string | undefined): Reply {
    if (!/^Bearer\s+\S+/i.test(header(req, "authorization"))) {
      return { status: 401, body: envelope(401, "Missing or invalid API key: send 'Authorization: Bearer <api_key>'") };
    }
    // A server older than the diagnose guide has no such route.
    if (!match || (match.operation === "diagnoseBatch" && variant.diagnoseRoute === "absent")) {
      return { status: 404, body: envelope(404, `Route not found: ${req.method} ${url.pathname}`, { resource: "route", id: url.pathname }) };
    }
    // Tasks are looked up by id across namespaces and take no X-Namespace.
    if (isNamespaced(match.operation) && !namespaceKey) {
      return { status: 400, body: envelope(400, "Namespace required: send the X-Namespace header (namespace id or name) or the ?namespace= query parameter") };
    }
    if (body === INVALID) return { status: 422, body: validation([{ type: "json_invalid", location: ["body", 0], message: "JSON decode error" }]) };
    const problems = validate(match.operation, body, url.searchParams, match.params);
    if (problems.length) return { status: 422, body: validation(problems) };
    try {
      return HANDLERS[match.operation]({
        state, ns: state.namespace(namespaceKey ?? ""), params: match.params, query: url.searchParams,
        body: (body ?? {}) as Record<string, unknown>, variant, key: header(req, "authorization").replace(/^Bearer\s+/i, "").trim(),
      });
    } catch (error) {
      if (!(error instanceof ErrorReply)) throw error;
      return { status: error.status, body: envelope(error.status, error.message, error.details, error.type) };
    }
  }

  function validation(problems: Problem[]): unknown {
    const body = envelope(422, "Validation error", { validation_errors: problems });
    return options.validationShape === "fastapi" ? fastapiError(body) : body;
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
      variant: variant.name,
    },
    clock: {
      now: () => state.now,
      advance: (ms) => { state.now += ms; state.tick(); },
      set: (ms) => { state.now = ms; state.tick(); },
    },
    faults: { inject: faults.inject, clear: faults.clear },
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
    `variant: ${s.variant}`,
    "scenario batches:",
    ...Object.entries(s.batches).map(([name, id]) => `  ${name.padEnd(28)} ${id}`),
  ].join("\n");
}

const header = (req: IncomingMessage, name: string) => String(req.headers[name] ?? "").trim();

const INVALID = Symbol("invalid json");
function parseBody(raw: string): unknown {
  if (!raw) return undefined;
  try { return JSON.parse(raw); } catch { return INVALID; }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
}

const MAX_BODY = 1024 * 1024;
const MAX_RECORDED = 10_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
