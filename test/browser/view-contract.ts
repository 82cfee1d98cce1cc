// The view's DOM contract, read out of a rendered page and held against the diagnose_batch
// structuredContent it was given. Reading is one evaluate() into a plain object; the checks are
// plain expect() calls, so a wrong page fails with a diff.
import { expect } from "vitest";
import type { Frame } from "playwright-core";
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";

/** The diagnose_batch structuredContent the view draws. */
export type Diagnosis = DiagnoseBatchResult;

export interface ViewDom {
  state: string | null;
  batchId: string;
  status: string;
  summary: string;
  tiers: { tier: string | null; status: string | null; visible: boolean; text: string; badges: { kind: string; text: string }[]; jobs: string[] }[];
  dag: string[];
  stages: { name: string; seconds: number; slowest: boolean }[];
  errorGroups: { count: number; kind: string | null; text: string }[];
  actions: { tool: string | null; outcome: string | null; text: string }[];
  recommendations: { tool: string | null; text: string; run: boolean }[];
}

/** The contract's elements and attributes as a plain object; texts as rendered (innerText). */
export const readView = (frame: Frame): Promise<ViewDom> => frame.evaluate(() => {
  const text = (el: Element | null) => ((el as HTMLElement | null)?.innerText ?? "").replace(/\s+/g, " ").trim();
  const all = (selector: string, root: ParentNode = document) => [...root.querySelectorAll(selector)];
  return {
    state: document.querySelector("main#app")?.getAttribute("data-state") ?? null,
    batchId: text(document.querySelector("[data-field=batch-id]")),
    status: text(document.querySelector("[data-field=status]")),
    summary: text(document.querySelector("[data-field=summary]")),
    tiers: all("section[data-tier]").map((section) => ({
      tier: section.getAttribute("data-tier"),
      status: section.getAttribute("data-status"),
      visible: (section as HTMLElement).checkVisibility(),
      text: text(section),
      badges: all("[data-badge]", section).map((b) => ({ kind: b.getAttribute("data-badge") ?? "", text: text(b) })),
      jobs: all("[data-job]", section).map((j) => j.getAttribute("data-job") ?? ""),
    })),
    // textContent: the list may sit in a closed <details>, which innerText reads as empty.
    dag: all("ol[data-dag-list] > li").map((li) => (li.textContent ?? "").replace(/\s+/g, " ").trim()),
    stages: all("[data-stage]").map((s) => ({
      name: s.getAttribute("data-stage") ?? "",
      seconds: Number(s.getAttribute("data-seconds")),
      slowest: s.getAttribute("data-slowest") === "true",
    })),
    errorGroups: all("[data-error-group]").map((g) => ({ count: Number(g.getAttribute("data-count")), kind: g.getAttribute("data-kind"), text: text(g) })),
    actions: all("[data-action]").map((a) => ({ tool: a.getAttribute("data-tool"), outcome: a.getAttribute("data-outcome"), text: text(a) })),
    recommendations: all("[data-recommendation]").map((r) => ({ tool: r.getAttribute("data-tool") || null, text: text(r), run: r.querySelector("button[data-run]") !== null })),
  };
});

/** A status as text compares in any case, with or without underscores. */
const plain = (s: string) => s.toLowerCase().replace(/_/g, " ");
const GIB = 2 ** 30;

/** Seconds in a duration written like "26 min", "1h 5m" or "25 minutes 50 s". */
export function durationIn(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)\s*(h|m|s)[a-z]*\b/gi)) seconds += Number(n) * units[unit!.toLowerCase()]!;
  return seconds;
}

/** One badge per finding: a tier with two failing jobs has two failing-job badges. */
export const badgesOf = (tier: Diagnosis["tiers"][number]): string[] => [
  ...(tier.stuck ? ["stuck"] : []), ...(tier.oom ? ["oom"] : []), ...tier.duplicate_jobs.map(() => "duplicate"),
  ...tier.failing_jobs.map(() => "failing-job"), ...(tier.orphaned ? ["orphaned"] : []), ...(tier.qdrant_write_failed ? ["qdrant"] : []),
].sort();

const jobsOf = (tier: Diagnosis["tiers"][number]): string[] =>
  tier.jobs.flatMap((j) => (j.ray_job_id === null ? [] : [j.ray_job_id])).sort();

