// Turns anything a tool throws into one readable sentence set: what failed, the HTTP status and
// request id, whether retrying can help, and the next step. Never a stack trace, never the key.
import {
  AuthenticationError, BadResponseError, ConnectionError, MixpeekApiError, NotFoundError,
  PermissionDeniedError, RateLimitError, ServerError, TimeoutError, ValidationError,
} from "../api/errors.js";
import { InvalidPathSegmentError } from "../api/routes.js";
import { SharedStateUnavailable } from "../safety/state.js";
import { clip } from "../domain/views.js";
import { redact } from "../util/text.js";

/** A refusal the tool decided on (bad confirmation token, precondition unmet). */
export class ToolRefusal extends Error {
  override name = "ToolRefusal";
}

export interface ErrorContext {
  tool: string;
  args: Record<string, unknown>;
  readOnly: boolean;
  namespace: string | undefined;
  secrets: string[];
}

export function describeError(error: unknown, ctx: ErrorContext): string {
  return redact(describe(error, ctx), ctx.secrets);
}

function describe(error: unknown, ctx: ErrorContext): string {
  if (error instanceof ToolRefusal) return `${ctx.tool} refused: ${error.message}`;
  if (error instanceof InvalidPathSegmentError) return `${ctx.tool} refused: ${error.message} Nothing was sent.`;
  if (error instanceof SharedStateUnavailable) {
    return `${ctx.tool} was not sent: ${error.message}, and without the state replicas share this server cannot make sure the same change is not sent twice. Nothing was changed; reads still work. Try again once Redis is back (GET /healthz says "degraded" until then); if this repeats an earlier attempt, first call ${checkStateHint(ctx.args)} to see whether it took effect.`;
  }
  if (!(error instanceof MixpeekApiError)) {
    if ((error as { name?: string } | null)?.name === "AbortError") return `${ctx.tool} was cancelled by the client.`;
    const message = error instanceof Error ? error.message : String(error);
    return `${ctx.tool} failed unexpectedly: ${message.split("\n")[0]}. This is a bug in mixpeek-batch-mcp; retrying will probably fail the same way.`;
  }
  const where = [error.status ? `HTTP ${error.status}` : undefined, clip(error.errorType, 80), error.requestId ? `request ${clip(error.requestId, 80)}` : undefined]
    .filter(Boolean).join(", ");
  // The API's message is untrusted text: cleaned of control characters and bounded.
  const head = `${ctx.tool} failed${where ? ` (${where})` : ""}: ${clip(error.message, 500)}`;
  return `${head}\n${nextStep(error, ctx)}`;
}

/** The read call that tells whether a change took effect. */
export function checkStateHint(args: Record<string, unknown>): string {
  return args["batch_id"] && args["bucket"]
    ? `get_batch {"bucket":${JSON.stringify(args["bucket"])},"batch_id":${JSON.stringify(args["batch_id"])}}`
    : "the matching read tool";
}

function nextStep(error: MixpeekApiError, ctx: ErrorContext): string {
  const checkState = checkStateHint(ctx.args);
  if ((error instanceof ConnectionError || error instanceof TimeoutError) && error.outcomeUnknown) {
    return `Outcome unknown: the request may have been applied. Do not repeat it blindly; call ${checkState} to see whether it took effect.`;
  }
  if (error instanceof AuthenticationError) return "Not retryable: the API key was rejected. Check MIXPEEK_API_KEY (missing, revoked, or for another organisation).";
  if (error instanceof PermissionDeniedError) return "Not retryable: the key is not allowed to do this, or the feature is not enabled on the plan. Check the key's permissions in the Mixpeek dashboard.";
  if (error instanceof NotFoundError) {
    const namespace = ctx.namespace ?? "(from MIXPEEK_NAMESPACE)";
    // A missing bucket cannot be found by listing its batches: the bucket or namespace is wrong.
    if (/bucket/i.test(error.message) || ctx.tool === "list_batches") {
      return `Not retryable: check the bucket name or ID, and the namespace in use (${namespace}); buckets are scoped to a namespace.`;
    }
    const bucket = typeof ctx.args["bucket"] === "string" ? JSON.stringify(ctx.args["bucket"]) : '"…"';
    return `Not retryable: check the ids (they are scoped to namespace ${namespace}). Use list_batches {"bucket":${bucket}} to find batch ids.`;
  }
  if (error instanceof ValidationError) return "Not retryable as is: correct the arguments named above and call again.";
  if (error instanceof RateLimitError) {
    const wait = error.retryAfterMs !== undefined ? `${Math.ceil(error.retryAfterMs / 1000)} s` : "a minute";
    return `Rate limited: wait ${wait}, then call again.`;
  }
  if (error instanceof ServerError) {
    return ctx.readOnly
      ? "The API had a temporary problem; retrying in a few seconds may help."
      : `The API had a problem; the change may or may not have been applied. Call ${checkState} before trying again.`;
  }
  if (error instanceof ConnectionError && (error.code === "ENOTFOUND" || error.code === "EAI_AGAIN")) {
    return "Not retryable until fixed: the host name does not resolve. Check MIXPEEK_API_URL (default https://api.mixpeek.com) and this machine's DNS.";
  }
  if (error instanceof TimeoutError || error instanceof ConnectionError) {
    return "The API could not be reached in time; retrying in a few seconds may help. If it persists, check MIXPEEK_API_URL and the network.";
  }
  if (error instanceof BadResponseError) return "The API answered with something we could not read; retrying may help. If it persists, report it with the request id.";
  return ctx.readOnly ? "Check the arguments; retrying the same call will give the same answer." : `The API refused the change; call ${checkState} to see the current state.`;
}

