// Status rules of batches, tiers, jobs and tasks (the spec's TaskStatusEnum). A status this server
// does not know (a newer API's "RUNNING", "QUEUED", …) is "unknown": never read as inactive, so
// no "nothing to cancel" or "nothing to do" is ever concluded from it.

const ACTIVE = new Set(["PENDING", "IN_PROGRESS", "PROCESSING"]);
const TERMINAL = new Set(["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED", "SKIPPED"]);
/** Known and not running: a batch not yet submitted, or an entity lifecycle value. */
const IDLE = new Set(["DRAFT", "ACTIVE", "ARCHIVED", "SUSPENDED"]);

export type StatusClass = "active" | "terminal" | "idle" | "unknown";

export function statusClass(status: string | null | undefined): StatusClass {
  // Stryker disable next-line StringLiteral: the mutant's "Stryker was here!" is in no status set either, so a missing status stays unknown
  const s = status ?? "";
  return ACTIVE.has(s) ? "active" : TERMINAL.has(s) ? "terminal" : IDLE.has(s) ? "idle" : "unknown";
}

/** Known to be running: keep polling. */
export const isActive = (status: string | null | undefined): boolean => statusClass(status) === "active";
/** Known to be finished: will not change on its own. */
export const isTerminal = (status: string | null | undefined): boolean => statusClass(status) === "terminal";
/** Running, or a status we cannot read, which might be running: whatever acts on running
 * things (cancel, kill duplicates, stuck checks) must still consider it. */
export const mayBeActive = (status: string | null | undefined): boolean => {
  const kind = statusClass(status);
  return kind === "active" || kind === "unknown";
};
/** The status as sent when it is not one we know, for a note that says so; else undefined. */
export const unknownStatus = (status: string | null | undefined): string | undefined =>
  statusClass(status) === "unknown" ? status ?? "(none)" : undefined;

/** Whether a failed document's error may pass on retry. The API's ErrorCategory names network and
 * resource errors; other servers send exception names or only a message, so those are read too.
 * Anything we cannot place is permanent: retrying it blindly is what we must not recommend. */
const TRANSIENT_TYPE = /^(network|resource|timeout|rate_?limit|transient|unavailable)$|timeout|connection|reset|unavailable|throttl|ratelimit|toomanyrequests|temporar/i;
const TRANSIENT_MESSAGE = /timed? ?out|timeout|connection (reset|refused|aborted)|reset by peer|\b50[234]\b|service unavailable|temporarily|rate limit|too many requests|throttl/i;
const OOM = /out ?of ?memory|oom/i;

export function isTransientError(errorType: string | null | undefined, message?: string | null): boolean {
  // Stryker disable next-line StringLiteral: "Stryker was here!" matches none of the type rules, so a missing type reads the same as ""
  const type = errorType ?? "";
  if (/^(validation|dependency|authentication|runtime)$/i.test(type)) return false;
  // An out-of-memory kill passes only with more memory; the OOM rules handle it, not a plain retry.
  if (OOM.test(type)) return false;
  // Stryker disable next-line StringLiteral: "Stryker was here!" matches no transient message, so a missing message reads the same as ""
  return TRANSIENT_TYPE.test(type) || TRANSIENT_MESSAGE.test(message ?? "");
}
