// The one core HTTP client: auth and namespace headers, timeouts, bounded bodies, typed errors,
// and retries that are safe (operations that only read; a write that may have reached the server
// is never resent). A 2xx answer to a write means it was applied, whatever its body.
import { Agent, errors as undiciErrors, request, type Dispatcher } from "undici";
import type { z } from "zod";
import { NAME, VERSION } from "../util/version.js";
import {
  BadResponseError, ConnectionError, MixpeekApiError, RateLimitError, TimeoutError,
  errorFromResponse, parseRetryAfter,
} from "./errors.js";
import { OPERATIONS, isNamespaced, isRead, type Operation } from "./operations.js";
import { buildPath, type RouteParams } from "./routes.js";
import { sleep } from "../util/sleep.js";
import { recordExchange, recordNote, recordRequestId, type ApiExchange } from "./trace.js";

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Sent as X-Namespace on every namespaced route (operations.ts). */
  namespace?: string | undefined;
  timeoutMs: number;
  /** Retries of a GET after the first attempt. */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A Retry-After longer than this is not waited for; the rate-limit error is returned instead. */
  maxRetryAfterMs?: number;
  maxResponseBytes?: number;
  dispatcher?: Dispatcher;
}

export interface RequestOptions<O extends Operation> {
  params: RouteParams<O>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  requestId: string | undefined;
  /** The server's clock (Date header), so ages like "idle for 20 min" use the API's time. */
  serverTime: number;
}

const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-correlation-id"];
/** Connection errors raised before any byte of the request left this machine. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "ECONNABORTED"]);

/** A connection pool clients can share (HTTP mode: one per process, whatever the caller's key). */
export const connectionPool = (timeoutMs: number): Dispatcher => new Agent({ keepAliveTimeout: 30_000, connect: { timeout: timeoutMs } });

export class MixpeekClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 8_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? new Agent({
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** Sends one API operation and parses its body with `schema`. */
  async call<O extends Operation, S extends z.ZodType>(
    operation: O,
    schema: S,
    options: RequestOptions<O>,
  ): Promise<ApiResponse<z.infer<S>>> {
    const url = this.baseUrl + buildPath(operation, options.params) + queryString(options.query);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      "user-agent": `${NAME}/${VERSION} (node ${process.version})`,
      accept: "application/json",
    };
    if (this.options.namespace && isNamespaced(operation)) headers["x-namespace"] = this.options.namespace;
    let body: string | undefined;
    if (options.body !== undefined) {
      checkBody(operation, options.body);
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json";
    }
    const retries = isRead(operation) ? this.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const raw = await observed(operation, () => this.send(operation, url, headers, body, options.signal));
        const parsed = raw.json === NOT_JSON ? undefined : schema.safeParse(raw.json);
        if (!parsed?.success) {
          const what = parsed ? `an unexpected body shape (${parsed.error.issues
            .slice(0, 3).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")})` : `a body that is not JSON${raw.bodyDescription}`;
          // A write answered 2xx was applied: report it applied with what is known, never as a
          // failure that a retry might fix (the retry would apply it twice).
          if (!isRead(operation)) {
            const fallback = schema.safeParse({});
            if (fallback.success) {
              recordNote(`The API answered ${operation} with HTTP ${raw.status} and ${what}: the change was applied; its details are unknown.`);
              return { data: fallback.data, status: raw.status, requestId: raw.requestId, serverTime: raw.serverTime };
            }
          }
          throw new BadResponseError({ message: `The API answered ${operation} with HTTP ${raw.status} but ${what}.`, status: raw.status, requestId: raw.requestId, operation });
        }
        return { data: parsed.data, status: raw.status, requestId: raw.requestId, serverTime: raw.serverTime };
      } catch (error) {
        const delay = attempt < retries ? this.retryDelay(error, attempt) : undefined;
        if (delay === undefined || options.signal?.aborted) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Delay before retrying a GET, or undefined when the error is not worth retrying. */
  private retryDelay(error: unknown, attempt: number): number | undefined {
    if (!(error instanceof MixpeekApiError) || !error.retryable) return undefined;
    const backoff = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
      return error.retryAfterMs > this.maxRetryAfterMs ? undefined : error.retryAfterMs;
    }
    return jittered;
  }

  private async send(
    operation: Operation, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined,
  ): Promise<{ status: number; json: unknown; bodyDescription: string; requestId: string | undefined; serverTime: number }> {
    const method = OPERATIONS[operation].method;
    // Our own deadlines, precise to the millisecond: undici's timers are coarse (about 1 s)
    // and would let a 300 ms timeout wait far longer.
    const headersDeadline = new AbortController();
    const timer = setTimeout(() => headersDeadline.abort(new undiciErrors.HeadersTimeoutError()), this.options.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method, headers, body, dispatcher: this.dispatcher,
        signal: signal ? AbortSignal.any([signal, headersDeadline.signal]) : headersDeadline.signal,
      });
    } catch (error) {
      throw this.transportError(headersDeadline.signal.aborted ? headersDeadline.signal.reason : error, operation, undefined);
    } finally {
      clearTimeout(timer);
    }
    const requestId = REQUEST_ID_HEADERS.map((h) => response.headers[h]).find((v): v is string => typeof v === "string");
    recordRequestId(requestId);
    let text: string;
    try {
      text = await this.readBounded(response.body);
    } catch (error) {
      if (error instanceof MixpeekApiError) throw Object.assign(error, { requestId, status: response.statusCode, operation });
      throw this.transportError(error, operation, requestId);
    }
    const status = response.statusCode;
    const json = parseJson(text);
    if (status >= 200 && status < 300) {
      const date = Date.parse(String(response.headers["date"] ?? ""));
      return { status, json, bodyDescription: describeBody(text, response.headers["content-type"]), requestId, serverTime: Number.isNaN(date) ? Date.now() : date };
    }
    const retryAfter = response.headers["retry-after"];
    const error = errorFromResponse(status, json === NOT_JSON ? undefined : json, {
      requestId, operation, retryAfterMs: parseRetryAfter(typeof retryAfter === "string" ? retryAfter : undefined),
    });
    if (json === NOT_JSON && text.trim()) {
      Object.assign(error, { message: `${error.message}${describeBody(text, response.headers["content-type"])}` });
    }
    throw error;
  }

  /** Reads the body up to the size limit, failing when no byte arrives for timeoutMs. */
  private async readBounded(body: Dispatcher.ResponseData["body"]): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    const stall = setTimeout(() => body.destroy(new undiciErrors.BodyTimeoutError()), this.options.timeoutMs);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        stall.refresh();
        size += chunk.length;
        if (size > this.maxResponseBytes) {
          body.destroy();
          throw new BadResponseError({
            message: `The API response is larger than the ${Math.round(this.maxResponseBytes / 1024)} KiB limit; it was refused rather than buffered.`,
          });
        }
        chunks.push(chunk);
      }
      // Stryker disable next-line BlockStatement: a stall timer left running only calls destroy() on a body that was read to its end and is already destroyed, which does nothing
    } finally {
      clearTimeout(stall);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  private transportError(error: unknown, operation: Operation, requestId: string | undefined): MixpeekApiError {
    if (error instanceof MixpeekApiError) return error;
    const code = (error as { code?: string }).code ?? "";
    const mayHaveReached = !isRead(operation) && !NOT_SENT_CODES.has(code);
    const unknownNote = mayHaveReached ? " The request may have reached the API: its outcome is unknown." : "";
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError
      || error instanceof undiciErrors.ConnectTimeoutError) {
      const phase = error instanceof undiciErrors.BodyTimeoutError ? "the response body" : error instanceof undiciErrors.ConnectTimeoutError ? "a connection" : "a response";
      return new TimeoutError({
        message: `Timed out after ${this.options.timeoutMs} ms waiting for ${phase} to ${operation}.${unknownNote}`,
        operation, requestId,
      }, mayHaveReached && !(error instanceof undiciErrors.ConnectTimeoutError));
    }
    if ((error as { name?: string }).name === "AbortError") {
      return new ConnectionError({ message: `The ${operation} request was cancelled.${unknownNote}`, operation, requestId }, mayHaveReached);
    }
    const reason = code || (error instanceof Error ? error.message : String(error));
    const unresolved = code === "ENOTFOUND" || code === "EAI_AGAIN";
    return new ConnectionError({
      message: unresolved
        ? `Could not resolve the Mixpeek API host ${new URL(this.baseUrl).hostname} for ${operation} (${code}).`
        : `Could not reach the Mixpeek API for ${operation} (${reason}).${unknownNote}`,
      operation, requestId,
    }, mayHaveReached, code || undefined);
  }
}

