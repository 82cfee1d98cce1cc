// Request validation per operation: only the fields each request schema declares, with the
// API's constraints. Problems are reported like the API's 422 (location + message).
import type { Operation } from "../api/routes.js";
import { TASK_STATUSES } from "../api/wire.js";

export interface Problem { type: string; location: (string | number)[]; message: string }

type Check = (body: Record<string, unknown>, query: URLSearchParams, params: Record<string, string>) => Problem[];

const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);
const problem = (location: (string | number)[], message: string, type = "value_error"): Problem => ({ type, location, message });

function intRange(where: "body" | "query", name: string, value: unknown, min: number, max = Infinity): Problem[] {
  if (value === undefined || value === null) return [];
  const n = where === "query" ? Number(value) : value;
  if (!isInt(n)) return [problem([where, name], "Input should be a valid integer", "int_parsing")];
  if ((n as number) < min || (n as number) > max) {
    return [problem([where, name], `Input should be ${max === Infinity ? `greater than or equal to ${min}` : `between ${min} and ${max}`}`, "greater_than_equal")];
  }
  return [];
}

function stringArray(name: string, value: unknown, max = 10_000): Problem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return [problem(["body", name], "Input should be a valid list of strings", "list_type")];
  return value.length > max ? [problem(["body", name], `List should have at most ${max} items`, "too_long")] : [];
}

const pathTier: Check = (_b, _q, params) => intRange("query", "tier_num", params["tier_num"], 0).map((p) => ({ ...p, location: ["path", "tier_num"] }));

export const CHECKS: Partial<Record<Operation, Check>> = {
  listBatches: (body) => [
    ...(body["status"] !== undefined && body["status"] !== null && !(TASK_STATUSES as readonly unknown[]).includes(body["status"])
      ? [problem(["body", "status"], `Input should be one of ${TASK_STATUSES.join(", ")}`, "enum")] : []),
    ...intRange("body", "offset", body["offset"], 0),
    ...intRange("body", "limit", body["limit"], 1, 1000),
  ],
  listFailedDocuments: (_b, query) => [
    ...intRange("query", "tier_num", query.get("tier_num") ?? undefined, 0),
    ...intRange("query", "limit", query.get("limit") ?? undefined, 1, 1000),
    ...intRange("query", "offset", query.get("offset") ?? undefined, 0),
  ],
  getBatchLogs: (_b, query) => intRange("query", "tier_num", query.get("tier_num") ?? undefined, 0),
  retryDocuments: (body) => [
    ...(body["retry_mode"] !== undefined && !["transient_only", "all"].includes(body["retry_mode"] as string)
      ? [problem(["body", "retry_mode"], "Input should be 'transient_only' or 'all'", "enum")] : []),
    ...(body["tier_nums"] !== undefined && body["tier_nums"] !== null
      && (!Array.isArray(body["tier_nums"]) || body["tier_nums"].some((t) => !isInt(t) || t < 0))
      ? [problem(["body", "tier_nums"], "Input should be a list of integers >= 0", "list_type")] : []),
    ...intRange("body", "max_retry_count", body["max_retry_count"], 1, 10),
  ],
  retryTier: (body, q, params) => [
    ...pathTier(body, q, params),
    ...(body["requires_gpu"] !== undefined && typeof body["requires_gpu"] !== "boolean" ? [problem(["body", "requires_gpu"], "Input should be a valid boolean", "bool_type")] : []),
    ...(body["num_cpus"] !== undefined && !(typeof body["num_cpus"] === "number" && body["num_cpus"] > 0) ? [problem(["body", "num_cpus"], "Input should be greater than 0")] : []),
    ...intRange("body", "memory_bytes", body["memory_bytes"], 1),
    ...intRange("body", "priority", body["priority"], 0),
  ],
  healTier: (body, q, params) => [
    ...pathTier(body, q, params),
    ...(!["detect_stuck", "kill_duplicates"].includes(body["action"] as string)
      ? [problem(["body", "action"], "Input should be 'detect_stuck' or 'kill_duplicates'", body["action"] === undefined ? "missing" : "enum")] : []),
  ],
  cancelTier: pathTier,
  cancelJob: pathTier,
  resubmitBatch: (_b, query) => intRange("query", "from_tier", query.get("from_tier") ?? undefined, 0),
  triggerCollection: (body) => [
    ...stringArray("include_buckets", body["include_buckets"]),
    ...stringArray("include_collections", body["include_collections"]),
    ...stringArray("object_ids", body["object_ids"]),
    ...(body["source_filters"] !== undefined && body["source_filters"] !== null && (typeof body["source_filters"] !== "object" || Array.isArray(body["source_filters"]))
      ? [problem(["body", "source_filters"], "Input should be an object", "dict_type")] : []),
  ],
  confirmUploads: (body) => {
    const list = body["confirmations"];
    if (!Array.isArray(list)) return [problem(["body", "confirmations"], "Field required", "missing")];
    if (list.length < 1 || list.length > 100) return [problem(["body", "confirmations"], "List should have 1 to 100 items", "too_short")];
    return list.flatMap((item, i) => (typeof item === "object" && item && typeof (item as Record<string, unknown>)["upload_id"] === "string"
      ? [] : [problem(["body", "confirmations", i, "upload_id"], "Field required", "missing")]));
  },
};
