// The one way to write a recommendation. A step that names a tool is built from the tool's name
// and its own argument type (taken from the tool's input schema at compile time), so a renamed
// tool or a wrong argument does not compile; a step no tool can take is a human action.
import type { ToolArgs, ToolName } from "../../tools/index.js";
import type { Recommendation } from "../mcp/results.js";

export type Risk = Recommendation["risk"];
export interface BatchRef { bucket: string; batch_id: string }

/** Run `tool` now with `args`: complete, valid, and safe to run as is. */
export function step<T extends ToolName>(tool: T, args: ToolArgs<T>, title: string, rationale: string, risk: Risk = "low"): Recommendation {
  const complete = Object.fromEntries(Object.entries(args as Record<string, unknown>).filter(([, v]) => v !== undefined));
  return { title, rationale, risk, tool, arguments: complete };
}

/** What a person must do before any tool can help; never offered as a tool call. */
export const humanAction = (title: string, rationale: string): Recommendation =>
  ({ title: `${title} (human action)`, rationale, risk: "low" });

/** The tools that only read (readOnlyHint; a test holds the two together): no budget counts them. */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set<ToolName>([
  "list_batches", "get_batch", "diagnose_batch", "list_failed_documents", "get_batch_logs", "get_task",
  "wait_for_batch", "get_bucket_health", "get_batch_diagnostics", "list_tasks",
]);

/** A step that would change something, while this server would refuse it (its mutation budget
 * is spent): the same step in words, for a person to review and run once the budget frees. */
export function heldForReview(rec: Recommendation, until: string): Recommendation {
  if (!rec.tool || READ_ONLY_TOOLS.has(rec.tool)) return rec;
  return humanAction(rec.title,
    `${rec.rationale} This server refuses ${rec.tool} until ${until} (the mutation budget is spent): a person should review recent_actions first, then run ${rec.tool} with ${JSON.stringify(rec.arguments ?? {})}.`);
}

const ref = ({ bucket, batch_id }: BatchRef) => ({ bucket, batch_id });

export const diagnoseStep = (batch: BatchRef, rationale = "diagnose_batch finds the cause and recommends the fix.") =>
  step("diagnose_batch", ref(batch), "Diagnose the batch", rationale);

export const waitStep = (batch: BatchRef, rationale = "wait_for_batch reports when the batch reaches a terminal status; if it fails again, run diagnose_batch.") =>
  step("wait_for_batch", ref(batch), "Wait for the batch to finish", rationale);

export const readFailedDocumentsStep = (batch: BatchRef, rationale: string) =>
  step("list_failed_documents", ref(batch), "Read the failed documents", rationale);
