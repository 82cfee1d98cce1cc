// Plausible readings of what the public API leaves undocumented (diagnose, heal, tier and job
// cancel, failed-documents, logs and the answers to writes). The operations compute today's
// answer (the "default" reading) and `present` reshapes it for the variant in force just before
// it is sent, so one state machine serves every reading and the default answer stays exactly what
// it was. Two axes are behaviour, not shape, and are decided in handlers.ts and wire-bodies.ts:
// `detection` and `crashloopStatus`.
import { OPERATIONS, isRead, type Operation } from "../api/operations.js";
import type { Reply } from "./request.js";

export interface Variant {
  name: "default" | "fastapi" | "sparse" | "reporting";
  /** Key of the list in GET …/failed-documents. */
  failedDocsKey: "documents" | "failed_documents" | "data" | "items";
  /** Key of the total there; null = no total at all. */
  totalKey: "total" | "total_count" | "count" | null;
  /** Every timestamp in every body: "…T09:00:00.000Z" | Python's naive UTC "…T09:00:00.000000" | "…T09:00:00.000000+00:00". */
  timestamps: "iso-z" | "naive" | "offset";
  /** Error bodies: the Mixpeek envelope | FastAPI's defaults, {detail: "…"} and for 422 {detail: [{loc, msg, type}]}. */
  errors: "envelope" | "fastapi";
  /** heal detect_stuck on a stuck tier: marks its jobs, the tier and the batch FAILED | only reports it. */
  detection: "marks-failed" | "reports-only";
  /** Status sent for a crash-looping job that Ray keeps restarting (it stays active inside). */
  crashloopStatus: "IN_PROGRESS" | "FAILED";
  /** 2xx answer of the guessed writes: today's body | 200 `{}` | 204 with no body. */
  writeBodies: "full" | "empty-object" | "no-content";
  /** "unknown": IN_PROGRESS is sent as RUNNING and PENDING as QUEUED. */
  statuses: "known" | "unknown";
  /** "strings": every number in the bodies of the guessed operations is sent as a decimal string. */
  numbers: "numbers" | "strings";
  /** error_type of failed documents: ErrorCategory | the Python exception's class name. */
  errorTypes: "category" | "exception";
  /** The batch's failure text: `error` | `failure_reason` (API 0.82), with `error` null. */
  failureField: "error" | "failure_reason";
  /** GET …/logs: per job under `tiers` | {batch_id, logs: {"<tier>": text}} | one JSON string. */
  logs: "tiers" | "by-tier" | "text";
  /** diagnose per_tier: a list | an object keyed by tier number. */
  perTier: "list" | "map";
  /** diagnose recommendations: strings | {action, message, tier_num, ray_job_id?}. */
  apiRecommendations: "strings" | "objects";
  /** "absent": GET …/diagnose is an unknown route (404), as on an older server. */
  diagnoseRoute: "present" | "absent";
  /** A tier's failed Qdrant write: an entry of the tier's errors (and the batch's failure text) |
   * only the batch's failure text. */
  qdrantReport: "tier-errors" | "message-only";
}

export const VARIANTS: Record<Variant["name"], Variant> = {
  default: {
    name: "default", failedDocsKey: "documents", totalKey: "total", timestamps: "iso-z", errors: "envelope",
    detection: "marks-failed", crashloopStatus: "IN_PROGRESS", writeBodies: "full", statuses: "known", numbers: "numbers",
    errorTypes: "category", failureField: "error", logs: "tiers", perTier: "list", apiRecommendations: "strings", diagnoseRoute: "present",
    qdrantReport: "tier-errors",
  },
  fastapi: {
    name: "fastapi", failedDocsKey: "failed_documents", totalKey: "total_count", timestamps: "naive", errors: "fastapi",
    detection: "marks-failed", crashloopStatus: "FAILED", writeBodies: "empty-object", statuses: "known", numbers: "strings",
    errorTypes: "exception", failureField: "failure_reason", logs: "by-tier", perTier: "map", apiRecommendations: "objects", diagnoseRoute: "present",
    qdrantReport: "tier-errors",
  },
  sparse: {
    name: "sparse", failedDocsKey: "data", totalKey: null, timestamps: "offset", errors: "envelope",
    detection: "reports-only", crashloopStatus: "FAILED", writeBodies: "no-content", statuses: "unknown", numbers: "numbers",
    errorTypes: "category", failureField: "error", logs: "text", perTier: "list", apiRecommendations: "strings", diagnoseRoute: "absent",
    qdrantReport: "message-only",
  },
  // The seed guide's flow with answers that say what happened: detection reports a stuck tier
  // and leaves it running, every write answers in full, statuses are ones we do not know.
  reporting: {
    name: "reporting", failedDocsKey: "items", totalKey: "count", timestamps: "offset", errors: "fastapi",
    detection: "reports-only", crashloopStatus: "FAILED", writeBodies: "full", statuses: "unknown", numbers: "strings",
    errorTypes: "exception", failureField: "failure_reason", logs: "tiers", perTier: "map", apiRecommendations: "objects", diagnoseRoute: "present",
    qdrantReport: "message-only",
  },
};

