// Changes go through only while the state replicas share can be written: with Redis unreachable a
// mutating call is refused at once, and so is one whose duplicate check, budget or token could
// not be settled, since nothing could promise it is sent once. Reads pass untouched.
import { SharedStateUnavailable, type SharedState } from "../../safety/state.js";
import { isMutating, type Call, type Stage } from "../pipeline.js";

export const sharedStateStage = (state: Pick<SharedState, "assertWritable">, describe: (error: unknown, call: Call) => string): Stage => async (call, next) => {
  if (!isMutating(call)) return next();
  try {
    state.assertWritable();
    return await next();
  } catch (error) {
    if (!(error instanceof SharedStateUnavailable)) throw error;
    return { reply: { isError: true, content: [{ type: "text", text: describe(error, call) }] }, mayHaveApplied: false, deduplicated: false, requestIds: [] };
  }
};
