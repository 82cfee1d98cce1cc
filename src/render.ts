// The compact text rendering of a structured result: the same facts as structuredContent, in a
// few lines an agent or a human reads at a glance. Generic over result shapes so every tool
// renders the same way and nothing drifts from the structured data.
import type { Recommendation } from "./schemas.js";

const MAX_ROWS = 25;
const MAX_CELL = 160;

export function renderResult(title: string, result: Record<string, unknown>): string {
  const lines: string[] = [`## ${title}`];
  const { recommendations, ...facts } = result;
  renderObject(facts, lines, "");
  if (Array.isArray(recommendations)) {
    lines.push(recommendations.length ? "recommendations:" : "recommendations: none — nothing to do");
    (recommendations as Recommendation[]).forEach((rec, i) => {
      const action = rec.tool ? ` → ${rec.tool} ${JSON.stringify(rec.arguments ?? {})}` : " (no tool: human action)";
      lines.push(`  ${i + 1}. [${rec.risk} risk] ${rec.title}${action}`, `     ${rec.rationale}`);
    });
  }
  return lines.join("\n");
}

function renderObject(obj: Record<string, unknown>, lines: string[], indent: string): void {
  const scalars: string[] = [];
  const flush = () => { if (scalars.length) lines.push(indent + scalars.splice(0).join(" · ")); };
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    if (isScalar(value)) { scalars.push(`${key}: ${cell(value)}`); continue; }
    if (Array.isArray(value)) {
      if (value.every(isScalar)) { scalars.push(`${key}: ${value.length ? value.map(cell).join(", ") : "none"}`); continue; }
      flush();
      lines.push(`${indent}${key} (${value.length}):`);
      for (const item of value.slice(0, MAX_ROWS)) {
        lines.push(`${indent}  - ${inline(item)}`);
      }
      if (value.length > MAX_ROWS) lines.push(`${indent}  … ${value.length - MAX_ROWS} more in structuredContent`);
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.every(([, v]) => isScalar(v) || v === undefined)) {
      scalars.push(`${key}: ${entries.length ? inline(value) : "none"}`);
      continue;
    }
    flush();
    lines.push(`${indent}${key}:`);
    renderObject(value as Record<string, unknown>, lines, indent + "  ");
  }
  flush();
}

const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v);

function cell(value: unknown): string {
  if (value === null) return "—";
  const text = String(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL)}…` : text;
}

/** One line for a nested object: scalars as k=v, nested values as compact JSON. */
function inline(value: unknown): string {
  if (isScalar(value)) return cell(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${isScalar(v) ? cell(v) : cell(JSON.stringify(v))}`)
    .join(" ");
}
