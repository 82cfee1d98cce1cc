// Collects what happened on the wire during the call (request ids, answer forms, notes) and logs
// at debug level which forms of the API's answers were seen.
import { traceRequests } from "../../api/trace.js";
import type { Logger } from "../../util/log.js";
import type { Stage } from "../pipeline.js";

/** `secrets` are kept out of every answer of the call (views.ts `clip`, render.ts `toReply`). */
export const traceStage = (logger: Logger, secrets: readonly string[]): Stage => async (call, next) => {
  const { result, requestIds, shapes } = await traceRequests(next, secrets);
  if (shapes.size) logger.log("debug", `${call.tool.name}: the API answered in these forms: ${[...shapes].join("; ")}`);
  return { ...result, requestIds: [...result.requestIds, ...requestIds] };
};
