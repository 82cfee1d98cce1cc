// What this server already did to the batch, newest first, on a short timeline.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { h } from "./dom.js";
import { formatTime } from "./format.js";

export function recentActions(actions: DiagnoseBatchResult["recent_actions"]): HTMLElement {
  if (!actions.length) return h("p", { class: "muted" }, "This server has not changed this batch yet.");
  return h("ol", { class: "timeline" }, actions.map((action) =>
    h("li", { "data-action": true, "data-tool": action.tool, "data-outcome": action.outcome },
      h("time", { datetime: action.at }, formatTime(action.at)), " ",
      h("code", {}, action.tool), " ",
      h("span", { class: "outcome" }, action.outcome),
      action.summary && h("span", { class: "muted" }, ` · ${action.summary}`))));
}
