// Turns what a call throws into its answer: an API refusal of a write in the batch's current
// state (400/409) is a normal result (`outcome: "refused"`, nothing changed); anything else is
// one isError text with the status, request id, whether a retry can help and the next step.
import { BadRequestError, ConflictError, ConnectionError, ServerError, TimeoutError } from "../../api/errors.js";
import { diagnoseStep } from "../../domain/next-steps.js";
import { describeError } from "../errors.js";
import { answer, isMutating, type Stage } from "../pipeline.js";

export interface ErrorPolicy {
  namespace: string | undefined;
  /** Texts that must never appear in an answer (the API key). */
  secrets: string[];
  warn(message: string): void;
}

export const errorStage = (policy: ErrorPolicy): Stage => async (call, next) => {
  try {
    return await next();
  } catch (error) {
    const mutating = isMutating(call);
    if (mutating && (error instanceof BadRequestError || error instanceof ConflictError)) {
      return answer(call, { outcome: "refused", reason: error.message, recommendations: lookFirst(call.args) });
    }
    const text = describeError(error, { tool: call.tool.name, args: call.args, readOnly: !mutating, namespace: policy.namespace, secrets: policy.secrets });
    policy.warn(text.split("\n")[0]!);
    return { reply: { isError: true, content: [{ type: "text", text }] }, mayHaveApplied: mutating && outcomeUnknown(error), deduplicated: false, requestIds: [] };
  }
};

/** The request may have reached the API and been applied: a repeat must not be sent blindly. */
const outcomeUnknown = (error: unknown) =>
  ((error instanceof ConnectionError || error instanceof TimeoutError) && error.outcomeUnknown) || error instanceof ServerError;

/** After a refusal, look before acting again. */
function lookFirst(args: Record<string, unknown>) {
  const { bucket, batch_id } = args;
  return typeof bucket === "string" && typeof batch_id === "string"
    ? [diagnoseStep({ bucket, batch_id }, "The API refused the change in the batch's current state; diagnose_batch shows that state and what can be done now.")]
    : [];
}
