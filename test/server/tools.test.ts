// Every tool called through the real SDK client against the emulator: results validate against
// their output schemas, carry their recommendations in the text too, invalid input never
// reaches the API, and errors read well. Each test gets its own emulator and server, so no test
// depends on what another one changed (batch states, incident memory, the dedupe window).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { listTools } from "../../src/mcp/catalogue.js";
import { expectValidResult } from "../actionable.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

const KEY = "sk_test_harness_key_0123456789";
let h: Harness;
let tools: Tool[];

beforeAll(async () => { tools = await listTools(); });
beforeEach(async () => { h = await startHarness({ apiKey: KEY }); });
afterEach(() => h.close());

const expectValid = (name: string, result: Parameters<typeof expectValidResult>[2]) => expectValidResult(tools, name, result, KEY);

describe("every tool on the sandbox", () => {
  it("list_batches pages the sandbox bucket", async () => {
    const r = await h.call("list_batches", { bucket: h.bucket, limit: 3 });
    expectValid("list_batches", r);
    expect(r.structuredContent!.returned).toBe(3);
    expect(r.structuredContent!.next_offset).toBe(3);
    expect(r.structuredContent!.total_count).toBeGreaterThanOrEqual(10);
    expect(r.structuredContent!.batches[0]).toHaveProperty("batch_id");
    const byId = await h.call("list_batches", { bucket: h.emulator.sandbox.bucketId, status: "FAILED" });
    expect(byId.structuredContent!.batches.every((b: { status: string }) => b.status === "FAILED")).toBe(true);
  });

  it("get_batch shows tiers, jobs, resources and stage history", async () => {
    const r = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] });
    expectValid("get_batch", r);
    const tier = r.structuredContent!.tiers.find((t: { tier_num: number }) => t.tier_num === 1);
    expect(tier.status).toBe("FAILED");
    expect(tier.submission_params.requires_gpu).toBe(true);
    expect(tier.jobs[0].ray_job_id).toMatch(/^raysubmit_/);
    const done = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["healthy-completed"] });
    expect(done.structuredContent!.stage_history.length).toBeGreaterThan(0);
    expect(done.structuredContent!.recommendations).toEqual([]);
  });

  it("diagnose_batch explains an OOM and recommends more memory", async () => {
    const r = await h.call("diagnose_batch", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] });
    expectValid("diagnose_batch", r);
    const s = r.structuredContent!;
    expect(s.failure_category).toBe("infrastructure");
    expect(s.summary).toMatch(/memory/);
    const first = s.recommendations[0];
    expect(first.tool).toBe("retry_tier");
    expect(first.arguments.memory_bytes).toBeGreaterThanOrEqual(2 * 8 * 2 ** 30);
    // A client that reads only the text gets the same next step, ready to send.
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).toContain(`→ retry_tier ${JSON.stringify(first.arguments)}`);
    expect(text).toContain(first.rationale);
  });

  it("list_failed_documents groups by default and lists raw pages on request", async () => {
    const args = { bucket: h.bucket, batch_id: h.batches["permanent-bad-input"] };
    const grouped = await h.call("list_failed_documents", args);
    expectValid("list_failed_documents", grouped);
    expect(grouped.structuredContent!.groups.length).toBeGreaterThan(0);
    const raw = await h.call("list_failed_documents", { ...args, raw: true, limit: 2 });
    expectValid("list_failed_documents", raw);
    expect(raw.structuredContent!.documents).toHaveLength(2);
    expect(raw.structuredContent!.next_offset).toBe(2);
  });

  it("get_batch_logs puts error lines first and never sends tail_lines to the API", async () => {
    const r = await h.call("get_batch_logs", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"], tier_num: 1, tail_lines: 5 });
    expectValid("get_batch_logs", r);
    const job = r.structuredContent!.jobs[0];
    expect(job.tail.length).toBeLessThanOrEqual(5);
    expect(job.error_lines.join("\n")).toMatch(/memory|OOM|killed/i);
    const [req] = requestsFor(h.emulator, "getBatchLogs");
    expect(req!.query).toEqual({ tier_num: "1" });
  });

  it("get_task reads the batch's task", async () => {
    const batch = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["healthy-completed"] });
    const r = await h.call("get_task", { task_id: batch.structuredContent!.task_id });
    expectValid("get_task", r);
    expect(r.structuredContent!.status).toBe("COMPLETED");
  });

  it("wait_for_batch polls a fresh batch until it completes", async () => {
    const { data } = await h.runtime.api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} });
    const r = await h.call("wait_for_batch", { bucket: h.bucket, batch_id: data.batch_id, timeout_seconds: 20 });
    expectValid("wait_for_batch", r);
    expect(r.structuredContent!.status).toBe("COMPLETED");
    expect(r.structuredContent!.polls).toBeGreaterThan(1);
  });

  it("retry_failed_documents retries transient errors once per call", async () => {
    const args = { bucket: h.bucket, batch_id: h.batches["transient-network"], retry_mode: "transient_only" };
    const r = await h.call("retry_failed_documents", args);
    expectValid("retry_failed_documents", r);
    expect(r.structuredContent!.outcome).toBe("retrying");
    const posts = requestsFor(h.emulator, "retryDocuments");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({ retry_mode: "transient_only" });
  });

  it("retry_tier sends only the declared resource fields", async () => {
    const r = await h.call("retry_tier", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"], tier_num: 1, memory_bytes: 17179869184 });
    expectValid("retry_tier", r);
    expect(r.structuredContent!.outcome).toBe("retrying");
    expect(requestsFor(h.emulator, "retryTier")[0]!.body).toEqual({ memory_bytes: 17179869184 });
  });

  it("retry_qdrant_write rewrites a tier whose Qdrant write failed, with no body, and the batch completes", async () => {
    const batch = { bucket: h.bucket, batch_id: h.batches["qdrant-write-failed"] };
    const r = await h.call("retry_qdrant_write", { ...batch, tier_num: 1 });
    expectValid("retry_qdrant_write", r);
    expect(r.structuredContent).toMatchObject({ outcome: "rewriting", tier_num: 1, status: "IN_PROGRESS", message: "Rewriting tier 1's processed output from S3 to Qdrant" });
    expect(r.structuredContent!.recommendations[0]).toMatchObject({ tool: "wait_for_batch", arguments: batch });
    const [req] = requestsFor(h.emulator, "retryQdrantWrite");
    expect(req).toMatchObject({ method: "POST", path: `/v1/buckets/${h.bucket}/batches/${batch.batch_id}/tiers/1/retry-qdrant-write`, body: undefined });
    expect(requestsFor(h.emulator, "retryQdrantWrite")).toHaveLength(1);
    expect((await h.call("wait_for_batch", { ...batch, timeout_seconds: 30 })).structuredContent!.status).toBe("COMPLETED");
    // Nothing was reprocessed: the tier's Ray job is the one that ran before.
    const before = (await h.call("get_batch", batch)).structuredContent!;
    expect(requestsFor(h.emulator, "retryTier")).toEqual([]);
    expect(before.status).toBe("COMPLETED");
  });

  it("retry_qdrant_write is refused for a tier with no failed write, and an unknown batch is named", async () => {
    const refused = await h.call("retry_qdrant_write", { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"], tier_num: 1 });
    expect(refused.structuredContent).toMatchObject({ outcome: "refused", reason: expect.stringMatching(/no failed Qdrant write to retry/) });
    const unknown = await h.call("retry_qdrant_write", { bucket: h.bucket, batch_id: "btch_doesnotexist", tier_num: 1 });
    expect(unknown.isError).toBe(true);
    expect((unknown.content as { text: string }[])[0]!.text).toMatch(/btch_doesnotexist/);
  });

  it("detect_stuck_tier finds the stuck tier and is a plain write", async () => {
    const r = await h.call("detect_stuck_tier", { bucket: h.bucket, batch_id: h.batches["stuck-tier"], tier_num: 1 });
    expectValid("detect_stuck_tier", r);
    expect(r.structuredContent!.outcome).toBe("stuck_detected");
    expect(requestsFor(h.emulator, "healTier")[0]!.body).toEqual({ action: "detect_stuck" });
  });

  it("resubmit_batch sends from_tier in the query and no body", async () => {
    const r = await h.call("resubmit_batch", { bucket: h.bucket, batch_id: h.batches["orphaned-tier"], from_tier: 1 });
    expectValid("resubmit_batch", r);
    const [req] = requestsFor(h.emulator, "resubmitBatch");
    expect(req!.query).toEqual({ from_tier: "1" });
    expect(req!.body).toBeUndefined();
  });

  it("trigger_collection creates a batch and points at it", async () => {
    const collection = h.emulator.sandbox.collections[0]!;
    const r = await h.call("trigger_collection", { collection: collection.name });
    expectValid("trigger_collection", r);
    expect(r.structuredContent!.batch_id).toMatch(/^btch_/);
    expect(r.structuredContent!.recommendations[0].tool).toBe("wait_for_batch");
  });

  it("confirm_uploads starts a task", async () => {
    const r = await h.call("confirm_uploads", { bucket: h.bucket, confirmations: [{ upload_id: "upl_doesnotexist0001", etag: "abc", file_size_bytes: 10 }] });
    expectValid("confirm_uploads", r);
    expect(r.structuredContent!.recommendations[0]).toMatchObject({ tool: "get_task", arguments: { task_id: r.structuredContent!.task_id } });
  });
});

describe("destructive tools, through their confirmation", () => {
  // The clock stands still between the plan and the confirmed call, as for a user who answers
  // at once; otherwise a sibling job finishing in between changes the tier and voids the token.
  beforeEach(async () => {
    await h.close();
    h = await startHarness({ apiKey: KEY, emulator: { stepMs: 0 } });
  });

  async function confirmed(name: string, args: Record<string, unknown>) {
    const plan = await h.call(name, args);
    expectValid(name, plan);
    expect(plan.structuredContent!.outcome).toBe("confirmation_required");
    const applied = await h.call(name, { ...args, confirm_token: plan.structuredContent!.confirm_token });
    expectValid(name, applied);
    return applied.structuredContent!;
  }

  it("kill_duplicate_jobs kills all but the oldest job", async () => {
    const out = await confirmed("kill_duplicate_jobs", { bucket: h.bucket, batch_id: h.batches["duplicate-jobs"], tier_num: 0 });
    expect(out.outcome).toBe("killed");
    expect(out.killed_job_ids).toHaveLength(1);
    expect(requestsFor(h.emulator, "healTier")[0]!.body).toEqual({ action: "kill_duplicates" });
  });

  it("cancel_job stops one job", async () => {
    const batch = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["failing-job-multi-extractor"] });
    const job = batch.structuredContent!.tiers[0].jobs.find((j: { extractor_type: string }) => j.extractor_type === "ocr_extractor_v1");
    const out = await confirmed("cancel_job", { bucket: h.bucket, batch_id: h.batches["failing-job-multi-extractor"], tier_num: 0, ray_job_id: job.ray_job_id });
    expect(out).toMatchObject({ outcome: "canceled", job_status: "CANCELED" });
    expect(requestsFor(h.emulator, "cancelJob")).toHaveLength(1);
  });

  it("cancel_tier and cancel_batch stop what they name", async () => {
    const first = (await h.runtime.api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} })).data;
    const tier = await confirmed("cancel_tier", { bucket: h.bucket, batch_id: first.batch_id, tier_num: 0 });
    expect(tier).toMatchObject({ outcome: "canceled", tier_status: "CANCELED", batch_status: "CANCELED" });
    const second = (await h.runtime.api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} })).data;
    const batch = await confirmed("cancel_batch", { bucket: h.bucket, batch_id: second.batch_id });
    expect(batch).toMatchObject({ outcome: "canceled", status: "CANCELED" });
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(1);
  });

  it("cancel_job names the jobs of the tier when the id is wrong", async () => {
    const r = await h.call("cancel_job", { bucket: h.bucket, batch_id: h.batches["healthy-completed"], tier_num: 0, ray_job_id: "raysubmit_nope" });
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0]!.text).toMatch(/has no job raysubmit_nope \(jobs: raysubmit_/);
  });
});

