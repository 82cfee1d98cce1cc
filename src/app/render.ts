// The whole page for one diagnosis, and its empty and error states; the root's data-state says
// which is shown.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { recentActions } from "./actions.js";
import { dag, dagList } from "./dag.js";
import { h } from "./dom.js";
import { errorGroups } from "./errors.js";
import { recommendations, type Runner } from "./recommendations.js";
import { stages } from "./stages.js";

const section = (title: string, ...content: HTMLElement[]) =>
  h("section", { class: "part", "aria-label": title }, h("h2", {}, title), ...content);

export function renderDiagnosis(root: HTMLElement, d: DiagnoseBatchResult, run: Runner): void {
  root.dataset["state"] = "ready";
  root.replaceChildren(
    h("header", {},
      h("h1", {}, "Batch ", h("code", { "data-field": "batch-id" }, d.batch_id), " ",
        h("span", { class: "status", "data-field": "status", "data-status": d.status.toLowerCase() }, d.status)),
      h("p", { "data-field": "summary" }, d.summary),
      h("p", { "data-field": "run-status", role: "status" })),
    section("Tiers", dag(d.tiers), dagList(d.tiers)),
    section("Recommended next steps", recommendations(d.recommendations, run)),
    section("Stage timing", stages(d.stage_history)),
    section("Failed documents", errorGroups(d.failed_documents)),
    section("Already done", recentActions(d.recent_actions)),
    ...(d.notes.length ? [section("Notes", h("ul", {}, d.notes.map((note) => h("li", {}, note))))] : []),
  );
}

/** Before a result: which batch is being diagnosed, when the host said. */
export function renderWaiting(root: HTMLElement, batchId: string | undefined): void {
  root.dataset["state"] = "empty";
  root.replaceChildren(h("p", { class: "placeholder" }, batchId ? `Diagnosing batch ${batchId}…` : "Waiting for a diagnosis…"));
}

export function renderError(root: HTMLElement, message: string): void {
  root.dataset["state"] = "error";
  root.replaceChildren(h("p", { class: "error", role: "alert" }, message));
}

/** One line about a step run from the page, under the summary. */
export function showRunStatus(root: HTMLElement, text: string): void {
  const line = root.querySelector<HTMLElement>('[data-field="run-status"]');
  if (line) line.textContent = text;
}
