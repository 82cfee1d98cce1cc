// Budgets on mutations (safety/budget.ts): a call takes a slot on its batch's and its
// credential's counters before it is sent, or is answered `budget_exhausted` without sending; a
// call that changed nothing gives its slot back.
import { randomUUID } from "node:crypto";
import type { BudgetLimits } from "../../cli/config.js";
import { countersFor, freesAt, type BudgetLedger, type CounterUsage } from "../../safety/budget.js";
import { diagnoseStep, humanAction } from "../../domain/next-steps.js";
import { answer, isMutating, type Stage } from "../pipeline.js";
import type { BudgetView } from "../results.js";

export const budgetStage = (ledger: BudgetLedger, limits: BudgetLimits, scope: string, warn: (message: string) => void): Stage => async (call, next) => {
  if (!isMutating(call)) return next();
  const counters = countersFor(limits, call.args["batch_id"]);
  // Stryker disable next-line ConditionalExpression: with no counters, reserve finds none full and takes nothing, and release gives nothing back; the early return only saves a round trip
  if (!counters.length) return next();
  const id = randomUUID();
  const full = await ledger.reserve(scope, counters, id);
  if (full) return answer(call, exhausted(call.args, budgetView(full, ledger.windowMs)));
  const outcome = await next();
  if (!outcome.mayHaveApplied) {
    // Not given back, the slot only makes the budget stricter until it leaves the window.
    await ledger.release(scope, counters, id).catch((error: unknown) => warn(`a budget slot could not be given back: ${(error as Error).message}`));
  }
  return outcome;
};

/** A counter as results show it. */
export const budgetView = (usage: CounterUsage, windowMs: number): BudgetView => {
  const frees = freesAt(usage, windowMs);
  return {
    scope: usage.counter.scope, used: usage.used, limit: usage.counter.limit, window_seconds: windowMs / 1000,
    frees_at: frees === undefined ? null : new Date(frees).toISOString(),
  };
};

const FLAGS = { batch: "--budget-per-batch", credential: "--budget-per-credential" } as const;

function exhausted(args: Record<string, unknown>, budget: BudgetView): Record<string, unknown> {
  const { bucket, batch_id } = args;
  const what = budget.scope === "batch" ? `batch ${String(batch_id)}` : "this key and namespace";
  // Stryker disable next-line StringLiteral: unreachable fallback, a full counter (limit >= 1) always has an oldest call, so frees_at is set
  const when = budget.frees_at ?? "the end of the window";
  const look = typeof batch_id === "string" &&
    // Stryker disable next-line ConditionalExpression: every tool that takes a batch_id takes its bucket too (batchRef), so with a batch_id the bucket is a string
    typeof bucket === "string"
    ? diagnoseStep({ bucket, batch_id }, `Repeated changes have not settled the batch: a person should review the diagnosis and its recent_actions before any more; the next change is possible at ${when}.`)
    : humanAction("Review the recent changes", `A person should review what was changed (the mixpeek://audit/recent resource lists it) before any more; the next change is possible at ${when}.`);
  return {
    outcome: "budget_exhausted",
    reason: `${budget.used} changes were made to ${what} through this server in the last ${budget.window_seconds / 60} minutes, the most allowed (${FLAGS[budget.scope]} ${budget.limit}). Nothing was sent; the next change is possible at ${when}.`,
    budget,
    recommendations: [look],
  };
}