describe("invalid input", () => {
  it.each([
    ["get_batch", { bucket: "sandbox-media", batch_id: "../x" }],
    ["get_batch", { bucket: "sandbox-media", batch_id: ".." }],
    ["get_batch", { bucket: "a/b", batch_id: "btch_x" }],
    ["get_batch", { bucket: "sandbox-media", batch_id: "x?y=1" }],
    ["retry_failed_documents", { bucket: "sandbox-media", batch_id: "btch_x", max_retry_count: 11 }],
    ["retry_failed_documents", { bucket: "sandbox-media", batch_id: "btch_x", retry_mode: "sometimes" }],
    ["retry_tier", { bucket: "sandbox-media", batch_id: "btch_x", tier_num: -1 }],
    ["retry_tier", { bucket: "sandbox-media", batch_id: "btch_x", tier_num: 1.5 }],
    ["confirm_uploads", { bucket: "sandbox-media", confirmations: [] }],
    ["list_batches", {}],
  ])("%s %j is refused before any request", async (name, args) => {
    const r = await h.call(name, args);
    expect(r.isError).toBe(true);
    expect((r.content as { text: string }[])[0]!.text).toMatch(/Invalid arguments|invalid/i);
    expect(h.emulator.requests).toHaveLength(0);
  });
});

