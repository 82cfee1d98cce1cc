// Request validation per operation, reported like the API's 422 (pydantic error type, location,
// message). Bodies may hold only the fields their request schema declares: extra fields are
// refused (pydantic's extra="forbid"), which keeps clients honest about what they send.
import type { Operation } from "../api/routes.js";
import { TASK_STATUSES } from "../api/wire.js";

export interface Problem { type: string; location: (string | number)[]; message: string }

type Field = (value: unknown, location: (string | number)[]) => Problem[];
interface Rule {
  /** Declared body fields; undefined = the operation takes no body. */
  body?: Record<string, Field>;
  bodyRequired?: boolean;
  required?: string[];
  query?: Record<string, Field>;
  path?: Record<string, Field>;
}

const problem = (location: (string | number)[], type: string, message: string): Problem[] => [{ type, location, message }];
const optional = (field: Field): Field => (value, location) => (value === undefined || value === null ? [] : field(value, location));

/** An integer; query and path values arrive as text and are parsed, body values must be JSON
 * numbers (stricter than pydantic's lax mode, to catch clients that send "1" for 1). */
function int(min = -Infinity, max = Infinity, text = false): Field {
  return (value, location) => {
    const n = text && typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) return problem(location, "int_parsing", "Input should be a valid integer");
    if (n < min) return problem(location, "greater_than_equal", `Input should be greater than or equal to ${min}`);
    if (n > max) return problem(location, "less_than_equal", `Input should be less than or equal to ${max}`);
    return [];
  };
}
const bool: Field = (value, location) => (typeof value === "boolean" ? [] : problem(location, "bool_type", "Input should be a valid boolean"));
const positive: Field = (value, location) => (typeof value !== "number"
  ? problem(location, "float_type", "Input should be a valid number")
  : value > 0 ? [] : problem(location, "greater_than", "Input should be greater than 0"));
const oneOf = (...values: string[]): Field => (value, location) => (values.includes(value as string)
  ? [] : problem(location, "enum", `Input should be ${values.map((v) => `'${v}'`).join(" or ")}`));
const object: Field = (value, location) => (typeof value === "object" && value !== null && !Array.isArray(value)
  ? [] : problem(location, "dict_type", "Input should be a valid dictionary"));
function list(item: Field, min = 0, max = Infinity): Field {
  return (value, location) => {
    if (!Array.isArray(value)) return problem(location, "list_type", "Input should be a valid list");
    if (value.length < min) return problem(location, "too_short", `List should have at least ${min} item${min === 1 ? "" : "s"} after validation, not ${value.length}`);
    if (value.length > max) return problem(location, "too_long", `List should have at most ${max} items after validation, not ${value.length}`);
    return value.flatMap((v, i) => item(v, [...location, i]));
  };
}
const str: Field = (value, location) => (typeof value === "string" ? [] : problem(location, "string_type", "Input should be a valid string"));
const confirmation: Field = (value, location) => {
  const bad = object(value, location);
  if (bad.length) return bad;
  return typeof (value as Record<string, unknown>)["upload_id"] === "string" ? [] : problem([...location, "upload_id"], "missing", "Field required");
};

const tierPath = { tier_num: int(0, Infinity, true) };
const queryInt = (min: number, max = Infinity) => optional(int(min, max, true));
const RULES: Record<Operation, Rule> = {
  listBatches: { body: { status: optional(oneOf(...TASK_STATUSES)), offset: optional(int(0)), limit: optional(int(1, 1000)) } },
  getBatch: {},
  diagnoseBatch: {},
  // The spec bounds neither; the emulator caps a page at 1,000 [GUESS].
  listFailedDocuments: { query: { tier_num: queryInt(0), collection_id: optional(str), limit: queryInt(1, 1000), offset: queryInt(0) } },
  getBatchLogs: { query: { tier_num: queryInt(0) } },
  retryDocuments: {
    bodyRequired: true,
    body: { retry_mode: oneOf("transient_only", "all"), tier_nums: optional(list(int(0))), max_retry_count: int(1, 10) },
  },
  retryTier: { path: tierPath, body: { requires_gpu: bool, num_cpus: positive, memory_bytes: int(1), priority: int() } },
  healTier: { path: tierPath, bodyRequired: true, required: ["action"], body: { action: oneOf("detect_stuck", "kill_duplicates") } },
  cancelTier: { path: tierPath },
  cancelJob: { path: tierPath },
  cancelBatch: {},
  resubmitBatch: { query: { from_tier: queryInt(0) } },
  getTask: {},
  triggerCollection: {
    body: {
      include_buckets: optional(list(str)), include_collections: optional(list(str)),
      object_ids: optional(list(str)), source_filters: optional(object),
    },
  },
  confirmUploads: { bodyRequired: true, required: ["confirmations"], body: { confirmations: list(confirmation, 1, 100) } },
};

export function validate(operation: Operation, body: unknown, query: URLSearchParams, params: Record<string, string>): Problem[] {
  const rule = RULES[operation];
  const problems: Problem[] = [];
  for (const [name, field] of Object.entries(rule.path ?? {})) problems.push(...field(params[name], ["path", name]));
  for (const [name, field] of Object.entries(rule.query ?? {})) problems.push(...field(query.get(name) ?? undefined, ["query", name]));
  if (!rule.body) return problems;
  if (body === undefined) return rule.bodyRequired ? [...problems, ...problem(["body"], "missing", "Field required")] : problems;
  const notObject = object(body, ["body"]);
  if (notObject.length) return [...problems, ...notObject];
  const fields = body as Record<string, unknown>;
  for (const name of rule.required ?? []) if (fields[name] === undefined) problems.push(...problem(["body", name], "missing", "Field required"));
  for (const [name, value] of Object.entries(fields)) {
    const field = rule.body[name];
    if (!field) problems.push(...problem(["body", name], "extra_forbidden", "Extra inputs are not permitted"));
    else problems.push(...field(value, ["body", name]));
  }
  return problems;
}
