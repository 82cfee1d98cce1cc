// The compact text rendering of a structured result: the same facts as structuredContent, in a
// few lines an agent or a human reads at a glance. Generic over result shapes so every tool
// renders the same way and nothing drifts from the structured data: scalars share a line
// (`key: value · key: value`), lists of objects become one `- k=v …` line per item with their
// nested parts indented below, and empty values are left out.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { currentTrace } from "../api/trace.js";
import { safeText } from "../util/text.js";
import type { Recommendation } from "./results.js";

const MAX_ROWS = 25;
const MAX_CELL = 200;
const UNCUT = new Set(["confirm_token"]);

/** A tool result as structured content plus its text. The notes the API's answers left in the
 * call's trace (an unreadable body, …) are added here, so no tool can forget to pass them on;
 * and every string and key, wherever it came from, is redacted and kept on one line, so API
 * text reaches no channel raw (util/text.ts). */
export function toReply(tool: { name: string; title: string }, result: Record<string, unknown>): CallToolResult {
  const structured = toStructured(tool, result);
  return { structuredContent: structured, content: [{ type: "text", text: boundText(renderResult(tool.title, structured)) }] };
}

/** The structured part of a reply (also what a resource shows): the trace's notes added, every
 * string and key made safe, and the whole cut to the budget. Call it inside the call's trace. */
export function toStructured(tool: { name: string }, result: Record<string, unknown>): Record<string, unknown> {
  const trace = currentTrace();
  const own = Array.isArray(result["notes"]) ? (result["notes"] as string[]) : [];
  const notes = [...own, ...(trace?.notes ?? []).filter((n) => !own.includes(n))];
  const full = safe(notes.length ? { ...result, notes } : result, trace?.secrets ?? []) as Record<string, unknown>;
  return withinBudget(tool.name, full);
}

/** Every result, whatever the API answered, holds at most this many characters of text and this
 * many characters of structuredContent JSON. */
export const RESULT_BUDGET = 20_000;
/** Room kept for the note that says what was cut. */
const NOTE_ROOM = 1_000;
/** Strings this long or shorter are never shortened (ids, statuses, enums, timestamps). */
const MIN_CUT_STRING = 200;
/** No view has this many fields: an object with more is a record keyed by data, cut like a list. */
const MAX_FIELDS = 50;
/** Which tool shows what a cut list held, by the list's name. */
const MORE: Record<string, string> = {
  documents: "list_failed_documents with offset and a smaller limit",
  groups: "list_failed_documents with raw: true and offset",
  jobs: "get_batch_logs with tier_num",
  tail: "get_batch_logs with tier_num and a smaller tail_lines",
  error_lines: "get_batch_logs with tier_num",
  batches: "list_batches with offset and a smaller limit",
  tiers: "get_batch_logs or list_failed_documents with tier_num",
  error_summary: "list_failed_documents (errors grouped by signature, page by page with offset)",
};

type Node = Record<string, unknown> | unknown[];
interface Cut { path: string; name: string; kept: number; of: number | undefined }

/** The structured result cut to RESULT_BUDGET characters of JSON, with a note in `notes` saying
 * what was cut and which tool shows the rest. Only lists and records (from their end) and long
 * strings are cut, so every required field stays and the result still matches the tool's output schema;
 * recommendations keep their exact arguments and a confirm_token is never touched. */
