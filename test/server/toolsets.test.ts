// What a server with some toolsets serves, and how its results speak of the tools it does not:
// a step that would name one becomes the same step in words for a human.
import { afterEach, expect, it } from "vitest";
import type { Recommendation } from "../../src/mcp/results.js";
import { DEFAULT_TOOLSETS } from "../../src/mcp/toolsets.js";
import { TOOLS } from "../../tools/index.js";
import { startHarness, type Harness } from "../harness.js";

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

it("lists only the tools of the enabled toolsets", async () => {
  h = await startHarness({ config: { toolsets: DEFAULT_TOOLSETS } });
  const { tools } = await h.client.listTools();
  expect(tools.map((t) => t.name)).toEqual(TOOLS.filter((t) => t.toolset !== "admin").map((t) => t.name));
  const admin = await h.call("delete_batch", { bucket: h.bucket, batch_id: h.batches["healthy-completed"] });
  expect(admin.isError).toBe(true);
  expect(h.emulator.requests).toEqual([]);
});

it("never recommends a tool that is not served: diagnose_batch alone gives the OOM fix in words", async () => {
  h = await startHarness({ config: { toolsets: ["triage"], tools: ["diagnose_batch"] } });
  const ref = { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] };
  const result = await h.call("diagnose_batch", ref);
  const steps = result.structuredContent!["recommendations"] as Recommendation[];
  expect(steps.filter((s) => s.tool && s.tool !== "diagnose_batch")).toEqual([]);
  expect(steps[0]).toMatchObject({
    title: expect.stringMatching(/^Retry tier 1 with .* memory \(human action\)$/),
    rationale: expect.stringContaining(`retry_tier is not enabled on this server`),
  });
  expect(steps[0]!.rationale).toContain(`"tier_num":1`);
  const text = (result.content as { text: string }[])[0]!.text;
  expect(text).toContain("retry_tier is not enabled on this server");
  expect(text).not.toMatch(/→ retry_tier/);
});

it("recommends the same step as a tool when the tool is served", async () => {
  h = await startHarness({ config: { toolsets: ["triage"] } });
  const result = await h.call("diagnose_batch", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] });
  expect((result.structuredContent!["recommendations"] as Recommendation[])[0]).toMatchObject({ tool: "retry_tier", arguments: { tier_num: 1 } });
});
