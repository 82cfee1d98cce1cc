// The tier DAG, left to right: each tier with its status (colour and word), badges, collections
// and extractor jobs. The same tiers as an ordered list of sentences, for screen readers and for
// reading without the picture.
import { h } from "./dom.js";
import { badges, type Tier } from "./badges.js";

const statusOf = (tier: Tier) => tier.status.toLowerCase();

function tierCard(tier: Tier): HTMLElement {
  const duplicates = new Set(tier.duplicate_jobs.flatMap((d) => d.ray_job_ids));
  const failing = new Set(tier.failing_jobs.map((j) => j.ray_job_id));
  const heading = `tier-${tier.tier_num}`;
  return h("section", { class: "tier", "data-tier": tier.tier_num, "data-status": statusOf(tier), "aria-labelledby": heading },
    h("h3", { id: heading }, `Tier ${tier.tier_num}`),
    h("span", { class: "status", "data-status": statusOf(tier) }, tier.status),
    h("div", { class: "badges" }, badges(tier).map((b) => h("span", { class: "badge", "data-badge": b.kind }, b.text))),
    h("h4", {}, "Collections"),
    tier.collection_ids.length ? h("ul", { class: "plain" }, tier.collection_ids.map((id) => h("li", {}, h("code", {}, id)))) : h("p", { class: "muted" }, "none listed"),
    h("h4", {}, "Extractor jobs"),
    tier.jobs.length
      ? h("ul", { class: "plain jobs" }, tier.jobs.map((job) => h("li", { "data-job": job.ray_job_id ?? "", "data-status": job.status.toLowerCase() },
        h("span", { class: "job-type" }, job.extractor_type), " ",
        h("span", { class: "status", "data-status": job.status.toLowerCase() }, job.status),
        job.ray_job_id && duplicates.has(job.ray_job_id) && h("span", { class: "flag" }, "duplicate"),
        job.ray_job_id && failing.has(job.ray_job_id) && h("span", { class: "flag" }, "failing"),
        h("br"), h("code", { class: "muted" }, job.ray_job_id ?? "no ray_job_id"))))
      : h("p", { class: "muted" }, "none listed"),
    tier.jobs_omitted ? h("p", { class: "muted" }, `${tier.jobs_omitted} more jobs not shown`) : null,
  );
}

export function dag(tiers: Tier[]): HTMLElement {
  const cards = tiers.flatMap((tier, i) => [i > 0 && h("span", { class: "arrow", "aria-hidden": "true" }, "→"), tierCard(tier)]);
  return h("div", { class: "dag", role: "group", "aria-label": "Tiers, left to right", tabindex: 0 }, cards);
}

export function dagList(tiers: Tier[]): HTMLElement {
  return h("details", { class: "dag-text" },
    h("summary", {}, "Tiers as text"),
    h("ol", { "data-dag-list": true }, tiers.map((tier) => {
      const found = badges(tier).map((b) => b.text);
      const jobs = tier.jobs.map((j) => `${j.extractor_type} ${j.ray_job_id ?? ""} (${j.status})`.replace("  ", " "));
      return h("li", {}, `Tier ${tier.tier_num}: ${tier.status}${found.length ? `; ${found.join("; ")}` : ""}`
        + `. Collections: ${tier.collection_ids.join(", ") || "none listed"}. Jobs: ${jobs.join(", ") || "none listed"}.`);
    })));
}
