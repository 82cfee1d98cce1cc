// Destructive tools change nothing until confirmed: the tool's plan (read fresh from the API)
// is shown, and the call goes on only with a yes from the user (elicitation) or a confirm_token
// bound to the tool, its arguments, the namespace and the target's state (safety/confirm.ts).
import type { ConfirmationTokens } from "../../safety/confirm.js";
import type { ConfirmPolicy } from "../../cli/config.js";
import { ToolRefusal } from "../errors.js";
import { answer, type Call, type Stage } from "../pipeline.js";
import { CONFIRMATION_REQUIRED, type ConfirmationPlan } from "../tool.js";

/** Asks the user yes or no; undefined when the client cannot be asked or did not answer. */
export type Ask = (message: string, plan: ConfirmationPlan, signal: AbortSignal) => Promise<boolean | undefined>;

export interface ConfirmationPolicy {
  mode: ConfirmPolicy;
  tokens: ConfirmationTokens;
  /** Namespace and key digest: a token works only for the caller it was issued to. */
  scope: string;
  ask: Ask;
}

export const confirmationStage = (policy: ConfirmationPolicy): Stage => async (call, next) => {
  const { tool } = call;
  if (!tool.plan) return next();
  if (policy.mode === "none") {
    call.confirmed = "disabled";
    return next();
  }
  call.confirmed = "pending";
  const planned = await tool.plan(call.args, call.ctx);
  if ("result" in planned) {
    // Nothing to confirm (e.g. already finished): the plan's answer is the result.
    call.confirmed = "not required";
    return answer(call, planned.result);
  }
  const { plan } = planned;
  if (call.confirmToken) {
    const verdict = await policy.tokens.verify(call.confirmToken, tool.name, call.args, policy.scope, plan.fingerprint);
    if (!verdict.ok) {
      call.confirmed = "refused";
      throw new ToolRefusal(`${verdict.reason} Nothing was changed. Call ${tool.name} again without confirm_token for a fresh plan.`);
    }
    call.confirmed = "token";
    return next();
  }
  if (policy.mode === "elicit") {
    const affects = plan.affects.length ? plan.affects.join("; ") : "nothing else";
    // A client that cannot be asked, or fails to answer, gets the token two-step instead.
    const yes = await policy.ask(`${plan.action}: ${plan.target}. This stops: ${affects}. It cannot be undone. Proceed?`, plan, call.ctx.signal);
    if (yes === true) {
      call.confirmed = "elicitation";
      return next();
    }
    if (yes === false) {
      call.confirmed = "declined";
      return answer(call, { outcome: "declined", plan: shown(plan, new Date()) });
    }
  }
  return tokenRequest(call, policy, plan);
};

function tokenRequest(call: Call, policy: ConfirmationPolicy, plan: ConfirmationPlan) {
  const issued = policy.tokens.issue(call.tool.name, call.args, policy.scope, plan.fingerprint);
  return answer(call, {
    outcome: CONFIRMATION_REQUIRED,
    next_step: `Nothing was changed. Show the plan to the user; if they agree, call ${call.tool.name} again with the same arguments plus this confirm_token (valid 5 minutes).`,
    confirm_token: issued.token,
    plan: shown(plan, new Date(issued.expiresAt)),
  });
}

const shown = (plan: ConfirmationPlan, expiresAt: Date) =>
  ({ action: plan.action, target: plan.target, affects: plan.affects, expires_at: expiresAt.toISOString() });
