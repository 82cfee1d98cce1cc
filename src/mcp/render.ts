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
export function toReply(tool: { title: string }, result: Record<string, unknown>): CallToolResult {
  const trace = currentTrace();
  const own = Array.isArray(result["notes"]) ? (result["notes"] as string[]) : [];
  const notes = [...own, ...(trace?.notes ?? []).filter((n) => !own.includes(n))];
  const full = safe(notes.length ? { ...result, notes } : result, trace?.secrets ?? []) as Record<string, unknown>;
  return { structuredContent: full, content: [{ type: "text", text: renderResult(tool.title, full) }] };
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