export function withinBudget(toolName: string, result: Record<string, unknown>, budget = RESULT_BUDGET): Record<string, unknown> {
  if (JSON.stringify(result).length <= budget) return result;
  const cuts = new Map<string, Cut>();
  const target = budget - NOTE_ROOM;
  for (let round = 0; round < 1_000; round++) {
    const size = JSON.stringify(result).length;
    if (size <= target) break;
    const biggest = largest(result);
    if (!biggest) break;
    const { parent, key, value, path } = biggest;
    const excess = size - target;
    if (Array.isArray(value)) {
      let keep = value.length;
      for (let removed = 0; keep > 0 && removed < excess; keep--) removed += JSON.stringify(value[keep - 1]).length + 1;
      const previous = cuts.get(path);
      cuts.set(path, { path, name: String(key), kept: keep, of: previous?.of ?? value.length });
      value.length = keep;
    } else if (typeof value === "object") {
      // A record keyed by the API's data (error counts by type): its entries go from the end.
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      let keep = keys.length;
      for (let removed = 0; keep > 0 && removed < excess; keep--) removed += JSON.stringify({ [keys[keep - 1]!]: record[keys[keep - 1]!] }).length;
      for (const gone of keys.slice(keep)) delete record[gone];
      const previous = cuts.get(path);
      cuts.set(path, { path, name: String(key), kept: keep, of: previous?.of ?? keys.length });
    } else {
      const text = value as string;
      const keep = Math.max(MIN_CUT_STRING, text.length - excess - 20);
      (parent as Record<string, unknown>)[key as never] = `${text.slice(0, keep)}…[${text.length - keep} more]`;
      if (!cuts.has(path)) cuts.set(path, { path, name: String(key), kept: keep, of: undefined });
    }
  }
  const note = budgetNote(toolName, result, [...cuts.values()], budget);
  const notes = Array.isArray(result["notes"]) ? (result["notes"] as string[]) : [];
  return { ...result, notes: [...notes, note] };
}

function budgetNote(toolName: string, result: Record<string, unknown>, cuts: Cut[], budget: number): string {
  const said = cuts.slice(0, 6).map((c) => (c.of === undefined ? `${c.path} shortened` : `${c.path}: ${c.kept} of ${c.of} shown`));
  const lists = cuts.filter((c) => c.of !== undefined);
  const offset = typeof result["offset"] === "number" ? (result["offset"] as number) : undefined;
  const top = lists.find((c) => !c.path.includes(".") && !c.path.includes("["));
  const more = top && offset !== undefined
    ? `${toolName} with offset ${offset + top.kept}`
    : lists.map((c) => MORE[c.name]).find(Boolean) ?? `${toolName} with narrower arguments (a tier_num, a smaller limit or an offset)`;
  const text = `This result was cut to stay within ${budget.toLocaleString("en-US")} characters: ${said.join("; ")}${cuts.length > 6 ? `; ${cuts.length - 6} more cuts` : ""}. The rest: ${more}.`;
  return text.length > NOTE_ROOM - 100 ? `${text.slice(0, NOTE_ROOM - 101)}…` : text;
}

/** The node whose JSON is longest among those that may be cut: non-empty lists, records (objects
 * with more than MAX_FIELDS entries) and strings longer than MIN_CUT_STRING, outside
 * recommendations (ready-to-run arguments), confirm_token and notes. */
function largest(root: Node): { parent: Node; key: string | number; value: unknown; path: string } | undefined {
  let best: { parent: Node; key: string | number; value: unknown; path: string; size: number } | undefined;
  const visit = (parent: Node, key: string | number, value: unknown, path: string, top: boolean): void => {
    if (top && (key === "recommendations" || key === "notes")) return;
    if (key === "confirm_token") return;
    if (typeof value === "string") {
      if (value.length > MIN_CUT_STRING && (!best || value.length + 2 > best.size)) best = { parent, key, value, path, size: value.length + 2 };
      return;
    }
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      if (value.length) {
        const size = JSON.stringify(value).length;
        if (!best || size > best.size) best = { parent, key, value, path, size };
      }
      value.forEach((item, i) => visit(value, i, item, `${path}[${i}]`, false));
      return;
    }
    const entries = Object.entries(value);
    if (entries.length > MAX_FIELDS) {
      const size = JSON.stringify(value).length;
      if (!best || size > best.size) best = { parent, key, value, path, size };
    }
    for (const [k, v] of entries) visit(value as Record<string, unknown>, k, v, path ? `${path}.${k}` : k, false);
  };
  for (const [k, v] of Object.entries(root)) visit(root, k, v, k, true);
  return best;
}

/** The text cut to RESULT_BUDGET characters: facts from their end first, so the recommendations
 * (the next steps) stay, with a last line saying what was left out. */