describe("errors", () => {
  it("an unknown batch says how to find the right id", async () => {
    const r = await h.call("get_batch", { bucket: h.bucket, batch_id: "btch_nope" });
    expect(r.isError).toBe(true);
    const text = (r.content as { text: string }[])[0]!.text;
    expect(text).toMatch(/HTTP 404/);
    expect(text).toContain('list_batches {"bucket":"sandbox-media"}');
  });

  it("a rejected key points at MIXPEEK_API_KEY and never shows the key", async () => {
    h.emulator.faults.inject("getBatch", { kind: "status", status: 401 });
    const r = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["healthy-completed"] });
    const text = (r.content as { text: string }[])[0]!.text;
    expect(r.isError).toBe(true);
    expect(text).toMatch(/MIXPEEK_API_KEY/);
    expect(text).not.toContain(KEY);
  });

  it("a POST that lost its connection is reported as unknown, not retried", async () => {
    h.emulator.faults.inject("retryDocuments", { kind: "drop-after-apply" });
    const r = await h.call("retry_failed_documents", { bucket: h.bucket, batch_id: h.batches["permanent-bad-input"], retry_mode: "all" });
    const text = (r.content as { text: string }[])[0]!.text;
    expect(r.isError).toBe(true);
    expect(text).toMatch(/unknown/i);
    expect(text).toMatch(/get_batch/);
    expect(requestsFor(h.emulator, "retryDocuments")).toHaveLength(1);
  });

  it("an invalid state transition is a refusal with an outcome, not an error", async () => {
    const r = await h.call("retry_tier", { bucket: h.bucket, batch_id: h.batches["healthy-completed"], tier_num: 0 });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent!.outcome).toBe("refused");
    expect(r.structuredContent!.recommendations[0].tool).toBe("diagnose_batch");
  });
});
