// Tolerant readers for the parts of the API's answers that no spec fixes: each accepts every
// plausible form of one field or list and yields one internal form, so the rest of the server
// reads a single shape. Which form was seen is recorded (trace.ts) for the debug log.
import { z } from "zod";
import { recordShape } from "./trace.js";

/** A number, also when sent as a decimal string ("37"); anything else is left for the schema to refuse. */
function toNumber(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(value)) return value;
  recordShape("numbers sent as strings");
  return Number(value);
}

const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;
/** Already the internal form: nothing to do (the common case, kept cheap). */
// Stryker disable next-line Regex: only a fast path; a canonical value it misses is parsed to the same text with nothing noted (its one widening, no end anchor, is covered by tolerant-forms.test.ts)
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Stryker disable next-line Regex: only the date at the start decides (the time group is optional and nothing anchors the end), so mutants inside the group change nothing; the start anchor is covered by tolerant-forms.test.ts
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/;

/** An instant as ISO-8601 UTC ("…Z"). A timestamp without a zone is UTC: the API is a Python
 * service whose naive datetimes are UTC, never the local time of the machine running us.
 * Epoch numbers are read as seconds (or milliseconds when that large). Unreadable text is kept. */
export function toTimestamp(value: unknown): unknown {
  const epoch = toNumber(value);
  if (typeof epoch === "number") {
    recordShape("timestamps as epoch numbers");
    return new Date(epoch < 1e11 ? epoch * 1000 : epoch).toISOString();
  }
  if (typeof value !== "string" || CANONICAL.test(value) || !ISO_LIKE.test(value.trim())) return value;
  const text = value.trim().replace(" ", "T");
  const zoned = ZONED.test(text);
  if (!zoned) recordShape("timestamps without a zone (read as UTC)");
  // Date.parse keeps milliseconds only: Python's microseconds are cut to three digits first.
  // Stryker disable next-line Regex: Node's Date.parse itself reads more than three fraction digits to the millisecond, so a weaker cut gives the same instant
  const ms = Date.parse((zoned ? text : `${text}Z`).replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** Statuses in the spec's spelling: upper case, and CANCELED with one L. Unknown values are kept
 * as sent; the status rules (domain/status.ts) treat them as unknown, never as inactive. */
function toStatus(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const upper = /^[A-Z_]+$/.test(value) ? value : value.trim().toUpperCase().replace(/[\s-]+/g, "_");
  const spec = upper === "CANCELLED" ? "CANCELED" : upper;
  if (spec !== value) recordShape("statuses in another spelling");
  return spec;
}

export const num = z.preprocess(toNumber, z.number().nullish());
export const int = z.preprocess(toNumber, z.number().int().nullish());
export const requiredInt = z.preprocess(toNumber, z.number().int());
export const timestamp = z.preprocess(toTimestamp, z.string().nullish());
export const status = z.preprocess(toStatus, z.string());
export const bool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean().nullish());

/** Copies the first present alias into `key` when `key` itself is absent. */
function alias(value: unknown, key: string, alternatives: readonly string[]): unknown {
  if (!isRecord(value) || value[key] !== undefined && value[key] !== null) return value;
  const found = alternatives.find((name) => value[name] !== undefined && value[name] !== null);
  if (!found) return value;
  recordShape(`${key} sent as ${found}`);
  return { ...value, [key]: value[found] };
}

export const withAliases = (aliases: Record<string, readonly string[]>) => (value: unknown): unknown =>
  Object.entries(aliases).reduce((v, [key, alternatives]) => alias(v, key, alternatives), value);

/** A list the API may send bare, or under any of `keys`; `listKey` is where the internal form
 * keeps it. When no list is found the internal form holds `null` and `received_keys` names
 * what came instead, so a tool can say it could not read the list rather than call it empty. */
export function findList(value: unknown, listKey: string, keys: readonly string[], totalKeys: readonly string[]): unknown {
  if (Array.isArray(value)) {
    recordShape("a bare list");
    return { [listKey]: value, total: null };
  }
  if (!isRecord(value)) return value;
  const key = [listKey, ...keys].find((k) => Array.isArray(value[k]));
  if (key && key !== keys[0]) recordShape(`list under "${key}" (expected "${keys[0]}")`);
  const pagination = isRecord(value["pagination"]) ? value["pagination"] : {};
  const totalKey = totalKeys.find((k) => value[k] !== undefined && value[k] !== null);
  const total = totalKey ? value[totalKey] : pagination["total"] ?? null;
  if (totalKey && totalKey !== totalKeys[0]) recordShape(`total under "${totalKey}" (expected "${totalKeys[0]}")`);
  if (!totalKey) recordShape("no total");
  return {
    ...value,
    [listKey]: key ? value[key] : null,
    total,
    ...(key ? {} : { received_keys: Object.keys(value).slice(0, 20) }),
  };
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