export function boundText(text: string, budget = RESULT_BUDGET): string {
  if (text.length <= budget) return text;
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.startsWith("recommendations"));
  const facts = at < 0 ? lines : lines.slice(0, at);
  const rest = at < 0 ? [] : lines.slice(at);
  const total = lines.length;
  const note = (left: number) => `… ${left} more lines cut to stay within ${budget.toLocaleString("en-US")} characters; structuredContent holds the result.`;
  const length = (parts: string[]) => parts.reduce((n, l) => n + l.length + 1, 0);
  // Room for our last line, and for a line a later stage puts before the text (a deduplicated
  // repeat says so in one line of about 130 characters).
  const limit = budget - 200;
  while (facts.length > 1 && length(facts) + length(rest) > limit - 200) facts.pop();
  while (rest.length && length(facts) + length(rest) > limit - 200) rest.pop();
  const kept = [...facts, ...rest];
  const out = `${kept.join("\n")}\n${note(total - kept.length)}`;
  return out.length <= limit ? out : `${out.slice(0, limit - 1)}…`;
}

/** No single string of a result is longer than this (tools clip API text much shorter already;
 * this bounds whatever one of them let through). */
const MAX_STRING = 2_000;
const MAX_KEY = 100;

function safe(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return safeText(value, MAX_STRING, secrets);
  if (Array.isArray(value)) return value.map((item) => safe(item, secrets));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [safeText(key, MAX_KEY, secrets), safe(item, secrets)]));
}

export function renderResult(title: string, result: Record<string, unknown>): string {
  const lines: string[] = [`## ${title}`];
  const { recommendations, ...facts } = result;
  renderFields(facts, lines, "", "key: value");
  if (Array.isArray(recommendations)) {
    // An empty list is no verdict: only a result's own facts can say there is nothing to do.
    lines.push(recommendations.length ? "recommendations:" : "recommendations: none");
    (recommendations as Recommendation[]).forEach((rec, i) => {
      const action = rec.tool ? ` → ${rec.tool} ${JSON.stringify(rec.arguments ?? {})}` : " (no tool: a human must act)";
      lines.push(`  ${i + 1}. [${rec.risk} risk] ${rec.title}${action}`, `     ${rec.rationale}`);
    });
  }
  return lines.join("\n");
}

type Style = "key: value" | "k=v";

/** Scalars of `obj` on one line, then each nested value on lines of its own below. */
function renderFields(obj: Record<string, unknown>, lines: string[], indent: string, style: Style, prefix = ""): void {
  const scalars: string[] = [];
  const nested: [string, unknown][] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (isEmpty(value)) continue;
    if (isScalar(value) || (Array.isArray(value) && value.every(isScalar))) {
      const text = Array.isArray(value) ? value.map((v) => cell(v)).join(", ") : cell(value, key);
      scalars.push(style === "k=v" ? `${key}=${Array.isArray(value) ? `[${text}]` : text}` : `${key}: ${text}`);
    } else {
      nested.push([key, value]);
    }
  }
  if (scalars.length || prefix) lines.push(indent + prefix + scalars.join(style === "k=v" ? " " : " · "));
  const inner = prefix ? `${indent}  ` : indent;
  for (const [key, value] of nested) {
    if (Array.isArray(value)) {
      lines.push(`${inner}${key} (${value.length}):`);
      for (const item of value.slice(0, MAX_ROWS)) {
        if (isScalar(item)) lines.push(`${inner}  - ${cell(item)}`);
        else renderFields(item as Record<string, unknown>, lines, `${inner}  `, "k=v", "- ");
      }
      if (value.length > MAX_ROWS) lines.push(`${inner}  … ${value.length - MAX_ROWS} more in structuredContent`);
    } else {
      renderFields(value as Record<string, unknown>, lines, inner, "k=v", `${key}: `);
    }
  }
}

const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v);

const isEmpty = (v: unknown): boolean => v === undefined || v === null
  || (Array.isArray(v) && v.length === 0)
  || (typeof v === "object" && !Array.isArray(v) && Object.values(v as object).every(isEmpty));

/** Text from the API (error messages, log lines) is data: a string with spaces or quotes is
 * JSON-quoted, so it stays one delimited field and cannot pass for our own lines. */
function cell(value: unknown, key?: string): string {
  const raw = String(value);
  // A token is useless cut short: an agent that reads only the text must be able to send it back.
  const text = raw.length > MAX_CELL && !UNCUT.has(key ?? "") ? `${raw.slice(0, MAX_CELL)}…` : raw;
  return typeof value === "string" && /[\s"'`\\]/.test(text) ? JSON.stringify(text) : text;
}