/** One attempt of `send`, reported to the call's observers (trace.ts) however it ends. */
async function observed<T extends { status: number; requestId: string | undefined }>(operation: Operation, send: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  const started = performance.now();
  const report = (status: ApiExchange["status"], requestId: string | undefined) =>
    recordExchange({ operation, status, startedAt, durationMs: performance.now() - started, requestId });
  try {
    const raw = await send();
    report(raw.status, raw.requestId);
    return raw;
  } catch (error) {
    const { status, requestId } = error instanceof MixpeekApiError ? error : { status: undefined, requestId: undefined };
    report(status ?? (error instanceof TimeoutError ? "timeout" : "network"), requestId);
    throw error;
  }
}

/** A body the operation does not declare is a bug here, never something to send. */
function checkBody(operation: Operation, body: unknown): void {
  const schema = (OPERATIONS[operation] as { body?: z.ZodObject }).body;
  const problem = schema ? schema.safeParse(body).error?.issues[0] : { path: [], message: "the operation takes no body" };
  if (problem) throw new Error(`refusing to send ${operation} with a body the API does not declare (${problem.path.join(".") || "body"}: ${problem.message}); nothing was sent`);
}

const NOT_JSON = Symbol("not json");
function parseJson(text: string): unknown {
  // Stryker disable next-line MethodExpression: untrimmed whitespace also fails JSON.parse below, which returns NOT_JSON too
  if (!text.trim()) return NOT_JSON;
  try { return JSON.parse(text); } catch { return NOT_JSON; }
}

function describeBody(text: string, contentType: unknown): string {
  if (!text.trim()) return " (empty body)";
  const type = typeof contentType === "string" ? contentType.split(";")[0] : "unknown type";
  return ` (${type}, ${text.length} bytes)`;
}

function queryString(query: Record<string, string | number | undefined> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