export const VARIANT_NAMES = Object.keys(VARIANTS) as Variant["name"][];

/** Writes whose answers the spec types; every other write's answer is a guess, so a new write is
 * served in every variant's reading without being listed here. */
const SPEC_TYPED_WRITES: ReadonlySet<Operation> = new Set([
  "cancelBatch", "triggerCollection", "confirmUploads", "createBatch", "addBatchObjects", "submitBatch", "updateBatch", "deleteBatch",
  "createUploads", "killTask",
]);
const GUESSED_WRITES: ReadonlySet<Operation> = new Set((Object.keys(OPERATIONS) as Operation[]).filter((op) => !isRead(op) && !SPEC_TYPED_WRITES.has(op)));
/** Operations whose whole answer is a guess. */
const GUESSED: ReadonlySet<Operation> = new Set([...GUESSED_WRITES, "diagnoseBatch", "listFailedDocuments", "getBatchLogs"]);

export interface Scope {
  /** The batch the request's path names, if any. */
  batchId?: string;
  /** Batches whose statuses are sent as RUNNING/QUEUED in every variant. */
  unknownStatuses: ReadonlySet<string>;
}

type Json = Record<string, unknown>;

/** Today's answer to `operation`, as the variant sends it. A 204 reply has no body. */
export function present(operation: Operation | undefined, reply: Reply, variant: Variant, scope: Scope): Reply {
  if (reply.status >= 400) return variant.errors === "fastapi" ? { status: reply.status, body: fastapiError(reply.body) } : reply;
  if (operation && GUESSED_WRITES.has(operation) && variant.writeBodies !== "full") {
    return variant.writeBodies === "no-content" ? { status: 204, body: undefined } : { status: 200, body: {} };
  }
  const body = operation ? reshape(operation, reply.body as Json, variant) : reply.body;
  const rules: Rules = {
    timestamp: TIMESTAMPS[variant.timestamps],
    numbers: variant.numbers === "strings" && operation !== undefined && GUESSED.has(operation),
    exceptions: variant.errorTypes === "exception",
    unknownStatuses: scope.unknownStatuses,
  };
  const renaming = variant.statuses === "unknown" || (scope.batchId !== undefined && scope.unknownStatuses.has(scope.batchId));
  // A request about one batch whose statuses are not pinned, in a reading that keeps values as
  // they are, needs no walk: the default answers stay cheap to send.
  const untouched = variant.timestamps === "iso-z" && !rules.numbers && !rules.exceptions && !renaming && scope.batchId !== undefined;
  return { status: reply.status, body: untouched ? body : walk(body, rules, renaming) };
}

/** The operation-specific shape axes. */
function reshape(operation: Operation, body: Json, v: Variant): unknown {
  switch (operation) {
    case "getBatch": return batchShape(body, v);
    case "listBatches": return { ...body, results: (body["results"] as Json[]).map((b) => batchShape(b, v)) };
    case "listFailedDocuments": return rename(rename(body, "documents", v.failedDocsKey), "total", v.totalKey);
    case "getBatchLogs": return logsShape(body as { batch_id: string; tiers: { tier_num: number; logs: string }[] }, v);
    case "diagnoseBatch": {
      const perTier = body["per_tier"] as Json[];
      const recommendations = body["recommendations"] as { message: string }[];
      return {
        ...body,
        per_tier: v.perTier === "list" ? perTier : Object.fromEntries(perTier.map(({ tier_num, ...entry }) => [String(tier_num), entry])),
        recommendations: v.apiRecommendations === "objects" ? recommendations : recommendations.map((r) => r.message),
      };
    }
    default: return body;
  }
}

