// Fault injection, for tests of how a client copes: the faults a request can meet (an error
// status, a dropped or stalled connection, a body that is not JSON, …), the queue that hands
// them to the requests they were injected for, the bodies of the status and HTML faults, and the
// rewriting of an answer's text by the hostile-text fault. server.ts applies them.
import type { Operation } from "../api/operations.js";
import { envelope } from "./errors.js";

export type Fault =
  | { kind: "status"; status: number; retryAfterSeconds?: number }
  | { kind: "drop" }
  | { kind: "drop-after-apply" }
  | { kind: "slow-headers"; delayMs: number }
  | { kind: "stall-body"; delayMs: number }
  | { kind: "malformed-json" }
  | { kind: "html"; status?: number }
  | { kind: "empty"; status?: number }
  /** The operation is applied, then the client gets this answer instead of the real one. */
  | { kind: "after-apply"; status: number; body: string; contentType?: string }
  /** The operation is applied and answered as usual (errors included), but `text` is appended to
   * (or replaces) the string values of the JSON answer: every one but those that route the
   * answer (see hostileText), or only the first `strings` of them. */
  | { kind: "hostile-text"; text: string; mode?: "append" | "replace"; strings?: number };

export type HostileTextFault = Extract<Fault, { kind: "hostile-text" }>;

export const FAULT_KINDS: Fault["kind"][] = ["status", "drop", "drop-after-apply", "after-apply", "slow-headers", "stall-body", "malformed-json", "html", "empty", "hostile-text"];

/** Values left as they are, so the answer still routes: ids (`id`, `*_id`, `*_ids`: a client
 * follows them to the next request), statuses (an unknown one reads as "maybe running" and a
 * waiting client would wait out its timeout) and timestamps (`*_at`). Every other string value
 * (error messages and types, log text, names, reasons) is rewritten; object keys are not. */
const ROUTING = /^(id|status|.*_(id|ids|at))$/;

/** The answer's body with `fault.text` in its text fields (see ROUTING for what is kept). */
export function hostileText(body: unknown, fault: HostileTextFault): unknown {
  let left = fault.strings ?? Number.POSITIVE_INFINITY;
  const rewrite = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === "string") {
      if ((key !== undefined && ROUTING.test(key)) || left <= 0) return value;
      left--;
      return fault.mode === "replace" ? fault.text : value + fault.text;
    }
    if (Array.isArray(value)) return value.map((item) => rewrite(item, key));
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, rewrite(item, k)]));
  };
  return rewrite(body, undefined);
}

/** Injected faults, each for the next `count` requests to its operation ("*": any operation). */
export function faultQueue() {
  const faults: { operation: Operation | "*"; fault: Fault; remaining: number }[] = [];
  return {
    inject: (operation: Operation | "*", fault: Fault, count = 1) => { faults.push({ operation, fault, remaining: count }); },
    clear: () => { faults.length = 0; },
    /** The fault a request to `operation` meets, if any; it counts as used. */
    take(operation: Operation | undefined): Fault | undefined {
      const entry = faults.find((f) => f.remaining > 0 && (f.operation === "*" || f.operation === operation));
      if (!entry) return undefined;
      entry.remaining--;
      return entry.fault;
    },
  };
}

/** The error envelope the API sends for an injected status. */
export function statusFault(status: number, operation: Operation | undefined) {
  if (status === 429) return envelope(429, "Rate limit exceeded. Please retry later.", { api_name: operation ?? null });
  if (status === 503) return envelope(503, "Service temporarily unavailable. Please retry later.");
  if (status >= 500) return envelope(status, "An unexpected error occurred while processing the request.");
  return envelope(status, { 401: "Invalid API key", 403: "You do not have permission to perform this action", 408: "Request timed out" }[status] ?? "Request failed");
}

/** What a load balancer answers when the API behind it is down. */
export const LB_PAGE = (status: number, title = { 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" }[status] ?? "Error") =>
  `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
