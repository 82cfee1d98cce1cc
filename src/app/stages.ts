// Where the batch's time went: one bar per stage in the API's order, the slowest marked.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { h } from "./dom.js";
import { formatSeconds } from "./format.js";

export function stages(history: DiagnoseBatchResult["stage_history"]): HTMLElement {
  if (!history.length) return h("p", { class: "muted" }, "The API gave no stage timing for this batch.");
  const longest = Math.max(0, ...history.map((s) => s.duration_seconds ?? 0));
  const slowest = longest > 0 ? history.findIndex((s) => s.duration_seconds === longest) : -1;
  return h("ol", { class: "stages" }, history.map((stage, i) => {
    const seconds = stage.duration_seconds;
    const bar = h("span", { class: "bar", "aria-hidden": "true" });
    // Set through the CSSOM, which no Content-Security-Policy blocks.
    bar.style.width = `${longest && seconds ? (seconds / longest) * 100 : 0}%`;
    return h("li", { "data-stage": stage.name, "data-seconds": seconds ?? "", "data-slowest": i === slowest ? "true" : undefined },
      h("span", { class: "stage-name" }, stage.name),
      h("span", { class: "track" }, bar),
      h("span", { class: "stage-time" }, seconds === null ? "unknown" : formatSeconds(seconds), i === slowest && h("strong", {}, " · slowest")));
  }));
}
