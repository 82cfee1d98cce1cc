// The recommended next steps, best first. A step that only reads can be run from the page; a step
// that changes the batch is left to the agent, so the host's approval and the server's
// confirmation apply to it.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { READ_ONLY_TOOLS } from "../domain/next-steps.js";
import { h } from "./dom.js";

type Recommendation = DiagnoseBatchResult["recommendations"][number];
/** Runs a read-only step through the host; undefined when there is no host (a report file). */
export type Runner = ((tool: string, args: Record<string, unknown>) => void) | undefined;


function action(rec: Recommendation, run: Runner): HTMLElement {
  if (!rec.tool) return h("p", { class: "muted" }, "No tool can do this: a person must act.");
  const { tool } = rec;
  const args = rec.arguments ?? {};
  if (!READ_ONLY_TOOLS.has(tool)) return h("p", { class: "muted" }, "Your agent runs this step, so the host's approval and this server's confirmation apply.");
  const button = h("button", { type: "button", "data-run": true, disabled: !run, title: run ? undefined : "Open this view in an MCP host to run it" }, `Run ${tool}`);
  button.addEventListener("click", () => run?.(tool, args));
  return button;
}

export function recommendations(list: Recommendation[], run: Runner): HTMLElement {
  if (!list.length) return h("p", { class: "muted" }, "No recommended step.");
  return h("ol", { class: "recommendations" }, list.map((rec) =>
    h("li", { "data-recommendation": true, "data-tool": rec.tool ?? "" },
      h("strong", {}, rec.title), " ",
      h("span", { class: "risk", "data-risk": rec.risk }, `${rec.risk} risk`),
      h("p", {}, rec.rationale),
      rec.tool && h("p", {}, h("code", {}, `${rec.tool} ${JSON.stringify(rec.arguments ?? {})}`)),
      action(rec, run))));
}
