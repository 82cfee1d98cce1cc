// Fault injection, for tests of how a client copes: the faults a request can meet (an error
// status, a dropped or stalled connection, a body that is not JSON, …), the queue that hands
// them to the requests they were injected for, and the bodies of the status and HTML faults.
// server.ts applies them.
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
  | { kind: "after-apply"; status: number; body: string; contentType?: string };

export const FAULT_KINDS: Fault["kind"][] = ["status", "drop", "drop-after-apply", "after-apply", "slow-headers", "stall-body", "malformed-json", "html", "empty"];

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