/** Holds the page against the diagnosis; `readOnly` names the tools the view may run itself. */
export function expectView(dom: ViewDom, d: Diagnosis, readOnly: ReadonlySet<string>): void {
  expect(dom.state, "data-state").toBe("ready");
  expect(dom.batchId).toBe(d.batch_id);
  expect(plain(dom.status)).toContain(plain(d.status));
  expect(dom.summary).toBe(d.summary);

  expect(dom.tiers.map(({ tier, status, visible, badges, jobs }) => ({ tier, status, visible, badges: badges.map((b) => b.kind).sort(), jobs: [...jobs].sort() })), "tiers")
    .toEqual(d.tiers.map((t) => ({ tier: String(t.tier_num), status: t.status.toLowerCase(), visible: true, badges: badgesOf(t), jobs: jobsOf(t) })));
  d.tiers.forEach((t, i) => {
    const shown = dom.tiers[i]!;
    expect(plain(shown.text), `tier ${t.tier_num} shows its status`).toContain(plain(t.status));
    for (const id of t.collection_ids) expect(shown.text, `tier ${t.tier_num} names its collections`).toContain(id);
    // The jobs a finding names are among those shown.
    for (const id of [...t.duplicate_jobs.flatMap((j) => j.ray_job_ids), ...t.failing_jobs.map((j) => j.ray_job_id)]) expect(shown.jobs).toContain(id);
    const badge = (kind: string) => shown.badges.find((b) => b.kind === kind)!.text;
    // Idle time as rounded for display ("26 min", "1.2 h"): within a minute or 5 %.
    if (t.stuck && t.idle_seconds !== null) {
      expect(Math.abs(durationIn(badge("stuck")) - t.idle_seconds), `stuck badge "${badge("stuck")}" vs ${t.idle_seconds} s idle`).toBeLessThanOrEqual(Math.max(60, t.idle_seconds * 0.05));
    }
    const memory = t.resources?.memory_bytes;
    if (t.oom && memory) expect(badge("oom"), "oom badge names the memory").toMatch(new RegExp(`\\b${memory / GIB}\\s*Gi?B\\b`, "i"));
  });
  expect(dom.dag.length, "one DAG list item per tier").toBe(d.tiers.length);
  d.tiers.forEach((t, i) => expect(plain(dom.dag[i]!), `DAG item ${i}`).toContain(plain(t.status)));

  const seconds = d.stage_history.map((s) => s.duration_seconds ?? 0);
  expect(dom.stages.map(({ name, seconds }) => ({ name, seconds })), "stages").toEqual(d.stage_history.map((s, i) => ({ name: s.name, seconds: seconds[i] })));
  const slowest = dom.stages.filter((s) => s.slowest);
  if (Math.max(0, ...seconds) > 0) expect(slowest.map((s) => s.seconds), "one slowest stage, the longest").toEqual([Math.max(...seconds)]);

  expect(dom.errorGroups.map(({ count, kind }) => ({ count, kind })), "error groups").toEqual(
    d.failed_documents.groups.map((g) => ({ count: g.count, kind: g.transient ? "transient" : "permanent" })));
  d.failed_documents.groups.forEach((g, i) => expect(dom.errorGroups[i]!.text).toContain(g.error_type));

  expect(dom.actions.map(({ tool, outcome }) => ({ tool, outcome })), "recent actions").toEqual(d.recent_actions.map(({ tool, outcome }) => ({ tool, outcome })));

  expect(dom.recommendations.map(({ tool, run }) => ({ tool, run })), "recommendations").toEqual(
    d.recommendations.map((r) => ({ tool: r.tool ?? null, run: r.tool !== undefined && readOnly.has(r.tool) })));
  d.recommendations.forEach((r, i) => expect(dom.recommendations[i]!.text).toContain(r.title));
}

/** WCAG relative luminance of a computed CSS colour, 0 (black) to 1 (white). */
const luminance = (css: string) => {
  const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};

/** The page's text is dark on a light theme and light on a dark one. */
export async function expectTheme(frame: Frame, theme: "light" | "dark"): Promise<void> {
  const text = luminance(await frame.locator("main#app").evaluate((el) => getComputedStyle(el).color));
  if (theme === "dark") expect(text, "light text on dark").toBeGreaterThan(0.5);
  else expect(text, "dark text on light").toBeLessThan(0.5);
}
