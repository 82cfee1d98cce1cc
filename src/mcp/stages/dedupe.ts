// A mutating call repeated with the same arguments within the window is answered from the first
// call and not sent again; identical calls in flight share one request (safety/dedupe.ts).
import { asDeduplicated, type RecentMutations } from "../../safety/dedupe.js";
import { isMutating, type Stage } from "../pipeline.js";

/** `scopeKey` keeps tenants apart: over HTTP they share the window but not results. */
export const dedupeStage = (mutations: RecentMutations, scopeKey: string): Stage => async (call, next) => {
  if (!isMutating(call)) return next();
  const key = mutations.key(call.tool.name, scopeKey, call.args);
  const previous = mutations.get(key);
  if (previous) {
    return { reply: asDeduplicated(await previous, mutations.windowMs), mayHaveApplied: false, deduplicated: true, requestIds: [] };
  }
  const outcome = next();
  await mutations.track(key, outcome.then(({ reply, mayHaveApplied }) => ({ reply, keep: mayHaveApplied })));
  return outcome;
};
