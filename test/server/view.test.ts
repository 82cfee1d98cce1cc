// The MCP App view of diagnose_batch: the tool points at a ui:// page, the server lists and serves
// it with the MCP Apps MIME type, the page loads nothing and stays small, a report embeds data
// that cannot break out of it, and diagnose_batch's structuredContent carries what the page draws
// (its text too). The page in a browser: test/browser (helper B); the bin: test/e2e/view.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { pureTopLevelConsts, withoutJsonSchema } from "../../src/app/build-page.js";
import { diagnosisPage, embedDiagnosis } from "../../src/mcp/page.js";
import { APP_MIME_TYPE, DIAGNOSIS_VIEW_URI } from "../../src/mcp/view.js";
import { startHarness, type Harness } from "../harness.js";

/** The issue asks for 150 KB. The page is some 141 KB: ext-apps' App with the SDK's protocol and
 * zod, which it needs, some 128 KB minified (after build-page.ts trims them), the view's own code
 * and styles about 12 KB. */
const PAGE_BUDGET_BYTES = 150 * 1024;

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

const diagnose = async (scenario: keyof Harness["batches"]) => {
  const result = await h.call("diagnose_batch", { bucket: h.bucket, batch_id: h.batches[scenario] });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return { data: result.structuredContent as DiagnoseBatchResult, text: (result.content as { text: string }[])[0]!.text };
};

