// Failed documents by error group, largest first: how many, whether a retry can help, where.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { h } from "./dom.js";

type Failed = DiagnoseBatchResult["failed_documents"];

const kindOf = (transient: boolean | undefined) => (transient === undefined ? "unknown" : transient ? "transient" : "permanent");

export function errorGroups(failed: Failed): HTMLElement {
  const total = failed.total === null ? "An unknown number of" : failed.total.toLocaleString("en-US");
  const sampled = failed.total !== null && failed.sampled < failed.total ? ` (groups from ${failed.sampled.toLocaleString("en-US")} read)` : "";
  const groups = [...failed.groups].sort((a, b) => b.count - a.count);
  return h("div", {},
    h("p", {}, `${total} failed document${failed.total === 1 ? "" : "s"}${sampled}.`),
    groups.length ? h("ol", { class: "groups" }, groups.map((group) => {
      const kind = kindOf(group.transient);
      return h("li", { "data-error-group": true, "data-count": group.count, "data-kind": kind },
        h("span", { class: "count" }, `${group.count.toLocaleString("en-US")} ×`), " ",
        h("span", { class: "kind", "data-kind": kind }, kind), " ",
        h("code", {}, group.error_type), " ", group.message,
        h("br"),
        h("span", { class: "muted" }, `tier${group.tiers.length === 1 ? "" : "s"} ${group.tiers.join(", ") || "unknown"}`
          + (group.example_document_ids.length ? ` · e.g. ${group.example_document_ids.join(", ")}` : "")));
    })) : null,
    failed.groups_omitted ? h("p", { class: "muted" }, `${failed.groups_omitted} smaller groups not shown; list_failed_documents has them all.`) : null,
  );
}
