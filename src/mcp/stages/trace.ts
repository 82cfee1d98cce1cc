// Collects what happened on the wire during the call (request ids, answer forms, notes) and logs
// at debug level which forms of the API's answers were seen.
import { traceRequests } from "../../api/trace.js";
import type { Logger } from "../../util/log.js";
import type { Stage } from "../pipeline.js";

export const traceStage = (logger: Logger): Stage => async (call, next) => {
  const { result, requestIds, shapes } = await traceRequests(next);
  if (shapes.size) logger.log("debug", `${call.tool.name}: the API answered in these forms: ${[...shapes].join("; ")}`);
  return { ...result, requestIds: [...result.requestIds, ...requestIds] };
};
