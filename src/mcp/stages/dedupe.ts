// A mutating call repeated with the same arguments within the window is answered from the first
// call and not sent again; identical calls in flight share one request, on this replica or, with
// Redis, on any (safety/dedupe.ts, safety/redis-state.ts).
import { asDeduplicated, type MutationWindow } from "../../safety/dedupe.js";
import { checkStateHint } from "../errors.js";
import { isMutating, type Outcome, type Stage } from "../pipeline.js";

/** `scope` keeps tenants apart: over HTTP they share the window but not results. */
export const dedupeStage = (mutations: MutationWindow, scope: string): Stage => async (call, next) => {
  if (!isMutating(call) || mutations.windowMs <= 0) return next();
  let own: Outcome | undefined;
  const shared = await mutations.once(mutations.key(call.tool.name, scope, call.args), async () => {
    own = await next();
    return { reply: own.reply, keep: own.mayHaveApplied };
  });
  if (own) return own;
  const reply = "reply" in shared ? asDeduplicated(shared.reply, mutations.windowMs) : {
    isError: true,
    content: [{
      type: "text" as const,
      text: `${call.tool.name} was not sent: an identical call is still in progress (on this or another replica) and has not finished. Its outcome is unknown here. Do not repeat it blindly; call ${checkStateHint(call.args)} to see whether it took effect.`,
    }],
  };
  return { reply, mayHaveApplied: false, deduplicated: true, requestIds: [] };
};
