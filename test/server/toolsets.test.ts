// What a server with some toolsets serves, and how its results speak of the tools it does not:
// a step that would name one becomes the same step in words for a human.
import { afterEach, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { startEmulator } from "../../src/emulator/index.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { createRuntime } from "../../src/mcp/runtime.js";
import { Logger } from "../../src/util/log.js";
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

it("a server built for one tools/call (stateless HTTP) registers that tool alone, and still recommends every served tool", async () => {
  const emulator = await startEmulator({ port: 0, scenarios: ["oom-gpu-tier"] });
  const runtime = createRuntime(
    { ...CATALOGUE_CONFIG, apiUrl: emulator.url, apiKey: "sk_test_call_only_key", namespace: emulator.sandbox.namespaceId, auditLog: undefined },
    { logger: new Logger([], { stderr: false }), callOnly: "diagnose_batch" },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "one-call", version: "1" });
  try {
    await runtime.server.connect(serverSide);
    await client.connect(clientSide);
    const result = await client.callTool({ name: "diagnose_batch", arguments: { bucket: "sandbox-media", batch_id: emulator.sandbox.batches["oom-gpu-tier"] } });
    expect((result.structuredContent as { recommendations: Recommendation[] }).recommendations[0]).toMatchObject({ tool: "retry_tier" });
    expect((await client.callTool({ name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: "btch_x" } })).isError).toBe(true);
    await expect(client.listPrompts()).rejects.toThrow(/Method not found/);
  } finally {
    await client.close();
    await runtime.close();
    await emulator.close();
  }
});
