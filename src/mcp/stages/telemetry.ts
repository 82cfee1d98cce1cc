// Tells metrics and traces (src/telemetry/) how each tool call went and which API requests it
// made, in closed-set terms only: tool and operation names, outcomes, HTTP statuses. Never an
// argument, an id or a key. The outermost stage: it sees the final answer of every call.
import { observeRequests, type ApiExchange } from "../../api/trace.js";
import type { Call, Outcome, Stage } from "../pipeline.js";
import { outcomeOf } from "./audit.js";

/** What a call is counted as: the `outcome` its tool declares, "done" for a result without one
 * (every read), "error" for an isError answer, "other" for anything not listed (never the raw value). */
export const CALL_OUTCOMES = [
  "done", "error", "other",
  "accepted", "added", "budget_exhausted", "canceled", "confirmation_required", "created", "declined", "deleted",
  "detection_unclear", "killed", "no_duplicates", "not_active", "not_found", "not_stuck", "nothing_to_retry",
  "refused", "resubmitted", "retrying", "rewriting", "stuck_detected", "submitted", "triggered", "updated",
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** asked: a plan was shown (token or elicitation); accepted: a token or a yes applied it;
 * refused: the user said no, or the token was refused. */
export const CONFIRMATION_RESULTS = ["asked", "accepted", "refused"] as const;
export type ConfirmationResult = (typeof CONFIRMATION_RESULTS)[number];

export interface CallSummary {
  outcome: CallOutcome;
  /** Answered from an identical recent call; nothing was sent. */
  deduplicated: boolean;
  confirmations: ConfirmationResult[];
}

/** One tool call as a sink follows it: its API requests as they end, then its summary. */
export interface CallWatch {
  request?(exchange: ApiExchange): void;
  end(summary: CallSummary): void;
}

/** Where calls are reported (metrics, traces). */
export interface Telemetry {
  startCall(tool: string): CallWatch;
}

export const telemetryStage = (sinks: readonly Telemetry[]): Stage => async (call, next) => {
  const watches = sinks.map((sink) => sink.startCall(call.tool.name));
  let outcome: Outcome | undefined;
  try {
    outcome = await observeRequests((exchange) => { for (const watch of watches) watch.request?.(exchange); }, next);
    return outcome;
  } finally {
    const summary = summarize(call, outcome);
    for (const watch of watches) watch.end(summary);
  }
};

const KNOWN: ReadonlySet<string> = new Set(CALL_OUTCOMES);

/** `outcome` is undefined when a stage threw. */
export function summarize(call: Call, outcome: Outcome | undefined): CallSummary {
  const raw = outcome ? outcomeOf(outcome.reply) : "error";
  const counted = (KNOWN.has(raw) ? raw : "other") as CallOutcome;
  return { outcome: counted, deduplicated: outcome?.deduplicated ?? false, confirmations: confirmations(call.confirmed, counted) };
}

function confirmations(confirmed: Call["confirmed"], outcome: CallOutcome): ConfirmationResult[] {
  switch (confirmed) {
    case "elicitation": return ["asked", "accepted"];
    case "declined": return ["asked", "refused"];
    case "token": return ["accepted"];
    case "refused": return ["refused"];
    default: return outcome === "confirmation_required" ? ["asked"] : [];
  }
}