function batchShape(batch: Json, v: Variant): Json {
  if (v.failureField === "error") return batch;
  return Object.fromEntries(Object.entries(batch).flatMap(([k, value]) => (k === "error" ? [["error", null], ["failure_reason", value]] : [[k, value]])));
}

function logsShape(body: { batch_id: string; tiers: { tier_num: number; logs: string }[] }, v: Variant): unknown {
  if (v.logs === "tiers") return body;
  const text = (entries: { logs: string }[]) => entries.map((e) => e.logs).filter(Boolean).join("\n");
  if (v.logs === "text") return text(body.tiers);
  const tiers = [...new Set(body.tiers.map((e) => e.tier_num))];
  return { batch_id: body.batch_id, logs: Object.fromEntries(tiers.map((n) => [String(n), text(body.tiers.filter((e) => e.tier_num === n))])) };
}

/** `from` renamed to `to` in place (key order kept), or dropped when `to` is null. */
function rename(object: Json, from: string, to: string | null): Json {
  return Object.fromEntries(Object.entries(object).flatMap(([k, value]) => (k !== from ? [[k, value]] : to === null ? [] : [[to, value]])));
}

/** FastAPI's default error bodies for a Mixpeek envelope: its message as `detail`, or for a 422
 * the problem list. Anything else (already FastAPI's shape) passes as is. */
export function fastapiError(body: unknown): unknown {
  const error = (body as { error?: { message?: unknown; details?: { validation_errors?: unknown } | null } } | null)?.error;
  if (!error) return body;
  const problems = error.details?.validation_errors;
  return Array.isArray(problems)
    ? { detail: problems.map((p: { location: unknown; message: unknown; type: unknown }) => ({ loc: p.location, msg: p.message, type: p.type })) }
    : { detail: error.message };
}

interface Rules {
  timestamp: (iso: string) => string;
  numbers: boolean;
  exceptions: boolean;
  unknownStatuses: ReadonlySet<string>;
}

const ISO_Z = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z$/;
const TIMESTAMPS: Record<Variant["timestamps"], (iso: string) => string> = {
  "iso-z": (t) => t,
  // Python's isoformat(): microseconds, and no zone at all for a naive UTC datetime.
  naive: (t) => t.replace(ISO_Z, "$1000"),
  offset: (t) => t.replace(ISO_Z, "$1000+00:00"),
};

const UNKNOWN_NAMES: Record<string, string> = { IN_PROGRESS: "RUNNING", PENDING: "QUEUED" };

/** The value-level axes over a whole body: timestamps, statuses (values of `status` and
 * `*_status` keys, inside the request's batch or any object of a batch that always sends them),
 * numbers, and failed documents' error_type. */
function walk(value: unknown, rules: Rules, renaming: boolean, key?: string): unknown {
  if (typeof value === "string") {
    if (renaming && key !== undefined && (key === "status" || key.endsWith("_status"))) return UNKNOWN_NAMES[value] ?? value;
    return ISO_Z.test(value) ? rules.timestamp(value) : value;
  }
  if (typeof value === "number") return rules.numbers ? String(value) : value;
  if (Array.isArray(value)) return value.map((item) => walk(item, rules, renaming));
  if (value === null || typeof value !== "object") return value;
  const object = value as Json;
  // A batch, its task (additional_data.batch_id) or a list entry may pin its own statuses.
  const owner = object["batch_id"] ?? (object["additional_data"] as Json | undefined)?.["batch_id"];
  const inside = renaming || (typeof owner === "string" && rules.unknownStatuses.has(owner));
  const out: Json = {};
  for (const [k, v] of Object.entries(object)) out[k] = walk(v, rules, inside, k);
  if (rules.exceptions && typeof object["error_type"] === "string") {
    out["error_type"] = exceptionName(object["error_type"], String(object["error_message"] ?? object["message"] ?? ""));
  }
  return out;
}

const EXCEPTIONS: Record<string, string> = {
  validation: "ValueError", dependency: "FileNotFoundError", resource: "OutOfMemoryError", runtime: "RuntimeError", authentication: "PermissionError",
};

/** The Python exception a worker would record for a failed document. */
function exceptionName(category: string, message: string): string {
  if (category !== "network") return EXCEPTIONS[category] ?? category;
  return /timed out/i.test(message) ? "ReadTimeout" : /\b503\b/.test(message) ? "HTTPStatusError" : /reset/i.test(message) ? "ConnectionResetError" : "ConnectError";
}
