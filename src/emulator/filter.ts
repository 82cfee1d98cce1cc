// The source_filters of a collection trigger, matched against the objects it would process.
import { badRequest } from "./errors.js";

/** LogicalOperator (AND/OR/NOT of FilterConditions, or the `{field: value}` shorthand) over an
 * object's fields. The emulator's objects have only ids, so few operators matter. */
export function matchesFilter(filter: Record<string, unknown>, record: Record<string, string>): boolean {
  return Object.entries(filter).every(([key, value]) => {
    if (key === "case_sensitive") return true;
    const parts = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
    if (key === "AND") return parts.every((p) => matches(p));
    if (key === "OR") return parts.some((p) => matches(p));
    if (key === "NOT") return !parts.some((p) => matches(p));
    return record[key] === value;
  });
  function matches(part: Record<string, unknown>): boolean {
    if (!("field" in part)) return matchesFilter(part, record);
    const actual = record[String(part["field"])];
    const value = part["value"];
    switch (part["operator"] ?? "eq") {
      case "eq": return actual === value;
      case "ne": return actual !== value;
      case "in": return Array.isArray(value) && value.includes(actual);
      case "nin": return !Array.isArray(value) || !value.includes(actual);
      case "exists": return (actual !== undefined) === (value !== false);
      case "starts_with": return typeof value === "string" && actual !== undefined && actual.startsWith(value);
      default: throw badRequest(`Filter operator ${String(part["operator"])} is not supported on field ${String(part["field"])}`);
    }
  }
}