describe("diagnose_batch points at the view", () => {
  it("names the ext-apps MIME type and meta key", () => {
    expect(APP_MIME_TYPE).toBe(RESOURCE_MIME_TYPE);
    expect(DIAGNOSIS_VIEW_URI).toMatch(/^ui:\/\//);
  });

  it("carries _meta.ui.resourceUri (and the legacy flat key) in tools/list, on diagnose_batch only", async () => {
    const { tools } = await h.client.listTools();
    const withView = tools.filter((tool) => tool._meta);
    expect(withView.map((tool) => tool.name)).toEqual(["diagnose_batch"]);
    expect(withView[0]!._meta).toEqual({ ui: { resourceUri: DIAGNOSIS_VIEW_URI }, [RESOURCE_URI_META_KEY]: DIAGNOSIS_VIEW_URI });
  });
});

describe("the page", () => {
  it("is listed and read as text/html;profile=mcp-app", async () => {
    const { resources } = await h.client.listResources();
    expect(resources.filter((r) => r.uri.startsWith("ui://"))).toEqual([expect.objectContaining({ uri: DIAGNOSIS_VIEW_URI, mimeType: RESOURCE_MIME_TYPE })]);
    const { contents } = await h.client.readResource({ uri: DIAGNOSIS_VIEW_URI });
    expect(contents).toEqual([{ uri: DIAGNOSIS_VIEW_URI, mimeType: RESOURCE_MIME_TYPE, text: await diagnosisPage() }]);
  });

  it("is one self-contained file: inline script and style, no URL, nothing to fetch", async () => {
    const page = await diagnosisPage();
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<main id="app" data-state="empty">');
    expect(page).not.toMatch(/https?:/i);
    expect(page).not.toMatch(/<(script|img|iframe|link|object|embed)\b[^>]*\s(src|href|data)=/i);
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(/<style>([\s\S]*?)<\/style>/.exec(page)![1]).not.toMatch(/url\(|@import/i);
  });

  it(`stays within ${PAGE_BUDGET_BYTES / 1024} KB`, async () => {
    const size = Buffer.byteLength(await diagnosisPage());
    console.log(`view page: ${(size / 1024).toFixed(1)} KB`);
    expect(size).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
  });

  it("the page builder stops, rather than bloat the page, when a library's layout changes", () => {
    const consts = (n: number) => Array.from({ length: n }, (_, i) => `export const S${i} = z.object({\n    a: z.string()\n});\n`).join("");
    expect(pureTopLevelConsts(consts(100), "types.js")).toContain("export const S99 = /* @__PURE__ */ (() => z.object({\n    a: z.string()\n}))();\n");
    expect(() => pureTopLevelConsts(consts(99), "types.js")).toThrow(/only 99 top-level consts/);
    expect(() => pureTopLevelConsts(`${consts(100)}const A = z.string(); // trailing\n`, "types.js")).toThrow(/not one `const X = <expr>;`/);
    expect(() => withoutJsonSchema("export const a = 1;\n", "schemas.js")).toThrow(/JSON Schema hooks/);
  });
});

describe("a report embeds the diagnosis", () => {
  const HOSTILE = 'x</script><script>alert(1)</script><!--<script> $& $1 $` \u2028 </SCRIPT >';
  const embedded = (html: string) => /<script type="application\/json" id="diagnosis">([\s\S]*?)<\/script>/i.exec(html)?.[1];

  it("as JSON no text can end early, whatever the API wrote", async () => {
    const page = await diagnosisPage();
    const diagnosis = { batch_id: "btch_1", summary: HOSTILE, tiers: [{ collection_ids: [HOSTILE] }] };
    const html = embedDiagnosis(page, diagnosis);
    expect(JSON.parse(embedded(html)!)).toEqual(diagnosis);
    // The page gained exactly one element: the data; nothing in it opens or closes another.
    expect(html.match(/<script/gi)).toHaveLength(page.match(/<script/gi)!.length + 1);
    expect(html.match(/<\/script/gi)).toHaveLength(page.match(/<\/script/gi)!.length + 1);
    expect(html.replace(embedded(html)!, "")).toBe(embedDiagnosis(page, {}).replace("{}", ""));
  });

  it("carries a real diagnosis the page can read back", async () => {
    const { data } = await diagnose("oom-gpu-tier");
    expect(JSON.parse(embedded(embedDiagnosis(await diagnosisPage(), data))!)).toEqual(data);
  });
});

describe("structuredContent holds what the view draws, and the text says it too", () => {
  it("OOM: each tier's collections and jobs, and the memory it was submitted with", async () => {
    const { data, text } = await diagnose("oom-gpu-tier");
    const tier = data.tiers.find((t) => t.tier_num === 1)!;
    expect(tier).toMatchObject({ status: "FAILED", oom: true, collection_ids: ["col_embeds03c4"], resources: { memory_bytes: 8 * 2 ** 30 } });
    expect(tier.jobs).toEqual([{ extractor_type: "video_embedding_v2", ray_job_id: expect.stringMatching(/^raysubmit_/), status: "FAILED" }]);
    expect(data.tiers.map((t) => t.collection_ids)).toEqual([["col_frames01a2"], ["col_embeds03c4"]]);
    expect(text).toContain(`ray_job_id=${tier.jobs[0]!.ray_job_id}`);
    expect(text).toContain("collection_ids=[col_embeds03c4]");
  });

  it("the batch's stage timing, in the API's order", async () => {
    const { data, text } = await diagnose("oom-gpu-tier");
    expect(data.stage_history).toEqual([
      { name: "loading", duration_seconds: 3 }, { name: "processing", duration_seconds: 22.5 }, { name: "writing", duration_seconds: 4.5 },
    ]);
    expect(text).toMatch(/stage_history \(3\):\n\s+- name=loading duration_seconds=3\n/);
  });

  it("duplicate jobs: every job of the tier, the duplicates among them", async () => {
    const { data } = await diagnose("duplicate-jobs");
    const tier = data.tiers[0]!;
    expect(tier.jobs.map((j) => j.ray_job_id).sort()).toEqual([...tier.duplicate_jobs[0]!.ray_job_ids].sort());
    expect(tier.jobs).toHaveLength(2);
  });

  it("stuck: the running tier's job and its idle time", async () => {
    const { data } = await diagnose("stuck-tier");
    expect(data.tiers.find((t) => t.stuck)).toMatchObject({ status: "IN_PROGRESS", idle_seconds: expect.any(Number), jobs: [{ status: "IN_PROGRESS" }] });
  });
});
