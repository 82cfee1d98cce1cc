// Triage results stay small and actionable; wait_for_batch, prompts and resources. The closed
// loop over every scenario, variant and agent style is in matrix.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { SCENARIOS, type ScenarioName } from "../../src/emulator/index.js";
import { expectActionable, expectInText } from "../actionable.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

describe("results stay small and actionable", () => {
  it("diagnose_batch on 100,000 failed documents stays under 2,000 tokens", async () => {
    h = await startHarness();
    const r = await h.call("diagnose_batch", { bucket: h.bucket, batch_id: h.batches["massive-failures"] });
    const tokens = encode(JSON.stringify(r.structuredContent)).length;
    console.log(`diagnose_batch structuredContent for 100,000 failed documents: ${tokens} tokens (o200k_base)`);
    expect(r.structuredContent!.failed_documents.total).toBe(100_000);
    expect(r.structuredContent!.failed_documents.groups.length).toBeGreaterThanOrEqual(3);
    expect(tokens).toBeLessThan(2000);
  });

  it("every read tool's recommendations are valid on every scenario", async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    for (const scenario of SCENARIOS) {
      const args = { bucket: h.bucket, batch_id: h.batches[scenario] };
      for (const name of ["get_batch", "diagnose_batch", "wait_for_batch"]) {
        const r = await h.call(name, name === "wait_for_batch" ? { ...args, timeout_seconds: 1 } : args);
        expectActionable(tools, r.structuredContent!.recommendations, `${scenario} ${name}`);
        expectInText(r, `${scenario} ${name}`);
      }
      const healthy = scenario === "healthy-completed";
      const diagnosis = await h.call("diagnose_batch", args);
      if (healthy) expect(diagnosis.structuredContent!.recommendations).toEqual([]);
      if (healthy) expect(diagnosis.structuredContent!.summary).toMatch(/nothing to do/);
      if (healthy) expect((diagnosis.content as { text: string }[])[0]!.text).toMatch(/^recommendations: none$/m);
    }
    const list = await h.call("list_batches", { bucket: h.bucket });
    expectActionable(tools, list.structuredContent!.recommendations, "list_batches");
  });
});

describe("failure_category when the API gives none", () => {
  // The sparse variant has no diagnose route: the category is this server's own reading of the
  // batch and its failed documents. Typed by scenario, so a new scenario needs its row.
  const EXPECTED: Record<ScenarioName, string | null> = {
    "oom-gpu-tier": "infrastructure",
    "oom-needs-more-memory": "infrastructure",
    "qdrant-write-failed": "infrastructure",
    "transient-network": "infrastructure",
    "orphaned-tier": "orphaned",
    "orphaned-running": "orphaned",
    "stuck-tier": "timeout",
    "permanent-bad-input": "pipeline",
    "massive-failures": "pipeline",
    "mixed-failures": "pipeline",
    "failing-job-multi-extractor": "pipeline",
    "duplicate-jobs": null,
    "healthy-completed": null,
    "still-running": null,
    "running-unknown-status": null,
  };

  it.each(SCENARIOS)("%s", async (scenario) => {
    // The clock stands still: the batch is read as seeded.
    h = await startHarness({ emulator: { scenarios: [scenario], variant: "sparse", stepMs: 0 } });
    const r = await h.call("diagnose_batch", { bucket: h.bucket, batch_id: h.batches[scenario] });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(r.structuredContent!.notes).toContain("The API's diagnose endpoint failed (HTTP 404 NotFoundError); findings come from the batch alone.");
    expect(r.structuredContent!.failure_category).toBe(EXPECTED[scenario]);
    expect(requestsFor(h.emulator, "diagnoseBatch").map((q) => q.status)).toEqual([404]);
  });
});

describe("wait_for_batch", () => {
  it("sends progress notifications to a client that asked for them", async () => {
    h = await startHarness();
    const progress: number[] = [];
    const { data } = await h.runtime.api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} });
    const r = await h.client.callTool({ name: "wait_for_batch", arguments: { bucket: h.bucket, batch_id: data.batch_id } }, undefined, {
      onprogress: (p) => { progress.push(p.progress); },
    });
    expect((r.structuredContent as { status: string }).status).toBe("COMPLETED");
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(2);
  });

  it("stops polling at once when the client cancels", async () => {
    h = await startHarness({ config: { pollIntervalMs: 50 } });
    const controller = new AbortController();
    const call = h.client.callTool({ name: "wait_for_batch", arguments: { bucket: h.bucket, batch_id: h.batches["duplicate-jobs"], timeout_seconds: 30 } }, undefined, {
      signal: controller.signal, onprogress: () => { if (requestsFor(h!.emulator, "getBatch").length >= 2) controller.abort(); },
    });
    await expect(call).rejects.toThrow();
    const polls = requestsFor(h.emulator, "getBatch").length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(requestsFor(h.emulator, "getBatch").length).toBe(polls);
  });

  it("returns before the timeout with a recommendation to call again", async () => {
    h = await startHarness({ config: { pollIntervalMs: 200 } });
    const r = await h.call("wait_for_batch", { bucket: h.bucket, batch_id: h.batches["duplicate-jobs"], timeout_seconds: 1 });
    expect(r.structuredContent).toMatchObject({ finished: false, timed_out: true });
    expect(r.structuredContent!.waited_seconds).toBeLessThan(2);
    expect(r.structuredContent!.recommendations[0].tool).toBe("wait_for_batch");
  });
});

describe("prompts and resources", () => {
  it("offers the triage and health-report runbooks", async () => {
    h = await startHarness();
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["batch-health-report", "triage-batch"]);
    const triage = await h.client.getPrompt({ name: "triage-batch", arguments: { bucket: "sandbox-media", batch_id: "btch_x" } });
    const text = (triage.messages[0]!.content as { text: string }).text;
    expect(text).toContain('diagnose_batch {"bucket":"sandbox-media","batch_id":"btch_x"}');
    expect(text).toMatch(/confirm/);
  });

  it("reads a batch and its diagnosis as resources, with batch id completion", async () => {
    h = await startHarness();
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      "mixpeek://buckets/{bucket}/batches/{batch_id}", "mixpeek://buckets/{bucket}/batches/{batch_id}/diagnosis",
    ]);
    const id = h.batches["oom-gpu-tier"];
    const diagnosis = await h.client.readResource({ uri: `mixpeek://buckets/sandbox-media/batches/${id}/diagnosis` });
    expect(JSON.parse((diagnosis.contents[0] as { text: string }).text).failure_category).toBe("infrastructure");
    const batch = await h.client.readResource({ uri: `mixpeek://buckets/sandbox-media/batches/${id}` });
    expect(JSON.parse((batch.contents[0] as { text: string }).text).batch_id).toBe(id);
    const completion = await h.client.complete({
      ref: { type: "ref/resource", uri: "mixpeek://buckets/{bucket}/batches/{batch_id}" },
      argument: { name: "batch_id", value: id.slice(0, 7) },
      context: { arguments: { bucket: "sandbox-media" } },
    });
    expect(completion.completion.values).toContain(id);
  });
});
